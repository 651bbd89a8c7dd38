"""Hostile input generated from `openapi.yaml` (schemathesis) against the running local system.

Every documented operation gets examples from the document, schemathesis' coverage cases (the
boundaries of every constraint) and generated requests, valid and invalid, over real HTTP.
Each answer must be no 5xx, a documented status code and content type, and match its response
schema. Staff operations carry a valid bearer token (of a different official in turn, now and
then none); the monitoring system's two operations are signed over the exact bytes sent (now
and then left with the generated, unsigned header: their 401 is documented). Path parameters
and callback bodies often name real cases and drafts in every state, so the fuzzer reaches the
state machine and not only "not found".

The default run sends well over 1,000 requests in about two minutes, the same ones each time
(`derandomize`). `make fuzz` runs longer and at random:
    OTKLIK_FUZZ_EXAMPLES=<per operation> OTKLIK_FUZZ_RANDOM=1 pytest tests/e2e/test_fuzz.py
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from local import ROOT
from otklik import signing
from otklik.entrypoints import auth

EXAMPLES = int(os.environ.get("OTKLIK_FUZZ_EXAMPLES") or 40)
RANDOM = os.environ.get("OTKLIK_FUZZ_RANDOM", "") not in ("", "0")
MIN_REQUESTS = 1000
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
LOGINS = ("tech", "resp", "roads", "housing", "head")
MONITORING = ("/api/v1/monitoring/messages", "/api/v1/monitoring/callbacks")

schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
sent: Counter[str] = Counter()  # requests per operation, for the count check below


@dataclass
class Known:
    case_id: str
    external_id: str
    draft_id: str | None = None


@dataclass
class World:
    """Real cases and credentials to put into generated requests."""

    system: object
    base_url: str
    webhook_secret: str
    token_secret: str
    client: object
    cases: list[Known] = field(default_factory=list)
    turn: itertools.count = field(default_factory=itertools.count)

    def new_message(self) -> dict:
        n = uuid.uuid4().int
        return {
            "external_id": f"fuzz-{uuid.uuid4().hex[:12]}",
            "detected_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "network": "vk",
            "url": f"https://vk.com/wall-31_{n % 10**7}?reply={n % 1000}",
            "author": {"id": f"id{n % 10**9}", "name": "Житель"},
            "text": "Во дворе дома 5 по ул. Мира не вывозят мусор.",
            "topic": "ЖКХ",
            "importance": "medium",
            "curator": {"id": "c-1", "name": "Куратор"},
        }

    def add_cases(self) -> None:
        """A case in each state the staff routes act on (fresh ones now and then: actions that
        succeed move cases on, and closed ones only answer 409)."""
        c = self.client
        plan = (
            (None, None, False),
            (["roads"], None, False),
            (["roads", "housing"], None, False),
            (["housing"], "housing", False),
            (["roads"], "roads", True),
        )
        delivered = [c.deliver(self.new_message()) for _ in plan]
        assert all(d.status == 201 for d in delivered), [d.body for d in delivered]
        self.system.drain()  # routing first, as officials see a case after it
        for (departments, draft_by, approve), reply in zip(plan, delivered, strict=True):
            known = Known(reply["case_id"], "")
            path = f"/api/v1/cases/{known.case_id}"
            known.external_id = c.get(path, as_="tech")["external_id"]
            if departments:
                triage = {"decision": "accept", "departments": departments}
                assert c.post(f"{path}/triage", triage, as_="tech").status == 200
            if draft_by:
                draft = c.post(f"{path}/drafts", {"text": "Вывезут до пятницы."}, as_=draft_by)
                assert draft.status == 201, draft.body
                known.draft_id = draft["draft_id"]
            if approve:
                approved = c.post(f"{path}/drafts/{known.draft_id}/approve", as_="resp")
                assert approved.status == 200, approved.body
            self.cases.append(known)

    def pick(self, n: int) -> Known | None:
        """Mostly a real case (None: keep what was generated)."""
        return None if n % 4 == 0 else self.cases[(n // 4) % len(self.cases)]

    def prepare(self, case) -> dict:
        """Credentials and real ids for a generated request; returns `case.call` arguments."""
        n = next(self.turn)
        if n and n % 150 == 0:
            self.add_cases()
        operation = case.operation
        known = self.pick(n)
        if known is not None and case.path_parameters:
            if "case_id" in case.path_parameters:
                case.path_parameters["case_id"] = known.case_id
            if "draft_id" in case.path_parameters and known.draft_id:
                case.path_parameters["draft_id"] = known.draft_id
        if operation.path in MONITORING:
            return self._signed(case, known, n)
        if operation.path == "/api/v1/auth/login":
            return {}
        if n % 10 == 9:
            return {}  # whatever schemathesis generated for Authorization, or nothing: 401
        login = LOGINS[n % len(LOGINS)]
        if operation.path == "/api/v1/auth/logout":  # a token of its own to revoke
            token = auth.issue_token(login, self.token_secret, time.time(), 10)
        else:
            token = self.client.token(login)
        return {"headers": {"Authorization": f"Bearer {token}"}}

    def _signed(self, case, known: Known | None, n: int) -> dict:
        body = case.body if isinstance(case.body, dict | list | str | int | float | bool) else None
        if known is not None and isinstance(body, dict) and "external_id" in body:
            body = copy.deepcopy(body)
            body["external_id"] = known.external_id
            if known.draft_id and body.get("draft_id"):
                body["draft_id"] = known.draft_id
        if body is None and case.body is not None and not isinstance(case.body, dict):
            kwargs = case.as_transport_kwargs(base_url=self.base_url)
            raw = kwargs.get("data") or b""
            raw = raw if isinstance(raw, bytes) else str(raw).encode()
        else:
            raw = json.dumps(body, ensure_ascii=False).encode()
        if n % 10 == 9:
            return {"data": raw}  # the generated (unsigned) X-Signature, if any: 401
        signature = signing.sign(raw, self.webhook_secret, int(time.time()))
        return {"data": raw, "headers": {"X-Signature": signature}}


@pytest.fixture(scope="module")
def world(local_system, base_url, client) -> World:
    found = World(
        system=local_system,
        base_url=base_url,
        webhook_secret=local_system.env["MONITORING_WEBHOOK_SECRET"].split(",")[0],
        token_secret=local_system.env["STAFF_TOKEN_SECRET"],
        client=client,
    )
    found.add_cases()
    return found


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=not RANDOM,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_get_no_5xx_and_documented_answers(case, world, base_url):
    arguments = world.prepare(case)
    response = case.call(base_url=base_url, **arguments)
    sent[case.operation.label] += 1
    case.validate_response(response, checks=CHECKS)


def test_at_least_1000_requests_were_generated(capsys):
    operations = {op.ok().label for op in schema.get_all_operations()}
    assert set(sent) == operations, f"no requests for {sorted(operations - set(sent))}"
    with capsys.disabled():
        print(f"\nschemathesis: {sum(sent.values())} requests over {len(sent)} operations")
    assert sum(sent.values()) >= MIN_REQUESTS, sent
