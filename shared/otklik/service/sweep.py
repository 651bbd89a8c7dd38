"""The deadline sweeper (clauses 21-22): warn before a running timer ends, record and escalate a
breach after, each exactly once per timer and level, and re-drive anything left in the outbox.

It reads only open cases whose next deadline is within the warning horizon (a Query on the
sparse index), so its cost follows what is due, never the history of closed cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools import Logger

from otklik.domain.errors import ConcurrentModification
from otklik.domain.model import Case, Timer
from otklik.domain.policy import Deadline, Party, SlaPolicy
from otklik.domain.roles import SYSTEM_ACTOR, Role
from otklik.service.cases import commit
from otklik.service.deps import Deps

logger = Logger(service="otklik-sweeper")


@dataclass
class SweepReport:
    examined: int = 0
    escalations: list[tuple[str, str, str, int]] = field(default_factory=list)
    relayed: int = 0
    conflicts: int = 0
    failures: list[str] = field(default_factory=list)


def sweep(deps: Deps, now: datetime) -> SweepReport:
    report = SweepReport(relayed=deps.bus.relay_stale(now))
    policy = deps.policy
    horizon = policy.calendar.add_working_minutes(now, max(policy.warn_before_minutes, default=0))
    store = deps.store()
    roster = Roster(deps)
    due_ids = [case_id for case_id, _ in store.open_case_ids(due_before=horizon)]
    for case_id in due_ids:
        report.examined += 1
        try:
            case = store.get(case_id)
            done = escalate_case(case, policy, roster, now)
            if done:
                commit(deps, store, case, now)
                report.escalations += [(case_id, *d) for d in done]
        except ConcurrentModification:
            report.conflicts += 1  # an official acted meanwhile; the next sweep looks again
        except Exception:  # one broken case must not stop the others being watched
            logger.exception("sweep failed for a case", extra={"case_id": case_id})
            report.failures.append(case_id)
    return report


class Roster:
    """The staff directory, read once per sweep and only if some notice is due."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._members = None

    def logins(self, roles, departments) -> tuple[str, ...]:
        if self._members is None:
            self._members = [m for m in self._deps.directory.all_staff() if m.active]
        return tuple(
            dict.fromkeys(
                m.login
                for m in self._members
                if m.role in roles and (m.role is not Role.EXECUTOR or m.department in departments)
            )
        )


def escalate_case(
    case: Case, policy: SlaPolicy, roster: Roster, now: datetime
) -> list[tuple[str, str, int]]:
    """Record every warning and breach now due on `case`; returns (timer, kind, level) done."""
    done = []
    for timer in case.running_timers():
        for kind, level, recipients in due_notices(timer, case, policy, roster, now):
            if case.escalate(
                SYSTEM_ACTOR,
                timer=timer.key,
                kind=kind,
                level=level,
                notified=recipients,
                now=now,
                policy=policy,
            ):
                done.append((timer.key, kind, level))
    return done


def due_notices(timer: Timer, case: Case, policy: SlaPolicy, roster: Roster, now: datetime):
    """(kind, level, recipients) of each notice whose time has come for a running timer."""
    if now < timer.due:
        warnings = [m for m, at in policy.warnings_due(timer.due) if at <= now]
        if warnings:  # only the nearest: a late sweep does not send a stale earlier warning
            level = policy.warn_before_minutes.index(min(warnings))
            yield "warning", level, _accountable(timer, case, policy, roster)
        return
    curators_clock = policy.spec(timer.deadline).party is Party.CURATOR
    for step in policy.escalation:
        if curators_clock and step.level > 0:
            break  # the curator's delay is recorded and watched, not escalated inside
        if policy.calendar.add_working_minutes(timer.due, step.after_minutes) > now:
            break
        if step.level == 0:
            logins = _accountable(timer, case, policy, roster)
        else:
            logins = roster.logins(step.roles, ())
        yield "breach", step.level, logins


def _accountable(timer: Timer, case: Case, policy: SlaPolicy, roster: Roster) -> tuple[str, ...]:
    role = policy.spec(timer.deadline).accountable
    if role is Role.CURATOR:  # the curator's clock: the desk watches it, it does not block
        return roster.logins((Role.TECHNICAL,), ())
    departments = (
        (timer.department,) if timer.deadline is Deadline.CONTRIBUTION else case.departments
    )
    if role is Role.EXECUTOR and case.is_joint and timer.deadline is not Deadline.CONTRIBUTION:
        role = Role.RESPONSIBLE  # the responsible executor writes a joint answer
    return roster.logins((role,), departments)
