"""Every function takes the events Yandex Cloud delivers (`events/yandex/`, built from the shapes
its documentation gives; see `otklik/entrypoints/yandex.py` for the pages) and does with them
what it does with their AWS twins in `events/`, against moto: a case is created by intake, a
routing message consumed, a draft submitted, the curator's callback taken, the sweep run at the
timer's time, the staff API signs in and lists through the API Gateway v1.0 shape.

Which function an event is for: its file name is the function's folder in `functions/`, or starts
with it and `_` (`staff_api_login` → functions/staff_api). The files are fixed; what a live
request would carry differently is filled in when one is used, as for the AWS samples: the
signature is made afresh, `Authorization` gets a real token, path parameters and `external_id`
name the case under test, message ids are made unique, and `queue_id` names moto's queue (in
Yandex Message Queue's `yrn:yc:ymq:` form).
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import boto3
import pytest

from local import redrive
from local.cfn import load
from local.lambdas import handler_from_path
from local.resources import REQUIRED_ENV
from otklik import bootstrap
from otklik.entrypoints import yandex
from otklik.signing import verify
from tests.integration.test_sample_events import MonitoringSystem

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events" / "yandex"
TEMPLATE = load(ROOT / "template.yaml")
OPENAPI = __import__("yaml").safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
TOKEN_HINT = re.compile(r"^Bearer <token from POST /api/v1/auth/login as (\w+)>$")
NAMESPACE = "yandex-events"


def functions() -> dict[str, str]:
    """Folder in functions/ → logical id, from template.yaml."""
    return {
        Path(v["Properties"]["CodeUri"]).name: k
        for k, v in TEMPLATE["Resources"].items()
        if v["Type"] == "AWS::Serverless::Function"
    }


def folder_of(name: str) -> str:
    matches = [f for f in functions() if name == f or name.startswith(f + "_")]
    assert matches, f"events/yandex/{name}.json: no function folder starts its name"
    return max(matches, key=len)


def names() -> list[str]:
    return sorted(p.stem for p in EVENTS.glob("*.json"))


def sample(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def run(name: str, event: dict, context):
    handler = handler_from_path(
        ROOT / "functions" / folder_of(name) / "app.py", namespace=NAMESPACE
    )
    return handler(event, context)


# -- the files (no AWS needed) --------------------------------------------------------------------


def test_every_function_has_a_yandex_event():
    covered = {folder_of(n) for n in names()}
    assert set(functions()) - covered == set()


@pytest.mark.parametrize("name", names())
def test_yandex_event_has_the_documented_shape(name):
    event = sample(name)
    logical_id = functions()[folder_of(name)]
    events = TEMPLATE["Resources"][logical_id]["Properties"].get("Events") or {}
    kinds = {e["Type"] for e in events.values()}
    kind = yandex.shape(event)
    if kind == "http":  # API Gateway, payload_format_version 1.0
        assert "HttpApi" in kinds
        assert event["version"] == "1.0"
        method = event["httpMethod"]
        routes = {
            (e["Properties"]["Method"].upper(), e["Properties"]["Path"])
            for e in events.values()
            if e["Type"] == "HttpApi"
        }
        assert (method, event["resource"]) in routes
        operation = OPENAPI["paths"][event["resource"]][method.lower()]
        assert event["operationId"] == operation["operationId"]
        params = event.get("pathParameters") or {}
        assert event["path"] == re.sub(r"\{(\w+)\}", lambda m: params[m[1]], event["resource"])
        assert event["requestContext"]["httpMethod"] == method
        assert event["requestContext"]["identity"]["sourceIp"]
        assert isinstance(event["requestContext"]["requestTimeEpoch"], int)
        assert {k: [v] for k, v in event["headers"].items()} == event["multiValueHeaders"]
        if event.get("body"):
            json.loads(event["body"])
        if "Authorization" in event["headers"]:
            assert TOKEN_HINT.match(event["headers"]["Authorization"])
        if logical_id in ("IntakeFunction", "CuratorCallbackFunction"):
            assert verify(
                event["headers"]["X-Signature"],
                event["body"].encode(),
                ["dev-secret"],
                event["requestContext"]["requestTimeEpoch"],
            )
    elif kind == "queue":  # Message Queue trigger
        assert "SQS" in kinds
        for message in event["messages"]:
            details = message["details"]
            assert details["queue_id"].startswith("yrn:yc:ymq:ru-central1:")
            body = details["message"]["body"]
            assert json.loads(body)["message_id"]
            assert set(details["message"]) >= {"message_id", "body", "attributes"}
    else:  # timer trigger
        assert kind == "timer", f"{name}: not a shape Yandex Cloud delivers"
        assert "Schedule" in kinds
        assert event["messages"][0]["event_metadata"]["created_at"].endswith("Z")


def test_aws_events_are_left_as_they_are():
    for path in sorted((ROOT / "events").glob("*.json")):
        assert yandex.shape(json.loads(path.read_text(encoding="utf-8"))) == "aws", path.name


def test_an_api_gateway_request_becomes_an_http_api_v2_one():
    event = sample("staff_api_list_cases")
    event["multiValueHeaders"]["Cookie"] = ["a=1; b=2"]
    event["multiValueHeaders"]["X-Forwarded-For"] = ["95.167.12.34", "10.0.0.1"]
    event["multiValueQueryStringParameters"] = {"status": ["received", "in_work"], "x": ["1"]}
    event["queryStringParameters"] = {"status": "in_work", "x": "1"}
    converted = yandex.http_event(event)
    assert converted["version"] == "2.0"
    assert converted["routeKey"] == "GET /api/v1/cases"
    assert converted["rawPath"] == "/api/v1/cases"
    assert converted["rawQueryString"] == "status=received&status=in_work&x=1"
    assert converted["queryStringParameters"] == {"status": "received,in_work", "x": "1"}
    assert converted["headers"]["x-forwarded-for"] == "95.167.12.34,10.0.0.1"
    assert converted["headers"]["authorization"].startswith("Bearer ")
    assert all(h == h.lower() for h in converted["headers"])
    assert converted["cookies"] == ["a=1", "b=2"]
    assert converted["requestContext"]["http"]["sourceIp"] == "95.167.12.34"
    assert (
        converted["requestContext"]["timeEpoch"]
        == event["requestContext"]["requestTimeEpoch"] * 1000
    )
    answer = yandex.http_response(
        {"statusCode": 200, "body": "{}", "headers": {"A": "1"}, "cookies": ["c=3"]}
    )
    assert answer == {
        "statusCode": 200,
        "body": "{}",
        "headers": {"A": "1"},
        "isBase64Encoded": False,
        "multiValueHeaders": {"Set-Cookie": ["c=3"]},
    }


def test_a_timer_message_is_the_sweepers_schedule():
    converted = yandex.schedule_event(sample("sweeper"))
    assert converted["detail-type"] == "Scheduled Event"
    assert converted["time"] == sample("sweeper")["messages"][0]["event_metadata"]["created_at"]


# -- running them against moto --------------------------------------------------------------------


class YandexDesk:
    """Runs the Yandex Cloud events through their functions, filling in what a live request or
    a live queue carries."""

    def __init__(self, aws, signed, context) -> None:
        self.aws, self._signed, self._context = aws, signed, context
        self.tokens: dict[str, str] = {}
        self.used: set[str] = set()

    def raw(self, name: str, event: dict):
        self.used.add(name)
        return run(name, event, self._context)

    def http(
        self,
        name: str,
        *,
        params: dict | None = None,
        body: dict | None = None,
        login: str | None = None,
        method: str | None = None,
        resource: str | None = None,
    ) -> tuple[int, object, dict]:
        event = sample(name)
        if method:
            event["httpMethod"] = event["requestContext"]["httpMethod"] = method
        if resource:
            event["resource"] = resource
        merged = {**(event.get("pathParameters") or {}), **(params or {})}
        merged = {k: v for k, v in merged.items() if "{" + k + "}" in event["resource"]}
        event["pathParameters"] = merged
        event["parameters"] = {**merged, **(event.get("queryStringParameters") or {})}
        event["path"] = re.sub(r"\{(\w+)\}", lambda m: merged[m[1]], event["resource"])
        if body is not None:
            event["body"] = json.dumps(
                {**json.loads(event.get("body") or "{}"), **body}, ensure_ascii=False
            )
        headers = event["headers"]
        if "X-Signature" in headers:
            headers["X-Signature"] = self._signed(event["body"])["x-signature"]
            headers["X-Delivery-Id"] = f"dlv-{uuid.uuid4().hex}"
        if "Authorization" in headers or login:
            hinted = TOKEN_HINT.match(headers.get("Authorization", ""))
            headers["Authorization"] = f"Bearer {self.token(login or hinted[1])}"
        event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
        answer = self.raw(name, event)
        assert set(answer) <= {
            "statusCode",
            "headers",
            "multiValueHeaders",
            "body",
            "isBase64Encoded",
        }, answer
        text = answer.get("body") or ""
        kind = answer["headers"].get("Content-Type", "")
        payload = json.loads(text) if "json" in kind and text else text
        return answer["statusCode"], payload, answer

    def token(self, login: str) -> str:
        if login not in self.tokens:
            status, answer, _ = self.http(
                "staff_api_login", body={"login": login, "password": "demo"}
            )
            assert status == 200, answer
            self.tokens[login] = answer["token"]
        return self.tokens[login]

    def queue_id(self, logical_queue: str) -> str:
        """Moto's queue in the `yrn:yc:ymq:<region>:<folder>:<name>` form of a trigger."""
        name = self.aws.created.queue_arns[logical_queue].split(":")[5]
        return f"yrn:yc:ymq:ru-central1:b1g4c2a7n1e5x3a8m6p0:{name}"

    def queue(self, name: str, logical_queue: str, raw_body: str | None = None, **fields):
        event = sample(name)
        for message in event["messages"]:
            details = message["details"]
            details["queue_id"] = self.queue_id(logical_queue)
            body = {**json.loads(details["message"]["body"]), **fields}
            body["message_id"] = uuid.uuid4().hex
            details["message"]["body"] = (
                raw_body if raw_body is not None else json.dumps(body, ensure_ascii=False)
            )
            details["message"]["message_id"] = str(uuid.uuid4())
        return self.raw(name, event)

    def case(self, case_id: str) -> dict:
        status, detail, _ = self.http(
            "staff_api_list_cases", resource="/api/v1/cases/{case_id}", params={"case_id": case_id}
        )
        assert status == 200, detail
        return detail

    def staff(self, method: str, resource: str, body: dict, login: str = "tech", **params):
        return self.http(
            "staff_api_list_cases",
            method=method,
            resource=resource,
            params=params,
            body=body,
            login=login,
        )


