"""The events Yandex Cloud delivers, turned into the AWS events the handlers take.

One handler per function serves both clouds: `both_clouds` wraps a function's `lambda_handler`,
recognises the shape of the event and, for a Yandex Cloud one, hands the handler its AWS twin and
turns the answer back into what Yandex Cloud expects. An AWS event passes through untouched.
Nothing here knows a use case; the handlers and everything under them are the same code.

The three shapes, as documented (yandex.cloud/ru/docs, source github.com/yandex-cloud/docs):

- **API Gateway**, `x-yc-apigateway-integration: {type: cloud_functions, payload_format_version:
  "1.0"}` — api-gateway/concepts/extensions/cloud-functions («Структура запроса v1.0»,
  https://yandex.cloud/ru/docs/api-gateway/concepts/extensions/cloud-functions#request_v1): the
  AWS API Gateway payload 1.0 (`version`, `resource` = the spec's path template, `path` = the
  actual path, `httpMethod`, `headers`, `multiValueHeaders`, `queryStringParameters`,
  `multiValueQueryStringParameters`, `requestContext` with `identity.sourceIp`, `requestId`,
  `requestTime` (CLF) and `requestTimeEpoch` (Unix seconds), `pathParameters`, `body`,
  `isBase64Encoded`) plus `parameters`, `multiValueParameters` and `operationId`. Our handlers'
  resolver (Powertools' `APIGatewayHttpResolver`) takes the HTTP API payload 2.0, so the
  request is rewritten into it (`routeKey` from `resource`, lower-cased headers, `rawPath`,
  `rawQueryString`, `requestContext.http`, cookies) and the answer (2.0: `cookies` apart) back
  into 1.0 (`multiValueHeaders["Set-Cookie"]`) — functions/concepts/function-invoke
  («Структура ответа», https://yandex.cloud/ru/docs/functions/concepts/function-invoke#response).
- **Message Queue trigger** — functions/concepts/trigger/ymq-trigger («Формат сообщения от
  триггера», https://yandex.cloud/ru/docs/functions/concepts/trigger/ymq-trigger#format):
  `{"messages": [{"event_metadata": {"event_id", "event_type":
  "yandex.cloud.events.messagequeue.QueueMessage", "created_at"}, "details": {"queue_id":
  "yrn:yc:ymq:ru-central1:<folder>:<queue>", "message": {"message_id", "md5_of_body", "body",
  "attributes": {"SentTimestamp"}, "message_attributes", "md5_of_message_attributes"}}}]}`,
  rewritten into an SQS event (`Records[]`, `eventSourceARN` = `queue_id`, which
  `QueueSender.dead_letter` reads as it reads an SQS ARN). The same page: after a successful
  call the trigger deletes the messages; after an error it returns them *all* to the queue
  (visibility timeout), there is no partial batch response and no receipt handle. So a batch
  with any failure raises `BatchFailed`: every message of it comes back, the queue's redrive
  policy moves one that keeps failing to its dead-letter queue, and the ones that had
  succeeded are dropped on their redelivery (every consumer claims a message id once,
  `otklik.entrypoints.batch.consume`). The Terraform (deploy/yandex) sets batch size 1, so a
  failure returns only itself. The trigger passes no `ApproximateReceiveCount`: each delivery
  counts as the first, so a consumer never dead-letters a failing message itself with its
  reason; the queue's redrive does it, without one (a malformed message still goes there at
  once with its reason).
- **Timer trigger** — functions/concepts/trigger/timer («Формат сообщения от таймера»,
  https://yandex.cloud/ru/docs/functions/concepts/trigger/timer#format): `{"messages":
  [{"event_metadata": {"event_id", "event_type":
  "yandex.cloud.events.serverless.triggers.TimerMessage", "created_at", "cloud_id",
  "folder_id"}, "details": {"trigger_id"}}]}`; `created_at` becomes the scheduled event's
  `time`, the sweeper's "now".

The invocation context of the Python runtime has `request_id` and
`get_remaining_time_in_millis()` (functions/lang/python/context), which is all the handlers read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from urllib.parse import urlencode

QUEUE_EVENT = "yandex.cloud.events.messagequeue.QueueMessage"
TIMER_EVENT = "yandex.cloud.events.serverless.triggers.TimerMessage"

Handler = Callable[[dict, object], object]


class BatchFailed(RuntimeError):
    """Some messages of a Message Queue trigger's batch failed: raised so the trigger returns
    the batch to the queue (it has no partial batch response). Names the message ids only."""

    def __init__(self, message_ids: list[str]):
        super().__init__(f"{len(message_ids)} message(s) failed: {', '.join(message_ids)}")
        self.message_ids = message_ids


# -- recognising a shape ----------------------------------------------------------------------


def shape(event: object) -> str:
    """`"http"`, `"queue"` or `"timer"` for a Yandex Cloud event; `"aws"` for anything else."""
    if not isinstance(event, dict):
        return "aws"
    messages = event.get("messages")
    if isinstance(messages, list) and messages and "Records" not in event:
        kinds = {
            ((m or {}).get("event_metadata") or {}).get("event_type")
            for m in messages
            if isinstance(m, dict)
        }
        if kinds == {QUEUE_EVENT}:
            return "queue"
        if kinds == {TIMER_EVENT}:
            return "timer"
        return "aws"
    if (
        "httpMethod" in event
        and "routeKey" not in event
        and isinstance(event.get("requestContext"), dict)
        and ("resource" in event or "path" in event)
    ):
        return "http"
    return "aws"


def both_clouds(handler: Handler) -> Handler:
    """The handler, taking Yandex Cloud's events too (see the module's docstring)."""

    @functools.wraps(handler)
    def serve(event, context=None):
        kind = shape(event)
        if kind == "http":
            return http_response(handler(http_event(event), context))
        if kind == "queue":
            return queue_result(handler(sqs_event(event), context), event)
        if kind == "timer":
            return handler(schedule_event(event), context)
        return handler(event, context)

    return serve


# -- API Gateway ---------------------------------------------------------------------------------


def _headers(event: Mapping) -> dict[str, str]:
    """Lower-cased names, several values joined by commas (as AWS's payload 2.0 has them)."""
    joined: dict[str, str] = {}
    multi = event.get("multiValueHeaders") or {}
    for name, values in multi.items():
        if isinstance(values, list) and values:
            key = name.lower()
            text = ",".join(str(v) for v in values)
            joined[key] = f"{joined[key]},{text}" if key in joined else text
    for name, value in (event.get("headers") or {}).items():
        joined.setdefault(name.lower(), str(value))
    return joined


def _query(event: Mapping) -> tuple[str, dict[str, str]]:
    pairs: list[tuple[str, str]] = []
    multi = event.get("multiValueQueryStringParameters") or {}
    single = event.get("queryStringParameters") or {}
    for name in dict.fromkeys([*multi, *single]):
        values = multi.get(name)
        if not isinstance(values, list) or not values:
            values = [single[name]]
        pairs.extend((name, str(v)) for v in values)
    params: dict[str, str] = {}
    for name, value in pairs:
        params[name] = f"{params[name]},{value}" if name in params else value
    return urlencode(pairs), params


def http_event(event: Mapping) -> dict:
    """An API Gateway request of payload format 1.0 as the HTTP API payload 2.0 AWS sends."""
    method = str(event.get("httpMethod") or "GET").upper()
    context = event.get("requestContext") or {}
    identity = context.get("identity") or {}
    path = event.get("path") or event.get("url") or "/"
    route = event.get("resource") or path
    headers = _headers(event)
    raw_query, params = _query(event)
    epoch = context.get("requestTimeEpoch")
    try:
        epoch_ms = int(float(epoch) * 1000) if epoch is not None else 0
    except (TypeError, ValueError):
        epoch_ms = 0
    route_key = f"{method} {route}"
    converted = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "yandex-cloud",
            "apiId": str((context.get("apiGateway") or {}).get("id") or "yandex-api-gateway"),
            "domainName": headers.get("host", ""),
            "domainPrefix": headers.get("host", "").split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": identity.get("sourceIp") or "",
                "userAgent": identity.get("userAgent") or headers.get("user-agent", ""),
            },
            "requestId": str(context.get("requestId") or ""),
            "routeKey": route_key,
            "stage": "$default",
            "time": str(context.get("requestTime") or ""),
            "timeEpoch": epoch_ms,
        },
        "isBase64Encoded": bool(event.get("isBase64Encoded")),
    }
    if params:
        converted["queryStringParameters"] = params
    body = event.get("body")
    if body is not None and body != "":
        converted["body"] = body
    if event.get("pathParameters"):
        converted["pathParameters"] = dict(event["pathParameters"])
    cookies = [c.strip() for c in headers.get("cookie", "").split(";") if c.strip()]
    if cookies:
        converted["cookies"] = cookies
    return converted


