"""The case as a JSON document: the one place the domain `Case` maps to and from storage.

The aggregate is stored whole (drafts, contributions, timers, timeline) so that a state change
is one conditional write; the attributes DynamoDB indexes are derived from it beside the document.
"""

from __future__ import annotations

from datetime import datetime

from otklik.domain.case import Case
from otklik.domain.policy import Deadline
from otklik.domain.roles import Role
from otklik.domain.states import DraftKind, DraftStatus, Source, Status
from otklik.domain.timers import Outcome, Timer
from otklik.domain.values import (
    Attachment,
    Author,
    Comment,
    Contribution,
    Curator,
    Draft,
    Escalation,
    Message,
    PostCopy,
    Publication,
    PublicationFailure,
    TimelineEntry,
)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _attachments(items) -> list[dict]:
    return [{"type": a.type, "url": a.url} for a in items]


def _load_attachments(items) -> tuple[Attachment, ...]:
    return tuple(Attachment(a["type"], a["url"]) for a in items or ())


def message_to_dict(m: Message) -> dict:
    return {
        "external_id": m.external_id,
        "detected_at": iso(m.detected_at),
        "network": m.network,
        "url": m.url,
        "author": {"id": m.author.id, "name": m.author.name, "url": m.author.url},
        "text": m.text,
        "attachments": _attachments(m.attachments),
        "topic": m.topic,
        "location": m.location,
        "importance": m.importance,
        "curator": {"id": m.curator.id, "name": m.curator.name},
    }


def message_from_dict(d: dict) -> Message:
    return Message(
        external_id=d["external_id"],
        detected_at=parse(d["detected_at"]),
        network=d["network"],
        url=d["url"],
        author=Author(**d["author"]),
        text=d["text"],
        attachments=_load_attachments(d.get("attachments")),
        topic=d["topic"],
        location=d["location"],
        importance=d["importance"],
        curator=Curator(**d["curator"]),
    )


def case_to_dict(case: Case) -> dict:
    return {
        "case_id": case.case_id,
        "message": message_to_dict(case.message),
        "received_at": iso(case.received_at),
        "status": case.status.value,
        "version": case.version,
        "source": case.source.value,
        "registered_by": case.registered_by,
        "departments": list(case.departments),
        "proposed_departments": list(case.proposed_departments),
        "flags": list(case.flags),
        "repeat_of": case.repeat_of,
        "proposed_assignee": case.proposed_assignee,
        "resolution_reason": case.resolution_reason,
        "significance": case.significance,
        "timers": [
            {
                "deadline": t.deadline.value,
                "started_at": iso(t.started_at),
                "due": iso(t.due),
                "department": t.department,
                "stopped_at": iso(t.stopped_at),
                "outcome": t.outcome.value if t.outcome else None,
            }
            for t in case.timers.values()
        ],
        "contributions": [
            {
                "department": c.department,
                "requested_at": iso(c.requested_at),
                "due": iso(c.due),
                "text": c.text,
                "author": c.author,
                "submitted_at": iso(c.submitted_at),
            }
            for c in case.contributions.values()
        ],
        "drafts": [draft_to_dict(d) for d in case.drafts],
        "timeline": [
            {
                "at": iso(e.at),
                "actor": e.actor,
                "role": e.role.value,
                "action": e.action,
                "details": e.details,
            }
            for e in case.timeline
        ],
        "escalations": [
            {
                "timer": e.timer,
                "kind": e.kind,
                "level": e.level,
                "notified": list(e.notified),
                "at": iso(e.at),
                "party": e.party,
                "accountable": e.accountable,
            }
            for e in case.escalations
        ],
        "publications": [publication_to_dict(p) for p in case.publications],
        "publication_failure": (
            {
                "draft_id": f.draft_id,
                "network": f.network,
                "reason": f.reason,
                "at": iso(f.at),
            }
            if (f := case.publication_failure) is not None
            else None
        ),
    }


def _author(a: Author) -> dict:
    return {"id": a.id, "name": a.name, "url": a.url}


def publication_to_dict(p: Publication) -> dict:
    """The proof of one publication: the original post and the reply as published."""
    o = p.original
    return {
        "draft_id": p.draft_id,
        "kind": p.kind.value,
        "network": p.network,
        "url": p.url,
        "published_at": iso(p.published_at),
        "by": p.by,
        "text": p.text,
        "attachments": _attachments(p.attachments),
        "response_id": p.response_id,
        "method": p.method,
        "in_thread": p.in_thread,
        "original": {
            "url": o.url,
            "text": o.text,
            "author": _author(o.author),
            "detected_at": iso(o.detected_at),
            "attachments": _attachments(o.attachments),
        },
    }


