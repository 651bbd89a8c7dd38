"""Nothing forged, nobody where they don't belong: the handlers on moto under hostile input.

- signed webhooks: the 300 s window to the second, malformed headers, rotation with several
  secrets, several `v1` values, and Stripe's published test vector;
- replays of intake and curator callbacks change nothing;
- staff authentication: wrong passwords, expired, tampered and revoked tokens, scrypt hashes
  that no endpoint ever returns;
- a role x action matrix over every staff route, each cell on a case in the state that makes
  the action possible;
- the audit trail: an entry with who and when for every action, and no route that changes it;
- validation: oversize, non-JSON, non-objects, wrong types (Russian messages), unknown fields,
  and never a 5xx.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from types import SimpleNamespace

import pytest
import yaml

from local import ROOT
from local.gateway import Gateway, create_app
from otklik import bootstrap, signing
from otklik.adapters.tables import AuditRecord
from otklik.bootstrap import deps
from otklik.domain.case import Case
from otklik.domain.states import Status
from otklik.entrypoints import auth, http
from otklik.entrypoints.schemas import ManualMessageIn, MessageIn
from otklik.service import answer_templates, attachments, cases

MESSAGES = "/api/v1/monitoring/messages"
CALLBACKS = "/api/v1/monitoring/callbacks"
LOGINS = ("tech", "resp", "roads", "housing", "head")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")

# Stripe's published test vector (stripe-dotnet, src/StripeTests/Services/Events/
# EventUtilityTest.cs with Resources/event_test_signature.json): the same scheme as ours,
# `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`.
STRIPE_SECRET = "webhook_secret"
STRIPE_TIMESTAMP = 1533204620
STRIPE_V1 = "2220f87ef101a04665f11cdf770523143f875572008577fa0f20882ddb9cc3c7"
STRIPE_V0 = "63f3a72374a733066c4be69ed7f8e5ac85c22c9f0a6a612ab9a025a9e4ee7eef"
STRIPE_BODY = (
    b'{\n  "id": "evt_123",\n  "object": "event",\n  "account": "acct_123",\n'
    b'  "api_version": "2017-05-25",\n  "created": 1533204620,\n  "data": {\n'
    b'    "object": {\n      "id": "cus_123",\n      "object": "customer",\n'
    b'      "created": 123456789,\n      "email": "test@stripe.com",\n'
    b'      "livemode": false,\n      "metadata": {}\n    }\n  },\n  "livemode": false,\n'
    b'  "pending_webhooks": 1,\n  "request": {\n    "id": "req_123",\n'
    b'    "idempotency_key": "idempotency-key-123"\n  },\n  "type": "customer.created"\n}\n'
)


# -- calling the handlers ----------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: dict
    raw: str

    def __getitem__(self, key):
        return self.body[key]


@cache
def _gateway() -> Gateway:
    """The template's routes, to find the function API Gateway would invoke for a request."""
    return Gateway()


_tokens: dict[str, str] = {}  # one login per official for the whole module


class Api:
    """Requests as API Gateway hands them to the function the template routes them to."""

    def __init__(self, handler, api_event, context) -> None:
        self._handler, self._event, self._context = handler, api_event, context

    def __call__(
        self,
        method: str,
        path: str,
        body=None,
        *,
        as_: str | None = None,
        token: str | None = None,
        headers: dict | None = None,
        query: dict | None = None,
        function: str | None = None,
    ) -> Reply:
        all_headers = dict(headers or {})
        if as_ is not None:
            token = self.token(as_)
        if token is not None:
            all_headers["authorization"] = f"Bearer {token}"
        event = self._event(method, path, body, all_headers, query)
        if function is None:
            found = _gateway().find(method.upper(), path)
            assert found is not None, f"no route for {method} {path} in template.yaml"
            function = found[0].function.code_dir.name
        answer = self._handler(function)(event, self._context)
        raw = answer.get("body") or ""
        if answer.get("isBase64Encoded"):
            raw = base64.b64decode(raw).decode("latin-1")
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            parsed = {}
        return Reply(int(answer["statusCode"]), parsed, raw)

    def token(self, login: str) -> str:
        if login not in _tokens:
            _tokens[login] = self.login(login)
        return _tokens[login]

    def login(self, login: str, password: str = "demo") -> str:
        reply = self("POST", "/api/v1/auth/login", {"login": login, "password": password})
        assert reply.status == 200, reply.body
        return reply["token"]

    def signed(
        self,
        path: str,
        body,
        *,
        secret: str | None = None,
        at: float | None = None,
        headers: dict | None = None,
    ) -> Reply:
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        secret = secret or os.environ["MONITORING_WEBHOOK_SECRET"].split(",")[0]
        stamp = int(time.time() if at is None else at)
        signature = signing.sign(raw, secret, stamp)
        return self("POST", path, raw, headers={"x-signature": signature, **(headers or {})})


@pytest.fixture
def api(aws, handler, api_event, lambda_context) -> Api:
    return Api(handler, api_event, lambda_context)


def assert_error(reply: Reply, status: int, code: str | None = None) -> None:
    """An error in the contract's shape, and nothing else."""
    assert reply.status == status, (reply.status, reply.body)
    assert set(reply.body) == {"error"}, reply.body
    error = reply.body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["message"], str) and CYRILLIC.search(error["message"]), error
    assert isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code, error


# -- the desk: cases in every state, through the service layer ----------------------------------


def new_message(**overrides) -> dict:
    n = uuid.uuid4().int
    body = {
        "external_id": f"sec-{uuid.uuid4().hex[:16]}",
        "detected_at": datetime.now(UTC).isoformat(),
        "network": "vk",
        "url": f"https://vk.com/wall-77_{n % 10**7}?reply={n % 1000}",
        "author": {"id": f"id{n % 10**9}", "name": "Житель", "url": ""},
        "text": "Когда починят освещение на ул. Садовой?",
        "topic": "Благоустройство",
        "location": "с. Зудилово",
        "importance": "low",
        "curator": {"id": "c-1", "name": "Куратор"},
    }
    body.update(overrides)
    return body


