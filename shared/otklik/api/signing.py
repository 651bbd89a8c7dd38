"""Signed requests from the monitoring system: `X-Signature: t=<unix>,v1=<hex>` where v1 is
HMAC-SHA256 over "<t>.<raw body>" (the Stripe scheme). Several secrets are accepted so one can be
rotated at a time; several v1 values are accepted from a sender that signs with both."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

TOLERANCE_SECONDS = 300


def sign(body: bytes, secret: str, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(header: str | None, body: bytes, secrets: Iterable[str], now: float) -> bool:
    """True only for a well-formed, fresh signature made with one of the secrets."""
    if not header:
        return False
    timestamp, candidates = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    for secret in secrets:
        expected = sign(body, secret, timestamp).split("v1=", 1)[1]
        if any(hmac.compare_digest(expected, c) for c in candidates):
            return True
    return False
