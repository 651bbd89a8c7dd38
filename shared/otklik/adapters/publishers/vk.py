"""VK (VKontakte): the answer as a comment in the post's own thread, from the community.

API calls (https://dev.vk.com/en/reference; the schema github.com/VKCOM/vk-api-schema, API 5.199),
each a POST to `https://api.vk.com/method/<name>` with `access_token` and `v`:
- a wall post or a comment under it (`https://vk.com/wall-1_2`, `?reply=3[&thread=4]`):
  `wall.createComment(owner_id, post_id, from_group, message, reply_to_comment, attachments,
  guid)` → `{"comment_id": ..., "parents_stack": [...]}`;
- a discussion board topic (`https://vk.com/topic-1_2[?post=3]`):
  `board.createComment(group_id, topic_id, message, attachments, from_group=1, guid)` → the new
  comment's id;
- where commenting is impossible (error 212 "Access to post comments denied", 213 "Access to
  status replies denied" — comments closed —, 15 "Access denied", or a link that names no
  thread), clause 15's fallback: `wall.post(owner_id=-group, from_group=1, message, attachments,
  guid)` → `{"post_id": ...}` on the administration's own wall, mentioning the author as
  `[id123|Имя]` with a link to their post;
- photos (https://dev.vk.com/en/api/upload/wall-photo): `photos.getWallUploadServer(group_id)` →
  `upload_url`; a multipart POST of the file (read from the attachments bucket, never from a
  link) as field `photo` → `{"server", "photo", "hash"}`;
  `photos.saveWallPhoto(group_id, photo, server, hash)` → `[{"id", "owner_id", ...}]`, attached
  as `photo<owner_id>_<id>`.

Errors come as HTTP 200 with `{"error": {"error_code", "error_msg", "request_params"}}`:
6 "Too many requests per second" and 9 "Flood control" are retried with backoff (6 after a
second), 10 "Internal server error" and 1 "Unknown error" too; 29 "Rate limit reached" (a daily
quota) is left to the queue; 5 "User authorization failed", 14 "Captcha needed" and the rest are
permanent. `wall.post`, `board.createComment` and the photo methods take a *user* token only
(the schema's `access_token_type`), so the token is an administrator's of the community.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from otklik.adapters.publishers.base import (
    fallback_text,
    photos,
    read_file,
    refuse_videos,
    text_with_links,
)
from otklik.domain.values import Author, Draft, Message, Receipt
from otklik.httpclient import (
    Budget,
    File,
    HttpClient,
    PermanentError,
    ReplyImpossible,
    TemporaryError,
    http_error,
    with_retries,
)
from otklik.ports import FileStore, Published

VK_HOSTS = ("vk.com", "vk.ru", "m.vk.com", "m.vk.ru", "www.vk.com", "vkontakte.ru")

# error_code -> kind (errors.json of the VK API schema)
RETRY_SOON = {6: 1.0}  # too many requests per second: the next second is enough
RETRY = {1, 9, 10}  # unknown error, flood control, internal server error
RETRY_LATER = {29}  # rate limit reached: a quota, not worth waiting for in this delivery
NO_REPLY = {15, 212, 213}  # access denied / comments closed: fall back to our own wall


@dataclass(frozen=True)
class VkTarget:
    kind: str  # "wall" | "board"
    owner_id: int  # negative for a community
    item_id: int  # the post id, or the board topic id
    reply_to: int | None = None  # the comment answered, if the link names one
    thread: int | None = None  # the top comment of that comment's thread

    def reply_url(self, comment_id: int) -> str:
        if self.kind == "board":
            return f"https://vk.com/topic{self.owner_id}_{self.item_id}?post={comment_id}"
        top = self.thread or self.reply_to
        tail = f"&thread={top}" if top else ""
        return f"https://vk.com/wall{self.owner_id}_{self.item_id}?reply={comment_id}{tail}"


def parse_vk_url(url: str) -> VkTarget | None:
    """The thread a VK link points at: `wall-1_2?reply=3&thread=4`, `club1?w=wall-1_2`,
    `topic-1_2?post=3`; None for anything else."""
    parts = urlsplit(url.strip())
    if (parts.hostname or "").lower() not in VK_HOSTS:
        return None
    query = parse_qs(parts.query)

    def number(name: str) -> int | None:
        value = (query.get(name) or [""])[0]
        return int(value) if value.isdigit() else None

    where = parts.path + " " + " ".join(query.get("w", []))
    board = re.search(r"topic(-\d+)_(\d+)", where)
    if board:
        return VkTarget("board", int(board[1]), int(board[2]), reply_to=number("post"))
    wall = re.search(r"wall(-?\d+)_(\d+)", where)
    if wall:
        return VkTarget(
            "wall", int(wall[1]), int(wall[2]), reply_to=number("reply"), thread=number("thread")
        )
    return None


def vk_mention(author: Author) -> str:
    """`[id123|Имя]` (or `[club5|…]`, `[screen_name|…]`): VK's mention markup."""
    name = re.sub(r"[\[\]|]", "", author.name or "").strip() or "Уважаемый житель"
    ident = (author.id or "").strip()
    found = re.fullmatch(r"(id|club|public)?(-?\d+)", ident)
    if found:
        number = int(found[2])
        ref = f"club{-number}" if number < 0 else f"{found[1] or 'id'}{number}"
        return f"[{ref}|{name}]"
    screen = ident or urlsplit(author.url or "").path.strip("/")
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]{1,31}", screen):
        return f"[{screen}|{name}]"
    return name


