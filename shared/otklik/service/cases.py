"""The service layer: one function per use case, each a single load → domain step → commit.

Handlers call these and nothing else. Each returns the changed case; the queue messages its
events caused are committed with it (outbox) and relayed right after the commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from otklik.domain.case import Case, DecisionMatch, require_registrar
from otklik.domain.errors import (
    ConcurrentModification,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from otklik.domain.links import normalise_post_url
from otklik.domain.roles import SYSTEM_ACTOR, Action, Actor, Role
from otklik.domain.routing import propose, significance, surge_groups
from otklik.domain.states import CuratorEvent, DraftKind, Status
from otklik.domain.values import Attachment, Finding, Message
from otklik.ports import CaseStore, DuplicateKey, intake_key, post_key
from otklik.service import attachments as files
from otklik.service import inbox
from otklik.service.deps import Deps
from otklik.service.outbox import outbox_for

T = TypeVar("T")


def commit(
    deps: Deps,
    store: CaseStore,
    case: Case,
    now: datetime,
    idempotency: list[tuple[str, dict]] | None = None,
) -> None:
    messages = outbox_for(case.pull_events(), case)
    store.commit(case, now=now, outbox=messages, idempotency=idempotency or [])
    deps.bus.relay(messages, now)


def change(
    deps: Deps,
    case_id: str,
    now: datetime,
    step: Callable[[Case], T],
    *,
    actor: Actor | None = None,
    action: Action | None = None,
) -> tuple[Case, T]:
    """Load a case, apply one domain step, commit it with its audit entries and messages.

    A staff `actor` is asked first whether their role may take the `action` at all (403) and
    then whether they may see the case (the 404 that reading it gives), so nothing about a case
    they cannot see, such as its status, reaches them through a refusal of the step."""
    if actor is not None and action is not None and not actor.may(action):
        raise Forbidden("Это действие недоступно для вашей роли.")
    store = deps.store()
    case = store.get(case_id)
    if actor is not None and not case.visible_to(actor):
        raise NotFound("Сообщение не найдено.")
    result = step(case)
    commit(deps, store, case, now)
    return case, result


# -- intake (clause 9) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Intake:
    case: Case
    created: bool


def receive_message(deps: Deps, message: Message, now: datetime) -> Intake:
    """Store a new message once per external id; a repeated delivery returns the same case."""
    key = intake_key(message.external_id)
    existing = _existing_intake(deps, key)
    if existing is not None:
        return Intake(existing, created=False)
    store = deps.store()
    case = Case.receive(message, now=now, policy=deps.policy)
    try:
        commit(deps, store, case, now, idempotency=[(key, {"case_id": case.case_id})])
    except DuplicateKey:  # another delivery of the same message won the race
        return Intake(_existing_intake(deps, key), created=False)
    return Intake(case, created=True)


def register_message(deps: Deps, actor: Actor, message: Message, now: datetime) -> Intake:
    """Clause 9 without an integration: a message the technical executor saw in the monitoring
    system. The same post (its link normalised) registered again, by hand or by webhook, is
    the case it already is; concurrent registrations of one post make one case."""
    require_registrar(actor)
    post = normalise_post_url(message.url)
    keys = [post_key(hashlib.sha256(post.encode()).hexdigest())]  # a link may exceed a key
    if message.external_id:
        keys.append(intake_key(message.external_id))
    for key in keys:
        existing = _existing_intake(deps, key)
        if existing is not None:
            return Intake(existing, created=False)
    store = deps.store()
    for earlier in store.in_thread(message.url):  # a webhook case of the same post
        if normalise_post_url(earlier.message.url) == post:
            return Intake(earlier, created=False)
    case = Case.register(actor, message, now=now, policy=deps.policy)
    try:
        commit(deps, store, case, now, idempotency=[(k, {"case_id": case.case_id}) for k in keys])
    except DuplicateKey as lost:  # another registration of the same post won the race
        return Intake(_existing_intake(deps, lost.key), created=False)
    return Intake(case, created=True)


def _existing_intake(deps: Deps, key: str) -> Case | None:
    seen = deps.keys.seen(key)
    return deps.store().get(seen["case_id"]) if seen is not None else None


# -- routing (clauses 18, 20) ------------------------------------------------------------------


def route(deps: Deps, case_id: str, now: datetime) -> Case:
    """Propose departments, flag clause 20 content and link a repeated message; once only."""
    store = deps.store()
    case = store.get(case_id)
    if case.status is not Status.RECEIVED or any(
        e.action == "routing_proposed" for e in case.timeline
    ):
        return case  # a redelivered routing message has no second effect
    since = case.received_at - timedelta(days=deps.settings.repeat_window_days)
    # other authors' cases about the same place (clause 18's hint): read only for a message
    # that names a place, from the window's one or two months
    nearby = (
        store.received_since(since, case.received_at, exclude=case.case_id)
        if case.message.location.strip()
        else []
    )
    proposal = propose(
        case,
        store.earlier_cases(case, since),
        deps.directory.routing_rules(),
        since=since,
        nearby=nearby,
    )
    if proposal.repeat_of is not None:
        case.link_repeat(
            SYSTEM_ACTOR,
            earlier_case_id=proposal.repeat_of,
            handled_by=proposal.handled_by,
            now=now,
        )
    recent_since = case.received_at - timedelta(minutes=deps.policy.surge.window_minutes)
    recent = store.received_since(recent_since, case.received_at, exclude=case.case_id)
    reason = significance(case, recent, deps.policy, flags=proposal.flags)
    if reason is not None:
        groups = surge_groups(case, recent, deps.policy) if reason == "surge" else ()
        case.report_significance(SYSTEM_ACTOR, reason=reason, now=now, surge_of=groups)
    case.propose_routing(
        SYSTEM_ACTOR,
        departments=proposal.departments,
        flags=proposal.flags,
        flag_words=proposal.flag_words,
        similar_to=proposal.similar_to,
        similar_ref=proposal.similar_ref,
        now=now,
    )
    commit(deps, store, case, now)
    return case


# -- staff actions -----------------------------------------------------------------------------


def triage(
    deps: Deps,
    actor: Actor,
    case_id: str,
    *,
    decision: str,
    departments: list[str],
    reason: str,
    now: datetime,
) -> Case:
    if not actor.may(Action.TRIAGE):  # before the directory tells anything
        raise Forbidden("Это действие недоступно для вашей роли.")
    if decision not in ("accept", "return", "not_processable"):
        raise InvalidInput("Неизвестное решение.", {"decision": decision})
    departments = [d.strip() for d in departments if d and d.strip()]
    known = {d.id for d in deps.directory.departments()}
    unknown = [d for d in departments if d not in known]
    if decision == "accept" and unknown:
        raise InvalidInput("Такого отдела нет в справочнике.", {"departments": ", ".join(unknown)})

    def step(case: Case) -> None:
        if decision == "accept":
            case.accept(actor, departments=departments, now=now, policy=deps.policy)
        elif decision == "return":
            case.return_to_curator(actor, reason=reason, now=now)
        else:
            case.mark_not_processable(actor, reason=reason, now=now)

    return change(deps, case_id, now, step, actor=actor, action=Action.TRIAGE)[0]


def contribute(deps: Deps, actor: Actor, case_id: str, *, text: str, now: datetime) -> Case:
    return change(
        deps,
        case_id,
        now,
        lambda c: c.contribute(actor, text=text, now=now),
        actor=actor,
        action=Action.CONTRIBUTE,
    )[0]


def add_note(deps: Deps, actor: Actor, case_id: str, *, text: str, now: datetime) -> Case:
    return change(
        deps,
        case_id,
        now,
        lambda c: c.add_note(actor, text=text, now=now),
        actor=actor,
        action=Action.ADD_NOTE,
    )[0]


def assign(
    deps: Deps, actor: Actor, case_id: str, *, login: str, department: str | None, now: datetime
) -> Case:
    """A department's part of the case given to one of its officials, as the directory has them
    (looked up once the case is known to be the actor's to see, so no refusal tells an executor
    of another department anything)."""

    def step(case: Case) -> bool:
        member = deps.directory.staff(login)
        if member is None or not member.active:
            raise InvalidInput("Такого сотрудника нет в справочнике.", {"login": "нет такого"})
        return case.assign(actor, assignee=member.actor(), department=department, now=now)

    return change(deps, case_id, now, step, actor=actor, action=Action.ASSIGN)[0]


def submit_draft(
    deps: Deps,
    actor: Actor,
    case_id: str,
    *,
    text: str,
    kind: str,
    attachments: list[Attachment],
    now: datetime,
) -> tuple[Case, str]:
    """The draft, with the advice it gets kept on it for the approval (clause 12). Its
    attachments are files confirmed for this case (`service.attachments`), else 422."""
    attachments = files.for_draft(deps, case_id, attachments)

    def step(case: Case):
        checks = _advice(deps, case, actor, text, kind, attachments, now)
        draft = case.submit_draft(
            actor,
            text=text,
            kind=DraftKind(kind),
            attachments=attachments,
            now=now,
            checks=checks,
        )
        if case.approves_own_draft(actor):
            case.approve_draft(actor, draft_id=draft.draft_id, now=now, policy=deps.policy)
        return draft

    case, draft = change(deps, case_id, now, step, actor=actor, action=Action.SUBMIT_DRAFT)
    return case, draft.draft_id


def check_draft(
    deps: Deps,
    actor: Actor,
    case_id: str,
    *,
    text: str,
    kind: str,
    attachments: list[Attachment],
    now: datetime,
) -> list[Finding]:
    """Advice on a draft before it is submitted: nothing is stored."""
    case = inbox.visible_case(deps, actor, case_id)
    attachments = files.for_draft(deps, case_id, attachments)
    return _advice(deps, case, actor, text, kind, attachments, now)


def _advice(deps: Deps, case: Case, actor: Actor, text, kind, attachments, now) -> list[Finding]:
    today = now.astimezone(deps.policy.calendar.tz).date()
    return case.advise_on_draft(
        actor, text=text, kind=DraftKind(kind), attachments=attachments, today=today
    )


def approve_draft(deps: Deps, actor: Actor, case_id: str, draft_id: str, now: datetime) -> Case:
    return change(
        deps,
        case_id,
        now,
        lambda c: c.approve_draft(actor, draft_id=draft_id, now=now, policy=deps.policy),
        actor=actor,
        action=Action.APPROVE_DRAFT,
    )[0]


def reject_draft(
    deps: Deps, actor: Actor, case_id: str, draft_id: str, *, comment: str, now: datetime
) -> Case:
    return change(
        deps,
        case_id,
        now,
        lambda c: c.reject_draft(actor, draft_id=draft_id, comment=comment, now=now),
        actor=actor,
        action=Action.REJECT_DRAFT,
    )[0]


def mark_sent(deps: Deps, actor: Actor, case_id: str, draft_id: str, now: datetime) -> Case:
    return change(
        deps,
        case_id,
        now,
        lambda c: c.mark_sent(actor, draft_id=draft_id, now=now, policy=deps.policy),
        actor=actor,
        action=Action.MARK_SENT,
    )[0]


def record_publication(deps: Deps, actor: Actor, case_id: str, *, url: str, now: datetime) -> Case:
    return change(
        deps,
        case_id,
        now,
        lambda c: c.record_published_link(
            actor, url=url, own_pages=deps.settings.own_pages, now=now, policy=deps.policy
        ),
        actor=actor,
        action=Action.PUBLISH,
    )[0]


# -- the curator, through the monitoring system (clauses 13-14) ----------------------------------


class DecisionConflict(InvalidTransition):
    """A callback contradicts the decision already recorded; the case was left as it was."""

    code = "decision_conflict"


def _apply_curator_event(
    deps: Deps,
    case: Case,
    actor: Actor,
    *,
    event: str,
    draft_id: str | None,
    comment: str,
    at: datetime,
    recorded_at: datetime | None = None,
) -> None:
    if event == CuratorEvent.WITHDRAWN:
        case.withdraw(actor, comment=comment, now=at, recorded_at=recorded_at)
        return
    decide = case.curator_approve if event == CuratorEvent.APPROVED else case.curator_return
    decide(
        actor,
        draft_id=draft_id or "",
        comment=comment,
        now=at,
        policy=deps.policy,
        recorded_at=recorded_at,
    )


def curator_decision(
    deps: Deps,
    *,
    external_id: str,
    event: str,
    draft_id: str | None,
    comment: str,
    now: datetime,
    delivery_key: str,
) -> Case:
    """Apply a curator callback once: a replayed delivery changes nothing, nor does a decision
    already recorded by hand; one that contradicts the record is kept in the audit, told to
    the technical executor and refused (`DecisionConflict`). A delivery id used again for
    another decision is refused; a change of the case in between (the sweeper's warning, an
    official's step) is retried, not answered 409."""
    decision = _digest(external_id, event, draft_id, comment)
    return _retrying(
        lambda: _curator_decision_once(
            deps,
            external_id=external_id,
            event=event,
            draft_id=draft_id,
            comment=comment,
            now=now,
            delivery_key=delivery_key,
            decision=decision,
        )
    )


def _curator_decision_once(
    deps: Deps,
    *,
    external_id: str,
    event: str,
    draft_id: str | None,
    comment: str,
    now: datetime,
    delivery_key: str,
    decision: str,
) -> Case:
    seen = deps.keys.seen(delivery_key)
    if seen is not None:  # a replayed delivery
        if seen.get("decision", decision) != decision:
            raise InvalidTransition("Этот X-Delivery-Id уже использован для другого решения.")
        case = deps.store().get(seen["case_id"])
        if seen.get("conflict"):
            raise DecisionConflict(_CONFLICT_RU)
        return case
    intake = deps.keys.seen(intake_key(external_id))
    if intake is None:
        raise NotFound("Сообщение с таким external_id не поступало.")
    store = deps.store()
    case = store.get(intake["case_id"])
    curator = Actor(case.message.curator.id, Role.CURATOR, name=case.message.curator.name)
    match = case.compare_curator_decision(event, draft_id)
    if match is DecisionMatch.SAME:
        return case
    if match is DecisionMatch.CONFLICT:
        case.record_decision_conflict(curator, event=event, draft_id=draft_id, now=now)
        key = (delivery_key, {"case_id": case.case_id, "conflict": True, "decision": decision})
    else:
        _apply_curator_event(
            deps, case, curator, event=event, draft_id=draft_id, comment=comment, at=now
        )
        key = (delivery_key, {"case_id": case.case_id, "decision": decision})
    try:
        commit(deps, store, case, now, idempotency=[key])
    except DuplicateKey:  # another delivery of the same callback won: answer as it was answered
        won = deps.keys.seen(delivery_key) or {}
        if won.get("conflict"):
            raise DecisionConflict(_CONFLICT_RU) from None
        return deps.store().get(case.case_id)
    if match is DecisionMatch.CONFLICT:
        raise DecisionConflict(_CONFLICT_RU)
    return case


def _digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:32]


