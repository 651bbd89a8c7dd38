"""The case as the contract shows it: times in the display time zone with offset, names kept."""

from __future__ import annotations

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
    doc = codec.case_to_dict(case)
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
        "message": {**doc["message"], "detected_at": _t(case.message.detected_at, tz)},
        "version": case.version,
        "registered_by": case.registered_by,
        "proposed_departments": list(case.proposed_departments),
        "repeat_of": case.repeat_of,
        "proposed_assignee": case.proposed_assignee,
        "resolution_reason": case.resolution_reason,
        "contributions": [
            {
                "department": c.department,
                "due": _t(c.due, tz),
                "text": c.text,
                "author": c.author,
                "submitted_at": _t(c.submitted_at, tz),
            }
            for c in case.contributions.values()
        ],
        "drafts": _localised(doc["drafts"], tz),
        "timers": timers,
        "timeline": _localised(doc["timeline"], tz),
        "escalations": _localised(doc["escalations"], tz),
        "significance": case.significance,
        "allowed_actions": [a.value for a in case.allowed_actions(actor)],
        "publications": [_publication(p, tz) for p in doc["publications"]],
        "publication_failure": (
            {**f, "at": _t(datetime.fromisoformat(f["at"]), tz)}
            if (f := doc["publication_failure"])
            else None
        ),
    }


def _publication(p: dict, tz: ZoneInfo) -> dict:
    """A proof of publication with its times in the officials' time zone."""
    original = p["original"]
    return {
        **p,
        "published_at": _t(datetime.fromisoformat(p["published_at"]), tz),
        "original": {
            **original,
            "detected_at": _t(datetime.fromisoformat(original["detected_at"]), tz),
        },
    }


_TIME_KEYS = (
    "at",
    "created_at",
    "sent_to_curator_at",
    "curator_decided_at",
    "published_at",
    "recorded_at",
)


def _localised(items: list[dict], tz: ZoneInfo) -> list[dict]:
    """Stored documents keep UTC; what officials read is in their time zone."""

    def one(value):
        if isinstance(value, dict):
            return {
                k: (_t(datetime.fromisoformat(v), tz) if k in _TIME_KEYS and v else one(v))
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [one(v) for v in value]
        return value

    return one(items)


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
