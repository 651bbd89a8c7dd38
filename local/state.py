"""The local run's state on disk: what `make run` keeps between runs (issue 13).

One file, `<state dir>/state.json`: every item of the run's DynamoDB tables, every message of
its SQS queues (queued, in flight or delayed, dead-letter queues included), the e-mails the
embedded SES accepted (the `/mail` page) and the objects of its S3 buckets (their bodies beside
it in `objects/`, one file per object version, written once). It is written whole, atomically (a
temporary file, fsync, `os.replace`, fsync of the folder), so a crash leaves the previous
snapshot or the new one, never half of one.

When it is written:
- after every mutating HTTP request the gateway answers, before the answer goes out, so a case
  the API answered 201 for is on disk;
- after every batch a queue consumer handled and after every sweep;
- every `FLUSH_SECONDS` (2 s) if anything changed since the last snapshot (what the simulator
  or a slow thread did in between);
- on Ctrl-C / SIGTERM, as the run stops.
A snapshot is taken only when a write reached the embedded AWS since the last one (the moto
server counts them: `local.moto_server.serialized`), so an idle run writes nothing.

Consistency: the snapshot is read from the in-process moto's backends while holding the lock
that lets one DynamoDB request through at a time, queues first, then tables. A producer writes
its outbox record (DynamoDB), sends (SQS), then deletes the record (DynamoDB); a consumer
writes (DynamoDB), then deletes its message (SQS). Either way a message is in the snapshot's
queue or its outbox record is in the snapshot's tables, never neither; on start every outbox
record left is relayed, and every consumer drops a repeated message id. A message that was in
flight is restored visible and its consumer's claim on it is not restored: the restart
re-drives it at once.

Restoring writes straight into the moto backends (after the tables and queues were created
from the template, before the demo directory is seeded), so it counts as no change.

Only the embedded moto of this process can be kept: against another endpoint (LocalSystem's
`endpoint_url`, a moto server someone else started) the run says so and keeps nothing.
Reading moto's backends ties this module to moto's models (pinned in requirements-dev.txt);
`tests/e2e/test_local_persistence.py` checks the round trip.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local import ROOT

log = logging.getLogger("otklik.local.state")

DEFAULT_DIR = ROOT / ".otklik"
ENV_VAR = "OTKLIK_STATE_DIR"
SNAPSHOT = "state.json"
OBJECTS = "objects"  # the bodies of the S3 objects, by content
LOCK = "lock"
FORMAT = 1
FLUSH_SECONDS = 2.0


class StateError(RuntimeError):
    """The state folder cannot be used (another run holds it, a snapshot is unreadable)."""


def default_dir() -> Path:
    return Path(os.environ.get(ENV_VAR) or DEFAULT_DIR)


# -- the folder and its lock ---------------------------------------------------------------------


class Folder:
    """The state folder, locked (`flock`) while a run uses it: two runs never share one."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).resolve()
        self._lock_file = None

    @property
    def snapshot(self) -> Path:
        return self.path / SNAPSHOT

    def acquire(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        handle = open(self.path / LOCK, "a+")  # noqa: SIM115 (held until release)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            handle.close()
            if error.errno in (errno.EAGAIN, errno.EACCES):
                raise StateError(
                    f"Папку состояния {self.path} уже использует другой локальный запуск. / "
                    f"Another local run is using the state folder {self.path}."
                ) from None
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._lock_file = handle

    def release(self) -> None:
        if self._lock_file is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def clear(self) -> None:
        """Forget the kept state (`--reset`); the lock must be held."""
        for child in self.path.iterdir():
            if child.name == LOCK:
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()

    def read(self) -> dict | None:
        try:
            raw = self.snapshot.read_bytes()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(raw)
        except ValueError as error:
            raise StateError(
                f"{self.snapshot} не читается ({error}); `make reset` начнёт с чистого листа. / "
                f"{self.snapshot} is unreadable; `make reset` starts clean."
            ) from None
        if data.get("format") != FORMAT:
            raise StateError(f"{self.snapshot}: unknown format {data.get('format')!r}")
        return data

    def write(self, data: dict) -> int:
        """Write the snapshot atomically; returns its size in bytes. `mail_json`, if there,
        holds the letters as JSON already (`MailCache`): they go in as the `mail` list."""
        fragments = data.pop("mail_json", None)
        self._write_objects(data.get("s3") or {})
        text = _dumps(data)
        if fragments is not None:
            text = text[:-1] + ',"mail":[' + ",".join(fragments) + "]}"
        raw = text.encode()
        temporary = self.path / (SNAPSHOT + ".tmp")
        with open(temporary, "wb") as out:
            out.write(raw)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.snapshot)
        _fsync_dir(self.path)
        self._forget_objects(data.get("s3") or {})
        return len(raw)

    def _write_objects(self, buckets: dict[str, list]) -> None:
        """Each object's body as `objects/<sha256 of key and ETag>` (new ones only), fsynced
        before the snapshot that names it; in the snapshot `body` becomes `file`."""
        directory = self.path / OBJECTS
        wrote = False
        for objects in buckets.values():
            for kept in objects:
                key = kept.pop("body", None)
                if key is None:
                    continue
                name = f"{kept['key']}\n{kept.get('etag')}\n{kept.get('content_type')}"
                kept["file"] = hashlib.sha256(name.encode()).hexdigest()
                target = directory / kept["file"]
                if target.exists():
                    continue
                body = key.value if not isinstance(key, bytes) else key
                directory.mkdir(exist_ok=True)
                temporary = target.with_suffix(".tmp")
                with open(temporary, "wb") as out:
                    out.write(body)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, target)
                wrote = True
        if wrote:
            _fsync_dir(directory)

    def _forget_objects(self, buckets: dict[str, list]) -> None:
        directory = self.path / OBJECTS
        if not directory.is_dir():
            return
        named = {kept["file"] for objects in buckets.values() for kept in objects}
        for child in directory.iterdir():
            if child.name not in named:
                with contextlib.suppress(OSError):
                    child.unlink()


