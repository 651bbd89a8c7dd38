"""Domain events: facts the case records in the past tense, for others to react to.

The case appends them as it changes; the service layer stores them with the state change (an
outbox) and turns each into queue messages: e-mails, calls to the monitoring system, publishing.

An event is also the one source of the step's timeline entry (the audit trail): its class names
the entry's `action` and which of its fields are the entry's details (`to_details`); the step
adds only how it came (`via`, on whose behalf, when recorded by hand) and what it saw besides.
An event whose `action` is None leaves no entry of its own (it follows another one's step).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar


@dataclass(frozen=True)
class Event:
    case_id: str
    at: datetime

    # The timeline entry of the step that raised it: its action, and the fields it details.
    action: ClassVar[str | None] = None
    detail_fields: ClassVar[tuple[str, ...]] = ()

    @property
    def name(self) -> str:
        return type(self).__name__

    def to_details(self) -> dict:
        """The details of the event's timeline entry (lists for tuples, as JSON keeps them)."""
        return {name: _listed(getattr(self, name)) for name in self.detail_fields}


def _listed(value):
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class MessageReceived(Event):
    action = "received"
    detail_fields = ()

    importance: str = ""


@dataclass(frozen=True)
class RoutingProposed(Event):
    action = "routing_proposed"
    detail_fields = ("departments", "flags")

    departments: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class RepeatLinked(Event):
    action = "repeat_linked"
    detail_fields = ("earlier_case_id", "handled_by")

    earlier_case_id: str = ""
    handled_by: str | None = None


@dataclass(frozen=True)
class SignificanceReported(Event):
    action = "reported_to_head"
    detail_fields = ("reason",)

    reason: str = ""  # "high_importance" | "surge"


@dataclass(frozen=True)
class CaseAccepted(Event):
    action = "accepted"
    detail_fields = ("departments",)

    departments: tuple[str, ...] = ()
    by: str = ""


@dataclass(frozen=True)
class ContributionsRequested(Event):
    # follows the acceptance of a joint answer: no timeline entry of its own
    departments: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseReturnedToCurator(Event):
    action = "returned_to_curator"
    detail_fields = ("reason",)

    reason: str = ""


@dataclass(frozen=True)
class CaseMarkedNotProcessable(Event):
    action = "not_processable"
    detail_fields = ("reason",)

    reason: str = ""


@dataclass(frozen=True)
class ContributionSubmitted(Event):
    action = "contribution_submitted"
    detail_fields = ("department",)

    department: str = ""
    by: str = ""


@dataclass(frozen=True)
class ExecutorAssigned(Event):
    action = "executor_assigned"
    detail_fields = ("department", "assignee", "previous")

    department: str = ""
    assignee: str = ""
    previous: str = ""  # who had it before, if anyone


@dataclass(frozen=True)
class NoteAdded(Event):
    action = "note_added"
    detail_fields = ("note_id",)

    note_id: str = ""


@dataclass(frozen=True)
class DraftSubmitted(Event):
    action = "draft_submitted"
    detail_fields = ("draft_id", "kind")

    draft_id: str = ""
    kind: str = ""
    by: str = ""


@dataclass(frozen=True)
class DraftRejected(Event):
    action = "draft_rejected"
    detail_fields = ("draft_id", "comment")

    draft_id: str = ""
    comment: str = ""
    author: str = ""


@dataclass(frozen=True)
class DraftSentToCurator(Event):
    """The draft reached the curator: by our call where the monitoring system integrates (the
    approval itself sends it, and the approval's entry records it), or entered by hand."""

    action = "draft_sent_to_curator"
    detail_fields = ("draft_id",)

    draft_id: str = ""
    kind: str = ""


@dataclass(frozen=True)
class DraftReadyToSend(Event):
    """A manual case's draft approved inside: the technical executor enters it into the
    monitoring system (clause 12)."""

    action = "draft_approved"
    detail_fields = ("draft_id",)

    draft_id: str = ""
    kind: str = ""


@dataclass(frozen=True)
class CuratorDecisionConflicted(Event):
    action = "curator_decision_conflict"
    detail_fields = ("event", "draft_id")

    event: str = ""
    draft_id: str | None = None  # as the callback named it, if it did


@dataclass(frozen=True)
class DraftApprovedByCurator(Event):
    action = "curator_approved"
    detail_fields = ("draft_id",)

    draft_id: str = ""


@dataclass(frozen=True)
class DraftReturnedByCurator(Event):
    action = "curator_returned"
    detail_fields = ("draft_id", "comment")

    draft_id: str = ""
    comment: str = ""
    author: str = ""


@dataclass(frozen=True)
class AnswerPublished(Event):
    action = "published"
    detail_fields = ("draft_id", "kind", "url")

    draft_id: str = ""
    kind: str = ""
    url: str = ""


@dataclass(frozen=True)
class PublicationFailed(Event):
    action = "publication_failed"
    detail_fields = ("draft_id", "network", "reason")

    draft_id: str = ""
    network: str = ""
    reason: str = ""


@dataclass(frozen=True)
class CaseWithdrawn(Event):
    action = "withdrawn"
    detail_fields = ("comment",)

    comment: str = ""


@dataclass(frozen=True)
class DeadlineEscalated(Event):
    detail_fields = ("timer", "level", "notified")

    timer: str = ""
    kind: str = ""  # "warning" | "breach"
    level: int = 0
    notified: tuple[str, ...] = field(default_factory=tuple)

    @property
    def action(self) -> str:
        return f"deadline_{self.kind}"


@dataclass(frozen=True)
class PersonalDataErased(Event):
    """The retention period after the case closed has passed: the citizen's personal data in it
    are replaced by a marker (152-FZ). Nobody is told; the timeline and the audit keep it."""

    action = "anonymised"
    detail_fields = ("retention_months", "closed_at", "erased")

    retention_months: int = 0
    closed_at: str = ""  # ISO 8601: when the case closed, which the period counts from
    erased: tuple[str, ...] = ()  # which fields, by name
