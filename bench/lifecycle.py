"""DynamoDB and SQS requests of one full case, counted, and what 1,000 cases cost on AWS.

The whole local system runs in this process (moto server, the gateway, the real handlers and
services); the benchmark plays the people and the monitoring system over HTTP and delivers the
queues' messages to their consumers itself, step by step:
intake -> routing -> triage -> draft -> internal approval -> curator approval -> publication,
each step with everything its messages set in motion (e-mails, calls to the monitoring system,
the publishing function). Every request to AWS is counted where botocore makes it
(`bench.aws.Counter`), with the DynamoDB capacity it consumes computed from the real items.
"""

from __future__ import annotations

import time
from collections import Counter as Tally
from collections import defaultdict

from bench import aws, common
from bench.system import Client, drain, local_system
from local.lambdas import functions as template_functions
from local.simulator import new_message

CASES = 3  # full lifecycles; the figures are per case (they are the same for each)
STEPS = (
    ("intake", "monitoring system → `IntakeFunction`"),
    ("routing", "`RoutingFunction` (queue), the e-mail it causes"),
    ("triage", "technical executor accepts for `roads`"),
    ("draft", "executor of `roads` writes the final draft"),
    ("internal approval", "responsible executor approves → to the curator"),
    ("curator approval", "curator's signed callback → publishing queue"),
    ("publication", "technical executor records the published link"),
)
SHORT = {
    "GetItem": "Get",
    "BatchGetItem": "BatchGet",
    "Query": "Query",
    "TransactWriteItems": "TxWrite",
    "PutItem": "Put",
    "DeleteItem": "Delete",
    "UpdateItem": "Update",
    "SendMessage": "Send",
    "ReceiveMessage": "Receive",
    "DeleteMessageBatch": "DeleteBatch",
    "DeleteMessage": "Delete",
    "SendEmail": "SendEmail",
}
READS = ("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems")


def one_case(system, client: Client, counter: aws.Counter, n: int) -> str:
    message = new_message(
        text="На ул. Ленина в с. Зудилово яма на дороге, второй месяц не ремонтируют.",
        topic="Дороги",
        location="с. Зудилово",
        importance="high",
        author_id=f"id-bench-{n}",
    )

    def step(name: str, action=None, *, consumers: bool = True):
        with counter.at(f"{n}:{name}", "harness"):
            result = action() if action else None
            if consumers:
                drain(system, counter)
            return result

    status, body = step(
        "intake", lambda: client.signed("/api/v1/monitoring/messages", message), consumers=False
    )
    assert status == 201, body
    case_id = body["case_id"]
    step("routing")
    path = f"/api/v1/cases/{case_id}"
    status, body = step(
        "triage",
        lambda: client.call(
            "POST", path + "/triage", {"decision": "accept", "departments": ["roads"]}, as_="tech"
        ),
    )
    assert status == 200, body
    status, body = step(
        "draft",
        lambda: client.call(
            "POST",
            path + "/drafts",
            {"text": "Ремонт ямы на ул. Ленина запланирован на эту неделю.", "kind": "final"},
            as_="roads",
        ),
    )
    assert status == 201, body
    draft_id = body["draft_id"]
    status, body = step(
        "internal approval",
        lambda: client.call("POST", f"{path}/drafts/{draft_id}/approve", {}, as_="resp"),
    )
    assert status == 200, body
    status, body = step(
        "curator approval",
        lambda: client.signed(
            "/api/v1/monitoring/callbacks",
            {
                "external_id": message["external_id"],
                "event": "draft_approved",
                "draft_id": draft_id,
                "comment": "",
                "at": message["detected_at"],
            },
        ),
    )
    assert status == 200, body
    status, body = step(
        "publication",
        lambda: client.call(
            "POST",
            path + "/publication",
            {"url": f"https://vk.com/wall-170171414_{n}?reply=99"},
            as_="tech",
        ),
    )
    assert status == 200 and body["status"] == "answered", body
    return case_id


def main() -> common.Section:
    counter = aws.Counter()
    counter.install()
    try:
        with local_system(counter) as system:
            memory = {k: f.memory for k, f in template_functions(system.template).items()}
            client = Client(system.url)
            with counter.at("sign-in", "harness"):
                for login in ("tech", "roads", "resp"):
                    client.login(login)
            for n in range(1, CASES + 1):
                one_case(system, client, counter, n)
    finally:
        counter.uninstall()
    return analyse(counter, memory)


