"""Fixtures of the integration tests: real adapters against an embedded AWS (moto server).

`aws` starts a moto server on a free port once per session — in a child process, because
moto's in-process state is shared with and reset by every `mock_aws` in this process (some
tests use one) — creates the tables and queues of
`template.yaml` (through `local.resources`, as the local run does), seeds the demo directory and
points the environment at them; tests use unique external ids instead of cleaning up.

    def test_intake_is_idempotent(aws, handler, api_event, signed, lambda_context):
        body = {...}
        event = api_event("POST", "/api/v1/monitoring/messages", body, signed(body))
        answer = handler("intake")(event, lambda_context)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from local import ROOT
from local.events import http_event
from local.lambdas import LambdaContext, handler_from_path
from local.run import LocalSystem, free_port

WEBHOOK_SECRET = "integration-webhook-secret"
TOKEN_SECRET = "integration-token-secret-0123456789abcdef"
NAMESPACE = "integration"


@pytest.fixture(scope="session")
def aws() -> Iterator[LocalSystem]:
    """The embedded AWS with the template's resources and the demo directory.

    Yields the prepared `LocalSystem` (no HTTP server, no worker threads): `.env` holds the
    settings, `.created` the tables and queues, `.aws.endpoint_url` the moto server.
    `otklik.bootstrap.reset()` has run, so handlers read these settings.
    """
    system = LocalSystem(
        moto_port=free_port(),
        isolated_moto=True,
        shell_settings=False,
        port=free_port(),  # only names MONITORING_BASE_URL; nothing listens there
        namespace=NAMESPACE,
        overrides={
            "MONITORING_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STAFF_TOKEN_SECRET": TOKEN_SECRET,
            "MAIL_SENDER": "otklik@otklik.local",
            "DISPLAY_TIMEZONE": "Asia/Barnaul",
        },
    )
    try:
        system.prepare()
        yield system
    finally:
        system.stop()


@pytest.fixture
def handler(aws) -> Callable[[str], Callable]:
    """`handler("intake")`: the `lambda_handler` of functions/intake/app.py (imported by path,
    after the environment is set, under a module name unique to its folder)."""

    def load(name: str) -> Callable:
        path = Path(name)
        if path.suffix != ".py":
            path = ROOT / "functions" / name / "app.py"
        return handler_from_path(path, namespace=NAMESPACE)

    return load


def encode(body) -> bytes:
    """The exact bytes `api_event` sends for `body` (so `signed` signs the same bytes)."""
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


@pytest.fixture
def api_event() -> Callable[..., dict]:
    """`api_event(method, path, body=None, headers=None, query=None)`: an HTTP API v2 event
    as API Gateway would deliver it (routeKey and pathParameters from template.yaml)."""
    from local.gateway import Gateway

    gateway = Gateway(namespace=NAMESPACE)

    def build(
        method: str,
        path: str,
        body=None,
        headers: Mapping[str, str] | None = None,
        query: str | Mapping[str, str] | None = None,
    ) -> dict:
        found = gateway.find(method.upper(), path)
        route_key, params = (found[0].route_key, found[1]) if found else (None, None)
        return http_event(
            method,
            path,
            encode(body) if body is not None else None,
            {"content-type": "application/json", **(headers or {})},
            query=query,
            route_key=route_key,
            path_parameters=params or None,
        )

    return build


@pytest.fixture
def signed() -> Callable[..., dict[str, str]]:
    """`signed(body, secret=..., at=...)`: headers of a request signed by the monitoring
    system (`X-Signature: t=...,v1=...` over the exact body `api_event` sends)."""
    from otklik.signing import sign

    def headers(body, *, secret: str = WEBHOOK_SECRET, at: float | None = None) -> dict:
        timestamp = int(time.time() if at is None else at)
        return {"x-signature": sign(encode(body), secret, timestamp)}

    return headers


@pytest.fixture
def lambda_context() -> LambdaContext:
    """What Lambda passes as `context` (Powertools' batch processing and logger read it)."""
    return LambdaContext("otklik-integration-test")


@pytest.fixture
def drain(aws) -> Callable[..., int]:
    """`drain(timeout=30)`: run the queue consumers until every queue is empty."""
    from local.workers import Workers

    workers = Workers.from_template(
        aws.created,
        template=aws.template,
        endpoint_url=aws.aws.endpoint_url,
        region=aws.env["AWS_REGION"],
        namespace=NAMESPACE,
    )
    return workers.drain
