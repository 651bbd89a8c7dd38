"""The head of district's dashboard: what went wrong today and how each department is doing,
from the same figures as the reports of clauses 22-23 (so the page never disagrees with them)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from otklik.domain.case import Case
from otklik.domain.dashboard import (
    Dashboard,
    DepartmentShare,
    breaches_between,
    day_bounds,
    department_shares,
    open_by_status,
    significant_open,
)
from otklik.domain.reports import Breach
from otklik.domain.roles import Actor
from otklik.service.deps import Deps
from otklik.service.inbox import shorten
from otklik.service.reports import (
    MonthReader,
    breach_view,
    build_breaches,
    build_monthly,
    require_reader,
)


def build_dashboard(deps: Deps, actor: Actor, now: datetime) -> Dashboard:
    """The dashboard as of `now`, for the readers of the reports only (403 to anyone else)."""
    require_reader(actor)
    day, since, until = day_bounds(now, deps.display_tz)
    calendar_tz = deps.policy.calendar.tz
    month = now.astimezone(calendar_tz).strftime("%Y-%m")
    # The local day may begin in the month before where the display and calendar zones differ.
    months = dict.fromkeys([since.astimezone(calendar_tz).strftime("%Y-%m"), month])
    read = MonthReader(deps)  # each month's cases read once for both reports
    listed = [b for m in months for b in build_breaches(deps, m, now, read)]
    store = deps.store()
    open_cases = store.get_many(i for i, _ in store.open_case_ids())
    report = build_monthly(deps, month, now, history=0, read=read)  # with the directory's names
    return Dashboard(
        day=day,
        month=month,
        now=now,
        breaches=breaches_between(listed, since, until),
        significant=significant_open(open_cases, since, until),
        departments=department_shares(report, report.department_names),
        open_by_status=open_by_status(open_cases),
        staff_names=report.staff_names,
        department_names=report.department_names,
    )


def dashboard_view(board: Dashboard, tz: tzinfo) -> dict:
    """The dashboard as the API answers it: officials and departments by name, times in `tz`."""

    def departments(ids) -> list[str]:
        return [board.department_names.get(d, d) for d in ids]

    def breach(b: Breach) -> dict:
        return {
            **breach_view(b, tz),  # the breach report's own fields, by name where it has codes
            "officials": [board.staff_names.get(o, o) for o in b.officials],
            "departments": departments(b.departments),
        }

    def significant(c: Case) -> dict:
        due = c.next_due()
        return {
            "case_id": c.case_id,
            "external_id": c.message.external_id,
            "topic": c.message.topic,
            "location": c.message.location,
            "text": shorten(c.message.text),
            "importance": c.message.importance,
            "significance": c.significance,
            "status": c.status.value,
            "received_at": c.received_at.astimezone(tz).isoformat(),
            "next_due": due.astimezone(tz).isoformat() if due else None,
            "departments": departments(c.departments),
        }

    def share(s: DepartmentShare) -> dict:
        return {
            "department": s.department,
            "name": board.department_names.get(s.department, s.department),
            "answered": s.answered,
            "on_time": s.on_time,
            "late": s.late,
            "share": s.share,
            "in_work": s.in_work,
        }

    return {
        "day": board.day.isoformat(),
        "month": board.month,
        "generated_at": board.now.astimezone(tz).isoformat(),
        "breaches": [breach(b) for b in board.breaches],
        "significant": [significant(c) for c in board.significant],
        "departments": [share(s) for s in board.departments],
        "open_by_status": {s.value: n for s, n in board.open_by_status.items()},
    }
