"""Dead letters for an operator: list a dead-letter queue's messages with their reasons, and move
them back to the queue they came from.

    make redrive QUEUE=RoutingDeadLetterQueue          # list (nothing is changed)
    make redrive QUEUE=routing MOVE=1                  # move them back to RoutingQueue

`QUEUE` is a logical id of template.yaml (a dead-letter queue, or the queue whose dead letters
are meant) or the queue's short name (routing, notification, publishing, monitoring). The
queues are found by name: `<prefix><logical id>` of the local run (`LOCAL_RESOURCE_PREFIX`,
default "otklik-"), or a name containing the logical id in a deployed stack (CloudFormation names
them `<stack>-<LogicalId>-<suffix>`; `--prefix <stack>-`). The endpoint is `AWS_ENDPOINT_URL`,
the local run's moto (http://127.0.0.1:5000) when unset, real AWS when set empty.

The listing shows each message's id, age, receive count, the reason its consumer gave (the
`reason` attribute, `otklik.entrypoints.batch`) and the fields of its body by name; `--body`
prints the bodies too, which may hold a citizen's data: only for an operator who must.

Moving uses SQS's `StartMessageMoveTask` (AWS) and falls back to receive, send, delete where
the endpoint lacks it (moto, older LocalStack). A moved message is processed once: consumers
drop a message id they have done, and a failed one was never marked done.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import boto3
from botocore.exceptions import ClientError

from local.resources import DEFAULT_PREFIX

LOCAL_ENDPOINT = "http://127.0.0.1:5000"
SHORT_NAMES = {
    "routing": "Routing",
    "notification": "Notification",
    "notifications": "Notification",
    "publishing": "Publishing",
    "monitoring": "Monitoring",
}
PEEK_SECONDS = 5  # how long a listed message stays hidden while the listing runs


@dataclass
class DeadLetter:
    message_id: str
    receipt_handle: str
    body: str
    reason: str
    source_queue: str
    sent_at: float | None
    receive_count: int
    attributes: dict = field(default_factory=dict)

    @property
    def fields(self) -> list[str]:
        try:
            body = json.loads(self.body)
        except ValueError:
            return []
        return sorted(body) if isinstance(body, dict) else []

    @property
    def case_id(self) -> str | None:
        try:
            body = json.loads(self.body)
        except ValueError:
            return None
        value = body.get("case_id") if isinstance(body, dict) else None
        return value if isinstance(value, str) else None

    def summary(self) -> dict:
        """What an operator sees of it: ids, times, the reason, the fields by name."""
        return {
            "message_id": self.message_id,
            "case_id": self.case_id,
            "sent_at": self.sent_at,
            "receive_count": self.receive_count,
            "reason": self.reason or "(без причины / no reason given)",
            "source_queue": self.source_queue,
            "fields": self.fields,
        }


@dataclass(frozen=True)
class Pair:
    """A dead-letter queue and the queue its messages came from."""

    logical_id: str  # of the dead-letter queue
    dlq_url: str
    dlq_arn: str
    source_url: str
    source_arn: str


def client(endpoint_url: str | None = None, region: str | None = None):
    if endpoint_url is None:
        endpoint_url = os.environ.get("AWS_ENDPOINT_URL", LOCAL_ENDPOINT)
    endpoint_url = endpoint_url or None  # "" is real AWS
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    kwargs = {}
    if endpoint_url and not os.environ.get("AWS_ACCESS_KEY_ID"):
        kwargs = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    return boto3.client(
        "sqs", endpoint_url=endpoint_url, region_name=region or "eu-central-1", **kwargs
    )


def dead_letter_logical_id(queue: str) -> str:
    """`routing`, `RoutingQueue` or `RoutingDeadLetterQueue` → `RoutingDeadLetterQueue`."""
    name = queue.strip()
    if name.lower() in SHORT_NAMES:
        return SHORT_NAMES[name.lower()] + "DeadLetterQueue"
    if name.endswith("DeadLetterQueue"):
        return name
    if name.endswith("Queue"):
        return name.removesuffix("Queue") + "DeadLetterQueue"
    raise ValueError(f"not a queue of template.yaml: {queue!r}")


def find_queue(sqs, logical_id: str, prefix: str) -> str:
    """The URL of a queue by logical id: `<prefix><logical id>`, or the one name containing
    the logical id under `prefix` (a deployed stack)."""
    urls = sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls") or []
    names = {url.rsplit("/", 1)[-1]: url for url in urls}
    if prefix + logical_id in names:
        return names[prefix + logical_id]
    found = [
        url
        for name, url in names.items()
        if f"-{logical_id}-" in name or name.endswith(f"-{logical_id}") or name == logical_id
    ]
    if len(found) != 1:
        raise LookupError(f"queue {logical_id} under {prefix!r}: {len(found)} found")
    return found[0]


def pair(sqs, queue: str, prefix: str = DEFAULT_PREFIX) -> Pair:
    dlq_id = dead_letter_logical_id(queue)
    source_id = dlq_id.replace("DeadLetterQueue", "Queue")
    dlq_url = find_queue(sqs, dlq_id, prefix)
    source_url = find_queue(sqs, source_id, prefix)
    return Pair(dlq_id, dlq_url, _arn(sqs, dlq_url), source_url, _arn(sqs, source_url))


def _arn(sqs, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


def peek(sqs, url: str, *, hide_for: int = PEEK_SECONDS, limit: int = 1000) -> list[DeadLetter]:
    """The queue's messages, each received once and hidden for `hide_for` seconds (long
    enough to list them all without seeing one twice); `release` shows them again."""
    seen: dict[str, DeadLetter] = {}
    while len(seen) < limit:
        answer = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=hide_for,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = answer.get("Messages") or []
        if not messages:
            break
        for m in messages:
            attributes = m.get("MessageAttributes") or {}
            system = m.get("Attributes") or {}
            sent = system.get("SentTimestamp")
            seen[m["MessageId"]] = DeadLetter(
                message_id=m["MessageId"],
                receipt_handle=m["ReceiptHandle"],
                body=m["Body"],
                reason=(attributes.get("reason") or {}).get("StringValue", ""),
                source_queue=(attributes.get("source_queue") or {}).get("StringValue", ""),
                sent_at=int(sent) / 1000 if sent else None,
                receive_count=int(system.get("ApproximateReceiveCount") or 0),
                attributes=attributes,
            )
    return list(seen.values())


def release(sqs, url: str, letters: Iterable[DeadLetter]) -> None:
    """Make listed messages visible again at once."""
    letters = list(letters)
    for start in range(0, len(letters), 10):
        chunk = letters[start : start + 10]
        sqs.change_message_visibility_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": 0}
                for i, m in enumerate(chunk)
            ],
        )


def list_dead_letters(sqs, queue: str, prefix: str = DEFAULT_PREFIX) -> list[DeadLetter]:
    """A dead-letter queue's messages, left in it."""
    where = pair(sqs, queue, prefix)
    letters = peek(sqs, where.dlq_url)
    release(sqs, where.dlq_url, letters)
    return letters


