"""What a case holds: the message, its drafts and contributions, the proof of publication, the
timeline and the escalations. Plain records; the rules that change them are the case's
(`otklik.domain.case`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from otklik.domain.roles import Role
from otklik.domain.states import DraftKind, DraftStatus


@dataclass(frozen=True)
class Author:
    id: str
    name: str = ""
    url: str = ""


@dataclass(frozen=True)
class Attachment:
    """A photo or video. A post's attachment (from the monitoring system) is a link, `url`,
    never fetched. A draft's attachment is a file in the administration's own storage: `key`
    (`cases/<case id>/<uuid>`), checked when it was uploaded (`otklik.service.attachments`),
    with its original `name`, `size` in bytes and `content_type`. Drafts stored before files
    were kept have a `url` and no key: they are shown, never fetched or posted."""

    type: str
    url: str = ""
    key: str = ""
    name: str = ""
    size: int = 0
    content_type: str = ""


@dataclass(frozen=True)
class Curator:
    id: str
    name: str = ""


@dataclass(frozen=True)
class Message:
    """The post as the monitoring system delivered it (clause 9)."""

    external_id: str
    detected_at: datetime
    network: str
    url: str
    author: Author
    text: str
    topic: str
    location: str
    importance: str
    curator: Curator
    attachments: tuple[Attachment, ...] = ()


@dataclass
class Contribution:
    """A department's part of a joint answer (clause 17)."""

    department: str
    requested_at: datetime
    due: datetime
    text: str | None = None
    author: str | None = None
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class Comment:
    by: str
    role: Role
    text: str
    at: datetime


@dataclass(frozen=True)
class Finding:
    """One piece of advice on a draft answer (clauses 18-20): a stable code, its weight and
    the message officials read (Russian). Advice only: it never blocks a submission."""

    code: str
    severity: str  # "warning" | "info"
    message: str


@dataclass
class Draft:
    draft_id: str
    kind: DraftKind
    text: str
    author: str
    created_at: datetime
    attachments: tuple[Attachment, ...] = ()
    status: DraftStatus = DraftStatus.INTERNAL_REVIEW
    comments: list[Comment] = field(default_factory=list)
    sent_to_curator_at: datetime | None = None
    curator_decided_at: datetime | None = None
    published_url: str | None = None
    published_at: datetime | None = None
    checks: tuple[Finding, ...] = ()  # the advice the draft got when submitted


@dataclass(frozen=True)
class Receipt:
    """What the network answered when the system posted the answer itself (clause 15)."""

    response_id: str | None  # the network's id of the reply (comment, post, message, topic)
    method: str  # the API call that made it, e.g. "wall.createComment"
    in_thread: bool = True  # False: posted on the administration's own page (the fallback)
    text: str | None = None  # the text as posted, where it differs from the draft's


@dataclass(frozen=True)
class PostCopy:
    """A copy of the citizen's post as it was answered: part of the proof of publication."""

    url: str
    text: str
    author: Author
    detected_at: datetime
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Note:
    """An official's internal note on a case, for colleagues: never sent to the curator, the
    monitoring system or the citizen."""

    note_id: str
    author: str
    text: str
    at: datetime


@dataclass(frozen=True)
class Publication:
    """Proof of publication: the original post and the published reply, kept with the case."""

    draft_id: str
    kind: DraftKind
    network: str
    url: str
    published_at: datetime
    by: str  # who published: "system" (a network adapter) or the technical executor's login
    text: str
    attachments: tuple[Attachment, ...]
    original: PostCopy
    response_id: str | None = None  # None when it was published by hand
    method: str | None = None
    in_thread: bool | None = None  # unknown for a publication made by hand


@dataclass(frozen=True)
class PublicationFailure:
    """Why the system could not publish an approved answer; a person publishes it instead."""

    draft_id: str
    network: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class TimelineEntry:
    """One step as the audit trail keeps it; the case writes it from the step's event."""

    at: datetime
    actor: str
    role: Role
    action: str
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Escalation:
    """A warning before, or a breach after, a timer's deadline (clauses 21-22)."""

    timer: str  # the timer's key, e.g. "answer_due" or "contribution_due:roads"
    kind: str  # "warning" | "breach"
    level: int  # 0 for the executor, then up the chain
    notified: tuple[str, ...]
    at: datetime
    party: str
    accountable: str


def new_id() -> str:
    """A fresh identifier of a case, a draft or a queue message."""
    return uuid.uuid4().hex
