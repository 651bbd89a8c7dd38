"""PublishingFunction: post the curator-approved answer where a network adapter is configured."""

from otklik.api.batch import QueueMessage, consume
from otklik.api.http import now
from otklik.service.bootstrap import deps
from otklik.service.publishing import publish_approved

# Network adapters by network name; none configured means the technical executor publishes by
# hand and records the link (the regulation's default, clause 15).
PUBLISHERS: dict = {}


class Approved(QueueMessage):
    case_id: str
    draft_id: str


def lambda_handler(event, context):
    return consume(
        event,
        context,
        Approved,
        lambda m: publish_approved(
            deps(), PUBLISHERS, case_id=m.case_id, draft_id=m.draft_id, now=now()
        ),
        consumer="publishing",
    )
