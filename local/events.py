"""The events AWS would hand a function: API Gateway HTTP API (payload 2.0), SQS, schedule."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlencode

ACCOUNT = "123456789012"


def http_event(
    method: str,
    path: str,
    body: bytes | str | Mapping | list | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    query: str | Mapping[str, str] | None = None,
    route_key: str | None = None,
    path_parameters: Mapping[str, str] | None = None,
    source_ip: str = "127.0.0.1",
    cookies: Iterable[str] | None = None,
) -> dict:
    """An API Gateway HTTP API v2 event, as a real request through the API would give.

    `body` may be bytes, text, or anything JSON-serialisable (sent as UTF-8 JSON). Headers are
    lower-cased (API Gateway does that); several values of one header are joined with commas.
    """
    method = method.upper()
    headers = {k.lower(): str(v) for k, v in (headers or {}).items()}
    if isinstance(body, Mapping | list):
        body = json.dumps(body, ensure_ascii=False)
        headers.setdefault("content-type", "application/json")
    is_base64 = False
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            body, is_base64 = base64.b64encode(body).decode("ascii"), True
    raw_query = urlencode(query) if isinstance(query, Mapping) else query or ""
    params: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    now = time.time()
    event = {
        "version": "2.0",
        "routeKey": route_key or f"{method} {path}",
        "rawPath": quote(path, safe="/%:@!$&'()*+,;=-._~"),
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": "local",
            "domainName": headers.get("host", "127.0.0.1"),
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": route_key or f"{method} {path}",
            "stage": "$default",
            "time": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": is_base64,
    }
    if params:
        event["queryStringParameters"] = params
    if body is not None and body != "":
        event["body"] = body
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if cookies:
        event["cookies"] = list(cookies)
    return event


def sqs_record(
    body: str,
    *,
    queue_arn: str,
    message_id: str | None = None,
    receipt_handle: str | None = None,
    receive_count: int = 1,
    attributes: Mapping[str, str] | None = None,
    region: str = "eu-central-1",
) -> dict:
    now_ms = str(int(time.time() * 1000))
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": receipt_handle or uuid.uuid4().hex,
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": now_ms,
            "SenderId": ACCOUNT,
            "ApproximateFirstReceiveTimestamp": now_ms,
            **(attributes or {}),
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def sqs_event(records: Iterable[dict]) -> dict:
    return {"Records": list(records)}


def scheduled_event(
    now: datetime | None = None, *, rule: str = "otklik-sweeper", region: str = "eu-central-1"
) -> dict:
    """An EventBridge scheduled event; `time` is the instant the schedule fired (UTC, "Z")."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT}:rule/{rule}"],
        "detail": {},
    }
