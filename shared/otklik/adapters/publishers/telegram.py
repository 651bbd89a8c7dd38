"""Telegram: the answer as a reply to the citizen's message, from the administration's bot.

API calls (Bot API, https://core.telegram.org/bots/api), each a POST of a JSON body to
`https://api.telegram.org/bot<token>/<method>`; every answer is `{"ok": true, "result": ...}` or
`{"ok": false, "error_code", "description", "parameters": {"retry_after", "migrate_to_chat_id"}}`:
- `sendMessage(chat_id, text, reply_parameters={"message_id"}, message_thread_id)` → Message;
- with photos, in one message: `sendPhoto(chat_id, photo=<URL>, caption, reply_parameters)` for
  one, `sendMediaGroup(chat_id, media=[InputMediaPhoto{type: "photo", media: <URL>, caption}],
  reply_parameters)` for 2-10 → [Message]. A caption holds 1024 characters: a longer answer goes
  as `sendMessage` and its photos follow as a reply to it. Telegram fetches the photos by URL,
  so they must be reachable from the internet;
- a comment under a channel post (`https://t.me/<channel>/<post>?comment=<id>`) lives in the
  channel's discussion group: `getChat(chat_id="@<channel>")` → `linked_chat_id`, and the reply
  goes there.

Links understood: `t.me/<username>/<id>`, `t.me/<username>/<topic>/<id>`,
`t.me/c/<internal id>/<id>` (a private chat: chat id `-100<internal id>`), `?comment=<id>`.

Errors: 429 with `parameters.retry_after` is waited for (here if it fits the budget, else by the
queue); 5xx is retried; `migrate_to_chat_id` (a group became a supergroup) is followed once;
403 (the bot was removed from the chat, or may not write there) and 400 "message to be replied
not found" make a reply in the thread impossible — with `TELEGRAM_FALLBACK_CHAT_ID` set the answer
goes to the administration's own channel with a link to the citizen's message (clause 15), else
it is a permanent failure; 401 (a bad token) and other 400s are permanent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from urllib.parse import parse_qs, urlsplit

from otklik.adapters.publishers.base import author_name, fallback_text, photos, text_with_links
from otklik.domain.values import Draft, Message, Receipt
from otklik.httpclient import (
    Budget,
    HttpClient,
    PermanentError,
    ReplyImpossible,
    TemporaryError,
    http_error,
    retry_after_seconds,
    with_retries,
)
from otklik.ports import Published

log = logging.getLogger(__name__)

TELEGRAM_HOSTS = ("t.me", "telegram.me", "www.t.me", "telegram.dog")
TEXT_LIMIT = 4096  # sendMessage: 1-4096 characters
CAPTION_LIMIT = 1024  # sendPhoto / sendMediaGroup caption: 0-1024 characters
ALBUM_LIMIT = 10  # sendMediaGroup: 2-10 items


@dataclass(frozen=True)
class TelegramTarget:
    chat: str | int  # "@username" or a numeric chat id
    message_id: int
    thread_id: int | None = None  # a forum topic
    username: str | None = None  # for links
    internal_id: str | None = None  # t.me/c/<internal_id>/... links
    comment_of: int | None = None  # the channel post whose discussion this comment is in


class ChatMigrated(TemporaryError):
    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"Telegram: чат перенесён в {new_chat_id}", inline=False)
        self.new_chat_id = new_chat_id


def parse_telegram_url(url: str) -> TelegramTarget | None:
    """The message a Telegram link points at; None for anything else."""
    parts = urlsplit(url.strip())
    if (parts.hostname or "").lower() not in TELEGRAM_HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if segments[:1] == ["s"]:  # t.me/s/<channel>/<id>: the web preview of a channel
        segments = segments[1:]
    comment = (parse_qs(parts.query).get("comment") or [""])[0]
    if segments[:1] == ["c"]:  # a private chat: t.me/c/<internal>/[<topic>/]<id>
        numbers = segments[1:]
        if len(numbers) not in (2, 3) or not all(n.isdigit() for n in numbers):
            return None
        internal, thread = numbers[0], (int(numbers[1]) if len(numbers) == 3 else None)
        chat = int(f"-100{internal}")
        return TelegramTarget(chat, int(numbers[-1]), thread, internal_id=internal)
    if len(segments) not in (2, 3) or not all(n.isdigit() for n in segments[1:]):
        return None
    username = segments[0]
    if comment.isdigit():  # t.me/<channel>/<post>?comment=<id>: in the discussion group
        return TelegramTarget(
            f"@{username}", int(comment), username=username, comment_of=int(segments[-1])
        )
    thread = int(segments[1]) if len(segments) == 3 else None
    return TelegramTarget(f"@{username}", int(segments[-1]), thread, username=username)


class TelegramPublisher:
    network = "telegram"

    def __init__(
        self,
        *,
        bot_token: str,
        http: HttpClient,
        api_url: str = "https://api.telegram.org",
        fallback_chat_id: str | None = None,
    ) -> None:
        self.token = bot_token
        self.http = http
        self.api_url = api_url.rstrip("/")
        self.fallback_chat_id = fallback_chat_id

    # -- the Publisher interface ----------------------------------------------------------------

    def publish(self, message: Message, draft: Draft, *, budget: Budget) -> Published:
        text = text_with_links(draft)
        if len(text) > TEXT_LIMIT:
            raise PermanentError(
                f"Telegram: ответ длиннее {TEXT_LIMIT} символов ({len(text)}); сократите его "
                "или опубликуйте частями вручную."
            )
        target = parse_telegram_url(message.url)
        if target is not None:
            try:
                return self._reply(target, text, draft, budget)
            except ReplyImpossible as impossible:
                if not self.fallback_chat_id:
                    raise PermanentError(
                        f"{impossible.reason}. Ответить в той же ветке невозможно, а канал "
                        "администрации (TELEGRAM_FALLBACK_CHAT_ID) не настроен."
                    ) from impossible
        elif not self.fallback_chat_id:
            raise PermanentError(f"Telegram: не удалось разобрать ссылку {message.url}")
        return self._post_in_own_channel(message, text, draft, budget)

    # -- the steps ------------------------------------------------------------------------------

    def _reply(self, target: TelegramTarget, text: str, draft: Draft, budget: Budget) -> Published:
        if target.comment_of is not None:
            chat = self.call("getChat", {"chat_id": target.chat}, budget)
            linked = chat.get("linked_chat_id")
            if not linked:
                raise ReplyImpossible(f"Telegram: у канала {target.chat} нет группы обсуждения")
            target = replace(target, chat=linked)
        try:
            sent = self._send(target.chat, text, draft, budget, target.message_id, target.thread_id)
        except ChatMigrated as moved:  # a group that became a supergroup: once more, there
            target = replace(target, chat=moved.new_chat_id, internal_id=None)
            sent = self._send(target.chat, text, draft, budget, target.message_id, target.thread_id)
        method, first = sent
        return Published(
            self._link(target, first),
            Receipt(str(first["message_id"]), method, in_thread=True, text=text),
        )

    def _post_in_own_channel(
        self, message: Message, text: str, draft: Draft, budget: Budget
    ) -> Published:
        who = author_name(message)
        if message.author.url:
            who = f"{who} ({message.author.url})"
        posted = fallback_text(message, text, who)
        method, first = self._send(self.fallback_chat_id, posted, draft, budget, None, None)
        chat = first.get("chat") or {}
        return Published(
            self._message_link(chat, first["message_id"]),
            Receipt(str(first["message_id"]), method, in_thread=False, text=posted),
        )

    def _send(
        self,
        chat: str | int,
        text: str,
        draft: Draft,
        budget: Budget,
        reply_to: int | None,
        thread_id: int | None,
    ) -> tuple[str, dict]:
        """Post the text (and photos); (the method used, the first message sent)."""
        base = {"chat_id": chat}
        if thread_id:
            base["message_thread_id"] = thread_id
        if reply_to:
            base["reply_parameters"] = {"message_id": reply_to}
        urls = [a.url for a in photos(draft.attachments)]
        if len(urls) == 1 and len(text) <= CAPTION_LIMIT:
            sent = self.call("sendPhoto", {**base, "photo": urls[0], "caption": text}, budget)
            return "sendPhoto", sent
        if 1 < len(urls) <= ALBUM_LIMIT and len(text) <= CAPTION_LIMIT:
            media = [{"type": "photo", "media": url} for url in urls]
            media[0]["caption"] = text
            sent = self.call("sendMediaGroup", {**base, "media": media}, budget)
            return "sendMediaGroup", sent[0]
        first = self.call("sendMessage", {**base, "text": text}, budget)
        if urls:  # a long answer: its photos follow as a reply to it
            self._send_photos_after(chat, thread_id, first["message_id"], urls, budget)
        return "sendMessage", first

    def _send_photos_after(
        self, chat, thread_id: int | None, answer_id: int, urls: list[str], budget: Budget
    ) -> None:
        base = {"chat_id": chat, "reply_parameters": {"message_id": answer_id}}
        if thread_id:
            base["message_thread_id"] = thread_id
        try:
            for start in range(0, len(urls), ALBUM_LIMIT):
                chunk = urls[start : start + ALBUM_LIMIT]
                if len(chunk) == 1:
                    self.call("sendPhoto", {**base, "photo": chunk[0]}, budget)
                else:
                    media = [{"type": "photo", "media": url} for url in chunk]
                    self.call("sendMediaGroup", {**base, "media": media}, budget)
        except (TemporaryError, PermanentError) as error:
            # The answer itself is out; posting it again would duplicate it. The photos are
            # reported in the log for the technical executor to add by hand.
            log.warning("Telegram: answer posted, photos not: %s", error.reason)

    def _link(self, target: TelegramTarget, sent: dict) -> str:
        if target.comment_of is not None:
            return (
                f"https://t.me/{target.username}/{target.comment_of}?comment={sent['message_id']}"
            )
        chat = sent.get("chat") or {}
        if target.username and not chat.get("username"):
            chat = {**chat, "username": target.username}
        return self._message_link(chat, sent["message_id"], target.internal_id)

    @staticmethod
    def _message_link(chat: dict, message_id: int, internal_id: str | None = None) -> str:
        if chat.get("username"):
            return f"https://t.me/{chat['username']}/{message_id}"
        chat_id = str(chat.get("id") or "")
        internal = internal_id or (chat_id[4:] if chat_id.startswith("-100") else None)
        if internal:
            return f"https://t.me/c/{internal}/{message_id}"
        raise PermanentError(
            "Telegram: сообщение отправлено, но у чата нет публичной ссылки; укажите ссылку "
            "вручную."
        )

    # -- one API call ---------------------------------------------------------------------------

    def call(self, method: str, payload: dict, budget: Budget):
        url = f"{self.api_url}/bot{self.token}/{method}"  # never logged: it holds the token

        def once():
            response = self.http.request("POST", url, json_body=payload)
            data = response.json()
            if isinstance(data, dict) and data.get("ok") is True:
                return data["result"]
            if not isinstance(data, dict):
                failure = http_error(response, f"Telegram {method}")
                raise failure or TemporaryError(f"Telegram {method}: HTTP {response.status}")
            raise telegram_error(method, data, response.headers.get("retry-after"))

        return with_retries(once, budget)


def telegram_error(method: str, data: dict, retry_after_header: str | None) -> Exception:
    code = int(data.get("error_code") or 0)
    description = data.get("description") or "ошибка"
    parameters = data.get("parameters") or {}
    text = f"Telegram, {method}: {description} (код {code})"
    if parameters.get("migrate_to_chat_id"):
        return ChatMigrated(int(parameters["migrate_to_chat_id"]))
    if code == 429 or parameters.get("retry_after") is not None:
        wait = parameters.get("retry_after")
        wait = float(wait) if wait is not None else retry_after_seconds(retry_after_header)
        return TemporaryError(text, retry_after=wait, code=code)
    if code >= 500:
        return TemporaryError(text, code=code)
    lowered = description.lower()
    reply_gone = "replied" in lowered or ("reply" in lowered and "not found" in lowered)
    if code == 403 or (code == 400 and (reply_gone or "chat not found" in lowered)):
        return ReplyImpossible(text, code=code)
    if code in (401, 404):
        return PermanentError(
            f"{text}. Токен TELEGRAM_BOT_TOKEN недействителен: проверьте его у @BotFather.",
            code=code,
        )
    return PermanentError(text, code=code)
