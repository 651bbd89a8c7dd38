"""Telegram: the answer as a reply to the citizen's message, from the administration's bot.

API calls (Bot API, https://core.telegram.org/bots/api), each a POST of a JSON body to
`https://api.telegram.org/bot<token>/<method>`; every answer is `{"ok": true, "result": ...}` or
`{"ok": false, "error_code", "description", "parameters": {"retry_after", "migrate_to_chat_id"}}`:
- `sendMessage(chat_id, text, reply_parameters={"message_id"}, message_thread_id)` → Message;
- with photos or videos, in one message: `sendPhoto(chat_id, photo=<file>, caption,
  reply_parameters)` or `sendVideo(..., video=<file>)` for one, `sendMediaGroup(chat_id,
  media=[InputMediaPhoto|InputMediaVideo{type, media: "attach://file1", caption}],
  reply_parameters)` for 2-10 → [Message], each a multipart/form-data upload of the bytes read
  from the attachments bucket (the bucket is private: Telegram never gets a link). A caption
  holds 1024 characters: a longer answer goes as `sendMessage` and its files follow as a reply
  to it;
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

from otklik.adapters.publishers.base import (
    author_name,
    fallback_text,
    read_file,
    stored,
    text_with_links,
)
from otklik.domain.values import Draft, Message, Receipt
from otklik.httpclient import (
    Budget,
    File,
    HttpClient,
    PermanentError,
    ReplyImpossible,
    TemporaryError,
    http_error,
    retry_after_seconds,
    with_retries,
)
from otklik.ports import FileStore, Published

log = logging.getLogger(__name__)

TELEGRAM_HOSTS = ("t.me", "telegram.me", "www.t.me", "telegram.dog")
TEXT_LIMIT = 4096  # sendMessage: 1-4096 characters
CAPTION_LIMIT = 1024  # sendPhoto / sendMediaGroup caption: 0-1024 characters
ALBUM_LIMIT = 10  # sendMediaGroup: 2-10 items
SINGLE = {"photo": ("sendPhoto", "photo"), "video": ("sendVideo", "video")}  # method, file field


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
        files: FileStore | None = None,
    ) -> None:
        self.files = files  # the draft's photos and videos are read from the attachments bucket
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
        media = stored(draft.attachments)  # photos and videos, in the draft's order
        if len(media) == 1 and len(text) <= CAPTION_LIMIT:
            method, field = SINGLE[media[0].type]
            sent = self.call(
                method, {**base, "caption": text}, budget, files={field: self._file(media[0])}
            )
            return method, sent
        if 1 < len(media) <= ALBUM_LIMIT and len(text) <= CAPTION_LIMIT:
            items, files = self._album(media)
            items[0]["caption"] = text
            sent = self.call("sendMediaGroup", {**base, "media": items}, budget, files=files)
            return "sendMediaGroup", sent[0]
        first = self.call("sendMessage", {**base, "text": text}, budget)
        if media:  # a long answer: its photos and videos follow as a reply to it
            self._send_media_after(chat, thread_id, first["message_id"], media, budget)
        return "sendMessage", first

    def _send_media_after(
        self, chat, thread_id: int | None, answer_id: int, media: list, budget: Budget
    ) -> None:
        base = {"chat_id": chat, "reply_parameters": {"message_id": answer_id}}
        if thread_id:
            base["message_thread_id"] = thread_id
        try:
            for start in range(0, len(media), ALBUM_LIMIT):
                chunk = media[start : start + ALBUM_LIMIT]
                if len(chunk) == 1:
                    method, field = SINGLE[chunk[0].type]
                    self.call(method, base, budget, files={field: self._file(chunk[0])})
                else:
                    items, files = self._album(chunk)
                    self.call("sendMediaGroup", {**base, "media": items}, budget, files=files)
        except (TemporaryError, PermanentError) as error:
            # The answer itself is out; posting it again would duplicate it. The files are
            # reported in the log for the technical executor to add by hand.
            log.warning("Telegram: answer posted, files not: %s", error.reason)

    def _file(self, attachment) -> File:
        """The file's bytes from the attachments bucket, uploaded with multipart/form-data
        (Telegram never fetches a link of ours: the bucket is private)."""
        return read_file(self.files, attachment)

    def _album(self, media: list) -> tuple[list[dict], dict[str, File]]:
        items, files = [], {}
        for i, attachment in enumerate(media, start=1):
            files[f"file{i}"] = self._file(attachment)
            items.append({"type": attachment.type, "media": f"attach://file{i}"})
        return items, files

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

    def call(self, method: str, payload: dict, budget: Budget, files: dict | None = None):
        """One call: a JSON body, or with `files` multipart/form-data (objects as JSON)."""
        url = f"{self.api_url}/bot{self.token}/{method}"  # never logged: it holds the token

        def once():
            if files:
                response = self.http.request("POST", url, form=payload, files=files, budget=budget)
            else:
                response = self.http.request("POST", url, json_body=payload, budget=budget)
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
