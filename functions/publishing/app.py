"""PublishingFunction: post the curator-approved answer where a network adapter is configured.

Adapters come from the environment (`otklik.config.ChannelSettings`): a network without a token
has none, and its answers are published by hand (the regulation's default, clause 15). A
temporary failure is reported back to SQS for this message alone, after setting its visibility
timeout to the wait the network asked for (or backoff), so the next delivery comes when it can
succeed; the last delivery (the queue's maxReceiveCount) gives up and tells the technical
executor instead of dead-lettering silently.
"""

import json
import time
from contextlib import suppress
from dataclasses import dataclass
from functools import cache

from aws_lambda_powertools import Logger

from otklik.adapters.publishers import build_publishers
from otklik.bootstrap import deps
from otklik.clock import now
from otklik.config import channel_settings
from otklik.entrypoints.batch import QueueMessage, consume
from otklik.entrypoints.yandex import both_clouds
from otklik.service.publishing import Delivery, RetryLater, publish_approved

logger = Logger(service="otklik-publishing")

# SQS allows a visibility timeout of 0 s to 12 h; a publication never waits near that long.
MAX_VISIBILITY_SECONDS = 900
LAMBDA_RESERVE_SECONDS = 5  # kept back from the delivery's time for recording the result


@dataclass(frozen=True, kw_only=True)
class Approved(QueueMessage):
    case_id: str
    draft_id: str


@cache
def _sqs():
    import boto3

    settings = deps().settings
    return boto3.client("sqs", region_name=settings.region, endpoint_url=settings.endpoint("sqs"))


def _deliveries(event: dict) -> dict[str, dict]:
    """Each record's SQS attributes by its body's message id (what `consume` hands over)."""
    found = {}
    for record in event.get("Records") or []:
        with suppress(ValueError, TypeError, AttributeError):
            found[json.loads(record["body"])["message_id"]] = record
    return found


def _publish(message: Approved, record: dict | None, context) -> None:
    channels = channel_settings()
    budget, left, started = channels.retry_budget_seconds, None, time.monotonic()
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        left = max(0.0, context.get_remaining_time_in_millis() / 1000 - LAMBDA_RESERVE_SECONDS)
        budget = min(budget, left)
    attributes = (record or {}).get("attributes") or {}
    delivery = Delivery(
        receive_count=int(attributes.get("ApproximateReceiveCount") or 1),
        max_receives=channels.publishing_max_receives,
        budget_seconds=budget,
        deadline_seconds=left,
        started=started,
        handover=channels.handover,
    )
    try:
        outcome = publish_approved(
            deps(),
            build_publishers(channels, deps().files),
            case_id=message.case_id,
            draft_id=message.draft_id,
            now=now(),
            delivery=delivery,
        )
    except RetryLater as later:
        logger.warning(
            "publication to be retried",
            extra={"case_id": message.case_id, "delay": later.delay, "reason": later.reason},
        )
        _delay(record, later.delay)
        raise
    logger.info(
        "publishing",
        extra={"case_id": message.case_id, "outcome": outcome.status, "url": outcome.url},
    )


def _delay(record: dict | None, seconds: float) -> None:
    """Bring the message back after `seconds` (best effort: else the queue's own timeout)."""
    if not record or not record.get("receiptHandle"):
        return
    try:
        _sqs().change_message_visibility(
            QueueUrl=deps().settings.publishing_queue_url,
            ReceiptHandle=record["receiptHandle"],
            VisibilityTimeout=max(1, min(MAX_VISIBILITY_SECONDS, round(seconds))),
        )
    except Exception:  # the retry still happens, only later
        logger.exception("could not change the message's visibility timeout")


@both_clouds
def lambda_handler(event, context):
    records = _deliveries(event)
    return consume(
        deps(),
        event,
        context,
        Approved,
        lambda m: _publish(m, records.get(m.message_id), context),
        consumer="publishing",
    )
