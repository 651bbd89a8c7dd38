"""The case aggregate: one citizen's post, from intake to a published answer.

Each method is one step of the regulation's flow. It asks the state machine
(`otklik.domain.transitions`) whether the actor may take it now, checks its own arguments,
starts and stops the timers the step touches, raises the step's domain event (which also writes
its timeline entry) and bumps the version. It does no I/O and never reads the clock: `now` and
the SLA policy come in as arguments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from dataclasses import replace as dataclass_replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from otklik.domain import events as ev
from otklik.domain import transitions
from otklik.domain.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from otklik.domain.links import answer_place
from otklik.domain.policy import Deadline, SlaPolicy
from otklik.domain.roles import SYSTEM_ACTOR, Action, Actor, Role
from otklik.domain.states import (
    CLOSED,
    CuratorEvent,
    DraftKind,
    DraftStatus,
    Source,
    Status,
    Via,
)
from otklik.domain.timers import Timer, late_on_arrival, timer_key
from otklik.domain.transitions import Step
from otklik.domain.values import (
    Attachment,
    Author,
    Comment,
    Contribution,
    Draft,
    Escalation,
    Finding,
    Message,
    Note,
    PostCopy,
    Publication,
    PublicationFailure,
    Receipt,
    TimelineEntry,
    new_id,
)

# A detection time typed in by hand may run a little ahead of our clock (the monitoring
# system's clock, rounding to the minute); more than this is a typing mistake.
DETECTION_CLOCK_SKEW = timedelta(minutes=5)
NOTE_MAX_LENGTH = 4000  # characters of an internal note: a few paragraphs, not a document

# What stands in the place of a citizen's personal data once the retention period has passed.
RETENTION_MARKER = "[удалено по сроку хранения]"
# The timeline actions that close a case (the last of them is when it closed).
CLOSING_ACTIONS = frozenset({"returned_to_curator", "not_processable", "withdrawn", "published"})
# The personal data `anonymise` replaces, as the event names them.
ERASED_FIELDS = (
    "message.author.id",
    "message.author.name",
    "message.author.url",
    "message.text",
    "message.attachments",
    "publications.original",
    "author name in drafts, contributions, notes and publications",
)


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
    flag_words: dict[str, tuple[str, ...]] = field(default_factory=dict)  # each flag's words
    repeat_of: str | None = None
    # Clause 18's hint: an earlier case by another author on the same topic and place, for
    # the technical executor to confirm (never routed by itself, unlike `repeat_of`).
    similar_to: str | None = None
    proposed_assignee: str | None = None
    resolution_reason: str | None = None
    significance: str | None = None  # why the head of district was told at once (clause 24)
    surge_of: tuple[str, ...] = ()  # the groups («topic:…», «place:…») a surge report was for
    # The timers (their keys) already past due, or nearly, when the message reached us: it was
    # detected long before, and they were missed before receipt (`late_on_arrival`).
    arrived_late: tuple[str, ...] = ()
    timers: dict[str, Timer] = field(default_factory=dict)
    contributions: dict[str, Contribution] = field(default_factory=dict)
    drafts: list[Draft] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    escalations: list[Escalation] = field(default_factory=list)
    publications: list[Publication] = field(default_factory=list)  # proof of each publication
    notes: list[Note] = field(default_factory=list)  # the desk's internal notes, oldest first
    # Whom each department's part is assigned to (department → login): the department's head
    # gives it to one of its officials, who then gets its letters and warnings too.
    assignees: dict[str, str] = field(default_factory=dict)
    publication_failure: PublicationFailure | None = None  # the adapter gave up; publish by hand
    anonymised_at: datetime | None = None  # the citizen's personal data replaced (retention)
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
        case.arrived_late = late_on_arrival(case.timers.values(), now, policy)
        via = Via.MANUAL if source is Source.MANUAL else Via.WEBHOOK
        late = {"arrived_late": list(case.arrived_late)} if case.arrived_late else {}
        case._raise(
            actor,
            ev.MessageReceived(case.case_id, now, importance=message.importance),
            external_id=message.external_id,
            via=via.value,
            **late,
        )
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
        flag_words: dict[str, Iterable[str]] | None = None,
        similar_to: str | None = None,
        similar_ref: str = "",
    ) -> None:
        """Routing's proposal; the technical executor still decides (clause 20 is a human call).
        `flag_words`: for each flag, the words of the message that suggest it; `similar_to`: an
        earlier case of another author on the same topic and place (clause 18, a hint), and
        `similar_ref` its number in the monitoring system, which the timeline keeps."""
        self._check(Step.PROPOSE_ROUTING, actor)
        self.proposed_departments = tuple(dict.fromkeys(departments))
        self.flags = tuple(dict.fromkeys(flags))
        self.flag_words = {f: tuple((flag_words or {}).get(f, ())) for f in self.flags}
        self.similar_to = similar_to if similar_to != self.case_id else None
        hint = {}
        if self.similar_to:
            hint = {"similar_to": self.similar_to, "similar_ref": similar_ref}
        self._raise(
            actor,
            ev.RoutingProposed(self.case_id, now, self.proposed_departments, self.flags),
            **hint,
        )
        self._bump()

    def link_repeat(
        self, actor: Actor, *, earlier_case_id: str, handled_by: str | None, now: datetime
    ) -> None:
        """Clause 18: a repeated message goes to the official who handled the earlier one."""
        self._check(Step.LINK_REPEAT, actor)
        if earlier_case_id == self.case_id:
            raise InvalidInput("Сообщение не может быть повтором самого себя.")
        self.repeat_of = earlier_case_id
        self.proposed_assignee = handled_by
        self._raise(actor, ev.RepeatLinked(self.case_id, now, earlier_case_id, handled_by))
        self._bump()

    def report_significance(
        self, actor: Actor, *, reason: str, now: datetime, surge_of: Iterable[str] = ()
    ) -> bool:
        """Clause 24: a socially significant message or a surge goes to the head at once;
        once per case. `surge_of`: for a surge, the groups it was for, so that another group
        surging later is told of too (`routing.surge_groups`). Returns False if it was already
        reported."""
        self._check(Step.REPORT_SIGNIFICANCE, actor)
        if self.significance is not None:
            return False
        self.significance = _required_text(reason, "reason", "Укажите основание доклада.")
        self.surge_of = tuple(surge_of) if self.significance == "surge" else ()
        self._raise(actor, ev.SignificanceReported(self.case_id, now, self.significance))
        self._bump()
        return True

    # -- triage (clauses 10, 18, 20) -------------------------------------------------------------

    def accept(
        self, actor: Actor, *, departments: Iterable[str], now: datetime, policy: SlaPolicy
    ) -> None:
        """Accept and assign departments; with several, each owes a contribution within T8."""
        self._check(Step.ACCEPT, actor)
        chosen = tuple(dict.fromkeys(d.strip() for d in departments if d and d.strip()))
        if not chosen:
            raise InvalidInput(
                "Выберите хотя бы один отдел-исполнитель.", {"departments": "обязательное поле"}
            )
        self._stop(Deadline.TRIAGE, now)
        self.departments = chosen
        self.status = Status.IN_WORK
        self._raise(actor, ev.CaseAccepted(self.case_id, now, chosen, actor.login))
        if len(chosen) > 1:
            for department in chosen:
                timer = self._start(policy, Deadline.CONTRIBUTION, now, department=department)
                self.contributions[department] = Contribution(department, now, timer.due)
            self._raise(actor, ev.ContributionsRequested(self.case_id, now, chosen))
        self._bump()

    def return_to_curator(self, actor: Actor, *, reason: str, now: datetime) -> None:
        """Clause 10: outside the administration's remit, back to the curator with a reason."""
        self._check(Step.RETURN_TO_CURATOR, actor)
        reason = _required_text(reason, "reason", "Укажите причину возврата.")
        self._stop(Deadline.TRIAGE, now)
        self._close(Status.RETURNED_TO_CURATOR, now, reason)
        self._raise(
            actor, ev.CaseReturnedToCurator(self.case_id, now, reason), via=self._outbound_via
        )
        self._bump()

    def mark_not_processable(self, actor: Actor, *, reason: str, now: datetime) -> None:
        """Clause 20: threats, obscene or insulting language; no answer is prepared."""
        self._check(Step.MARK_NOT_PROCESSABLE, actor)
        reason = _required_text(reason, "reason", "Укажите основание (п. 20 регламента).")
        self._stop(Deadline.TRIAGE, now)
        self._close(Status.NOT_PROCESSABLE, now, reason)
        self._raise(actor, ev.CaseMarkedNotProcessable(self.case_id, now, reason))
        self._bump()

    # -- drafting (clauses 12, 17, 19) ----------------------------------------------------------

    def contribute(self, actor: Actor, *, text: str, now: datetime) -> None:
        """A department's contribution to a joint answer (stops that department's T8)."""
        self._check(Step.CONTRIBUTE, actor)
        contribution = self.contributions[actor.department or ""]
        contribution.text = _required_text(text, "text", "Текст вклада не может быть пустым.")
        contribution.author = actor.login
        contribution.submitted_at = now
        self._stop(Deadline.CONTRIBUTION, now, department=contribution.department)
        self._raise(
            actor,
            ev.ContributionSubmitted(self.case_id, now, contribution.department, actor.login),
        )
        self._bump()

    def add_note(self, actor: Actor, *, text: str, now: datetime) -> Note:
        """An internal note for colleagues (who called whom, what the road service promised):
        kept with the case and in the audit trail, never sent out."""
        self._check(Step.ADD_NOTE, actor)
        text = _required_text(text, "text", "Текст заметки не может быть пустым.")
        if len(text) > NOTE_MAX_LENGTH:
            raise InvalidInput(
                f"Заметка длиннее {NOTE_MAX_LENGTH} символов: сократите её.",
                {"text": "слишком длинный текст"},
            )
        note = Note(note_id=new_id(), author=actor.login, text=text, at=now)
        self.notes.append(note)
        self._raise(actor, ev.NoteAdded(self.case_id, now, note.note_id))
        self._bump()
        return note

    def assign(
        self, actor: Actor, *, assignee: Actor, department: str | None = None, now: datetime
    ) -> bool:
        """A department's part of the case given to one of its officials (the head of the
        department for their own, the responsible executor for any). Returns False if it was
        already theirs."""
        self._check(Step.ASSIGN, actor)
        if actor.role is Role.EXECUTOR:
            department = department or actor.department
            if department != actor.department:
                raise Forbidden("Поручать можно только сотрудникам своего отдела.")
        if not department or department not in self.departments:
            raise InvalidInput(
                "Этот отдел не назначен по сообщению.", {"department": "отдел не назначен"}
            )
        if assignee.role is not Role.EXECUTOR or assignee.department != department:
            raise InvalidInput(
                "Поручить можно только сотруднику назначенного отдела.",
                {"login": "сотрудник другого отдела"},
            )
        previous = self.assignees.get(department, "")
        if previous == assignee.login:
            return False
        self.assignees[department] = assignee.login
        self._raise(
            actor, ev.ExecutorAssigned(self.case_id, now, department, assignee.login, previous)
        )
        self._bump()
        return True

    def assigned_to(self, departments: Iterable[str]) -> tuple[str, ...]:
        """The officials the parts of `departments` are assigned to."""
        return tuple(self.assignees[d] for d in departments if d in self.assignees)

    def submit_draft(
        self,
        actor: Actor,
        *,
        text: str,
        kind: DraftKind,
        attachments: Iterable[Attachment] = (),
        now: datetime,
        draft_id: str | None = None,
        checks: Iterable[Finding] = (),
    ) -> Draft:
        """A draft answer for internal approval: by the department's executor, or by the
        responsible executor (always allowed; the only author of a joint answer)."""
        self._check(Step.SUBMIT_DRAFT, actor)
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
            checks=tuple(checks),
        )
        self.drafts.append(draft)
        self.status = Status.INTERNAL_REVIEW
        self._raise(actor, ev.DraftSubmitted(self.case_id, now, draft.draft_id, kind, actor.login))
        self._bump()
        return draft

    def approves_own_draft(self, actor: Actor) -> bool:
        """Clause 12: the responsible executor approves drafts, so a draft he wrote himself (the
        joint answer, clause 17) is approved as he submits it, not sent to himself."""
        return transitions.refusal(self, actor, Step.APPROVE_DRAFT) is None

    def advise_on_draft(
        self,
        actor: Actor,
        *,
        text: str,
        kind: DraftKind,
        attachments: Iterable[Attachment] = (),
        today: date,
    ) -> list[Finding]:
        """Advice on a draft the actor may write now (clauses 18-19): the author addressed, a
        measure and a term, no boilerplate, what was done since for a repeat, the promised
        photos, the network's length and manner. Never blocks; refused only to whoever may not
        write the draft."""
        self._check(Step.SUBMIT_DRAFT, actor)
        from otklik.domain import draft_checks  # the morphology: only where drafts are written

        return draft_checks.check(
            text,
            kind=DraftKind(kind).value,
            network=self.message.network,
            today=today,
            attachments=[(a.type, a.key or a.url) for a in attachments],
            author_name=self.message.author.name,
            repeat_of=self.repeat_of is not None,
        )

    # -- internal approval (clause 12) ---------------------------------------------------------

    def approve_draft(
        self, actor: Actor, *, draft_id: str, now: datetime, policy: SlaPolicy
    ) -> None:
        """The responsible executor approves. With an integration the draft goes to the curator
        at once (stops T3, T5; starts T4); on a manual case it waits, ready to send, until the
        technical executor has entered it into the monitoring system (`mark_sent`)."""
        self._check(Step.APPROVE_DRAFT, actor)
        draft = self._draft(draft_id, DraftStatus.INTERNAL_REVIEW)
        for pending in self.contributions.values():  # the joint answer went on without them
            if pending.submitted_at is None:
                self._stop(
                    Deadline.CONTRIBUTION, now, department=pending.department, fulfilled=False
                )
        if self.source is Source.MANUAL:
            draft.status = DraftStatus.READY_TO_SEND
            self.status = Status.READY_TO_SEND
            self._raise(actor, ev.DraftReadyToSend(self.case_id, now, draft_id, draft.kind))
        else:
            self._hand_to_curator(draft, now, policy)
            self._raise(
                actor,
                ev.DraftSentToCurator(self.case_id, now, draft_id, draft.kind),
                as_action="draft_approved",  # the approval sent it at once: recorded as such
                via=Via.INTEGRATION.value,
            )
        self._bump()

    def mark_sent(self, actor: Actor, *, draft_id: str, now: datetime, policy: SlaPolicy) -> None:
        """Clause 12 by hand: the technical executor entered the approved draft into the
        monitoring system. T3 and T5 stop and T4 starts at this instant."""
        self._check(Step.MARK_SENT, actor)
        draft = self._draft(draft_id, DraftStatus.READY_TO_SEND)
        self._hand_to_curator(draft, now, policy)
        self._raise(
            actor,
            ev.DraftSentToCurator(self.case_id, now, draft_id, draft.kind),
            via=Via.MANUAL.value,
        )
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
        self._check(Step.REJECT_DRAFT, actor)
        draft = self._draft(draft_id, DraftStatus.INTERNAL_REVIEW)
        comment = _required_text(comment, "comment", "Укажите, что исправить.")
        draft.status = DraftStatus.REJECTED
        draft.comments.append(Comment(actor.login, actor.role, comment, now))
        self.status = self._drafting_status()
        self._raise(actor, ev.DraftRejected(self.case_id, now, draft_id, comment, draft.author))
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
        self._check(Step.CURATOR_APPROVE, actor)
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
        self._raise(
            actor,
            ev.DraftApprovedByCurator(self.case_id, now, draft_id),
            **self._decision_via(actor, now, recorded_at),
        )
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
        self._check(Step.CURATOR_RETURN, actor)
        draft = self._draft(draft_id, DraftStatus.CURATOR_REVIEW)
        comment = _required_text(comment, "comment", "Куратор должен указать замечания.")
        self._check_decision_time(now, recorded_at, draft.sent_to_curator_at)
        draft.status = DraftStatus.RETURNED
        draft.curator_decided_at = now
        draft.comments.append(Comment(actor.login, actor.role, comment, now))
        self._stop(Deadline.CURATOR_DECISION, now)
        self._start(policy, Deadline.REWORK, now)
        self.status = Status.REWORK
        self._raise(
            actor,
            ev.DraftReturnedByCurator(self.case_id, now, draft_id, comment, draft.author),
            **self._decision_via(actor, now, recorded_at),
        )
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
        in_thread: bool | None = None,
    ) -> None:
        """The approved answer is published and its link recorded, with a proof of publication:
        a copy of the original post and of the reply (and the network's answer, if the system
        posted it; else `in_thread`, where a person said it was).

        A final answer closes the case; an interim one meets T2 and starts T7 for the final.
        """
        self._check(Step.PUBLISH, actor)
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
                in_thread=receipt.in_thread if receipt else in_thread,
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
        self._raise(actor, ev.AnswerPublished(self.case_id, now, draft.draft_id, draft.kind, url))
        self._bump()

    def record_published_link(
        self,
        actor: Actor,
        *,
        url: str,
        own_pages: frozenset[str],
        now: datetime,
        policy: SlaPolicy,
    ) -> None:
        """Clause 15 by hand: the technical executor posted the answer and records its link. It
        must be in the post's own thread, or, where that is technically impossible, on one of
        the administration's own pages (`links.page_key` of each)."""
        self._check(Step.PUBLISH, actor)
        url = _required_text(url, "url", "Укажите ссылку на опубликованный ответ.")
        try:
            place = answer_place(self.message.url, url, own_pages)
        except ValueError:
            raise InvalidInput(
                "Ссылка должна начинаться с https://", {"url": "неверная ссылка"}
            ) from None
        if place == "the_post":
            raise InvalidInput(
                "Это ссылка на сообщение гражданина, а не на ответ: откройте опубликованный "
                "ответ и скопируйте его ссылку.",
                {"url": "ссылка на само сообщение"},
            )
        if place is None:
            raise InvalidInput(
                "Ответ публикуется в той же ветке, что и сообщение, или — если там ответить "
                "технически невозможно — на странице администрации; эта ссылка ведёт в "
                "другое место.",
                {"url": "не та ветка и не страница администрации"},
            )
        self.publish(actor, url=url, now=now, policy=policy, in_thread=place == "thread")

    def publication_failed(
        self, actor: Actor, *, draft_id: str, reason: str, now: datetime
    ) -> bool:
        """The network adapter gave up on an approved answer (a permanent error, or retries used
        up): the reason is recorded, the case stays approved with T6 running, and the technical
        executor is told to publish by hand. Once per draft; False if already recorded."""
        self._check(Step.PUBLICATION_FAILED, actor)
        draft = self._draft(draft_id, DraftStatus.APPROVED)
        if self.publication_failure is not None and self.publication_failure.draft_id == draft_id:
            return False
        reason = _required_text(reason, "reason", "Укажите причину сбоя публикации.")
        self.publication_failure = PublicationFailure(
            draft.draft_id, self.message.network, reason, now
        )
        self._raise(
            actor, ev.PublicationFailed(self.case_id, now, draft_id, self.message.network, reason)
        )
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
        self._check(Step.WITHDRAW, actor)
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
        self._raise(
            actor,
            ev.CaseWithdrawn(self.case_id, now, comment),
            **self._decision_via(actor, now, recorded_at),
        )
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
        self._raise(
            actor,
            ev.CuratorDecisionConflicted(self.case_id, now, event, draft_id),
            status=self.status.value,
        )
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
        self._check(Step.ESCALATE, actor)
        if self.has_escalation(timer, kind, level):
            return False
        running = self.timers.get(timer)
        if running is None:
            raise NotFound(f"Срок {timer} не найден.")
        if not running.running:
            raise InvalidTransition("Срок уже не идёт: предупреждать и эскалировать нечего.")
        spec = policy.spec(running.deadline)
        notified = tuple(notified)
        self.escalations.append(
            Escalation(timer, kind, level, notified, now, spec.party, spec.accountable)
        )
        self._raise(actor, ev.DeadlineEscalated(self.case_id, now, timer, kind, level, notified))
        self._bump()
        return True

    def has_escalation(self, timer: str, kind: str, level: int) -> bool:
        return any(
            e.timer == timer and e.kind == kind and e.level == level for e in self.escalations
        )

    # -- retention of personal data (152-FZ) -----------------------------------------------------

    def anonymise(self, actor: Actor, *, now: datetime, retention_months: int) -> bool:
        """The retention period has passed since the case closed: the citizen's name, profile
        link, author id, text and attachments (in the message and in the copies of the post in
        the proof of publication) are replaced by `RETENTION_MARKER`, and so is the author's
        name where our drafts and contributions addressed them. What officials did, when, and
        the links of the published answers stay: the timeline and the audit keep who did what.

        The system's step alone, on a closed case whose period has passed; once (False if the
        case is anonymised already). No row of the state machine: it is no step of the
        regulation's flow, changes no status, and is allowed from every closed status."""
        if actor.role is not Role.SYSTEM:
            raise Forbidden("Обезличивание по сроку хранения выполняет только система.")
        if self.anonymised_at is not None:
            return False
        if not self.closed:
            raise InvalidTransition("Сообщение не закрыто: персональные данные ещё нужны.")
        due = self.retention_due(retention_months)
        if due is None or now < due:
            raise InvalidTransition("Срок хранения персональных данных ещё не истёк.")
        closed_at = self.closed_at
        names = _name_parts(self.message.author.name)
        m = self.message
        self.message = Message(
            external_id=m.external_id,
            detected_at=m.detected_at,
            network=m.network,
            url=m.url,
            author=_anonymous(m.author),
            text=RETENTION_MARKER,
            topic=m.topic,
            location=m.location,
            importance=m.importance,
            curator=m.curator,
            attachments=_erased_attachments(m.attachments),
        )
        for draft in self.drafts:
            draft.text = _without_names(draft.text, names)
        for contribution in self.contributions.values():
            if contribution.text:
                contribution.text = _without_names(contribution.text, names)
        self.notes = [
            Note(n.note_id, n.author, _without_names(n.text, names), n.at) for n in self.notes
        ]
        self.publications = [replace_publication(p, names) for p in self.publications]
        self.anonymised_at = now
        self._raise(
            actor,
            ev.PersonalDataErased(
                self.case_id,
                now,
                retention_months=retention_months,
                closed_at=closed_at.isoformat() if closed_at else "",
                erased=ERASED_FIELDS,
            ),
        )
        self._bump()
        return True

    @property
    def closed_at(self) -> datetime | None:
        """When the case closed (its last closing step), or None while it is open."""
        if not self.closed:
            return None
        closing = [e.at for e in self.timeline if e.action in CLOSING_ACTIONS]
        if closing:
            return max(closing)
        return self.timeline[-1].at if self.timeline else self.received_at

    def retention_due(self, retention_months: int) -> datetime | None:
        """When the citizen's personal data in a closed case are to be erased; None if open."""
        closed_at = self.closed_at
        return add_months(closed_at, retention_months) if closed_at is not None else None

    # -- what others read ----------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    @property
    def arrival_delay(self) -> timedelta:
        """How long the message took from its detection to our receipt (never negative)."""
        return max(self.received_at - self.message.detected_at, timedelta(0))

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
        return transitions.allowed_actions(self, actor)

    def pull_events(self) -> list[ev.Event]:
        """Hand the new events to the service layer (once)."""
        pulled, self.events = self.events, []
        return pulled

    # -- internals -----------------------------------------------------------------------------

    def _check(self, step: Step, actor: Actor) -> None:
        """Refuse a step the state machine does not allow `actor` now (403 or 409)."""
        error = transitions.refusal(self, actor, step)
        if error is not None:
            raise error

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

    def _raise(
        self, actor: Actor, event: ev.Event, *, as_action: str | None = None, **context
    ) -> None:
        """Append the step's event and, from it, its timeline entry: the event's action and
        details, and `context`, what only the step knows (how it came: `via` and the like)."""
        self.events.append(event)
        action = as_action or event.action
        if action is not None:
            details = {**event.to_details(), **context}
            self.timeline.append(TimelineEntry(event.at, actor.login, actor.role, action, details))

    def _bump(self) -> None:
        self.version += 1


