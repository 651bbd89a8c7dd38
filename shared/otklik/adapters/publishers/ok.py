"""Odnoklassniki (OK): the answer as the group's official comment under the citizen's topic.

API calls (https://apiok.ru/dev/methods, method descriptions in github.com/apiok/documentation),
each a POST to `https://api.ok.ru/fb.do` with `application_key`, `method`, `format=json`, the
method's parameters, `access_token` and `sig`. The signature, per apiok.ru ("Расчет подписи
запроса"): `secret = lower(MD5(access_token + application_secret_key))`; drop `access_token` (and
`sig`) from the parameters, sort the rest by name, concatenate `name=value` without separators,
append `secret`, and take the lower-case hex MD5.
- a topic in a group (`https://ok.ru/group/<gid>/topic/<id>`, `https://ok.ru/<name>/topic/<id>`)
  or a user's status (`https://ok.ru/profile/<uid>/statuses/<id>`):
  `discussions.addDiscussionComment(entityId, entityType=GROUP_TOPIC|USER_STATUS, comment,
  as_admin=true)` — `as_admin` is "an official answer of the group's administrator". The
  published documentation gives no format for the comment's `attachments`, nor the answer's
  shape: an answer with photos is left to a person (the files are private, never links), and
  the comment id is kept when the answer
  carries one (`"<id>"` or `{"id": ...}`); the link recorded is the topic's;
- where commenting is impossible (10 PERMISSION_DENIED, 106 PARAM_ENTITY_ID, or a link that names
  no topic), clause 15's fallback: `mediatopic.post(gid, type=GROUP_THEME, attachment={"media":
  [{"type": "text", ...}, {"type": "link", "url": <the post>}, {"type": "photo", "list":
  [{"id": <token>}]}], "onBehalfOfGroup": "true"})` → the new topic's id, on the
  administration's group page, addressed to the author with a link to their post;
- photos for that post: `photosV2.getUploadUrl(gid, count)` → `{"upload_url", "photo_ids"}`; a
  multipart POST of the files as `pic1..picN` → `{"photos": {"<photo id>": {"token": ...}}}`.

Errors come as a JSON object `{"error_code", "error_msg", "error_data"}` (and the
`invocation-error` header), https://apiok.ru/en/dev/errors: 1 UNKNOWN, 2 SERVICE and 8
FLOOD_BLOCKED are retried with backoff; 7 ACTION_BLOCKED and 11 LIMIT_REACHED are left to the
queue; 102 PARAM_SESSION_EXPIRED, 103 PARAM_SESSION_KEY, 104 PARAM_SIGNATURE, 101 PARAM_API_KEY
and the rest are permanent.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from otklik.adapters.publishers.base import (
    author_name,
    fallback_text,
    photos,
    read_file,
    refuse_videos,
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
    form_values,
    http_error,
    with_retries,
)
from otklik.ports import FileStore, Published

OK_HOSTS = ("ok.ru", "m.ok.ru", "www.ok.ru", "odnoklassniki.ru", "www.odnoklassniki.ru")

RETRY = {1, 2, 8}  # UNKNOWN, SERVICE, FLOOD_BLOCKED
RETRY_LATER = {7, 11}  # ACTION_BLOCKED (temporarily), LIMIT_REACHED
NO_REPLY = {10, 106}  # PERMISSION_DENIED, PARAM_ENTITY_ID
MESSAGES = {
    101: "ключ приложения OK_APPLICATION_KEY неверен",
    102: "сессия (OK_ACCESS_TOKEN) истекла: получите новый вечный токен",
    103: "токен OK_ACCESS_TOKEN недействителен",
    104: "неверная подпись запроса: проверьте OK_APPLICATION_SECRET_KEY",
}


@dataclass(frozen=True)
class OkTarget:
    entity_type: str  # "GROUP_TOPIC" | "USER_STATUS"
    entity_id: str


def parse_ok_url(url: str) -> OkTarget | None:
    parts = urlsplit(url.strip())
    if (parts.hostname or "").lower() not in OK_HOSTS:
        return None
    path = parts.path
    topic = re.search(r"/topic/(\d+)", path)
    if topic:
        return OkTarget("GROUP_TOPIC", topic[1])
    status = re.search(r"/statuses/(\d+)", path)
    if status:
        return OkTarget("USER_STATUS", status[1])
    return None


def signature(params: dict[str, str], access_token: str, application_secret_key: str) -> str:
    """`sig` of a request made in a session (apiok.ru, "Расчет подписи запроса")."""
    secret = hashlib.md5((access_token + application_secret_key).encode()).hexdigest().lower()
    signed = "".join(
        f"{k}={v}" for k, v in sorted(params.items()) if k not in ("sig", "access_token")
    )
    return hashlib.md5((signed + secret).encode()).hexdigest().lower()


class OkPublisher:
    network = "ok"

    def __init__(
        self,
        *,
        access_token: str,
        application_key: str,
        application_secret_key: str,
        group_id: str,
        http: HttpClient,
        api_url: str = "https://api.ok.ru/fb.do",
        files: FileStore | None = None,
    ) -> None:
        self.files = files  # the draft's photos are read from the attachments bucket
        self.token = access_token
        self.application_key = application_key
        self.secret_key = application_secret_key
        self.group_id = str(group_id)
        self.http = http
        self.api_url = api_url

    # -- the Publisher interface ----------------------------------------------------------------

    def publish(self, message: Message, draft: Draft, *, budget: Budget) -> Published:
        refuse_videos(draft, "Одноклассники")
        target = parse_ok_url(message.url)
        if target is not None:
            try:
                return self._comment(target, message, draft, budget)
            except ReplyImpossible:
                pass
        return self._post_in_own_group(message, draft, budget)

    # -- the steps ------------------------------------------------------------------------------

    def _comment(
        self, target: OkTarget, message: Message, draft: Draft, budget: Budget
    ) -> Published:
        if photos(draft.attachments):
            # OK documents no attachments of a comment, and the files are private: the answer
            # goes whole to a person rather than without its photos.
            raise PermanentError(
                "Одноклассники: фото в комментарий через API не добавляются — опубликуйте "
                "ответ с фото вручную."
            )
        text = text_with_links(draft)
        params = {
            "entityId": target.entity_id,
            "entityType": target.entity_type,
            "comment": text,
        }
        if target.entity_type == "GROUP_TOPIC":
            params["as_admin"] = True
        answer = self.call("discussions.addDiscussionComment", params, budget)
        comment_id = answer.get("id") if isinstance(answer, dict) else answer
        return Published(
            message.url,
            Receipt(
                str(comment_id) if comment_id not in (None, "", True) else None,
                "discussions.addDiscussionComment",
                in_thread=True,
                text=text,
            ),
        )

    def _post_in_own_group(self, message: Message, draft: Draft, budget: Budget) -> Published:
        posted = fallback_text(message, text_with_links(draft), author_name(message))
        media: list[dict] = [
            {"type": "text", "text": posted},
            {"type": "link", "url": message.url},
        ]
        tokens = self._upload_photos(draft, budget)
        if tokens:
            media.append({"type": "photo", "list": [{"id": t} for t in tokens]})
        answer = self.call(
            "mediatopic.post",
            {
                "gid": self.group_id,
                "type": "GROUP_THEME",
                "attachment": {"media": media, "onBehalfOfGroup": "true"},
            },
            budget,
        )
        topic_id = answer.get("id") if isinstance(answer, dict) else answer
        if not topic_id:
            raise PermanentError(f"Одноклассники: mediatopic.post не вернул id темы: {answer!r}")
        return Published(
            f"https://ok.ru/group/{self.group_id}/topic/{topic_id}",
            Receipt(str(topic_id), "mediatopic.post", in_thread=False, text=posted),
        )

    def _upload_photos(self, draft: Draft, budget: Budget) -> list[str]:
        wanted = photos(draft.attachments)
        if not wanted:
            return []
        answer = self.call(
            "photosV2.getUploadUrl", {"gid": self.group_id, "count": len(wanted)}, budget
        )
        ids = list(answer["photo_ids"])
        files = {
            f"pic{i}": with_retries(lambda a=attachment: read_file(self.files, a), budget)
            for i, attachment in enumerate(wanted, start=1)
        }
        uploaded = with_retries(lambda: self._upload(answer["upload_url"], files, budget), budget)
        try:
            return [uploaded["photos"][photo_id]["token"] for photo_id in ids]
        except (KeyError, TypeError) as error:
            raise TemporaryError(f"Одноклассники не вернули токены фото: {uploaded!r}") from error

    def _upload(self, upload_url: str, files: dict[str, File], budget: Budget) -> dict:
        response = self.http.request("POST", upload_url, files=files, budget=budget)
        failure = http_error(response, "OK upload")
        if failure is not None:
            raise failure
        data = response.json()
        if not isinstance(data, dict) or "photos" not in data:
            raise TemporaryError(f"Одноклассники не приняли фото: {response.body[:200]!r}")
        return data

    # -- one API call ---------------------------------------------------------------------------

    def call(self, method: str, params: dict, budget: Budget):
        values = ok_values(
            {**params, "application_key": self.application_key, "format": "json", "method": method}
        )
        form = {
            **values,
            "sig": signature(values, self.token, self.secret_key),
            "access_token": self.token,
        }

        def once():
            response = self.http.request("POST", self.api_url, form=form, budget=budget)
            failure = http_error(response, f"OK {method}")
            if failure is not None:
                raise failure
            data = response.json()
            if data is None:
                raise TemporaryError(f"OK {method}: ответ не JSON (HTTP {response.status})")
            if isinstance(data, dict) and "error_code" in data:
                raise ok_error(method, data)
            return data

        return with_retries(once, budget)


def ok_values(params: dict) -> dict[str, str]:
    """Parameters as the strings sent and signed: JSON for objects, true/false for booleans."""
    return form_values(params, booleans=("true", "false"))


def ok_error(method: str, data: dict) -> Exception:
    code = int(data.get("error_code") or 0)
    text = f"Одноклассники, {method}: {data.get('error_msg') or 'ошибка'} (код {code})"
    if code in MESSAGES:
        text = f"{text}: {MESSAGES[code]}"
    if code in RETRY:
        return TemporaryError(text, code=code)
    if code in RETRY_LATER:
        return TemporaryError(text, code=code, inline=False)
    if code in NO_REPLY:
        return ReplyImpossible(text, code=code)
    return PermanentError(text, code=code)
