"""Request bodies of the contract (docs/design.md), validated with pydantic before anything
happens."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl
from pydantic_core import PydanticCustomError

from otklik.domain import values
from otklik.domain.answer_templates import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, TOPIC_MAX_LENGTH
from otklik.domain.case import NOTE_MAX_LENGTH
from otklik.domain.links import NETWORKS, network_of

Text = Field(min_length=1, max_length=20_000)
Short = Field(min_length=1, max_length=500)

# Deadlines are counted on the working calendar from `detected_at`, which is computed year by
# year: a time in year 1 or 9999 cannot be computed at all, and one centuries away takes seconds.
# A post this system answers was found in this century.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _in_this_century(value: datetime) -> datetime:
    try:
        inside = EARLIEST <= value < LATEST
    except OverflowError:  # e.g. 9999-12-31T23:59:59-23:59 has no UTC equivalent
        inside = False
    if not inside:  # the message officials read is in otklik.entrypoints.http._MESSAGES_RU
        raise PydanticCustomError("date_out_of_range", "date must be in 2000-2099")
    return value


DetectedAt = Annotated[AwareDatetime, AfterValidator(_in_this_century)]


def _year_in_this_century(value: datetime) -> datetime:
    if value.tzinfo is not None:
        return _in_this_century(value)
    if not EARLIEST.year <= value.year < LATEST.year:
        raise PydanticCustomError("date_out_of_range", "date must be in 2000-2099")
    return value


# A time typed by an official: with an offset, or read as the administration's local time.
LocalTime = Annotated[datetime, AfterValidator(_year_in_this_century)]


def localise(value: datetime, tz: tzinfo) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class AuthorIn(_Body):
    id: str = Short
    name: str = Field(default="", max_length=500)
    url: str = Field(default="", max_length=2000)


class AttachmentIn(_Body):
    type: Literal["photo", "video", "document", "link"]
    url: HttpUrl


class CuratorIn(_Body):
    id: str = Short
    name: str = Field(default="", max_length=500)


class MessageIn(_Body):
    external_id: str = Short
    detected_at: DetectedAt
    network: Literal["vk", "ok", "telegram", "instagram", "web", "other"]
    url: HttpUrl
    author: AuthorIn
    text: str = Text
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)
    topic: str = Short
    location: str = Field(default="", max_length=500)
    importance: Literal["high", "medium", "low"]
    curator: CuratorIn

    def to_domain(self) -> values.Message:
        return values.Message(
            external_id=self.external_id,
            detected_at=self.detected_at,
            network=self.network,
            url=str(self.url),
            author=values.Author(self.author.id, self.author.name, self.author.url),
            text=self.text,
            attachments=tuple(values.Attachment(a.type, str(a.url)) for a in self.attachments),
            topic=self.topic,
            location=self.location,
            importance=self.importance,
            curator=values.Curator(self.curator.id, self.curator.name),
        )


Network = Literal["vk", "ok", "telegram", "instagram", "web", "other"]


class ManualAuthorIn(_Body):
    name: str = Short
    url: str = Field(default="", max_length=2000)
    id: str = Field(default="", max_length=500)


class ManualCuratorIn(_Body):
    name: str = Field(default="", max_length=500)


class ManualMessageIn(_Body):
    """A message registered by hand from the monitoring system's page or e-mail notice."""

    url: HttpUrl
    network: Network | None = None
    text: str = Text
    author: ManualAuthorIn
    detected_at: LocalTime
    topic: str = Short
    location: str = Field(default="", max_length=500)
    importance: Literal["high", "medium", "low"]
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)
    curator: ManualCuratorIn | None = None
    external_id: str = Field(default="", max_length=500)

    def to_domain(self, tz: tzinfo) -> values.Message:
        url = str(self.url)
        # Without the network's own id, the profile link tells one author from another
        # (clause 18); with neither, the author is not matched at all.
        author_id = self.author.id or self.author.url.strip().rstrip("/").lower()
        return values.Message(
            external_id=self.external_id,
            detected_at=localise(self.detected_at, tz),
            network=self.network or network_of(url),
            url=url,
            author=values.Author(author_id, self.author.name, self.author.url),
            text=self.text,
            attachments=tuple(values.Attachment(a.type, str(a.url)) for a in self.attachments),
            topic=self.topic,
            location=self.location,
            importance=self.importance,
            curator=values.Curator("", self.curator.name if self.curator else ""),
        )


class CuratorDecisionIn(_Body):
    """The curator's decision as the technical executor saw it in the monitoring system."""

    event: Literal["draft_approved", "draft_returned", "message_withdrawn"]
    draft_id: str | None = Field(default=None, max_length=100)
    comment: str = Field(default="", max_length=5000)
    at: LocalTime | None = None


class NoticeIn(_Body):
    text: str = Field(max_length=200_000)


class CallbackIn(_Body):
    external_id: str = Short
    event: Literal["draft_approved", "draft_returned", "message_withdrawn"]
    draft_id: str | None = Field(default=None, max_length=100)
    comment: str = Field(default="", max_length=5000)
    at: datetime | None = None


class LoginIn(_Body):
    login: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class AssigneeIn(_Body):
    login: str = Field(min_length=1, max_length=100)
    department: str | None = Field(default=None, min_length=1, max_length=100)


class TriageIn(_Body):
    decision: Literal["accept", "return", "not_processable"]
    departments: list[str] = Field(default_factory=list, max_length=20)
    reason: str = Field(default="", max_length=5000)


class ContributionIn(_Body):
    text: str = Text


class DraftAttachmentIn(_Body):
    """A file of the draft: the key `confirm` answered. A `url` is read only to be refused
    (422): a draft carries no links to download."""

    key: str = Field(default="", max_length=200)
    type: str = Field(default="", max_length=20)
    url: str = Field(default="", max_length=2000)


class DraftIn(_Body):
    text: str = Text
    kind: Literal["final", "interim"] = "final"
    attachments: list[DraftAttachmentIn] = Field(default_factory=list, max_length=20)

    def domain_attachments(self) -> list[values.Attachment]:
        return [values.Attachment(a.type, url=a.url, key=a.key) for a in self.attachments]


class UploadIn(_Body):
    """A file the browser is about to upload: its name, type and size as the browser sees."""

    name: str = Field(min_length=1, max_length=500)
    content_type: str = Field(min_length=1, max_length=100)
    size: int = Field(ge=0, le=10**12)


class RejectIn(_Body):
    comment: str = Field(min_length=1, max_length=5000)


class NoteIn(_Body):
    text: str = Field(min_length=1, max_length=NOTE_MAX_LENGTH)


class TemplateIn(_Body):
    """Blank fields are the domain's to refuse (`make_template`), with all the others at once."""

    title: str = Field(default="", max_length=TITLE_MAX_LENGTH)
    text: str = Field(default="", max_length=TEXT_MAX_LENGTH)
    kind: Literal["final", "interim"] = "final"
    topic: str | None = Field(default=None, max_length=TOPIC_MAX_LENGTH)
    network: Literal[NETWORKS] | None = None


class PublicationIn(_Body):
    url: HttpUrl
