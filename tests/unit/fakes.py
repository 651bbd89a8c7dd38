"""In-memory fakes of the ports the service layer uses (`otklik.ports`), for its unit tests.

Each fake keeps the contract of its protocol and the behaviour of its DynamoDB/SQS/SES adapter
that the service layer relies on, without any AWS library:

- `FakeCaseStore` (one per `Deps.store()` call, all over one `FakeDatabase`): cases stored as
  JSON text through `otklik.codec` (a loaded case is a copy, never the object committed); the
  version each store instance loaded is remembered by `get` (not by `get_many`, as in DynamoDB),
  and a commit at a stale version, or of a "new" case whose id exists, raises
  `ConcurrentModification`; an idempotency key that exists raises `DuplicateKey` (checked first,
  as the adapter reports it first); a commit is all or nothing; the new timeline entries go to the
  audit table, the outbox messages to the outbox table, the keys to the `FakeKeyStore`.
- `FakeKeyStore`: `seen`/`remember`/`claim`/`release`/`count` with a controllable clock (epoch
  seconds), so lifetimes and leases expire when the test says; results are stored as JSON copies.
- `FakeBus`: what was sent per queue (bodies as JSON copies, with the `message_id` the relay adds),
  what each relay sent, the outbox records left by a "crashed" process and `relay_stale`, the
  dead letters.
- `FakeMailer`, `FakeDirectory` (the demo directory of the local run, built here), `FakePublisher`,
  `FakeMonitoringSystem`: record every call; the publisher answers with what the test scripted.

`fake_deps()` wires them into `otklik.service.deps.Deps` with test `Settings` and the real policy.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from local import seed
from otklik import codec
from otklik.config import Settings
from otklik.domain.answer_templates import AnswerTemplate
from otklik.domain.calendar import WorkingCalendar
from otklik.domain.case import Case
from otklik.domain.errors import ConcurrentModification, NotFound
from otklik.domain.links import author_key, thread_key
from otklik.domain.policy import SlaPolicy
from otklik.domain.roles import Actor, Role
from otklik.domain.routing import RoutingRule
from otklik.domain.values import Attachment, Author, Curator, Draft, Message, Receipt, TimelineEntry
from otklik.httpclient import Budget
from otklik.ports import KEY_LIFETIME, DuplicateKey, OutboxMessage, Published
from otklik.service.deps import Deps

BARNAUL = ZoneInfo("Asia/Barnaul")
QUEUES = ("routing", "notification", "publishing", "monitoring")
STALE_AFTER = timedelta(minutes=1)  # the real relay re-drives outbox records older than this


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware instant in the administration's time zone."""
    return datetime(year, month, day, hour, minute, tzinfo=BARNAUL)


def _json_copy(value):
    """What a JSON store gives back: a deep copy that fails loudly on a non-JSON value."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def _iso_utc(value: datetime) -> str:
    return codec.iso(value.astimezone(UTC))


# -- keys ----------------------------------------------------------------------------------------


IN_PROGRESS = {"in_progress": True}


@dataclass
class _Key:
    result: dict | None
    expires_at: int | None
    hits: int = 0


class FakeKeyStore:
    """`otklik.ports.KeyStore` in memory. `time` is the store's clock (epoch seconds, 2026-02-09
    09:00 Barnaul unless set): a key whose lifetime or lease has passed is forgotten, by `seen`,
    `claim` and a commit's key check alike (as once DynamoDB's TTL has deleted it; until then the
    real commit's `does_not_exist` condition would still see it)."""

    def __init__(self, time: float | None = None) -> None:
        self.time = local(2026, 2, 9, 9, 0).timestamp() if time is None else time
        self._keys: dict[str, _Key] = {}

    def advance(self, seconds: float) -> None:
        self.time += seconds

    # the protocol

    def seen(self, key: str) -> dict | None:
        found = self._live(key)
        if found is None:
            return None
        return _json_copy(found.result) if found.result is not None else {}

    def remember(self, key: str, result: dict | None = None, *, lifetime: int) -> None:
        self._keys[key] = _Key(_json_copy(result), int(self.time) + lifetime)

    def claim(self, key: str, *, lease: int) -> bool:
        if self._live(key) is not None:
            return False
        self._keys[key] = _Key(dict(IN_PROGRESS), int(self.time) + lease)
        return True

    def release(self, key: str) -> None:
        self._keys.pop(key, None)

    def count(self, key: str, *, lifetime: int) -> int:
        found = self._live(key)
        if found is None:
            found = self._keys[key] = _Key(None, int(self.time) + lifetime)
        found.hits += 1
        return found.hits

    # for the case store (a commit writes keys in its transaction) and for tests

    def exists(self, key: str) -> bool:
        return self._live(key) is not None

    def write(self, key: str, result: dict, expires_at: int) -> None:
        self._keys[key] = _Key(_json_copy(result), expires_at)

    def keys(self) -> list[str]:
        return sorted(k for k in self._keys if self._live(k) is not None)

    def _live(self, key: str) -> _Key | None:
        found = self._keys.get(key)
        if found is None:
            return None
        if found.expires_at is not None and found.expires_at < int(self.time):
            return None  # the TTL has forgotten it
        return found