def http_response(answer: object) -> object:
    """A payload 2.0 answer as the 1.0 answer Cloud Functions reads: `statusCode`, `headers`,
    `multiValueHeaders`, `body`, `isBase64Encoded` (cookies become `Set-Cookie` values)."""
    if not isinstance(answer, dict) or "statusCode" not in answer:
        return answer
    converted = {
        "statusCode": answer["statusCode"],
        "headers": dict(answer.get("headers") or {}),
        "body": answer.get("body") or "",
        "isBase64Encoded": bool(answer.get("isBase64Encoded")),
    }
    multi = {k: list(v) for k, v in (answer.get("multiValueHeaders") or {}).items()}
    if answer.get("cookies"):
        multi.setdefault("Set-Cookie", []).extend(answer["cookies"])
    if multi:
        converted["multiValueHeaders"] = multi
    return converted


# -- Message Queue trigger -----------------------------------------------------------------------


def _record(message: Mapping) -> dict:
    details = message.get("details") or {}
    body = details.get("message") or {}
    queue_id = str(details.get("queue_id") or "")
    region = queue_id.split(":")[3] if queue_id.count(":") >= 5 else ""
    attributes = {str(k): str(v) for k, v in (body.get("attributes") or {}).items()}
    attributes.setdefault("ApproximateReceiveCount", "1")
    attributes.setdefault("ApproximateFirstReceiveTimestamp", attributes.get("SentTimestamp", ""))
    message_attributes = {}
    for name, value in (body.get("message_attributes") or {}).items():
        value = value or {}
        message_attributes[name] = {
            "stringValue": value.get("stringValue") or value.get("string_value"),
            "binaryValue": value.get("binaryValue") or value.get("binary_value"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value.get("dataType") or value.get("data_type") or "String",
        }
    return {
        "messageId": str(body.get("message_id") or ""),
        "receiptHandle": "",  # the trigger deletes or returns the message itself
        "body": body.get("body") if isinstance(body.get("body"), str) else "",
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": str(body.get("md5_of_body") or ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_id,
        "awsRegion": region,
    }


def sqs_event(event: Mapping) -> dict:
    """A Message Queue trigger's batch as the SQS event our batch consumer takes."""
    return {"Records": [_record(m) for m in event.get("messages") or [] if isinstance(m, dict)]}


def queue_result(answer: object, event: Mapping) -> object:
    """Success, or `BatchFailed` so the trigger returns the batch (no partial batch failure)."""
    failures = (answer or {}).get("batchItemFailures") if isinstance(answer, dict) else None
    if failures:
        raise BatchFailed([str(f.get("itemIdentifier")) for f in failures])
    return answer


# -- timer trigger ------------------------------------------------------------------------------


def schedule_event(event: Mapping) -> dict:
    """A timer's message as the scheduled (EventBridge) event the sweeper takes: its
    `created_at` is the schedule's `time`."""
    metadata = (event.get("messages") or [{}])[0].get("event_metadata") or {}
    details = (event.get("messages") or [{}])[0].get("details") or {}
    return {
        "version": "0",
        "id": str(metadata.get("event_id") or ""),
        "detail-type": "Scheduled Event",
        "source": "yandex.cloud.serverless.triggers",
        "account": str(metadata.get("cloud_id") or ""),
        "time": str(metadata.get("created_at") or ""),
        "region": "ru-central1",
        "resources": [str(details.get("trigger_id") or "")],
        "detail": {},
    }
