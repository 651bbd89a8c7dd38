"""A fake of the regional monitoring system's receiving end, built from the contract in
docs/design.md ("Signed requests from the monitoring system", applied in the other direction):

- `POST /api/v1/inbound`, JSON; `X-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw
  body>">` with the shared secret, `t` within 300 s — else 401; `X-Request-Id` required — else
  400; a request id seen before is not stored again: the first answer is repeated (idempotent
  on their side);
- `fail_next(...)` scripts failures: `unavailable(status, retry_after)` answers before
  storing; `lost_answer()` stores the call and then answers 500, as if the answer was lost;
- `on_receive(call)` runs inside the handler before it answers — the curator deciding at once,
  calling back into the administration's API while our request is still in flight.
The signature check is written here from the contract, not borrowed from otklik.signing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

from tests.fakes.server import FakeServer, Reply, Request


def signature_ok(header: str | None, body: bytes, secret: str, now: float) -> bool:
    fields: dict[str, list[str]] = {}
    for part in (header or "").split(","):
        name, _, value = part.strip().partition("=")
        fields.setdefault(name, []).append(value)
    stamp = (fields.get("t") or [""])[0]
    if not stamp.isdigit() or abs(now - int(stamp)) > 300:
        return False
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, v) for v in fields.get("v1", []))


class FakeMonitoring(FakeServer):
    def __init__(self, *, secret: str) -> None:
        super().__init__()
        self.secret = secret
        self.stored: dict[str, dict] = {}  # request id -> the call as kept
        self.deliveries: dict[str, int] = {}
        self.signatures: list[str] = []
        self.on_receive: Callable[[dict], None] | None = None
        self.callback_results: list[object] = []

    # -- scripted failures -------------------------------------------------------------------

    def unavailable(self, status: int = 503, *, retry_after: int | None = None, times: int = 1):
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.fail_next(
            lambda r: Reply(status, {"error": "temporarily unavailable"}, headers), times
        )

    def lost_answer(self) -> None:
        def make(request: Request) -> Reply:
            self.handle(request)  # stored on their side...
            return Reply(500, {"error": "upstream timeout"})  # ...but the answer is lost

        self.fail_next(make)

    def calls_of(self, kind: str) -> list[dict]:
        return [c for c in self.stored.values() if c.get("kind") == kind]

    # -- the API ---------------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        if request.path != "/api/v1/inbound" or request.method != "POST":
            return Reply(404, {"error": "not found"})
        self.signatures.append(request.headers.get("x-signature", ""))
        if not signature_ok(
            request.headers.get("x-signature"), request.body, self.secret, time.time()
        ):
            return Reply(401, {"error": {"code": "unauthorized"}})
        request_id = request.headers.get("x-request-id")
        if not request_id:
            return Reply(400, {"error": {"code": "request_id_required"}})
        try:
            call = json.loads(request.body)
        except ValueError:
            return Reply(400, {"error": {"code": "bad_json"}})
        self.deliveries[request_id] = self.deliveries.get(request_id, 0) + 1
        if request_id in self.stored:
            return Reply(200, {"received": True, "request_id": request_id, "duplicate": True})
        self.stored[request_id] = call
        if self.on_receive is not None:
            self.callback_results.append(self.on_receive(call))
        return Reply(200, {"received": True, "request_id": request_id})