class Desk:
    """Cases put into a state the quick way (the service layer), to act on through the API."""

    def __init__(self) -> None:
        self.d = deps()

    def actor(self, login: str):
        return self.d.directory.staff(login).actor()

    def received(self) -> Case:
        message = MessageIn.model_validate(new_message()).to_domain()
        return cases.receive_message(self.d, message, datetime.now(UTC)).case

    def in_work(self, *departments: str) -> Case:
        case = self.received()
        return cases.triage(
            self.d,
            self.actor("tech"),
            case.case_id,
            decision="accept",
            departments=list(departments),
            reason="",
            now=datetime.now(UTC),
        )

    def template(self) -> str:
        """A template of the desk's own, saved the quick way: its id."""
        template_id = f"sec-{uuid.uuid4().hex[:12]}"
        answer_templates.save_template(
            self.d,
            self.actor("resp"),
            template_id,
            title="Проверка",
            text="Здравствуйте, {имя}!",
            kind="final",
            topic=None,
            network=None,
            now=datetime.now(UTC),
        )
        return template_id

    def uploaded(self, department: str = "roads") -> tuple[Case, str]:
        """A case in work with a PNG uploaded for its draft, not yet confirmed: (case, file id)."""
        from tests.integration.uploads import png, post_form

        case = self.in_work(department)
        image = png()
        started = attachments.start_upload(
            self.d,
            self.actor(department),
            case.case_id,
            name="photo.png",
            content_type="image/png",
            size=len(image),
            now=datetime.now(UTC),
        )
        status, _ = post_form(
            started.form.url, started.form.fields, "photo.png", image, "image/png"
        )
        assert status < 300
        return case, started.key.rsplit("/", 1)[-1]

    def internal_review(self, department: str = "roads") -> tuple[Case, str]:
        case = self.in_work(department)
        return cases.submit_draft(
            self.d,
            self.actor(department),
            case.case_id,
            text="Проект ответа: ремонт запланирован.",
            kind="final",
            attachments=[],
            now=datetime.now(UTC),
        )

    def curator_review(self) -> tuple[Case, str]:
        case, draft_id = self.internal_review()
        case = cases.approve_draft(
            self.d, self.actor("resp"), case.case_id, draft_id, datetime.now(UTC)
        )
        return case, draft_id

    def approved(self) -> tuple[Case, str]:
        case, draft_id = self.curator_review()
        case = cases.curator_decision(
            self.d,
            external_id=case.message.external_id,
            event="draft_approved",
            draft_id=draft_id,
            comment="",
            now=datetime.now(UTC),
            delivery_key=f"callback:{uuid.uuid4().hex}",
        )
        return case, draft_id

    def ready_to_send(self) -> tuple[Case, str]:
        """A case registered by hand whose draft the responsible executor approved."""
        body = new_message()
        message = ManualMessageIn.model_validate(
            {k: v for k, v in body.items() if k not in ("curator", "network")}
        ).to_domain(self.d.policy.calendar.tz)
        case = cases.register_message(self.d, self.actor("tech"), message, datetime.now(UTC)).case
        case = cases.triage(
            self.d,
            self.actor("tech"),
            case.case_id,
            decision="accept",
            departments=["roads"],
            reason="",
            now=datetime.now(UTC),
        )
        case, draft_id = cases.submit_draft(
            self.d,
            self.actor("roads"),
            case.case_id,
            text="Проект ответа: ремонт запланирован.",
            kind="final",
            attachments=[],
            now=datetime.now(UTC),
        )
        case = cases.approve_draft(
            self.d, self.actor("resp"), case.case_id, draft_id, datetime.now(UTC)
        )
        return case, draft_id

    def case(self, case_id: str) -> Case:
        return self.d.store().get(case_id)

    def audit(self, case_id: str) -> list[dict]:
        return [audit_dict(r) for r in AuditRecord.query(case_id)]


def audit_dict(record: AuditRecord) -> dict:
    return {
        "case_id": record.case_id,
        "seq": record.seq,
        "at": record.at,
        "actor": record.actor,
        "role": record.role,
        "action": record.action,
        "details": record.details,
    }


@pytest.fixture
def desk(aws) -> Desk:
    return Desk()


# -- signatures ----------------------------------------------------------------------------------

NOW = float(int(time.time())) + 0.5  # the server's clock, pinned: the window is exact


@pytest.fixture
def clock(monkeypatch) -> Callable[[float], None]:
    """Pin the clock the handlers read (`otklik.entrypoints.http.time`) to an instant."""

    def pin(instant: float) -> None:
        monkeypatch.setattr(http, "time", SimpleNamespace(time=lambda: instant))

    pin(NOW)
    return pin


@pytest.fixture
def webhook_secrets(aws) -> Iterator[Callable[[str], None]]:
    """`webhook_secrets("new,old")`: the deployment's MONITORING_WEBHOOK_SECRET for one test."""
    saved = os.environ["MONITORING_WEBHOOK_SECRET"]

    def configure(value: str) -> None:
        os.environ["MONITORING_WEBHOOK_SECRET"] = value
        bootstrap.reset()

    yield configure
    os.environ["MONITORING_WEBHOOK_SECRET"] = saved
    bootstrap.reset()


def _header(body: bytes, *, at: float = NOW, secret: str | None = None) -> str:
    return signing.sign(body, secret or os.environ["MONITORING_WEBHOOK_SECRET"], int(at))


def _v1(body: bytes, *, at: float = NOW, secret: str | None = None) -> str:
    return _header(body, at=at, secret=secret).split("v1=", 1)[1]


def post_signed(api: Api, path: str, raw: bytes, header: str | None, **extra) -> Reply:
    headers = {} if header is None else {"x-signature": header}
    return api("POST", path, raw, headers={**headers, **extra})


def test_stripe_published_vector_verifies_with_the_same_code():
    """Stripe's own fixture, timestamp and secret give Stripe's own v1; our `sign` makes it and
    our `verify` accepts it inside the window (and only there), whatever else is in the header."""
    header = f"t={STRIPE_TIMESTAMP},v1={STRIPE_V1},v0={STRIPE_V0}"
    assert signing.sign(STRIPE_BODY, STRIPE_SECRET, STRIPE_TIMESTAMP) == (
        f"t={STRIPE_TIMESTAMP},v1={STRIPE_V1}"
    )
    now = STRIPE_TIMESTAMP + 100
    assert signing.verify(header, STRIPE_BODY, [STRIPE_SECRET], now)
    assert not signing.verify(header, STRIPE_BODY + b"this_changes_the_json", [STRIPE_SECRET], now)
    assert not signing.verify(header, STRIPE_BODY, ["webhook_secret2"], now)
    assert not signing.verify(header, STRIPE_BODY, [STRIPE_SECRET], STRIPE_TIMESTAMP + 400)
    assert not signing.verify(
        f"t={STRIPE_TIMESTAMP},v0={STRIPE_V0}", STRIPE_BODY, [STRIPE_SECRET], now
    )


def test_stripe_published_vector_passes_the_intake_signature_check(api, clock, webhook_secrets):
    """Through the handler: Stripe's signed request gets past the signature (its body is not a
    message, hence 422, not 401); one byte more and it is refused."""
    webhook_secrets(STRIPE_SECRET)
    clock(STRIPE_TIMESTAMP + 100)
    header = f"t={STRIPE_TIMESTAMP},v1={STRIPE_V1},v0={STRIPE_V0}"
    assert_error(post_signed(api, MESSAGES, STRIPE_BODY, header), 422, "validation_error")
    assert_error(post_signed(api, MESSAGES, STRIPE_BODY + b" ", header), 401, "unauthorized")


def test_a_validly_signed_message_is_accepted(api, clock):
    raw = json.dumps(new_message(), ensure_ascii=False).encode()
    reply = post_signed(api, MESSAGES, raw, _header(raw))
    assert reply.status == 201, reply.body
    assert reply["status"] == "received"


@pytest.mark.parametrize(
    "age",
    [-299, 0, 299, 300, -300],
    ids=["299s-ahead", "now", "299s-old", "300s-old", "300s-ahead"],
)
def test_a_signature_inside_the_window_is_accepted(api, clock, age):
    raw = json.dumps(new_message(), ensure_ascii=False).encode()
    stamp = int(NOW) - age
    clock(int(NOW))  # exactly `age` seconds apart: 300 is "not more than 300 s from now"
    reply = post_signed(api, MESSAGES, raw, _header(raw, at=stamp))
    assert reply.status == 201, reply.body


@pytest.mark.parametrize(
    "age", [301, -301, 3600, -86400], ids=["301s-old", "301s-ahead", "1h-old", "1d-ahead"]
)
def test_a_stale_or_future_signature_is_refused(api, clock, age):
    raw = json.dumps(new_message(), ensure_ascii=False).encode()
    reply = post_signed(api, MESSAGES, raw, _header(raw, at=NOW - age))
    assert_error(reply, 401, "unauthorized")


def test_a_signature_with_another_secret_is_refused(api, clock):
    raw = json.dumps(new_message(), ensure_ascii=False).encode()
    reply = post_signed(api, MESSAGES, raw, _header(raw, secret="not-the-secret"))
    assert_error(reply, 401, "unauthorized")