def _fsync_dir(path: Path) -> None:
    directory = os.open(path, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _plain(value: Any):
    if isinstance(value, bytes):  # a binary attribute as DynamoDB's JSON carries it
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# -- moto's backends ----------------------------------------------------------------------------


def _backends(account: str, region: str):
    from moto.dynamodb.models import dynamodb_backends
    from moto.ses.models import ses_backends
    from moto.sqs.models import sqs_backends

    return (
        dynamodb_backends[account][region],
        sqs_backends[account][region],
        ses_backends[account][region],
    )


_MAIL_TYPES = ("Message", "RawMessage", "TemplateMessage", "BulkTemplateMessage")


def _wire(value) -> dict:
    """A moto `DynamoType` as DynamoDB's JSON, copied (moto updates items in place)."""
    kind, inner = value.type, value.value
    if kind == "M":
        return {"M": {k: _wire(v) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_wire(v) for v in inner]}
    if isinstance(inner, bytes):
        return {kind: base64.b64encode(inner).decode("ascii")}
    if isinstance(inner, list | set):
        return {kind: list(inner)}
    return {kind: inner}


@dataclass
class MailCache:
    """The mailbox only grows: each letter is turned into JSON once."""

    fragments: list[str] = field(default_factory=list)

    def update(self, sent: list) -> list[str]:
        if len(sent) < len(self.fragments):  # moto was reset: start over
            self.fragments.clear()
        for letter in sent[len(self.fragments) :]:
            kept = {"type": type(letter).__name__, "fields": dict(vars(letter))}
            if kept["type"] not in _MAIL_TYPES:
                kept = None
            self.fragments.append(_dumps(kept))
        return [f for f in self.fragments if f != "null"]


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_plain)


