"""The local API Gateway: a Flask app that turns each request under /api/ into an HTTP API
(payload 2.0) event and runs the handler of the function whose `HttpApi` event in
`template.yaml` matches, mapping its answer back to HTTP.

It also serves the staff page (`web/`) at `/` and mounts the simulated monitoring system at
`/sim`. Handlers are imported on their first request, after the local run set the environment.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, abort, request, send_from_directory

from local import ROOT, cfn
from local.events import http_event
from local.lambdas import Function, functions

log = logging.getLogger("otklik.local.gateway")

WEB = ROOT / "web"
PAGE_FILES = (".html", ".js", ".css", ".json", ".png", ".svg", ".ico")
# What the staff page may load: its own files and its own API. Inline styles stay allowed for
# the monthly report, which the page opens from a blob (and so under the page's policy).
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)


def page_csp() -> str:
    """PAGE_CSP, with the attachments bucket's upload address (from the settings: the
    emulator's endpoint in the local run) allowed as a target of the page's requests."""
    from otklik.config import attachments_origin

    origin = attachments_origin()
    if not origin:
        return PAGE_CSP
    return PAGE_CSP.replace("connect-src 'self'", f"connect-src 'self' {origin}")


def _page(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = page_csp()
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    return response


NOT_FOUND = {"error": {"code": "not_found", "message": "Такого адреса нет.", "fields": {}}}
INTERNAL = {
    "error": {
        "code": "internal_error",
        "message": "Внутренняя ошибка сервера. Подробности в журнале локального запуска.",
        "fields": {},
    }
}

# Hop-by-hop headers a proxy does not pass on, and what the server sets itself.
_SKIP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "date"}


@dataclass(frozen=True)
class Route:
    """One `HttpApi` event: method and path template of a function."""

    method: str  # "GET" ... or "ANY"
    path: str  # "/api/v1/cases/{case_id}"
    function: Function
    pattern: re.Pattern
    rank: tuple

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if self.method not in ("ANY", method):
            return None
        found = self.pattern.fullmatch(path)
        return found.groupdict() if found else None


def compile_path(template: str) -> tuple[re.Pattern, tuple]:
    """`/a/{id}/b/{rest+}` → a regex with named groups, and a rank (literal segments first)."""
    parts, rank = [], []
    for segment in template.strip("/").split("/"):
        greedy = re.fullmatch(r"\{(\w+)\+\}", segment)
        param = re.fullmatch(r"\{(\w+)\}", segment)
        if greedy:
            parts.append(f"(?P<{greedy.group(1)}>.+)")
            rank.append(0)
        elif param:
            parts.append(f"(?P<{param.group(1)}>[^/]+)")
            rank.append(1)
        else:
            parts.append(re.escape(segment))
            rank.append(2)
    return re.compile("/" + "/".join(parts)), tuple(rank)


def routes(all_functions: Mapping[str, Function]) -> list[Route]:
    """Every HTTP route of the template, most specific first (as API Gateway chooses)."""
    found = []
    for function in all_functions.values():
        for properties in function.events_of("HttpApi"):
            path = properties.get("Path") or "/{proxy+}"
            method = str(properties.get("Method") or "ANY").upper()
            if method == "X-AMAZON-APIGATEWAY-ANY-METHOD":
                method = "ANY"
            pattern, rank = compile_path(path)
            found.append(Route(method, path, function, pattern, rank))
    found.sort(key=lambda r: (tuple(-x for x in r.rank), r.method == "ANY"))
    return found


class Gateway:
    """Finds the route of a request and invokes its function."""

    def __init__(
        self, template: Mapping | None = None, *, region: str = "eu-central-1", namespace: str = ""
    ):
        template = template if template is not None else cfn.load()
        self.functions = functions(template, namespace=namespace)
        self.routes = routes(self.functions)
        self.region = region

    def find(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                return route, params
        return None

    def handle(self, flask_request) -> Response:
        path = flask_request.path
        method = flask_request.method.upper()
        found = self.find(method, path)
        if found is None:
            if method == "OPTIONS" and any(r.pattern.fullmatch(path) for r in self.routes):
                return Response(status=204, headers=_cors())
            return json_response(404, NOT_FOUND)
        route, params = found
        event = http_event(
            method,
            path,
            flask_request.get_data(cache=False),
            _headers(flask_request),
            query=flask_request.query_string.decode("latin-1"),
            route_key=route.route_key,
            path_parameters=params or None,
            source_ip=flask_request.remote_addr or "127.0.0.1",
            cookies=[f"{k}={v}" for k, v in flask_request.cookies.items()] or None,
        )
        try:
            result = route.function.invoke(event, region=self.region)
        except Exception:
            log.exception("%s failed on %s %s", route.function.logical_id, method, path)
            return json_response(500, INTERNAL)
        return to_response(result)


def _headers(flask_request) -> dict[str, str]:
    """Request headers as API Gateway passes them: lower-case names, repeats comma-joined."""
    joined: dict[str, str] = {}
    for name, value in flask_request.headers.items():
        key = name.lower()
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def to_response(result) -> Response:
    """A handler's answer (payload 2.0) as an HTTP response."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        # HTTP API infers a 200 JSON answer from a handler that returns a plain value.
        return json_response(200, result)
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
    response = Response(data, status=int(result["statusCode"]))
    response.headers.pop("Content-Type", None)
    for name, value in (result.get("headers") or {}).items():
        if name.lower() not in _SKIP_HEADERS:
            response.headers[name] = str(value)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        if name.lower() not in _SKIP_HEADERS:
            response.headers.remove(name)
            for value in values:
                response.headers.add(name, str(value))
    for cookie in result.get("cookies") or ():
        response.headers.add("Set-Cookie", cookie)
    if "Content-Type" not in response.headers and data:
        response.headers["Content-Type"] = "application/json"
    return response


