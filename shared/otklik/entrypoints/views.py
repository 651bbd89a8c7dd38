"""The case as the contract shows it: times in the display time zone with offset, names kept."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from otklik import codec
from otklik.domain.answer_templates import AnswerTemplate
from otklik.domain.case import Case
from otklik.domain.inbox_terms import own_timers, turn
from otklik.domain.states import STATUS_TITLES_RU

if TYPE_CHECKING:
    from otklik.domain.notice import NoticeFields
    from otklik.ports import StaffMember
from otklik.domain.policy import SlaPolicy
from otklik.domain.roles import Actor, Role


def _t(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat() if value is not None else None


def case_summary(case: Case, tz: ZoneInfo, policy: SlaPolicy, actor: Actor | None = None) -> dict:
    """`my_*`: the nearest running deadline that `actor` answers for (null without one)."""
    m = case.message
    nearest = min(case.running_timers(), key=lambda t: t.due, default=None)
    warn_from = policy.warn_from(nearest.deadline, nearest.due) if nearest else None
    mine = next(iter(own_timers(case, actor, policy)), None) if actor is not None else None
    waits = turn(case)
    return {
        "case_id": case.case_id,
        "external_id": m.external_id,
        "status": case.status.value,
        "status_title": STATUS_TITLES_RU[case.status],
        "source": case.source.value,
        "network": m.network,
        "topic": m.topic,
        "location": m.location,
        "importance": m.importance,
        "author": {"id": m.author.id, "name": m.author.name, "url": m.author.url},
        "text": m.text,
        "departments": list(case.departments),
        "received_at": _t(case.received_at, tz),
        "deadlines": {k: _t(v, tz) for k, v in case.deadlines().items()},
        "next_due": _t(case.next_due(), tz),
        "next_deadline": nearest.deadline.value if nearest else None,
        "next_warn_from": _t(warn_from, tz),
        "flags": list(case.flags),
        "assignees": [{"department": d, "login": x} for d, x in case.assignees.items()],
        "my_due": _t(mine.due, tz) if mine else None,
        "my_deadline": mine.deadline.value if mine else None,
        "my_department": mine.department if mine else None,
        "my_warn_from": _t(policy.warn_from(mine.deadline, mine.due), tz) if mine else None,
        "turn": (
            {
                "role": waits.role.value,
                "departments": list(waits.departments),
                "assignees": list(waits.assignees),
                "mine": actor is not None and waits.includes(actor),
            }
            if waits
            else None
        ),
    }


def colleagues(staff: Iterable[StaffMember]) -> list[dict]:
    """The active executors of every department, heads first: whom a part may be assigned to,
    and the names the page shows for the logins it reads."""
    executors = [m for m in staff if m.active and m.role is Role.EXECUTOR]
    executors.sort(key=lambda m: (m.department or "", not m.lead, m.name))
    return [
        {"login": m.login, "name": m.name, "department": m.department, "lead": m.lead}
        for m in executors
    ]


def template_view(
    template: AnswerTemplate, tz: ZoneInfo, names: Mapping[str, str] | None = None
) -> dict:
    """An answer template as the page reads it; `default`: shipped with the system; `names`
    are the officials' names by login, for who changed it last."""
    by = template.updated_by or None
    return {
        "template_id": template.template_id,
        "title": template.title,
        "text": template.text,
        "kind": template.kind,
        "topic": template.topic,
        "network": template.network,
        "default": template.default,
        "updated_by": by,
        "updated_by_name": (names or {}).get(by) or by if by else None,
        "updated_at": _t(template.updated_at, tz),
    }


def monitoring_answer(case: Case, tz: ZoneInfo) -> dict:
    """What the monitoring system gets back for a message or a callback."""
    deadlines = {k: _t(v, tz) for k, v in case.deadlines().items()}
    return {"case_id": case.case_id, "status": case.status.value, "deadlines": deadlines}


