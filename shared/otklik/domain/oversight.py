"""Oversight (clauses 13, 17, 21-22): which warning or breach a running timer owes now, and
whom it is for.

Warnings go before a deadline, to the officials accountable for it; a breach is recorded at the
deadline for them too (level 0), then, while the duty stays undone, up the chain of the policy's
escalation (the responsible executor, then the head of district). The curator's own clock (T4,
clause 13) is watched by the technical executor and never escalated inside the administration,
and neither is a deadline missed before the message reached us (`Case.arrived_late`): its
accountable officials get the one notice that it is overdue on arrival, nobody is told they
breached it.
Pure: the sweeper (`otklik.service.sweep`) loads the cases and the staff, asks, and commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from otklik.domain.case import Case
from otklik.domain.policy import Deadline, Party, SlaPolicy
from otklik.domain.roles import Audience, Role
from otklik.domain.timers import Timer

WARNING = "warning"
BREACH = "breach"


@dataclass(frozen=True)
class Notice:
    """A warning or breach of one timer at one level."""

    kind: str  # WARNING | BREACH
    level: int


def due_notices(
    timer: Timer, policy: SlaPolicy, now: datetime, *, late_before_receipt: bool = False
) -> list[Notice]:
    """The notices whose time has come for a running timer; of one missed before receipt
    (`late_before_receipt`), only the level 0 breach."""
    if now < timer.due:
        marks = policy.warnings_due(timer.deadline, timer.due)
        passed = [level for level, (_, at) in enumerate(marks) if at <= now]
        if not passed:
            return []
        # only the nearest: a late sweep does not send a stale earlier warning
        return [Notice(WARNING, max(passed))]
    curators_clock = policy.spec(timer.deadline).party is Party.CURATOR
    due = []
    for step in policy.escalation:
        if (curators_clock or late_before_receipt) and step.level > 0:
            break  # the curator's delay, or one before receipt: recorded, not escalated
        if policy.calendar.add_working_minutes(timer.due, step.after_minutes) > now:
            break
        due.append(Notice(BREACH, step.level))
    return due


def audience(case: Case, timer: Timer, notice: Notice, policy: SlaPolicy) -> Audience:
    """Whom a notice of `timer` goes to: a warning and the first breach to the accountable
    officials, a later breach to the roles of its escalation level (clause 22)."""
    if notice.kind == WARNING or notice.level == 0:
        return accountable(case, timer, policy)
    step = next(s for s in policy.escalation if s.level == notice.level)
    return Audience(roles=frozenset(step.roles))


def accountable(case: Case, timer: Timer, policy: SlaPolicy) -> Audience:
    """Who answers for `timer` (clause 21): the policy's role, for the case's departments (their
    heads, and whoever a department's part is assigned to)."""
    role = policy.spec(timer.deadline).accountable
    if role is Role.CURATOR:  # the curator's clock (clause 13): the desk watches it
        return Audience(roles=frozenset({Role.TECHNICAL}))
    if timer.deadline is Deadline.CONTRIBUTION:  # clause 17: the department that owes it
        departments = (timer.department or "",)
        return Audience(
            roles=frozenset({role}),
            departments=frozenset(departments),
            logins=frozenset(case.assigned_to(departments)),
        )
    if role is Role.EXECUTOR and case.is_joint:
        role = Role.RESPONSIBLE  # the responsible executor writes a joint answer
    assigned = case.assigned_to(case.departments) if role is Role.EXECUTOR else ()
    return Audience(
        roles=frozenset({role}),
        departments=frozenset(case.departments),
        logins=frozenset(assigned),
    )