RETRIES = 3


def _retrying(step: Callable[[], T]) -> T:
    """A step whose case someone else changed meanwhile, loaded and applied again."""
    for attempt in range(1, RETRIES + 1):
        try:
            return step()
        except ConcurrentModification:
            if attempt == RETRIES:
                raise
    raise AssertionError("unreachable")


_CONFLICT_RU = (
    "Решение куратора расходится с уже записанным; карточка не изменена, "
    "технический исполнитель уведомлён."
)


def record_curator_decision(
    deps: Deps,
    actor: Actor,
    case_id: str,
    *,
    event: str,
    draft_id: str | None,
    comment: str,
    at: datetime | None,
    now: datetime,
) -> Case:
    """Clauses 13-14 by hand: the technical executor enters the curator's decision seen in the
    monitoring system (or heard by phone), at the time it was taken. The same decision
    entered twice changes nothing; a different one for a decided draft is refused."""
    return _retrying(
        lambda: _record_curator_decision_once(
            deps, actor, case_id, event=event, draft_id=draft_id, comment=comment, at=at, now=now
        )
    )


def _record_curator_decision_once(
    deps: Deps,
    actor: Actor,
    case_id: str,
    *,
    event: str,
    draft_id: str | None,
    comment: str,
    at: datetime | None,
    now: datetime,
) -> Case:
    store = deps.store()
    case = store.get(case_id)
    # Who may record is checked first: "already recorded" tells nothing to anyone else.
    needed = Action.WITHDRAW if event == CuratorEvent.WITHDRAWN else Action.CURATOR_DECIDE
    if not actor.may(needed) or actor.role is not Role.TECHNICAL:
        raise Forbidden("Решение куратора записывает технический исполнитель.")
    if not case.visible_to(actor):
        raise NotFound("Сообщение не найдено.")
    match = case.compare_curator_decision(event, draft_id)
    if match is DecisionMatch.SAME:
        return case
    if match is DecisionMatch.CONFLICT:
        raise InvalidTransition("Куратор уже принял по этому проекту другое решение.")
    _apply_curator_event(
        deps,
        case,
        actor,
        event=event,
        draft_id=draft_id,
        comment=comment,
        at=at or now,
        recorded_at=now,
    )
    commit(deps, store, case, now)
    return case