@pytest.fixture
def desk(aws, signed, lambda_context, monkeypatch):
    server = MonitoringSystem()
    monkeypatch.setenv("MONITORING_BASE_URL", server.url)
    bootstrap.reset()
    yield YandexDesk(aws, signed, lambda_context)
    server.close()
    monkeypatch.undo()
    bootstrap.reset()


def receive(desk: YandexDesk, tag: str) -> tuple[str, str]:
    external_id = f"{json.loads(sample('intake')['body'])['external_id']}-ya-{tag}"
    status, answer, raw = desk.http("intake", body={"external_id": external_id})
    assert status == 201, answer
    assert raw["headers"]["Content-Type"].startswith("application/json")
    assert answer["status"] == "received"
    case_id = answer["case_id"]
    assert desk.queue("routing", "RoutingQueue", case_id=case_id) == {"batchItemFailures": []}
    return case_id, external_id


def test_yandex_events_take_a_message_to_an_approved_answer(desk):
    tag = uuid.uuid4().hex[:8]

    # Intake creates the case, once however often it is delivered; routing consumes its message.
    case_id, external_id = receive(desk, tag)
    status, again, _ = desk.http("intake", body={"external_id": external_id})
    assert (status, again["case_id"]) == (200, case_id)
    assert desk.case(case_id)["proposed_departments"] == ["roads"]
    assert desk.queue("notifications", "NotificationQueue", case_id=case_id) == {
        "batchItemFailures": []
    }

    # The staff API: the list shows it; triage it to roads.
    status, inbox, _ = desk.http("staff_api_list_cases")
    assert status == 200 and case_id in [c["case_id"] for c in inbox["cases"]], inbox
    status, triaged, _ = desk.staff(
        "POST",
        "/api/v1/cases/{case_id}/triage",
        {"decision": "accept", "departments": ["roads"]},
        case_id=case_id,
    )
    assert (status, triaged["status"]) == (200, "in_work"), triaged

    # Roads submits a draft (DraftSubmissionFunction); the responsible executor approves it.
    status, draft, _ = desk.http("draft_submission", params={"case_id": case_id})
    assert (status, draft["status"]) == (201, "internal_review"), draft
    draft_id = draft["draft_id"]
    status, approved, _ = desk.http(
        "draft_submission",
        method="POST",
        resource="/api/v1/cases/{case_id}/drafts/{draft_id}/approve",
        params={"case_id": case_id, "draft_id": draft_id},
        body={},
        login="resp",
    )
    assert (status, approved["status"]) == (200, "curator_review"), approved

    # The monitoring system hears of it; its curator approves by callback; publishing runs.
    answer = desk.queue(
        "monitoring_outbound", "MonitoringQueue", case_id=case_id, draft_id=draft_id
    )
    assert answer == {"batchItemFailures": []}
    status, ok, _ = desk.http(
        "curator_callback", body={"external_id": external_id, "draft_id": draft_id}
    )
    assert (status, ok["status"]) == (200, "approved"), ok
    answer = desk.queue("publishing", "PublishingQueue", case_id=case_id, draft_id=draft_id)
    assert answer == {"batchItemFailures": []}
    assert desk.case(case_id)["status"] == "approved"

    # A case nobody triages: the timer's created_at is the sweep's now (months later).
    open_id, _ = receive(desk, f"{tag}-open")
    summary = desk.raw("sweeper", sample("sweeper"))
    created = sample("sweeper")["messages"][0]["event_metadata"]["created_at"]
    assert summary["now"].startswith(created[:19]), summary
    assert summary["examined"] >= 1 and summary["escalations"] >= 1, summary
    assert {e["kind"] for e in desk.case(open_id)["escalations"]} >= {"breach"}
    closing = {"decision": "not_processable", "departments": [], "reason": "Тест окончен."}
    status, closed, _ = desk.staff(
        "POST", "/api/v1/cases/{case_id}/triage", closing, case_id=open_id
    )
    assert (status, closed["status"]) == (200, "not_processable"), closed

    assert desk.used >= set(names())


