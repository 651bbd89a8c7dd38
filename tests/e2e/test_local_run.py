"""The local run itself: what `make run` and `make invoke` promise beyond the API.

The template is read with CloudFormation's short tags; its tables and queues exist as declared
(indexes, TTL, visibility timeout, redrive to the dead-letter queue); a record a consumer fails
comes back and lands in the dead-letter queue after `maxReceiveCount`; the schedule fires the
sweeper with the event's `time` as now; the simulated monitoring system accepts only signed
calls; `python -m local`, `python -m local.simulator` and `python -m local.invoke` work as
documented.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import boto3
import pytest

from local import ROOT, cfn
from local.run import free_port
from local.workers import Consumer, Workers
from otklik.signing import sign

BARNAUL = ZoneInfo("Asia/Barnaul")


def aws_client(system, service: str):
    return boto3.client(
        service, region_name=system.env["AWS_REGION"], endpoint_url=system.aws.endpoint_url
    )


# -- the template --------------------------------------------------------------------------------


def test_short_tags_load_as_their_long_forms():
    loaded = cfn.loads(
        """
        A: !Ref Table
        B: !GetAtt Queue.Arn
        C: !Sub "${AWS::StackName}-x"
        D: !If [Cond, !Select [0, !Split [",", "a,b"]], !Join ["-", [x, y]]]
        E: !Not [!Equals [!Ref P, ""]]
        """
    )
    assert loaded == {
        "A": {"Ref": "Table"},
        "B": {"Fn::GetAtt": ["Queue", "Arn"]},
        "C": {"Fn::Sub": "${AWS::StackName}-x"},
        "D": {
            "Fn::If": [
                "Cond",
                {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]},
                {"Fn::Join": ["-", ["x", "y"]]},
            ]
        },
        "E": {"Fn::Not": [{"Fn::Equals": [{"Ref": "P"}, ""]}]},
    }
    resolver = cfn.Resolver(
        {"Parameters": {"P": {"Default": ""}}, "Conditions": {"Cond": loaded["E"]}},
        region="eu-central-1",
    )
    assert resolver(loaded["C"]) == "otklik-x"
    assert resolver(loaded["D"]) == "x-y"


def test_the_template_loader_reads_dates_as_text_and_refuses_a_repeated_key():
    assert cfn.loads("AWSTemplateFormatVersion: 2010-09-09\n") == {
        "AWSTemplateFormatVersion": "2010-09-09"
    }
    with pytest.raises(cfn.TemplateError, match="duplicate key 'A'"):
        cfn.loads("A: 1\nB: 2\nA: 3\n")


def test_every_table_and_queue_of_the_template_exists_as_declared(local_system):
    template = local_system.template
    dynamodb = aws_client(local_system, "dynamodb")
    for logical_id, resource in cfn.resources(template, "AWS::DynamoDB::Table").items():
        declared = resource["Properties"]
        table = dynamodb.describe_table(TableName=local_system.created.tables[logical_id])["Table"]
        assert table["KeySchema"] == declared["KeySchema"]
        assert {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])} == {
            i["IndexName"] for i in declared.get("GlobalSecondaryIndexes", [])
        }
        ttl = dynamodb.describe_time_to_live(TableName=table["TableName"])["TimeToLiveDescription"]
        if "TimeToLiveSpecification" in declared:
            assert ttl["TimeToLiveStatus"] == "ENABLED"
            assert ttl["AttributeName"] == declared["TimeToLiveSpecification"]["AttributeName"]

    sqs = aws_client(local_system, "sqs")
    for logical_id, resource in cfn.resources(template, "AWS::SQS::Queue").items():
        declared = resource["Properties"]
        attributes = sqs.get_queue_attributes(
            QueueUrl=local_system.created.queues[logical_id], AttributeNames=["All"]
        )["Attributes"]
        if "VisibilityTimeout" in declared:
            assert attributes["VisibilityTimeout"] == str(declared["VisibilityTimeout"])
        if "RedrivePolicy" in declared:
            redrive = json.loads(attributes["RedrivePolicy"])
            dlq = declared["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            assert redrive["deadLetterTargetArn"] == local_system.created.queue_arns[dlq]
            assert int(redrive["maxReceiveCount"]) == declared["RedrivePolicy"]["maxReceiveCount"]

    for name in ("CASES_TABLE", "OUTBOX_TABLE", "ROUTING_QUEUE_URL", "MONITORING_QUEUE_URL"):
        assert os.environ[name] == local_system.env[name]


# -- queue consumers and the schedule ------------------------------------------------------------


def test_a_record_whose_step_fails_returns_then_lands_in_the_dead_letter_queue(
    local_system,
):
    sqs = aws_client(local_system, "sqs")
    suffix = free_port()
    dlq_url = sqs.create_queue(QueueName=f"poison-dlq-{suffix}")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url = sqs.create_queue(
        QueueName=f"poison-{suffix}",
        Attributes={
            "VisibilityTimeout": "1",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}),
        },
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    routing = next(c for c in local_system.workers.consumers if c.queue_id == "RoutingQueue")
    consumer = Consumer("PoisonQueue", url, arn, routing.function)
    workers = Workers([consumer], [], sqs, region=local_system.env["AWS_REGION"])

    failing = json.dumps({"message_id": "m-1", "case_id": "no-such-case"})
    sqs.send_message(QueueUrl=url, MessageBody=failing)  # its step fails: retried
    sqs.send_message(QueueUrl=url, MessageBody="это не JSON")  # malformed: dead-lettered
    assert workers.poll(consumer) == 2
    assert consumer.failed == 1
    time.sleep(1.2)
    assert workers.poll(consumer) == 1  # back after the visibility timeout
    assert consumer.failed == 2
    time.sleep(1.2)
    assert workers.poll(consumer) == 0  # received twice: moto moved it to the DLQ
    dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    assert sorted(m["Body"] for m in dead.get("Messages", [])) == sorted([failing, "это не JSON"])


def test_the_schedule_fires_the_sweeper_which_escalates_a_missed_deadline(
    local_system, client, message
):
    long_ago = datetime.now(BARNAUL) - timedelta(days=20)
    reply = client.deliver(message(detected_at=long_ago.replace(microsecond=0).isoformat()))
    assert reply.status == 201, reply.body
    case_id = reply["case_id"]
    local_system.drain()

    now = datetime.now(UTC).replace(microsecond=0)
    (summary,) = local_system.workers.sweep(now)
    assert datetime.fromisoformat(summary["now"]) == now
    case = client.get(f"/api/v1/cases/{case_id}", as_="tech").body
    breaches = [e for e in case["escalations"] if e["kind"] == "breach"]
    assert "answer_due" in {e["timer"] for e in breaches}
    assert all(e["notified"] for e in breaches)

    # once per timer, kind and level: a sweep at the same instant adds nothing, a later one
    # only what has come due since (a warning may, depending on the time of day)
    local_system.workers.sweep(now)
    again = client.get(f"/api/v1/cases/{case_id}", as_="tech").body
    assert again["escalations"] == case["escalations"]
    local_system.workers.sweep(now + timedelta(minutes=5))
    later = client.get(f"/api/v1/cases/{case_id}", as_="tech").body["escalations"]
    keys = [(e["timer"], e["kind"], e["level"]) for e in later]
    assert len(keys) == len(set(keys))
    assert later[: len(case["escalations"])] == case["escalations"]


# -- the gateway -----------------------------------------------------------------------------------


def test_every_api_answer_carries_the_security_headers(client):
    answers = [
        client.get("/api/v1/me", as_="head"),
        client.request("GET", "/api/v1/cases"),  # 401
        client.request("GET", "/api/v1/no-such-route"),  # 404 of the resolver
        client.get("/api/v1/reports/monthly?format=html", as_="head"),
    ]
    for answer in answers:
        headers = {k.lower(): v for k, v in answer.headers.items()}
        assert headers["x-content-type-options"] == "nosniff", answer.status
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-frame-options"] == "DENY"
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and csp.startswith("default-src 'none'")
    assert (
        "style-src 'unsafe-inline'"
        in {k.lower(): v for k, v in answers[-1].headers.items()}["content-security-policy"]
    )


def test_the_gateway_passes_query_strings_and_serves_the_staff_page(client, base_url):
    listed = client.get("/api/v1/cases?status=received&overdue=false", as_="head")
    assert listed.status == 200, listed.body
    assert all(c["status"] == "received" for c in listed["cases"])
    bad = client.get("/api/v1/cases?status=no-such-status", as_="head")
    assert bad.status == 422
    assert bad["error"]["code"]
    with urllib.request.urlopen(base_url + "/") as page:
        assert page.status == 200
        assert page.headers.get_content_type() == "text/html"
    for served in ("/", "/app.js", "/style.css", "/calendar.json", "/vocabulary.json"):
        with urllib.request.urlopen(base_url + served) as part:
            assert part.status == 200, served
            assert "frame-ancestors 'none'" in part.headers["Content-Security-Policy"]
            assert part.headers["X-Content-Type-Options"] == "nosniff"
            assert part.headers["Referrer-Policy"] == "no-referrer"
    for hidden in ("/build_data.py", "/README.md", "/../README.md"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base_url + hidden)
        assert refused.value.code == 404, hidden


# -- the simulated monitoring system ---------------------------------------------------------


def _post(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_simulator_takes_only_signed_calls_from_the_system(local_system, base_url):
    body = json.dumps({"kind": "published", "case_id": "x", "url": "https://vk.com/1"}).encode()
    inbound = base_url + "/sim/api/v1/inbound"
    json_type = {"Content-Type": "application/json"}
    assert _post(inbound, body, json_type) == 401
    forged = sign(body, "not-the-secret", int(time.time()))
    assert _post(inbound, body, {**json_type, "X-Signature": forged}) == 401
    good = sign(body, local_system.env["MONITORING_WEBHOOK_SECRET"], int(time.time()))
    headers = {**json_type, "X-Signature": good, "X-Request-Id": "req-sim-1"}
    assert _post(inbound, body, headers) == 200
    assert _post(inbound, body, headers) == 200  # a retry is recorded once
    calls = [c for c in local_system.simulator.calls("published") if c["case_id"] == "x"]
    assert len(calls) == 1
    assert calls[0]["deliveries"] == 2


def test_a_curator_works_through_the_simulators_page(local_system, client, base_url):
    # Each form of the page carries the simulator's CSRF token.
    csrf = {"csrf_token": local_system.simulator.csrf_token}
    form = urllib.parse.urlencode(
        {
            **csrf,
            "text": "На ул. Ленина в с. Зудилово яма, пробили колесо.",
            "topic": "Дороги",
            "location": "с. Зудилово",
            "importance": "high",
            "network": "vk",
            "author": "Пётр Ильин",
        }
    ).encode()
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    assert _post(base_url + "/sim/messages", form, form_type) == 200  # 303 → the page
    sent = local_system.simulator.sent[-1]
    assert sent["status"] == 201, sent
    case_id = sent["case_id"]
    local_system.drain()

    assert (
        client.post(
            f"/api/v1/cases/{case_id}/triage",
            {"decision": "accept", "departments": ["roads"]},
            as_="tech",
        ).status
        == 200
    )
    draft_id = client.post(
        f"/api/v1/cases/{case_id}/drafts", {"text": "Яму заделаем к пятнице."}, as_="roads"
    )["draft_id"]
    assert client.post(f"/api/v1/cases/{case_id}/drafts/{draft_id}/approve", as_="resp").status
    local_system.drain()
    with urllib.request.urlopen(base_url + "/sim/") as page:
        html = page.read().decode("utf-8")
    assert "Яму заделаем к пятнице." in html
    assert "Согласовать" in html and "Вернуть на доработку" in html

    decision = urllib.parse.urlencode(
        {
            **csrf,
            "external_id": sent["external_id"],
            "draft_id": draft_id,
            "event": "draft_approved",
        }
    ).encode()
    assert _post(base_url + "/sim/decisions", decision, form_type) == 200
    assert local_system.simulator.decisions[-1]["status"] == 200
    assert client.get(f"/api/v1/cases/{case_id}", as_="tech")["status"] == "approved"


def test_the_mailbox_page_shows_the_letters_the_system_sent(
    local_system, client, base_url, message
):
    post = message(text="Во дворе дома 7 по ул. Мира не горят фонари", topic="ЖКХ")
    assert client.deliver(post).status == 201
    local_system.drain()

    with urllib.request.urlopen(base_url + "/mail/?to=tech%40otklik.local") as page:
        html = page.read().decode("utf-8")

    assert "Отправленные письма" in html
    assert "Новое сообщение из открытых источников" in html
    assert post["url"] in html


# -- the commands ----------------------------------------------------------------------------


def _run(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
    )


def test_the_simulator_script_posts_a_signed_message(local_system, base_url):
    done = _run(
        [
            "-m",
            "local.simulator",
            "--base",
            base_url,
            "--secret",
            local_system.env["MONITORING_WEBHOOK_SECRET"],
            "send",
            "--text",
            "В доме 5 по ул. Школьной нет отопления.",
            "--topic",
            "ЖКХ",
            "--importance",
            "high",
        ]
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("HTTP 201")
    assert json.loads(done.stdout.partition("\n")[2])["status"] == "received"


def test_invoke_runs_one_function_on_a_sample_event_against_the_running_services(local_system):
    event = ROOT / "events" / "intake_message.json"
    # This system's moto (AWS_ENDPOINT_URL is in the environment) and its names.
    same = {"LOCAL_RESOURCE_PREFIX": local_system.prefix}
    done = _run(["-m", "local.invoke", "IntakeFunction", str(event)], same)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["statusCode"] in (200, 201), result
    case_id = json.loads(result["body"])["case_id"]
    # It ran against this system's tables, so the case is visible here.
    cases = aws_client(local_system, "dynamodb").get_item(
        TableName=local_system.created.tables["CasesTable"], Key={"case_id": {"S": case_id}}
    )
    assert "Item" in cases

    # A staff sample event gets a real token of the login its placeholder names.
    listed = ROOT / "events" / "staff_list_cases.json"
    if listed.exists():
        done = _run(["-m", "local.invoke", "StaffApiFunction", str(listed)], same)
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert result["statusCode"] == 200, result
        assert case_id in [c["case_id"] for c in json.loads(result["body"])["cases"]]


def test_python_m_local_serves_until_interrupted(local_system, tmp_path):
    port, moto_port = free_port(), free_port()
    state = tmp_path / "state"  # never the developer's .otklik/
    env = {  # a shell without this test session's settings
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k not in local_system.env
    }
    ports = ["--port", str(port), "--moto-port", str(moto_port)]
    process = subprocess.Popen(
        [sys.executable, "-m", "local", *ports, "--state-dir", str(state)],
        cwd=ROOT,
        env={**env, "PYTHONIOENCODING": "utf-8", "LOCAL_SWEEP_SECONDS": "3600"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Ctrl-C" in line:
                break
        output = "".join(lines)
        assert f"http://127.0.0.1:{port}/sim" in output, output
        login = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/auth/login",
            data=json.dumps({"login": "resp", "password": "demo"}).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(login, timeout=30) as response:
            assert response.status == 200
            assert json.loads(response.read())["token"]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0
    assert (state / "state.json").is_file()  # Ctrl-C saved the state
