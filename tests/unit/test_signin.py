"""Sign-in limits (`otklik.service.signin`) on the fake key store, the scrypt hash format and
rehash check (`otklik.entrypoints.auth`), and the start-up check of the secrets (`otklik.config`).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from otklik import config
from otklik.entrypoints import auth
from otklik.service import signin
from otklik.service.signin import Attempt, TooManyAttempts
from tests.unit.fakes import FakeKeyStore, fake_deps


class Desk:
    """The limiter over fake deps, its clock and the store's clock moved together."""

    def __init__(self) -> None:
        self.deps = fake_deps(keys=FakeKeyStore())
        self.events: list[dict] = []

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.deps.keys.time, UTC)

    def wait(self, seconds: float) -> None:
        self.deps.keys.advance(seconds)

    def wrong(self, login: str = "tech", client: str = "10.0.0.1") -> int | None:
        """A wrong password: None if allowed (401), else the Retry-After of the 429."""
        attempt = Attempt(login, client)
        try:
            signin.check(self.deps, attempt, self.now)
            signin.failed(self.deps, attempt, self.now)
        except TooManyAttempts as refused:
            return refused.retry_after
        return None

    def right(self, login: str = "tech", client: str = "10.0.0.1") -> int | None:
        attempt = Attempt(login, client)
        try:
            signin.check(self.deps, attempt, self.now)
        except TooManyAttempts as refused:
            return refused.retry_after
        signin.succeeded(self.deps, attempt)
        return None

    def wrong_until_refused_or_counted(self, times: int, **who) -> list[int | None]:
        """`times` wrong passwords, each after the delay the previous one imposed."""
        answers = []
        for _ in range(times):
            answers.append(self.wrong(**who))
            hold = self.deps.settings.signin.login.wait_after(len(answers))
            if answers[-1] is None and hold:
                self.wait(hold)
        return answers


@pytest.fixture
def desk(monkeypatch) -> Desk:
    d = Desk()
    monkeypatch.setattr(
        signin.logger, "warning", lambda message, extra=None: d.events.append(extra or {})
    )
    return d


def test_the_sixth_wrong_password_in_a_minute_locks_the_login(desk):
    answers = desk.wrong_until_refused_or_counted(6)
    assert answers[:5] == [None] * 5  # 401 each, after 1, 2, 4 s of delay from the 3rd on
    assert answers[5] == 900
    desk.wait(60)
    assert desk.right() == 840, "the right password during the lock is refused"
    assert desk.right(login="resp") is None, "another login from elsewhere is unaffected"
    desk.wait(841)
    assert desk.right() is None, "after the lock it works"


def test_the_lock_is_a_security_event_with_login_and_client(desk):
    desk.wrong_until_refused_or_counted(6, login="roads", client="203.0.113.7")
    assert desk.events == [
        {
            "security_event": "signin_locked",
            "scope": "login",
            "login": "roads",
            "client": "203.0.113.7",
            "failures": 6,
            "window_seconds": 900,
            "locked_until": datetime.fromtimestamp(int(desk.deps.keys.time) + 900, UTC).isoformat(),
        }
    ]


def test_a_growing_delay_holds_the_next_attempt_back(desk):
    assert desk.wrong() is None and desk.wrong() is None
    assert desk.wrong() is None  # the 3rd: the next must wait 1 s
    assert desk.wrong() == 1 and desk.right() == 1
    desk.wait(1)
    assert desk.wrong() is None  # the 4th: 2 s
    desk.wait(1)
    assert desk.right() == 1
    desk.wait(1)
    assert desk.right() is None


def test_a_good_sign_in_clears_the_logins_counter(desk):
    desk.wrong_until_refused_or_counted(5)
    desk.wait(10)
    assert desk.right() is None
    assert desk.wrong_until_refused_or_counted(5) == [None] * 5, "counting starts again"


def test_failures_older_than_the_window_are_forgotten(desk):
    desk.wrong_until_refused_or_counted(5)
    desk.wait(901)
    assert desk.wrong_until_refused_or_counted(5) == [None] * 5


def test_a_flood_from_one_client_locks_it_and_the_targeted_login_only(desk):
    flood = "198.51.100.9"
    answers = []
    for n in range(30):
        answers.append(desk.wrong(login=f"guess-{n}", client=flood))
    assert answers[:29] == [None] * 29 and answers[29] == 900
    assert desk.right(login="tech", client=flood) == 900, "the flooding client is locked"
    assert desk.right(login="tech", client="10.0.0.2") is None, "others sign in"
    assert desk.right(login="guess-3", client="10.0.0.2") is None
    assert [e["scope"] for e in desk.events] == ["client"]


def test_an_unknown_login_is_counted_and_locked_like_a_known_one(desk):
    assert desk.wrong_until_refused_or_counted(6, login="nobody")[5] == 900
    assert desk.right(login="nobody", client="10.9.9.9") > 0