def publication_from_dict(d: dict) -> Publication:
    o = d["original"]
    return Publication(
        draft_id=d["draft_id"],
        kind=DraftKind(d["kind"]),
        network=d["network"],
        url=d["url"],
        published_at=parse(d["published_at"]),
        by=d["by"],
        text=d["text"],
        attachments=_load_attachments(d.get("attachments")),
        original=PostCopy(
            url=o["url"],
            text=o["text"],
            author=Author(**o["author"]),
            detected_at=parse(o["detected_at"]),
            attachments=_load_attachments(o.get("attachments")),
        ),
        response_id=d.get("response_id"),
        method=d.get("method"),
        in_thread=d.get("in_thread"),
    )


def draft_to_dict(d: Draft) -> dict:
    return {
        "draft_id": d.draft_id,
        "kind": d.kind.value,
        "text": d.text,
        "author": d.author,
        "created_at": iso(d.created_at),
        "attachments": _attachments(d.attachments),
        "status": d.status.value,
        "comments": [
            {"by": c.by, "role": c.role.value, "text": c.text, "at": iso(c.at)} for c in d.comments
        ],
        "sent_to_curator_at": iso(d.sent_to_curator_at),
        "curator_decided_at": iso(d.curator_decided_at),
        "published_url": d.published_url,
        "published_at": iso(d.published_at),
    }


def case_from_dict(d: dict) -> Case:
    timers = [
        Timer(
            deadline=Deadline(t["deadline"]),
            started_at=parse(t["started_at"]),
            due=parse(t["due"]),
            department=t.get("department"),
            stopped_at=parse(t.get("stopped_at")),
            outcome=Outcome(t["outcome"]) if t.get("outcome") else None,
        )
        for t in d["timers"]
    ]
    return Case(
        case_id=d["case_id"],
        message=message_from_dict(d["message"]),
        received_at=parse(d["received_at"]),
        status=Status(d["status"]),
        version=int(d["version"]),
        # Documents stored before manual registration existed came by webhook.
        source=Source(d.get("source") or Source.WEBHOOK),
        registered_by=d.get("registered_by"),
        departments=tuple(d["departments"]),
        proposed_departments=tuple(d["proposed_departments"]),
        flags=tuple(d["flags"]),
        repeat_of=d.get("repeat_of"),
        proposed_assignee=d.get("proposed_assignee"),
        resolution_reason=d.get("resolution_reason"),
        significance=d.get("significance"),
        timers={t.key: t for t in timers},
        contributions={
            c["department"]: Contribution(
                department=c["department"],
                requested_at=parse(c["requested_at"]),
                due=parse(c["due"]),
                text=c.get("text"),
                author=c.get("author"),
                submitted_at=parse(c.get("submitted_at")),
            )
            for c in d["contributions"]
        },
        drafts=[
            Draft(
                draft_id=x["draft_id"],
                kind=DraftKind(x["kind"]),
                text=x["text"],
                author=x["author"],
                created_at=parse(x["created_at"]),
                attachments=_load_attachments(x.get("attachments")),
                status=DraftStatus(x["status"]),
                comments=[
                    Comment(c["by"], Role(c["role"]), c["text"], parse(c["at"]))
                    for c in x["comments"]
                ],
                sent_to_curator_at=parse(x.get("sent_to_curator_at")),
                curator_decided_at=parse(x.get("curator_decided_at")),
                published_url=x.get("published_url"),
                published_at=parse(x.get("published_at")),
            )
            for x in d["drafts"]
        ],
        timeline=[
            TimelineEntry(parse(e["at"]), e["actor"], Role(e["role"]), e["action"], e["details"])
            for e in d["timeline"]
        ],
        escalations=[
            Escalation(
                e["timer"],
                e["kind"],
                int(e["level"]),
                tuple(e["notified"]),
                parse(e["at"]),
                e["party"],
                e["accountable"],
            )
            for e in d["escalations"]
        ],
        # Documents stored before proofs of publication existed have neither key.
        publications=[publication_from_dict(p) for p in d.get("publications") or ()],
        publication_failure=(
            PublicationFailure(f["draft_id"], f["network"], f["reason"], parse(f["at"]))
            if (f := d.get("publication_failure"))
            else None
        ),
    )
