"""A fake of the VK API, built from its public description (dev.vk.com; the JSON schema of
API 5.199 at github.com/VKCOM/vk-api-schema: methods.json, responses.json, errors.json).

- `POST /method/<name>` with form (or query) parameters, `access_token` and `v` in them;
  answers HTTP 200 with `{"response": ...}` or `{"error": {"error_code", "error_msg",
  "request_params": [{"key", "value"}]}}` (`base_error` of the schema);
- `wall.createComment(owner_id, post_id, from_group, message, reply_to_comment, attachments,
  guid)` → `{"comment_id", "parents_stack"}`; comments closed → error 213 "Access to status
  replies denied" (or 212 "Access to post comments denied", as the post is set up);
- `board.createComment(group_id, topic_id, message, attachments, from_group, guid)` → the id;
  a closed topic → 15 "Access denied";
- `wall.post(owner_id, from_group, message, attachments, guid)` → `{"post_id"}`;
- `photos.getWallUploadServer(group_id)` → `{"upload_url", "album_id", "user_id"}`; the upload
  URL takes a multipart POST with the file as `photo` → `{"server", "photo", "hash"}`;
  `photos.saveWallPhoto(group_id, photo, server, hash)` → `[{"id", "owner_id", ...}]`;
- a wrong token → 5 "User authorization failed"; no `v` → 8 "Invalid request: v is required";
  `fail_with(code)` scripts an error (6 "Too many requests per second", 9 "Flood control", ...).
A repeated `guid` on the same post returns the comment made the first time, as VK's guid
("unique identifier to avoid repeated comments") promises.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from tests.fakes.server import FakeServer, Reply, Request

ERRORS = {  # errors.json of the schema (the text after ":" is the fake's own detail)
    3: "Unknown method passed",
    5: "User authorization failed: invalid access_token (4).",
    6: "Too many requests per second",
    8: "Invalid request: v is required",
    9: "Flood control",
    10: "Internal server error",
    15: "Access denied",
    29: "Rate limit reached",
    100: "One of the parameters specified was missing or invalid",
    212: "Access to post comments denied",
    121: "Invalid hash",
    213: "Access to status replies denied",
    214: "Access to adding post denied",
}


@dataclass
class Thread:
    closed_with: int | None = None  # the error a comment gets (212, 213, 15) when closed
    comments: dict[int, dict] = field(default_factory=dict)
    by_guid: dict[str, int] = field(default_factory=dict)


class FakeVK(FakeServer):
    def __init__(self, *, token: str = "vk-user-token", group_id: int = 170171414) -> None:
        super().__init__()
        self.token = token
        self.group_id = group_id
        self.walls: dict[tuple[int, int], Thread] = {}
        self.topics: dict[tuple[int, int], Thread] = {}
        self.own_posts: list[dict] = []
        self.uploads: dict[str, bytes] = {}  # hash -> the uploaded file
        self.saved_photos: list[dict] = []
        self._next_id = 1000

    # -- set-up ----------------------------------------------------------------------------------

    def add_post(self, owner_id: int, post_id: int, *, comments=(), closed_with=None) -> Thread:
        thread = Thread(closed_with, {c: {"id": c, "text": "…"} for c in comments})
        self.walls[(owner_id, post_id)] = thread
        return thread

    def add_topic(self, group_id: int, topic_id: int, *, closed: bool = False) -> Thread:
        thread = Thread(15 if closed else None)
        self.topics[(group_id, topic_id)] = thread
        return thread

    def fail_with(self, code: int, *, method: str | None = None, times: int = 1) -> None:
        """The next `times` calls (of `method`, if given) answer VK error `code`."""

        def make(request: Request):
            if not request.path.startswith("/method/"):
                return None
            if method and request.path != f"/method/{method}":
                return None
            return self.error(code, request)

        self.fail_next(make, times)

    def method_calls(self, method: str) -> list[dict]:
        return [r.params for r in self.calls(f"/method/{method}")]

    # -- the API ---------------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        if request.path.startswith("/upload/"):
            return self._upload(request)
        if not request.path.startswith("/method/"):
            return Reply(404, {"error": "not found"})
        method = request.path.removeprefix("/method/")
        p = request.params
        if p.get("access_token") != self.token:
            return self.error(5, request)
        if not p.get("v"):
            return self.error(8, request)
        handler = {
            "wall.createComment": self._wall_comment,
            "board.createComment": self._board_comment,
            "wall.post": self._wall_post,
            "photos.getWallUploadServer": self._upload_server,
            "photos.saveWallPhoto": self._save_photo,
        }.get(method)
        if handler is None:
            return self.error(3, request)
        return handler(request, p)

    def error(self, code: int, request: Request) -> Reply:
        params = [{"key": k, "value": v} for k, v in request.params.items() if k != "access_token"]
        return Reply(
            200,
            {
                "error": {
                    "error_code": code,
                    "error_msg": ERRORS.get(code, "Error"),
                    "request_params": params,
                }
            },
        )

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _check_attachments(self, value: str | None) -> bool:
        saved = {f"photo{p['owner_id']}_{p['id']}" for p in self.saved_photos}
        return all(a in saved for a in (value or "").split(",") if a)

    def _wall_comment(self, request: Request, p: dict) -> Reply:
        try:
            key = (int(p["owner_id"]), int(p["post_id"]))
        except (KeyError, ValueError):
            return self.error(100, request)
        thread = self.walls.get(key)
        if thread is None:
            return self.error(100, request)
        if thread.closed_with:
            return self.error(thread.closed_with, request)
        if not (p.get("message") or p.get("attachments")):
            return self.error(100, request)
        if not self._check_attachments(p.get("attachments")):
            return self.error(100, request)
        reply_to = int(p["reply_to_comment"]) if p.get("reply_to_comment") else None
        if reply_to is not None and reply_to not in thread.comments:
            return self.error(100, request)
        guid = p.get("guid")
        if guid and guid in thread.by_guid:
            comment_id = thread.by_guid[guid]
        else:
            comment_id = self._new_id()
            thread.comments[comment_id] = {
                "id": comment_id,
                "text": p.get("message", ""),
                "from_id": -int(p["from_group"]) if p.get("from_group") else 1,
                "reply_to_comment": reply_to,
                "attachments": p.get("attachments", ""),
            }
            if guid:
                thread.by_guid[guid] = comment_id
        return Reply(
            200,
            {
                "response": {
                    "comment_id": comment_id,
                    "parents_stack": [reply_to] if reply_to else [],
                }
            },
        )

    def _board_comment(self, request: Request, p: dict) -> Reply:
        try:
            key = (int(p["group_id"]), int(p["topic_id"]))
        except (KeyError, ValueError):
            return self.error(100, request)
        thread = self.topics.get(key)
        if thread is None:
            return self.error(100, request)
        if thread.closed_with:
            return self.error(thread.closed_with, request)
        guid = p.get("guid")
        if guid and guid in thread.by_guid:
            return Reply(200, {"response": thread.by_guid[guid]})
        comment_id = self._new_id()
        thread.comments[comment_id] = {"id": comment_id, "text": p.get("message", "")}
        if guid:
            thread.by_guid[guid] = comment_id
        return Reply(200, {"response": comment_id})

    def _wall_post(self, request: Request, p: dict) -> Reply:
        if p.get("owner_id") != str(-self.group_id):
            return self.error(214 if p.get("owner_id") else 100, request)
        if not self._check_attachments(p.get("attachments")):
            return self.error(100, request)
        post_id = self._new_id()
        self.own_posts.append({"id": post_id, **p})
        return Reply(200, {"response": {"post_id": post_id}})

    def _upload_server(self, request: Request, p: dict) -> Reply:
        if p.get("group_id") != str(self.group_id):
            return self.error(15, request)
        return Reply(
            200,
            {
                "response": {
                    "album_id": -14,
                    "upload_url": f"{self.url}/upload/wall?gid={self.group_id}",
                    "user_id": 743784474,
                }
            },
        )

    def _upload(self, request: Request) -> Reply:
        if "photo" not in request.files:
            return Reply(200, {"server": 856312, "photo": "[]", "hash": ""})
        _, data, _ = request.files["photo"]
        digest = uuid.uuid4().hex
        self.uploads[digest] = data
        photo = json.dumps([{"photo": f"{digest[:10]}:w", "sizes": [], "kid": digest}])
        return Reply(200, {"server": 856312, "photo": photo, "hash": digest})

    def _save_photo(self, request: Request, p: dict) -> Reply:
        if p.get("hash") not in self.uploads or p.get("server") != "856312":
            return self.error(121, request)  # Invalid hash
        photo = {
            "id": self._new_id(),
            "owner_id": -int(p["group_id"]),
            "album_id": -14,
            "date": 1700000000,
            "text": "",
            "sizes": [],
        }
        self.saved_photos.append(photo)
        return Reply(200, {"response": [photo]})