def test_the_counter_is_atomic_and_expires_after_its_window():
    keys = FakeKeyStore()
    assert [keys.count("c", lifetime=10) for _ in range(3)] == [1, 2, 3]
    keys.advance(5)
    assert keys.count("c", lifetime=10) == 4, "later counts do not extend the window"
    keys.advance(6)
    assert keys.count("c", lifetime=10) == 1


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1, "1 секунду"),
        (3, "3 секунды"),
        (30, "30 секунд"),
        (60, "1 минуту"),
        (61, "2 минуты"),
        (300, "5 минут"),
        (660, "11 минут"),
        (900, "15 минут"),
        (1260, "21 минуту"),
        (1320, "22 минуты"),
    ],
)
def test_the_refusal_says_when_to_try_again_in_russian(seconds, text):
    assert signin.wait_message(seconds) == (
        f"Слишком много неудачных попыток входа. Повторите через {text}."
    )


# -- hashes --------------------------------------------------------------------------------------


def test_new_hashes_carry_their_scrypt_parameters():
    stored = auth.hash_password("demo")
    scheme, params, salt, key = stored.split("$")
    assert (scheme, params) == ("scrypt", "ln=17,r=8,p=1")
    assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(key)) == 32
    assert auth.check_password("demo", stored) and not auth.check_password("Demo", stored)
    assert not auth.needs_rehash(stored)


def test_an_older_hash_still_checks_and_asks_for_a_rehash():
    salt = bytes(range(16))
    legacy = hashlib.scrypt(b"demo", salt=salt, n=2**14, r=8, p=1, dklen=32)
    stored = f"scrypt${salt.hex()}${legacy.hex()}"
    assert auth.check_password("demo", stored) and not auth.check_password("demo1", stored)
    assert auth.needs_rehash(stored)
    assert auth.needs_rehash(f"scrypt$ln=14,r=8,p=1${salt.hex()}${legacy.hex()}")


@pytest.mark.parametrize(
    "stored",
    [
        "scrypt$ln=40,r=8,p=1$00$00",  # would take forever: refused unread
        "scrypt$ln=17,r=99,p=1$00$00",
        "scrypt$ln=17,r=8$00$00",
        "scrypt$ln=x,r=8,p=1$00$00",
        "scrypt$a$b$c$d",
        "md5$00",
    ],
)
def test_a_damaged_or_hostile_hash_refuses(stored):
    assert not auth.check_password("demo", stored)
    assert not auth.needs_rehash(stored)


def test_the_unknown_login_hash_costs_what_a_new_hash_costs():
    assert auth.UNKNOWN_LOGIN_HASH.split("$")[1] == "ln=17,r=8,p=1"
    assert not auth.needs_rehash(auth.UNKNOWN_LOGIN_HASH)


# -- secrets at start ----------------------------------------------------------------------------

STRONG = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


@pytest.fixture
def deployment_env(monkeypatch):
    """The environment of a deployment (no emulator, no development flag), strong secrets."""
    for name, value in {
        "CASES_TABLE": "c",
        "AUDIT_TABLE": "a",
        "IDEMPOTENCY_TABLE": "i",
        "DIRECTORY_TABLE": "d",
        "OUTBOX_TABLE": "o",
        "ROUTING_QUEUE_URL": "q",
        "NOTIFICATION_QUEUE_URL": "q",
        "PUBLISHING_QUEUE_URL": "q",
        "MONITORING_QUEUE_URL": "q",
        "MONITORING_WEBHOOK_SECRET": STRONG,
        "STAFF_TOKEN_SECRET": STRONG[::-1],
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("OTKLIK_ALLOW_DEV_SECRETS", raising=False)
    return monkeypatch


def test_strong_secrets_start(deployment_env):
    settings = config.Settings.from_env()
    assert settings.token_secret == STRONG[::-1]
    assert settings.signin.login.failures == 6 and settings.signin.client.failures == 30


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("STAFF_TOKEN_SECRET", "short-secret", "fewer than 32"),
        ("STAFF_TOKEN_SECRET", "ab" * 20, "bits of entropy"),
        ("STAFF_TOKEN_SECRET", "dev-token-secret-of-the-local-run-only", "development value"),
        ("MONITORING_WEBHOOK_SECRET", f"{STRONG},dev-secret", "value 2 of"),
    ],
)
def test_a_weak_secret_refuses_to_start(deployment_env, name, value, said):
    deployment_env.setenv(name, value)
    with pytest.raises(config.SettingsError) as refused:
        config.Settings.from_env()
    assert said in str(refused.value) and name in str(refused.value)
    assert value.split(",")[-1] not in str(refused.value), "the value is never printed"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
        ("AWS_ENDPOINT_URL", "http://localhost:4566"),
        ("OTKLIK_ALLOW_DEV_SECRETS", "1"),
    ],
)
def test_the_dev_secrets_are_allowed_in_development_only(deployment_env, variable, value):
    deployment_env.setenv("MONITORING_WEBHOOK_SECRET", "dev-secret")
    deployment_env.setenv("STAFF_TOKEN_SECRET", "dev-token-secret-of-the-local-run-only")
    deployment_env.setenv(variable, value)
    assert config.Settings.from_env().webhook_secrets == ("dev-secret",)
    deployment_env.delenv(variable)
    deployment_env.setenv("AWS_ENDPOINT_URL", "https://dynamodb.eu-central-1.amazonaws.com")
    with pytest.raises(config.SettingsError):
        config.Settings.from_env()
