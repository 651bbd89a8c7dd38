"""Publishing an approved answer (clause 15) through the network's adapter, where one is set up.

Without an adapter for the network (the default) publication is manual: the technical executor,
already told by e-mail, posts the answer and records the link through the staff page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from otklik.domain.model import Draft, DraftStatus, Message, Status
from otklik.domain.roles import SYSTEM_ACTOR
from otklik.service.bootstrap import Deps
from otklik.service.cases import record_publication


class Publisher(Protocol):
    def publish(self, message: Message, draft: Draft) -> str:
        """Post the answer in the message's thread; returns the published answer's link."""


def publish_approved(
    deps: Deps, publishers: dict[str, Publisher], *, case_id: str, draft_id: str, now: datetime
) -> str | None:
    """The link published, or None when it is left to a person (or was done already)."""
    case = deps.store().get(case_id)
    draft = next((d for d in case.drafts if d.draft_id == draft_id), None)
    if (
        case.status is not Status.APPROVED
        or draft is None
        or draft.status is not DraftStatus.APPROVED
    ):
        return None  # published already, by hand or by an earlier delivery
    publisher = publishers.get(case.message.network)
    if publisher is None:
        return None
    url = publisher.publish(case.message, draft)
    record_publication(deps, SYSTEM_ACTOR, case_id, url=url, now=now)
    return url