# -- cases ---------------------------------------------------------------------------------------


@dataclass
class _Row:
    """One case as the table holds it: the JSON document and the attributes indexed beside it."""

    doc: str
    version: int
    received_at: str  # ISO, UTC
    month: str  # local month of receipt
    thread_key: str
    author_key: str
    next_due: str | None  # ISO, UTC; None once closed (the sparse open-by-due index)


@dataclass(frozen=True)
class Commit:
    """What one successful commit wrote, for assertions."""

    case_id: str
    version: int
    at: datetime
    audit: tuple[str, ...]  # the actions appended to the audit trail
    outbox: tuple[OutboxMessage, ...]
    keys: tuple[str, ...]


@dataclass
class _Pending:
    created_at: datetime
    message: OutboxMessage


@dataclass
class FakeDatabase:
    """The tables behind every `FakeCaseStore`: cases, audit trail, outbox."""

    keys: FakeKeyStore
    timezone: ZoneInfo = BARNAUL
    rows: dict[str, _Row] = field(default_factory=dict)
    audit: dict[str, list[str]] = field(default_factory=dict)  # JSON text of each entry
    outbox: dict[str, _Pending] = field(default_factory=dict)
    commits: list[Commit] = field(default_factory=list)
    failed_commits: list[tuple[str, Exception]] = field(default_factory=list)
    _before_commit: list[Callable[[], None]] = field(default_factory=list)

    def before_next_commit(self, action: Callable[[], None]) -> None:
        """Run `action` inside the next commit, before its conditions are checked: another
        request that gets in between this one's reads and its write (a race). Actions queued
        twice run in two commits, one each, in order; a commit inside an action runs none."""
        self._before_commit.append(action)

    def run_interleaved(self) -> None:
        if self._before_commit:
            action = self._before_commit.pop(0)
            pending, self._before_commit = self._before_commit, []
            try:
                action()
            finally:
                self._before_commit = pending + self._before_commit

    def bump(self, case_id: str) -> None:
        """Another writer changed the case: its stored version moves on."""
        case = self.case(case_id)
        case.version += 1
        row = self.rows[case_id]
        row.doc = json.dumps(codec.case_to_dict(case), ensure_ascii=False)
        row.version = case.version

    def case(self, case_id: str) -> Case:
        """The stored case, as a reader would load it (no store remembers it)."""
        return codec.case_from_dict(json.loads(self.rows[case_id].doc))

    def commits_of(self, case_id: str) -> list[Commit]:
        return [c for c in self.commits if c.case_id == case_id]


@dataclass
class _Loaded:
    version: int
    timeline: int


