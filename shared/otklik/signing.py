"""Signed requests from the monitoring system: `X-Signature: t=<unix>,v1=<hex>` where v1 is
HMAC-SHA256 over "<t>.<raw body>" (the Stripe scheme). Several secrets are accepted so one can be
rotated at a time; several v1 values are accepted from a sender that signs with both.

The header is parsed strictly and never raises: whatever a caller puts in it (non-ASCII digits,
a timestamp of thousands of digits, non-hex signatures, two `t=` parts) is simply not a valid
signature, and the request is refused with 401 like any other.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable

TOLERANCE_SECONDS = 300
MAX_HEADER_LENGTH = 4096  # far more than a timestamp and a few signatures need

_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only; 12 is beyond the year 30000
_SIGNATURE = re.compile(r"[0-9a-f]{64}")  # lower-case hex of a SHA-256 digest, as signed


def sign(body: bytes, secret: str, timestamp: int) -> str:
    return f"t={timestamp},v1={_digest(body, secret, timestamp)}"


def _digest(body: bytes, secret: str, timestamp: int) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(header: str | None, body: bytes, secrets: Iterable[str], now: float) -> bool:
    """True only for a well-formed, fresh signature made with one of the secrets."""
    if not header or len(header) > MAX_HEADER_LENGTH:
        return False
    timestamp, candidates = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            if timestamp is not None or not _TIMESTAMP.fullmatch(value):
                return False  # a missing, malformed or ambiguous time
            timestamp = int(value)
        elif name == "v1" and _SIGNATURE.fullmatch(value):
            candidates.append(value)
        # other schemes (e.g. Stripe's v0) and unreadable v1 values are ignored
    if timestamp is None or not candidates or abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    for secret in secrets:
        expected = _digest(body, secret, timestamp)
        if any(hmac.compare_digest(expected, c) for c in candidates):
            return True
    return False
