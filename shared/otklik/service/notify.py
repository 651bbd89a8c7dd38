"""E-mail notifications: who gets which Russian letter for a step of the flow."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from otklik.adapters.mail import Mailer
from otklik.api.views import case_detail
from otklik.domain.policy import DEADLINE_TITLES_RU, Deadline
from otklik.domain.roles import SYSTEM_ACTOR, Role
from otklik.service.bootstrap import Deps


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
    """E-mail addresses for roles (executors only of the given departments) and logins."""
    roles = {Role(r) for r in wanted.get("roles", [])}
    departments = set(wanted.get("departments", []))
    logins = set(wanted.get("logins", []))
    found = []
    for member in deps.directory.all_staff():
        if not member.active:
            continue
        by_role = member.role in roles and (
            member.role is not Role.EXECUTOR or member.department in departments
        )
        if by_role or member.login in logins:
            found.append(member.email)
    return sorted(set(found))


def deliver(
    deps: Deps, mailer: Mailer, *, template: str, case_id: str, wanted: dict, context: dict
) -> int:
    case = deps.store().get(case_id)
    detail = case_detail(case, deps.display_tz, deps.policy, SYSTEM_ACTOR)
    event = context.get("event", {})
    timer = str(event.get("timer", "")).split(":")[0]
    due = next((t["due"] for t in detail["timers"] if t["deadline"] == timer), None)
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


class _Blank(dict):
    """A mapping whose missing keys render as empty: not every deadline runs at every step."""

    def __getattr__(self, name):
        return self.get(name) or ""
