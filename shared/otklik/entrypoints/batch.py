"""Queue consumers' plumbing: validate each SQS record, process it, report partial failures.

A record whose step fails is reported back to SQS alone, so the rest of the batch is not retried.
Nothing reaches a dead-letter queue without its reason (a message attribute `reason`, which
`make redrive` and the local run's /ops page show):
- a malformed record would fail the same way every time: it goes there at once, the reason
  naming the fields that are wrong (never their values);
- a record whose step keeps failing goes there on its last allowed delivery (SQS's
  `ApproximateReceiveCount` has reached the queue's maxReceiveCount, which the function reads
  from `QUEUE_MAX_RECEIVES`, set per consumer in template.yaml): the consumer sends it itself,
  with the exception's type and message, and reports it done, so SQS never moves it silently.
  Without `QUEUE_MAX_RECEIVES` (0) SQS's own redrive is all there is.
If sending to the dead-letter queue fails, the record is reported failed as before (SQS then
moves it itself, without a reason: late, never lost). A message id seen before is dropped, so a
redelivery has no second effect. Logs name a record by its message id and a message's fields
by name: what a message holds (a citizen's name, a text) never goes into a log or a reason.
"""

from __future__ import annotations

import json
import os
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
REASON_LIMIT = 1000  # characters of a dead letter's reason (a message attribute)
ERROR_LIMIT = 300  # characters of an exception's message in it
MAX_RECEIVES_ENV = "QUEUE_MAX_RECEIVES"
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

    max_receives = max_receives_from_env()

    def handle(record: SQSRecord) -> None:
        try:
            message = schema.parse(json.loads(record.body))
        except ValueError as error:
            reason = f"malformed message: {error}"[:REASON_LIMIT]
            logger.error(reason, extra={"message_id": record.message_id, "consumer": consumer})
            deps.bus.dead_letter(record.event_source_arn, record.body, reason)
            return
        try:
            run_once(message, record)
        except Exception as error:
            if not last_delivery(record, max_receives):
                raise
            reason = failure_reason(error, message, max_receives)
            logger.error(
                "dead-lettered on its last delivery",
                extra={"message_id": record.message_id, "consumer": consumer, "reason": reason},
            )
            try:
                deps.bus.dead_letter(record.event_source_arn, record.body, reason)
            except Exception:
                logger.exception(
                    "could not dead-letter the record; SQS will",
                    extra={"message_id": record.message_id, "consumer": consumer},
                )
                raise error from None
            return  # done: it waits in the dead-letter queue, with its reason

    def run_once(message: M, record: SQSRecord) -> None:
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


def max_receives_from_env() -> int:
    """The queue's maxReceiveCount as the template tells this function; 0 if it does not."""
    try:
        return max(0, int(os.environ.get(MAX_RECEIVES_ENV) or 0))
    except ValueError:
        return 0


def last_delivery(record: SQSRecord, max_receives: int) -> bool:
    """Whether SQS will not deliver this record again if it fails now."""
    if max_receives <= 0:
        return False
    try:
        count = int(record.attributes.approximate_receive_count or 1)
    except (TypeError, ValueError):
        return False
    return count >= max_receives


def failure_reason(error: BaseException, message: QueueMessage, max_receives: int) -> str:
    """Why a record gave up: the exception's type and (truncated) message, and the fields the
    message had, by name only. A value of the message that the exception's text repeats is
    replaced by its field's name (`<context.event.text>`)."""
    text = " ".join(_scrub(str(error), message).split())
    if len(text) > ERROR_LIMIT:
        text = text[: ERROR_LIMIT - 1] + "…"
    names = sorted([f.name for f in fields(message) if f.name != "extra"] + list(message.extra))
    reason = (
        f"failed on its last delivery ({max_receives} of {max_receives}): "
        f"{type(error).__name__}: {text or '-'}; fields: {', '.join(names)}"
    )
    return reason[:REASON_LIMIT]


def _scrub(text: str, message: QueueMessage) -> str:
    plain = {f.name: getattr(message, f.name) for f in fields(message) if f.name != "extra"}
    leaves = sorted(_strings({**message.extra, **plain}), key=lambda kv: -len(kv[1]))
    for name, value in leaves:
        if len(value) >= 3:
            text = text.replace(value, f"<{name}>")
    return text


def _strings(value, path: str = ""):
    """(dotted field name, text) of every string inside a message body."""
    if isinstance(value, str):
        yield path or "body", value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, path)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield path or "body", str(value)


def _lease(context) -> int:
    """As long as this invocation may still run, and a little more."""
    remaining = getattr(context, "get_remaining_time_in_millis", lambda: 60_000)()
    return max(1, remaining // 1000) + 5
