"""Every sample event in `events/` is one its function accepts, and together they walk a message
from the monitoring system to a published answer, against moto.

Which function an event is for: its file name starts with the function's prefix (`PREFIXES`):
`intake_*` → IntakeFunction, `staff_*` → StaffApiFunction, `draft_*` →
DraftSubmissionFunction, `curator_callback*` → CuratorCallbackFunction, `routing_*`,
`notification_*`, `publishing_*`, `monitoring_*` → the consumers of those queues, `sweeper_*`
→ SweeperFunction.

The files are fixed; what a live request would carry differently is filled in when an event
is used (the same conventions serve `make invoke`):
- `x-signature` of a monitoring-system request is re-made for the current time with the
  deployment's secret (the file's is made with `dev-secret` at the event's own time);
- `authorization: Bearer <token from POST /api/v1/auth/login as LOGIN>` gets a token of LOGIN;
- `case_id` / `draft_id` (path, body) and `external_id` are those of the case under test;
- SQS `message_id`s are made unique (a consumer drops a message id it has seen).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from local.cfn import load
from otklik import bootstrap
from otklik.signing import verify
from tests.integration.uploads import png, post_form

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
TEMPLATE = load(ROOT / "template.yaml")

PREFIXES = {
    "intake": "IntakeFunction",
    "routing": "RoutingFunction",
    "draft": "DraftSubmissionFunction",
    "staff": "StaffApiFunction",
    "curator_callback": "CuratorCallbackFunction",
    "publishing": "PublishingFunction",
    "sweeper": "SweeperFunction",
    "notification": "NotificationFunction",
    "monitoring": "MonitoringOutboundFunction",
}
TOKEN_HINT = re.compile(r"^Bearer <token from POST /api/v1/auth/login as (\w+)>$")
ROUTE_404 = "Такого адреса нет."


def function_of(event_name: str) -> str:
    """The logical id of the function a sample event is for (the longest matching prefix)."""
    matches = [p for p in PREFIXES if event_name == p or event_name.startswith(p + "_")]
    assert matches, f"events/{event_name}.json: no function prefix ({', '.join(PREFIXES)})"
    return PREFIXES[max(matches, key=len)]


def sample(name: str) -> dict:
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))


def sample_names() -> list[str]:
    return sorted(p.stem for p in EVENTS.glob("*.json"))


def template_routes(logical_id: str) -> set[tuple[str, str]]:
    events = TEMPLATE["Resources"][logical_id]["Properties"].get("Events") or {}
    return {
        (e["Properties"]["Method"].upper(), e["Properties"]["Path"])
        for e in events.values()
        if e["Type"] == "HttpApi"
    }


def consumed_queue(logical_id: str) -> str | None:
    events = TEMPLATE["Resources"][logical_id]["Properties"].get("Events") or {}
    for e in events.values():
        if e["Type"] == "SQS":
            return e["Properties"]["Queue"]["Fn::GetAtt"][0]
    return None


# -- the files themselves (no AWS needed) ---------------------------------------------------------


def test_every_function_has_a_sample_event():
    covered = {function_of(name) for name in sample_names()}
    functions = {
        k for k, v in TEMPLATE["Resources"].items() if v["Type"] == "AWS::Serverless::Function"
    }
    assert functions - covered == set()


def test_every_http_route_has_a_sample_event():
    routes = {
        (logical_id, route)
        for logical_id in set(PREFIXES.values())
        for route in template_routes(logical_id)
    }
    sampled = set()
    for name in sample_names():
        event = sample(name)
        if event.get("version") == "2.0":
            method, _, path = event["routeKey"].partition(" ")
            sampled.add((function_of(name), (method, path)))
    assert routes - sampled == set()


@pytest.mark.parametrize("name", sample_names())
def test_sample_event_has_the_shape_aws_delivers(name):
    event = sample(name)
    logical_id = function_of(name)
    if event.get("version") == "2.0":  # API Gateway HTTP API, payload format 2.0
        method, _, route = event["routeKey"].partition(" ")
        assert (method, route) in template_routes(logical_id)
        http = event["requestContext"]["http"]
        assert http["method"] == method
        assert http["path"] == event["rawPath"]
        assert event["requestContext"]["routeKey"] == event["routeKey"]
        assert event["isBase64Encoded"] is False
        assert all(h == h.lower() for h in event["headers"])
        params = event.get("pathParameters") or {}
        assert set(params) == set(re.findall(r"\{(\w+)\}", route))
        assert event["rawPath"] == re.sub(r"\{(\w+)\}", lambda m: params[m[1]], route)
        if "body" in event:
            assert isinstance(event["body"], str)
            json.loads(event["body"])
        if "authorization" in event["headers"]:
            assert TOKEN_HINT.match(event["headers"]["authorization"])
        if logical_id in ("IntakeFunction", "CuratorCallbackFunction"):
            assert verify(
                event["headers"]["x-signature"],
                event["body"].encode(),
                ["dev-secret"],
                event["requestContext"]["timeEpoch"] / 1000,
            )
    elif "Records" in event:  # SQS
        queue = consumed_queue(logical_id)
        assert queue, f"{logical_id} consumes no queue"
        for record in event["Records"]:
            assert record["eventSource"] == "aws:sqs"
            assert f"-{queue}-" in record["eventSourceARN"]
            body = json.loads(record["body"])
            assert body["message_id"] and body["case_id"]
    else:  # EventBridge schedule
        assert event["detail-type"] == "Scheduled Event"
        assert event["source"] == "aws.events"
        datetime.fromisoformat(event["time"].replace("Z", "+00:00"))


# -- running them ---------------------------------------------------------------------------------


class MonitoringSystem(ThreadingHTTPServer):
    """Just enough of the monitoring system to take the outbound calls (POST /api/v1/inbound)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, dict]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(request):  # `self` is the server
                length = int(request.headers.get("content-length") or 0)
                body = request.rfile.read(length)
                self.received.append((dict(request.headers), json.loads(body or b"{}")))
                request.send_response(200 if request.path == "/api/v1/inbound" else 404)
                request.send_header("content-type", "application/json")
                request.end_headers()
                request.wfile.write(b'{"ok": true}')

            def log_message(request, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()


@pytest.fixture
def monitoring_system(aws, monkeypatch):
    server = MonitoringSystem()
    monkeypatch.setenv("MONITORING_BASE_URL", server.url)
    bootstrap.reset()
    yield server
    server.close()
    monkeypatch.undo()
    bootstrap.reset()


class Desk:
    """Runs sample events through their functions, filling in what a live request carries."""

    def __init__(self, signed, lambda_context) -> None:
        from local.lambdas import handler_from_path

        self._load = handler_from_path
        self._signed = signed
        self._context = lambda_context
        self.tokens: dict[str, str] = {}
        self.used: set[str] = set()

    def handler(self, logical_id: str):
        code_uri = TEMPLATE["Resources"][logical_id]["Properties"]["CodeUri"]
        return self._load(ROOT / code_uri / "app.py", namespace="sample-events")

    def run(self, name: str, event: dict):
        self.used.add(name)
        return self.handler(function_of(name))(event, self._context)

    # -- HTTP --

    def http(
        self,
        name: str,
        *,
        case_id: str | None = None,
        draft_id: str | None = None,
        file_id: str | None = None,
        body: dict | None = None,
        query: dict | None = None,
        login: str | None = None,
    ) -> tuple[int, object]:
        event = sample(name)
        route = event["routeKey"].partition(" ")[2]
        params = dict(event.get("pathParameters") or {})
        given = {"case_id": case_id, "draft_id": draft_id, "file_id": file_id}
        params.update({k: v for k, v in given.items() if v})
        if params:
            path = re.sub(r"\{(\w+)\}", lambda m: params[m[1]], route)
            event["pathParameters"] = params
            event["rawPath"] = event["requestContext"]["http"]["path"] = path
        if body is not None:
            event["body"] = json.dumps({**json.loads(event["body"]), **body}, ensure_ascii=False)
        if query is not None:
            event["queryStringParameters"] = {**event.get("queryStringParameters", {}), **query}
            event["rawQueryString"] = "&".join(
                f"{k}={v}" for k, v in event["queryStringParameters"].items()
            )
        headers = event["headers"]
        if "x-signature" in headers:  # a request from the monitoring system
            headers.update(self._signed(event["body"]))
            headers["x-delivery-id"] = f"dlv-{uuid.uuid4().hex}"
        if "authorization" in headers:
            hinted = TOKEN_HINT.match(headers["authorization"])
            who = login or (hinted[1] if hinted else None)
            headers["authorization"] = f"Bearer {self.token(who)}"
        response = self.run(name, event)
        text = response.get("body") or ""
        content_type = (response.get("headers") or {}).get("Content-Type", "")
        payload = json.loads(text) if "json" in content_type and text else text
        if response["statusCode"] == 404 and isinstance(payload, dict):
            assert payload.get("error", {}).get("message") != ROUTE_404, f"{name}: no such route"
        return response["statusCode"], payload

    def token(self, login: str) -> str:
        if login not in self.tokens:
            status, answer = self.http("staff_login", body={"login": login, "password": "demo"})
            assert status == 200, answer
            self.tokens[login] = answer["token"]
        return self.tokens[login]

    # -- queues and schedule --

    def queue(self, name: str, **fields) -> dict:
        event = sample(name)
        for record in event["Records"]:
            body = {**json.loads(record["body"]), **fields, "message_id": uuid.uuid4().hex}
            record["body"] = json.dumps(body, ensure_ascii=False)
            record["messageId"] = str(uuid.uuid4())
        return self.run(name, event)

    def case(self, case_id: str, login: str = "tech") -> dict:
        status, detail = self.http("staff_get_case", case_id=case_id, login=login)
        assert status == 200, detail
        return detail


def now_local(aws) -> str:
    return datetime.now(ZoneInfo(aws.env["DISPLAY_TIMEZONE"])).isoformat(timespec="minutes")


def receive(desk: Desk, tag: str) -> tuple[str, str]:
    """A new message through intake and routing: (case id, external id)."""
    external_id = f"{json.loads(sample('intake_message')['body'])['external_id']}-{tag}"
    status, answer = desk.http("intake_message", body={"external_id": external_id})
    assert status == 201, answer
    assert answer["status"] == "received"
    assert answer["deadlines"]["triage_due"]
    case_id = answer["case_id"]
    assert desk.queue("routing_sqs", case_id=case_id) == {"batchItemFailures": []}
    return case_id, external_id


def test_sample_events_take_a_message_to_a_published_answer(
    aws, signed, lambda_context, monitoring_system
):
    desk = Desk(signed, lambda_context)
    tag = uuid.uuid4().hex[:8]

    # A message arrives, once however often it is delivered, and is routed to roads.
    case_id, external_id = receive(desk, tag)
    status, again = desk.http("intake_message", body={"external_id": external_id})
    assert (status, again["case_id"]) == (200, case_id)
    assert desk.case(case_id)["proposed_departments"] == ["roads"]
    assert desk.queue("notification_sqs", case_id=case_id) == {"batchItemFailures": []}

    # The technical executor sees it and sends it to roads.
    status, me = desk.http("staff_me")
    assert (status, me["login"], me["role"]) == (200, "tech", "technical")
    status, inbox = desk.http("staff_list_cases")
    assert status == 200 and case_id in [c["case_id"] for c in inbox["cases"]]
    status, triaged = desk.http("staff_triage", case_id=case_id)
    assert (status, triaged["status"]) == (200, "in_work"), triaged

    # The head of roads assigns it to Popov, of his department, who writes it from now on.
    status, assigned = desk.http("staff_assignee", case_id=case_id)
    assert (status, assigned["assignees"]) == (
        200,
        [{"department": "roads", "login": "popov", "name": "Дмитрий Сергеевич Попов"}],
    ), assigned
    assert assigned["turn"]["assignees"] == ["popov"]

    # Roads asks for advice on an evasive draft first: warned, nothing stored.
    status, advice = desk.http("draft_check", case_id=case_id)
    # A photo for the draft: the browser's upload to the bucket, then its check.
    image = png()
    declared = {"name": "yama.png", "content_type": "image/png", "size": len(image)}
    status_up, started = desk.http("draft_attachment_start", case_id=case_id, body=declared)
    assert status_up == 201, started
    fields = started["upload"]["fields"]
    sent, _ = post_form(started["upload"]["url"], fields, "yama.png", image, "image/png")
    assert 200 <= sent < 300
    status_ok, confirmed = desk.http(
        "draft_attachment_confirm", case_id=case_id, file_id=started["file_id"]
    )
    assert (status_ok, confirmed["attachment"]["type"]) == (200, "photo"), confirmed
    assert status == 200, advice
    assert {"no_measure", "no_date", "boilerplate"} <= {f["code"] for f in advice["findings"]}
    # Roads drafts; the responsible executor rejects, then approves the second draft.
    status, first = desk.http("draft_submit", case_id=case_id)
    assert (status, first["status"]) == (201, "internal_review"), first
    status, rejected = desk.http("draft_reject", case_id=case_id, draft_id=first["draft_id"])
    assert (status, rejected["status"]) == (200, "in_work"), rejected  # back to drafting
    status, second = desk.http("draft_submit", case_id=case_id)
    assert status == 201, second
    draft_id = second["draft_id"]
    status, approved = desk.http("draft_approve", case_id=case_id, draft_id=draft_id)
    assert (status, approved["status"]) == (200, "curator_review"), approved

    # The draft goes to the curator through the monitoring system.
    answer = desk.queue("monitoring_sqs", case_id=case_id, draft_id=draft_id)
    assert answer == {"batchItemFailures": []}
    headers, call = monitoring_system.received[-1]
    assert (call["external_id"], call["draft_id"]) == (external_id, draft_id)
    assert call["text"].startswith("Ирина, здравствуйте!")
    assert {k.lower() for k in headers} >= {"x-signature", "x-request-id"}

    # The curator returns it once, then approves the next one.
    callback = {"external_id": external_id, "draft_id": draft_id}
    status, returned = desk.http("curator_callback_returned", body=callback)
    assert (status, returned["status"]) == (200, "rework"), returned
    status, third = desk.http("draft_submit", case_id=case_id)
    assert status == 201, third
    status, _ = desk.http("draft_approve", case_id=case_id, draft_id=third["draft_id"])
    assert status == 200
    callback["draft_id"] = third["draft_id"]
    status, ok = desk.http("curator_callback", body=callback)
    assert (status, ok["status"]) == (200, "approved"), ok

    # No network adapter is configured: publishing leaves it to the technical executor.
    answer = desk.queue("publishing_sqs", case_id=case_id, draft_id=third["draft_id"])
    assert answer == {"batchItemFailures": []}
    assert desk.case(case_id)["status"] == "approved"
    status, published = desk.http("staff_publication", case_id=case_id)
    assert (status, published["status"]) == (200, "answered"), published
    status, noted = desk.http("staff_note", case_id=case_id)  # a note on the closed case
    assert (status, noted["status"]) == (201, "answered"), noted
    assert [(n["author"], n["text"]) for n in noted["notes"]] == [
        ("tech", json.loads(sample("staff_note")["body"])["text"])
    ]

    # A joint case: roads contributes; then the curator withdraws the message.
    joint_id, joint_external_id = receive(desk, f"{tag}-joint")
    status, triaged = desk.http(
        "staff_triage", case_id=joint_id, body={"departments": ["roads", "housing"]}
    )
    assert (status, triaged["status"]) == (200, "in_work"), triaged
    status, contributed = desk.http("draft_contribution", case_id=joint_id)
    assert status == 200, contributed
    assert [c["department"] for c in contributed["contributions"] if c["text"]] == ["roads"]
    status, withdrawn = desk.http(
        "curator_callback_withdrawn", body={"external_id": joint_external_id}
    )
    assert (status, withdrawn["status"]) == (200, "withdrawn"), withdrawn

    # Without an integration: a message read in the monitoring system's e-mail notice is
    # registered by hand, its draft entered there and the curator's approval recorded here.
    status, read = desk.http("staff_parse_notice")
    assert status == 200, read
    assert read["missing"] == [] and read["fields"]["external_id"] == "IM-4821937"
    post = f"https://vk.com/wall-170171414_{uuid.uuid4().int % 10**8}"
    registration = {"url": post, "external_id": f"IM-{tag}", "detected_at": now_local(aws)}
    status, manual = desk.http("staff_register_case", body=registration)
    assert (status, manual["source"], manual["status"]) == (201, "manual", "received"), manual
    status, again = desk.http("staff_register_case", body=registration)
    assert (status, again["case_id"]) == (200, manual["case_id"])
    manual_id = manual["case_id"]
    assert desk.queue("routing_sqs", case_id=manual_id) == {"batchItemFailures": []}
    status, _ = desk.http("staff_triage", case_id=manual_id)
    status, drafted = desk.http("draft_submit", case_id=manual_id)
    assert status == 201, drafted
    manual_draft = drafted["draft_id"]
    status, ready = desk.http("draft_approve", case_id=manual_id, draft_id=manual_draft)
    assert (status, ready["status"]) == (200, "ready_to_send"), ready
    status, sent = desk.http("draft_mark_sent", case_id=manual_id, draft_id=manual_draft)
    assert (status, sent["status"]) == (200, "curator_review"), sent
    status, decided = desk.http(
        "staff_curator_decision", case_id=manual_id, body={"draft_id": manual_draft}
    )
    assert (status, decided["status"]) == (200, "approved"), decided
    assert decided["timeline"][-1]["details"]["via"] == "manual"
    status, published = desk.http("staff_publication", case_id=manual_id)
    assert (status, published["status"]) == (200, "answered"), published

    # Reports of this month, for the responsible executor and the head.
    month = datetime.now(ZoneInfo(aws.env["DISPLAY_TIMEZONE"])).strftime("%Y-%m")
    status, csv = desk.http("staff_report_monthly", query={"month": month})
    assert status == 200 and isinstance(csv, str) and csv, csv
    status, breaches = desk.http("staff_report_breaches", query={"month": month})
    assert (status, breaches["month"]) == (200, month), breaches
    status, board = desk.http("staff_dashboard")
    assert status == 200 and {d["department"] for d in board["departments"]} >= {"roads"}, board

    # The responsible executor adds a VK template for roads; roads is offered it first.
    status, saved = desk.http("staff_template_save")
    assert (status, saved["template_id"], saved["updated_by"]) == (200, "roads-vk", "resp"), saved
    status, offered = desk.http("staff_templates")
    assert status == 200 and offered["templates"][0]["template_id"] == "roads-vk", offered
    assert offered["templates"][0]["updated_by_name"] == "Сергей Николаевич Морозов"
    status, gone = desk.http("staff_template_delete")
    assert (status, gone) == (200, {"deleted": "roads-vk"})
    status, offered = desk.http("staff_templates")
    assert "roads-vk" not in [t["template_id"] for t in offered["templates"]]

    # A case nobody triages: the sweep at the sample's time (months later) escalates it.
    open_id, _ = receive(desk, f"{tag}-open")
    summary = desk.run("sweeper_schedule", sample("sweeper_schedule"))
    assert summary["now"].startswith(sample("sweeper_schedule")["time"][:16])
    assert summary["examined"] >= 1 and summary["escalations"] >= 1, summary
    escalations = desk.case(open_id)["escalations"]
    assert {e["kind"] for e in escalations} >= {"breach"}
    closing = {"decision": "not_processable", "departments": [], "reason": "Тест окончен."}
    status, closed = desk.http("staff_triage", case_id=open_id, body=closing)
    assert (status, closed["status"]) == (200, "not_processable"), closed  # leave none open

    assert desk.used >= set(sample_names()) - {"staff_logout"}


def test_logout_sample_event(aws, signed, lambda_context):
    desk = Desk(signed, lambda_context)
    status, answer = desk.http("staff_logout")
    assert status in (200, 204), answer
    status, answer = desk.http("staff_me")  # with the same token, now revoked
    assert status == 401, answer
