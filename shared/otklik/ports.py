"""What the service layer needs from the world, as protocols: the adapters implement them
(DynamoDB, SQS, SES, the networks' APIs), the unit tests' fakes implement them in memory.

The service layer imports this module and never an adapter; an adapter imports this module and
never the service layer. `otklik.bootstrap` wires one to the other.

Keys (`KeyStore`) live in one namespace, each a kind and an id:
- `intake:<external id>`: the case a monitoring-system message became (intake, registration);
- `post:<sha256 of the normalised link>`: the case a post registered by hand became;
- `callback:<sha256 of the delivery id or body>`: the case a curator callback changed;
- `revoked:<token id>`: a signed-out token, until it would have expired (logout);
- `consumed:<consumer>:<message id>`: a queue message processed, or in progress (consumers);
- `published:<case id>:<draft id>`: what a network answered when we posted (publishing);
- `attachment:<object key>`: a file a draft may attach — its case, name, kind and size, and
  whether it was checked (`confirmed`) after its upload (service.attachments);
- `signin-failures:<scope>:<id>`: a counter of wrong passwords within the window of the sign-in
  rule, per login (`login:<sha256 of the login>`) and per client (`client:<source IP>`);
- `signin-hold:<scope>:<id>`: no sign-in of that login or from that client until `until` (epoch
  seconds): a short delay after a wrong password, or a lock after too many (service.signin).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from otklik.domain.answer_templates import AnswerTemplate
from otklik.domain.case import Case
from otklik.domain.roles import Actor, Role
from otklik.domain.routing import RoutingRule
from otklik.domain.values import Draft, Message, Receipt, TimelineEntry
from otklik.httpclient import Budget

# How long an intake, callback or publication key is remembered: far beyond any redelivery by
# the monitoring system or the queue; the store forgets it afterwards (a TTL).
KEY_LIFETIME = 180 * 24 * 3600


def intake_key(external_id: str) -> str:
    return f"intake:{external_id}"


def post_key(digest: str) -> str:
    return f"post:{digest}"


def callback_key(digest: str) -> str:
    return f"callback:{digest}"


def revoked_key(token_id: str) -> str:
    return f"revoked:{token_id}"


def consumed_key(consumer: str, message_id: str) -> str:
    return f"consumed:{consumer}:{message_id}"


def published_key(case_id: str, draft_id: str) -> str:
    return f"published:{case_id}:{draft_id}"


def attachment_key(object_key: str) -> str:
    return f"attachment:{object_key}"


def signin_failures_key(scope: str, ident: str) -> str:
    return f"signin-failures:{scope}:{ident}"


def signin_hold_key(scope: str, ident: str) -> str:
    return f"signin-hold:{scope}:{ident}"


class DuplicateKey(Exception):
    """A key written with this commit had been written before."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class OutboxMessage:
    """A queue message to send once the state change that caused it is committed."""

    message_id: str
    queue: str  # logical name: routing, notification, publishing, monitoring
    body: dict


class CaseStore(Protocol):
    """Cases, each changed by one commit: the case at the version it was loaded, its new
    timeline entries (the audit trail), its outbox messages and keys, all or nothing."""

    def get(self, case_id: str) -> Case:
        """Raises `NotFound`."""

    def get_many(self, case_ids: Iterable[str]) -> list[Case]:
        """Cases by id, order not kept; unknown ids are skipped."""

    def commit(
        self,
        case: Case,
        *,
        now: datetime,
        outbox: Iterable[OutboxMessage] = (),
        idempotency: Iterable[tuple[str, dict]] = (),
    ) -> None:
        """Raises `ConcurrentModification` (someone changed the case first) or `DuplicateKey`
        (a key was written before)."""

    def open_case_ids(self, due_before: datetime | None = None) -> Iterator[tuple[str, str]]:
        """(case id, next due) of open cases by nearest deadline; only those due before."""

    def case_ids_of_month(self, month: str) -> list[str]:
        """Cases received in a local month "YYYY-MM"."""

    def received_since(
        self, since: datetime, until: datetime, *, exclude: str | None = None
    ) -> list[Case]: ...

    def earlier_cases(self, case: Case, since: datetime) -> list[Case]:
        """Earlier cases in the same thread or by the same author (clause 18), newest first."""

    def in_thread(self, url: str) -> list[Case]: ...

    def audit_trail(self, case_id: str) -> list[TimelineEntry]:
        """The audit entries of a case, in order, as they were written."""


