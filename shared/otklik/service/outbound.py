"""What we tell the monitoring system: a returned message (clause 10), a draft for review
(clause 12), a published link (clause 15).

The queue message's id is the request id: every redelivery of the same message is the same
request to the monitoring system, which keeps one copy. Nothing here writes to the case, so a
curator's decision that arrives while a call is still in flight (the monitoring system may call
back before it answers us) meets no competing write.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from otklik.domain.states import DraftStatus
from otklik.ports import MonitoringSystem
from otklik.service.deps import Deps

logger = Logger(service="otklik-monitoring")


def report(
    deps: Deps, client: MonitoringSystem, *, kind: str, case_id: str, request_id: str, fields: dict
) -> dict | None:
    """Make the call `kind` stands for; the monitoring system's answer (None if not made)."""
    case = deps.store().get(case_id)
    external_id = case.message.external_id
    draft_id = fields.get("draft_id")
    draft = next((d for d in case.drafts if d.draft_id == draft_id), None)
    common = {"request_id": request_id, "case_id": case_id, "external_id": external_id}
    if kind == "return_to_curator":
        reason = fields.get("reason") or case.resolution_reason or ""
        return client.return_to_curator(**common, reason=reason)
    if kind == "draft_for_review":
        if draft is None or draft.status is DraftStatus.WITHDRAWN:
            logger.info("draft not sent: withdrawn or unknown", extra={"case_id": case_id})
            return None
        return client.send_draft_for_review(
            **common,
            draft_id=draft.draft_id,
            text=draft.text,
            draft_kind=draft.kind.value,
            attachments=[_attachment(a) for a in draft.attachments],
        )
    if kind == "published":
        url = fields.get("url") or (draft.published_url if draft else None)
        published_at = draft.published_at.isoformat() if draft and draft.published_at else None
        return client.report_published(
            **common,
            draft_id=draft_id or "",
            url=url or "",
            answer_kind=fields.get("answer_kind") or (draft.kind.value if draft else "final"),
            published_at=published_at,
        )
    # A kind this version does not know: pass it on as it came, the monitoring system decides.
    return client.send({"kind": kind, **fields, **common}, request_id)


def _attachment(attachment) -> dict:
    """What the monitoring system learns of a draft's file: its kind and name (the file stays
    in the administration's private bucket); a draft stored before that, its link."""
    if not attachment.key:
        return {"type": attachment.type, "url": attachment.url}
    return {
        "type": attachment.type,
        "name": attachment.name,
        "size": attachment.size,
        "content_type": attachment.content_type,
    }
