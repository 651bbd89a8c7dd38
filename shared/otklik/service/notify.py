"""E-mail notifications: who gets which Russian letter for a step of the flow.

A letter is built from the case itself (`letter_context`), not from the API's view of it, so a
change of the API's answer changes no letter."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from otklik.domain.case import Case
from otklik.domain.policy import DEADLINE_TITLES_RU, Deadline
from otklik.domain.roles import Audience, Role
from otklik.domain.states import STATUS_TITLES_RU
from otklik.ports import Mailer
from otklik.service.deps import Deps


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
    detail = letter_context(case, deps.display_tz)
    event = context.get("event", {})
    key = str(event.get("timer", ""))  # e.g. "contribution_due:housing": that department's T8
    timer = key.split(":")[0]
    running = case.timers.get(key)
    due = _t(running.due, deps.display_tz) if running is not None else None
    extra = {k: v for k, v in context.items() if k != "event"}
    subject, body = render(
        template,
        {
            **extra,
            "case": detail,
            "detail": detail,
            "message": detail["message"],
            "deadlines": _Blank(detail["deadlines"]),
            "event": _Blank(event),
            "timer_title": DEADLINE_TITLES_RU.get(Deadline(timer), timer) if timer else "",
            "due": due,
        },
    )
    sent = 0
    for address in recipients(deps, wanted):
        mailer.send(address, subject, body)
        sent += 1
    return sent


def _t(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat() if value is not None else None


def letter_context(case: Case, tz: ZoneInfo) -> dict:
    """What the letters' templates read of a case, times in the officials' time zone."""
    m = case.message
    return {
        "case_id": case.case_id,
        "external_id": m.external_id,
        "status": case.status.value,
        "status_title": STATUS_TITLES_RU[case.status],
        "topic": m.topic,
        "text": m.text,
        "location": m.location,
        "importance": m.importance,
        "network": m.network,
        "author": {"id": m.author.id, "name": m.author.name, "url": m.author.url},
        "departments": list(case.departments),
        "proposed_departments": list(case.proposed_departments),
        "flags": list(case.flags),
        "repeat_of": case.repeat_of,
        "deadlines": {k: _t(v, tz) for k, v in case.deadlines().items()},
        "contributions": [
            {"department": c.department, "due": _t(c.due, tz)} for c in case.contributions.values()
        ],
        "message": {"url": m.url, "network": m.network},
    }


class _Blank(dict):
    """A mapping whose missing keys render as empty: not every deadline runs at every step."""

    def __getattr__(self, name):
        return self.get(name) or ""
