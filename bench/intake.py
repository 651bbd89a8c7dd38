"""Signed intake through the local gateway under load, and where the time of one request goes.

Load: `python -m bench.serve` runs the local system (gateway, `IntakeFunction`, moto) in a child
process on loopback, queue consumers stopped; this process is the load generator: a fixed
number of threads, each posting new signed messages (`POST /api/v1/monitoring/messages`, a
fresh `external_id` and signature each) one after another, a new connection per request, until
the level's request count or time limit is reached. Only 127.0.0.1 is ever addressed. Both
processes share the machine's 2 cores.

Profile: the same request path in this process under cProfile (wall clock), through Flask's
test client so the gateway, the handler and the client side of every AWS call run in the
profiled thread; moto serves from its own thread, so its time shows as the wait for the socket.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

from bench import common
from bench.system import SECRET, local_system
from local.run import free_port, port_open
from local.simulator import new_message
from otklik.signing import sign

LEVELS = ((1, 150), (4, 150), (8, 150))  # (concurrent clients, requests)
TIME_LIMIT = 60.0  # seconds per level, at most
PROFILED = 150
PATH = "/api/v1/monitoring/messages"


def signed_message() -> tuple[bytes, dict[str, str]]:
    message = new_message(
        text="Когда отремонтируют дорогу по ул. Ленина? Ямы по колено.",
        topic="Дороги",
        location="с. Зудилово",
        importance="high",
        external_id=f"im-load-{uuid.uuid4().hex}",
    )
    body = json.dumps(message, ensure_ascii=False).encode()
    return body, {
        "Content-Type": "application/json; charset=utf-8",
        "X-Signature": sign(body, SECRET, int(time.time())),
    }


def load(base_url: str, clients: int, requests: int) -> dict:
    latencies: list[float] = []
    order: list[tuple[float, float]] = []  # (start, latency), to see the table's growth
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    issued = iter(range(requests))
    deadline = time.monotonic() + TIME_LIMIT

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                if next(issued, None) is None:
                    return
            body, headers = signed_message()
            request = urllib.request.Request(
                base_url + PATH, data=body, method="POST", headers=headers
            )
            began = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                status = 0
            took = time.perf_counter() - began
            with lock:
                latencies.append(took)
                order.append((began, took))
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return {
        "clients": clients,
        "requests": len(latencies),
        "statuses": statuses,
        "throughput": len(latencies) / elapsed,
        "p50": common.percentile(latencies, 50) * 1000,
        "p99": common.percentile(latencies, 99) * 1000,
        "max": max(latencies) * 1000,
        "first": common.median([t for _, t in sorted(order)[: max(1, len(order) // 10)]]) * 1000,
        "last": common.median([t for _, t in sorted(order)[-max(1, len(order) // 10) :]]) * 1000,
    }


def run_level(clients: int, requests: int) -> dict:
    """One level against a fresh local system (an empty table: moto slows as tables grow)."""
    port, moto_port = free_port(), free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.serve", "--port", str(port), "--moto-port", str(moto_port)],
        cwd=common.ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        if server.stdout.readline().strip() != "ready" or not port_open("127.0.0.1", port):
            raise RuntimeError("the local system did not start")
        base_url = f"http://127.0.0.1:{port}"
        load(base_url, 2, 10)  # warm-up: imports the handler, lays out the calendar
        return load(base_url, clients, requests)
    finally:
        server.stdin.close()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.terminate()
            server.wait(10)


def run_load() -> list[dict]:
    results = []
    for clients, requests in LEVELS:
        result = run_level(clients, requests)
        print(
            f"{clients:2d} clients: {result['requests']} requests, "
            f"{result['throughput']:.1f}/s, p50 {result['p50']:.1f} ms, "
            f"p99 {result['p99']:.1f} ms, first/last 10% p50 {result['first']:.0f}/"
            f"{result['last']:.0f} ms, statuses {result['statuses']}"
        )
        results.append(result)
    return results


# Where the time goes: (label, file suffix, function name) of cumulative times to read.
COMPONENTS = (
    ("signature check (HMAC)", "otklik/signing.py", "verify"),
    ("validation (JSON + pydantic) and to the domain", "otklik/entrypoints/http.py", "parse"),
    (
        "validation (JSON + pydantic) and to the domain",
        "otklik/entrypoints/schemas.py",
        "to_domain",
    ),
    ("idempotency look-up (DynamoDB GetItem)", "otklik/service/cases.py", "_existing_intake"),
    ("the domain: new case and its deadlines", "otklik/domain/case.py", "receive"),
    ("DynamoDB transaction (TransactWriteItems)", "otklik/adapters/repository.py", "commit"),
    ("SQS send of the routing message", "otklik/adapters/queues.py", "send"),
    ("answer (view)", "otklik/entrypoints/views.py", "case_summary"),
)


def cumulative(stats: pstats.Stats, suffix: str, name: str) -> float:
    return sum(
        value[3]
        for (filename, _, function), value in stats.stats.items()
        if function == name and filename.replace("\\", "/").endswith(suffix)
    )


def profile() -> tuple[list[tuple[str, float]], float]:
    with local_system(None, namespace="profile") as system:
        client = system.app.test_client()

        def post() -> None:
            body, headers = signed_message()
            response = client.post(PATH, data=body, headers=headers)
            assert response.status_code == 201, response.get_data(as_text=True)

        for _ in range(20):  # warm-up
            post()
        profiler = cProfile.Profile()
        began = time.perf_counter()
        profiler.enable()
        for _ in range(PROFILED):
            post()
        profiler.disable()
        total = (time.perf_counter() - began) / PROFILED
    stats = pstats.Stats(profiler)
    per = {}
    for label, suffix, name in COMPONENTS:
        per[label] = per.get(label, 0.0) + cumulative(stats, suffix, name) / PROFILED
    relay = cumulative(stats, "otklik/adapters/queues.py", "relay") / PROFILED
    per["outbox record delete after the send (DynamoDB DeleteItem)"] = (
        relay - per["SQS send of the routing message"]
    )
    handler = cumulative(stats, "local/lambdas.py", "invoke") / PROFILED
    per["rest of the handler (Powertools routing, settings, event parsing)"] = handler - sum(
        per.values()
    )
    per["local gateway (Flask, werkzeug, event building, response mapping)"] = total - handler
    waiting = (
        sum(
            value[3]
            for (filename, _, function), value in stats.stats.items()
            if function in ("<method 'recv_into' of '_socket.socket' objects>",)
            or (filename == "~" and "recv_into" in function)
        )
        / PROFILED
    )
    return sorted(per.items(), key=lambda kv: -kv[1]), total, waiting


def main() -> common.Section:
    results = run_load()
    components, total, waiting = profile()
    for label, seconds in components:
        print(f"{seconds * 1000:7.2f} ms  {label}")
    print(
        f"{total * 1000:7.2f} ms  total in process; waiting on moto's socket {waiting * 1000:.2f}"
    )
    lines = [
        f"Load: {', '.join(f'{c} client(s) × {n} requests' for c, n in LEVELS)} (each level "
        f"stops after {TIME_LIMIT:.0f} s at most), each level against a fresh local system "
        "after a warm-up; a new connection per request; every request a new message (201).",
        "",
        "Where the throughput goes: moto runs `TransactWriteItems` by first deep-copying the "
        "table of each item in it (to roll back), so each commit costs more as the tables grow "
        "(see the last column), and `local/moto_server.py` lets one DynamoDB request through "
        "at a time: more clients only queue. The figures are the local run's, not AWS's: there the "
        "transaction is a few milliseconds whatever the table size, and Lambda runs "
        "concurrent requests in separate instances.",
        "",
        common.table(
            [
                "clients",
                "requests",
                "answers",
                "throughput",
                "p50",
                "p99",
                "max",
                "p50 of first / last 10 %",
            ],
            [
                [
                    r["clients"],
                    r["requests"],
                    ", ".join(f"{n}× {s}" for s, n in sorted(r["statuses"].items())),
                    f"{r['throughput']:.1f} req/s",
                    f"{r['p50']:.1f} ms",
                    f"{r['p99']:.1f} ms",
                    f"{r['max']:.0f} ms",
                    f"{r['first']:.0f} / {r['last']:.0f} ms",
                ]
                for r in results
            ],
            "rrlrrrrr",
        ),
        "",
        f"Where the time of one request goes: cProfile (wall clock) over {PROFILED} requests "
        f"in one process, through Flask's test client: **{total * 1000:.1f} ms** a request "
        "(no socket between client and gateway, no load).",
        "",
        common.table(
            ["component", "per request", "share"],
            [[label, f"{s * 1000:.2f} ms", f"{s / total:.0%}"] for label, s in components],
            "lrr",
        ),
        "",
        f"Of those, {waiting * 1000:.1f} ms ({waiting / total:.0%}) is spent waiting for moto's "
        "answers on the socket (moto's own work, in its thread, while the GIL is released); "
        "the rest of the DynamoDB and SQS time is botocore and pynamodb building and parsing "
        "requests. The local figures say where the handler's own time goes; in AWS, DynamoDB "
        "and SQS answer in single milliseconds and the gateway is API Gateway.",
    ]
    best = max(results, key=lambda r: r["throughput"])
    single = results[0]
    rows = [
        common.Row(
            "Signed intake through the local gateway (moto)",
            f"{best['throughput']:.0f} req/s at {best['clients']} clients "
            f"(p50 {best['p50']:.0f} ms, p99 {best['p99']:.0f} ms); one client: "
            f"p50 {single['p50']:.0f} ms, p99 {single['p99']:.0f} ms",
            "measured",
            None,
        )
    ]
    return common.Section("intake", "5. Signed intake under load", "\n".join(lines), rows)


if __name__ == "__main__" and sys.argv[1:] == ["profile"]:
    for label, seconds in (parts := profile())[0]:
        print(f"{seconds * 1000:7.2f} ms  {label}")
    print(parts[1:])
elif __name__ == "__main__":
    began = time.perf_counter()
    result = main()
    result.seconds = time.perf_counter() - began
    common.save(result)