def test_a_tampered_body_is_refused(api, clock):
    message = new_message()
    raw = json.dumps(message, ensure_ascii=False).encode()
    header = _header(raw)
    tampered = json.dumps({**message, "importance": "high"}, ensure_ascii=False).encode()
    assert_error(post_signed(api, MESSAGES, tampered, header), 401, "unauthorized")
    # the same JSON, re-serialised with other spacing, is other bytes: refused as well
    respaced = json.dumps(message, ensure_ascii=False, indent=1).encode()
    assert_error(post_signed(api, MESSAGES, respaced, header), 401, "unauthorized")


def _malformed(raw: bytes) -> dict[str, str | None]:
    t, v1 = int(NOW), _v1(raw)
    return {
        "missing": None,
        "empty": "",
        "garbage": "garbage",
        "only-t": f"t={t}",
        "only-v1": f"v1={v1}",
        "empty-t": f"t=,v1={v1}",
        "empty-v1": f"t={t},v1=",
        "t-not-a-number": f"t=abc,v1={v1}",
        "t-negative": f"t=-{t},v1={v1}",
        "t-fraction": f"t={t}.0,v1={v1}",
        "t-superscript-digit": f"t=\u00b2,v1={v1}",
        "t-4000-digits": f"t={'9' * 4000},v1={v1}",
        "t-twice": f"t={t},t={t},v1={v1}",
        "t-of-another-time": f"t={t - 1},v1={v1}",
        "v1-truncated": f"t={t},v1={v1[:-1]}",
        "v1-upper-case": f"t={t},v1={v1.upper()}",
        "v1-not-hex": f"t={t},v1={'z' * 64}",
        "v1-non-ascii": f"t={t},v1=\u00e9{v1[1:]}",
        "v0-instead-of-v1": f"t={t},v0={v1}",
        "space-separated": f"t={t} v1={v1}",
        "semicolon-separated": f"t={t};v1={v1}",
        "sha256-prefix": f"t={t},v1=sha256={v1}",
        "huge": f"t={t}," + ",".join(["v1=" + "0" * 64] * 200),
    }


@pytest.mark.parametrize("route", [MESSAGES, CALLBACKS], ids=["intake", "callback"])
def test_missing_or_malformed_signatures_are_refused_alike(api, clock, route):
    """Each variant answers 401 with one and the same body: nothing tells a prober which part
    was wrong."""
    body = (
        new_message() if route == MESSAGES else {"external_id": "x", "event": "message_withdrawn"}
    )
    raw = json.dumps(body, ensure_ascii=False).encode()
    answers = {}
    for name, header in _malformed(raw).items():
        reply = post_signed(api, route, raw, header)
        assert_error(reply, 401, "unauthorized")
        answers[name] = reply.raw
    assert len(set(answers.values())) == 1, answers
    assert json.loads(next(iter(answers.values())))["error"]["fields"] == {}


def test_a_well_formed_header_in_another_order_is_accepted(api, clock):
    raw = json.dumps(new_message(), ensure_ascii=False).encode()
    header = f"v1={_v1(raw)},t={int(NOW)}"
    assert post_signed(api, MESSAGES, raw, header).status == 201


def test_several_v1_values_are_accepted_if_one_matches(api, clock):
    """A sender rotating its secret signs with both; an unreadable extra value is ignored."""
    raw = json.dumps(new_message(), ensure_ascii=False).encode()
    header = f"t={int(NOW)},v1={'0' * 64},v1=bad,v1={_v1(raw)},v1={_v1(raw, secret='x')}"
    assert post_signed(api, MESSAGES, raw, header).status == 201
    none_matching = f"t={int(NOW)},v1={'0' * 64},v1={_v1(raw, secret='x')}"
    assert_error(post_signed(api, MESSAGES, raw, none_matching), 401, "unauthorized")


def test_rotation_accepts_the_new_and_the_old_secret_and_nothing_else(api, clock, webhook_secrets):
    """MONITORING_WEBHOOK_SECRET="new,old" while the monitoring system switches over."""
    webhook_secrets(" new-secret , old-secret ,")
    for secret, expected in (("new-secret", 201), ("old-secret", 201), ("third", 401)):
        raw = json.dumps(new_message(), ensure_ascii=False).encode()
        reply = post_signed(api, MESSAGES, raw, _header(raw, secret=secret))
        assert reply.status == expected, (secret, reply.body)
    webhook_secrets("new-secret")  # the old one retired
    raw = json.dumps(new_message(), ensure_ascii=False).encode()
    assert_error(
        post_signed(api, MESSAGES, raw, _header(raw, secret="old-secret")), 401, "unauthorized"
    )


# -- replays -------------------------------------------------------------------------------------


def test_a_replayed_intake_answers_200_with_the_same_case_and_changes_nothing(api, desk):
    message = new_message()
    raw = json.dumps(message, ensure_ascii=False).encode()
    header = signing.sign(raw, os.environ["MONITORING_WEBHOOK_SECRET"], int(time.time()))
    first = post_signed(api, MESSAGES, raw, header)
    assert first.status == 201, first.body
    case_id = first["case_id"]
    before = (desk.case(case_id), desk.audit(case_id))

    replay = post_signed(api, MESSAGES, raw, header)  # the very same request again
    resent = api.signed(MESSAGES, message)  # a retry, signed anew
    changed = api.signed(MESSAGES, {**message, "text": "Другой текст", "importance": "high"})
    for reply in (replay, resent, changed):
        assert reply.status == 200, reply.body
        assert reply["case_id"] == case_id
        assert reply["status"] == first["status"]
        assert reply["deadlines"] == first["deadlines"]
    after = (desk.case(case_id), desk.audit(case_id))
    assert after[0].version == before[0].version
    assert after[0].message == before[0].message
    assert after[1] == before[1]


def _callback_case(desk: Desk) -> tuple[Case, str]:
    case, draft_id = desk.curator_review()
    return case, draft_id


def test_a_replayed_curator_callback_with_the_same_delivery_id_changes_nothing(api, desk):
    case, draft_id = _callback_case(desk)
    body = {
        "external_id": case.message.external_id,
        "event": "draft_returned",
        "draft_id": draft_id,
        "comment": "Добавьте сроки.",
    }
    delivery = {"x-delivery-id": f"dlv-{uuid.uuid4().hex}"}
    first = api.signed(CALLBACKS, body, headers=delivery)
    assert first.status == 200, first.body
    assert first["status"] == "rework"
    before = (desk.case(case.case_id).version, desk.audit(case.case_id))

    # the same delivery again, re-signed later: nothing happens
    reply = api.signed(CALLBACKS, body, headers=delivery)
    assert reply.status == 200, reply.body
    assert reply["status"] == "rework"
    # the same delivery id for another decision: refused, and nothing happens either
    for reused in ({**body, "event": "draft_approved"}, {**body, "comment": "Иначе"}):
        reply = api.signed(CALLBACKS, reused, headers=delivery)
        assert reply.status == 409, reply.body
    assert (desk.case(case.case_id).version, desk.audit(case.case_id)) == before


def test_a_delivery_id_of_any_length_works_and_still_stops_a_replay(api, desk):
    case, draft_id = _callback_case(desk)
    body = {
        "external_id": case.message.external_id,
        "event": "draft_approved",
        "draft_id": draft_id,
        "comment": "",
    }
    delivery = {"x-delivery-id": "d" * 5000}  # past DynamoDB's 2,048-byte key limit if raw
    first = api.signed(CALLBACKS, body, headers=delivery)
    assert first.status == 200, first.body
    assert first["status"] == "approved"
    before = desk.case(case.case_id).version
    again = api.signed(CALLBACKS, body, headers=delivery)
    assert again.status == 200, again.body
    assert desk.case(case.case_id).version == before


