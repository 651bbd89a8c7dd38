"""The client of the monitoring system over real HTTP against a fake of its receiving end
(tests/fakes/monitoring.py, built from the contract of docs/design.md): signed calls, one request
id across retries and kept once on their side, Retry-After honoured, a refusal not retried — and,
through the MonitoringOutboundFunction and the local API gateway, the curator's approval arriving
while our call is still in flight.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import boto3
import pytest

from local.run import free_port
from otklik import bootstrap
from otklik.adapters.monitoring import MonitoringClient, MonitoringRejected, MonitoringUnavailable
from otklik.bootstrap import deps
from otklik.domain.roles import Actor, Role
from otklik.entrypoints.schemas import MessageIn
from otklik.service import cases
from tests.fakes.monitoring import FakeMonitoring
from tests.integration.conftest import NAMESPACE, WEBHOOK_SECRET

BARNAUL = ZoneInfo("Asia/Barnaul")


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def monitoring():
    with FakeMonitoring(secret=WEBHOOK_SECRET) as fake:
        yield fake


def client(fake: FakeMonitoring, **overrides) -> MonitoringClient:
    options = {"sleep": Sleeps(), "budget_seconds": 10.0, "timeout": 5.0, **overrides}
    return MonitoringClient(fake.url, WEBHOOK_SECRET, **options)


# -- the client --------------------------------------------------------------------------------


def test_each_call_is_signed_and_carries_its_request_id(monitoring):
    c = client(monitoring)

    c.return_to_curator(
        request_id="r-1",
        case_id="case-1",
        external_id="im-1",
        reason="Вопрос в ведении краевого министерства",
    )
    c.send_draft_for_review(
        request_id="r-2",
        case_id="case-1",
        external_id="im-1",
        draft_id="d-1",
        text="Ответ",
        draft_kind="final",
        attachments=[{"type": "photo", "url": "https://f.example/1.jpg"}],
    )
    c.report_published(
        request_id="r-3",
        case_id="case-1",
        external_id="im-1",
        draft_id="d-1",
        url="https://vk.com/wall-1_2?reply=9",
        answer_kind="final",
        published_at="2026-02-09T11:42:00+07:00",
    )

    assert monitoring.stored["r-1"] == {
        "kind": "return_to_curator",
        "case_id": "case-1",
        "external_id": "im-1",
        "reason": "Вопрос в ведении краевого министерства",
        "request_id": "r-1",
    }
    assert monitoring.stored["r-2"]["kind"] == "draft_for_review"
    assert monitoring.stored["r-2"]["attachments"] == [
        {"type": "photo", "url": "https://f.example/1.jpg"}
    ]
    assert monitoring.stored["r-3"]["url"] == "https://vk.com/wall-1_2?reply=9"
    assert all(
        r.headers["x-request-id"] == json.loads(r.body)["request_id"] for r in monitoring.requests
    )
    assert all(s.startswith("t=") and ",v1=" in s for s in monitoring.signatures)


def test_a_server_error_is_retried_under_the_same_request_id_and_kept_once(monitoring):
    monitoring.unavailable(503)
    c = client(monitoring)

    answer = c.send({"kind": "published", "case_id": "case-1"}, "r-503")

    assert answer["received"] is True
    assert monitoring.deliveries["r-503"] == 1  # the 503 came before storing
    assert [r.headers["x-request-id"] for r in monitoring.requests] == ["r-503", "r-503"]
    assert len(c.sleep) == 1


def test_an_answer_lost_after_storing_is_retried_and_kept_once_on_their_side(monitoring):
    monitoring.lost_answer()
    c = client(monitoring)

    answer = c.send({"kind": "published", "case_id": "case-1"}, "r-lost")

    assert monitoring.deliveries["r-lost"] == 2
    assert list(monitoring.stored) == ["r-lost"]
    assert answer["duplicate"] is True


def test_retry_after_is_honoured(monitoring):
    monitoring.unavailable(429, retry_after=3)
    c = client(monitoring)

    c.send({"kind": "published", "case_id": "case-1"}, "r-429")

    assert c.sleep == [3.0]


def test_each_retry_is_signed_afresh(monitoring):
    monitoring.unavailable(503)
    now = time.time()
    stamps = iter([now - 250, now])  # the retry comes later: a fresh timestamp, not a stale one
    c = client(monitoring, clock=lambda: next(stamps))

    c.send({"kind": "published", "case_id": "case-1"}, "r-fresh")

    first, second = (r.headers["x-signature"].split(",")[0] for r in monitoring.requests)
    assert (first, second) == (f"t={int(now - 250)}", f"t={int(now)}")


def test_a_refused_call_is_not_retried(monitoring):
    wrong = MonitoringClient(monitoring.url, "not-the-shared-secret", sleep=Sleeps())

    with pytest.raises(MonitoringRejected) as raised:
        wrong.send({"kind": "published", "case_id": "case-1"}, "r-401")

    assert raised.value.status == 401
    assert len(monitoring.requests) == 1 and wrong.sleep == []


def test_a_system_that_is_down_is_left_to_the_queue_without_waiting():
    c = MonitoringClient(f"http://127.0.0.1:{free_port()}", WEBHOOK_SECRET, sleep=Sleeps())

    with pytest.raises(MonitoringUnavailable):
        c.send({"kind": "published", "case_id": "case-1"}, "r-down")

    assert c.sleep == []


def test_a_system_failing_past_the_budget_is_left_to_the_queue(monitoring):
    monitoring.unavailable(503, retry_after=2, times=10)
    c = client(monitoring, budget_seconds=5.0)

    with pytest.raises(MonitoringUnavailable):
        c.send({"kind": "published", "case_id": "case-1"}, "r-budget")

    assert c.sleep == [2.0, 2.0] and sum(c.sleep) <= 5.0
    assert monitoring.stored == {}


# -- through the MonitoringOutboundFunction ----------------------------------------------------

STAFF = {
    "tech": Actor("tech", Role.TECHNICAL),
    "resp": Actor("resp", Role.RESPONSIBLE),
    "roads": Actor("roads", Role.EXECUTOR, department="roads"),
}


def signed_post(url: str, payload: dict, secret: str) -> tuple[int, dict]:
    """POST as the monitoring system does: X-Signature over "<t>.<body>", a delivery id."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    stamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Signature": f"t={stamp},v1={digest}",
            "X-Delivery-Id": uuid.uuid4().hex,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.fixture
