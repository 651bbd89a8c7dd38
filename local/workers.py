"""Queue consumers and the sweeper's schedule, for a run without Lambda.

moto keeps the queues (visibility timeout, redrive to the dead-letter queue after
`maxReceiveCount`) but invokes nothing, and never fires a schedule. So for each queue that a
function consumes (an `SQS` event in the template) a thread long-polls the queue and calls the
handler with an SQS event, deleting what succeeded and leaving each reported failure to come back
after the visibility timeout, as Lambda's event source mapping does. Another thread fires the
sweeper's schedule every `LOCAL_SWEEP_SECONDS` (default 300, the template's 5 minutes).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import boto3

from local import cfn
from local.events import scheduled_event, sqs_event, sqs_record
from local.lambdas import Function, functions
from local.resources import Created

log = logging.getLogger("otklik.local.workers")

DEFAULT_SWEEP_SECONDS = 300.0


@dataclass
class Consumer:
    """One queue and the function its `SQS` event triggers."""

    queue_id: str
    queue_url: str
    queue_arn: str
    function: Function
    batch_size: int = 10
    reports_failures: bool = True
    processed: int = 0
    failed: int = 0


def consumers(
    template: Mapping, created: Created, all_functions: Mapping[str, Function] | None = None
) -> list[Consumer]:
    """The template's SQS event sources, resolved to the queues created locally."""
    all_functions = all_functions if all_functions is not None else functions(template)
    found = []
    for function in all_functions.values():
        for properties in function.events_of("SQS"):
            arn = (
                created.resolver.try_resolve(properties.get("Queue")) if created.resolver else None
            )
            url = created.queue_url_by_arn(arn) if isinstance(arn, str) else None
            if url is None:
                log.warning("%s: queue %r is not a local queue", function.logical_id, arn)
                continue
            queue_id = next(q for q, a in created.queue_arns.items() if a == arn)
            found.append(
                Consumer(
                    queue_id=queue_id,
                    queue_url=url,
                    queue_arn=arn,
                    function=function,
                    batch_size=max(1, min(10, int(properties.get("BatchSize") or 10))),
                    reports_failures="ReportBatchItemFailures"
                    in (properties.get("FunctionResponseTypes") or []),
                )
            )
    return found


def sweepers(all_functions: Mapping[str, Function]) -> list[Function]:
    """Functions a schedule triggers (`Schedule` or `ScheduleV2` events)."""
    return [f for f in all_functions.values() if f.events_of("Schedule", "ScheduleV2")]


