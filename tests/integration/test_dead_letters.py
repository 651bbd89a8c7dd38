"""Dead letters an operator sees: every message in a dead-letter queue carries its reason, each
consumer may reach exactly its own dead-letter queue, every dead-letter queue raises an alarm,
and `make redrive` lists and moves them back (moto, the integration fixtures)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from flask import Flask

from local import ops, redrive
from local.cfn import load
from local.events import sqs_event, sqs_record
from otklik.bootstrap import deps
from otklik.entrypoints.batch import QueueMessage, consume
from tests.integration.test_template import CONSUMERS, FUNCTIONS, function_setting

TEMPLATE = load()
DLQS = {queue: queue.replace("Queue", "DeadLetterQueue") for queue in CONSUMERS}


@pytest.fixture
def sqs(aws):
    return boto3.client("sqs", endpoint_url=aws.aws.endpoint_url, region_name=aws.env["AWS_REGION"])


def dead_letters(aws, sqs, queue: str = "RoutingDeadLetterQueue") -> dict[str, str]:
    """Body → reason of the messages in a dead-letter queue (left there)."""
    letters = redrive.list_dead_letters(sqs, queue, aws.prefix)
    return {m.body: m.reason for m in letters}


def routing_record(aws, body: str, receive_count: int = 1) -> dict:
    return sqs_record(
        body,
        queue_arn=aws.created.queue_arns["RoutingQueue"],
        message_id=uuid.uuid4().hex,
        receive_count=receive_count,
        region=aws.env["AWS_REGION"],
    )


# -- the reason on every dead letter ---------------------------------------------------------------


def test_a_malformed_message_is_dead_lettered_at_once_with_its_reason(
    aws, sqs, handler, lambda_context
):
    body = json.dumps({"message_id": uuid.uuid4().hex, "case_id": 42, "note": "Ирина Петрова"})

    answer = handler("routing")(sqs_event([routing_record(aws, body)]), lambda_context)

    assert answer == {"batchItemFailures": []}
    reason = dead_letters(aws, sqs)[body]
    assert reason.startswith("malformed message: ") and "case_id: expected str" in reason
    assert "42" not in reason and "Ирина" not in reason  # fields by name, never their values


def test_a_failing_step_is_retried_before_its_last_delivery(aws, sqs, handler, lambda_context):
    body = json.dumps({"message_id": uuid.uuid4().hex, "case_id": f"no-such-{uuid.uuid4().hex}"})
    record = routing_record(aws, body, receive_count=4)

    with pytest.raises(BatchProcessingError):  # the whole batch failed: SQS delivers it again
        handler("routing")(sqs_event([record]), lambda_context)

    assert body not in dead_letters(aws, sqs)


def test_on_its_last_delivery_a_failing_message_is_dead_lettered_with_its_reason(
    aws, sqs, handler, lambda_context
):
    case_id = f"no-such-{uuid.uuid4().hex}"
    body = json.dumps({"message_id": uuid.uuid4().hex, "case_id": case_id})
    record = routing_record(aws, body, receive_count=5)  # = RoutingQueue's maxReceiveCount

    answer = handler("routing")(sqs_event([record]), lambda_context)

    assert answer == {"batchItemFailures": []}  # done: SQS will not move it without a reason
    reason = dead_letters(aws, sqs)[body]
    assert reason.startswith("failed on its last delivery (5 of 5): NotFound: ")
    assert "fields: case_id, message_id" in reason
    assert case_id not in reason


@dataclass(frozen=True, kw_only=True)
class Named(QueueMessage):
    case_id: str
    context: dict


def test_a_value_the_exception_repeats_is_named_not_shown(aws, sqs, lambda_context, monkeypatch):
    monkeypatch.setenv("QUEUE_MAX_RECEIVES", "3")
    body = {
        "message_id": uuid.uuid4().hex,
        "case_id": uuid.uuid4().hex,
        "context": {"author": {"name": "Ирина Петрова"}},
    }

    def step(message: Named) -> None:
        raise ValueError(f"cannot greet {message.context['author']['name']} " + "x" * 500)

    record = routing_record(aws, json.dumps(body), receive_count=3)
    answer = consume(deps(), sqs_event([record]), lambda_context, Named, step, "test-named")

    assert answer == {"batchItemFailures": []}
    reason = dead_letters(aws, sqs)[json.dumps(body)]
    assert "ValueError: cannot greet <context.author.name>" in reason
    assert "Ирина" not in reason
    assert len(reason) < 600  # the exception's message is truncated


def test_without_the_setting_sqs_alone_dead_letters(aws, sqs, handler, lambda_context, monkeypatch):
    monkeypatch.delenv("QUEUE_MAX_RECEIVES")
    body = json.dumps({"message_id": uuid.uuid4().hex, "case_id": f"no-such-{uuid.uuid4().hex}"})
    record = routing_record(aws, body, receive_count=9)

    with pytest.raises(BatchProcessingError):
        handler("routing")(sqs_event([record]), lambda_context)

    assert body not in dead_letters(aws, sqs)


# -- the template: permissions, the receive count, alarms ------------------------------------------


def statements(logical_id: str) -> list[dict]:
    found = []
    for policy in function_setting(logical_id, "Policies") or []:
        found += policy.get("Statement", []) if isinstance(policy, dict) else []
    return found


def refs(value) -> set[str]:
    """Logical ids a value points at (`!GetAtt X.Arn`, `!Ref X`, `!GetAtt X.QueueName`)."""
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            return {value["Fn::GetAtt"][0]}
        if "Ref" in value:
            return {value["Ref"]}
        return set().union(*(refs(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(refs(v) for v in value)) if value else set()
    return set()


@pytest.mark.parametrize(("queue", "consumer"), sorted(CONSUMERS.items()))
def test_each_consumer_may_read_its_own_redrive_policy_and_send_to_its_own_dlq(queue, consumer):
    dlq = DLQS[queue]
    granted = {}
    for statement in statements(consumer):
        actions = statement["Action"]
        for action in actions if isinstance(actions, list) else [actions]:
            for target in refs(statement["Resource"]):
                granted.setdefault(target, set()).add(action)
    assert granted[dlq] == {"sqs:GetQueueUrl", "sqs:SendMessage"}
    assert {"sqs:GetQueueUrl", "sqs:GetQueueAttributes"} <= granted[queue]
    # nothing on another queue's dead letters, and no lookup of other queues
    assert not {q for q in DLQS.values() if q != dlq} & set(granted)
    for target, actions in granted.items():
        if target != queue and target in CONSUMERS:
            assert actions.isdisjoint({"sqs:GetQueueUrl", "sqs:GetQueueAttributes"}), target


def test_no_other_function_touches_a_dead_letter_queue():
    for logical_id in set(FUNCTIONS) - set(CONSUMERS.values()):
        assert not refs(function_setting(logical_id, "Policies")) & set(DLQS.values()), logical_id


@pytest.mark.parametrize(("queue", "consumer"), sorted(CONSUMERS.items()))
def test_each_consumer_knows_its_queues_max_receive_count(queue, consumer):
    variables = TEMPLATE["Resources"][consumer]["Properties"]["Environment"]["Variables"]
    redrive_policy = TEMPLATE["Resources"][queue]["Properties"]["RedrivePolicy"]
    assert int(variables["QUEUE_MAX_RECEIVES"]) == redrive_policy["maxReceiveCount"]


def test_every_dead_letter_queue_has_an_alarm_to_the_operators():
    resources = TEMPLATE["Resources"]
    alarms = {k: v["Properties"] for k, v in resources.items() if v["Type"].endswith("::Alarm")}
    watched = {}
    for alarm in alarms.values():
        (dimension,) = alarm["Dimensions"]
        assert dimension["Name"] == "QueueName"
        watched[dimension["Value"]["Fn::GetAtt"][0]] = alarm
        assert dimension["Value"]["Fn::GetAtt"][1] == "QueueName"
    assert set(watched) == set(DLQS.values())
    for alarm in watched.values():
        assert alarm["Namespace"] == "AWS/SQS"
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["Threshold"] == 0
        assert alarm["AlarmActions"] == [{"Ref": "OperatorAlarmTopic"}]
    topic = resources["OperatorAlarmTopic"]
    assert topic["Type"] == "AWS::SNS::Topic"
    assert topic["Properties"]["Subscription"] == [
        {"Protocol": "email", "Endpoint": {"Ref": "OperatorEmail"}}
    ]
    assert "Default" not in TEMPLATE["Parameters"]["OperatorEmail"]


def test_retention_is_a_parameter_of_36_months_given_to_the_sweeper():
    assert TEMPLATE["Parameters"]["RetentionMonths"]["Default"] == 36
    variables = TEMPLATE["Resources"]["SweeperFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["RETENTION_MONTHS"] == {"Ref": "RetentionMonths"}


# -- make redrive and the ops page -----------------------------------------------------------------


def put_dead_letter(aws, sqs, body: str, reason: str) -> None:
    sqs.send_message(
        QueueUrl=aws.created.queues["MonitoringDeadLetterQueue"],
        MessageBody=body,
        MessageAttributes={"reason": {"DataType": "String", "StringValue": reason}},
    )


def test_redrive_lists_with_reasons_then_moves_them_back(aws, sqs):
    bodies = [json.dumps({"message_id": uuid.uuid4().hex, "kind": "x"}) for _ in range(3)]
    for n, body in enumerate(bodies):
        put_dead_letter(aws, sqs, body, f"reason {n}")

    listed = redrive.list_dead_letters(sqs, "MonitoringDeadLetterQueue", aws.prefix)
    assert {m.body: m.reason for m in listed if m.body in bodies} == {
        b: f"reason {n}" for n, b in enumerate(bodies)
    }
    again = redrive.list_dead_letters(sqs, "monitoring", aws.prefix)  # listing changes nothing
    assert set(bodies) <= {m.body for m in again}
    assert "reason 0" in redrive.render(again) and "kind, message_id" in redrive.render(again)
    assert bodies[0] not in redrive.render(again)  # no bodies unless asked

    how, moved = redrive.move_back(sqs, "MonitoringQueue", aws.prefix)

    assert how == "copied" and moved >= 3  # moto has no StartMessageMoveTask
    assert not set(bodies) & {
        m.body for m in redrive.peek(sqs, aws.created.queues["MonitoringDeadLetterQueue"])
    }
    back = redrive.peek(sqs, aws.created.queues["MonitoringQueue"], hide_for=60)
    mine = [m for m in back if m.body in bodies]
    assert sorted(m.body for m in mine) == sorted(bodies)
    for m in mine:  # out of the way of the other tests' consumers
        sqs.delete_message(
            QueueUrl=aws.created.queues["MonitoringQueue"], ReceiptHandle=m.receipt_handle
        )


def test_redrive_uses_the_move_task_where_sqs_has_it(aws, sqs, monkeypatch):
    calls = []
    monkeypatch.setattr(
        sqs,
        "start_message_move_task",
        lambda **kw: calls.append(kw) or {"TaskHandle": "t"},
        raising=False,
    )
    assert redrive.move_back(sqs, "routing", aws.prefix) == ("task", 0)
    assert calls == [
        {
            "SourceArn": aws.created.queue_arns["RoutingDeadLetterQueue"],
            "DestinationArn": aws.created.queue_arns["RoutingQueue"],
        }
    ]


def test_redrive_command_lists_a_queue(aws, capsys, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.aws.endpoint_url)
    body = json.dumps({"message_id": uuid.uuid4().hex, "template": "t"})
    sqs = redrive.client()
    sqs.send_message(
        QueueUrl=aws.created.queues["NotificationDeadLetterQueue"],
        MessageBody=body,
        MessageAttributes={"reason": {"DataType": "String", "StringValue": "the reason"}},
    )
    assert redrive.main(["NotificationDeadLetterQueue", "--prefix", aws.prefix]) == 0
    out = capsys.readouterr().out
    assert "NotificationDeadLetterQueue:" in out and "the reason" in out
    assert redrive.main(["NoSuchThing"]) == 1


def test_the_ops_page_lists_each_dead_letter_queue_with_reasons(aws, sqs):
    body = json.dumps({"message_id": uuid.uuid4().hex, "case_id": "c-ops", "secret": "Ирина"})
    put_dead_letter(aws, sqs, body, "malformed message: secret: unexpected")
    app = Flask("ops-test")
    app.register_blueprint(
        ops.blueprint(aws.created, endpoint_url=aws.aws.endpoint_url, region=aws.env["AWS_REGION"]),
        url_prefix="/ops",
    )
    web = app.test_client()

    listed = web.get("/ops/api").get_json()
    page = web.get("/ops/").get_data(as_text=True)

    assert set(listed) == set(DLQS.values())
    (mine,) = [m for m in listed["MonitoringDeadLetterQueue"] if m["case_id"] == "c-ops"]
    assert mine["reason"] == "malformed message: secret: unexpected"
    assert mine["fields"] == ["case_id", "message_id", "secret"]
    assert "malformed message: secret: unexpected" in page and "c-ops" in page
    assert "Ирина" not in page  # bodies are not shown