class KeyStore(Protocol):
    """Keys that have been seen (module docstring): strongly consistent reads."""

    def seen(self, key: str) -> dict | None:
        """What `key` recorded, or None if it was never written (or has expired)."""

    def remember(self, key: str, result: dict | None = None, *, lifetime: int) -> None:
        """Write `key` (again) for `lifetime` seconds."""

    def claim(self, key: str, *, lease: int) -> bool:
        """Write `key` as in progress unless it exists: True if this caller holds it now."""

    def release(self, key: str) -> None:
        """Forget a claim whose work failed, so a redelivery may try again (or any key)."""

    def count(self, key: str, *, lifetime: int) -> int:
        """Add one to the counter `key`, atomically, and return its new value: 1 if it did not
        exist or has expired, and then it expires `lifetime` seconds later (a fixed window
        from the first count; later counts do not extend it)."""


class MessageBus(Protocol):
    """The queues: messages out, committed outbox records relayed, poison to dead letters."""

    def send(self, queue: str, body: dict) -> None: ...

    def relay(self, messages: Iterable[OutboxMessage], now: datetime) -> int:
        """Send committed outbox messages and delete their records; how many went out."""

    def relay_stale(self, now: datetime) -> int:
        """Relay what a process that died after its commit left in the outbox."""

    def dead_letter(self, source: str, body: str, reason: str) -> None:
        """Put a message that can never be processed into its queue's dead-letter queue."""


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class StaffMember(Protocol):
    login: str
    name: str
    role: Role
    email: str
    department: str | None
    active: bool
    lead: bool
    password_hash: str

    def actor(self) -> Actor: ...


class DepartmentEntry(Protocol):
    id: str
    name: str


class Directory(Protocol):
    """Departments, staff and the routing table of the deployment."""

    def staff(self, login: str) -> StaffMember | None: ...

    def all_staff(self) -> list[StaffMember]: ...

    def departments(self) -> list[DepartmentEntry]: ...

    def routing_rules(self) -> list[RoutingRule]: ...

    def answer_templates(self) -> list[AnswerTemplate]:
        """The desk's stored templates, deletions included (`domain.answer_templates`)."""

    def put_answer_template(self, template: AnswerTemplate) -> None: ...


@dataclass(frozen=True)
class Published:
    """Where the answer went: its link, and the network's answer (the proof of publication)."""

    url: str
    receipt: Receipt


class Publisher(Protocol):
    network: str

    def publish(self, message: Message, draft: Draft, *, budget: Budget) -> Published:
        """Post `draft` as the answer to `message`, in its thread where possible.

        Raises `otklik.httpclient.TemporaryError` (retry later) or `PermanentError` (publish
        by hand)."""


class MonitoringSystem(Protocol):
    """Our calls to the monitoring system, where it integrates (clauses 10, 12, 15)."""

    def return_to_curator(
        self, *, request_id: str, case_id: str, external_id: str, reason: str
    ) -> dict: ...

    def send_draft_for_review(
        self,
        *,
        request_id: str,
        case_id: str,
        external_id: str,
        draft_id: str,
        text: str,
        draft_kind: str,
        attachments: list[dict],
    ) -> dict: ...

    def report_published(
        self,
        *,
        request_id: str,
        case_id: str,
        external_id: str,
        draft_id: str,
        url: str,
        answer_kind: str,
        published_at: str | None,
    ) -> dict: ...

    def send(self, payload: dict, request_id: str) -> dict:
        """A call of a kind this version does not know, passed on as it came."""


@dataclass(frozen=True)
class UploadForm:
    """Where the browser sends a file itself, and the signed form fields to send with it (an
    S3 presigned POST: the storage refuses a body over the signed size)."""

    url: str
    fields: dict[str, str]


@dataclass(frozen=True)
class StoredFile:
    size: int
    content_type: str


class FileStore(Protocol):
    """The administration's own storage of the drafts' files (a private bucket)."""

    def upload_form(
        self, key: str, *, content_type: str, max_size: int, expires: int
    ) -> UploadForm: ...

    def head(self, key: str) -> StoredFile | None:
        """The stored file's size and type, without reading it; None if there is none."""

    def read_start(self, key: str, length: int) -> bytes:
        """The first `length` bytes (or fewer) of the file."""

    def read(self, key: str, *, limit: int) -> bytes:
        """The whole file; `PermanentError` if it is missing or larger than `limit`."""

    def delete(self, key: str) -> None: ...