def capture(
    tables: dict[str, str],
    queues: dict[str, str],
    *,
    account: str,
    region: str,
    mail: MailCache | None = None,
    buckets: dict[str, str] | None = None,
) -> dict:
    """Everything kept, read from the backends (the caller holds moto's DynamoDB lock).
    With `mail`, the letters come as ready JSON fragments under `mail_json`."""
    dynamodb, sqs, ses = _backends(account, region)
    state: dict[str, Any] = {"format": FORMAT, "saved_at": time.time()}
    kept_queues: dict[str, list] = {}
    for logical_id, name in queues.items():  # queues first: see the module's docstring
        queue = sqs.queues.get(name)
        if queue is None:
            continue
        kept_queues[logical_id] = [
            {
                "id": m.id,
                "body": m.body,
                "attributes": m.message_attributes,
                "system_attributes": m.system_attributes,
                "group_id": m.group_id,
                "deduplication_id": m.deduplication_id,
                "receive_count": m.approximate_receive_count,
            }
            for m in list(queue._messages)
        ]
    kept_tables: dict[str, list] = {}
    for logical_id, name in tables.items():
        table = dynamodb.tables.get(name)
        if table is None:
            continue
        kept_tables[logical_id] = [
            {key: _wire(value) for key, value in item.attrs.items()} for item in table.all_items()
        ]
    state["tables"] = kept_tables
    state["queues"] = kept_queues
    if buckets:
        state["s3"] = _capture_s3(buckets, account=account)
    sent = list(ses.sent_messages)
    if mail is not None:
        state["mail_json"] = mail.update(sent)
    else:
        state["mail"] = [
            {"type": type(m).__name__, "fields": dict(vars(m))}
            for m in sent
            if type(m).__name__ in _MAIL_TYPES
        ]
    return state


def _capture_s3(buckets: dict[str, str], *, account: str) -> dict[str, list]:
    """The objects of the run's buckets: key, metadata, and the body (bytes, kept by
    `Folder.write` as a file of its own, named by its content: written once)."""
    from moto.s3.models import s3_backends

    backend = s3_backends[account]["aws"]
    kept: dict[str, list] = {}
    for logical_id, name in buckets.items():
        bucket = backend.buckets.get(name)
        if bucket is None:
            continue
        objects = []
        for key_name, key in list(bucket.keys.items()):
            if type(key).__name__ != "FakeKey":
                continue  # a delete marker
            objects.append(
                {
                    "key": key_name,
                    "content_type": key._metadata.get("content-type"),
                    "metadata": {
                        k.removeprefix("x-amz-meta-"): v
                        for k, v in key._metadata.items()
                        if k.startswith("x-amz-meta-")
                    },
                    "etag": key.etag,
                    "body": key,  # read by Folder.write only if not kept yet
                }
            )
        kept[logical_id] = objects
    return kept


def restore_s3(state: dict, folder: Folder, buckets: dict[str, str], s3) -> int:
    """Put the kept objects back through the S3 API (`s3`: a boto3 client of the run)."""
    count = 0
    for logical_id, objects in (state.get("s3") or {}).items():
        name = buckets.get(logical_id)
        if name is None:
            log.warning("the kept bucket %s is no longer in the template: skipped", logical_id)
            continue
        for kept in objects:
            extra = {"Metadata": kept.get("metadata") or {}}
            if kept.get("content_type"):
                extra["ContentType"] = kept["content_type"]
            body = (folder.path / OBJECTS / kept["file"]).read_bytes()
            s3.put_object(Bucket=name, Key=kept["key"], Body=body, **extra)
            count += 1
    return count