def json_response(status: int, payload) -> Response:
    """The gateway's own answers (no route, a handler that crashed), with the API's headers."""
    from otklik.entrypoints.http import CSP_JSON, SECURITY_HEADERS

    return Response(
        json.dumps(payload, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
        headers={**SECURITY_HEADERS, "Content-Security-Policy": CSP_JSON},
    )


def _cors() -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET,POST,PUT,PATCH,DELETE,OPTIONS",
        "Access-Control-Allow-Headers": "Authorization,Content-Type,X-Signature,X-Delivery-Id",
    }


INDEX = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Отклик — локальный запуск</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;
line-height:1.5}code{background:#f3f3f3;padding:0 .2rem}</style></head>
<body><h1>Отклик — локальный запуск</h1>
<p>Страница сотрудников ещё не собрана (папка <code>web/</code> отсутствует).</p>
<ul>
<li><a href="/sim">Имитатор системы мониторинга</a> — отправить сообщение, согласовать или
вернуть проект ответа от имени куратора.</li>
<li>API: <code>POST /api/v1/auth/login</code> с логином <code>tech</code>, <code>resp</code>,
<code>roads</code>, <code>housing</code> или <code>head</code> и паролем <code>demo</code>.</li>
</ul>
<p lang="en"><small>Local run of Otklik. The staff page (<code>web/</code>) is not built yet;
use the <a href="/sim">monitoring simulator</a> and the API under <code>/api/</code>.</small></p>
</body></html>
"""


def create_app(
    template: Mapping | None = None,
    *,
    region: str = "eu-central-1",
    web: Path | None = WEB,
    simulator=None,
    mailbox=None,
    namespace: str = "",
) -> Flask:
    """The gateway app. `simulator` and `mailbox` are blueprints to mount (`local.simulator`,
    `local.mailbox`)."""
    gateway = Gateway(template, region=region, namespace=namespace)
    app = Flask("otklik-local", static_folder=None)
    app.config["JSON_AS_ASCII"] = False
    app.extensions["otklik_gateway"] = gateway

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]

    @app.route("/api/", defaults={"rest": ""}, methods=methods)
    @app.route("/api/<path:rest>", methods=methods)
    def api(rest: str):
        return gateway.handle(request)

    if simulator is not None:
        app.register_blueprint(simulator, url_prefix="/sim")
    if mailbox is not None:
        app.register_blueprint(mailbox, url_prefix="/mail")

    @app.get("/")
    def index():
        if web is not None and (web / "index.html").is_file():
            return _page(send_from_directory(web, "index.html"))
        return Response(INDEX, content_type="text/html; charset=utf-8")

    @app.get("/<path:name>")
    def static_file(name: str):
        # The page's own files only: not its generator or notes beside it.
        if web is None or not web.is_dir() or not name.endswith(PAGE_FILES):
            abort(404)
        return _page(send_from_directory(web, name))

    @app.errorhandler(404)
    def not_found(_):
        return json_response(404, NOT_FOUND)

    return app
