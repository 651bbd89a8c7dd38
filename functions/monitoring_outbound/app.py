"""MonitoringOutboundFunction: calls to the monitoring system, retried by the queue."""

from dataclasses import dataclass, replace
from functools import lru_cache

from aws_lambda_powertools import Logger

from otklik.adapters.monitoring import MonitoringClient, MonitoringRejected
from otklik.bootstrap import deps
from otklik.config import channel_settings
from otklik.entrypoints.batch import QueueMessage, consume
from otklik.entrypoints.yandex import both_clouds
from otklik.service.outbound import report

logger = Logger(service="otklik-monitoring")
RESERVE_SECONDS = 5


@dataclass(frozen=True, kw_only=True)
class Outbound(QueueMessage):
    kind: str
    case_id: str


@lru_cache(maxsize=4)
def _client_for(base_url: str, secret: str, timeout: float, budget: float) -> MonitoringClient:
    return MonitoringClient(base_url, secret, timeout=timeout, budget_seconds=budget)


def _client() -> MonitoringClient | None:
    settings = deps().settings
    if not settings.monitoring_base_url:
        return None
    channels = channel_settings()
    return _client_for(
        settings.monitoring_base_url,
        channels.monitoring_outbound_secret or settings.webhook_secrets[0],
        channels.http_timeout_seconds,
        channels.retry_budget_seconds,
    )


def _send(message: Outbound, context=None) -> None:
    client = _client()
    if client is None:  # no monitoring system to call: the desk reports to it by hand
        logger.warning(
            "MONITORING_BASE_URL is not set; call not made",
            extra={"kind": message.kind, "case_id": message.case_id},
        )
        return
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        # Retries stop in time for the batch to finish within the Lambda's timeout.
        left = context.get_remaining_time_in_millis() / 1000 - client.timeout - RESERVE_SECONDS
        client = replace(client, budget_seconds=max(0.0, min(client.budget_seconds, left)))
    fields = dict(message.extra)
    try:
        report(
            deps(),
            client,
            kind=message.kind,
            case_id=message.case_id,
            request_id=message.message_id,
            fields=fields,
        )
    except MonitoringRejected as rejected:
        logger.error(
            "the monitoring system refused the call",
            extra={"kind": message.kind, "case_id": message.case_id, "status": rejected.status},
        )
        raise


@both_clouds
def lambda_handler(event, context):
    return consume(
        deps(), event, context, Outbound, lambda m: _send(m, context), consumer="monitoring"
    )
