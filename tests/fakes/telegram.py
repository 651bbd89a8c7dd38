"""A fake of the Telegram Bot API, built from https://core.telegram.org/bots/api.

- `POST /bot<token>/<method>` with a JSON (or url-encoded) body; every answer is
  `{"ok": true, "result": ...}` or `{"ok": false, "error_code", "description"[, "parameters":
  {"retry_after" | "migrate_to_chat_id"}]}` with the HTTP status equal to `error_code`;
- a wrong token → 401 "Unauthorized"; an unknown method → 404 "Not Found";
- `sendMessage(chat_id, text, reply_parameters{message_id, allow_sending_without_reply} |
  reply_to_message_id, message_thread_id)` → Message; text 1-4096 characters;
- `sendPhoto(chat_id, photo, caption ≤ 1024, reply_parameters)` and `sendVideo(chat_id, video,
  ...)` → Message; the file a URL, or uploaded with multipart/form-data ("Sending files": object
  fields such as `reply_parameters` and `media` then come as JSON strings);
- `sendMediaGroup(chat_id, media[2-10 InputMediaPhoto|InputMediaVideo], reply_parameters)` →
  [Message]; an uploaded item's `media` is `attach://<field name>`;
- `getChat(chat_id)` → ChatFullInfo (`linked_chat_id` for a channel with a discussion group);
- the reply target must exist in that chat → else 400 "Bad Request: message to be replied not
  found"; a chat the bot is not in → 403 "Forbidden: bot is not a member of the channel chat";
  an unknown chat → 400 "Bad Request: chat not found"; a group that became a supergroup → 400
  with `parameters.migrate_to_chat_id`;
- `flood(retry_after)` scripts 429 "Too Many Requests: retry after N" with
  `parameters.retry_after`.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

from tests.fakes.server import FakeServer, Reply, Request


@dataclass
class Chat:
    id: int
    type: str = "supergroup"  # "channel" | "supergroup" | "group"
    username: str | None = None
    title: str = "Чат"
    member: bool = True
    linked_chat_id: int | None = None
    migrated_to: int | None = None
    messages: dict[int, dict] = field(default_factory=dict)

    def public(self) -> dict:
        found = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            found["username"] = self.username
        return found


class FakeTelegram(FakeServer):
    def __init__(self, *, token: str = "123456:ABC-test-token") -> None:
        super().__init__()
        self.token = token
        self.chats: list[Chat] = []
        self._ids = itertools.count(5000)
        self.uploads: list[tuple[str, str, bytes]] = []  # (field, file name, bytes) received

    # -- set-up ----------------------------------------------------------------------------------

    def add_chat(self, chat: Chat, *message_ids: int) -> Chat:
        for message_id in message_ids:
            chat.messages[message_id] = {"message_id": message_id, "text": "…"}
        self.chats.append(chat)
        return chat

    def flood(self, retry_after: int, *, times: int = 1) -> None:
        self.fail_next(
            lambda request: self._error(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            ),
            times,
        )

    def sent(self, method: str | None = None) -> list[tuple[str, dict]]:
        """(method, payload) of every call with the right token."""
        prefix = f"/bot{self.token}/"
        return [
            (r.path.removeprefix(prefix), r.json if r.json is not None else r.form)
            for r in self.requests
            if r.path.startswith(prefix) and (method is None or r.path.endswith("/" + method))
        ]

    # -- the API ---------------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        prefix = f"/bot{self.token}/"
        if not request.path.startswith(prefix):
            return self._error(401, "Unauthorized")
        method = request.path.removeprefix(prefix)
        payload = request.json if isinstance(request.json, dict) else dict(request.form)
        if request.files or request.headers.get("content-type", "").startswith("multipart/"):
            for name in ("reply_parameters", "media"):
                if isinstance(payload.get(name), str):
                    payload[name] = json.loads(payload[name])
            for name, (filename, data, _) in request.files.items():
                self.uploads.append((name, filename, data))
            payload["_files"] = dict(request.files)
        handler = {
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendVideo": self._send_video,
            "sendMediaGroup": self._send_media_group,
            "getChat": self._get_chat,
        }.get(method)
        if handler is None:
            return self._error(404, "Not Found")
        return handler(payload)

    def _error(self, code: int, description: str, **parameters) -> Reply:
        body = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return Reply(code, body)

    def _chat(self, chat_id) -> Chat | Reply:
        for chat in self.chats:
            if str(chat_id) in (str(chat.id), f"@{chat.username}"):
                if chat.migrated_to is not None:
                    return self._error(
                        400,
                        "Bad Request: group chat was upgraded to a supergroup chat",
                        migrate_to_chat_id=chat.migrated_to,
                    )
                if not chat.member:
                    return self._error(403, "Forbidden: bot is not a member of the channel chat")
                return chat
        return self._error(400, "Bad Request: chat not found")

    def _target(self, chat: Chat, payload: dict) -> Reply | int | None:
        reply = payload.get("reply_parameters") or {}
        reply_to = reply.get("message_id") or payload.get("reply_to_message_id")
        if reply_to is None:
            return None
        if int(reply_to) not in chat.messages:
            if reply.get("allow_sending_without_reply"):
                return None
            return self._error(400, "Bad Request: message to be replied not found")
        return int(reply_to)

    def _message(self, chat: Chat, reply_to: int | None, **content) -> dict:
        message_id = next(self._ids)
        message = {"message_id": message_id, "date": 1767225600, "chat": chat.public(), **content}
        if reply_to is not None:
            message["reply_to_message"] = chat.messages[reply_to]
        chat.messages[message_id] = message
        return message

    def _prepare(self, payload: dict) -> tuple[Chat, int | None] | Reply:
        chat = self._chat(payload.get("chat_id"))
        if isinstance(chat, Reply):
            return chat
        target = self._target(chat, payload)
        if isinstance(target, Reply):
            return target
        return chat, target

    def _send_message(self, payload: dict) -> Reply:
        text = payload.get("text") or ""
        if not text:
            return self._error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return self._error(400, "Bad Request: message is too long")
        found = self._prepare(payload)
        if isinstance(found, Reply):
            return found
        chat, reply_to = found
        return Reply(200, {"ok": True, "result": self._message(chat, reply_to, text=text)})

    @staticmethod
    def _file_given(payload: dict, field: str) -> bool:
        value = str(payload.get(field) or "")
        files = payload.get("_files") or {}
        if value.startswith("attach://"):
            return value.removeprefix("attach://") in files
        return value.startswith(("http://", "https://")) or field in files

    def _file_id(self, payload: dict, field: str) -> str:
        files = payload.get("_files") or {}
        value = str(payload.get(field) or "")
        name = value.removeprefix("attach://") if value.startswith("attach://") else field
        return f"uploaded:{files[name][0]}" if name in files else value

    def _send_video(self, payload: dict) -> Reply:
        if not self._file_given(payload, "video"):
            return self._error(400, "Bad Request: there is no video in the request")
        found = self._prepare(payload)
        if isinstance(found, Reply):
            return found
        chat, reply_to = found
        message = self._message(
            chat,
            reply_to,
            video={"file_id": self._file_id(payload, "video")},
            **({"caption": payload["caption"]} if payload.get("caption") else {}),
        )
        return Reply(200, {"ok": True, "result": message})

    def _send_photo(self, payload: dict) -> Reply:
        if not self._file_given(payload, "photo"):
            return self._error(400, "Bad Request: wrong remote file identifier specified")
        if len(payload.get("caption") or "") > 1024:
            return self._error(400, "Bad Request: message caption is too long")
        found = self._prepare(payload)
        if isinstance(found, Reply):
            return found
        chat, reply_to = found
        message = self._message(
            chat,
            reply_to,
            photo=[{"file_id": self._file_id(payload, "photo"), "width": 1, "height": 1}],
            **({"caption": payload["caption"]} if payload.get("caption") else {}),
        )
        return Reply(200, {"ok": True, "result": message})

    def _send_media_group(self, payload: dict) -> Reply:
        media = payload.get("media") or []
        if not 2 <= len(media) <= 10:
            return self._error(400, "Bad Request: wrong number of media in the album")
        if any(m.get("type") not in ("photo", "video") for m in media):
            return self._error(400, "Bad Request: unsupported media type")
        if not all(self._file_given({**payload, "m": m.get("media")}, "m") for m in media):
            return self._error(400, "Bad Request: wrong file identifier specified")
        if len(media[0].get("caption") or "") > 1024:
            return self._error(400, "Bad Request: message caption is too long")
        found = self._prepare(payload)
        if isinstance(found, Reply):
            return found
        chat, reply_to = found
        group = f"album-{next(self._ids)}"
        messages = [
            self._message(
                chat,
                reply_to,
                media_group_id=group,
                **{m["type"]: [{"file_id": self._file_id({**payload, "m": m["media"]}, "m")}]},
                **({"caption": m["caption"]} if m.get("caption") else {}),
            )
            for m in media
        ]
        return Reply(200, {"ok": True, "result": messages})

    def _get_chat(self, payload: dict) -> Reply:
        chat = self._chat(payload.get("chat_id"))
        if isinstance(chat, Reply):
            return chat
        info = chat.public()
        if chat.linked_chat_id is not None:
            info["linked_chat_id"] = chat.linked_chat_id
        return Reply(200, {"ok": True, "result": info})
