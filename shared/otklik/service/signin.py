"""Sign-in limits: wrong passwords counted per login and per client, a growing delay and a
temporary lock (the rule is `Settings.signin`, `otklik.config.SigninRules`).

The handler asks `check` before it checks a password (a held login or client costs no scrypt),
then reports the outcome: `failed` or `succeeded`. Counters and holds are TTL records of the key
store (`otklik.ports`, `signin-failures:` and `signin-hold:`); a hold keeps its own `until`, so
the decision follows the `now` passed in, not the store's clock.

- A login's counter is the same whoever tries it (an unknown login too, so a lock tells no login
  apart); its lock refuses even the right password, and a good sign-in clears the counter.
- A client's counter (the source IP) sums its wrong passwords over all logins; its lock refuses
  that client only. A flood from one client thus locks that client and the logins it targeted,
  never another client's sign-in to another login.
- Each lock is a security event: a WARNING of the Powertools logger with
  `security_event: "signin_locked"`, the scope, the login, the client, the failures and the end
  of the lock (CloudWatch Logs; README, Security, says how to find them).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from otklik.config import SigninRule
from otklik.ports import signin_failures_key, signin_hold_key
from otklik.service.deps import Deps

logger = Logger(service="otklik-signin")

LOGIN, CLIENT = "login", "client"


class TooManyAttempts(Exception):
    """Sign-in refused for `retry_after` seconds (HTTP 429 with Retry-After)."""

    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = max(1, int(retry_after))
        self.message = wait_message(self.retry_after)
        super().__init__(self.message)


def plural(count: int, one: str, few: str, many: str) -> str:
    """The Russian form for `count`: 1 минуту, 2 минуты, 5 минут, 11 минут, 21 минуту."""
    if count % 10 == 1 and count % 100 != 11:
        return one
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return few
    return many


def wait_message(seconds: int) -> str:
    """«Слишком много неудачных попыток входа. Повторите через N минут.» (seconds under a
    minute, rounded up to whole minutes above)."""
    if seconds < 60:
        wait = f"{seconds} {plural(seconds, 'секунду', 'секунды', 'секунд')}"
    else:
        minutes = math.ceil(seconds / 60)
        wait = f"{minutes} {plural(minutes, 'минуту', 'минуты', 'минут')}"
    return f"Слишком много неудачных попыток входа. Повторите через {wait}."


@dataclass(frozen=True)
class Attempt:
    """Who is signing in: the login as typed and the client's source IP."""

    login: str
    client: str

    def scopes(self) -> tuple[tuple[str, str], tuple[str, str]]:
        digest = hashlib.sha256(self.login.encode("utf-8", "surrogatepass")).hexdigest()
        return (LOGIN, digest[:32]), (CLIENT, self.client or "unknown")


def check(deps: Deps, attempt: Attempt, now: datetime) -> None:
    """Raises `TooManyAttempts` while the login or the client is held back."""
    instant = now.timestamp()
    waits = []
    for scope, ident in attempt.scopes():
        hold = deps.keys.seen(signin_hold_key(scope, ident)) or {}
        until = hold.get("until")
        if isinstance(until, int | float) and until > instant:
            waits.append(until - instant)
    if waits:
        raise TooManyAttempts(math.ceil(max(waits)))


def failed(deps: Deps, attempt: Attempt, now: datetime) -> None:
    """Count a wrong password (or an unknown or inactive login). Raises `TooManyAttempts` when
    this one locks the login or the client; otherwise holds the login back for the rule's
    growing delay and returns (the caller answers 401)."""
    rules = deps.settings.signin
    locked = []
    for (scope, ident), rule in zip(attempt.scopes(), (rules.login, rules.client), strict=True):
        failures = deps.keys.count(signin_failures_key(scope, ident), lifetime=rule.window)
        if failures >= rule.failures:
            _hold(deps, scope, ident, rule.lock, now, locked=True)
            # The window starts again after the lock: the next wrong password is the first.
            deps.keys.release(signin_failures_key(scope, ident))
            _security_event(attempt, scope, failures, rule, now)
            locked.append(rule.lock)
        elif wait := rule.wait_after(failures):
            _hold(deps, scope, ident, wait, now, locked=False)
    if locked:
        raise TooManyAttempts(max(locked))


def succeeded(deps: Deps, attempt: Attempt) -> None:
    """A good sign-in clears the login's counter (the client's keeps counting)."""
    (scope, ident), _ = attempt.scopes()
    deps.keys.release(signin_failures_key(scope, ident))


def _hold(deps: Deps, scope: str, ident: str, seconds: int, now: datetime, *, locked: bool):
    until = int(now.timestamp()) + seconds
    deps.keys.remember(
        signin_hold_key(scope, ident),
        {"until": until, "locked": locked},
        lifetime=seconds + 60,  # the store forgets it a little after the service does
    )


def _security_event(
    attempt: Attempt, scope: str, failures: int, rule: SigninRule, now: datetime
) -> None:
    until = datetime.fromtimestamp(int(now.timestamp()) + rule.lock, UTC)
    logger.warning(
        "sign-in locked",
        extra={
            "security_event": "signin_locked",
            "scope": scope,
            "login": attempt.login,
            "client": attempt.client,
            "failures": failures,
            "window_seconds": rule.window,
            "locked_until": until.isoformat(),
        },
    )