def case_detail(
    case: Case,
    tz: ZoneInfo,
    policy: SlaPolicy,
    actor: Actor,
    names: Mapping[str, str] | None = None,
) -> dict:
    """The case view: the case's own values as the codec writes them, every time in the
    officials' time zone, with the timers' terms from the policy and what `actor` may do;
    `names` are the officials' names by login, for the notes' authors and the assignees."""
    doc = codec.to_plain(case, tz)
    timers = []
    for t in case.timers.values():
        spec = policy.spec(t.deadline)
        timers.append(
            {
                "timer": spec.timer,
                "deadline": t.deadline.value,
                "department": t.department,
                "clause": spec.clause,
                "party": spec.party.value,
                "clock": spec.clock.value,
                "started_at": _t(t.started_at, tz),
                "due": _t(t.due, tz),
                "warn_from": _t(policy.warn_from(t.deadline, t.due), tz),
                "stopped_at": _t(t.stopped_at, tz),
                "outcome": t.outcome.value if t.outcome else None,
                "running": t.running,
            }
        )
    return {
        **case_summary(case, tz, policy, actor),
        **{
            key: doc[key]
            for key in (
                "message",
                "version",
                "registered_by",
                "flag_words",
                "proposed_departments",
                "repeat_of",
                "similar_to",
                "proposed_assignee",
                "resolution_reason",
                "drafts",
                "escalations",
                "significance",
                "publications",
                "publication_failure",
            )
        },
        "notes": [
            {**note, "author_name": (names or {}).get(note["author"]) or note["author"]}
            for note in doc["notes"]
        ],
        "assignees": [
            {"department": d, "login": x, "name": (names or {}).get(x) or x}
            for d, x in case.assignees.items()
        ],
        "contributions": [
            {k: c[k] for k in ("department", "due", "text", "author", "submitted_at")}
            for c in doc["contributions"].values()
        ],
        "arrived_late": _arrived_late(case, tz),
        "similar_ref": _similar_ref(case),
        "timers": timers,
        "timeline": [
            {**entry, "details": _times_in(entry["details"], tz)} for entry in doc["timeline"]
        ],
        "allowed_actions": [a.value for a in case.allowed_actions(actor)],
    }


def _arrived_late(case: Case, tz: ZoneInfo) -> dict | None:
    """The deadlines the message had already missed, or nearly, when it reached us."""
    if not case.arrived_late:
        return None
    return {
        "deadlines": list(case.arrived_late),
        "detected_at": _t(case.message.detected_at, tz),
        "received_at": _t(case.received_at, tz),
        "delay_minutes": int(case.arrival_delay.total_seconds() // 60),
    }


def _similar_ref(case: Case) -> str | None:
    """The monitoring system's number of the case routing found similar, as its timeline
    recorded it (the id's start when it had none)."""
    if not case.similar_to:
        return None
    for entry in reversed(case.timeline):
        if entry.details.get("similar_to") == case.similar_to:
            return entry.details.get("similar_ref") or case.similar_to[:8]
    return case.similar_to[:8]


_ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)")


def _times_in(details: dict, tz: ZoneInfo) -> dict:
    """A timeline entry's free-form details, with the instants they carry (e.g. when a decision
    seen in the monitoring system was recorded) in the officials' time zone."""
    return {
        k: _t(datetime.fromisoformat(v), tz)
        if isinstance(v, str) and _ISO_INSTANT.fullmatch(v)
        else v
        for k, v in details.items()
    }


def notice_view(fields: NoticeFields, tz: ZoneInfo) -> dict:
    """What the paste box read from a notice; a field it could not read is null, never a
    guess, and listed under `missing` for the page to highlight."""
    return {
        "fields": {
            "url": fields.url,
            "network": fields.network,
            "text": fields.text,
            "author": {"name": fields.author_name, "url": fields.author_url},
            "detected_at": _t(fields.detected_at, tz),
            "topic": fields.topic,
            "location": fields.location,
            "importance": fields.importance,
            "external_id": fields.external_id,
            "curator": {"name": fields.curator_name},
        },
        "missing": fields.missing(),
    }
