"""The deadline sweeper (clauses 21-22): warn before a running timer ends, record and escalate a
breach after, each exactly once per timer and level, re-drive anything left in the outbox, and
anonymise the closed cases whose retention period has passed (152-FZ, `otklik.service.retention`).

It reads only open cases whose next deadline is within the warning horizon (a Query on the
sparse index), so its cost follows what is due, never the history of closed cases; the
retention pass reads only receipts coming of age, in bounded batches (its module says how).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from aws_lambda_powertools import Logger

from otklik.domain.case import Case
from otklik.domain.errors import ConcurrentModification
from otklik.domain.oversight import audience, due_notices
from otklik.domain.policy import SlaPolicy
from otklik.domain.roles import SYSTEM_ACTOR, Audience
from otklik.service.cases import commit
from otklik.service.deps import Deps
from otklik.service.retention import RetentionReport, anonymise_due

logger = Logger(service="otklik-sweeper")


@dataclass
class SweepReport:
    examined: int = 0
    escalations: list[tuple[str, str, str, int]] = field(default_factory=list)
    relayed: int = 0
    conflicts: int = 0
    failures: list[str] = field(default_factory=list)
    retention: RetentionReport = field(default_factory=RetentionReport)


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
    try:  # after the deadlines, which matter more; a failure here never stops them
        report.retention = anonymise_due(deps, now)
    except Exception:
        logger.exception("the retention pass failed")
    return report


class Roster:
    """The staff directory, read once per sweep and only if some notice is due."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._staff = None

    def logins(self, wanted: Audience) -> tuple[str, ...]:
        if self._staff is None:
            self._staff = self._deps.directory.all_staff()
        return tuple(dict.fromkeys(m.login for m in wanted.members(self._staff)))


def escalate_case(
    case: Case, policy: SlaPolicy, roster: Roster, now: datetime
) -> list[tuple[str, str, int]]:
    """Record every warning and breach now due on `case` (`otklik.domain.oversight` says which
    and to whom); returns (timer, kind, level) done."""
    done = []
    for timer in case.running_timers():
        late = timer.key in case.arrived_late  # missed before receipt: not escalated
        for notice in due_notices(timer, policy, now, late_before_receipt=late):
            if case.escalate(
                SYSTEM_ACTOR,
                timer=timer.key,
                kind=notice.kind,
                level=notice.level,
                notified=roster.logins(audience(case, timer, notice, policy)),
                now=now,
                policy=policy,
            ):
                done.append((timer.key, notice.kind, notice.level))
    return done