def test_a_failed_batch_is_raised_whole_and_its_redelivery_runs_each_step_once(desk, monkeypatch):
    """No partial batch failure on a Message Queue trigger: any failure raises, the trigger
    returns every message of the batch, and the ones that had succeeded do nothing again."""
    from otklik.service import cases

    first, _ = receive(desk, uuid.uuid4().hex[:8])
    second, _ = receive(desk, uuid.uuid4().hex[:8])
    event = sample("routing")
    template = event["messages"][0]
    event["messages"] = []
    for case_id in (first, second):
        message = json.loads(json.dumps(template))
        message["details"]["queue_id"] = desk.queue_id("RoutingQueue")
        message["details"]["message"]["body"] = json.dumps(
            {"case_id": case_id, "message_id": uuid.uuid4().hex}
        )
        message["details"]["message"]["message_id"] = str(uuid.uuid4())
        event["messages"].append(message)

    real, calls = cases.route, []

    def flaky(deps, case_id, now):
        calls.append(case_id)
        if case_id == second and calls.count(second) == 1:
            raise RuntimeError("the database is away")
        return real(deps, case_id, now)

    monkeypatch.setattr(cases, "route", flaky)
    with pytest.raises(yandex.BatchFailed) as failed:
        desk.raw("routing", json.loads(json.dumps(event)))
    assert failed.value.message_ids == [event["messages"][1]["details"]["message"]["message_id"]]
    assert desk.raw("routing", json.loads(json.dumps(event))) == {"batchItemFailures": []}
    assert calls == [first, second, second]  # the first was not routed again