def restore(
    state: dict, tables: dict[str, str], queues: dict[str, str], *, account: str, region: str
) -> dict[str, int]:
    """Put a snapshot back into freshly created tables and queues; returns what was restored."""
    import moto.ses.models as ses_models

    dynamodb, sqs, ses = _backends(account, region)
    counts = {"items": 0, "messages": 0, "mail": 0}
    for logical_id, items in (state.get("tables") or {}).items():
        name = tables.get(logical_id)
        if name is None:
            log.warning("the kept table %s is no longer in the template: skipped", logical_id)
            continue
        for item in items:
            if _claim(item):
                continue
            dynamodb.put_item(name, item)
            counts["items"] += 1
    for logical_id, messages in (state.get("queues") or {}).items():
        url = queues.get(logical_id)
        if url is None:
            log.warning("the kept queue %s is no longer in the template: skipped", logical_id)
            continue
        name = url.rstrip("/").rsplit("/", 1)[-1]
        for kept in messages:
            message = sqs.send_message(
                name,
                kept["body"],
                message_attributes=kept.get("attributes") or None,
                deduplication_id=kept.get("deduplication_id"),
                group_id=kept.get("group_id"),
                system_attributes=kept.get("system_attributes") or None,
                validate_group_id=False,
            )
            message.id = kept.get("id") or message.id
            message.approximate_receive_count = int(kept.get("receive_count") or 0)
            counts["messages"] += 1
    for kept in state.get("mail") or ():
        cls = getattr(ses_models, kept.get("type", ""), None)
        if cls is None or kept["type"] not in _MAIL_TYPES:
            continue
        letter = cls.__new__(cls)
        letter.__dict__.update(kept.get("fields") or {})
        ses.sent_messages.append(letter)
        counts["mail"] += 1
    return counts


def _claim(item: dict) -> bool:
    """Whether `item` is a consumer's claim on a message it was processing (the key store's
    in-progress record). The run that held it is dead, so the claim is not restored: kept, it
    would turn the restored message away as "in progress" until its lease lapsed, and then for
    the queue's visibility timeout (minutes), though nobody is processing it."""
    from otklik.adapters.keys import IN_PROGRESS

    result = item.get("result")
    if not isinstance(result, dict) or "S" not in result:
        return False
    try:
        return json.loads(result["S"]) == IN_PROGRESS
    except ValueError:
        return False


# -- the keeper ---------------------------------------------------------------------------------


@dataclass
class Keeper:
    """Saves the run's state to `folder` when asked (`save`) and every `flush_seconds`."""

    folder: Folder
    tables: dict[str, str]  # logical id → table name
    queues: dict[str, str]  # logical id → queue URL
    account: str
    region: str
    lock: Any  # moto's DynamoDB lock (local.moto_server.serialized)
    changes: Callable[[], int]  # how many writes moto has seen
    buckets: dict[str, str] = field(default_factory=dict)  # logical id → bucket name
    s3: Any = None  # a boto3 S3 client of the run (restoring objects)
    flush_seconds: float = FLUSH_SECONDS
    saves: int = 0
    last_seconds: float = 0.0
    last_bytes: int = 0
    _saved_at_change: int | None = None
    _mail: MailCache = field(default_factory=MailCache)
    _save_lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def _queue_names(self) -> dict[str, str]:
        return {lid: url.rstrip("/").rsplit("/", 1)[-1] for lid, url in self.queues.items()}

    def restore(self) -> dict[str, int]:
        state = self.folder.read()
        if state is None:
            return {"items": 0, "messages": 0, "mail": 0, "objects": 0}
        with self.lock:
            counts = restore(
                state, self.tables, self.queues, account=self.account, region=self.region
            )
        counts["objects"] = (
            restore_s3(state, self.folder, self.buckets, self.s3) if self.s3 is not None else 0
        )
        return counts

    def save(self, *, force: bool = False) -> bool:
        """Write a snapshot if anything changed since the last one; True if one was written."""
        with self._save_lock:
            started = time.perf_counter()
            with self.lock:
                change = self.changes()
                if not force and change == self._saved_at_change:
                    return False
                state = capture(
                    self.tables,
                    self._queue_names(),
                    account=self.account,
                    region=self.region,
                    mail=self._mail,
                    buckets=self.buckets,
                )
            self.last_bytes = self.folder.write(state)
            self._saved_at_change = change
            self.saves += 1
            self.last_seconds = time.perf_counter() - started
            return True

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._flush_forever, name="state", daemon=True)
        self._thread.start()

    def _flush_forever(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            try:
                self.save()
            except Exception:
                log.exception("saving the local state failed")

    def stop(self) -> None:
        """Stop the periodic flush and write a last snapshot."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        try:
            self.save()
        finally:
            self.folder.release()
