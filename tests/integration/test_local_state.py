"""The local run's snapshot (local/state.py) against moto's backends: what is captured comes
back as it was (nested maps updated in place, binary values, queued and in-flight messages with
their attributes, the mailbox, S3 objects), the file is replaced whole, and a state folder has
one run.

In-process moto through `mock_aws` (the session's long-lived server is in a child process)."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID

from local.state import Folder, MailCache, StateError, capture, restore, restore_s3

REGION = "eu-central-1"


def _resources(dynamodb, sqs, suffix: str) -> tuple[dict, dict]:
    name = f"t-{suffix}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    url = sqs.create_queue(QueueName=f"q-{suffix}")["QueueUrl"]
    return {"Table": name}, {"Queue": url}


@pytest.fixture(autouse=True)
def in_process_moto(monkeypatch):
    """The clients below talk to this process's moto, whose memory the snapshot reads, even
    when another test of the session pointed AWS at a moto server."""
    for service in ("AWS", "DYNAMODB", "SQS", "SES", "S3"):
        monkeypatch.delenv(f"{service}_ENDPOINT_URL", raising=False)


def test_a_snapshot_restores_items_messages_and_mail_as_they_were(tmp_path):
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        ses = boto3.client("ses", region_name=REGION)
        tables, queues = _resources(dynamodb, sqs, "a")
        item = {
            "k": {"S": "case-1"},
            "n": {"N": "1.5"},
            "b": {"B": b"\x00\x01"},
            "m": {"M": {"x": {"L": [{"S": "y"}, {"M": {"z": {"BOOL": True}}}, {"NULL": True}]}}},
            "ss": {"SS": ["a", "b"]},
        }
        dynamodb.put_item(TableName=tables["Table"], Item=item)
        dynamodb.update_item(  # moto changes the item in place
            TableName=tables["Table"],
            Key={"k": {"S": "case-1"}},
            UpdateExpression="SET m.x[0] = :v",
            ExpressionAttributeValues={":v": {"S": "changed"}},
        )
        url = queues["Queue"]
        sqs.send_message(
            QueueUrl=url,
            MessageBody='{"case_id": "case-1"}',
            MessageAttributes={"reason": {"DataType": "String", "StringValue": "why"}},
        )
        sqs.send_message(QueueUrl=url, MessageBody='{"case_id": "case-2"}')
        in_flight = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=600)
        assert len(in_flight["Messages"]) == 1
        ses.verify_email_identity(EmailAddress="otklik@otklik.local")
        ses.send_email(
            Source="otklik@otklik.local",
            Destination={"ToAddresses": ["tech@otklik.local"]},
            Message={"Subject": {"Data": "Тема"}, "Body": {"Text": {"Data": "Письмо"}}},
        )
        s3 = boto3.client("s3", region_name=REGION)
        location = {"LocationConstraint": REGION}
        s3.create_bucket(Bucket="attachments-a", CreateBucketConfiguration=location)
        s3.put_object(
            Bucket="attachments-a",
            Key="cases/case-1/фото.jpg",
            Body=b"\xff\xd8photo",
            ContentType="image/jpeg",
            Metadata={"case": "case-1"},
        )
        buckets = {"Bucket": "attachments-a"}
        before = dynamodb.get_item(TableName=tables["Table"], Key={"k": {"S": "case-1"}})["Item"]
        names = {"Queue": url.rsplit("/", 1)[-1]}
        folder = Folder(tmp_path / "state")
        folder.acquire()
        for _ in range(2):  # the second snapshot finds the object's body kept already
            state = capture(
                tables,
                names,
                account=DEFAULT_ACCOUNT_ID,
                region=REGION,
                mail=MailCache(),
                buckets=buckets,
            )
            folder.write(state)
        folder.release()
        assert len(list((tmp_path / "state" / "objects").iterdir())) == 1
        saved = json.loads((tmp_path / "state" / "state.json").read_text())
        assert not (tmp_path / "state" / "state.json.tmp").exists()
        assert len(saved["mail"]) == 1

    with mock_aws():  # a fresh moto: the next run
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        tables, queues = _resources(dynamodb, sqs, "a")
        counts = restore(
            Folder(tmp_path / "state").read(),
            tables,
            queues,
            account=DEFAULT_ACCOUNT_ID,
            region=REGION,
        )
        assert counts == {"items": 1, "messages": 2, "mail": 1}
        s3 = boto3.client("s3", region_name=REGION)
        location = {"LocationConstraint": REGION}
        s3.create_bucket(Bucket="attachments-a", CreateBucketConfiguration=location)
        kept = Folder(tmp_path / "state")
        assert restore_s3(kept.read(), kept, {"Bucket": "attachments-a"}, s3) == 1
        got = s3.get_object(Bucket="attachments-a", Key="cases/case-1/фото.jpg")
        assert got["Body"].read() == b"\xff\xd8photo"
        assert got["ContentType"] == "image/jpeg" and got["Metadata"] == {"case": "case-1"}
        after = dynamodb.get_item(TableName=tables["Table"], Key={"k": {"S": "case-1"}})["Item"]
        assert after == before
        assert after["b"] == {"B": b"\x00\x01"}
        # both messages visible at once, the one in flight included, attributes kept
        got = sqs.receive_message(
            QueueUrl=queues["Queue"],
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        )["Messages"]
        assert sorted(m["Body"] for m in got) == ['{"case_id": "case-1"}', '{"case_id": "case-2"}']
        first = next(m for m in got if "case-1" in m["Body"])
        assert first["MessageAttributes"]["reason"]["StringValue"] == "why"
        received_twice = [m for m in got if m["Attributes"]["ApproximateReceiveCount"] == "2"]
        assert len(received_twice) == 1  # the one in flight keeps its count
        from moto.ses.models import ses_backends

        (letter,) = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
        assert letter.subject == "Тема" and letter.destinations["ToAddresses"] == [
            "tech@otklik.local"
        ]


def test_a_state_folder_has_one_run_and_an_unreadable_snapshot_says_how_to_start_clean(
    tmp_path,
):
    first, second = Folder(tmp_path / "s"), Folder(tmp_path / "s")
    first.acquire()
    with pytest.raises(StateError, match="Another local run is using the state folder"):
        second.acquire()
    first.snapshot.write_text("{not json")
    with pytest.raises(StateError, match="make reset"):
        first.read()
    first.clear()
    assert first.read() is None
    first.release()
    second.acquire()  # free again
    second.release()


def test_a_claim_of_the_dead_run_is_not_restored_so_its_message_is_processed_at_once(
    tmp_path, monkeypatch
):
    """A consumer killed mid-step left its claim on the message in the snapshot: restored, the
    redelivered message would be turned away as in progress until the lease and then the
    visibility timeout ran out. What the dead run finished stays remembered."""
    from otklik.adapters.keys import DynamoKeyStore
    from otklik.adapters.tables import IdempotencyRecord
    from otklik.entrypoints.batch import DONE

    def bind(name: str) -> None:
        monkeypatch.setattr(IdempotencyRecord.Meta, "table_name", name)
        monkeypatch.setattr(IdempotencyRecord.Meta, "region", REGION)
        monkeypatch.setattr(IdempotencyRecord.Meta, "host", None)
        monkeypatch.setattr(IdempotencyRecord, "_connection", None)

    def idempotency_table(dynamodb) -> dict:
        dynamodb.create_table(
            TableName="keys",
            KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        bind("keys")
        return {"IdempotencyTable": "keys"}

    store = DynamoKeyStore()
    with mock_aws():
        tables = idempotency_table(boto3.client("dynamodb", region_name=REGION))
        store.remember("consumed:routing:finished", DONE, lifetime=3600)
        assert store.claim("consumed:routing:cut-off", lease=600)
        state = capture(tables, {}, account=DEFAULT_ACCOUNT_ID, region=REGION)

    with mock_aws():
        tables = idempotency_table(boto3.client("dynamodb", region_name=REGION))
        counts = restore(state, tables, {}, account=DEFAULT_ACCOUNT_ID, region=REGION)
        assert counts["items"] == 1
        assert store.seen("consumed:routing:finished") == DONE
        assert store.seen("consumed:routing:cut-off") is None
        assert store.claim("consumed:routing:cut-off", lease=600)
