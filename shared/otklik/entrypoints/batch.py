"""Queue consumers' plumbing: validate each SQS record, process it, report partial failures.

A record whose step fails is reported back to SQS alone, so the rest of the batch is not retried;
after the queue's maxReceiveCount it lands in the dead-letter queue. A malformed record would
fail the same way every time, so it goes to the dead-letter queue at once, with the reason as a
message attribute. A message id seen before is dropped, so a redelivery has no second effect.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from typing import TypeVar, get_type_hints

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from otklik.ports import consumed_key
from otklik.service.deps import Deps

M = TypeVar("M", bound="QueueMessage")
# SQS keeps a message 14 days at most; a consumed id is remembered a little longer.
CONSUMED_LIFETIME = 15 * 24 * 3600
DONE = {"done": True}
logger = Logger(service="otklik")


@dataclass(frozen=True, kw_only=True)
class QueueMessage:
    """A queue message's body. Subclasses (dataclasses, `kw_only=True`) name the fields their
    consumer needs, as `str` or `dict`; what they do not name is kept in `extra`. Checked here
    by hand, not by pydantic, which would be the largest import of a consumer's cold start for
    the few fields our own outbox writes."""

    message_id: str
    extra: dict = field(default_factory=dict)

    @classmethod
    def parse(cls: type[M], raw: object) -> M:
        if not isinstance(raw, dict):
            raise ValueError("the body is not a JSON object")
        hints = get_type_hints(cls)
        named, problems = {}, []
        for f in fields(cls):
            if f.name == "extra":
                continue
            if f.name not in raw:
                if f.default is MISSING and f.default_factory is MISSING:
                    problems.append(f"{f.name}: missing")
                continue
            wanted = hints[f.name]
            if not isinstance(raw[f.name], wanted):
                problems.append(f"{f.name}: expected {wanted.__name__}")
            named[f.name] = raw[f.name]
        if problems:
            raise ValueError("; ".join(problems))
        return cls(**named, extra={k: v for k, v in raw.items() if k not in named})


class InProgress(Exception):
    """Another delivery of the same message is being processed right now: this one is
    reported as failed and comes back after the visibility timeout, by when the other is done
    (or its claim has lapsed, if it died)."""


def consume(
    deps: Deps,
    event: dict,
    context,
    schema: type[M],
    step: Callable[[M], None],
    consumer: str,
) -> dict:
    """Run `step` once per valid message in an SQS event; returns `batchItemFailures`.

    Exactly once per message id: a delivery claims the message's key before the step (a
    conditional write, held for the function's remaining time) and marks it done after, so two
    concurrent deliveries never both run the step, and a failed step releases the claim for the
    redelivery."""

    def handle(record: SQSRecord) -> None:
        try:
            message = schema.parse(json.loads(record.body))
        except ValueError as error:
            reason = f"malformed message: {error}"[:1000]
            logger.error(reason, extra={"message_id": record.message_id})
            deps.bus.dead_letter(record.event_source_arn, record.body, reason)
            return
        key = consumed_key(consumer, getattr(message, "message_id", record.message_id))
        seen = deps.keys.seen(key)
        if seen is not None and not seen.get("in_progress"):
            return  # processed before: a redelivery has no second effect
        if not deps.keys.claim(key, lease=_lease(context)):
            raise InProgress(key)
        try:
            step(message)
        except BaseException:
            deps.keys.release(key)
            raise
        deps.keys.remember(key, DONE, lifetime=CONSUMED_LIFETIME)

    return process_partial_response(
        event=event,
        record_handler=handle,
        processor=BatchProcessor(event_type=EventType.SQS),
        context=context,
    )


def _lease(context) -> int:
    """As long as this invocation may still run, and a little more."""
    remaining = getattr(context, "get_remaining_time_in_millis", lambda: 60_000)()
    return max(1, remaining // 1000) + 5
