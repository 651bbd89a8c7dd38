"""The case as the contract shows it: times in the display time zone with offset, names kept."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from otklik import codec
from otklik.domain.case import Case
from otklik.domain.states import STATUS_TITLES_RU

if TYPE_CHECKING:
    from otklik.domain.notice import NoticeFields
from otklik.domain.policy import SlaPolicy
from otklik.domain.roles import Actor


def _t(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat() if value is not None else None


def case_summary(case: Case, tz: ZoneInfo) -> dict:
    m = case.message
    nearest = min(case.running_timers(), key=lambda t: t.due, default=None)
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
        "flags": list(case.flags),
    }


def monitoring_answer(case: Case, tz: ZoneInfo) -> dict:
    """What the monitoring system gets back for a message or a callback."""
    view = case_summary(case, tz)
    return {"case_id": view["case_id"], "status": view["status"], "deadlines": view["deadlines"]}


def case_detail(case: Case, tz: ZoneInfo, policy: SlaPolicy, actor: Actor) -> dict:
    """The case view: the case's own values as the codec writes them, every time in the
    officials' time zone, with the timers' terms from the policy and what `actor` may do."""
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
                "stopped_at": _t(t.stopped_at, tz),
                "outcome": t.outcome.value if t.outcome else None,
                "running": t.running,
            }
        )
    return {
        **case_summary(case, tz),
        **{
            key: doc[key]
            for key in (
                "message",
                "version",
                "registered_by",
                "flag_words",
                "proposed_departments",
                "repeat_of",
                "proposed_assignee",
                "resolution_reason",
                "drafts",
                "escalations",
                "significance",
                "publications",
                "publication_failure",
            )
        },
        "contributions": [
            {k: c[k] for k in ("department", "due", "text", "author", "submitted_at")}
            for c in doc["contributions"].values()
        ],
        "timers": timers,
        "timeline": [
            {**entry, "details": _times_in(entry["details"], tz)} for entry in doc["timeline"]
        ],
        "allowed_actions": [a.value for a in case.allowed_actions(actor)],
    }


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
