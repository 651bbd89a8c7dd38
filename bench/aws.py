"""Counting AWS requests, and what they cost, as the code really makes them.

`Counter.install()` wraps botocore's `BaseClient._make_api_call`, the one door every boto3
client and pynamodb's connection go through, and records each request with the benchmark's
current step and source (which function, or the queue poller). DynamoDB capacity is computed
from the items actually sent and returned, by DynamoDB's billing rules:

- reads: GetItem/BatchGetItem per item, Query/Scan per page on the sum of the items returned,
  rounded up to 4 KB; strongly consistent 1 RRU per 4 KB, eventually consistent (and every GSI
  query) half of that, a request that finds nothing still at least that minimum;
- writes: 1 WRU per KB of the item (the larger of the item before and after); an item inside
  TransactWriteItems 2 WRU per KB; a failed conditional write is billed too;
- a global secondary index is written (1 WRU per KB of what it projects, not transactional)
  when an item enters or leaves it, or changes what it projects; a changed index key is a
  delete plus a put. Items before a write are known from what this counter saw written.
Item size: attribute names plus values (UTF-8 strings, numbers about 1 byte per 2 digits,
lists and maps 3 bytes plus 1 per element), as DynamoDB documents it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

# On-demand list prices. Region: US East (N. Virginia), us-east-1, the reference region of
# AWS's price pages; price list as published after DynamoDB's on-demand price reduction of
# 1 November 2024 (unchanged when this was written). Free tiers are not deducted.
PRICES = {
    "region": "us-east-1 (US East, N. Virginia)",
    "as_of": "AWS list prices after DynamoDB's 2024-11-01 on-demand reduction",
    "dynamodb_wru": 0.625 / 1e6,  # USD per write request unit (Standard table class)
    "dynamodb_rru": 0.125 / 1e6,  # USD per read request unit
    "sqs_request": 0.40 / 1e6,  # USD per standard-queue request (each 64 KB chunk)
    "lambda_request": 0.20 / 1e6,  # USD per invocation
    "lambda_gb_second": 0.0000166667,  # USD per GB-second, x86_64
    "ses_email": 0.10 / 1000,  # USD per e-mail sent (one per recipient)
}


@dataclass
class Call:
    step: str
    source: str
    invocation: int  # which function invocation made it (0: none)
    service: str
    operation: str
    tables: tuple[str, ...]
    rru: float = 0.0
    wru: float = 0.0  # table writes, transactional ones already doubled
    gsi_wru: float = 0.0
    items: int = 0  # items written or read
    transition: int = 0  # case items written with a new version (state transitions)
    case_reads: int = 0  # case items read (GetItem/BatchGetItem on the cases table)
    read_keys: tuple = ()  # keys of the case items read
    written_keys: tuple = ()  # keys of the case items written with a new version
    error: str = ""
    messages: int = 0  # SQS messages received or deleted / SES recipients


@dataclass
class Invocation:
    number: int
    function: str
    step: str
    seconds: float


@dataclass
class Counter:
    """Records every AWS request made in this process while installed."""

    cases_table: str = ""
    indexes: dict[str, list[tuple[str, tuple[str, ...], str, tuple[str, ...]]]] = field(
        default_factory=dict
    )  # table -> [(index, its key attributes, projection type, the table's keys)]
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)  # table -> key attributes
    calls: list[Call] = field(default_factory=list)
    invocations: list[Invocation] = field(default_factory=list)
    step: str = "setup"
    source: str = "harness"
    invocation: int = 0
    paused: bool = False
    _shadow: dict[tuple, dict] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _original: object = None

    # -- the tables' shape, from the template -------------------------------------------------

    def learn_tables(self, template: Mapping, names: Mapping[str, str]) -> None:
        """Key attributes and GSIs of each table; `names` maps logical id to physical name."""
        for logical_id, resource in template["Resources"].items():
            if resource.get("Type") != "AWS::DynamoDB::Table" or logical_id not in names:
                continue
            props = resource["Properties"]
            name = names[logical_id]
            table_keys = tuple(k["AttributeName"] for k in props["KeySchema"])
            self.keys[name] = table_keys
            self.indexes[name] = [
                (
                    gsi["IndexName"],
                    tuple(k["AttributeName"] for k in gsi["KeySchema"]),
                    gsi["Projection"]["ProjectionType"],
                    table_keys,
                )
                for gsi in props.get("GlobalSecondaryIndexes") or []
            ]

    # -- install -------------------------------------------------------------------------------

    def install(self) -> None:
        from botocore.client import BaseClient

        original = self._original = BaseClient._make_api_call
        counter = self

        def counted(client, operation_name, api_params):
            service = client.meta.service_model.service_name
            try:
                response = original(client, operation_name, api_params)
            except Exception as error:
                counter.record(service, operation_name, api_params, {}, type(error).__name__)
                raise
            counter.record(service, operation_name, api_params, response)
            return response

        BaseClient._make_api_call = counted

    def uninstall(self) -> None:
        from botocore.client import BaseClient

        if self._original is not None:
            BaseClient._make_api_call = self._original
            self._original = None

    @contextmanager
    def at(self, step: str, source: str | None = None):
        saved = self.step, self.source
        self.step = step
        if source is not None:
            self.source = source
        try:
            yield
        finally:
            self.step, self.source = saved

    @contextmanager
    def invoking(self, function: str):
        """Calls made inside one function invocation are that function's."""
        with self._lock:
            self.invocation = len(self.invocations) + 1
            number = self.invocation
        saved = self.source
        self.source = function
        began = time.perf_counter()
        try:
            yield
        finally:
            self.invocations.append(
                Invocation(number, function, self.step, time.perf_counter() - began)
            )
            self.source = saved
            self.invocation = 0

    # -- recording -----------------------------------------------------------------------------

    def record(self, service: str, operation: str, params: dict, response: dict, error=""):
        if self.paused:
            return
        call = Call(
            self.step, self.source, self.invocation, service, operation, (), error=error or ""
        )
        if service == "dynamodb":
            self._dynamodb(call, operation, params, response)
        elif service == "sqs":
            call.tables = (str(params.get("QueueUrl", "")).rsplit("/", 1)[-1],)
            if operation == "ReceiveMessage":
                call.messages = len(response.get("Messages") or [])
            elif operation in ("DeleteMessageBatch", "SendMessageBatch"):
                call.messages = len(params.get("Entries") or [])
            elif operation in ("SendMessage", "DeleteMessage"):
                call.messages = 1
        elif service in ("ses", "sesv2"):
            destination = params.get("Destination") or {}
            call.messages = (
                sum(len(destination.get(k) or ()) for k in ("ToAddresses", "CcAddresses"))
                or len(params.get("Destinations") or ())
                or 1
            )
        with self._lock:
            self.calls.append(call)

    def _dynamodb(self, call: Call, operation: str, params: dict, response: dict) -> None:
        consistent = bool(params.get("ConsistentRead"))
        if operation == "GetItem":
            table = params["TableName"]
            call.tables = (table,)
            item = response.get("Item")
            call.rru = read_units(item_size(item) if item else 0, consistent)
            call.items = 1 if item else 0
            if table == self.cases_table:
                call.case_reads = 1
                call.read_keys = (_plain(next(iter(params["Key"].values()))),)
        elif operation == "BatchGetItem":
            call.tables = tuple(params["RequestItems"])
            found = response.get("Responses") or {}
            for table, request in params["RequestItems"].items():
                strong = bool(request.get("ConsistentRead"))
                got = found.get(table) or []
                call.rru += sum(read_units(item_size(i), strong) for i in got)
                call.rru += read_units(0, strong) * max(0, len(request["Keys"]) - len(got))
                call.items += len(got)
                if table == self.cases_table:
                    call.case_reads += len(request["Keys"])
                    call.read_keys += tuple(_plain(next(iter(k.values()))) for k in request["Keys"])
        elif operation in ("Query", "Scan"):
            table = params["TableName"]
            call.tables = (table + (f"/{params['IndexName']}" if "IndexName" in params else ""),)
            items = response.get("Items") or []
            strong = consistent and "IndexName" not in params
            call.rru = read_units(sum(item_size(i) for i in items), strong)
            call.items = len(items)
        elif operation == "TransactWriteItems":
            tables = []
            for entry in params["TransactItems"]:
                ((kind, body),) = entry.items()
                table = body["TableName"]
                tables.append(table)
                self._write(call, kind, table, body, transactional=True)
            call.tables = tuple(dict.fromkeys(tables))
        elif operation in ("PutItem", "DeleteItem", "UpdateItem"):
            table = params["TableName"]
            call.tables = (table,)
            kind = {"PutItem": "Put", "DeleteItem": "Delete", "UpdateItem": "Update"}[operation]
            self._write(call, kind, table, params, transactional=False)
        elif operation == "BatchWriteItem":
            call.tables = tuple(params["RequestItems"])
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    if "PutRequest" in request:
                        self._write(call, "Put", table, request["PutRequest"], False)
                    else:
                        self._write(call, "Delete", table, request["DeleteRequest"], False)
        elif operation == "TransactGetItems":
            for entry in params["TransactItems"]:
                call.tables += (entry["Get"]["TableName"],)
            for item in response.get("Responses") or []:
                call.rru += 2 * read_units(item_size(item.get("Item") or {}), True)

    def _write(self, call: Call, kind: str, table: str, body: dict, transactional: bool) -> None:
        keys = self.keys.get(table, ())
        if kind == "ConditionCheck":  # billed as a write of the item it checks, no change
            old = self._shadow.get((table, *(_plain(body["Key"].get(k)) for k in keys)))
            call.wru += write_units(item_size(old)) * (2 if transactional else 1)
            return
        if kind == "Put":
            new = body["Item"]
            key = (table, *(_plain(new.get(k)) for k in keys))
        else:
            new = None
            key = (table, *(_plain(body["Key"].get(k)) for k in keys))
        old = self._shadow.get(key)
        if kind == "Update":  # the new item is unknown here: billed on what was there
            new = old
        size = max(item_size(old) if old else 0, item_size(new) if new else 0)
        units = write_units(size)
        call.wru += units * (2 if transactional else 1)
        call.items += 1
        if call.error:
            return  # nothing was written
        call.gsi_wru += self._index_writes(table, old, new)
        if table == self.cases_table and new is not None:
            version = _plain(new.get("version"))
            if old is None or _plain(old.get("version")) != version:
                call.transition += 1
                call.written_keys += (key[1],)
        if kind == "Put":
            self._shadow[key] = new
        elif kind == "Delete":
            self._shadow.pop(key, None)

    def _index_writes(self, table: str, old: dict | None, new: dict | None) -> float:
        units = 0.0
        for _name, index_keys, projection, table_keys in self.indexes.get(table, ()):

            def projected(
                item, index_keys=index_keys, projection=projection, table_keys=table_keys
            ):
                if item is None or any(k not in item for k in index_keys):
                    return None
                if projection == "ALL":
                    return item
                return {k: item[k] for k in (*table_keys, *index_keys) if k in item}

            before, after = projected(old), projected(new)
            if before is None and after is None:
                continue
            if before is None:
                units += write_units(item_size(after))
            elif after is None:
                units += write_units(item_size(before))
            elif any(before.get(k) != after.get(k) for k in index_keys):
                units += write_units(item_size(before)) + write_units(item_size(after))
            elif before != after:
                units += write_units(item_size(after))
        return units

    # -- summaries -----------------------------------------------------------------------------

    def select(self, *, steps=None, exclude_sources=()) -> list[Call]:
        return [
            c
            for c in self.calls
            if (steps is None or c.step in steps) and c.source not in exclude_sources
        ]

    def reset(self) -> None:
        self.calls.clear()
        self.invocations.clear()


