"""The local system for the benchmarks that count requests: everything `make run` starts, in
this process, on free ports, with the queue consumers driven by the benchmark itself (one batch
at a time, in this thread) instead of by threads, so every request lands in a known step.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

from bench import common  # noqa: F401  (sets up the path to shared/)
from bench.aws import Counter
from local import lambdas
from local.run import LocalSystem, free_port
from local.simulator import post_signed

SECRET = "bench-webhook-secret-0123456789"
TOKEN_SECRET = "bench-token-secret-0123456789abcdef0123456789"


@contextmanager
def local_system(
    counter: Counter | None = None, namespace: str = "bench", *, isolated: bool = False
):
    system = LocalSystem(
        isolated_moto=isolated,
        port=free_port(),
        moto_port=free_port(),
        sweep_seconds=24 * 3600,  # the schedule never fires by itself
        shell_settings=False,
        namespace=namespace,
        overrides={
            "MONITORING_WEBHOOK_SECRET": SECRET,
            "STAFF_TOKEN_SECRET": TOKEN_SECRET,
            "DISPLAY_TIMEZONE": "Asia/Barnaul",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        },
    )
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    original_invoke = lambdas.Function.invoke
    if counter is not None:
        counter.paused = True

        def invoke(self, event, *, region="eu-central-1"):
            with counter.invoking(self.logical_id):
                return original_invoke(self, event, region=region)

        lambdas.Function.invoke = invoke
    try:
        system.start()
        system.workers.stop()  # the benchmark polls the queues itself
        if counter is not None:
            names = dict(system.created.tables)
            counter.learn_tables(system.template, names)
            counter.cases_table = names.get("CasesTable", "")
            counter.paused = False
        yield system
    finally:
        lambdas.Function.invoke = original_invoke
        system.stop()


def drain(system: LocalSystem, counter: Counter | None = None, limit: int = 200) -> int:
    """Deliver queued messages to their consumers, batch by batch, until every queue is empty.

    Receives that find nothing are recorded as the poller's `empty` source: Lambda's pollers
    make those whatever the traffic, so they are not a cost of a case."""
    workers = system.workers
    handled = 0
    for _ in range(limit):
        got = 0
        for consumer in workers.runnable():
            if counter is None:
                got += workers.poll(consumer, wait=0)
                continue
            before = len(counter.calls)
            with counter.at(counter.step, "poller"):
                n = workers.poll(consumer, wait=0)
            if n == 0:
                for call in counter.calls[before:]:
                    call.source = "poller-empty"
            got += n
        handled += got
        if got == 0:
            failed = sum(c.failed for c in workers.consumers)
            if failed:
                raise RuntimeError(f"{failed} queue messages failed in the benchmark")
            return handled
    raise RuntimeError("queues did not drain")


class Client:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.tokens: dict[str, str] = {}

    def call(self, method: str, path: str, body=None, *, as_: str | None = None):
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if as_ is not None:
            headers["Authorization"] = f"Bearer {self.tokens[as_]}"
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.base_url + path, data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def login(self, login: str) -> None:
        status, body = self.call("POST", "/api/v1/auth/login", {"login": login, "password": "demo"})
        assert status == 200, body
        self.tokens[login] = body["token"]

    def signed(self, path: str, payload: dict) -> tuple[int, dict]:
        return post_signed(self.base_url, path, payload, SECRET)


def wait_until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.02)