def test_a_replayed_curator_callback_without_delivery_id_is_known_by_its_body(api, desk):
    case, draft_id = _callback_case(desk)
    raw = json.dumps(
        {
            "external_id": case.message.external_id,
            "event": "draft_approved",
            "draft_id": draft_id,
            "comment": "",
            "at": datetime.now(UTC).isoformat(),
        }
    ).encode()
    first = api.signed(CALLBACKS, raw)
    assert first.status == 200, first.body
    assert first["status"] == "approved"
    before = (desk.case(case.case_id).version, desk.audit(case.case_id))
    replay = api.signed(CALLBACKS, raw)  # the same bytes, signed again by a retrying sender
    assert replay.status == 200, replay.body
    assert replay["status"] == "approved"
    assert (desk.case(case.case_id).version, desk.audit(case.case_id)) == before


# -- authentication ------------------------------------------------------------------------------


def _unauthorized_body(api: Api) -> str:
    return api("GET", "/api/v1/me").raw


def test_a_wrong_password_or_unknown_login_is_refused_alike(api):
    wrong = api("POST", "/api/v1/auth/login", {"login": "tech", "password": "demo1"})
    unknown = api("POST", "/api/v1/auth/login", {"login": "nobody", "password": "demo"})
    empty = api("POST", "/api/v1/auth/login", {"login": "tech", "password": " "})
    for reply in (wrong, unknown):
        assert_error(reply, 401, "unauthorized")
        assert "token" not in reply.raw
    assert wrong.raw == unknown.raw
    assert_error(empty, 422, "validation_error")


def test_the_right_password_gives_a_token_that_works(api):
    token = api.login("head")
    assert api("GET", "/api/v1/me", token=token)["login"] == "head"


def test_an_expired_token_is_refused(api, aws):
    secret = deps().settings.token_secret
    ttl = deps().settings.token_ttl_minutes
    expired = auth.issue_token("tech", secret, time.time() - ttl * 60 - 1, ttl)
    fresh = auth.issue_token("tech", secret, time.time(), ttl)
    assert api("GET", "/api/v1/me", token=fresh).status == 200  # the same recipe, in time
    reply = api("GET", "/api/v1/me", token=expired)
    assert_error(reply, 401, "unauthorized")
    assert reply.raw == _unauthorized_body(api)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_tampered_and_foreign_tokens_are_refused_alike(api):
    token = api.token("roads")
    payload, mac = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    promoted = _b64(json.dumps({**claims, "sub": "resp"}).encode())
    prolonged = _b64(json.dumps({**claims, "exp": claims["exp"] + 10**6}).encode())
    foreign = auth.issue_token("resp", "another-deployments-secret", time.time(), 60)
    variants = {
        "sub-changed": f"{promoted}.{mac}",
        "exp-changed": f"{prolonged}.{mac}",
        "mac-flipped": f"{payload}.{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",
        "mac-missing": f"{payload}.",
        "payload-only": payload,
        "foreign-secret": foreign,
        "non-ascii": f"{payload}.{mac[:-1]}\u00e9",
        "garbage": "not-a-token",
    }
    expected = _unauthorized_body(api)
    for name, variant in variants.items():
        reply = api("GET", "/api/v1/cases", token=variant)
        assert_error(reply, 401, "unauthorized")
        assert reply.raw == expected, name
    for header in ("", "Bearer", "Bearer ", f"Basic {token}", token, f"Token {token}"):
        reply = api("GET", "/api/v1/cases", headers={"authorization": header})
        assert_error(reply, 401, "unauthorized")
    assert api("GET", "/api/v1/cases", token=token).status == 200  # the untouched one works


def test_a_token_is_refused_after_logout_and_other_sessions_go_on(api):
    first, second = api.login("resp"), api.login("resp")
    assert api("GET", "/api/v1/me", token=first).status == 200
    assert api("POST", "/api/v1/auth/logout", token=first).status == 200
    for method, path in (("GET", "/api/v1/me"), ("GET", "/api/v1/cases")):
        assert_error(api(method, path, token=first), 401, "unauthorized")
    assert_error(api("POST", "/api/v1/auth/logout", token=first), 401, "unauthorized")
    assert api("GET", "/api/v1/me", token=second).status == 200


def test_passwords_are_stored_as_scrypt_hashes(aws):
    for login in LOGINS:
        stored = deps().directory.staff(login).password_hash
        scheme, params, salt, key = stored.split("$")
        assert (scheme, params) == ("scrypt", "ln=17,r=8,p=1")  # N=2^17, kept in the hash
        assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(key)) == 32
        assert "demo" not in stored
        assert auth.check_password("demo", stored)
        assert not auth.check_password("Demo", stored)
    assert not auth.check_password("\ud800", stored)  # not encodable: not a password
    assert not auth.check_password("demo", "scrypt$zz$zz")  # a damaged hash refuses
    assert not auth.check_password("demo", "md5$" + "0" * 32)  # another scheme refuses
    two = {auth.hash_password("demo") for _ in range(2)}
    assert len(two) == 2, "each hash has its own salt"


# -- the role x action matrix --------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """A staff route on a case in the state that makes its action possible."""

    method: str
    path: str  # with {case_id} and {draft_id}
    setup: Callable[[Desk], tuple[Case | None, str | None]]
    body: dict | None = None
    action: str | None = None  # the audit entry a success leaves (None: reads nothing changes)
    query: dict | None = None


def _month() -> str:
    return datetime.now(deps().display_tz).strftime("%Y-%m")


