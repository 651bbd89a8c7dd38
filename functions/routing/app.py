"""RoutingFunction: screen content (clause 20), detect repeats (clause 18), propose departments."""

from otklik.bootstrap import deps
from otklik.entrypoints.batch import QueueMessage, consume
from otklik.entrypoints.http import now
from otklik.service import cases


class RoutingMessage(QueueMessage):
    case_id: str


def lambda_handler(event, context):
    return consume(
        deps(),
        event,
        context,
        RoutingMessage,
        lambda m: cases.route(deps(), m.case_id, now()),
        consumer="routing",
    )
