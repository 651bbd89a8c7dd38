"""The client of the regional monitoring system: what goes back to the curator — a message
returned as outside the administration's remit (clause 10), an approved draft for the curator's
review (clause 12), the link of the published answer (clause 15).

Every call is `POST <base>/api/v1/inbound` with a JSON body, signed like the webhooks the
monitoring system sends us (`X-Signature: t=<unix>,v1=<HMAC-SHA256 of "t.body">`, see
`otklik.signing`) and carrying a request id (`X-Request-Id`, and `request_id` in the body)
that stays the same across every retry of the same call, so the monitoring system keeps one
copy however often it arrives. Each attempt is signed afresh: a retry after a long pause must
not arrive with a stale timestamp.

Retries: a 5xx, 408, 429 (after its `Retry-After`) or a timeout is retried here with backoff
while the budget lasts, then `MonitoringUnavailable` leaves it to the queue (and, after the
queue's maxReceiveCount, its dead-letter queue). A 409 means the request id was seen: done. Any
other 4xx is `MonitoringRejected`: the call itself is wrong (a bad secret, a bad body), which
retrying does not fix — it is logged loudly and still goes the queue's way, so that a corrected
secret lets the redelivery through.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from otklik.httpclient import Budget, HttpClient, TemporaryError, http_error, with_retries
from otklik.signing import sign


class MonitoringUnavailable(Exception):
    """The call did not go through; the queue retries it, then dead-letters it."""


class MonitoringRejected(MonitoringUnavailable):
    """The monitoring system refused the call (4xx other than 408/409/429)."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"monitoring system refused the call: HTTP {status} {body[:300]!r}")
        self.status = status


@dataclass(frozen=True)
class MonitoringClient:
    base_url: str
    secret: str
    timeout: float = 10.0
    budget_seconds: float = 8.0
    attempts: int = 4
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    clock: Callable[[], float] = field(default=time.time, compare=False)

    @property
    def endpoint(self) -> str:
        return f"{self.base_url.rstrip('/')}/api/v1/inbound"

    # -- the three calls ------------------------------------------------------------------------

    def return_to_curator(
        self, *, request_id: str, case_id: str, external_id: str, reason: str
    ) -> dict:
        """Clause 10: the message is outside the administration's remit."""
        return self.send(
            {
                "kind": "return_to_curator",
                "case_id": case_id,
                "external_id": external_id,
                "reason": reason,
            },
            request_id,
        )

    def send_draft_for_review(
        self,
        *,
        request_id: str,
        case_id: str,
        external_id: str,
        draft_id: str,
        text: str,
        draft_kind: str,
        attachments: list[dict],
    ) -> dict:
        """Clause 12: the approved draft, for the curator to approve or return."""
        return self.send(
            {
                "kind": "draft_for_review",
                "case_id": case_id,
                "external_id": external_id,
                "draft_id": draft_id,
                "text": text,
                "draft_kind": draft_kind,
                "attachments": attachments,
            },
            request_id,
        )

    def report_published(
        self,
        *,
        request_id: str,
        case_id: str,
        external_id: str,
        draft_id: str,
        url: str,
        answer_kind: str,
        published_at: str | None = None,
    ) -> dict:
        """Clause 15: the link of the published answer."""
        return self.send(
            {
                "kind": "published",
                "case_id": case_id,
                "external_id": external_id,
                "draft_id": draft_id,
                "url": url,
                "answer_kind": answer_kind,
                "published_at": published_at,
            },
            request_id,
        )

    # -- the transport --------------------------------------------------------------------------

    def send(self, payload: dict, request_id: str) -> dict:
        """POST one signed call, retried under the same request id; the parsed answer."""
        body = json.dumps({**payload, "request_id": request_id}, ensure_ascii=False).encode()
        http = HttpClient(timeout=self.timeout)
        budget = Budget(self.budget_seconds, sleep=self.sleep)

        def once() -> dict:
            response = http.request(
                "POST",
                self.endpoint,
                body=body,
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "X-Signature": sign(body, self.secret, int(self.clock())),
                    "X-Request-Id": request_id,
                },
            )
            if response.ok or response.status == 409:  # 409: this request id was seen
                answer = response.json()
                return answer if isinstance(answer, dict) else {}
            failure = http_error(response, "monitoring system")
            if failure is not None:
                raise failure
            raise MonitoringRejected(response.status, response.body)  # not retried here

        try:
            return with_retries(once, budget, attempts=self.attempts)
        except TemporaryError as error:
            raise MonitoringUnavailable(error.reason) from error