def test_a_malformed_message_is_dead_lettered_through_its_yrn_queue_id(desk, aws):
    body = json.dumps({"message_id": uuid.uuid4().hex, "case_id": 42})
    assert desk.queue("routing", "RoutingQueue", raw_body=body) == {"batchItemFailures": []}
    sqs = boto3.client("sqs", endpoint_url=aws.aws.endpoint_url, region_name=aws.env["AWS_REGION"])
    letters = {
        m.body: m.reason
        for m in redrive.list_dead_letters(sqs, "RoutingDeadLetterQueue", aws.prefix)
    }
    assert letters[body].startswith("malformed message: "), letters.get(body)


# -- the settings a Yandex Cloud deployment changes ------------------------------------------------


def test_each_service_has_its_endpoint_falling_back_to_aws_endpoint_url(monkeypatch):
    from otklik.config import Settings, SettingsError

    base = {
        "MONITORING_WEBHOOK_SECRET": "integration-webhook-secret",
        "STAFF_TOKEN_SECRET": "integration-token-secret-0123456789abcdef",
        "OTKLIK_ALLOW_DEV_SECRETS": "1",
        **dict.fromkeys(REQUIRED_ENV, "x"),
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        "DYNAMODB_ENDPOINT_URL": "https://docapi.serverless.yandexcloud.net/ru-central1/b1g/etn",
        "SES_ENDPOINT_URL": "https://postbox.cloud.yandex.net",
        "INDEX_PROJECTION": "all",
    }
    for name, value in base.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SQS_ENDPOINT_URL", raising=False)
    settings = Settings.from_env()
    assert settings.endpoint("dynamodb") == base["DYNAMODB_ENDPOINT_URL"]
    assert settings.endpoint("ses") == "https://postbox.cloud.yandex.net"
    assert settings.endpoint("sqs") == "http://127.0.0.1:5000"
    assert settings.index_projection == "ALL"
    monkeypatch.setenv("INDEX_PROJECTION", "INCLUDE")
    with pytest.raises(SettingsError):
        Settings.from_env()


def test_the_index_projection_follows_the_setting():
    from pynamodb.indexes import AllProjection, KeysOnlyProjection

    from otklik.adapters import tables

    try:
        tables.project("ALL")
        assert all(isinstance(i.Meta.projection, AllProjection) for i in tables.INDEXES)
    finally:
        tables.project("KEYS_ONLY")
    assert all(isinstance(i.Meta.projection, KeysOnlyProjection) for i in tables.INDEXES)
