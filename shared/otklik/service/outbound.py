"""What we tell the monitoring system: a returned message, a draft for review, a published link."""

from __future__ import annotations

from otklik.adapters.monitoring import MonitoringClient
from otklik.service.bootstrap import Deps


def report(
    deps: Deps, client: MonitoringClient, *, kind: str, case_id: str, request_id: str, fields: dict
) -> None:
    case = deps.store().get(case_id)
    payload = {
        "kind": kind,
        "case_id": case_id,
        "external_id": case.message.external_id,
        "request_id": request_id,
        **fields,
    }
    draft_id = fields.get("draft_id")
    draft = next((d for d in case.drafts if d.draft_id == draft_id), None)
    if draft is not None:
        payload.update(
            {
                "text": draft.text,
                "draft_kind": draft.kind.value,
                "attachments": [{"type": a.type, "url": a.url} for a in draft.attachments],
            }
        )
    client.send(payload, request_id)
