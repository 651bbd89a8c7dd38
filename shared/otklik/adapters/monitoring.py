"""The client of the regional monitoring system: what goes back to the curator (clauses 10, 12,
15), signed like the webhooks it sends us, with a request id it can deduplicate on."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from otklik.api.signing import sign


class MonitoringUnavailable(Exception):
    """The call did not go through; the queue retries it, then dead-letters it."""


@dataclass(frozen=True)
class MonitoringClient:
    base_url: str
    secret: str
    timeout: float = 10.0

    def send(self, payload: dict, request_id: str) -> dict:
        body = json.dumps(payload, ensure_ascii=False).encode()
        request = urllib.request.Request(
            f"{self.base_url.rstrip('/')}/api/v1/inbound",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Signature": sign(body, self.secret, int(time.time())),
                "X-Request-Id": request_id,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except (urllib.error.URLError, TimeoutError) as error:
            raise MonitoringUnavailable(str(error)) from error
        return json.loads(raw or b"{}")