SCENARIOS: dict[str, Scenario] = {
    "me": Scenario("GET", "/api/v1/me", lambda d: (None, None)),
    "inbox": Scenario("GET", "/api/v1/cases", lambda d: (d.in_work("roads"), None)),
    "view-received-case": Scenario(
        "GET", "/api/v1/cases/{case_id}", lambda d: (d.received(), None)
    ),
    "view-roads-case": Scenario(
        "GET", "/api/v1/cases/{case_id}", lambda d: (d.in_work("roads"), None)
    ),
    "triage": Scenario(
        "POST",
        "/api/v1/cases/{case_id}/triage",
        lambda d: (d.received(), None),
        {"decision": "accept", "departments": ["roads"]},
        "accepted",
    ),
    "contribute-joint-case": Scenario(
        "POST",
        "/api/v1/cases/{case_id}/contributions",
        lambda d: (d.in_work("roads", "housing"), None),
        {"text": "Вклад отдела."},
        "contribution_submitted",
    ),
    "contribute-housing-case": Scenario(
        "POST",
        "/api/v1/cases/{case_id}/contributions",
        lambda d: (d.in_work("housing"), None),
        {"text": "Вклад отдела."},
        "contribution_submitted",
    ),
    "draft-roads-case": Scenario(
        "POST",
        "/api/v1/cases/{case_id}/drafts",
        lambda d: (d.in_work("roads"), None),
        {"text": "Проект ответа.", "kind": "final"},
        "draft_submitted",
    ),
    "note-roads-case": Scenario(
        "POST",
        "/api/v1/cases/{case_id}/notes",
        lambda d: (d.in_work("roads"), None),
        {"text": "Позвонили в МУП."},
        "note_added",
    ),
    "assign-roads-case": Scenario(
        "POST",
        "/api/v1/cases/{case_id}/assignee",
        lambda d: (d.in_work("roads"), None),
        {"login": "popov", "department": "roads"},
        "executor_assigned",
    ),
    "draft-joint-case": Scenario(
        "POST",
        "/api/v1/cases/{case_id}/drafts",
        lambda d: (d.in_work("roads", "housing"), None),
        {"text": "Совместный проект ответа.", "kind": "final"},
        "draft_submitted",
    ),
    "approve-draft": Scenario(
        "POST",
        "/api/v1/cases/{case_id}/drafts/{draft_id}/approve",
        lambda d: d.internal_review("roads"),
        None,
        "draft_approved",
    ),
    "reject-draft": Scenario(
        "POST",
        "/api/v1/cases/{case_id}/drafts/{draft_id}/reject",
        lambda d: d.internal_review("roads"),
        {"comment": "Уточните сроки."},
        "draft_rejected",
    ),
    "register-case": Scenario(
        "POST",
        "/api/v1/cases",
        lambda d: (None, None),
        {
            "url": "https://vk.com/wall-77_9900001?reply=9900002",
            "text": "Когда починят освещение на ул. Садовой?",
            "author": {"name": "Житель"},
            "detected_at": "2026-01-15T10:00:00+07:00",
            "topic": "Благоустройство",
            "importance": "low",
        },
    ),
    "parse-notice": Scenario(
        "POST",
        "/api/v1/notices/parse",
        lambda d: (None, None),
        {"text": "Дата обнаружения: 02.12.2026 10:15\nСсылка: https://vk.com/wall-1_2"},
    ),
    "mark-sent": Scenario(
        "POST",
        "/api/v1/cases/{case_id}/drafts/{draft_id}/sent",
        lambda d: d.ready_to_send(),
        None,
        "draft_sent_to_curator",
    ),
    "record-curator-decision": Scenario(
        "POST",
        "/api/v1/cases/{case_id}/curator-decision",
        lambda d: (d.in_work("roads"), None),
        {"event": "message_withdrawn", "comment": "Автор удалил пост."},
        "withdrawn",
    ),
    "check-draft-roads-case": Scenario(
        "POST",
        "/api/v1/cases/{case_id}/drafts/check",
        lambda d: (d.in_work("roads"), None),
        {"text": "Ваше обращение принято к сведению.", "kind": "final"},
    ),
    "start-upload-roads-case": Scenario(
        "POST",
        "/api/v1/cases/{case_id}/attachments",
        lambda d: (d.in_work("roads"), None),
        {"name": "photo.png", "content_type": "image/png", "size": 1000},
    ),
    "confirm-upload-roads-case": Scenario(
        "POST",
        "/api/v1/cases/{case_id}/attachments/{file_id}/confirm",
        lambda d: d.uploaded("roads"),
    ),
    "record-publication": Scenario(
        "POST",
        "/api/v1/cases/{case_id}/publication",
        lambda d: d.approved(),
        {"url": "https://vk.com/wall-170171414_1"},  # the administration's page (OWN_PAGES)
        "published",
    ),
    "monthly-report": Scenario(
        "GET", "/api/v1/reports/monthly", lambda d: (None, None), query={"format": "html"}
    ),
    "breach-report": Scenario("GET", "/api/v1/reports/breaches", lambda d: (None, None)),
    "dashboard": Scenario("GET", "/api/v1/dashboard", lambda d: (None, None)),
    "templates": Scenario("GET", "/api/v1/templates", lambda d: (None, None)),
    "save-template": Scenario(
        "PUT",
        "/api/v1/templates/{template_id}",
        lambda d: (None, "security-check"),
        {"title": "Проверка", "text": "Здравствуйте, {имя}!", "kind": "final"},
    ),
    "delete-template": Scenario(
        "DELETE", "/api/v1/templates/{template_id}", lambda d: (None, d.template())
    ),
    "logout": Scenario("POST", "/api/v1/auth/logout", lambda d: (None, None)),
}

# Who gets what. Executors: `roads` is the department of the roads cases; `housing` is then the
# executor of another department: a case of another department is not found (404) when viewed,
# and an action their role may take is not found on it either (404: no refusal tells its status);
# an action the role may never take is forbidden (403) before the case is looked up. No token:
# 401 before anything else.
#                            tech resp roads housing head  none
MATRIX: dict[str, tuple[int, int, int, int, int, int]] = {
    "me":                      (200, 200, 200, 200, 200, 401),
    "inbox":                   (200, 200, 200, 200, 200, 401),
    "view-received-case":      (200, 200, 404, 404, 200, 401),
    "view-roads-case":         (200, 200, 200, 404, 200, 401),
    "triage":                  (200, 403, 403, 403, 403, 401),
    "contribute-joint-case":   (403, 403, 200, 200, 403, 401),
    # roads: another department's case; housing: its own, but a single department's case
    # asks for no contribution
    "contribute-housing-case": (403, 403, 404, 403, 403, 401),
    "draft-roads-case":        (403, 201, 201, 404, 403, 401),
    # a joint answer is the responsible executor's alone
    "draft-joint-case":        (403, 201, 403, 403, 403, 401),
    # an internal note: every official who sees the case
    "note-roads-case":         (201, 201, 201, 404, 201, 401),
    # a department's part to one of its officials: its head, or the responsible executor
    "assign-roads-case":       (403, 200, 200, 404, 403, 401),
    "approve-draft":           (403, 200, 403, 403, 403, 401),
    "reject-draft":            (403, 200, 403, 403, 403, 401),
    "register-case":           (201, 403, 403, 403, 403, 401),
    "parse-notice":            (200, 403, 403, 403, 403, 401),
    "mark-sent":               (200, 403, 403, 403, 403, 401),
    "record-curator-decision": (200, 403, 403, 403, 403, 401),
    # the advice, for whoever may write the draft now (a read: nothing changes)
    "check-draft-roads-case":  (403, 200, 200, 404, 403, 401),
    # a draft's files, for whoever may write the draft now (the case itself does not change)
    "start-upload-roads-case":   (403, 201, 201, 404, 403, 401),
    "confirm-upload-roads-case": (403, 200, 200, 404, 403, 401),
    "record-publication":      (200, 403, 403, 403, 403, 401),
    "monthly-report":          (403, 200, 403, 403, 200, 401),
    "breach-report":           (403, 200, 403, 403, 200, 401),
    "dashboard":               (403, 200, 403, 403, 200, 401),
    # the library of answer templates: read by all, kept by the responsible and technical
    "templates":               (200, 200, 200, 200, 200, 401),
    "save-template":           (200, 200, 403, 403, 403, 401),
    "delete-template":         (200, 200, 403, 403, 403, 401),
    "logout":                  (200, 200, 200, 200, 200, 401),
}  # fmt: skip
CALLERS = (*LOGINS, None)
CELLS = [
    pytest.param(name, login, expected, id=f"{name}-as-{login or 'anonymous'}-{expected}")
    for name, row in MATRIX.items()
    for login, expected in zip(CALLERS, row, strict=True)
]


def test_the_matrix_covers_every_staff_route_of_the_contract():
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    staff_routes = {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and {"staffBearer": []} in operation.get("security", [])
    }
    covered = {(s.method, s.path) for s in SCENARIOS.values()}
    assert covered == staff_routes
    assert set(MATRIX) == set(SCENARIOS)


@pytest.fixture(scope="module")
def password_material(aws) -> list[str]:
    """Every stored hash, its salt and its key: none of them may appear in any answer."""
    material = []
    for login in LOGINS:
        stored = deps().directory.staff(login).password_hash
        material += [stored, *stored.split("$")[1:]]
    return material


