"""RoutingFunction: screen content (clause 20), detect repeats (clause 18), propose departments."""

from otklik.api.batch import QueueMessage, consume
from otklik.api.http import now
from otklik.service import cases
from otklik.service.bootstrap import deps


class RoutingMessage(QueueMessage):
    case_id: str


def lambda_handler(event, context):
    return consume(
        event,
        context,
        RoutingMessage,
        lambda m: cases.route(deps(), m.case_id, now()),
        consumer="routing",
    )
