"""What each domain event sets in motion: the queue messages it turns into.

One table, read top to bottom, answers "who hears about this step": the routing function, the
e-mail notifications (clauses 9, 12-15, 21-24), the monitoring system (clauses 10, 12, 15) and
the publisher (clause 15).
"""

from __future__ import annotations

from otklik.codec import to_plain
from otklik.domain import events as ev
from otklik.domain.case import Case
from otklik.domain.roles import Role
from otklik.domain.states import DraftStatus, Source
from otklik.domain.values import new_id
from otklik.ports import OutboxMessage


def _notify(
    template: str, event: ev.Event, *, roles=(), departments=(), logins=(), **context
) -> tuple[str, dict]:
    return "notification", {
        "template": template,
        "case_id": event.case_id,
        "recipients": {
            "roles": [Role(r).value for r in roles],
            "departments": list(departments),
            "logins": [x for x in logins if x],
        },
        "context": {"event": {"event": event.name, **to_plain(event)}, **context},
    }


def _monitoring(kind: str, event: ev.Event, **fields) -> tuple[str, dict]:
    return "monitoring", {"kind": kind, "case_id": event.case_id, **fields}


def _awaits_approval(case: Case, draft_id: str) -> bool:
    return any(
        d.draft_id == draft_id and d.status is DraftStatus.INTERNAL_REVIEW for d in case.drafts
    )


def messages_for(event: ev.Event, case: Case) -> list[tuple[str, dict]]:
    """The (queue, body) pairs one event causes."""
    match event:
        case ev.MessageReceived():
            return [("routing", {"case_id": event.case_id})]
        case ev.RoutingProposed():
            return [_notify("new_message", event, roles=[Role.TECHNICAL])]
        case ev.SignificanceReported():
            return [
                _notify(
                    "significant", event, roles=[Role.HEAD, Role.RESPONSIBLE], reason=event.reason
                )
            ]
        case ev.CaseAccepted() | ev.ContributionsRequested():
            if isinstance(event, ev.CaseAccepted) and case.is_joint:
                return [_notify("joint_answer", event, roles=[Role.RESPONSIBLE])]
            template = (
                "contribution_requested"
                if isinstance(event, ev.ContributionsRequested)
                else "assigned"
            )
            return [
                _notify(
                    template,
                    event,
                    roles=[Role.EXECUTOR],
                    departments=case.departments,
                    logins=[case.proposed_assignee],
                )
            ]
        case ev.ExecutorAssigned():
            return [_notify("executor_assigned", event, logins=[event.assignee])]
        case ev.CaseReturnedToCurator():
            return [_monitoring("return_to_curator", event, reason=event.reason)]
        case ev.DraftSubmitted():
            if not _awaits_approval(case, event.draft_id):
                return []  # the responsible executor's own, approved as he submitted it
            return [_notify("draft_to_approve", event, roles=[Role.RESPONSIBLE])]
        case ev.DraftRejected():
            return [_notify("draft_rejected", event, logins=[event.author])]
        case ev.DraftReadyToSend():
            return [_notify("ready_to_send", event, roles=[Role.TECHNICAL])]
        case ev.DraftSentToCurator():
            return [_monitoring("draft_for_review", event, draft_id=event.draft_id)]
        case ev.CuratorDecisionConflicted():
            return [_notify("curator_conflict", event, roles=[Role.TECHNICAL])]
        case ev.DraftApprovedByCurator():
            return [
                ("publishing", {"case_id": event.case_id, "draft_id": event.draft_id}),
                _notify("curator_approved", event, roles=[Role.TECHNICAL]),
            ]
        case ev.DraftReturnedByCurator():
            return [
                _notify("curator_returned", event, logins=[event.author], roles=[Role.RESPONSIBLE])
            ]
        case ev.AnswerPublished():
            return [
                _monitoring(
                    "published",
                    event,
                    draft_id=event.draft_id,
                    url=event.url,
                    answer_kind=event.kind,
                )
            ]
        case ev.PublicationFailed():
            return [
                _notify(
                    "publication_failed",
                    event,
                    roles=[Role.TECHNICAL],
                    reason=event.reason,
                )
            ]
        case ev.CaseWithdrawn():
            return [
                _notify(
                    "withdrawn",
                    event,
                    # and the departments working on it: their heads, and whom it was assigned
                    roles=[Role.TECHNICAL, Role.RESPONSIBLE, Role.EXECUTOR],
                    departments=case.departments,
                    logins=case.assigned_to(case.departments),
                )
            ]
        case ev.DeadlineEscalated():
            return [_notify(f"deadline_{event.kind}", event, logins=event.notified)]
    return []


def outbox_for(events: list[ev.Event], case: Case) -> list[OutboxMessage]:
    """The messages to send; a manual case has no integration to call, so the monitoring
    system hears nothing from us: the technical executor enters each step there by hand."""
    return [
        OutboxMessage(new_id(), queue, body)
        for event in events
        for queue, body in messages_for(event, case)
        if not (queue == "monitoring" and case.source is Source.MANUAL)
    ]