@pytest.mark.parametrize(("name", "login", "expected"), CELLS)
def test_role_action_matrix(api, desk, password_material, name, login, expected):
    scenario = SCENARIOS[name]
    case, draft_id = scenario.setup(desk)
    path = scenario.path.format(
        case_id=case.case_id if case else "",
        draft_id=draft_id or "",
        file_id=draft_id or "",
        template_id=draft_id or "",  # a template's scenario sets it up in the draft's place
    )
    before = (desk.case(case.case_id), desk.audit(case.case_id)) if case else None
    token = None
    if login is not None:
        token = api.login(login) if name == "logout" else api.token(login)
    started = datetime.now(UTC)

    reply = api(scenario.method, path, scenario.body, token=token, query=scenario.query)

    assert reply.status == expected, (reply.status, reply.body)
    for secret in password_material:
        assert secret not in reply.raw
    assert "password" not in reply.raw
    if expected >= 400:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found"}[expected]
        assert_error(reply, expected, code)
    if case is None:
        return
    after = (desk.case(case.case_id), desk.audit(case.case_id))
    if expected >= 400 or scenario.action is None:
        assert after[0].version == before[0].version, "a refused or read-only call changed it"
        assert after[1] == before[1], "a refused or read-only call wrote to the audit trail"
        return
    new = after[1][len(before[1]) :]
    assert after[1][: len(before[1])] == before[1], "earlier audit entries were altered"
    actions = [scenario.action]
    if scenario.action == "draft_submitted" and login == "resp":
        actions.append("draft_approved")  # his own draft is approved as he submits it (cl. 12)
    assert [(e["actor"], e["action"]) for e in new] == [(login, a) for a in actions]
    assert started <= datetime.fromisoformat(new[0]["at"]) <= datetime.now(UTC)
    assert new[0]["role"] == desk.actor(login).role.value


def _every_case_id(api: Api, login: str) -> set[str]:
    """The case ids of every page of the caller's inbox."""
    found, query = set(), {"limit": "200"}
    while True:
        page = api("GET", "/api/v1/cases", as_=login, query=query)
        found |= {c["case_id"] for c in page["cases"]}
        if page["cursor"] is None:
            return found
        query = {"limit": "200", "cursor": page["cursor"]}


def test_an_executor_lists_only_the_cases_of_their_department(api, desk):
    roads_case, housing_case = desk.in_work("roads"), desk.in_work("housing")
    joint = desk.in_work("roads", "housing")
    unassigned = desk.received()
    seen = {login: _every_case_id(api, login) for login in ("roads", "housing", "tech")}
    mine = {roads_case.case_id, housing_case.case_id, joint.case_id, unassigned.case_id}
    assert seen["roads"] & mine == {roads_case.case_id, joint.case_id}
    assert seen["housing"] & mine == {housing_case.case_id, joint.case_id}
    assert seen["tech"] & mine == mine
    for case_id in seen["roads"]:  # nothing of another department slips in
        assert "roads" in desk.case(case_id).departments
    # another department's case looks exactly like one that does not exist
    foreign = api("GET", f"/api/v1/cases/{housing_case.case_id}", as_="roads")
    missing = api("GET", f"/api/v1/cases/{uuid.uuid4().hex}", as_="roads")
    assert_error(foreign, 404, "not_found")
    assert foreign.raw == missing.raw
    # asking for another department's cases by filter gives nothing of theirs either
    filtered = api("GET", "/api/v1/cases", as_="roads", query={"department": "housing"})
    assert {c["case_id"] for c in filtered["cases"]} & mine == {joint.case_id}


def test_an_executor_acting_on_another_departments_case_learns_nothing_of_it(api, desk):
    """Whatever state another department's case is in, an action the executor's role may take
    on it answers exactly as on a case that does not exist (not a 409 naming its status)."""
    housing_case = desk.in_work("housing")
    missing = uuid.uuid4().hex
    attempts = (
        ("contributions", {"text": "Часть ответа"}),
        ("drafts", {"text": "Ответ", "kind": "final"}),
    )
    for route, body in attempts:
        foreign = api("POST", f"/api/v1/cases/{housing_case.case_id}/{route}", body, as_="roads")
        nowhere = api("POST", f"/api/v1/cases/{missing}/{route}", body, as_="roads")
        assert_error(foreign, 404, "not_found")
        assert foreign.raw == nowhere.raw, route
    assert desk.case(housing_case.case_id).version == housing_case.version  # left as it was


# -- the audit trail -----------------------------------------------------------------------------


def test_every_action_leaves_one_audit_entry_with_who_and_when(api, desk):
    """A case from intake to publication through the API, with refused attempts in between:
    the audit table holds exactly one entry per action taken, by whom, at the time it was
    taken, in order, and the case's timeline says the same."""
    taken: list[tuple[str, str, datetime, datetime]] = []  # actor, action, not before, not after

    def step(actor: str, action: str, call: Callable[[], Reply], status: int) -> Reply:
        start = datetime.now(UTC)
        reply = call()
        assert reply.status == status, (action, reply.body)
        taken.append((actor, action, start, datetime.now(UTC)))
        return reply

    def refused(call: Callable[[], Reply], status: int) -> None:
        assert call().status == status

    message = new_message()
    external_id = message["external_id"]
    case_id = step("system", "received", lambda: api.signed(MESSAGES, message), 201)["case_id"]
    base = f"/api/v1/cases/{case_id}"
    refused(lambda: api("POST", f"{base}/triage", {"decision": "accept"}, as_="resp"), 403)
    step(
        "tech",
        "accepted",
        lambda: api(
            "POST",
            f"{base}/triage",
            {"decision": "accept", "departments": ["roads", "housing"]},
            as_="tech",
        ),
        200,
    )
    refused(lambda: api("POST", f"{base}/triage", {"decision": "accept"}, as_="tech"), 409)
    refused(lambda: api("POST", f"{base}/assignee", {"login": "orlova"}, as_="popov"), 403)
    step(
        "roads",
        "executor_assigned",
        lambda: api("POST", f"{base}/assignee", {"login": "popov"}, as_="roads"),
        200,
    )
    for author in ("popov", "housing"):  # roads' part by Popov, whom it was given
        step(
            author,
            "contribution_submitted",
            lambda a=author: api("POST", f"{base}/contributions", {"text": a}, as_=a),
            200,
        )
    refused(lambda: api("POST", f"{base}/contributions", {"text": "ещё"}, as_="roads"), 409)

    def draft() -> str:
        """resp writes the joint answer: submitted and, being his own, approved in one call."""
        start = datetime.now(UTC)
        reply = api("POST", f"{base}/drafts", {"text": "Ответ", "kind": "final"}, as_="resp")
        assert reply.status == 201, reply.body
        end = datetime.now(UTC)
        taken.extend(
            [("resp", "draft_submitted", start, end), ("resp", "draft_approved", start, end)]
        )
        return reply["draft_id"]

    first = draft()
    refused(lambda: api("POST", f"{base}/drafts/{first}/approve", as_="roads"), 403)
    refused(lambda: api("POST", f"{base}/drafts/{first}/approve", as_="resp"), 409)
    returned = {
        "external_id": external_id,
        "event": "draft_returned",
        "draft_id": first,
        "comment": "Добавьте сроки.",
    }
    delivery = {"x-delivery-id": uuid.uuid4().hex}
    step("c-1", "curator_returned", lambda: api.signed(CALLBACKS, returned, headers=delivery), 200)
    assert api.signed(CALLBACKS, returned, headers=delivery).status == 200  # a replay: no entry
    second = draft()
    approved = {"external_id": external_id, "event": "draft_approved", "draft_id": second}
    step("c-1", "curator_approved", lambda: api.signed(CALLBACKS, approved), 200)
    refused(
        lambda: api("POST", f"{base}/publication", {"url": "https://vk.com/a"}, as_="resp"), 403
    )
    step(
        "tech",
        "published",
        lambda: api(
            "POST", f"{base}/publication", {"url": f"{message['url']}&answer=1"}, as_="tech"
        ),
        200,
    )
    # withdrawing an answered message contradicts the record: refused, kept, told to tech
    step(
        "c-1",
        "curator_decision_conflict",
        lambda: api.signed(CALLBACKS, {"external_id": external_id, "event": "message_withdrawn"}),
        409,
    )

    audit = desk.audit(case_id)
    assert [(e["actor"], e["action"]) for e in audit] == [(a, x) for a, x, _, _ in taken]
    for entry, (_, _, start, end) in zip(audit, taken, strict=True):
        assert start <= datetime.fromisoformat(entry["at"]) <= end, entry
    assert [e["seq"] for e in audit] == sorted(e["seq"] for e in audit)
    roles = {e["actor"]: e["role"] for e in audit}
    assert roles == {
        "system": "system",
        "tech": "technical",
        "roads": "executor",
        "popov": "executor",
        "housing": "executor",
        "resp": "responsible",
        "c-1": "curator",
    }
    case = desk.case(case_id)
    assert case.status is Status.ANSWERED
    assert [(e.actor, e.action, e.at) for e in case.timeline] == [
        (e["actor"], e["action"], datetime.fromisoformat(e["at"])) for e in audit
    ]
    timeline = api("GET", base, as_="head")["timeline"]
    assert [(e["actor"], e["action"]) for e in timeline] == [(a, x) for a, x, _, _ in taken]


