"""The HTTP client the channel adapters share: one request over a urllib3 connection pool (form,
JSON or multipart by urllib3), and retries with backoff that honour the other side's limits.

Two layers of retry keep a publication inside T6 (30 minutes) without holding a Lambda for long:
- here, within one delivery, for short waits: a rate limit (HTTP 429 with `Retry-After`, a
  Telegram `retry_after`, VK error 6), a 5xx, a timeout — as long as the wait fits the budget the
  caller gives (a few seconds, bounded by the Lambda's remaining time);
- the queue, across deliveries, for anything longer: the caller re-raises, and the message comes
  back after its visibility timeout (which the publishing function sets to the wait asked for).

urllib3's own `Retry` is left off (`retries=False`): it would sleep whatever `Retry-After` asks
inside the call, past the Lambda's remaining time, and it cannot see the rate limits VK, Telegram
and OK report inside a 200 answer; `with_retries` handles both under one budget.

A refused connection is not retried here: the service is down, and the queue's pause serves
better than a few quick knocks. Redirects are not followed.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
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


class OutOfTime(TemporaryError):
    """The delivery's time is up before its next request: the queue tries again later, so the
    function never outlives its own timeout (where the message would come back without anyone
    hearing why)."""

    def __init__(self) -> None:
        super().__init__("время на попытку истекло, повторим позже", inline=False)


# A request is not started with less time than this left: it could not get an answer.
MIN_REQUEST_SECONDS = 0.5
# The APIs answer in JSON of a few kilobytes; a larger answer is not one of theirs.
MAX_ANSWER_BYTES = 2 * 1024 * 1024
CHUNK_BYTES = 64 * 1024


@dataclass
class Budget:
    """How long one delivery may spend waiting between its retries (`seconds`), and how long it
    may take in all, its requests included (`limit`: the function's remaining time, less what
    recording the result needs; None, no limit but the requests' own timeouts)."""

    seconds: float
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    started: float | None = None
    slept: list[float] = field(default_factory=list)  # every wait, for logs and tests
    limit: float | None = None

    def __post_init__(self) -> None:
        if self.started is None:
            self.started = self.clock()

    def _spent(self) -> float:
        # Time passed counts, and so does time slept (a stand-in `sleep` does not pass time).
        return max(self.clock() - self.started, sum(self.slept))

    def time_left(self) -> float:
        """Seconds until the delivery's limit (infinite without one)."""
        if self.limit is None:
            return math.inf
        return max(0.0, self.limit - self._spent())

    def remaining(self) -> float:
        """Seconds that may still be spent waiting: never so long that no request could follow."""
        after_wait = self.time_left() - MIN_REQUEST_SECONDS
        return max(0.0, min(self.seconds - self._spent(), after_wait))

    def request_timeout(self, default: float) -> float:
        """The timeout of the next request: its own, cut to the time left; OutOfTime when too
        little is left to start one."""
        left = self.time_left()
        if left < MIN_REQUEST_SECONDS:
            raise OutOfTime()
        return min(default, left)

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


_watched = threading.local()  # the `_Watch` of the request this thread is making


class _Watch:
    """One request's hard deadline. A socket timeout bounds each read, not all of them: a
    server sending a header line, a chunk size or a trailer line just before each read would
    time out would hold http.client for ever. So when the time is up this shuts the
    connection's socket down (again every 0.1 s, in case it was still being opened), and
    whatever http.client is reading ends at once."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.connection = None  # set by the pool's connection as the request goes out
        self.sock = None  # and its socket, once the request is sent
        self.fired = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="http-deadline", daemon=True)

    def __enter__(self) -> _Watch:
        _watched.current = self
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        _watched.current = None
        self._done.set()

    def _watch(self) -> None:
        if self._done.wait(self.seconds):
            return
        self.fired = True
        while True:
            sock = getattr(self.connection, "sock", None) or self.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            if self._done.wait(0.1):
                return


@cache
def _pool():
    """One connection pool per process (kept across warm invocations); built on first use.
    Its connections tell the request's `_Watch` which socket to shut down."""
    import urllib3
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class Watched:
        def request(self, *args, **kwargs):
            watch = getattr(_watched, "current", None)
            if watch is not None:
                watch.connection = self
            try:
                return super().request(*args, **kwargs)
            finally:
                if watch is not None:  # kept: http.client lets go of it once it has the answer
                    watch.sock = self.sock

    class WatchedHTTP(Watched, HTTPConnection):
        pass

    class WatchedHTTPS(Watched, HTTPSConnection):
        pass

    class HTTPPool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTP

    class HTTPSPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPS

    manager = urllib3.PoolManager(retries=False, headers={"User-Agent": USER_AGENT})
    manager.pool_classes_by_scheme = {"http": HTTPPool, "https": HTTPSPool}
    return manager


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
        budget: Budget | None = None,
    ) -> Response:
        """One request; any HTTP status is returned, only a missing answer raises. Redirects
        are not followed: an API that redirects is answered as it answered. With `budget`, the
        request's timeout is cut to the delivery's time left (OutOfTime if none is)."""
        timeout = budget.request_timeout(self.timeout) if budget is not None else self.timeout
        if query:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(form_values(query))
        sent = {"Accept": "application/json", **(headers or {})}
        if files is not None:
            body, content_type = multipart(form or {}, files)
            sent["Content-Type"] = content_type
        elif form is not None:
            body = urllib.parse.urlencode(form_values(form)).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
        elif json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode()
            sent["Content-Type"] = "application/json; charset=utf-8"
        with _Watch(timeout) as watch:
            try:
                answer = self._send(method, url, body=body, headers=sent, timeout=timeout)
                try:
                    content = _read(answer, url)
                except BaseException:
                    answer.close()  # half read: not back to the pool
                    raise
                finally:
                    answer.release_conn()
            except Unreachable as error:
                if watch.fired:
                    raise Unreachable(f"{_host(url)}: ответ не получен вовремя") from error
                raise
        if watch.fired:  # the socket was shut under http.client: what it read is not whole
            raise Unreachable(f"{_host(url)}: ответ не получен вовремя")
        return Response(answer.status, _lower(answer.headers), content)

    def _send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers=None,
        timeout: float | None = None,
    ):
        import urllib3

        try:
            return _pool().request(
                method,
                url,
                body=body,
                headers=headers,
                timeout=urllib3.Timeout(total=timeout or self.timeout),
                redirect=False,
                preload_content=False,
            )
        except urllib3.exceptions.HTTPError as error:
            refused = _refused(error)
            raise Unreachable(f"{_host(url)}: {_reason(error)}", refused=refused) from error


