"""E-mail notifications: who gets which Russian letter for a step of the flow.

A letter is built from the case itself (`letter_context`), not from the API's view of it, so a
change of the API's answer changes no letter. It reads as an official reads: times in the display
time zone to the minute, Russian names instead of codes (`otklik.vocabulary`), the case's link
on the staff page, and a subject that names the case (its topic and number)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from otklik.domain.case import Case
from otklik.domain.roles import Audience, Role
from otklik.domain.states import STATUS_TITLES_RU
from otklik.ports import Mailer
from otklik.service.deps import Deps
from otklik.vocabulary import (
    CURATOR_EVENTS,
    DEADLINES,
    FLAGS,
    IMPORTANCE,
    NETWORKS,
    counted,
    local_time,
    named,
)


@cache
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("otklik", "templates/email"),
        autoescape=False,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, context: dict) -> tuple[str, str]:
    """(subject, body): the template's first line is the subject."""
    text = _templates().get_template(f"{template}.txt").render(**context)
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip() + "\n"


def recipients(deps: Deps, wanted: dict) -> list[str]:
    """E-mail addresses for roles (executors only of the given departments) and logins, as a
    notification message names them (`otklik.service.outbox`)."""
    audience = Audience(
        roles=frozenset(Role(r) for r in wanted.get("roles", [])),
        departments=frozenset(wanted.get("departments", [])),
        logins=frozenset(wanted.get("logins", [])),
    )
    return sorted({m.email for m in audience.members(deps.directory.all_staff())})


def deliver(
    deps: Deps, mailer: Mailer, *, template: str, case_id: str, wanted: dict, context: dict
) -> int:
    case = deps.store().get(case_id)
    departments = department_names(deps)
    detail = letter_context(
        case, deps.display_tz, departments=departments, staff_page_url=deps.staff_page_url
    )
    event = dict(context.get("event", {}))
    key = str(event.get("timer", ""))  # e.g. "contribution_due:housing": that department's T8
    timer, _, department = key.partition(":")
    running = case.timers.get(key)
    due = local_time(running.due, deps.display_tz) if running is not None else None
    if "event" in event:  # a curator's decision, by its Russian name
        event["event_title"] = named(CURATOR_EVENTS, event["event"])
    if event.get("department"):  # e.g. the department whose part was assigned
        event["department_title"] = departments.get(event["department"], event["department"])
    title = named(DEADLINES, timer) if timer else ""
    if title and department:
        title = f"{title}, {departments.get(department, department)}"
    extra = {k: v for k, v in context.items() if k != "event"}
    extra.setdefault("late_arrival", late_arrival(case, key, deps))
    subject, body = render(
        template,
        {
            **extra,
            "case": detail,
            "detail": detail,
            "message": detail["message"],
            "deadlines": _Blank(detail["deadlines"]),
            "event": _Blank(event),
            "timer_title": title,
            "due": due,
        },
    )
    sent = 0
    for address in recipients(deps, wanted):
        mailer.send(address, subject, body)
        sent += 1
    return sent


def late_arrival(case: Case, key: str, deps: Deps) -> dict | None:
    """For a timer missed before the message reached us (`Case.arrived_late`): whether its
    deadline had passed at receipt (`expired`) or how little was left of it (`left`, «20
    минут»); None for any other timer."""
    timer = case.timers.get(key)
    if timer is None or key not in case.arrived_late:
        return None
    expired = timer.due <= case.received_at
    left = (
        0
        if expired
        else round(deps.policy.calendar.working_minutes_between(case.received_at, timer.due))
    )
    return {"expired": expired, "left": counted(left, "минута", "минуты", "минут")}


def department_names(deps: Deps) -> dict[str, str]:
    """Each department's name by its id, from the directory."""
    return {d.id: d.name for d in deps.directory.departments()}


def case_url(staff_page_url: str | None, case_id: str) -> str | None:
    """The case on the staff page (its address `#/case/<id>`, web/app.js), or None when the
    deployment did not say where the page is (`STAFF_PAGE_URL`)."""
    if not staff_page_url:
        return None
    base = staff_page_url.split("#", 1)[0]
    if not base.endswith("/"):
        base += "/"
    return f"{base}#/case/{quote(case_id, safe='')}"


def short_ref(case: Case) -> str:
    """How a letter's subject tells one case from another: the monitoring system's number, or
    the start of our own id for a case without one."""
    return f"№ {case.message.external_id or case.case_id[:8]}"


def letter_context(
    case: Case,
    tz: ZoneInfo,
    *,
    departments: Mapping[str, str] | None = None,
    staff_page_url: str | None = None,
) -> dict:
    """What the letters' templates read of a case, as an official reads it: times in the
    officials' time zone to the minute («2 декабря 2026, 14:05»), codes by their Russian names
    (networks, importance, departments, flags), the case's address on the staff page."""
    m = case.message
    names = departments or {}

    def department(code: str) -> str:
        return names.get(code, code)

    ref = short_ref(case)
    return {
        "case_id": case.case_id,
        "external_id": m.external_id,
        "ref": ref,
        "title": f"{m.topic} ({ref})" if m.topic else ref,
        "url": case_url(staff_page_url, case.case_id),
        "status": case.status.value,
        "status_title": STATUS_TITLES_RU[case.status],
        "topic": m.topic,
        "text": m.text,
        "location": m.location,
        "importance": named(IMPORTANCE, m.importance),
        "network": named(NETWORKS, m.network),
        "detected_at": local_time(m.detected_at, tz),
        "received_at": local_time(case.received_at, tz),
        "author": {"id": m.author.id, "name": m.author.name, "url": m.author.url},
        "departments": [department(d) for d in case.departments],
        "proposed_departments": [department(d) for d in case.proposed_departments],
        "flags": [named(FLAGS, f) for f in case.flags],
        "threat_words": list(case.flag_words.get("threat", ())),
        "arrived_late": bool(case.arrived_late),
        "similar_to": case.similar_to,
        "repeat_of": case.repeat_of,
        "repeat_url": case_url(staff_page_url, case.repeat_of) if case.repeat_of else None,
        "deadlines": {k: local_time(v, tz) for k, v in case.deadlines().items()},
        "contributions": [
            {"department": department(c.department), "due": local_time(c.due, tz)}
            for c in case.contributions.values()
        ],
        "message": {"url": m.url, "network": named(NETWORKS, m.network)},
    }


class _Blank(dict):
    """A mapping whose missing keys render as empty: not every deadline runs at every step."""

    def __getattr__(self, name):
        return self.get(name) or ""