def gateway(aws):
    """The local API gateway (local.gateway) serving the template's HTTP routes."""
    from werkzeug.serving import make_server

    from local.gateway import create_app

    app = create_app(aws.template, region="eu-central-1", web=None, namespace=NAMESPACE)
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture
def outbound(aws, monitoring, monkeypatch):
    """The monitoring system at the fake, and a monitoring queue of this test's own."""
    sqs = boto3.client("sqs", endpoint_url=aws.aws.endpoint_url, region_name="eu-central-1")
    queue = sqs.create_queue(QueueName=f"otklik-integration-monitoring-{uuid.uuid4().hex[:8]}")[
        "QueueUrl"
    ]
    monkeypatch.setenv("MONITORING_BASE_URL", monitoring.url)
    monkeypatch.setenv("MONITORING_QUEUE_URL", queue)
    bootstrap.reset()
    yield sqs, queue
    monkeypatch.undo()
    bootstrap.reset()
    sqs.delete_queue(QueueUrl=queue)


def new_case(network: str = "vk"):
    now = datetime.now(BARNAUL)
    body = {
        "external_id": f"mon-{uuid.uuid4().hex[:12]}",
        "detected_at": now.isoformat(),
        "network": network,
        "url": f"https://vk.com/wall-170171414_{uuid.uuid4().int % 10**6}",
        "author": {"id": "id1", "name": "Ирина Петрова", "url": "https://vk.com/id1"},
        "text": "Когда отремонтируют дорогу на ул. Ленина?",
        "topic": "Дороги",
        "location": "с. Зудилово",
        "importance": "medium",
        "curator": {"id": "c-1", "name": "Анна Смирнова"},
    }
    case = cases.receive_message(deps(), MessageIn.model_validate(body).to_domain(), now).case
    return case, now


def outbound_event(sqs, queue: str) -> dict:
    messages = sqs.receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"]
    ).get("Messages", [])
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m["Attributes"],
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-central-1:123456789012:monitoring",
                "awsRegion": "eu-central-1",
            }
            for m in messages
        ]
    }


