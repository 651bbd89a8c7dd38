"""The sweeper's DynamoDB requests per run with 1,000 and with 100,000 closed cases in the table.

Two fresh local systems, each with the same handful of open cases (received through the real
service, Tuesday 09:00 Barnaul, 2030) and N closed cases written straight into the cases table
with `batch_write_item` (25 a request). A closed case has no `open_shard`, so it is not in the
sparse `open-by-due` index the sweeper queries. The scheduled event is fired twice at the same
instant, when every open case's triage deadline has passed: the first run records the breaches
(writes), the second finds nothing new (the steady state of most runs). Requests and read units
of each run are counted as in section 3.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import boto3

from bench import aws, common
from bench.system import local_system

BARNAUL = ZoneInfo("Asia/Barnaul")
RECEIVED = datetime(2030, 9, 3, 9, 0, tzinfo=BARNAUL)  # a Tuesday
SWEEP_AT = datetime(2030, 9, 3, 11, 0, tzinfo=BARNAUL)  # triage (30 min) long past
OPEN_CASES = 5
SIZES = tuple(int(x) for x in os.environ.get("BENCH_SWEEP_SIZES", "1000,100000").split(","))
TARGET = 0.05  # requests at 100,000 within 5 % of those at 1,000
DOC = json.dumps(
    {
        "note": "a closed case as history: the sweeper must never read it",
        "text": "Когда отремонтируют дорогу? " * 30,
        "timeline": [{"action": "published", "at": "2030-08-01T10:00:00+00:00"}] * 8,
    },
    ensure_ascii=False,
)


def closed_item(n: int) -> dict:
    case_id = uuid.uuid4().hex
    day = 1 + n % 28
    received = f"2030-08-{day:02d}T{n % 24:02d}:{n % 60:02d}:00+00:00"
    return {
        "case_id": {"S": case_id},
        "version": {"N": "7"},
        "external_id": {"S": f"im-closed-{n}"},
        "status": {"S": "answered"},
        "received_at": {"S": received},
        "month": {"S": "2030-08"},
        "author_key": {"S": f"vk:id{n}"},
        "thread_key": {"S": f"vk.com/wall-1_{n}"},
        "topic": {"S": "Дороги"},
        "doc": {"S": DOC},
    }


def populate(table: str, count: int) -> float:
    """Write `count` closed cases; returns the seconds it took."""
    client = boto3.client(
        "dynamodb",
        region_name=os.environ["AWS_REGION"],
        endpoint_url=os.environ["AWS_ENDPOINT_URL"],
    )
    began = time.perf_counter()
    for start in range(0, count, 25):
        requests = [
            {"PutRequest": {"Item": closed_item(n)}} for n in range(start, min(start + 25, count))
        ]
        pending = {table: requests}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return time.perf_counter() - began


def open_cases(count: int) -> None:
    from otklik.bootstrap import deps
    from otklik.entrypoints.schemas import MessageIn
    from otklik.service import cases

    for n in range(count):
        message = MessageIn.model_validate(
            {
                "external_id": f"sweep-open-{n}-{uuid.uuid4().hex[:6]}",
                "detected_at": RECEIVED.isoformat(),
                "network": "vk",
                "url": f"https://vk.com/wall-2_{n}",
                "author": {"id": f"open{n}", "name": "Житель"},
                "text": "Когда отремонтируют дорогу на ул. Садовой?",
                "topic": "Дороги",
                "location": "с. Сосновка",
                "importance": "medium",
                "curator": {"id": "c-1", "name": "Куратор"},
            }
        ).to_domain()
        cases.receive_message(deps(), message, RECEIVED)


def measure(closed: int, isolated: bool) -> dict:
    counter = aws.Counter()
    counter.install()
    try:
        with local_system(counter, namespace=f"sweep{closed}", isolated=isolated) as system:
            with counter.at("setup", "harness"):
                open_cases(OPEN_CASES)
            counter.paused = True
            seconds = populate(system.created.tables["CasesTable"], closed)
            counter.paused = False
            runs = []
            for run in ("first", "again"):
                counter.reset()
                with counter.at(run):
                    began = time.perf_counter()
                    results = system.workers.sweep(SWEEP_AT)
                    elapsed = time.perf_counter() - began
                calls = [c for c in counter.calls if c.source == "SweeperFunction"]
                t = aws.tally(calls)
                runs.append(
                    {
                        "run": run,
                        "summary": results[0] if results else {},
                        "requests": t["dynamodb"],
                        "sqs": t["sqs"],
                        "ops": dict(t["ops"]),
                        "rru": t["rru"],
                        "wru": t["wru"] + t["gsi_wru"],
                        "items_read": sum(
                            c.items for c in calls if c.operation in ("Query", "GetItem")
                        ),
                        "seconds": elapsed,
                    }
                )
    finally:
        counter.uninstall()
    print(
        f"{closed:>7} closed: populate {seconds:.1f} s ({closed / seconds:,.0f} items/s); "
        + "; ".join(f"{r['run']}: {r['requests']} requests, {r['rru']} RRU" for r in runs)
    )
    return {"closed": closed, "populate_seconds": seconds, "runs": runs}


def populate_rates() -> dict[str, float]:
    """Items per second written into moto in this process vs in a child process."""
    rates = {}
    for isolated in (False, True):
        with local_system(None, namespace=f"rate{int(isolated)}", isolated=isolated) as system:
            seconds = populate(system.created.tables["CasesTable"], 5_000)
        rates["child process" if isolated else "this process"] = 5_000 / seconds
    return rates


def main() -> common.Section:
    rates = populate_rates()
    isolated = rates["child process"] > rates["this process"]
    print("populate rates:", {k: round(v) for k, v in rates.items()})
    results = [measure(n, isolated) for n in SIZES]
    small, large = results
    lines = [
        f"{OPEN_CASES} open cases (triage overdue) in both tables; moto in "
        f"{'a child process' if isolated else 'this process'} (populating 5,000 items: "
        + ", ".join(f"{k} {v:,.0f} items/s" for k, v in rates.items())
        + ").",
        "",
        common.table(
            [
                "closed cases",
                "populate",
                "run",
                "DynamoDB requests",
                "DynamoDB by operation",
                "SQS requests",
                "items read",
                "RRU",
                "WRU",
                "run time (moto)",
            ],
            [
                [
                    f"{r['closed']:,}",
                    f"{r['populate_seconds']:.0f} s",
                    run["run"],
                    run["requests"],
                    ", ".join(
                        f"{n} {op.split(':')[1]}"
                        for op, n in sorted(run["ops"].items())
                        if op.startswith("dynamodb:")
                    ),
                    run["sqs"],
                    run["items_read"],
                    f"{run['rru']:g}",
                    f"{run['wru']:g}",
                    f"{run['seconds'] * 1000:.0f} ms",
                ]
                for r in results
                for run in r["runs"]
            ],
            "rrlrlrrrrr",
        ),
        "",
        "The run time is moto's, which scans its whole table to answer an index query and "
        "deep-copies it for each transaction; DynamoDB reads only the index. The sweeper's "
        "cost is its requests and units: 2 queries (the `open-by-due` index and the outbox), "
        "then per due case one read, the directory look-ups of whom to notify, and, when "
        "something is due, one transaction and its messages (sent, then deleted from the "
        "outbox). It grows with the cases that are due, not with history.",
    ]
    worst = max(
        abs(b["requests"] - a["requests"]) / a["requests"]
        for a, b in zip(small["runs"], large["runs"], strict=True)
    )
    rru_same = all(a["rru"] == b["rru"] for a, b in zip(small["runs"], large["runs"], strict=True))
    rows = [
        common.Row(
            "Sweeper DynamoDB requests per run, 100,000 vs 1,000 closed cases",
            " / ".join(
                f"{b['requests']} vs {a['requests']}"
                for a, b in zip(small["runs"], large["runs"], strict=True)
            )
            + f" (first run / steady run); {worst:.0%} apart; read units "
            + ("identical" if rru_same else "differ"),
            f"within {TARGET:.0%}",
            worst <= TARGET,
        )
    ]
    return common.Section("sweeper", "4. The sweeper against history", "\n".join(lines), rows)


if __name__ == "__main__":
    began = time.perf_counter()
    result = main()
    result.seconds = time.perf_counter() - began
    common.save(result)
