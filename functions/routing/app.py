"""RoutingFunction: screen content (clause 20), detect repeats (clause 18), propose departments."""

from dataclasses import dataclass

from otklik.bootstrap import deps
from otklik.clock import now
from otklik.entrypoints.batch import QueueMessage, consume
from otklik.entrypoints.yandex import both_clouds
from otklik.service import cases


@dataclass(frozen=True, kw_only=True)
class RoutingMessage(QueueMessage):
    case_id: str


@both_clouds
def lambda_handler(event, context):
    return consume(
        deps(),
        event,
        context,
        RoutingMessage,
        lambda m: cases.route(deps(), m.case_id, now()),
        consumer="routing",
    )
