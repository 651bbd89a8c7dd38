"""The small HTTP helper the channel adapters share: one request over urllib (form, JSON or
multipart), and retries with backoff that honour the other side's rate limits.

Two layers of retry keep a publication inside T6 (30 minutes) without holding a Lambda for long:
- here, within one delivery, for short waits: a rate limit (HTTP 429 with `Retry-After`, a
  Telegram `retry_after`, VK error 6), a 5xx, a timeout — as long as the wait fits the budget the
  caller gives (a few seconds, bounded by the Lambda's remaining time);
- the queue, across deliveries, for anything longer: the caller re-raises, and the message comes
  back after its visibility timeout (which the publishing function sets to the wait asked for).

A refused connection is not retried here: the service is down, and the queue's pause serves
better than a few quick knocks.
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar


class PublishError(Exception):
    """The answer did not go out. `reason` is Russian: the technical executor reads it."""

    permanent = False

    def __init__(
        self, reason: str, *, retry_after: float | None = None, code: int | str | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.code = code


class TemporaryError(PublishError):
    """Worth trying again: a rate limit, a 5xx, a timeout. `retry_after` is the wait the other
    side asked for, if it said; `inline=False` leaves the retry to the queue."""

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        code: int | str | None = None,
        inline: bool = True,
    ) -> None:
        super().__init__(reason, retry_after=retry_after, code=code)
        self.inline = inline


class PermanentError(PublishError):
    """Trying again cannot help (a revoked token, a deleted post, a refused request): a person
    has to publish the answer."""

    permanent = True


class ReplyImpossible(PermanentError):
    """Replying in the post's own thread is impossible (comments closed, no access to the chat):
    clause 15's fallback applies — post from the administration's own page with a link."""


T = TypeVar("T")

USER_AGENT = "otklik/1.0 (+municipal press desk)"
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


class Unreachable(TemporaryError):
    """No HTTP answer at all: refused, reset, timed out, DNS."""

    def __init__(self, reason: str, *, refused: bool = False) -> None:
        super().__init__(reason, inline=not refused)
        self.refused = refused


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    def json(self):
        """The body as JSON, or None if it is not JSON."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class File:
    """One file of a multipart/form-data body."""

    name: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class Budget:
    """How long one delivery may spend waiting between its retries."""

    seconds: float
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    started: float | None = None
    slept: list[float] = field(default_factory=list)  # every wait, for logs and tests

    def __post_init__(self) -> None:
        if self.started is None:
            self.started = self.clock()

    def remaining(self) -> float:
        # Time passed counts, and so does time slept (a stand-in `sleep` does not pass time).
        spent = max(self.clock() - self.started, sum(self.slept))
        return max(0.0, self.seconds - spent)

    def wait(self, seconds: float) -> bool:
        """Sleep `seconds` if the budget allows it; False (and no sleep) if it does not."""
        seconds = max(0.0, seconds)
        if seconds > self.remaining():
            return False
        self.slept.append(seconds)
        self.sleep(seconds)
        return True


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds: delta-seconds or an HTTP-date (RFC 9110, 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff(attempt: int, *, base: float = 0.5, cap: float = 8.0) -> float:
    """Exponential backoff with a little jitter: ~base, 2·base, 4·base ... up to cap."""
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    return delay * (1 + random.random() * 0.2)  # jitter, not security


def with_retries(
    call: Callable[[], T],
    budget: Budget,
    *,
    attempts: int = 4,
    base: float = 0.5,
    cap: float = 8.0,
) -> T:
    """Run `call`, retrying a `TemporaryError` while attempts and the budget last.

    The wait is the error's own `retry_after` when it has one (the other side said how long),
    else exponential backoff. An error that cannot wait (`inline=False`), or whose wait does not
    fit the budget, is raised at once for the queue to retry later.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return call()
        except TemporaryError as error:
            if not error.inline or attempt >= attempts:
                raise
            delay = (
                error.retry_after
                if error.retry_after is not None
                else backoff(attempt, base=base, cap=cap)
            )
            if not budget.wait(delay):
                raise


def http_error(response: Response, what: str) -> TemporaryError | None:
    """A transport-level failure any API may answer with, as a temporary error (else None)."""
    if response.status == 429:
        return TemporaryError(
            f"{what}: HTTP 429 Too Many Requests",
            retry_after=retry_after_seconds(response.headers.get("retry-after")),
        )
    if response.status >= 500 or response.status == 408:
        return TemporaryError(
            f"{what}: HTTP {response.status}",
            retry_after=retry_after_seconds(response.headers.get("retry-after")),
        )
    return None


@dataclass(frozen=True)
class HttpClient:
    timeout: float = 8.0

    def request(
        self,
        method: str,
        url: str,
        *,
        query: Mapping[str, object] | None = None,
        form: Mapping[str, object] | None = None,
        json_body: object | None = None,
        files: Mapping[str, File] | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
    ) -> Response:
        """One request; any HTTP status is returned, only a missing answer raises."""
        if query:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(_plain(query))
        sent = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
        if files is not None:
            body, content_type = multipart(form or {}, files)
            sent["Content-Type"] = content_type
        elif form is not None:
            body = urllib.parse.urlencode(_plain(form)).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        elif json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode()
            sent["Content-Type"] = "application/json; charset=utf-8"
        request = urllib.request.Request(url, data=body, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return Response(answer.status, _lower(answer.headers), answer.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, _lower(error.headers), error.read())
        except urllib.error.URLError as error:
            refused = isinstance(error.reason, ConnectionRefusedError)
            raise Unreachable(f"{_host(url)}: {error.reason}", refused=refused) from error
        except (TimeoutError, ConnectionError) as error:
            raise Unreachable(f"{_host(url)}: {error!r}") from error

    def download(self, url: str, *, limit: int = MAX_DOWNLOAD_BYTES) -> File:
        """A file to re-upload (a draft's photo), refused past `limit` bytes."""
        response = self.request("GET", url, headers={"Accept": "*/*"})
        if not response.ok:
            failure = http_error(response, f"GET {url}")
            if failure is not None:
                raise failure
            raise PermanentError(f"Вложение недоступно ({response.status}): {url}")
        if len(response.body) > limit:
            raise PermanentError(f"Вложение больше {limit // (1024 * 1024)} МБ: {url}")
        name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]) or "file"
        content_type = (response.headers.get("content-type") or "").split(";")[0].strip()
        return File(name, response.body, content_type or "application/octet-stream")


def multipart(fields: Mapping[str, object], files: Mapping[str, File]) -> tuple[bytes, str]:
    """A multipart/form-data body (RFC 7578) and its Content-Type."""
    boundary = f"otklik-{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, value in _plain(fields).items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + str(value).encode()
            + b"\r\n"
        )
    for name, file in files.items():
        filename = file.name.replace('"', "")
        parts.append(
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {file.content_type}\r\n\r\n"
            ).encode()
            + file.content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _plain(values: Mapping[str, object]) -> dict[str, str]:
    """Form values as strings; None is left out, booleans are 1/0, lists and dicts are JSON."""
    found = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            found[key] = "1" if value else "0"
        elif isinstance(value, list | dict):
            found[key] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        else:
            found[key] = str(value)
    return found


def _lower(headers) -> dict[str, str]:
    return {k.lower(): v for k, v in (headers or {}).items()}


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url