class VkPublisher:
    network = "vk"

    def __init__(
        self,
        *,
        access_token: str,
        group_id: str,
        http: HttpClient,
        api_url: str = "https://api.vk.com/method",
        version: str = "5.199",
        files: FileStore | None = None,
    ) -> None:
        self.files = files  # the draft's photos are read from the attachments bucket
        self.token = access_token
        self.group_id = int(str(group_id).lstrip("-"))
        self.http = http
        self.api_url = api_url.rstrip("/")
        self.version = version

    # -- the Publisher interface ----------------------------------------------------------------

    def publish(self, message: Message, draft: Draft, *, budget: Budget) -> Published:
        refuse_videos(draft, "ВКонтакте")
        attachments = self._upload_photos(draft, budget)
        text = text_with_links(draft)
        target = parse_vk_url(message.url)
        if target is not None:
            try:
                return self._comment(target, message, text, attachments, draft, budget)
            except ReplyImpossible:
                pass  # comments closed or no access: clause 15's fallback below
        return self._post_on_own_wall(message, text, attachments, draft, budget)

    # -- the steps ------------------------------------------------------------------------------

    def _comment(
        self,
        target: VkTarget,
        message: Message,
        text: str,
        attachments: list[str],
        draft: Draft,
        budget: Budget,
    ) -> Published:
        if target.reply_to or target.kind == "board":  # as VK's own "reply" does
            text = f"{vk_mention(message.author)}, {text}"
        if target.kind == "board":
            method = "board.createComment"
            answer = self.call(
                method,
                {
                    "group_id": -target.owner_id,
                    "topic_id": target.item_id,
                    "message": text,
                    "attachments": ",".join(attachments) or None,
                    "from_group": 1,
                    "guid": draft.draft_id,
                },
                budget,
            )
            comment_id = int(answer)
        else:
            method = "wall.createComment"
            answer = self.call(
                method,
                {
                    "owner_id": target.owner_id,
                    "post_id": target.item_id,
                    "from_group": self.group_id,
                    "message": text,
                    "reply_to_comment": target.reply_to,
                    "attachments": ",".join(attachments) or None,
                    "guid": draft.draft_id,
                },
                budget,
            )
            comment_id = int(answer["comment_id"])
        return Published(
            target.reply_url(comment_id),
            Receipt(str(comment_id), method, in_thread=True, text=text),
        )

    def _post_on_own_wall(
        self, message: Message, text: str, attachments: list[str], draft: Draft, budget: Budget
    ) -> Published:
        posted = fallback_text(message, text, vk_mention(message.author))
        answer = self.call(
            "wall.post",
            {
                "owner_id": -self.group_id,
                "from_group": 1,
                "message": posted,
                "attachments": ",".join(attachments) or None,
                "guid": f"{draft.draft_id}-wall",
            },
            budget,
        )
        post_id = int(answer["post_id"])
        return Published(
            f"https://vk.com/wall-{self.group_id}_{post_id}",
            Receipt(str(post_id), "wall.post", in_thread=False, text=posted),
        )

    def _upload_photos(self, draft: Draft, budget: Budget) -> list[str]:
        wanted = photos(draft.attachments)
        if not wanted:
            return []
        server = self.call("photos.getWallUploadServer", {"group_id": self.group_id}, budget)
        found = []
        for attachment in wanted:
            file = with_retries(lambda a=attachment: read_file(self.files, a), budget)
            uploaded = with_retries(
                lambda f=file: self._upload(server["upload_url"], f, budget), budget
            )
            saved = self.call(
                "photos.saveWallPhoto",
                {
                    "group_id": self.group_id,
                    "photo": uploaded["photo"],
                    "server": uploaded["server"],
                    "hash": uploaded["hash"],
                },
                budget,
            )
            found.append(f"photo{saved[0]['owner_id']}_{saved[0]['id']}")
        return found

    def _upload(self, upload_url: str, file: File, budget: Budget) -> dict:
        response = self.http.request("POST", upload_url, files={"photo": file}, budget=budget)
        failure = http_error(response, "VK upload")
        if failure is not None:
            raise failure
        data = response.json()
        if not isinstance(data, dict) or not data.get("photo") or "hash" not in data:
            raise TemporaryError(f"ВКонтакте не принял фото {file.name}: {response.body[:200]!r}")
        return data

    # -- one API call ---------------------------------------------------------------------------

    def call(self, method: str, params: dict, budget: Budget):
        def once():
            response = self.http.request(
                "POST",
                f"{self.api_url}/{method}",
                form={**params, "access_token": self.token, "v": self.version},
                budget=budget,
            )
            failure = http_error(response, f"VK {method}")
            if failure is not None:
                raise failure
            data = response.json()
            if not isinstance(data, dict):
                raise TemporaryError(f"VK {method}: ответ не JSON (HTTP {response.status})")
            if "error" in data:
                raise vk_error(method, data["error"])
            if "response" not in data:
                raise TemporaryError(f"VK {method}: в ответе нет response")
            return data["response"]

        return with_retries(once, budget)


def vk_error(method: str, error: dict) -> Exception:
    code = int(error.get("error_code") or 0)
    text = f"ВКонтакте, {method}: {error.get('error_msg') or 'ошибка'} (код {code})"
    if code in RETRY_SOON:
        return TemporaryError(text, retry_after=RETRY_SOON[code], code=code)
    if code in RETRY:
        return TemporaryError(text, code=code)
    if code in RETRY_LATER:
        return TemporaryError(text, code=code, inline=False)
    if code in NO_REPLY:
        return ReplyImpossible(text, code=code)
    if code == 5:
        return PermanentError(
            f"{text}. Токен VK_ACCESS_TOKEN недействителен или отозван: выпустите новый.",
            code=code,
        )
    return PermanentError(text, code=code)
