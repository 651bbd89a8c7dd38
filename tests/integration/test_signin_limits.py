"""Sign-in limits over the API (StaffApiFunction on moto): the 6th wrong password locks the
login (429, a Russian message, Retry-After), a correct one is refused during the lock, other
logins are not, and after the lock (the handlers' clock moved on) it works; an older hash is
stored again with the current scrypt parameters on a good sign-in."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from otklik import clock
from otklik.adapters.directory import Directory, StaffMember
from otklik.domain.roles import Role
from otklik.entrypoints import auth

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def moved_clock(monkeypatch):
    """`moved_clock(seconds)`: the handlers' clock (`otklik.clock.now`) that far ahead."""
    offset = [0.0]
    real = clock.now
    monkeypatch.setattr(clock, "now", lambda: real() + timedelta(seconds=offset[0]))

    def move(seconds: float) -> None:
        offset[0] += seconds

    return move


@pytest.fixture
def sign_in(aws, handler, api_event, lambda_context):
    """`sign_in(login, password, client="...")`: (status, body, headers) of POST login."""
    staff_api = handler("staff_api")

    def call(login: str, password: str, client: str = "192.0.2.10"):
        event = api_event("POST", LOGIN, {"login": login, "password": password})
        event["requestContext"]["http"]["sourceIp"] = client
        answer = staff_api(event, lambda_context)
        return answer["statusCode"], json.loads(answer["body"]), answer.get("headers") or {}

    return call


def official(password_hash: str | None = None) -> str:
    """A new official of its own (a lock of a demo login would reach other tests)."""
    login = f"lim-{uuid.uuid4().hex[:10]}"
    Directory().put_staff(
        StaffMember(
            login=login,
            name="Проверка Входа",
            role=Role.TECHNICAL,
            email=f"{login}@otklik.local",
            password_hash=password_hash or auth.hash_password("right"),
        )
    )
    return login


def test_the_sixth_wrong_password_locks_the_login_until_the_lock_ends(sign_in, moved_clock):
    login, other = official(), official()
    client = f"192.0.2.{uuid.uuid4().int % 200 + 20}"
    statuses = []
    for n in range(6):
        status, body, headers = sign_in(login, f"wrong-{n}", client)
        statuses.append(status)
        moved_clock(5)  # past the 1, 2, 4 s delays: all six within a minute
    assert statuses == [401] * 5 + [429], statuses
    assert body["error"]["code"] == "too_many_attempts"

    status, body, headers = sign_in(login, "right", "198.51.100.77")  # even from elsewhere
    assert status == 429
    assert body["error"]["message"] == (
        "Слишком много неудачных попыток входа. Повторите через 15 минут."
    )
    assert 860 <= int(headers["Retry-After"]) <= 900

    assert sign_in(other, "right", client)[0] == 200, "another login is unaffected"

    moved_clock(10 * 60)
    status, body, headers = sign_in(login, "right", client)
    assert status == 429 and "через 5 минут." in body["error"]["message"]
    moved_clock(5 * 60)
    status, body, _ = sign_in(login, "right", client)
    assert status == 200, body
    assert "token" in body


def test_a_flood_from_one_client_does_not_lock_others_out(sign_in):
    flood = f"203.0.113.{uuid.uuid4().int % 200 + 20}"
    login = official()
    answers = [sign_in(f"nobody-{uuid.uuid4().hex[:6]}", "x", flood)[0] for _ in range(30)]
    assert answers == [401] * 29 + [429]
    assert sign_in(login, "right", flood)[0] == 429, "the flooding client is locked"
    assert sign_in(login, "right", "192.0.2.250")[0] == 200, "other clients are not"


def test_an_older_hash_is_rehashed_on_a_good_sign_in(sign_in):
    salt = bytes(range(16))
    key = hashlib.scrypt(b"right", salt=salt, n=2**14, r=8, p=1, dklen=32)
    login = official(f"scrypt${salt.hex()}${key.hex()}")
    assert sign_in(login, "wrong", "192.0.2.5")[0] == 401
    assert Directory().staff(login).password_hash.count("$") == 2, "a wrong one changes nothing"

    status, body, _ = sign_in(login, "right", "192.0.2.5")
    assert status == 200, body
    stored = Directory().staff(login).password_hash
    assert stored.startswith("scrypt$ln=17,r=8,p=1$") and not auth.needs_rehash(stored)
    assert auth.check_password("right", stored)
    assert sign_in(login, "right", "192.0.2.5")[0] == 200


def test_the_lock_expires_in_the_store_too(sign_in, moved_clock):
    """The hold record carries its end; its TTL lifetime lets the table forget it later."""
    login = official()
    for n in range(6):
        sign_in(login, f"wrong-{n}", "192.0.2.99")
        moved_clock(5)
    from otklik.bootstrap import deps
    from otklik.ports import signin_hold_key

    digest = hashlib.sha256(login.encode()).hexdigest()[:32]
    hold = deps().keys.seen(signin_hold_key("login", digest))
    assert hold["locked"] is True
    until = datetime.fromtimestamp(hold["until"], UTC)
    assert timedelta(minutes=14) < until - clock.now() <= timedelta(minutes=15)
