"""Sending queue messages, and relaying the outbox once a transaction has committed.

Messages are written to the outbox inside the state change's transaction; the relay sends each
and then deletes it. A process that dies in between leaves the record, and the sweeper relays it
later: a message may be sent twice, never lost, and every consumer drops a repeated message id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property

import boto3

from otklik.adapters.tables import OutboxRecord
from otklik.config import Settings
from otklik.ports import OutboxMessage


def outbox_record(message: OutboxMessage, now: datetime) -> OutboxRecord:
    """The record a commit at `now` writes for `message` (and the relay deletes)."""
    return OutboxRecord(
        "pending",
        f"{now.astimezone(UTC).isoformat()}#{message.message_id}",
        queue=message.queue,
        body={**message.body, "message_id": message.message_id},
    )


QUEUES = ("routing", "notification", "publishing", "monitoring")


@dataclass
class QueueSender:
    """The message bus of `otklik.ports` on SQS, with the outbox on DynamoDB."""

    settings: Settings
    sent: int = field(default=0)

    @cached_property
    def _client(self):
        return boto3.client(
            "sqs", region_name=self.settings.region, endpoint_url=self.settings.endpoint("sqs")
        )

    def url(self, queue: str) -> str:
        return {
            "routing": self.settings.routing_queue_url,
            "notification": self.settings.notification_queue_url,
            "publishing": self.settings.publishing_queue_url,
            "monitoring": self.settings.monitoring_queue_url,
        }[queue]

    def send(self, queue: str, body: dict) -> None:
        self._client.send_message(
            QueueUrl=self.url(queue), MessageBody=json.dumps(body, ensure_ascii=False)
        )
        self.sent += 1

    def relay(self, messages: Iterable[OutboxMessage], now: datetime) -> int:
        """The messages a commit at `now` wrote to the outbox, sent and their records deleted."""
        return relay([outbox_record(m, now) for m in messages], self)

    def relay_stale(self, now: datetime) -> int:
        return relay(stale_outbox(now), self)

    def dead_letter(self, source_arn: str, body: str, reason: str) -> None:
        """Put a message straight into its queue's dead-letter queue, saying why."""
        client = self._client
        name = source_arn.split(":")[5]
        source = _queue_url(client, source_arn)
        policy = client.get_queue_attributes(QueueUrl=source, AttributeNames=["RedrivePolicy"])
        target_arn = json.loads(policy["Attributes"]["RedrivePolicy"])["deadLetterTargetArn"]
        target = _queue_url(client, target_arn)
        client.send_message(
            QueueUrl=target,
            MessageBody=body,
            MessageAttributes={
                "reason": {"DataType": "String", "StringValue": reason},
                "source_queue": {"DataType": "String", "StringValue": name},
            },
        )


def _queue_url(client, arn: str) -> str:
    """The URL of the queue an ARN names: `arn:aws:sqs:<region>:<account>:<name>` on AWS, or
    `yrn:yc:ymq:<region>:<folder>:<name>` on Yandex Message Queue, whose GetQueueUrl takes the
    name alone (message-queue/api-ref/queue/GetQueueUrl,
    https://yandex.cloud/ru/docs/message-queue/api-ref/queue/GetQueueUrl)."""
    parts = arn.split(":")
    owner, name = parts[4], parts[5]
    if parts[0] == "arn":
        return client.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=owner)["QueueUrl"]
    return client.get_queue_url(QueueName=name)["QueueUrl"]


def relay(records: Iterable[OutboxRecord], sender: QueueSender) -> int:
    """Send outbox records and delete each one sent; returns how many went out."""
    count = 0
    for record in records:
        sender.send(record.queue, record.body)
        record.delete()
        count += 1
    return count


def stale_outbox(now: datetime, older_than: timedelta = timedelta(minutes=1)):
    """Outbox records left behind by a process that died before relaying them."""
    cutoff = (now - older_than).astimezone(UTC).isoformat()
    return OutboxRecord.query("pending", range_key_condition=OutboxRecord.sk < cutoff)
