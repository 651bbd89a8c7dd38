"""A fake of the Odnoklassniki REST API, built from https://apiok.ru/dev/methods ("Общие
параметры запроса", "Расчет подписи запроса"), https://apiok.ru/en/dev/errors and the method
descriptions in github.com/apiok/documentation.

- `POST /fb.do` with `application_key`, `method`, `format`, `access_token`, `sig` and the
  method's parameters (url-encoded); `sig` is checked as documented: MD5 of the parameters
  without `access_token`/`sig`, sorted, `name=value` concatenated, followed by
  `lower(MD5(access_token + application_secret_key))`;
- errors: `{"error_code", "error_data": null, "error_msg": "<NAME> : <text>"}` with the
  `invocation-error` header; 101 PARAM_API_KEY, 102 PARAM_SESSION_EXPIRED, 104
  PARAM_SIGNATURE, 10 PERMISSION_DENIED (a closed topic), 106 PARAM_ENTITY_ID, and scripted ones
  with `fail_with` (8 FLOOD_BLOCKED, 2 SERVICE ...);
- `discussions.addDiscussionComment(entityId, entityType, comment, as_admin)`: the docs give no
  answer shape; this fake answers the new comment's id as a JSON string;
- `mediatopic.post(gid, type=GROUP_THEME, attachment)` → the new topic's id (a JSON string,
  "Ответ в случае успеха содержит идентификатор созданного медиатопика");
- `photosV2.getUploadUrl(gid, count)` → `{"upload_url", "photo_ids", "expires_ms", "ttl_ms"}`;
  the upload URL takes `pic1..picN` multipart → `{"photos": {"<photo id>": {"token"}}}`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import uuid
from dataclasses import dataclass, field

from tests.fakes.server import FakeServer, Reply, Request

NAMES = {
    1: "UNKNOWN",
    2: "SERVICE",
    3: "METHOD",
    8: "FLOOD_BLOCKED",
    10: "PERMISSION_DENIED",
    100: "PARAM",
    101: "PARAM_API_KEY",
    102: "PARAM_SESSION_EXPIRED",
    104: "PARAM_SIGNATURE",
    106: "PARAM_ENTITY_ID",
}


def expected_sig(params: dict[str, str], access_token: str, secret_key: str) -> str:
    secret = hashlib.md5((access_token + secret_key).encode()).hexdigest().lower()
    signed = "".join(f"{k}={params[k]}" for k in sorted(params) if k not in ("sig", "access_token"))
    return hashlib.md5((signed + secret).encode()).hexdigest().lower()


@dataclass
class Topic:
    closed: bool = False
    comments: list[dict] = field(default_factory=list)


class FakeOK(FakeServer):
    def __init__(
        self,
        *,
        application_key: str = "CBAFJIICABABABABA",
        secret_key: str = "0123456789ABCDEF0123456789ABCDEF",
        access_token: str = "tkn1-ok-permanent-token",
        group_id: str = "53038939046008",
    ) -> None:
        super().__init__()
        self.application_key = application_key
        self.secret_key = secret_key
        self.access_token = access_token
        self.group_id = group_id
        self.topics: dict[str, Topic] = {}
        self.posted_topics: list[dict] = []
        self.photo_tokens: dict[str, str] = {}  # token -> photo id
        self._pending: dict[str, list[str]] = {}  # upload id -> photo ids
        self._ids = itertools.count(70102413183763)

    def add_topic(self, topic_id: str, *, closed: bool = False) -> Topic:
        self.topics[topic_id] = Topic(closed)
        return self.topics[topic_id]

    def fail_with(self, code: int, *, times: int = 1) -> None:
        self.fail_next(
            lambda r: self.error(code, "scripted") if r.path == "/fb.do" else None, times
        )

    def method_calls(self, method: str) -> list[dict]:
        return [r.params for r in self.calls("/fb.do") if r.params.get("method") == method]

    # -- the API ---------------------------------------------------------------------------------

    def error(self, code: int, text: str) -> Reply:
        name = NAMES.get(code, "UNKNOWN")
        return Reply(
            200,
            {"error_code": code, "error_data": None, "error_msg": f"{name} : {text}"},
            {"invocation-error": str(code)},
        )

    def handle(self, request: Request) -> Reply:
        if request.path.startswith("/upload/"):
            return self._upload(request)
        if request.path != "/fb.do":
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        p = request.params
        if p.get("application_key") != self.application_key:
            return self.error(101, "Application key is invalid")
        if p.get("access_token") != self.access_token:
            return self.error(102, "Session expired")
        if p.get("sig") != expected_sig(p, self.access_token, self.secret_key):
            return self.error(104, "Invalid signature")
        handler = {
            "discussions.addDiscussionComment": self._comment,
            "mediatopic.post": self._mediatopic,
            "photosV2.getUploadUrl": self._upload_url,
        }.get(p.get("method"))
        if handler is None:
            return self.error(3, "Method does not exist")
        return handler(p)

    def _comment(self, p: dict) -> Reply:
        if p.get("entityType") not in ("GROUP_TOPIC", "USER_STATUS") or not p.get("comment"):
            return self.error(100, "entityType/comment")
        topic = self.topics.get(p.get("entityId", ""))
        if topic is None:
            return self.error(106, "Invalid discussion identifier")
        if topic.closed:
            return self.error(10, "Comments are disabled")
        comment_id = f"c{next(self._ids)}"
        topic.comments.append(
            {"id": comment_id, "text": p["comment"], "as_admin": p.get("as_admin") == "true"}
        )
        return Reply(200, comment_id)

    def _mediatopic(self, p: dict) -> Reply:
        if p.get("gid") != self.group_id or p.get("type") != "GROUP_THEME":
            return self.error(10, "No rights to post in this group")
        try:
            attachment = json.loads(p["attachment"])
        except (KeyError, ValueError):
            return self.error(100, "attachment")
        for item in attachment.get("media", []):
            if item.get("type") == "photo":
                for photo in item.get("list", []):
                    if photo.get("id") not in self.photo_tokens:
                        return self.error(100, "unknown photo token")
        topic_id = str(next(self._ids))
        self.posted_topics.append({"id": topic_id, "attachment": attachment})
        return Reply(200, topic_id)

    def _upload_url(self, p: dict) -> Reply:
        if p.get("gid") != self.group_id:
            return self.error(10, "No rights to upload to this group")
        count = int(p.get("count") or 1)
        upload_id = uuid.uuid4().hex
        ids = [f"ph{next(self._ids)}" for _ in range(count)]
        self._pending[upload_id] = ids
        return Reply(
            200,
            {
                "expires_ms": 1767225600000,
                "photo_ids": ids,
                "ttl_ms": 86400000,
                "upload_url": f"{self.url}/upload/photos?upload={upload_id}",
            },
        )

    def _upload(self, request: Request) -> Reply:
        ids = self._pending.get(request.query.get("upload", ""), [])
        photos = {}
        for index, photo_id in enumerate(ids, start=1):
            if f"pic{index}" in request.files:
                token = uuid.uuid4().hex
                self.photo_tokens[token] = photo_id
                photos[photo_id] = {"token": token}
        return Reply(200, {"photos": photos})
