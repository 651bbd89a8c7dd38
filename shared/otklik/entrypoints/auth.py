"""Staff authentication: scrypt password hashes (their parameters in each hash) and short-lived
signed bearer tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

# scrypt's cost, written into every hash: `scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<key>`. A hash
# made with other parameters (or the older `scrypt$<salt>$<key>`, N=2^14) still checks, and
# `needs_rehash` tells the sign-in to store it again with these.
SCRYPT_LOG_N = 17
SCRYPT_R = 8
SCRYPT_P = 1
_LEGACY = (14, 8, 1)  # what `scrypt$<salt>$<key>` was made with
# What a stored hash may ask for: a damaged or hostile record cannot make a check take minutes
# or gigabytes (N=2^17, r=8 needs 128 MiB).
_MAX_LOG_N, _MAX_R, _MAX_P = 20, 16, 4

# Checked against when a login does not exist, so an unknown login takes as long as a wrong
# password (no telling logins apart by timing); the login is refused whatever the outcome.
UNKNOWN_LOGIN_HASH = (
    "scrypt$ln=17,r=8,p=1$6f746b6c696b2d756e6b6e6f776e2121$"
    "4324a81b4a4110e5150a681e75fb51fc9e7bb2530bc723820993ee604ee736f5"
)


def _scrypt(secret: bytes, salt: bytes, log_n: int, r: int, p: int) -> bytes:
    n = 2**log_n
    # OpenSSL refuses more than 32 MiB by default; N=2^17, r=8 needs 128 MiB and a little more.
    maxmem = 128 * r * (n + p + 2) + 1024 * 1024
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, dklen=32, maxmem=maxmem)


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    key = _scrypt(password.encode(), salt, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)
    params = f"ln={SCRYPT_LOG_N},r={SCRYPT_R},p={SCRYPT_P}"
    return f"scrypt${params}${salt.hex()}${key.hex()}"


def _parse(stored: str) -> tuple[tuple[int, int, int], bytes, str]:
    """(log2 N, r, p), the salt and the hex key of a stored hash; ValueError if it is none."""
    parts = stored.split("$")
    if len(parts) == 3 and parts[0] == "scrypt":
        params, salt, key = _LEGACY, parts[1], parts[2]
    elif len(parts) == 4 and parts[0] == "scrypt":
        fields = dict(item.partition("=")[::2] for item in parts[1].split(","))
        if set(fields) != {"ln", "r", "p"}:
            raise ValueError("unknown scrypt parameters")
        params = (int(fields["ln"]), int(fields["r"]), int(fields["p"]))
        salt, key = parts[2], parts[3]
    else:
        raise ValueError("not an scrypt hash")
    log_n, r, p = params
    if not (1 <= log_n <= _MAX_LOG_N and 1 <= r <= _MAX_R and 1 <= p <= _MAX_P):
        raise ValueError("scrypt parameters out of bounds")
    return params, bytes.fromhex(salt), key


def check_password(password: str, stored: str) -> bool:
    """True if `password` matches; False for a wrong one, a foreign scheme or a damaged hash."""
    try:
        (log_n, r, p), salt, key = _parse(stored)
        secret = password.encode()  # a lone surrogate cannot be encoded: not a password
        candidate = _scrypt(secret, salt, log_n, r, p)
    except (ValueError, UnicodeError, MemoryError):
        return False
    return hmac.compare_digest(candidate.hex(), key)


def needs_rehash(stored: str) -> bool:
    """True if `stored` was made with other scrypt parameters than new hashes get."""
    try:
        params, _, _ = _parse(stored)
    except ValueError:
        return False
    return params != (SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)


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
