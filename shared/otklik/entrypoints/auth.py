"""Staff authentication: scrypt password hashes and short-lived signed bearer tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}

# Checked against when a login does not exist, so an unknown login takes as long as a wrong
# password (no telling logins apart by timing); the login is refused whatever the outcome.
UNKNOWN_LOGIN_HASH = (
    "scrypt$6f746b6c696b2d756e6b6e6f776e2121$7de1a77840238ff6803c"
    "02bd26696663f5860eb0cf564bc94e255f5d0457214b"
)


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${salt.hex()}${key.hex()}"


def check_password(password: str, stored: str) -> bool:
    """True if `password` matches; False for a wrong one, a foreign scheme or a damaged hash."""
    try:
        scheme, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        secret = password.encode()  # a lone surrogate cannot be encoded: not a password
        candidate = hashlib.scrypt(secret, salt=bytes.fromhex(salt), dklen=32, **_SCRYPT)
    except (ValueError, UnicodeError):
        return False
    return hmac.compare_digest(candidate.hex(), key)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(login: str, secret: str, now: float, ttl_minutes: int) -> str:
    payload = _b64(
        json.dumps(
            {"sub": login, "exp": int(now) + ttl_minutes * 60, "jti": secrets.token_hex(8)}
        ).encode()
    )
    mac = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


def read_token(token: str, secret: str, now: float) -> dict | None:
    """The token's claims if it is ours and not expired, else None (never raises: whatever a
    caller sends as a token is at worst not a token)."""
    if not token.isascii():  # ours are base64url; compare_digest refuses non-ASCII text
        return None
    payload, _, mac = token.partition(".")
    if not payload or not mac:
        return None
    expected = _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, mac):
        return None
    try:
        claims = json.loads(_unb64(payload))
    except ValueError:
        return None
    if not (
        isinstance(claims, dict)
        and isinstance(claims.get("sub"), str)
        and isinstance(claims.get("jti"), str)
        and isinstance(claims.get("exp"), int)
        and claims["exp"] >= now
    ):
        return None
    return claims
