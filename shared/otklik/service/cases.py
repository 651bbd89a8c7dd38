"""The service layer: one function per use case, each a single load → domain step → commit.

Handlers call these and nothing else. Each returns the changed case; the queue messages its
events caused are committed with it (outbox) and relayed right after the commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from otklik.adapters.queues import relay
from otklik.adapters.repository import CaseStore, DuplicateKey, outbox_record, thread_key
from otklik.adapters.tables import IdempotencyRecord
from otklik.domain.errors import InvalidInput, NotFound
from otklik.domain.model import Attachment, Case, DraftKind, Message, Status
from otklik.domain.roles import SYSTEM_ACTOR, Actor, Role
from otklik.domain.routing import Lexicon, find_repeat, propose_departments, significance
from otklik.service.bootstrap import Deps
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
    relay([outbox_record(m, now) for m in messages], deps.sender)


def change(deps: Deps, case_id: str, now: datetime, step: Callable[[Case], T]) -> tuple[Case, T]:
    """Load a case, apply one domain step, commit it with its audit entries and messages."""
    store = deps.store()
    case = store.get(case_id)
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
    key = f"intake:{message.external_id}"
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


def _existing_intake(deps: Deps, key: str) -> Case | None:
    seen = _seen(key)
    return deps.store().get(seen["case_id"]) if seen is not None else None


def _seen(key: str) -> dict | None:
    """What an idempotency key recorded, if it has been used."""
    record = IdempotencyRecord.find(key)
    return record.result if record is not None else None


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
    repeat = find_repeat(
        case, store.earlier_cases(case, since), thread_key_of=thread_key, since=since
    )
    if repeat is not None:
        case.link_repeat(
            SYSTEM_ACTOR,
            earlier_case_id=repeat.earlier_case_id,
            handled_by=repeat.handled_by,
            now=now,
        )
    departments = propose_departments(
        case.message.topic, case.message.location, case.message.text, deps.directory.routing_rules()
    )
    if repeat is not None:
        earlier = store.get_many([repeat.earlier_case_id])
        if earlier and earlier[0].departments:
            departments = list(earlier[0].departments)
    recent_since = case.received_at - timedelta(minutes=deps.policy.surge.window_minutes)
    reason = significance(
        case,
        store.received_since(recent_since, case.received_at, exclude=case.case_id),
        deps.policy,
    )
    if reason is not None:
        case.report_significance(SYSTEM_ACTOR, reason=reason, now=now)
    case.propose_routing(
        SYSTEM_ACTOR,
        departments=departments,
        flags=Lexicon.default().screen(case.message.text),
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

    return change(deps, case_id, now, step)[0]


def contribute(deps: Deps, actor: Actor, case_id: str, *, text: str, now: datetime) -> Case:
    return change(deps, case_id, now, lambda c: c.contribute(actor, text=text, now=now))[0]


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
    case, draft = change(
        deps,
        case_id,
        now,
        lambda c: c.submit_draft(
            actor, text=text, kind=DraftKind(kind), attachments=attachments, now=now
        ),
    )
    return case, draft.draft_id


def approve_draft(deps: Deps, actor: Actor, case_id: str, draft_id: str, now: datetime) -> Case:
    return change(
        deps,
        case_id,
        now,
        lambda c: c.approve_draft(actor, draft_id=draft_id, now=now, policy=deps.policy),
    )[0]


def reject_draft(
    deps: Deps, actor: Actor, case_id: str, draft_id: str, *, comment: str, now: datetime
) -> Case:
    return change(
        deps,
        case_id,
        now,
        lambda c: c.reject_draft(actor, draft_id=draft_id, comment=comment, now=now),
    )[0]


def record_publication(deps: Deps, actor: Actor, case_id: str, *, url: str, now: datetime) -> Case:
    return change(
        deps, case_id, now, lambda c: c.publish(actor, url=url, now=now, policy=deps.policy)
    )[0]


# -- the curator, through the monitoring system (clauses 13-14) ----------------------------------


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
    """Apply a curator callback once: a replayed delivery changes nothing."""
    seen = _seen(delivery_key)
    if seen is not None:  # a replayed delivery
        return deps.store().get(seen["case_id"])
    intake = _seen(f"intake:{external_id}")
    if intake is None:
        raise NotFound("Сообщение с таким external_id не поступало.")
    store = deps.store()
    case = store.get(intake["case_id"])
    curator = Actor(case.message.curator.id, Role.CURATOR, name=case.message.curator.name)
    if event == "draft_approved":
        case.curator_approve(
            curator, draft_id=draft_id or "", comment=comment, now=now, policy=deps.policy
        )
    elif event == "draft_returned":
        case.curator_return(
            curator, draft_id=draft_id or "", comment=comment, now=now, policy=deps.policy
        )
    else:
        case.withdraw(curator, comment=comment, now=now)
    try:
        commit(deps, store, case, now, idempotency=[(delivery_key, {"case_id": case.case_id})])
    except DuplicateKey:
        return deps.store().get(case.case_id)
    return case