class FakeCaseStore:
    """`otklik.ports.CaseStore` over a `FakeDatabase`; like `DynamoCaseStore`, one instance
    remembers the version (and timeline length) of each case it loaded with `get` or committed."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self._loaded: dict[str, _Loaded] = {}

    def get(self, case_id: str) -> Case:
        if case_id not in self.db.rows:
            raise NotFound("Сообщение не найдено.")
        return self._remember(self.db.case(case_id))

    def get_many(self, case_ids: Iterable[str]) -> list[Case]:
        return [self.db.case(i) for i in dict.fromkeys(case_ids) if i in self.db.rows]

    def commit(
        self,
        case: Case,
        *,
        now: datetime,
        outbox: Iterable[OutboxMessage] = (),
        idempotency: Iterable[tuple[str, dict]] = (),
    ) -> None:
        messages = list(outbox)
        keys = list(idempotency)
        self.db.run_interleaved()
        try:
            self._check(case, keys)
        except (DuplicateKey, ConcurrentModification) as error:
            self.db.failed_commits.append((case.case_id, error))
            raise
        # every condition holds: write it all
        loaded = self._loaded.get(case.case_id)
        self.db.rows[case.case_id] = self._row(case)
        new_entries = case.timeline[loaded.timeline if loaded else 0 :]
        self.db.audit.setdefault(case.case_id, []).extend(
            json.dumps(_entry(e), ensure_ascii=False) for e in new_entries
        )
        for message in messages:
            body = _json_copy(message.body)
            self.db.outbox[message.message_id] = _Pending(
                now, OutboxMessage(message.message_id, message.queue, body)
            )
        for key, result in keys:
            self.db.keys.write(key, result, int(now.timestamp()) + KEY_LIFETIME)
        self.db.commits.append(
            Commit(
                case.case_id,
                case.version,
                now,
                tuple(e.action for e in new_entries),
                tuple(messages),
                tuple(k for k, _ in keys),
            )
        )
        self._remember(case)

    def _check(self, case: Case, keys: list[tuple[str, dict]]) -> None:
        for key, _ in keys:
            if self.db.keys.exists(key):
                raise DuplicateKey(key)
        loaded = self._loaded.get(case.case_id)
        stored = self.db.rows.get(case.case_id)
        if (loaded is None and stored is not None) or (
            loaded is not None and (stored is None or stored.version != loaded.version)
        ):
            raise ConcurrentModification(
                "Сообщение только что изменил другой сотрудник. Обновите страницу."
            )

    def open_case_ids(self, due_before: datetime | None = None) -> Iterator[tuple[str, str]]:
        limit = _iso_utc(due_before) if due_before is not None else None
        found = sorted(
            (row.next_due, case_id)
            for case_id, row in self.db.rows.items()
            if row.next_due is not None and (limit is None or row.next_due <= limit)
        )
        for next_due, case_id in found:
            yield case_id, next_due

    def case_ids_of_month(self, month: str) -> list[str]:
        return [
            case_id
            for case_id, row in sorted(self.db.rows.items(), key=lambda kv: kv[1].received_at)
            if row.month == month
        ]

    def received_since(
        self, since: datetime, until: datetime, *, exclude: str | None = None
    ) -> list[Case]:
        months = {_month(since, self.db.timezone), _month(until, self.db.timezone)}
        low, high = _iso_utc(since), _iso_utc(until)
        ids = [
            case_id
            for case_id, row in sorted(self.db.rows.items(), key=lambda kv: kv[1].received_at)
            if row.month in months and low <= row.received_at <= high and case_id != exclude
        ]
        return self.get_many(ids)

    def earlier_cases(self, case: Case, since: datetime) -> list[Case]:
        thread, author = thread_key(case.message.url), author_key(case.message)
        after = _iso_utc(since)
        ids = [
            case_id
            for case_id, row in self.db.rows.items()
            if (row.thread_key == thread or row.author_key == author)
            and row.received_at >= after
            and case_id != case.case_id
        ]
        return sorted(self.get_many(ids), key=lambda c: c.received_at, reverse=True)

    def in_thread(self, url: str) -> list[Case]:
        thread = thread_key(url)
        return self.get_many(i for i, row in self.db.rows.items() if row.thread_key == thread)

    def audit_trail(self, case_id: str) -> list[TimelineEntry]:
        return [_parse_entry(json.loads(text)) for text in self.db.audit.get(case_id, [])]

    def _remember(self, case: Case) -> Case:
        self._loaded[case.case_id] = _Loaded(case.version, len(case.timeline))
        return case

    def _row(self, case: Case) -> _Row:
        next_due = case.next_due()
        is_open = not case.closed and next_due is not None
        return _Row(
            doc=json.dumps(codec.case_to_dict(case), ensure_ascii=False),
            version=case.version,
            received_at=_iso_utc(case.received_at),
            month=_month(case.received_at, self.db.timezone),
            thread_key=thread_key(case.message.url),
            author_key=author_key(case.message),
            next_due=_iso_utc(next_due) if is_open else None,
        )


def _month(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m")


def _entry(e: TimelineEntry) -> dict:
    return {
        "at": codec.iso(e.at),
        "actor": e.actor,
        "role": e.role.value,
        "action": e.action,
        "details": e.details,
    }


def _parse_entry(d: dict) -> TimelineEntry:
    return TimelineEntry(
        codec.parse(d["at"]), d["actor"], Role(d["role"]), d["action"], d["details"]
    )


class FakeStores:
    """`Deps.stores`: a fresh `FakeCaseStore` per call, all over one database."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    def __call__(self) -> FakeCaseStore:
        return FakeCaseStore(self.db)


# -- the bus -------------------------------------------------------------------------------------


class SimulatedCrash(RuntimeError):
    """The process died after its commit, before relaying the outbox."""


@dataclass(frozen=True)
class Sent:
    queue: str
    body: dict