def test_the_curators_approval_arriving_before_our_call_returns_approves_the_case(
    outbound, monitoring, gateway, handler, lambda_context
):
    sqs, queue = outbound
    case, now = new_case()
    d = deps()
    cases.triage(
        d, STAFF["tech"], case.case_id, decision="accept", departments=["roads"], reason="", now=now
    )
    _, draft_id = cases.submit_draft(
        d, STAFF["roads"], case.case_id, text="Ремонт в мае.", kind="final", attachments=[], now=now
    )
    cases.approve_draft(d, STAFF["resp"], case.case_id, draft_id, now)
    order = []

    def curator_decides_at_once(call: dict):
        # Inside the monitoring system's handler, before it answers our POST.
        order.append("callback")
        status, answer = signed_post(
            f"{gateway}/api/v1/monitoring/callbacks",
            {
                "external_id": call["external_id"],
                "event": "draft_approved",
                "draft_id": call["draft_id"],
                "comment": "",
                "at": datetime.now(BARNAUL).isoformat(),
            },
            WEBHOOK_SECRET,
        )
        order.append("callback answered")
        return status, answer.get("status")

    monitoring.on_receive = curator_decides_at_once
    event = outbound_event(sqs, queue)
    assert [json.loads(r["body"])["kind"] for r in event["Records"]] == ["draft_for_review"]

    answer = handler("monitoring_outbound")(event, lambda_context)
    order.append("our call returned")

    assert answer == {"batchItemFailures": []}
    assert order == ["callback", "callback answered", "our call returned"]
    assert monitoring.callback_results == [(200, "approved")]
    [call] = monitoring.calls_of("draft_for_review")
    assert (call["draft_id"], call["text"]) == (draft_id, "Ремонт в мае.")
    stored = deps().store().get(case.case_id)
    assert stored.status.value == "approved"
    assert stored.current_draft.status.value == "approved"
    assert "publish_due" in stored.deadlines()  # T6 runs from the curator's approval
    assert [e.action for e in stored.timeline][-2:] == ["draft_approved", "curator_approved"]

    # The same outbound message again (a redelivery) is not a second request.
    assert handler("monitoring_outbound")(event, lambda_context) == {"batchItemFailures": []}
    assert sum(monitoring.deliveries.values()) == 1


def test_a_returned_message_and_a_published_link_reach_the_monitoring_system(
    outbound, monitoring, handler, lambda_context
):
    sqs, queue = outbound
    returned, now = new_case()
    cases.triage(
        deps(),
        STAFF["tech"],
        returned.case_id,
        decision="return",
        departments=[],
        reason="Вопрос в ведении краевого министерства",
        now=now,
    )
    answered, now = new_case()
    d = deps()
    cases.triage(
        d,
        STAFF["tech"],
        answered.case_id,
        decision="accept",
        departments=["roads"],
        reason="",
        now=now,
    )
    _, draft_id = cases.submit_draft(
        d, STAFF["roads"], answered.case_id, text="Ответ.", kind="final", attachments=[], now=now
    )
    cases.approve_draft(d, STAFF["resp"], answered.case_id, draft_id, now)
    cases.curator_decision(
        d,
        external_id=answered.message.external_id,
        event="draft_approved",
        draft_id=draft_id,
        comment="",
        now=now,
        delivery_key=f"callback:{uuid.uuid4().hex}",
    )
    cases.record_publication(
        d, STAFF["tech"], answered.case_id, url="https://vk.com/wall-170171414_1?reply=2", now=now
    )

    event = outbound_event(sqs, queue)
    assert handler("monitoring_outbound")(event, lambda_context) == {"batchItemFailures": []}

    [back] = monitoring.calls_of("return_to_curator")
    assert (back["external_id"], back["reason"]) == (
        returned.message.external_id,
        "Вопрос в ведении краевого министерства",
    )
    [published] = monitoring.calls_of("published")
    assert published["external_id"] == answered.message.external_id
    assert published["url"] == "https://vk.com/wall-170171414_1?reply=2"
    assert (published["draft_id"], published["answer_kind"]) == (draft_id, "final")
    assert datetime.fromisoformat(published["published_at"]).tzinfo is not None
    # The request id is the queue message's id: the same for every redelivery.
    assert set(monitoring.stored) == {json.loads(r["body"])["message_id"] for r in event["Records"]}


def test_a_refusal_by_the_monitoring_system_goes_back_to_the_queue(
    outbound, monitoring, monkeypatch, handler, lambda_context
):
    sqs, queue = outbound
    monkeypatch.setenv("MONITORING_OUTBOUND_SECRET", "a-secret-they-do-not-know")
    returned, now = new_case()
    cases.triage(
        deps(),
        STAFF["tech"],
        returned.case_id,
        decision="return",
        departments=[],
        reason="Не наш вопрос",
        now=now,
    )
    event = outbound_event(sqs, queue)
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    with pytest.raises(BatchProcessingError):  # every record failed: Lambda retries the batch
        handler("monitoring_outbound")(event, lambda_context)

    assert monitoring.stored == {} and len(monitoring.requests) == 1