def _plain(value):
    """A DynamoDB attribute value as a hashable plain value (for keys and versions)."""
    if not isinstance(value, dict) or len(value) != 1:
        return value
    ((kind, inner),) = value.items()
    return inner if kind in ("S", "N", "B", "BOOL") else repr(inner)


def item_size(item: Mapping | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def value_size(value: Mapping) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = inner.lstrip("-").replace(".", "").lstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in inner)
    if kind == "NS":
        return sum(value_size({"N": n}) for n in inner)
    if kind == "BS":
        return sum(len(b) for b in inner)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + value_size(v) for k, v in inner.items())
    return 0


def read_units(size: int, strong: bool) -> float:
    units = max(1, math.ceil(size / 4096))
    return units if strong else units / 2


def write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


def tally(calls: list[Call]) -> dict:
    """Totals of a list of calls: requests by service and operation, capacity, messages."""
    ops = Tally(f"{c.service}:{c.operation}" for c in calls)
    dynamodb = [c for c in calls if c.service == "dynamodb"]
    sqs = [c for c in calls if c.service == "sqs"]
    by_source: dict[str, Tally] = defaultdict(Tally)
    for c in calls:
        by_source[c.source][c.service] += 1
    return {
        "ops": ops,
        "dynamodb": len(dynamodb),
        "sqs": len(sqs),
        "ses": sum(1 for c in calls if c.service in ("ses", "sesv2")),
        "emails": sum(c.messages for c in calls if c.service in ("ses", "sesv2")),
        "rru": sum(c.rru for c in dynamodb),
        "wru": sum(c.wru for c in dynamodb),
        "gsi_wru": sum(c.gsi_wru for c in dynamodb),
        "transactions": sum(1 for c in dynamodb if c.operation == "TransactWriteItems"),
        "transitions": sum(c.transition for c in dynamodb),
        "case_reads": sum(c.case_reads for c in dynamodb),
        "reads": sum(
            1
            for c in dynamodb
            if c.operation in ("GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems")
        ),
        "by_source": by_source,
    }