class FakeBus:
    """`otklik.ports.MessageBus` over the outbox table of a `FakeDatabase`.

    `crash_on_relay = True` makes the next relay raise `SimulatedCrash` before sending anything,
    leaving the committed records in the outbox for `relay_stale`."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.sent: list[Sent] = []
        self.relays: list[list[Sent]] = []  # what each relay sent (one per commit)
        self.stale_relays: list[list[Sent]] = []
        self.dead_letters: list[tuple[str, str, str]] = []
        self.crash_on_relay = False

    def send(self, queue: str, body: dict) -> None:
        if queue not in QUEUES:
            raise KeyError(queue)  # the SQS adapter has no URL for it
        self.sent.append(Sent(queue, _json_copy(body)))

    def relay(self, messages: Iterable[OutboxMessage], now: datetime) -> int:
        messages = list(messages)
        if self.crash_on_relay:
            self.crash_on_relay = False
            raise SimulatedCrash("died before relaying")
        batch = [self._relay_one(m) for m in messages]
        self.relays.append(batch)
        return len(batch)

    def relay_stale(self, now: datetime) -> int:
        cutoff = now - STALE_AFTER
        stale = sorted(
            (p for p in self.db.outbox.values() if p.created_at < cutoff),
            key=lambda p: (p.created_at, p.message.message_id),
        )
        batch = [self._relay_one(p.message) for p in stale]
        self.stale_relays.append(batch)
        return len(batch)

    def dead_letter(self, source: str, body: str, reason: str) -> None:
        self.dead_letters.append((source, body, reason))

    def _relay_one(self, message: OutboxMessage) -> Sent:
        self.send(message.queue, {**message.body, "message_id": message.message_id})
        self.db.outbox.pop(message.message_id, None)
        return self.sent[-1]

    # for assertions

    def bodies(self, queue: str) -> list[dict]:
        return [s.body for s in self.sent if s.queue == queue]

    def templates(self) -> list[str]:
        return [s.body["template"] for s in self.sent if s.queue == "notification"]

    def clear(self) -> None:
        self.sent.clear()
        self.relays.clear()
        self.stale_relays.clear()


# -- mail, directory, publishers, the monitoring system -----------------------------------------


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    body: str


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[Letter] = []

    def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append(Letter(to, subject, body))


@dataclass(frozen=True)
class Staff:
    """`otklik.ports.StaffMember`."""

    login: str
    name: str
    role: Role
    email: str
    department: str | None = None
    active: bool = True
    password_hash: str = "not-a-hash"
    lead: bool = True

    def actor(self) -> Actor:
        return Actor(self.login, self.role, self.department, self.name, self.lead)


@dataclass(frozen=True)
class DepartmentEntry:
    id: str
    name: str


MAIL_DOMAIN = seed.DOMAIN

# The demo directory of the local run (local/seed.py), here without its AWS tables.
DEMO_DEPARTMENTS = tuple(DepartmentEntry(d.id, d.name) for d in seed.DEPARTMENTS)
DEMO_STAFF = tuple(
    Staff(login, name, role, f"{login}@{MAIL_DOMAIN}", department, lead=lead)
    for login, name, role, department, lead in seed.STAFF
)
DEMO_ROUTING = tuple(seed.ROUTING.values())


class FakeDirectory:
    """`otklik.ports.Directory` with the demo staff, departments and routing table."""

    def __init__(
        self,
        staff: Iterable[Staff] = DEMO_STAFF,
        departments: Iterable[DepartmentEntry] = DEMO_DEPARTMENTS,
        routing: Iterable[RoutingRule] = DEMO_ROUTING,
    ) -> None:
        self._staff = {s.login: s for s in staff}
        self._departments = list(departments)
        self._routing = list(routing)
        self._templates: dict[str, AnswerTemplate] = {}

    def staff(self, login: str) -> Staff | None:
        return self._staff.get(login)

    def all_staff(self) -> list[Staff]:
        return list(self._staff.values())

    def departments(self) -> list[DepartmentEntry]:
        return list(self._departments)

    def routing_rules(self) -> list[RoutingRule]:
        return list(self._routing)

    def answer_templates(self) -> list[AnswerTemplate]:
        return list(self._templates.values())

    def put_answer_template(self, template: AnswerTemplate) -> None:
        self._templates[template.template_id] = template

    def add(self, member: Staff) -> None:
        self._staff[member.login] = member

    def deactivate(self, login: str) -> None:
        self._staff[login] = replace(self._staff[login], active=False)

    def actor(self, login: str) -> Actor:
        return self._staff[login].actor()


@dataclass(frozen=True)
class PublishCall:
    message: Message
    draft: Draft
    budget: Budget


class FakePublisher:
    """`otklik.ports.Publisher` for one network. Each call takes the next scripted outcome (a
    `Published` to return or an exception to raise); once they run out, it publishes."""

    def __init__(self, network: str = "vk", outcomes: Iterable[Published | Exception] = ()):
        self.network = network
        self.outcomes = list(outcomes)
        self.calls: list[PublishCall] = []

    def publish(self, message: Message, draft: Draft, *, budget: Budget) -> Published:
        self.calls.append(PublishCall(message, draft, budget))
        if self.outcomes:
            outcome = self.outcomes.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        n = len(self.calls)
        return Published(
            f"{message.url.split('?')[0]}?reply=9000{n}",
            Receipt(f"9000{n}", "wall.createComment", in_thread=True),
        )


@dataclass(frozen=True)
class MonitoringCall:
    method: str
    arguments: dict


class FakeMonitoringSystem:
    """`otklik.ports.MonitoringSystem`: records every call and answers "accepted"."""

    def __init__(self) -> None:
        self.calls: list[MonitoringCall] = []

    def _call(self, method: str, **arguments) -> dict:
        self.calls.append(MonitoringCall(method, copy.deepcopy(arguments)))
        return {"status": "accepted", "request_id": arguments.get("request_id")}

    def return_to_curator(self, **kw) -> dict:
        return self._call("return_to_curator", **kw)

    def send_draft_for_review(self, **kw) -> dict:
        return self._call("send_draft_for_review", **kw)

    def report_published(self, **kw) -> dict:
        return self._call("report_published", **kw)

    def send(self, payload: dict, request_id: str) -> dict:
        return self._call("send", payload=payload, request_id=request_id)


# -- wiring --------------------------------------------------------------------------------------


def settings_for_tests(**changes) -> Settings:
    """`Settings` of no deployment: nothing here is read from the environment."""
    settings = Settings(
        region="eu-central-1",
        endpoint_url=None,
        cases_table="cases",
        audit_table="audit",
        idempotency_table="idempotency",
        directory_table="directory",
        outbox_table="outbox",
        routing_queue_url="fake://routing",
        notification_queue_url="fake://notification",
        publishing_queue_url="fake://publishing",
        monitoring_queue_url="fake://monitoring",
        webhook_secrets=("test-secret",),
        token_secret="test-token-secret",
        token_ttl_minutes=600,
        display_timezone="Asia/Barnaul",
        mail_sender="otklik@example.org",
        monitoring_base_url=None,
        repeat_window_days=30,
    )
    return replace(settings, **changes)


_POLICY: SlaPolicy | None = None


def default_policy() -> SlaPolicy:
    """`SlaPolicy(WorkingCalendar())`, built once (the calendar lays out its years)."""
    global _POLICY
    if _POLICY is None:
        _POLICY = SlaPolicy(WorkingCalendar())
    return _POLICY


def fake_deps(
    *,
    settings: Settings | None = None,
    policy: SlaPolicy | None = None,
    directory: FakeDirectory | None = None,
    keys: FakeKeyStore | None = None,
) -> Deps:
    """`Deps` over fresh fakes; reach them as `deps.keys`, `deps.bus`, `deps.directory`,
    `deps.stores.db` (or `database(deps)`)."""
    keys = keys or FakeKeyStore()
    policy = policy or default_policy()
    db = FakeDatabase(keys, timezone=policy.calendar.tz)
    return Deps(
        settings=settings or settings_for_tests(),
        policy=policy,
        directory=directory or FakeDirectory(),
        keys=keys,
        bus=FakeBus(db),
        stores=FakeStores(db),
    )


def database(deps: Deps) -> FakeDatabase:
    return deps.stores.db


# -- test data -----------------------------------------------------------------------------------

ROAD_TEXT = (
    "Когда наконец отремонтируют дорогу по ул. Центральной в Зудилово? "
    "Ямы по колено, школьный автобус еле проезжает!"
)


def message(**overrides) -> Message:
    """A post about a road in Zudilovo, detected Monday 2026-02-09 10:00 Barnaul time."""
    base = Message(
        external_id="im-123",
        detected_at=local(2026, 2, 9, 10, 0),
        network="vk",
        url="https://vk.com/wall-170171414_52107?reply=52110",
        author=Author("id1", "Ирина Петрова", "https://vk.com/id1"),
        text=ROAD_TEXT,
        topic="Дороги",
        location="с. Зудилово",
        importance="medium",
        curator=Curator("c-1", "Анна Смирнова"),
        attachments=(Attachment("photo", "https://sun9-1.userapi.com/yama.jpg"),),
    )
    return replace(base, **overrides)
