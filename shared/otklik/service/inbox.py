"""What each official sees: their inbox, sorted by the nearest deadline, and one case."""

from __future__ import annotations

from datetime import datetime, timedelta

from otklik.domain.case import Case
from otklik.domain.errors import InvalidInput, NotFound
from otklik.domain.roles import Actor, Role
from otklik.domain.states import CLOSED, Status
from otklik.service.deps import Deps

# What lands first in each role's inbox (regulation, clauses 5-8).
FOCUS: dict[Role, frozenset[Status]] = {
    Role.TECHNICAL: frozenset({Status.RECEIVED, Status.APPROVED}),
    Role.RESPONSIBLE: frozenset({Status.INTERNAL_REVIEW}),
    Role.EXECUTOR: frozenset({Status.IN_WORK, Status.REWORK, Status.AWAITING_FINAL}),
}


def inbox(
    deps: Deps,
    actor: Actor,
    *,
    now: datetime,
    status: str | None = None,
    department: str | None = None,
    overdue: bool = False,
) -> list[Case]:
    wanted = _status(status)
    store = deps.store()
    ids = [case_id for case_id, _ in store.open_case_ids()]
    if wanted is None or wanted in CLOSED:  # closed cases of this month and the last one
        local = now.astimezone(deps.policy.calendar.tz)
        previous = local.replace(day=1) - timedelta(days=1)
        for month in (local.strftime("%Y-%m"), previous.strftime("%Y-%m")):
            ids += store.case_ids_of_month(month)
    found = [c for c in store.get_many(ids) if c.visible_to(actor)]
    if wanted is not None:
        found = [c for c in found if c.status is wanted]
    if department:
        found = [c for c in found if department in c.departments]
    if overdue:
        found = [c for c in found if (due := c.next_due()) is not None and due < now]
    focus = FOCUS.get(actor.role, frozenset())
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(found, key=lambda c: (c.status not in focus, c.next_due() or far))


def visible_case(deps: Deps, actor: Actor, case_id: str) -> Case:
    case = deps.store().get(case_id)
    if not case.visible_to(actor):
        raise NotFound("Сообщение не найдено.")
    return case


def _status(value: str | None) -> Status | None:
    if not value:
        return None
    try:
        return Status(value)
    except ValueError:
        raise InvalidInput("Неизвестный статус.", {"status": value}) from None