@dataclass
class Workers:
    """Consumer threads, the schedule thread, and `drain` for tests."""

    consumers: list[Consumer]
    scheduled: list[Function]
    sqs: object
    region: str = "eu-central-1"
    sweep_seconds: float = DEFAULT_SWEEP_SECONDS
    wait_seconds: int = 1  # long-poll length: short, so stopping is quick
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _busy: int = 0
    _busy_lock: threading.Lock = field(default_factory=threading.Lock)
    sweeps: int = 0
    # called after each batch and each sweep: the local run saves its state (local/state.py)
    after_work: Callable[[], object] | None = None

    @classmethod
    def from_template(
        cls,
        created: Created,
        *,
        template: Mapping | None = None,
        endpoint_url: str | None,
        region: str,
        sweep_seconds: float | None = None,
        namespace: str = "",
    ) -> Workers:
        template = template if template is not None else cfn.load()
        all_functions = functions(template, namespace=namespace)
        if sweep_seconds is None:
            sweep_seconds = float(os.environ.get("LOCAL_SWEEP_SECONDS") or DEFAULT_SWEEP_SECONDS)
        return cls(
            consumers=consumers(template, created, all_functions),
            scheduled=sweepers(all_functions),
            sqs=boto3.client("sqs", region_name=region, endpoint_url=endpoint_url),
            region=region,
            sweep_seconds=sweep_seconds,
        )

    # -- running -----------------------------------------------------------------------------

    def runnable(self) -> list[Consumer]:
        """Consumers whose handler file exists (a function still being written is skipped)."""
        return [c for c in self.consumers if c.function.available]

    def start(self, *, schedule: bool = True) -> None:
        self._stop.clear()
        for consumer in self.runnable():
            thread = threading.Thread(
                target=self._consume_forever,
                args=(consumer,),
                name=f"sqs-{consumer.queue_id}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        if schedule and self.scheduled:
            thread = threading.Thread(target=self._schedule_forever, name="schedule", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def _consume_forever(self, consumer: Consumer) -> None:
        while not self._stop.is_set():
            try:
                self.poll(consumer, wait=self.wait_seconds)
            except Exception:
                log.exception("polling %s failed", consumer.queue_id)
                self._stop.wait(1)

    def _schedule_forever(self) -> None:
        while not self._stop.wait(self.sweep_seconds):
            self.sweep()

    # -- one step ----------------------------------------------------------------------------

    def poll(self, consumer: Consumer, *, wait: int = 0) -> int:
        """Receive one batch and hand it to the consumer; returns how many records came."""
        answer = self.sqs.receive_message(
            QueueUrl=consumer.queue_url,
            MaxNumberOfMessages=consumer.batch_size,
            WaitTimeSeconds=wait,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = answer.get("Messages") or []
        if not messages:
            return 0
        with self._busy_lock:  # "busy" while a batch is in hand, not while waiting for one
            self._busy += 1
        try:
            self._deliver(consumer, messages)
            self._after_work()
        finally:
            with self._busy_lock:
                self._busy -= 1
        return len(messages)

    def _after_work(self) -> None:
        if self.after_work is not None:
            try:
                self.after_work()
            except Exception:
                log.exception("saving the local state failed")

    def _deliver(self, consumer: Consumer, messages: list[dict]) -> None:
        records = [
            sqs_record(
                m["Body"],
                queue_arn=consumer.queue_arn,
                message_id=m["MessageId"],
                receipt_handle=m["ReceiptHandle"],
                receive_count=int((m.get("Attributes") or {}).get("ApproximateReceiveCount", 1)),
                attributes=m.get("Attributes"),
                region=self.region,
            )
            for m in messages
        ]
        failed: set[str]
        try:
            result = consumer.function.invoke(sqs_event(records), region=self.region)
        except Exception:
            log.exception("%s failed on a batch of %d", consumer.function.logical_id, len(records))
            failed = {r["messageId"] for r in records}
        else:
            failed = set()
            if consumer.reports_failures and isinstance(result, Mapping):
                failed = {
                    str(item.get("itemIdentifier"))
                    for item in result.get("batchItemFailures") or ()
                }
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            self.sqs.delete_message_batch(
                QueueUrl=consumer.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)
                ],
            )
        consumer.processed += len(done)
        consumer.failed += len(failed)
        if failed:
            log.warning(
                "%s: %d of %d records failed; they return after the visibility timeout",
                consumer.function.logical_id,
                len(failed),
                len(records),
            )

    def sweep(self, now: datetime | None = None) -> list:
        """Fire the schedule once: every scheduled function gets an event whose `time` is now."""
        results = []
        for function in self.scheduled:
            if not function.available:
                continue
            event = scheduled_event(now or datetime.now(UTC), region=self.region)
            try:
                results.append(function.invoke(event, region=self.region))
            except Exception:
                log.exception("%s failed", function.logical_id)
        self.sweeps += 1
        self._after_work()
        return results

    def drain(self, timeout: float = 30.0) -> int:
        """Process queues until every consumed queue is empty and no consumer is busy.

        Works with or without the consumer threads running (it polls alongside them). Records
        that failed stay invisible until their visibility timeout and do not hold it up.
        Returns how many records this call processed itself; raises TimeoutError.
        """
        deadline = time.monotonic() + timeout
        processed, quiet = 0, 0
        while quiet < 2:
            if time.monotonic() > deadline:
                raise TimeoutError(f"queues not drained within {timeout} s")
            got = sum(self.poll(c, wait=0) for c in self.runnable())
            processed += got
            with self._busy_lock:
                idle = self._busy == 0
            if got == 0 and idle and self._visible() == 0:
                quiet += 1  # twice in a row, apart: a batch just received by a thread shows
            else:
                quiet = 0
            if got == 0:
                time.sleep(0.05)
        return processed

    def _visible(self) -> int:
        total = 0
        for consumer in self.runnable():
            attributes = self.sqs.get_queue_attributes(
                QueueUrl=consumer.queue_url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesDelayed",
                ],
            )["Attributes"]
            total += int(attributes.get("ApproximateNumberOfMessages", 0))
            total += int(attributes.get("ApproximateNumberOfMessagesDelayed", 0))
        return total
