"""The case aggregate: one citizen's post, from intake to a published answer.

Each method is one step of the regulation's flow. It checks who acts (role, department), that the
case is in a state where the step makes sense, starts and stops the timers the step touches,
records a timeline entry, appends a domain event and bumps the version. It does no I/O and never
reads the clock: `now` and the SLA policy come in as arguments.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from otklik.domain import events as ev
from otklik.domain.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from otklik.domain.policy import Deadline, SlaPolicy
from otklik.domain.roles import SYSTEM_ACTOR, Action, Actor, Role


class Status(StrEnum):
    RECEIVED = "received"
    RETURNED_TO_CURATOR = "returned_to_curator"
    NOT_PROCESSABLE = "not_processable"
    IN_WORK = "in_work"
    INTERNAL_REVIEW = "internal_review"
    READY_TO_SEND = "ready_to_send"  # a manual case's approved draft, to enter into the system
    CURATOR_REVIEW = "curator_review"
    REWORK = "rework"
    APPROVED = "approved"
    AWAITING_FINAL = "awaiting_final"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


CLOSED = frozenset(
    {Status.RETURNED_TO_CURATOR, Status.NOT_PROCESSABLE, Status.ANSWERED, Status.WITHDRAWN}
)
DRAFTING = frozenset({Status.IN_WORK, Status.REWORK, Status.AWAITING_FINAL})

STATUS_TITLES_RU = {
    Status.RECEIVED: "Новое",
    Status.RETURNED_TO_CURATOR: "Возвращено куратору",
    Status.NOT_PROCESSABLE: "Не подлежит обработке",
    Status.IN_WORK: "В работе",
    Status.INTERNAL_REVIEW: "На согласовании",
    Status.READY_TO_SEND: "Готов к отправке куратору",
    Status.CURATOR_REVIEW: "У куратора",
    Status.REWORK: "На доработке",
    Status.APPROVED: "Согласовано, к публикации",
    Status.AWAITING_FINAL: "Дан промежуточный ответ",
    Status.ANSWERED: "Ответ опубликован",
    Status.WITHDRAWN: "Отозвано куратором",
}


class Source(StrEnum):
    """How the message reached us, and so how the curator's side of the flow is carried.

    WEBHOOK: the monitoring system integrates (signed webhook, callbacks, outbound calls).
    MANUAL: the technical executor registered it from the monitoring system's page or e-mail
    notice, enters drafts there and records the curator's decisions here by hand.
    """

    WEBHOOK = "webhook"
    MANUAL = "manual"


SOURCE_TITLES_RU = {
    Source.WEBHOOK: "Из системы мониторинга (интеграция)",
    Source.MANUAL: "Зарегистрировано вручную",
}


class Via(StrEnum):
    """How one step reached us, as the audit trail and reports tell it."""

    WEBHOOK = "webhook"  # the monitoring system's signed message
    CALLBACK = "callback"  # the monitoring system's signed curator decision
    INTEGRATION = "integration"  # our outbound call to the monitoring system
    MANUAL = "manual"  # entered by an official from what they saw in the monitoring system


# A detection time typed in by hand may run a little ahead of our clock (the monitoring
# system's clock, rounding to the minute); more than this is a typing mistake.
DETECTION_CLOCK_SKEW = timedelta(minutes=5)


class DraftKind(StrEnum):
    FINAL = "final"
    INTERIM = "interim"


class DraftStatus(StrEnum):
    INTERNAL_REVIEW = "internal_review"
    REJECTED = "rejected"
    READY_TO_SEND = "ready_to_send"
    CURATOR_REVIEW = "curator_review"
    RETURNED = "returned"
    APPROVED = "approved"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Outcome(StrEnum):
    """How a timer ended: its duty done in time, done late, or no longer owed."""

    MET = "met"
    LATE = "late"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Author:
    id: str
    name: str = ""
    url: str = ""


@dataclass(frozen=True)
class Attachment:
    type: str
    url: str


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
class Timer:
    """One running or finished timer of the policy, e.g. T2 `answer_due` of this case."""

    deadline: Deadline
    started_at: datetime
    due: datetime
    department: str | None = None  # T8 runs once per department
    stopped_at: datetime | None = None
    outcome: Outcome | None = None

    @property
    def key(self) -> str:
        return timer_key(self.deadline, self.department)

    @property
    def running(self) -> bool:
        return self.stopped_at is None

    def stop(self, now: datetime, *, fulfilled: bool = True) -> None:
        """Stop the clock: met if the duty was done in time, cancelled if it stopped being
        owed in time, late once the deadline had passed either way."""
        if not self.running:
            return
        self.stopped_at = now
        if now > self.due:
            self.outcome = Outcome.LATE  # missed, whether or not the duty was done after all
        else:
            self.outcome = Outcome.MET if fulfilled else Outcome.CANCELLED


def timer_key(deadline: Deadline, department: str | None = None) -> str:
    return f"{deadline.value}:{department}" if department else deadline.value


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


@dataclass
class Case:
    case_id: str
    message: Message
    received_at: datetime
    status: Status = Status.RECEIVED
    version: int = 0
    source: Source = Source.WEBHOOK
    registered_by: str | None = None  # the technical executor who registered a manual case
    departments: tuple[str, ...] = ()
    proposed_departments: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # clause 20 content found by routing; the decision is human
    repeat_of: str | None = None
    proposed_assignee: str | None = None
    resolution_reason: str | None = None
    significance: str | None = None  # why the head of district was told at once (clause 24)
    timers: dict[str, Timer] = field(default_factory=dict)
    contributions: dict[str, Contribution] = field(default_factory=dict)
    drafts: list[Draft] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    publications: list[Publication] = field(default_factory=list)  # proof of each publication
    publication_failure: PublicationFailure | None = None  # the adapter gave up; publish by hand
    events: list[ev.Event] = field(default_factory=list, compare=False)

    # -- intake (clause 9) ---------------------------------------------------------------------

    @classmethod
    def receive(
        cls,
        message: Message,
        *,
        now: datetime,
        policy: SlaPolicy,
        case_id: str | None = None,
        actor: Actor = SYSTEM_ACTOR,
        source: Source = Source.WEBHOOK,
    ) -> Case:
        """A new message: T1 runs from our receipt, T2 and T3 from the curator's detection."""
        case = cls(case_id=case_id or new_id(), message=message, received_at=now, source=source)
        if source is Source.MANUAL:
            case.registered_by = actor.login
        case._start(policy, Deadline.TRIAGE, now)
        case._start(policy, Deadline.ANSWER, message.detected_at)
        answer_due = case.timers[Deadline.ANSWER].due
        case._start(policy, Deadline.SEND_TO_CURATOR, message.detected_at, due_from=answer_due)
        via = Via.MANUAL if source is Source.MANUAL else Via.WEBHOOK
        case._record(now, actor, "received", {"external_id": message.external_id, "via": via.value})
        case._raise(ev.MessageReceived(case.case_id, now, importance=message.importance))
        case.version = 1
        return case

    @classmethod
    def register(cls, actor: Actor, message: Message, *, now: datetime, policy: SlaPolicy) -> Case:
        """Clause 9 without an integration: the technical executor enters a message seen in the
        monitoring system. Its clock (T2, T3) runs from the detection time typed in, which
        cannot be in the future."""
        require_registrar(actor)
        if message.detected_at > now + DETECTION_CLOCK_SKEW:
            raise InvalidInput(
                "Время обнаружения не может быть позже текущего.",
                {"detected_at": "время обнаружения в будущем"},
            )
        return cls.receive(message, now=now, policy=policy, actor=actor, source=Source.MANUAL)

    # -- routing (clauses 18, 20) --------------------------------------------------------------

    def propose_routing(
        self,
        actor: Actor,
        *,
        departments: Iterable[str],
        flags: Iterable[str],
        now: datetime,
    ) -> None:
        """Routing's proposal; the technical executor still decides (clause 20 is a human call)."""
        self._require(actor, Action.ROUTE)
        self._require_status(Status.RECEIVED)
        self.proposed_departments = tuple(dict.fromkeys(departments))
        self.flags = tuple(dict.fromkeys(flags))
        self._record(
            now,
            actor,
            "routing_proposed",
            {"departments": list(self.proposed_departments), "flags": list(self.flags)},
        )
        self._raise(ev.RoutingProposed(self.case_id, now, self.proposed_departments, self.flags))
        self._bump()

    def link_repeat(
        self, actor: Actor, *, earlier_case_id: str, handled_by: str | None, now: datetime
    ) -> None:
        """Clause 18: a repeated message goes to the official who handled the earlier one."""
        self._require(actor, Action.ROUTE)
        self._require_status(Status.RECEIVED)
        if earlier_case_id == self.case_id:
            raise InvalidInput("Сообщение не может быть повтором самого себя.")
        self.repeat_of = earlier_case_id
        self.proposed_assignee = handled_by
        self._record(
            now,
            actor,
            "repeat_linked",
            {"earlier_case_id": earlier_case_id, "handled_by": handled_by},
        )
        self._raise(ev.RepeatLinked(self.case_id, now, earlier_case_id, handled_by))
        self._bump()

    def report_significance(self, actor: Actor, *, reason: str, now: datetime) -> bool:
        """Clause 24: a socially significant message or a surge goes to the head at once;
        once per case. Returns False if it was already reported."""
        self._require(actor, Action.ROUTE)
        if self.significance is not None:
            return False
        self.significance = _required_text(reason, "reason", "Укажите основание доклада.")
        self._record(now, actor, "reported_to_head", {"reason": self.significance})
        self._raise(ev.SignificanceReported(self.case_id, now, self.significance))
        self._bump()
        return True

    # -- triage (clauses 10, 18, 20) -------------------------------------------------------------

    def accept(
        self, actor: Actor, *, departments: Iterable[str], now: datetime, policy: SlaPolicy
    ) -> None:
        """Accept and assign departments; with several, each owes a contribution within T8."""
        self._require(actor, Action.TRIAGE)
        self._require_status(Status.RECEIVED)
        chosen = tuple(dict.fromkeys(d.strip() for d in departments if d and d.strip()))
        if not chosen:
            raise InvalidInput(
                "Выберите хотя бы один отдел-исполнитель.", {"departments": "обязательное поле"}
            )
        self._stop(Deadline.TRIAGE, now)
        self.departments = chosen
        self.status = Status.IN_WORK
        self._record(now, actor, "accepted", {"departments": list(chosen)})
        self._raise(ev.CaseAccepted(self.case_id, now, chosen, actor.login))
        if len(chosen) > 1:
            for department in chosen:
                timer = self._start(policy, Deadline.CONTRIBUTION, now, department=department)
                self.contributions[department] = Contribution(department, now, timer.due)
            self._raise(ev.ContributionsRequested(self.case_id, now, chosen))
        self._bump()

    def return_to_curator(self, actor: Actor, *, reason: str, now: datetime) -> None:
        """Clause 10: outside the administration's remit, back to the curator with a reason."""
        self._require(actor, Action.TRIAGE)
        self._require_status(Status.RECEIVED)
        reason = _required_text(reason, "reason", "Укажите причину возврата.")
        self._stop(Deadline.TRIAGE, now)
        self._close(Status.RETURNED_TO_CURATOR, now, reason)
        self._record(
            now, actor, "returned_to_curator", {"reason": reason, "via": self._outbound_via}
        )
        self._raise(ev.CaseReturnedToCurator(self.case_id, now, reason))
        self._bump()

    def mark_not_processable(self, actor: Actor, *, reason: str, now: datetime) -> None:
        """Clause 20: threats, obscene or insulting language; no answer is prepared."""
        self._require(actor, Action.TRIAGE)
        self._require_status(Status.RECEIVED)
        reason = _required_text(reason, "reason", "Укажите основание (п. 20 регламента).")
        self._stop(Deadline.TRIAGE, now)
        self._close(Status.NOT_PROCESSABLE, now, reason)
        self._record(now, actor, "not_processable", {"reason": reason})
        self._raise(ev.CaseMarkedNotProcessable(self.case_id, now, reason))
        self._bump()

    # -- drafting (clauses 12, 17, 19) ----------------------------------------------------------

    def contribute(self, actor: Actor, *, text: str, now: datetime) -> None:
        """A department's contribution to a joint answer (stops that department's T8)."""
        self._require(actor, Action.CONTRIBUTE)
        self._require_status(Status.IN_WORK, Status.INTERNAL_REVIEW, Status.REWORK)
        contribution = self.contributions.get(actor.department or "")
        if contribution is None:
            raise Forbidden("Вклад вашего отдела по этому сообщению не запрашивался.")
        if contribution.submitted_at is not None:
            raise InvalidTransition("Ваш отдел уже представил вклад.")
        contribution.text = _required_text(text, "text", "Текст вклада не может быть пустым.")
        contribution.author = actor.login
        contribution.submitted_at = now
        self._stop(Deadline.CONTRIBUTION, now, department=contribution.department)
        self._record(now, actor, "contribution_submitted", {"department": contribution.department})
        self._raise(
            ev.ContributionSubmitted(self.case_id, now, contribution.department, actor.login)
        )
        self._bump()

    def submit_draft(
        self,
        actor: Actor,
        *,
        text: str,
        kind: DraftKind,
        attachments: Iterable[Attachment] = (),
        now: datetime,
        draft_id: str | None = None,
    ) -> Draft:
        """A draft answer for internal approval: by the department's executor, or by the
        responsible executor (always allowed; the only author of a joint answer)."""
        self._require(actor, Action.SUBMIT_DRAFT)
        self._require_status(*DRAFTING)
        if actor.role is Role.EXECUTOR:
            if actor.department not in self.departments:
                raise Forbidden("Сообщение не назначено вашему отделу.")
            if self.is_joint:
                raise Forbidden("Совместный ответ готовит ответственный исполнитель.")
        if kind not in DraftKind._value2member_map_:
            raise InvalidInput("Вид ответа: final или interim.", {"kind": str(kind)})
        kind = DraftKind(kind)
        if self.interim_published and kind is not DraftKind.FINAL:
            raise InvalidInput(
                "После промежуточного ответа готовится окончательный ответ.",
                {"kind": "ожидается final"},
            )
        draft = Draft(
            draft_id=draft_id or new_id(),
            kind=kind,
            text=_required_text(text, "text", "Текст ответа не может быть пустым."),
            author=actor.login,
            created_at=now,
            attachments=tuple(attachments),
        )
        self.drafts.append(draft)
        self.status = Status.INTERNAL_REVIEW
        self._record(now, actor, "draft_submitted", {"draft_id": draft.draft_id, "kind": kind})
        self._raise(ev.DraftSubmitted(self.case_id, now, draft.draft_id, kind, actor.login))
        self._bump()
        return draft

    # -- internal approval (clause 12) ---------------------------------------------------------

    def approve_draft(
        self, actor: Actor, *, draft_id: str, now: datetime, policy: SlaPolicy
    ) -> None:
        """The responsible executor approves. With an integration the draft goes to the curator
        at once (stops T3, T5; starts T4); on a manual case it waits, ready to send, until the
        technical executor has entered it into the monitoring system (`mark_sent`)."""
        self._require(actor, Action.APPROVE_DRAFT)
        self._require_status(Status.INTERNAL_REVIEW)
        draft = self._draft(draft_id, DraftStatus.INTERNAL_REVIEW)
        for pending in self.contributions.values():  # the joint answer went on without them
            if pending.submitted_at is None:
                self._stop(
                    Deadline.CONTRIBUTION, now, department=pending.department, fulfilled=False
                )
        if self.source is Source.MANUAL:
            draft.status = DraftStatus.READY_TO_SEND
            self.status = Status.READY_TO_SEND
            self._record(now, actor, "draft_approved", {"draft_id": draft_id})
            self._raise(ev.DraftReadyToSend(self.case_id, now, draft_id, draft.kind))
        else:
            self._hand_to_curator(draft, now, policy)
            self._record(
                now, actor, "draft_approved", {"draft_id": draft_id, "via": Via.INTEGRATION.value}
            )
            self._raise(ev.DraftSentToCurator(self.case_id, now, draft_id, draft.kind))
        self._bump()

    def mark_sent(self, actor: Actor, *, draft_id: str, now: datetime, policy: SlaPolicy) -> None:
        """Clause 12 by hand: the technical executor entered the approved draft into the
        monitoring system. T3 and T5 stop and T4 starts at this instant."""
        self._require(actor, Action.MARK_SENT)
        self._require_status(Status.READY_TO_SEND)
        draft = self._draft(draft_id, DraftStatus.READY_TO_SEND)
        self._hand_to_curator(draft, now, policy)
        self._record(
            now, actor, "draft_sent_to_curator", {"draft_id": draft_id, "via": Via.MANUAL.value}
        )
        self._raise(ev.DraftSentToCurator(self.case_id, now, draft_id, draft.kind))
        self._bump()

    def _hand_to_curator(self, draft: Draft, now: datetime, policy: SlaPolicy) -> None:
        draft.status = DraftStatus.CURATOR_REVIEW
        draft.sent_to_curator_at = now
        self._stop(Deadline.SEND_TO_CURATOR, now)
        self._stop(Deadline.REWORK, now)
        self._start(policy, Deadline.CURATOR_DECISION, now)
        self.status = Status.CURATOR_REVIEW

    def reject_draft(self, actor: Actor, *, draft_id: str, comment: str, now: datetime) -> None:
        """The responsible executor sends the draft back to its author with a comment."""
        self._require(actor, Action.REJECT_DRAFT)
        self._require_status(Status.INTERNAL_REVIEW)
        draft = self._draft(draft_id, DraftStatus.INTERNAL_REVIEW)
        comment = _required_text(comment, "comment", "Укажите, что исправить.")
        draft.status = DraftStatus.REJECTED
        draft.comments.append(Comment(actor.login, actor.role, comment, now))
        self.status = self._drafting_status()
        self._record(now, actor, "draft_rejected", {"draft_id": draft_id, "comment": comment})
        self._raise(ev.DraftRejected(self.case_id, now, draft_id, comment, draft.author))
        self._bump()

    # -- curator review (clauses 13-14) --------------------------------------------------------

    def curator_approve(
        self,
        actor: Actor,
        *,
        draft_id: str,
        comment: str = "",
        now: datetime,
        policy: SlaPolicy,
        recorded_at: datetime | None = None,
    ) -> None:
        """The curator approves: T4 stops, T6 (publish within 30 minutes) starts.

        `now` is when the curator decided; `recorded_at`, when a technical executor entered a
        decision seen in the monitoring system (the same instant for a callback)."""
        self._require(actor, Action.CURATOR_DECIDE)
        self._require_status(Status.CURATOR_REVIEW)
        draft = self._draft(draft_id, DraftStatus.CURATOR_REVIEW)
        self._check_decision_time(now, recorded_at, draft.sent_to_curator_at)
        draft.status = DraftStatus.APPROVED
        draft.curator_decided_at = now
        comment = (comment or "").strip()
        if comment:
            draft.comments.append(Comment(actor.login, actor.role, comment, now))
        self._stop(Deadline.CURATOR_DECISION, now)
        self._start(policy, Deadline.PUBLISH, now)
        self.status = Status.APPROVED
        self._record(
            now,
            actor,
            "curator_approved",
            {"draft_id": draft_id, **self._decision_via(actor, now, recorded_at)},
        )
        self._raise(ev.DraftApprovedByCurator(self.case_id, now, draft_id))
        self._bump()

    def curator_return(
        self,
        actor: Actor,
        *,
        draft_id: str,
        comment: str,
        now: datetime,
        policy: SlaPolicy,
        recorded_at: datetime | None = None,
    ) -> None:
        """The curator returns the draft for rework: T4 stops, T5 (rework in 1 hour) starts."""
        self._require(actor, Action.CURATOR_DECIDE)
        self._require_status(Status.CURATOR_REVIEW)
        draft = self._draft(draft_id, DraftStatus.CURATOR_REVIEW)
        comment = _required_text(comment, "comment", "Куратор должен указать замечания.")
        self._check_decision_time(now, recorded_at, draft.sent_to_curator_at)
        draft.status = DraftStatus.RETURNED
        draft.curator_decided_at = now
        draft.comments.append(Comment(actor.login, actor.role, comment, now))
        self._stop(Deadline.CURATOR_DECISION, now)
        self._start(policy, Deadline.REWORK, now)
        self.status = Status.REWORK
        self._record(
            now,
            actor,
            "curator_returned",
            {
                "draft_id": draft_id,
                "comment": comment,
                **self._decision_via(actor, now, recorded_at),
            },
        )
        self._raise(ev.DraftReturnedByCurator(self.case_id, now, draft_id, comment, draft.author))
        self._bump()

    # -- publication (clauses 15-16) -----------------------------------------------------------

    def publish(
        self,
        actor: Actor,
        *,
        url: str,
        now: datetime,
        policy: SlaPolicy,
        receipt: Receipt | None = None,
    ) -> None:
        """The approved answer is published and its link recorded, with a proof of publication:
        a copy of the original post and of the reply (and the network's answer, if the system
        posted it).

        A final answer closes the case; an interim one meets T2 and starts T7 for the final.
        """
        self._require(actor, Action.PUBLISH)
        self._require_status(Status.APPROVED)
        url = _required_text(url, "url", "Укажите ссылку на опубликованный ответ.")
        if not url.startswith(("https://", "http://")):
            raise InvalidInput("Ссылка должна начинаться с https://", {"url": "неверная ссылка"})
        draft = next(d for d in reversed(self.drafts) if d.status is DraftStatus.APPROVED)
        draft.status = DraftStatus.PUBLISHED
        draft.published_url = url
        draft.published_at = now
        m = self.message
        self.publications.append(
            Publication(
                draft_id=draft.draft_id,
                kind=draft.kind,
                network=m.network,
                url=url,
                published_at=now,
                by=actor.login,
                text=(receipt.text if receipt and receipt.text else draft.text),
                attachments=draft.attachments,
                original=PostCopy(m.url, m.text, m.author, m.detected_at, m.attachments),
                response_id=receipt.response_id if receipt else None,
                method=receipt.method if receipt else None,
                in_thread=receipt.in_thread if receipt else None,
            )
        )
        self.publication_failure = None
        self._stop(Deadline.PUBLISH, now)
        self._stop(Deadline.ANSWER, now)
        if draft.kind is DraftKind.INTERIM:
            self.status = Status.AWAITING_FINAL
            self._start(policy, Deadline.FINAL_ANSWER, now)
        else:
            self._stop(Deadline.FINAL_ANSWER, now)
            self._close(Status.ANSWERED, now, None)
        self._record(
            now, actor, "published", {"draft_id": draft.draft_id, "kind": draft.kind, "url": url}
        )
        self._raise(ev.AnswerPublished(self.case_id, now, draft.draft_id, draft.kind, url))
        self._bump()

    def publication_failed(
        self, actor: Actor, *, draft_id: str, reason: str, now: datetime
    ) -> bool:
        """The network adapter gave up on an approved answer (a permanent error, or retries used
        up): the reason is recorded, the case stays approved with T6 running, and the technical
        executor is told to publish by hand. Once per draft; False if already recorded."""
        if actor.role is not Role.SYSTEM:
            raise Forbidden("Сбой публикации фиксирует только система.")
        self._require_status(Status.APPROVED)
        draft = self._draft(draft_id, DraftStatus.APPROVED)
        if self.publication_failure is not None and self.publication_failure.draft_id == draft_id:
            return False
        reason = _required_text(reason, "reason", "Укажите причину сбоя публикации.")
        self.publication_failure = PublicationFailure(
            draft.draft_id, self.message.network, reason, now
        )
        self._record(
            now,
            actor,
            "publication_failed",
            {"draft_id": draft_id, "network": self.message.network, "reason": reason},
        )
        self._raise(ev.PublicationFailed(self.case_id, now, draft_id, self.message.network, reason))
        self._bump()
        return True

    # -- withdrawal ------------------------------------------------------------------------------

    def withdraw(
        self,
        actor: Actor,
        *,
        comment: str = "",
        now: datetime,
        recorded_at: datetime | None = None,
    ) -> None:
        """The curator takes the message back; nothing more is owed on it."""
        self._require(actor, Action.WITHDRAW)
        if self.closed:
            raise InvalidTransition("Сообщение уже закрыто.")
        self._check_decision_time(now, recorded_at, self.received_at)
        comment = (comment or "").strip()
        for draft in self.drafts:
            if draft.status in (
                DraftStatus.INTERNAL_REVIEW,
                DraftStatus.READY_TO_SEND,
                DraftStatus.CURATOR_REVIEW,
                DraftStatus.APPROVED,
            ):
                draft.status = DraftStatus.WITHDRAWN
        self._close(Status.WITHDRAWN, now, comment or None)
        self._record(
            now,
            actor,
            "withdrawn",
            {"comment": comment, **self._decision_via(actor, now, recorded_at)},
        )
        self._raise(ev.CaseWithdrawn(self.case_id, now, comment))
        self._bump()

    def compare_curator_decision(self, event: str, draft_id: str | None) -> DecisionMatch:
        """A curator's decision against what the case already holds: the same decision may
        arrive twice (recorded by hand after a phone call, then by callback), which is no
        change; a different one for a draft already decided is a conflict a person resolves."""
        if event == CuratorEvent.WITHDRAWN:
            if self.status is Status.WITHDRAWN:
                return DecisionMatch.SAME
            return DecisionMatch.CONFLICT if self.closed else DecisionMatch.NEW
        draft = next((d for d in self.drafts if d.draft_id == draft_id), None)
        if draft is None:
            return DecisionMatch.NEW  # the step itself answers "not found"
        if draft.status is DraftStatus.WITHDRAWN and self.status is Status.WITHDRAWN:
            return DecisionMatch.CONFLICT
        decided = _DECIDED.get(draft.status)
        if decided is None:
            return DecisionMatch.NEW
        return DecisionMatch.SAME if decided == event else DecisionMatch.CONFLICT

    def record_decision_conflict(
        self, actor: Actor, *, event: str, draft_id: str | None, now: datetime
    ) -> None:
        """A callback contradicts what the case holds (e.g. a return recorded by hand, then an
        approval by callback): the case stays as it is, the audit keeps the contradiction and
        the technical executor hears of it to settle it with the curator."""
        details = {"event": event, "draft_id": draft_id, "status": self.status.value}
        self._record(now, actor, "curator_decision_conflict", details)
        self._raise(ev.CuratorDecisionConflicted(self.case_id, now, event, draft_id or ""))
        self._bump()

    # -- oversight (clauses 21-22) -------------------------------------------------------------

    def escalate(
        self,
        actor: Actor,
        *,
        timer: str,
        kind: str,
        level: int,
        notified: Iterable[str],
        now: datetime,
        policy: SlaPolicy,
    ) -> bool:
        """Record a warning or breach once per timer, kind and level; False if already done."""
        self._require(actor, Action.ESCALATE)
        if self.has_escalation(timer, kind, level):
            return False
        running = self.timers.get(timer)
        if running is None:
            raise NotFound(f"Срок {timer} не найден.")
        if not running.running or self.closed:
            raise InvalidTransition("Срок уже не идёт: предупреждать и эскалировать нечего.")
        spec = policy.spec(running.deadline)
        notified = tuple(notified)
        self.escalations.append(
            Escalation(timer, kind, level, notified, now, spec.party, spec.accountable)
        )
        self._record(
            now,
            actor,
            f"deadline_{kind}",
            {"timer": timer, "level": level, "notified": list(notified)},
        )
        self._raise(ev.DeadlineEscalated(self.case_id, now, timer, kind, level, notified))
        self._bump()
        return True

    def has_escalation(self, timer: str, kind: str, level: int) -> bool:
        return any(
            e.timer == timer and e.kind == kind and e.level == level for e in self.escalations
        )

    # -- what others read ----------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    @property
    def is_joint(self) -> bool:
        return len(self.departments) > 1

    @property
    def interim_published(self) -> bool:
        return any(
            d.kind is DraftKind.INTERIM and d.status is DraftStatus.PUBLISHED for d in self.drafts
        )

    @property
    def current_draft(self) -> Draft | None:
        return self.drafts[-1] if self.drafts else None

    def running_timers(self) -> list[Timer]:
        return [t for t in self.timers.values() if t.running]

    def deadlines(self) -> dict[str, datetime]:
        """The contract's `deadlines`: each running timer's due time (T8 is per contribution)."""
        return {
            t.deadline.value: t.due
            for t in self.running_timers()
            if t.deadline is not Deadline.CONTRIBUTION
        }

    def next_due(self) -> datetime | None:
        """The nearest running deadline, which the sweeper's index is ordered by."""
        dues = [t.due for t in self.running_timers()]
        return min(dues) if dues else None

    def visible_to(self, actor: Actor) -> bool:
        """Executors see their department's cases; the others see all (clauses 5-8)."""
        if actor.role is Role.EXECUTOR:
            return actor.department in self.departments
        return actor.role is not Role.CURATOR or actor.login == self.message.curator.id

    def allowed_actions(self, actor: Actor) -> list[Action]:
        """What `actor` may do now; the page shows these, the methods enforce them anyway."""
        if actor.role is Role.CURATOR and actor.login != self.message.curator.id:
            return []
        allowed = []
        s = self.status
        if actor.may(Action.TRIAGE) and s is Status.RECEIVED:
            allowed.append(Action.TRIAGE)
        if actor.may(Action.CONTRIBUTE) and s in (
            Status.IN_WORK,
            Status.INTERNAL_REVIEW,
            Status.REWORK,
        ):
            c = self.contributions.get(actor.department or "")
            if c is not None and c.submitted_at is None:
                allowed.append(Action.CONTRIBUTE)
        if (
            actor.may(Action.SUBMIT_DRAFT)
            and s in DRAFTING
            and (
                actor.role is Role.RESPONSIBLE
                or (actor.department in self.departments and not self.is_joint)
            )
        ):
            allowed.append(Action.SUBMIT_DRAFT)
        if s is Status.INTERNAL_REVIEW and actor.may(Action.APPROVE_DRAFT):
            allowed += [Action.APPROVE_DRAFT, Action.REJECT_DRAFT]
        if s is Status.READY_TO_SEND and actor.may(Action.MARK_SENT):
            allowed.append(Action.MARK_SENT)
        if s is Status.CURATOR_REVIEW and actor.may(Action.CURATOR_DECIDE):
            allowed.append(Action.CURATOR_DECIDE)
        if s is Status.APPROVED and actor.may(Action.PUBLISH):
            allowed.append(Action.PUBLISH)
        if not self.closed and actor.may(Action.WITHDRAW):
            allowed.append(Action.WITHDRAW)
        return allowed

    def pull_events(self) -> list[ev.Event]:
        """Hand the new events to the service layer (once)."""
        pulled, self.events = self.events, []
        return pulled

    # -- internals -----------------------------------------------------------------------------

    def _require(self, actor: Actor, action: Action) -> None:
        if not actor.may(action):
            raise Forbidden("Это действие недоступно для вашей роли.")
        if actor.role is Role.CURATOR and actor.login != self.message.curator.id:
            raise Forbidden("Сообщение передано другим куратором.")

    def _require_status(self, *allowed: Status) -> None:
        if self.status not in allowed:
            raise InvalidTransition(
                f"Действие невозможно: сообщение в статусе «{STATUS_TITLES_RU[self.status]}»."
            )

    @property
    def _outbound_via(self) -> str:
        """How a step that the monitoring system must learn of reaches it."""
        return (Via.MANUAL if self.source is Source.MANUAL else Via.INTEGRATION).value

    @staticmethod
    def _decision_via(actor: Actor, at: datetime, recorded_at: datetime | None) -> dict:
        """Audit details of a curator's decision: by callback, or recorded by hand and when."""
        if actor.role is Role.CURATOR:
            return {"via": Via.CALLBACK.value}
        details = {"via": Via.MANUAL.value, "on_behalf_of": Role.CURATOR.value}
        if recorded_at is not None and recorded_at != at:
            details["recorded_at"] = recorded_at.isoformat()
        return details

    @staticmethod
    def _check_decision_time(
        at: datetime, recorded_at: datetime | None, earliest: datetime | None
    ) -> None:
        """A decision recorded by hand happened at or before its recording, and after the
        draft (or message) it decides on reached the curator."""
        if recorded_at is not None and at > recorded_at:
            raise InvalidInput(
                "Время решения куратора не может быть позже текущего.",
                {"at": "время в будущем"},
            )
        if earliest is not None and at < earliest:
            raise InvalidInput(
                "Время решения куратора раньше передачи ему проекта.",
                {"at": "раньше передачи куратору"},
            )

    def _draft(self, draft_id: str, expected: DraftStatus) -> Draft:
        for draft in self.drafts:
            if draft.draft_id == draft_id:
                if draft.status is not expected:
                    raise InvalidTransition("Этот вариант ответа уже не на рассмотрении.")
                return draft
        raise NotFound("Вариант ответа не найден.")

    def _drafting_status(self) -> Status:
        if Deadline.REWORK.value in self.timers and self.timers[Deadline.REWORK.value].running:
            return Status.REWORK
        if self.interim_published:
            return Status.AWAITING_FINAL
        return Status.IN_WORK

    def _start(
        self,
        policy: SlaPolicy,
        deadline: Deadline,
        start: datetime,
        *,
        department: str | None = None,
        due_from: datetime | None = None,
    ) -> Timer:
        due = policy.due(deadline, due_from if due_from is not None else start)
        timer = Timer(deadline, start, due, department)
        self.timers[timer.key] = timer
        return timer

    def _stop(
        self,
        deadline: Deadline,
        now: datetime,
        *,
        department: str | None = None,
        fulfilled: bool = True,
    ) -> None:
        timer = self.timers.get(timer_key(deadline, department))
        if timer is not None:
            timer.stop(now, fulfilled=fulfilled)

    def _close(self, status: Status, now: datetime, reason: str | None) -> None:
        """Closing owes nothing more: every timer still running is cancelled, not breached."""
        for timer in self.running_timers():
            timer.stop(now, fulfilled=False)
        self.status = status
        self.resolution_reason = reason

    def _record(self, now: datetime, actor: Actor, action: str, details: dict) -> None:
        self.timeline.append(TimelineEntry(now, actor.login, actor.role, action, details))

    def _raise(self, event: ev.Event) -> None:
        self.events.append(event)

    def _bump(self) -> None:
        self.version += 1


class CuratorEvent(StrEnum):
    """The curator's decisions, as the monitoring system names them (the contract)."""

    APPROVED = "draft_approved"
    RETURNED = "draft_returned"
    WITHDRAWN = "message_withdrawn"


class DecisionMatch(StrEnum):
    NEW = "new"
    SAME = "same"
    CONFLICT = "conflict"


_DECIDED = {
    DraftStatus.APPROVED: CuratorEvent.APPROVED,
    DraftStatus.PUBLISHED: CuratorEvent.APPROVED,
    DraftStatus.RETURNED: CuratorEvent.RETURNED,
}


def require_registrar(actor: Actor) -> None:
    """Who may register by hand; checked before an existing case is even looked up, so that
    asking tells nobody else whether a post is known."""
    if not actor.may(Action.REGISTER):
        raise Forbidden("Регистрировать сообщения может только технический исполнитель.")


def _required_text(value: str | None, field_name: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(message, {field_name: "обязательное поле"})
    return text


def new_id() -> str:
    return uuid.uuid4().hex