def _read(answer, url: str) -> bytes:
    """The body, read as it comes, no larger than `MAX_ANSWER_BYTES` (the request's `_Watch`
    ends it at the deadline)."""
    import urllib3

    chunks, size = [], 0
    try:
        while chunk := answer.read1(CHUNK_BYTES):
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise Unreachable(f"{_host(url)}: ответ больше {MAX_ANSWER_BYTES} байт")
            chunks.append(chunk)
    except (urllib3.exceptions.HTTPError, OSError) as error:
        raise Unreachable(f"{_host(url)}: {_reason(error)}") from error
    return b"".join(chunks)


def _refused(error: BaseException) -> bool:
    seen = error
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or "Connection refused" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _reason(error: BaseException) -> str:
    """What went wrong, without the pool's internals (`<urllib3... object at 0x...>`)."""
    text = str(error)
    return text.split(">: ", 1)[-1] if ">: " in text else text


def multipart(fields: Mapping[str, object], files: Mapping[str, File]) -> tuple[bytes, str]:
    """A multipart/form-data body (RFC 7578) and its Content-Type, by urllib3."""
    from urllib3 import encode_multipart_formdata

    parts: list = list(form_values(fields).items())
    parts += [(name, (f.name, f.content, f.content_type)) for name, f in files.items()]
    return encode_multipart_formdata(parts)


def form_values(
    values: Mapping[str, object], booleans: tuple[str, str] = ("1", "0")
) -> dict[str, str]:
    """Form values as strings; None is left out, booleans as `booleans` (true, false), lists and
    dicts as compact JSON."""
    found = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            found[key] = booleans[0] if value else booleans[1]
        elif isinstance(value, list | dict):
            found[key] = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        else:
            found[key] = str(value)
    return found


def _lower(headers) -> dict[str, str]:
    return {k.lower(): v for k, v in (headers or {}).items()}


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url
