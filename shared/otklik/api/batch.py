"""Queue consumers' plumbing: validate each SQS record, process it, report partial failures.

A record whose step fails is reported back to SQS alone, so the rest of the batch is not retried;
after the queue's maxReceiveCount it lands in the dead-letter queue. A malformed record would
fail the same way every time, so it goes to the dead-letter queue at once, with the reason as a
message attribute. A message id seen before is dropped, so a redelivery has no second effect.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import suppress
from typing import TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from pydantic import BaseModel
from pynamodb.exceptions import PutError

from otklik.adapters.tables import IdempotencyRecord
from otklik.service.bootstrap import deps

M = TypeVar("M", bound=BaseModel)
# SQS keeps a message 14 days at most; a consumed id is remembered a little longer.
CONSUMED_LIFETIME = 15 * 24 * 3600
logger = Logger(service="otklik")


class QueueMessage(BaseModel):
    message_id: str


def consume(
    event: dict, context, schema: type[M], step: Callable[[M], None], consumer: str
) -> dict:
    """Run `step` once per valid message in an SQS event; returns `batchItemFailures`."""
    deps()  # binds the tables before the first idempotency check

    def handle(record: SQSRecord) -> None:
        try:
            message = schema.model_validate(json.loads(record.body))
        except ValueError as error:
            reason = f"malformed message: {error}"[:1000]
            logger.error(reason, extra={"message_id": record.message_id})
            deps().sender.dead_letter(record.event_source_arn, record.body, reason)
            return
        key = f"consumed:{consumer}:{getattr(message, 'message_id', record.message_id)}"
        if _seen(key):
            return
        step(message)
        # Two concurrent deliveries may both get here; each step is idempotent at its target.
        with suppress(PutError):
            IdempotencyRecord(key, expires_at=int(time.time()) + CONSUMED_LIFETIME).save(
                condition=IdempotencyRecord.key.does_not_exist()
            )

    return process_partial_response(
        event=event,
        record_handler=handle,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )


def _seen(key: str) -> bool:
    return IdempotencyRecord.find(key) is not None