def analyse(counter: aws.Counter, memory: dict[str, int]) -> common.Section:
    excluded = ("poller-empty", "harness")
    per_step = {}
    for name, _ in STEPS:
        calls = [
            c
            for c in counter.calls
            if c.step.split(":", 1)[-1] == name and c.source not in excluded
        ]
        by_case = defaultdict(list)
        for c in calls:
            by_case[c.step].append(c)
        sizes = {len(v) for v in by_case.values()}
        per_step[name] = (aws.tally(calls), sizes)
    invocations = [i for i in counter.invocations if ":" in i.step]
    lambda_seconds = sum(i.seconds for i in invocations) / CASES
    lambda_gb_s = sum(i.seconds * memory.get(i.function, 512) / 1024 for i in invocations) / CASES
    lambda_count = len(invocations) / CASES

    # One write transaction and one read of the case per state transition, per invocation.
    checks = []
    by_invocation: dict[int, list[aws.Call]] = defaultdict(list)
    for c in counter.calls:
        if c.invocation and ":" in c.step:
            by_invocation[c.invocation].append(c)
    functions = {i.number: (i.function, i.step.split(":", 1)[-1]) for i in counter.invocations}
    seen_kinds: dict[tuple, dict] = {}
    for number, calls in by_invocation.items():
        t = aws.tally(calls)
        if not t["transitions"]:
            continue
        function, step = functions[number]
        changed = {k for c in calls for k in c.written_keys}
        own_reads = sum(1 for c in calls for k in c.read_keys if k in changed)
        other_reads = Tally()
        for c in calls:
            if c.service != "dynamodb" or c.operation not in READS:
                continue
            others = [k for k in c.read_keys if k not in changed]
            if c.read_keys and not others:
                continue  # a read of the changed case itself
            what = f"{SHORT.get(c.operation, c.operation)} {short_table(c.tables)}"
            if others and c.operation == "BatchGetItem":
                what += f" ({len(others)} other case{'s' if len(others) > 1 else ''})"
            other_reads[what] += 1
        kind = (function, step)
        seen_kinds.setdefault(
            kind,
            {
                "transitions": t["transitions"],
                "transactions": t["transactions"],
                "case_reads": own_reads,
                "other": other_reads,
            },
        )
        checks.append(t["transactions"] <= t["transitions"] and own_reads <= t["transitions"])
    strict_ok = all(checks) and bool(checks)

    lines = [
        f"{CASES} full lifecycles through the real handlers on moto; figures per case (every "
        "case made the same requests"
        + ("" if all(len(s) <= 1 for _, s in per_step.values()) else " — NOT: see the JSON")
        + "). Requests are counted where botocore sends them; DynamoDB units are computed "
        "from the items sent and returned (rules in `bench/aws.py`). The queue pollers' "
        "receives and deletes are counted (Lambda's event source mapping makes them on your "
        "bill); receives that found nothing are not, nor the sign-in of the officials (once a "
        "shift, not per case).",
        "",
    ]
    rows = []
    total = aws.tally([])
    for name, label in STEPS:
        t = per_step[name][0]
        rows.append(
            [
                f"{name}: {label}",
                ops_text(t["ops"], "dynamodb", CASES),
                f"{t['rru'] / CASES:g}",
                f"{t['wru'] / CASES:g}",
                f"{t['gsi_wru'] / CASES:g}",
                ops_text(t["ops"], "sqs", CASES),
                f"{t['emails'] / CASES:g}",
            ]
        )
    all_calls = [c for c in counter.calls if ":" in c.step and c.source not in excluded]
    total = aws.tally(all_calls)
    rows.append(
        [
            "**whole case**",
            f"**{total['dynamodb'] / CASES:g}** requests",
            f"**{total['rru'] / CASES:g}**",
            f"**{total['wru'] / CASES:g}**",
            f"**{total['gsi_wru'] / CASES:g}**",
            f"**{total['sqs'] / CASES:g}** requests",
            f"**{total['emails'] / CASES:g}**",
        ]
    )
    lines.append(
        common.table(
            [
                "step",
                "DynamoDB requests",
                "RRU",
                "WRU (table)",
                "WRU (indexes)",
                "SQS requests",
                "e-mails",
            ],
            rows,
            "llrrrll",
        )
    )
    lines += [
        "",
        f"Lambda: {lambda_count:g} invocations per case, {lambda_seconds * 1000:.0f} ms in "
        f"handlers here (on moto, so indicative), {lambda_gb_s:.3f} GB-s at the template's "
        "memory sizes.",
        "",
        "### One write transaction and one read of the case per state transition",
        "",
        "Per function invocation that changed the case (a new case version in the cases "
        "table): how many `TransactWriteItems` it made and how many times it read the case "
        "item, per transition; the other reads it made, by table.",
        "",
        common.table(
            ["step", "function", "transitions", "write transactions", "case reads", "other reads"],
            [
                [
                    step,
                    f"`{function}`",
                    v["transitions"],
                    v["transactions"],
                    v["case_reads"],
                    ", ".join(f"{n}× {k}" for k, n in sorted(v["other"].items())) or "—",
                ]
                for (function, step), v in seen_kinds.items()
            ],
            "llrrrl",
        ),
    ]
    prices = aws.PRICES
    per_1000 = 1000 / CASES
    dynamo_read = total["rru"] * per_1000 * prices["dynamodb_rru"]
    dynamo_write = (total["wru"] + total["gsi_wru"]) * per_1000 * prices["dynamodb_wru"]
    sqs = total["sqs"] * per_1000 * prices["sqs_request"]
    ses = total["emails"] * per_1000 * prices["ses_email"]
    lam_req = lambda_count * 1000 * prices["lambda_request"]
    lam_gbs = lambda_gb_s * 1000 * prices["lambda_gb_second"]
    cost_rows = [
        [
            "DynamoDB reads",
            f"{total['rru'] * per_1000:,.0f} RRU",
            f"${prices['dynamodb_rru'] * 1e6:.3f} per million RRU",
            f"${dynamo_read:.4f}",
        ],
        [
            "DynamoDB writes (table, transactional ×2, + indexes)",
            f"{(total['wru'] + total['gsi_wru']) * per_1000:,.0f} WRU",
            f"${prices['dynamodb_wru'] * 1e6:.3f} per million WRU",
            f"${dynamo_write:.4f}",
        ],
        [
            "SQS",
            f"{total['sqs'] * per_1000:,.0f} requests",
            f"${prices['sqs_request'] * 1e6:.2f} per million",
            f"${sqs:.4f}",
        ],
        [
            "**DynamoDB + SQS**",
            "",
            "",
            f"**${dynamo_read + dynamo_write + sqs:.4f}**",
        ],
        [
            "SES e-mail (for completeness)",
            f"{total['emails'] * per_1000:,.0f} e-mails",
            f"${prices['ses_email'] * 1000:.2f} per 1,000",
            f"${ses:.4f}",
        ],
        [
            "Lambda requests + duration (indicative: durations on moto)",
            f"{lambda_count * 1000:,.0f} invocations, {lambda_gb_s * 1000:,.1f} GB-s",
            f"${prices['lambda_request'] * 1e6:.2f} per million, "
            f"${prices['lambda_gb_second']:.10f} per GB-s",
            f"${lam_req + lam_gbs:.4f}",
        ],
    ]
    lines += [
        "",
        "### Cost per 1,000 cases",
        "",
        f"On-demand list prices, {prices['region']}; {prices['as_of']}; free tiers not "
        "deducted; storage, CloudWatch logs, API Gateway and data transfer not included "
        "(API Gateway HTTP API: 6 requests per case at $1.00 per million = $0.006 per 1,000 "
        "cases).",
        "",
        common.table(["what", "per 1,000 cases", "price", "cost"], cost_rows, "lrlr"),
        "",
        "Fixed, whatever the traffic: Lambda's SQS pollers long-poll each of the 4 queues "
        "(about 15 empty receives a minute per queue with 5 pollers, ≈ 2.6 million requests "
        "a month ≈ $1 a month), and the sweeper's schedule (8,640 runs a month; its requests "
        "per run are in section 4).",
    ]
    summary = [
        common.Row(
            "AWS requests per full case (intake → publication, with queue consumers)",
            f"DynamoDB {total['dynamodb'] / CASES:g}, SQS {total['sqs'] / CASES:g}; "
            f"${(dynamo_read + dynamo_write + sqs) * 1:.3f} per 1,000 cases "
            f"(DynamoDB + SQS, {prices['region'].split(' ')[0]})",
            "counted, priced",
            None,
        ),
        common.Row(
            "Write transactions and case reads per state transition",
            f"{max(v['transactions'] for v in seen_kinds.values())} transaction and "
            f"{max(v['case_reads'] for v in seen_kinds.values())} case read(s) at most, "
            f"over {len(checks)} transitions",
            "≤ 1 transaction and ≤ 1 read each",
            strict_ok,
        ),
    ]
    return common.Section(
        "lifecycle", "3. AWS requests and cost of a full case", "\n".join(lines), summary
    )


def short_table(tables: tuple[str, ...]) -> str:
    """`otklik-bench-CasesTable/by-month` -> `CasesTable/by-month` (the local prefix dropped)."""
    return "+".join(
        t.rsplit("-", 1)[-1]
        if "/" not in t
        else t.split("/")[0].rsplit("-", 1)[-1] + "/" + t.split("/", 1)[1]
        for t in tables
    )


def ops_text(ops: Tally, service: str, cases: int) -> str:
    parts = [
        f"{n / cases:g} {SHORT.get(op.split(':', 1)[1], op.split(':', 1)[1])}"
        for op, n in sorted(ops.items())
        if op.startswith(service + ":")
    ]
    return ", ".join(parts) or "—"


if __name__ == "__main__":
    began = time.perf_counter()
    result = main()
    result.seconds = time.perf_counter() - began
    common.save(result)
    for row in result.rows:
        print(f"{row.figure}: {row.measured}")
