"""Domain events: facts the case records in the past tense, for others to react to.

The case appends them as it changes; the service layer stores them with the state change (an
outbox) and turns each into queue messages: e-mails, calls to the monitoring system, publishing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Event:
    case_id: str
    at: datetime

    @property
    def name(self) -> str:
        return type(self).__name__

    def to_dict(self) -> dict:
        data = asdict(self)
        return {"event": self.name, **{k: _plain(v) for k, v in data.items()}}


def _plain(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class MessageReceived(Event):
    importance: str = ""


@dataclass(frozen=True)
class RoutingProposed(Event):
    departments: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class RepeatLinked(Event):
    earlier_case_id: str = ""
    handled_by: str | None = None


@dataclass(frozen=True)
class SignificanceReported(Event):
    reason: str = ""  # "high_importance" | "surge"


@dataclass(frozen=True)
class CaseAccepted(Event):
    departments: tuple[str, ...] = ()
    by: str = ""


@dataclass(frozen=True)
class ContributionsRequested(Event):
    departments: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseReturnedToCurator(Event):
    reason: str = ""


@dataclass(frozen=True)
class CaseMarkedNotProcessable(Event):
    reason: str = ""


@dataclass(frozen=True)
class ContributionSubmitted(Event):
    department: str = ""
    by: str = ""


@dataclass(frozen=True)
class DraftSubmitted(Event):
    draft_id: str = ""
    kind: str = ""
    by: str = ""


@dataclass(frozen=True)
class DraftRejected(Event):
    draft_id: str = ""
    comment: str = ""
    author: str = ""


@dataclass(frozen=True)
class DraftSentToCurator(Event):
    draft_id: str = ""
    kind: str = ""


@dataclass(frozen=True)
class DraftReadyToSend(Event):
    """A manual case's draft approved inside: the technical executor enters it into the
    monitoring system (clause 12)."""

    draft_id: str = ""
    kind: str = ""


@dataclass(frozen=True)
class CuratorDecisionConflicted(Event):
    event: str = ""
    draft_id: str = ""


@dataclass(frozen=True)
class DraftApprovedByCurator(Event):
    draft_id: str = ""


@dataclass(frozen=True)
class DraftReturnedByCurator(Event):
    draft_id: str = ""
    comment: str = ""
    author: str = ""


@dataclass(frozen=True)
class AnswerPublished(Event):
    draft_id: str = ""
    kind: str = ""
    url: str = ""


@dataclass(frozen=True)
class PublicationFailed(Event):
    draft_id: str = ""
    network: str = ""
    reason: str = ""


@dataclass(frozen=True)
class CaseWithdrawn(Event):
    comment: str = ""


@dataclass(frozen=True)
class DeadlineEscalated(Event):
    timer: str = ""
    kind: str = ""  # "warning" | "breach"
    level: int = 0
    notified: tuple[str, ...] = field(default_factory=tuple)
