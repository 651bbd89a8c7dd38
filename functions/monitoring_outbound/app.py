"""MonitoringOutboundFunction: calls to the monitoring system, retried by the queue."""

from functools import cache

from aws_lambda_powertools import Logger
from pydantic import ConfigDict

from otklik.adapters.monitoring import MonitoringClient
from otklik.api.batch import QueueMessage, consume
from otklik.service.bootstrap import deps
from otklik.service.outbound import report

logger = Logger(service="otklik-monitoring")


class Outbound(QueueMessage):
    model_config = ConfigDict(extra="allow")
    kind: str
    case_id: str


@cache
def _client() -> MonitoringClient | None:
    settings = deps().settings
    if not settings.monitoring_base_url:
        return None
    return MonitoringClient(settings.monitoring_base_url, settings.webhook_secrets[0])


def _send(message: Outbound) -> None:
    if _client() is None:  # no monitoring system to call: the desk reports to it by hand
        logger.warning(
            "MONITORING_BASE_URL is not set; call not made",
            extra={"kind": message.kind, "case_id": message.case_id},
        )
        return
    fields = {k: v for k, v in (message.model_extra or {}).items()}
    report(
        deps(),
        _client(),
        kind=message.kind,
        case_id=message.case_id,
        request_id=message.message_id,
        fields=fields,
    )


def lambda_handler(event, context):
    return consume(event, context, Outbound, _send, consumer="monitoring")