class DecisionMatch(StrEnum):
    NEW = "new"
    SAME = "same"
    CONFLICT = "conflict"


_DECIDED = {
    DraftStatus.APPROVED: CuratorEvent.APPROVED,
    DraftStatus.PUBLISHED: CuratorEvent.APPROVED,
    DraftStatus.RETURNED: CuratorEvent.RETURNED,
}


def add_months(at: datetime, months: int) -> datetime:
    """The same instant `months` calendar months later (the day clamped to the month's end)."""
    index = at.year * 12 + at.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    last_day = (following - timedelta(days=1)).day
    return at.replace(year=year, month=month, day=min(at.day, last_day))


def _anonymous(author: Author) -> Author:
    return Author(id=RETENTION_MARKER, name=RETENTION_MARKER, url=RETENTION_MARKER)


def _erased_attachments(attachments: Iterable[Attachment]) -> tuple[Attachment, ...]:
    """Each attachment's link replaced; its type (photo, video) stays, which says nothing of
    the citizen."""
    return tuple(Attachment(a.type, RETENTION_MARKER) for a in attachments)


def _name_parts(name: str) -> tuple[str, ...]:
    """The author's name, whole and word by word (words of three letters or more), longest
    first, so "Ирина Петрова" goes before "Ирина"."""
    name = " ".join((name or "").split())
    words = [w for w in re.split(r"[^\w-]+", name) if len(w) >= 3]
    return tuple(sorted({name, *words} - {""}, key=len, reverse=True))


def _without_names(text: str, names: tuple[str, ...]) -> str:
    for part in names:
        text = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", RETENTION_MARKER, text)
    return text


def replace_publication(publication: Publication, names: tuple[str, ...]) -> Publication:
    """A proof of publication without the citizen's personal data: the copy of their post
    erased, their name taken out of our reply; the links, times and who published stay."""
    original = publication.original
    return dataclass_replace(
        publication,
        text=_without_names(publication.text, names),
        original=PostCopy(
            original.url,
            RETENTION_MARKER,
            _anonymous(original.author),
            original.detected_at,
            _erased_attachments(original.attachments),
        ),
    )


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
