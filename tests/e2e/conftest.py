"""Fixtures of the end-to-end tests: the whole local system in this process, over real HTTP.

`local_system` starts what `make run` starts — an embedded AWS (moto server), the template's
tables and queues, the demo directory, the queue consumers and the API gateway with the
simulated monitoring system — on free ports, once per test module, with table and queue names
of its own (moto's in-process state is one per process, so modules keep apart by name: each
starts empty). The sweeper's schedule is set far apart so it never fires during a test. Tests
talk to `base_url` with `urllib`.
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from local.run import LocalSystem, free_port
from tests.e2e.browser import CHROMIUM, LAUNCH_ARGS, Staff, page_data

WEBHOOK_SECRET = "e2e-webhook-secret"
TOKEN_SECRET = "e2e-token-secret-0123456789abcdef012345"
BARNAUL = ZoneInfo("Asia/Barnaul")
CURATOR = {"id": "c-1", "name": "Анна Смирнова"}
_systems = itertools.count(1)


@pytest.fixture(scope="module")
def local_system() -> Iterator[LocalSystem]:
    system = LocalSystem(
        port=free_port(),
        moto_port=free_port(),
        sweep_seconds=24 * 3600,
        shell_settings=False,
        namespace=f"e2e{next(_systems)}",
        overrides={
            "MONITORING_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STAFF_TOKEN_SECRET": TOKEN_SECRET,
            "DISPLAY_TIMEZONE": "Asia/Barnaul",
        },
    )
    try:
        system.start()
        yield system
    finally:
        system.stop()


@pytest.fixture(scope="module")
def base_url(local_system: LocalSystem) -> str:
    return local_system.url


@dataclass
class Reply:
    status: int
    body: dict
    headers: Mapping[str, str]

    def __getitem__(self, key):
        return self.body[key]


class Client:
    """A small HTTP client of the contract: staff calls with a bearer token, and signed calls
    of the monitoring system."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._tokens: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        body=None,
        *,
        as_: str | None = None,
        headers: Mapping[str, str] | None = None,
        raw: bytes | None = None,
    ) -> Reply:
        data = raw
        if data is None and body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        all_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        if as_ is not None:
            all_headers["Authorization"] = f"Bearer {self.token(as_)}"
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=all_headers
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return Reply(response.status, _json(response.read()), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, _json(error.read()), dict(error.headers))

    def get(self, path: str, *, as_: str) -> Reply:
        return self.request("GET", path, as_=as_)

    def post(self, path: str, body=None, *, as_: str) -> Reply:
        return self.request("POST", path, body if body is not None else {}, as_=as_)

    def token(self, login: str) -> str:
        if login not in self._tokens:
            reply = self.request("POST", "/api/v1/auth/login", {"login": login, "password": "demo"})
            assert reply.status == 200, reply.body
            self._tokens[login] = reply["token"]
        return self._tokens[login]

    def signed(self, path: str, body: dict, *, secret: str = WEBHOOK_SECRET, headers=None) -> Reply:
        from otklik.signing import sign

        raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        signature = sign(raw, secret, int(time.time()))
        return self.request(
            "POST", path, raw=raw, headers={"X-Signature": signature, **(headers or {})}
        )

    def deliver(self, message: dict, **kwargs) -> Reply:
        return self.signed("/api/v1/monitoring/messages", message, **kwargs)

    def curator(self, external_id: str, event: str, draft_id: str | None = None, comment=""):
        return self.signed(
            "/api/v1/monitoring/callbacks",
            {
                "external_id": external_id,
                "event": event,
                "draft_id": draft_id,
                "comment": comment,
                "at": datetime.now(BARNAUL).isoformat(timespec="seconds"),
            },
            headers={"X-Delivery-Id": uuid.uuid4().hex},
        )


def _json(raw: bytes) -> dict:
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return {"raw": raw.decode("utf-8", "replace")}


@pytest.fixture(scope="module")
def policy():
    """The deployment's SLA policy on the default calendar: deadlines the tests expect."""
    from otklik.domain.calendar import WorkingCalendar
    from otklik.domain.policy import SlaPolicy

    return SlaPolicy(WorkingCalendar())


@pytest.fixture
def consumers_never_fail(local_system):
    """No queue consumer may fail on what a test sets in motion (it would be retried and end in
    a dead-letter queue): checked after the test, once the queues are drained."""
    before = {c.queue_id: c.failed for c in local_system.workers.consumers}
    yield
    local_system.drain()
    after = {c.queue_id: c.failed for c in local_system.workers.consumers}
    assert after == before, "a queue consumer reported failures (see the log)"


@pytest.fixture(scope="module")
def client(base_url: str) -> Client:
    return Client(base_url)


@pytest.fixture
def message():
    """`message(**overrides)`: a new post as the monitoring system delivers it, with its own
    external id, author and thread (so no two tests' posts look like repeats)."""

    def make(**overrides) -> dict:
        n = uuid.uuid4().int
        post = n % 10**6
        body = {
            "external_id": f"im-e2e-{uuid.uuid4().hex[:12]}",
            "detected_at": datetime.now(BARNAUL).replace(microsecond=0).isoformat(),
            "network": "vk",
            "url": f"https://vk.com/wall-170171414_{post}?reply={post + 3}",
            "author": {
                "id": f"id{n % 10**9}",
                "name": "Ирина Петрова",
                "url": f"https://vk.com/id{n % 10**9}",
            },
            "text": (
                "Когда отремонтируют дорогу по ул. Ленина в с. Зудилово? Ямы по колено, "
                "школьный автобус еле проезжает."
            ),
            "attachments": [{"type": "photo", "url": "https://sun9-1.userapi.com/yama.jpg"}],
            "topic": "Дороги",
            "location": "с. Зудилово",
            "importance": "high",
            "curator": dict(CURATOR),
        }
        body.update(overrides)
        return body

    return make


# -- the staff page in a browser ---------------------------------------------------------------


@pytest.fixture(scope="module")
def calendar_json() -> dict:
    """web/calendar.json, regenerated from the server's code by web/build_data.py (the browser
    fixture asks for it, so the page is served current data)."""
    return page_data()["calendar.json"]


@pytest.fixture(scope="module")
def browser(calendar_json) -> Iterator:
    if not Path(CHROMIUM).exists():
        # `make test` installs it; a browser test that cannot run is a failure, never a skip
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def staff(browser, base_url) -> Iterator:
    """`staff(login, ...)`: a signed-in official in a browser window of their own."""
    opened: list[Staff] = []

    def sign_in(login: str, **kwargs) -> Staff:
        official = Staff(browser, base_url, login, **kwargs)
        opened.append(official)
        return official

    yield sign_in
    for official in opened:
        official.close()
    for official in opened:
        assert not official.errors, f"{official.login}: errors on the page: {official.errors}"
