"""What every HTTP function shares: the error shape of the contract, body parsing, the caller.

Domain errors map to HTTP status once, here. Bad input is always a 4xx in the contract's shape,
`{"error": {"code", "message", "fields"}}`, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from datetime import datetime
from typing import TypeVar

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from pydantic import BaseModel, ValidationError

from otklik import clock, signing
from otklik.domain import errors
from otklik.domain.roles import Action, Actor
from otklik.entrypoints import auth
from otklik.entrypoints.views import case_detail
from otklik.ports import revoked_key
from otklik.service.deps import Deps

M = TypeVar("M", bound=BaseModel)
MAX_BODY_BYTES = 256 * 1024

STATUS = {
    errors.InvalidTransition: 409,
    errors.ConcurrentModification: 409,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.InvalidInput: 422,
}


class HttpError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def error_response(status: int, code: str, message: str, fields: dict | None = None) -> Response:
    return Response(
        status_code=status,
        content_type="application/json; charset=utf-8",
        body=json.dumps(
            {"error": {"code": code, "message": message, "fields": fields or {}}},
            ensure_ascii=False,
        ),
    )


def json_response(status: int, payload) -> Response:
    return Response(
        status_code=status,
        content_type="application/json; charset=utf-8",
        body=json.dumps(payload, ensure_ascii=False),
    )


# Every answer of the API: never sniffed into another type, never framed, no referrer sent on;
# JSON loads nothing, the HTML report only its own inline styles and charts.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
CSP_JSON = "default-src 'none'; frame-ancestors 'none'"
CSP_HTML = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


class _Resolver(APIGatewayHttpResolver):
    """Powertools' resolver, whose every answer (errors and unknown routes too) carries the
    security headers."""

    def resolve(self, event, context):
        result = super().resolve(event, context)
        headers = result.setdefault("headers", {})
        kind = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        headers.update(SECURITY_HEADERS)
        headers["Content-Security-Policy"] = CSP_HTML if "html" in kind else CSP_JSON
        return result


def resolver() -> APIGatewayHttpResolver:
    app = _Resolver()

    @app.exception_handler(errors.DomainError)
    def domain_error(error: errors.DomainError):
        status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 422)
        return error_response(status, error.code, error.message, error.fields)

    @app.exception_handler(HttpError)
    def http_error(error: HttpError):
        return error_response(error.status, error.code, error.message, error.fields)

    @app.exception_handler(ValidationError)
    def invalid(error: ValidationError):
        fields = {".".join(str(p) for p in e["loc"]) or "body": _russian(e) for e in error.errors()}
        return error_response(422, "validation_error", "Проверьте заполнение полей.", fields)

    @app.not_found
    def not_found(_):
        return error_response(404, "not_found", "Такого адреса нет.")

    return app


# Officials read these on the page: pydantic's error types in Russian.
_MESSAGES_RU = {
    "missing": "обязательное поле",
    "string_too_short": "не может быть пустым",
    "string_too_long": "слишком длинное значение",
    "too_long": "слишком много элементов",
    "literal_error": "недопустимое значение",
    "enum": "недопустимое значение",
    "url_parsing": "неверная ссылка",
    "url_scheme": "ссылка должна начинаться с http:// или https://",
    "url_type": "неверная ссылка",
    "datetime_from_date_parsing": "неверная дата и время",
    "datetime_parsing": "неверная дата и время",
    "datetime_type": "неверная дата и время",
    "timezone_aware": "укажите часовой пояс",
    "date_out_of_range": "дата должна быть в 2000-2099 годах",
    "string_type": "ожидается строка",
    "string_unicode": "недопустимые символы",
    "url_too_long": "слишком длинная ссылка",
    "list_type": "ожидается список",
    "dict_type": "ожидается объект",
    "model_type": "ожидается объект",
    "bool_parsing": "ожидается да или нет",
}


def _russian(error: dict) -> str:
    return _MESSAGES_RU.get(error["type"], "неверное значение")


def raw_body(app: APIGatewayHttpResolver) -> bytes:
    """The request body exactly as sent (what a signature covers), at most MAX_BODY_BYTES.

    API Gateway hands over a body that is not UTF-8 text base64-encoded; it is decoded here to
    bytes, never to text, so any bytes at all reach `parse` (which answers 400), not a 500.
    """
    event = app.current_event
    body = event.body or ""
    if len(body) > MAX_BODY_BYTES * 4 // 3 + 4:  # too large even as base64
        raise HttpError(413, "too_large", "Слишком большой запрос.")
    if event.is_base64_encoded:
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise HttpError(400, "bad_json", "Тело запроса должно быть JSON.") from None
    else:
        data = body.encode("utf-8", "surrogatepass")
    if len(data) > MAX_BODY_BYTES:
        raise HttpError(413, "too_large", "Слишком большой запрос.")
    return data


def parse(app: APIGatewayHttpResolver, schema: type[M], data: bytes | None = None) -> M:
    data = raw_body(app) if data is None else data
    try:
        payload = json.loads(data or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[…"
        raise HttpError(400, "bad_json", "Тело запроса должно быть JSON.") from None
    if not isinstance(payload, dict):
        raise HttpError(400, "bad_json", "Тело запроса должно быть JSON-объектом.")
    return schema.model_validate(payload)


def caller(app: APIGatewayHttpResolver, deps: Deps) -> Actor:
    """The signed-in official behind the bearer token (401 otherwise)."""
    claims = bearer_claims(app, deps)
    if claims and is_revoked(deps, claims.get("jti", "")):
        claims = None
    member = deps.directory.staff(claims["sub"]) if claims else None
    if member is None or not member.active:
        raise HttpError(401, "unauthorized", "Войдите в систему.")
    return member.actor()


def require(actor: Actor, action: Action) -> None:
    """A role check for a step that touches no case (the case checks its own steps)."""
    if not actor.may(action):
        raise errors.Forbidden("Это действие недоступно для вашей роли.")


def signed_body(app: APIGatewayHttpResolver, deps: Deps) -> bytes:
    """The raw body of a request from the monitoring system, once its signature checks out."""
    body = raw_body(app)
    header = app.current_event.headers.get("x-signature")
    if not signing.verify(header, body, deps.settings.webhook_secrets, time.time()):
        raise HttpError(401, "unauthorized", "Неверная подпись запроса.")
    return body


def bearer_claims(app: APIGatewayHttpResolver, deps: Deps) -> dict | None:
    header = app.current_event.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return auth.read_token(token.strip(), deps.settings.token_secret, time.time())


def is_revoked(deps: Deps, jti: str) -> bool:
    return bool(jti) and deps.keys.seen(revoked_key(jti)) is not None


def revoke(deps: Deps, claims: dict) -> None:
    """Logout: the token's id is refused until the token would have expired anyway."""
    lifetime = max(1, int(claims["exp"]) - int(time.time()))
    deps.keys.remember(revoked_key(claims["jti"]), lifetime=lifetime)


def case_reply(case, deps: Deps, actor: Actor, status: int = 200, **extra) -> Response:
    """The case as the caller may see it: the answer of every staff action on a case."""
    names = {}
    # read only when there are notes or assignees
    for login in {note.author for note in case.notes} | set(case.assignees.values()):
        member = deps.directory.staff(login)
        if member is not None and member.name:
            names[login] = member.name
    return json_response(
        status, {**extra, **case_detail(case, deps.display_tz, deps.policy, actor, names)}
    )


def now() -> datetime:
    """The clock is read here, at the edge, and passed into the domain."""
    return clock.now()