def test_a_rejected_draft_leaves_its_audit_entries_by_author_and_approver(api, desk):
    """A department's draft rejected by the responsible executor and written again: each step
    is one entry by the official who took it (the joint answer above has no rejection: the
    responsible executor's own draft is approved as he submits it)."""
    case = desk.in_work("roads")
    base = f"/api/v1/cases/{case.case_id}"
    first = api("POST", f"{base}/drafts", {"text": "Ответ", "kind": "final"}, as_="roads")
    assert first.status == 201, first.body
    draft_id = first["draft_id"]
    rejected = api("POST", f"{base}/drafts/{draft_id}/reject", {"comment": "Нет"}, as_="resp")
    assert (rejected.status, rejected["status"]) == (200, "in_work"), rejected.body
    second = api("POST", f"{base}/drafts", {"text": "Ответ 2", "kind": "final"}, as_="roads")
    assert second.status == 201, second.body

    audit = desk.audit(case.case_id)
    assert [(e["actor"], e["action"]) for e in audit][-3:] == [
        ("roads", "draft_submitted"),
        ("resp", "draft_rejected"),
        ("roads", "draft_submitted"),
    ]
    assert audit[-2]["details"]["draft_id"] == draft_id


def _audit_table() -> dict[tuple[str, str], dict]:
    return {(r.case_id, r.seq): audit_dict(r) for r in AuditRecord.scan()}


def _documented_operations() -> list[tuple[str, str, dict]]:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                found.append((method.upper(), path, operation))
    return found


def _example_body(operation: dict) -> dict | None:
    content = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
    if not content:
        return None
    if "example" in content:
        return content["example"]
    examples = content.get("examples") or {}
    return next(iter(examples.values()))["value"] if examples else {}


def test_no_route_changes_or_deletes_audit_entries(api, desk):
    """Every documented route, called by every official (and signed, for the monitoring
    system's), on a closed case and on one in review: entries already written stay exactly as
    they were; only the actions that succeed append theirs."""
    closed, closed_draft = desk.approved()
    cases.record_publication(
        desk.d,
        desk.actor("tech"),
        closed.case_id,
        url=f"{closed.message.url}&answer=1",
        now=datetime.now(UTC),
    )
    review, review_draft = desk.internal_review()
    before = _audit_table()
    assert (closed.case_id, min(k[1] for k in before if k[0] == closed.case_id)) in before

    statuses = set()
    for method, template, operation in _documented_operations():
        for case_id, draft_id in ((closed.case_id, closed_draft), (review.case_id, review_draft)):
            path = template.format(
                case_id=case_id, draft_id=draft_id, file_id=draft_id, template_id="interim"
            )
            body = _example_body(operation)
            if template in (MESSAGES, CALLBACKS):
                if template == MESSAGES:
                    body = {**body, "external_id": f"sec-{uuid.uuid4().hex}"}
                if template == CALLBACKS:
                    body = {**body, "external_id": desk.case(case_id).message.external_id}
                statuses.add(api.signed(path, body).status)
                continue
            for login in LOGINS:
                token = api.login(login) if path.endswith("/logout") else api.token(login)
                statuses.add(api(method, path, body, token=token).status)
    assert max(statuses) < 500, statuses

    after = _audit_table()
    assert {k: after[k] for k in before} == before, "an audit entry was changed or deleted"
    on_closed = {after[k]["action"] for k in after.keys() - before.keys() if k[0] == closed.case_id}
    assert on_closed == {"note_added"}  # a closed case takes no further action, but notes


HOSTILE_PATHS = (
    "/api/v1/cases/{case_id}",
    "/api/v1/cases/{case_id}/audit",
    "/api/v1/cases/{case_id}/timeline",
    "/api/v1/cases/{case_id}/timeline/0",
    "/api/v1/audit",
    "/api/v1/audit/{case_id}",
)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_no_method_or_path_reaches_the_audit_trail(api, desk, method):
    """Attempts to edit or delete a case or its history: through the local gateway (which
    routes as the template does) and straight at the staff function (as a catch-all route
    would), each answers 404 or 405 in the contract's shape and nothing changes."""
    case, _ = desk.internal_review()
    before = _audit_table()
    gateway = create_app(web=None, namespace="integration").test_client()
    token = api.token("resp")
    for template in HOSTILE_PATHS:
        path = template.format(case_id=case.case_id)
        through_gateway = gateway.open(
            path, method=method, json={"timeline": []}, headers={"Authorization": f"Bearer {token}"}
        )
        assert through_gateway.status_code in (404, 405), (method, path)
        reply = Reply(through_gateway.status_code, through_gateway.get_json(), "")
        assert_error(reply, through_gateway.status_code)
        direct = api(method, path, {"timeline": []}, token=token, function="staff_api")
        assert direct.status in (404, 405), (method, path, direct.body)
        assert_error(direct, direct.status)
    assert _audit_table() == before


# -- validation ----------------------------------------------------------------------------------

STAFF_BODY_ROUTES = (
    ("resp", "/api/v1/cases/{case_id}/drafts"),
    ("tech", "/api/v1/cases/{case_id}/triage"),
    ("roads", "/api/v1/cases/{case_id}/notes"),
)

NOTE_TEXTS = {
    "control-characters": "звонок\x00\x07\x1b\u202eмастеру\x7f",
    "formula": '=HYPERLINK("http://evil.example","жми")',
    "html": "<img src=x onerror=alert(1)><script>alert(2)</script>",
}


@pytest.mark.parametrize("name", list(NOTE_TEXTS))
def test_a_note_keeps_hostile_text_as_data(api, desk, name):
    case = desk.in_work("roads")
    text = NOTE_TEXTS[name]

    reply = api("POST", f"/api/v1/cases/{case.case_id}/notes", {"text": text}, as_="roads")

    assert reply.status == 201, reply.body
    assert reply["notes"][-1]["text"] == text.strip()
    assert reply["notes"][-1]["author_name"] == desk.actor("roads").name
    assert desk.case(case.case_id).notes[-1].text == text.strip()


def test_a_note_of_20000_characters_or_none_is_422_and_the_case_stays(api, desk):
    case = desk.in_work("roads")
    for text in ("я" * 20_000, "", "   "):
        reply = api("POST", f"/api/v1/cases/{case.case_id}/notes", {"text": text}, as_="roads")
        assert_error(reply, 422, None)
        assert "text" in reply["error"]["fields"]
    assert desk.case(case.case_id).version == case.version


