"""`make run` keeps its data (issue 13): the tables and the queued messages live in a state
folder, restored on start; a `kill -9` loses no case the API answered 201 for and no queued
message, Ctrl-C saves everything (the mailbox too), `--reset` starts clean, and two runs never
share a state folder.

Each test starts `python -m local` as a child process on free ports with a state folder of
its own under `tmp_path` (never the developer's `.otklik/`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from local import ROOT
from local.run import base_environment, free_port
from tests.e2e.conftest import WEBHOOK_SECRET, Client

STARTUP_SECONDS = 120  # a loaded machine: the tests poll, they do not wait this long


def shell() -> dict[str, str]:
    """A shell without this test session's settings (nor a developer's state folder)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "OTKLIK_"))
        and k not in base_environment(gateway_url="http://x")
        and not k.endswith(("_TABLE", "_QUEUE_URL"))
    }
    env.update(
        PYTHONIOENCODING="utf-8",
        LOCAL_SWEEP_SECONDS="3600",
        MONITORING_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    return env


def command(state_dir: Path, port: int, moto_port: int, *extra: str) -> list[str]:
    ports = ["--port", str(port), "--moto-port", str(moto_port)]
    return [sys.executable, "-m", "local", *ports, "--state-dir", str(state_dir), *extra]


class Run:
    """One `python -m local` on its own ports and the given state folder."""

    def __init__(self, state_dir: Path, *extra: str, log: Path) -> None:
        self.port, self.moto_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self._out = open(log, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            command(state_dir, self.port, self.moto_port, *extra),
            cwd=ROOT,
            env=shell(),
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        self.client = Client(self.url)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self) -> Run:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the local run exited ({self.process.returncode}):\n{self.output()}")
            try:
                urllib.request.urlopen(self.url + "/api/v1/me", timeout=2)
            except urllib.error.HTTPError:
                return self  # 401: it answers
            except OSError:
                time.sleep(0.2)
                continue
            return self
        pytest.fail(f"the local run did not start:\n{self.output()}")

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._out.close()
        return self.process.returncode


@pytest.fixture
def runs(tmp_path):
    """`runs(*args)`: a started local run on `tmp_path/state` (stopped after the test)."""
    started: list[Run] = []

    def start(*extra: str, state: Path | None = None) -> Run:
        log = tmp_path / f"run-{len(started) + 1}.log"
        run = Run(state or tmp_path / "state", *extra, log=log)
        started.append(run)
        return run.wait_ready()

    yield start
    for run in started:
        run.stop(signal.SIGKILL)


def until(check, timeout: float = 90.0, what: str = "condition"):
    """Poll `check()` until it returns something truthy; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def routed(client: Client, case_id: str) -> dict | None:
    case = client.get(f"/api/v1/cases/{case_id}", as_="tech")
    assert case.status == 200, case.body
    return case.body if case.body.get("proposed_departments") else None


def kept(case: dict) -> dict:
    """What a restart must not change in a case."""
    return {
        key: case.get(key)
        for key in ("case_id", "status", "departments", "proposed_departments", "version", "url")
    } | {"drafts": [(d["draft_id"], d["status"], d["text"]) for d in case.get("drafts", [])]}


def test_a_kill_9_loses_no_answered_case_and_no_queued_message(runs, message):
    first = runs()
    client = first.client
    answered: list[str] = []
    for n in range(3):
        reply = client.deliver(message(text=f"Яма на дороге у дома {n + 1} по ул. Ленина"))
        assert reply.status == 201, reply.body
        answered.append(reply["case_id"])
    moved = answered[0]
    until(lambda: routed(client, moved), what="routing of the first case")
    reply = client.post(
        f"/api/v1/cases/{moved}/triage",
        {"decision": "accept", "departments": ["roads"]},
        as_="tech",
    )
    assert reply.status == 200, reply.body
    reply = client.post(
        f"/api/v1/cases/{moved}/drafts", {"text": "Яму заделаем до пятницы."}, as_="roads"
    )
    assert reply.status == 201, reply.body
    before = kept(client.get(f"/api/v1/cases/{moved}", as_="tech").body)
    assert before["status"] == "internal_review" and len(before["drafts"]) == 1

    for n in range(3):  # a burst, then SIGKILL at once: the last ones are not routed yet
        last = client.deliver(message(text=f"На ул. Мира, {n + 1}, провал асфальта на дороге"))
        assert last.status == 201, last.body
        answered.append(last["case_id"])
    first.process.kill()
    first.process.wait(10)

    second = runs()
    client = second.client
    restored = [line for line in second.output().splitlines() if "restored" in line]
    print(*restored)  # how many messages (queued or in flight) came back
    assert restored
    for case_id in answered:
        case = client.get(f"/api/v1/cases/{case_id}", as_="tech")
        assert case.status == 200, (case_id, case.body)
    after = kept(client.get(f"/api/v1/cases/{moved}", as_="tech").body)
    assert after == before
    # the routing of the last message was queued (or in the outbox) when the run died: the
    # restart re-drives it
    case = until(lambda: routed(client, answered[-1]), what="routing of the last message")
    assert case["proposed_departments"] == ["roads"]
    assert case["status"] == "received"
    for case_id in answered[1:-1]:
        assert until(lambda c=case_id: routed(client, c), what=f"routing of {case_id}")
    listed = client.get("/api/v1/cases", as_="head").body["cases"]
    assert set(answered) <= {c["case_id"] for c in listed}


def test_ctrl_c_keeps_the_data_and_the_mailbox_and_a_state_folder_has_one_run(
    runs, message, tmp_path
):
    first = runs()
    client = first.client
    reply = client.deliver(message(text="Во дворе дома 7 по ул. Мира не горят фонари"))
    assert reply.status == 201, reply.body
    case_id = reply["case_id"]
    until(lambda: routed(client, case_id), what="routing")

    def letters(url: str) -> list:
        with urllib.request.urlopen(url + "/mail/api", timeout=60) as page:
            return json.load(page)

    sent = until(lambda: letters(first.url), what="the notice e-mail")
    before = kept(client.get(f"/api/v1/cases/{case_id}", as_="tech").body)

    # a second run on the same state folder refuses to start
    other = subprocess.run(
        command(tmp_path / "state", free_port(), free_port()),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=shell(),
    )
    assert other.returncode == 1
    assert "Another local run is using the state folder" in other.stderr

    assert first.stop(signal.SIGINT) == 0
    second = runs()
    assert kept(second.client.get(f"/api/v1/cases/{case_id}", as_="tech").body) == before
    restored = [m["id"] for m in letters(second.url)]
    assert restored[: len(sent)] == [m["id"] for m in sent]  # and any sent after we looked


def test_reset_starts_clean(runs, message):
    first = runs()
    reply = first.client.deliver(message())
    assert reply.status == 201, reply.body
    assert first.stop(signal.SIGINT) == 0

    second = runs("--reset")
    client = second.client
    assert client.get(f"/api/v1/cases/{reply['case_id']}", as_="tech").status == 404
    assert client.get("/api/v1/cases", as_="head").body["cases"] == []
    assert client.get("/api/v1/me", as_="tech").status == 200  # the demo directory is seeded