def move_back(sqs, queue: str, prefix: str = DEFAULT_PREFIX) -> tuple[str, int]:
    """Move a dead-letter queue's messages back to their queue: ("task", 0) when SQS's own move
    task took it over (it runs on in the background), else ("copied", how many)."""
    where = pair(sqs, queue, prefix)
    try:
        sqs.start_message_move_task(SourceArn=where.dlq_arn, DestinationArn=where.source_arn)
        return "task", 0
    except ClientError as error:  # moto answers 500, LocalStack NotImplemented: copy instead
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("AccessDenied", "AccessDeniedException"):
            raise
    moved = 0
    while True:
        letters = peek(sqs, where.dlq_url, hide_for=30)
        if not letters:
            return "copied", moved
        for letter in letters:
            attributes = {
                k: {key: v[key] for key in ("DataType", "StringValue") if key in v}
                for k, v in letter.attributes.items()
            }
            request = {"QueueUrl": where.source_url, "MessageBody": letter.body}
            if attributes:
                request["MessageAttributes"] = attributes
            sqs.send_message(**request)
            sqs.delete_message(QueueUrl=where.dlq_url, ReceiptHandle=letter.receipt_handle)
            moved += 1


def render(letters: list[DeadLetter], *, bodies: bool = False) -> str:
    if not letters:
        return "Очередь пуста. / The dead-letter queue is empty."
    lines = []
    now = time.time()
    for letter in letters:
        s = letter.summary()
        age = f"{(now - s['sent_at']) / 3600:.1f} h" if s["sent_at"] else "?"
        lines.append(
            f"- {s['message_id']}  case {s['case_id'] or '—'}  age {age}  "
            f"received {s['receive_count']}x\n  reason: {s['reason']}\n"
            f"  fields: {', '.join(s['fields']) or '—'}"
        )
        if bodies:
            lines.append(f"  body: {letter.body}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.redrive", description=__doc__.split("\n")[0]
    )
    parser.add_argument("queue", help="RoutingDeadLetterQueue, RoutingQueue or routing, ...")
    parser.add_argument("--move", action="store_true", help="move the messages back")
    parser.add_argument("--body", action="store_true", help="print the bodies too")
    parser.add_argument(
        "--prefix", default=os.environ.get("LOCAL_RESOURCE_PREFIX") or DEFAULT_PREFIX
    )
    args = parser.parse_args(argv)
    sqs = client()
    try:
        letters = list_dead_letters(sqs, args.queue, args.prefix)
        print(f"{dead_letter_logical_id(args.queue)}: {len(letters)}")
        print(render(letters, bodies=args.body))
        if args.move and letters:
            how, moved = move_back(sqs, args.queue, args.prefix)
            if how == "task":
                print("Перенос запущен (StartMessageMoveTask). / Move task started.")
            else:
                print(f"Перенесено / moved back: {moved}")
    except (ValueError, LookupError, ClientError) as error:
        print(f"Ошибка / error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
