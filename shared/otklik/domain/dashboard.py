"""The head of district's day at a glance (clauses 22-24): today's breaches, today's socially
significant messages still open, and each department's on-time share of the month so far.

Pure selections over what the reports already compute: "today" is the local day of the
display time zone, so the head sees the same day as the clock on the wall, whatever `now` the
caller passes in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from otklik.domain.case import Case
from otklik.domain.policy import Deadline
from otklik.domain.reports import NO_DEPARTMENT, Breach, Figures, MonthlyReport
from otklik.domain.states import Status


@dataclass(frozen=True)
class DepartmentShare:
    """A department's answers of the month: how many were published and how many of its answer
    deadlines (T2) were met; `in_work` is what is still open."""

    department: str
    answered: int
    on_time: int
    late: int
    in_work: int

    @property
    def share(self) -> float | None:
        judged = self.on_time + self.late
        return self.on_time / judged if judged else None


@dataclass
class Dashboard:
    day: date
    month: str
    now: datetime
    breaches: list[Breach]
    significant: list[Case]
    departments: list[DepartmentShare]
    open_by_status: dict[Status, int]
    # Names of the directory, by login and by department id: the page shows no codes.
    staff_names: dict[str, str] = field(default_factory=dict)
    department_names: dict[str, str] = field(default_factory=dict)


def day_bounds(now: datetime, tz: tzinfo) -> tuple[date, datetime, datetime]:
    """The local day of `now` in `tz`: the date, its first instant and the next day's."""
    day = now.astimezone(tz).date()
    start = datetime.combine(day, time(0), tzinfo=tz)
    return day, start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def breaches_between(listed: Iterable[Breach], since: datetime, until: datetime) -> list[Breach]:
    """The breaches that fell in [since, until), newest first: the latest is the one to act on."""
    found = [b for b in listed if since <= b.recorded_at < until]
    return sorted(found, key=lambda b: (b.recorded_at, b.case_id, b.timer), reverse=True)


def significant_open(cases: Iterable[Case], since: datetime, until: datetime) -> list[Case]:
    """Open cases received in [since, until) that the head was told of at once (clause 24),
    newest first."""
    found = [
        c
        for c in cases
        if c.significance is not None and not c.closed and since <= c.received_at < until
    ]
    return sorted(found, key=lambda c: (c.received_at, c.case_id), reverse=True)


def department_shares(report: MonthlyReport, departments: Iterable[str]) -> list[DepartmentShare]:
    """One row per department of the directory (a quiet one too, all zeros) and per department
    the month's cases name that the directory no longer has; cases of no department are left
    out, as they are on nobody's share."""
    ids = list(dict.fromkeys(departments))
    ids += [d for d in report.by_department if d not in ids and d != NO_DEPARTMENT]
    return [_share_of(d, report.by_department.get(d, Figures())) for d in ids]


def _share_of(department: str, f: Figures) -> DepartmentShare:
    answer = f.timers[Deadline.ANSWER]
    return DepartmentShare(department, f.answered + f.interim, answer.met, answer.late, f.open)


def open_by_status(cases: Iterable[Case]) -> dict[Status, int]:
    """How many open cases are in each status, in the order of the workflow; none for a status
    no case is in."""
    counts = Counter(c.status for c in cases if not c.closed)
    return {s: counts[s] for s in Status if counts[s]}