@pytest.mark.parametrize("name", list(NOTE_TEXTS))
def test_an_answer_template_keeps_hostile_text_as_data(api, desk, name):
    text = NOTE_TEXTS[name]
    template_id = f"sec-{uuid.uuid4().hex[:12]}"
    body = {"title": text, "text": text, "topic": text}

    reply = api("PUT", f"/api/v1/templates/{template_id}", body, as_="tech")

    assert reply.status == 200, reply.body
    kept = "".join(c for c in text if c.isprintable()).strip()
    assert (reply["title"], reply["text"], reply["topic"]) == (kept, kept, kept)
    listed = api("GET", "/api/v1/templates", as_="roads")["templates"]
    assert {"template_id": template_id, "text": kept} in [
        {"template_id": t["template_id"], "text": t["text"]} for t in listed
    ]


def test_an_answer_template_of_20000_characters_or_none_is_422_and_the_library_stays(api, desk):
    template_id = desk.template()
    before = api("GET", "/api/v1/templates", as_="resp")["templates"]
    for title, text in (("Проверка", "я" * 20_000), ("я" * 20_000, "Текст"), ("  ", "\x00")):
        body = {"title": title, "text": text}
        reply = api("PUT", f"/api/v1/templates/{template_id}", body, as_="resp")
        assert_error(reply, 422, None)
        assert set(reply["error"]["fields"]) & {"title", "text"}, reply.body
    assert api("GET", "/api/v1/templates", as_="resp")["templates"] == before


def test_an_oversize_body_is_413_signed_or_not(api, desk):
    big = new_message(text="я" * 150_000)  # 300 000 bytes of UTF-8
    assert_error(api.signed(MESSAGES, big), 413, "too_large")
    assert_error(api("POST", MESSAGES, big), 413, "too_large")  # refused before any HMAC
    case = desk.in_work("roads")
    for login, route in STAFF_BODY_ROUTES:
        reply = api("POST", route.format(case_id=case.case_id), {"text": "я" * 150_000}, as_=login)
        assert_error(reply, 413, "too_large")
    assert desk.case(case.case_id).version == case.version


HOSTILE_BODIES = {
    "not-json": (b"external_id=im-1&text=hello", 400),
    "truncated-json": (b'{"external_id": "im-1", ', 400),
    "json-array": (b"[]", 400),
    "json-string": (b'"hello"', 400),
    "json-number": (b"42", 400),
    "json-null": (b"null", 400),
    "not-utf8": (b'{"text": "\xff\xfe\xfd"}', 400),
    "nested-100000-deep": (b"[" * 100_000 + b"]" * 100_000, 400),
    "nested-object-deep": (b'{"a":' * 20_000 + b"1" + b"}" * 20_000, 400),
    "lone-surrogate": (b'{"external_id": "\\ud800", "login": "\\udfff"}', 422),
    "huge-number": (b'{"external_id": ' + b"9" * 10_000 + b"}", 400),
    "empty-object": (b"{}", 422),
    "empty-body": (b"", 422),
}


@pytest.mark.parametrize("name", list(HOSTILE_BODIES))
def test_bodies_that_are_not_a_json_object_are_4xx_everywhere(api, desk, name):
    raw, status = HOSTILE_BODIES[name]
    code = "bad_json" if status == 400 else "validation_error"
    assert_error(api.signed(MESSAGES, raw), status, code)
    assert_error(api.signed(CALLBACKS, raw), status, code)
    assert_error(api("POST", "/api/v1/auth/login", raw), status, code)
    case = desk.in_work("roads")
    for login, route in STAFF_BODY_ROUTES:
        reply = api("POST", route.format(case_id=case.case_id), raw, as_=login)
        assert_error(reply, status, code)
    assert desk.case(case.case_id).version == case.version


def test_wrong_types_answer_422_naming_each_field_in_russian(api):
    message = new_message(
        network="myspace",
        detected_at="2027-03-05T16:00:00",  # no offset
        url="ftp://vk.com/wall-1",
        author="id1",
        attachments=[{"type": "photo", "url": "not a url"}, "photo"],
        text="   ",
        importance=5,
        topic=["Дороги"],
    )
    del message["curator"]
    reply = api.signed(MESSAGES, message)
    assert_error(reply, 422, "validation_error")
    fields = reply["error"]["fields"]
    assert set(fields) >= {
        "network",
        "detected_at",
        "url",
        "author",
        "attachments.0.url",
        "attachments.1",
        "text",
        "importance",
        "topic",
        "curator",
    }, fields
    for field, text in fields.items():
        english = re.sub(r"https?://", "", text)
        assert CYRILLIC.search(text) and not re.search(r"[A-Za-z]{3,}", english), (field, text)
    assert fields["curator"] == "обязательное поле"
    assert fields["detected_at"] == "укажите часовой пояс"
    assert fields["text"] == "не может быть пустым"

    triage = api(
        "POST",
        "/api/v1/cases/whatever/triage",
        {"decision": "approve", "departments": "roads"},
        as_="tech",
    )
    assert_error(triage, 422, "validation_error")
    assert triage["error"]["fields"] == {
        "decision": "недопустимое значение",
        "departments": "ожидается список",
    }
    login = api("POST", "/api/v1/auth/login", {"login": 1, "password": None})
    assert_error(login, 422, "validation_error")
    assert set(login["error"]["fields"]) == {"login", "password"}


@pytest.mark.parametrize(
    "detected_at",
    [
        "0001-01-01T00:00:00+00:00",  # the calendar cannot count back from here: was a 500
        "1999-12-31T23:59:59+00:00",
        "2100-01-01T00:00:00+00:00",
        "3000-06-01T09:00:00+07:00",  # 12 s of calendar per request before the bound
        "9999-12-31T23:59:59-23:59",  # no UTC equivalent: was a 500
    ],
)
def test_a_detection_time_outside_this_century_is_422_at_once(api, detected_at):
    started = time.monotonic()
    reply = api.signed(MESSAGES, new_message(detected_at=detected_at))
    assert_error(reply, 422, "validation_error")
    assert reply["error"]["fields"] == {"detected_at": "дата должна быть в 2000-2099 годах"}
    assert time.monotonic() - started < 5


def test_a_detection_time_at_the_edges_of_the_century_is_accepted(api):
    for detected_at in ("2000-01-01T00:00:00+00:00", "2099-12-31T23:59:59+00:00"):
        reply = api.signed(MESSAGES, new_message(detected_at=detected_at))
        assert reply.status == 201, reply.body


def test_unknown_fields_are_ignored(api, desk):
    message = new_message()
    hostile = {
        **message,
        "case_id": "hijacked",
        "status": "answered",
        "version": 999,
        "departments": ["roads"],
        "timeline": [{"actor": "head", "action": "published"}],
        "author": {**message["author"], "role": "head"},
    }
    reply = api.signed(MESSAGES, hostile)
    assert reply.status == 201, reply.body
    case = desk.case(reply["case_id"])
    assert case.case_id != "hijacked"
    assert case.status is Status.RECEIVED
    assert case.version == 1 and tuple(case.departments) == ()
    assert [e.action for e in case.timeline] == ["received"]

    triage = api(
        "POST",
        f"/api/v1/cases/{case.case_id}/triage",
        {"decision": "accept", "departments": ["roads"], "status": "answered", "actor": "head"},
        as_="tech",
    )
    assert triage.status == 200, triage.body
    assert triage["status"] == "in_work"
    assert triage["timeline"][-1]["actor"] == "tech"
