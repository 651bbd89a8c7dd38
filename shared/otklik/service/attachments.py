"""A draft's photos and videos: files in the administration's own bucket, never links.

1. `start_upload`: whoever may write the case's draft declares a file (name, type, size); the
   size is checked against the case's network (`otklik/data/attachment_limits.json`) before
   anything is stored, and the answer is a presigned form for the browser to POST the file
   straight to the bucket, signed with that limit (the storage refuses a larger body) and the
   key `cases/<case id>/<uuid>`.
2. `confirm`: after the upload, the stored size is read (HEAD) and the first bytes
   (a ranged GET): only a real JPEG, PNG, GIF, WEBP, MP4, MOV or WEBM within the limit is
   accepted; anything else is deleted and refused (422).
3. `for_draft`: a draft attaches only files confirmed for its own case; a link or another
   case's file is refused (422).

Each key is remembered in the key store (`attachment:<object key>`, see `otklik.ports`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from otklik.domain import transitions
from otklik.domain.case import Case
from otklik.domain.errors import InvalidInput, NotFound
from otklik.domain.files import SNIFF_BYTES, Limits, kind_of, megabytes, sniff
from otklik.domain.roles import Actor
from otklik.domain.values import Attachment, new_id
from otklik.ports import KEY_LIFETIME, FileStore, UploadForm, attachment_key
from otklik.service import inbox
from otklik.service.deps import Deps
from otklik.vocabulary import NETWORKS

UPLOAD_SECONDS = 15 * 60  # how long a presigned form may be used
KINDS_RU = {"photo": "фото", "video": "видео"}


@dataclass(frozen=True)
class Upload:
    key: str
    form: UploadForm
    max_size: int


def object_prefix(case_id: str) -> str:
    return f"cases/{case_id}/"


def start_upload(
    deps: Deps,
    actor: Actor,
    case_id: str,
    *,
    name: str,
    content_type: str,
    size: int,
    now: datetime,
) -> Upload:
    files = _files(deps)
    case = _draftable(deps, actor, case_id)
    kind = kind_of(content_type)
    if kind is None:
        raise InvalidInput(
            "Можно прикрепить только фото (JPEG, PNG, GIF, WEBP) или видео (MP4, MOV, WEBM).",
            {"content_type": "недопустимый тип файла"},
        )
    limit = Limits.default().max_size(case.message.network, kind)
    if size <= 0:
        raise InvalidInput("Файл пустой.", {"size": "пустой файл"})
    if size > limit:
        raise InvalidInput(
            _too_large(name, kind, limit, case), {"size": f"больше {megabytes(limit)}"}
        )
    key = object_prefix(case.case_id) + new_id()
    form = files.upload_form(
        key,
        content_type=content_type.split(";")[0].strip().lower(),
        max_size=limit,
        expires=UPLOAD_SECONDS,
    )
    deps.keys.remember(
        attachment_key(key),
        {
            "case_id": case.case_id,
            "name": clean_name(name),
            "type": kind,
            "declared_size": size,
            "by": actor.login,
            "at": now.isoformat(),
            "confirmed": False,
        },
        lifetime=KEY_LIFETIME,
    )
    return Upload(key, form, limit)


def confirm(deps: Deps, actor: Actor, case_id: str, key: str, now: datetime) -> Attachment:
    """The uploaded file, checked: its kind by its first bytes, its stored size by the limit."""
    files = _files(deps)
    case = _draftable(deps, actor, case_id)
    record = _record(deps, case.case_id, key)
    if record is None:
        raise NotFound("Файл не найден.")
    if record.get("confirmed"):
        return _attachment(key, record)
    name = record.get("name") or "файл"
    stored = files.head(key)
    if stored is None:
        raise InvalidInput(f"Файл «{name}» не загружен в хранилище.", {"key": "файла нет"})
    limit = Limits.default().max_size(case.message.network, record["type"])
    if stored.size > limit or stored.size == 0:
        files.delete(key)
        raise InvalidInput(
            _too_large(name, record["type"], limit, case) if stored.size else "Файл пустой.",
            {"key": "недопустимый размер"},
        )
    found = sniff(files.read_start(key, SNIFF_BYTES))
    if found is None or found.kind != record["type"]:
        files.delete(key)
        what = KINDS_RU.get(record["type"], "фото или видео")
        raise InvalidInput(
            f"Файл «{name}» — не {what}: принимаются только настоящие фото (JPEG, PNG, GIF, "
            "WEBP) и видео (MP4, MOV, WEBM). Файл удалён.",
            {"key": "содержимое не фото и не видео"},
        )
    record = {
        **record,
        "confirmed": True,
        "size": stored.size,
        "content_type": found.content_type,
        "confirmed_at": now.isoformat(),
    }
    deps.keys.remember(attachment_key(key), record, lifetime=KEY_LIFETIME)
    return _attachment(key, record)


def for_draft(deps: Deps, case_id: str, attachments: Iterable[Attachment]) -> list[Attachment]:
    """The draft's attachments as stored: each a file confirmed for this case (422 otherwise:
    a link, a file of another case, one never uploaded or checked)."""
    found: list[Attachment] = []
    errors: dict[str, str] = {}
    for i, given in enumerate(attachments):
        if not given.key:
            errors[f"attachments.{i}"] = "ссылка не принимается: загрузите файл"
            continue
        record = _record(deps, case_id, given.key)
        if record is None or not record.get("confirmed"):
            errors[f"attachments.{i}"] = "файл не загружен для этого сообщения"
            continue
        if all(a.key != given.key for a in found):
            found.append(_attachment(given.key, record))
    if errors:
        raise InvalidInput(
            "К ответу прикрепляются только файлы, загруженные в Отклик для этого сообщения.",
            errors,
        )
    limit = Limits.default().per_draft
    if len(found) > limit:
        raise InvalidInput(f"Не больше {limit} файлов в одном ответе.", {"attachments": "много"})
    return found


def clean_name(name: str) -> str:
    """The file's own name as officials see it: no folders, no control characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:200] or "файл"


# -- internals -----------------------------------------------------------------------------------


def _files(deps: Deps) -> FileStore:
    if deps.files is None:
        raise InvalidInput("Хранилище файлов не настроено: прикрепить файл нельзя.")
    return deps.files


def _draftable(deps: Deps, actor: Actor, case_id: str) -> Case:
    """The case, if the actor may write its draft now (404 if they cannot see it)."""
    case = inbox.visible_case(deps, actor, case_id)
    error = transitions.refusal(case, actor, transitions.Step.SUBMIT_DRAFT)
    if error is not None:
        raise error
    return case


def _record(deps: Deps, case_id: str, key: str) -> dict | None:
    if not key.startswith(object_prefix(case_id)):
        return None
    record = deps.keys.seen(attachment_key(key))
    if not record or record.get("case_id") != case_id:
        return None
    return record


def _attachment(key: str, record: dict) -> Attachment:
    return Attachment(
        type=record["type"],
        key=key,
        name=record.get("name") or "",
        size=int(record.get("size") or 0),
        content_type=record.get("content_type") or "",
    )


def _too_large(name: str, kind: str, limit: int, case: Case) -> str:
    network = NETWORKS.get(case.message.network, case.message.network)
    return (
        f"Файл «{clean_name(name)}» слишком большой: {KINDS_RU.get(kind, kind)} для сети "
        f"«{network}» — не больше {megabytes(limit)}."
    )
