"""The case store: load a case, and commit its change as one DynamoDB transaction.

A commit writes the case (conditional on the version it was loaded at), its new audit entries,
the queue messages its events caused (the outbox) and any idempotency keys, all or nothing.
So a state change is never without its audit entry or its messages, and two officials acting at
once cannot both win: the second gets `ConcurrentModification`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from otklik import codec
from otklik.adapters.queues import outbox_record
from otklik.adapters.tables import OPEN, AuditRecord, CaseRecord, IdempotencyRecord
from otklik.domain.case import Case
from otklik.domain.errors import ConcurrentModification, NotFound
from otklik.domain.links import author_key, thread_key
from otklik.domain.roles import Role
from otklik.domain.values import TimelineEntry
from otklik.ports import KEY_LIFETIME, DuplicateKey, OutboxMessage


@dataclass
class _Loaded:
    version: int
    timeline: int


@dataclass
class DynamoCaseStore:
    """`otklik.ports.CaseStore` on DynamoDB (one table, the audit table, the outbox)."""

    connection: Connection
    timezone: ZoneInfo
    _loaded: dict[str, _Loaded] = field(default_factory=dict)

    def get(self, case_id: str) -> Case:
        try:
            record = CaseRecord.get(case_id, consistent_read=True)
        except DoesNotExist:
            raise NotFound("Сообщение не найдено.") from None
        return self._remember(codec.case_from_dict(record.doc))

    def get_many(self, case_ids: Iterable[str]) -> list[Case]:
        """Cases by id in one batch read (order not kept; unknown ids are skipped)."""
        ids = list(dict.fromkeys(case_ids))
        if not ids:
            return []
        return [codec.case_from_dict(r.doc) for r in CaseRecord.batch_get(ids)]

    def commit(
        self,
        case: Case,
        *,
        now: datetime,
        outbox: Iterable[OutboxMessage] = (),
        idempotency: Iterable[tuple[str, dict]] = (),
    ) -> None:
        loaded = self._loaded.get(case.case_id)
        keys = list(idempotency)
        with_keys = 0
        try:
            with TransactWrite(connection=self.connection) as tx:
                record = self._record(case)
                if loaded is None:
                    tx.save(record, condition=CaseRecord.case_id.does_not_exist())
                else:
                    tx.save(record, condition=CaseRecord.version == loaded.version)
                start = loaded.timeline if loaded else 0
                for n, entry in enumerate(case.timeline[start:]):
                    tx.save(
                        AuditRecord(
                            case.case_id,
                            f"{case.version:08d}#{n:03d}",
                            at=codec.iso(entry.at),
                            actor=entry.actor,
                            role=entry.role.value,
                            action=entry.action,
                            details=entry.details,
                        ),
                        condition=AuditRecord.seq.does_not_exist(),
                    )
                for message in outbox:
                    tx.save(outbox_record(message, now))
                for key, result in keys:
                    tx.save(
                        IdempotencyRecord(
                            key, result=result, expires_at=int(now.timestamp()) + KEY_LIFETIME
                        ),
                        condition=IdempotencyRecord.key.does_not_exist(),
                    )
                    with_keys += 1
        except TransactWriteError as error:
            reasons = error.cancellation_reasons or []
            failed = [i for i, r in enumerate(reasons) if r and r.code == "ConditionalCheckFailed"]
            first_key_at = len(reasons) - with_keys
            for i in failed:
                if i >= first_key_at:
                    raise DuplicateKey(keys[i - first_key_at][0]) from error
            if failed or error.cause_response_code == "TransactionCanceledException":
                raise ConcurrentModification(
                    "Сообщение только что изменил другой сотрудник. Обновите страницу."
                ) from error
            raise
        self._remember(case)

    def open_case_ids(self, due_before: datetime | None = None) -> Iterator[tuple[str, str]]:
        """(case id, next due) of open cases by nearest deadline; only those due before a time."""
        condition = None
        if due_before is not None:
            condition = CaseRecord.next_due <= codec.iso(due_before.astimezone(UTC))
        for record in CaseRecord.open_by_due.query(OPEN, range_key_condition=condition):
            yield record.case_id, record.next_due

    def case_ids_of_month(self, month: str) -> list[str]:
        return [r.case_id for r in CaseRecord.by_month.query(month)]

    def received_since(
        self, since: datetime, until: datetime, *, exclude: str | None = None
    ) -> list[Case]:
        """Cases received in [since, until], through the by-month index (one or two months),
        but `exclude` (the case at hand, already loaded)."""
        months = {
            since.astimezone(self.timezone).strftime("%Y-%m"),
            until.astimezone(self.timezone).strftime("%Y-%m"),
        }
        window = CaseRecord.received_at.between(
            codec.iso(since.astimezone(UTC)), codec.iso(until.astimezone(UTC))
        )
        ids = [
            r.case_id
            for m in sorted(months)
            for r in CaseRecord.by_month.query(m, range_key_condition=window)
        ]
        return self.get_many(i for i in ids if i != exclude)

    def earlier_cases(self, case: Case, since: datetime) -> list[Case]:
        """Earlier cases in the same thread or by the same author since `since` (clause 18)."""
        # The indexes hold keys only (a case's every change would otherwise rewrite it into
        # both); the few earlier cases are read whole in one batch.
        after = CaseRecord.received_at >= codec.iso(since.astimezone(UTC))
        ids = {
            record.case_id
            for index, key in (
                (CaseRecord.by_thread, thread_key(case.message.url)),
                (CaseRecord.by_author, author_key(case.message)),
            )
            for record in index.query(key, range_key_condition=after)
        }
        ids.discard(case.case_id)
        return sorted(self.get_many(ids), key=lambda c: c.received_at, reverse=True)

    def in_thread(self, url: str) -> list[Case]:
        """Every case in the thread of `url` (a post registered by hand may have come by
        webhook already)."""
        ids = [r.case_id for r in CaseRecord.by_thread.query(thread_key(url))]
        return self.get_many(ids)

    def audit_trail(self, case_id: str) -> list[TimelineEntry]:
        return [
            TimelineEntry(codec.parse(r.at), r.actor, Role(r.role), r.action, r.details)
            for r in AuditRecord.query(case_id)
        ]

    def _remember(self, case: Case) -> Case:
        self._loaded[case.case_id] = _Loaded(case.version, len(case.timeline))
        return case

    def _record(self, case: Case) -> CaseRecord:
        next_due = case.next_due()
        is_open = not case.closed and next_due is not None
        received = case.received_at.astimezone(UTC)
        return CaseRecord(
            case.case_id,
            version=case.version,
            external_id=case.message.external_id,
            status=case.status.value,
            received_at=codec.iso(received),
            month=case.received_at.astimezone(self.timezone).strftime("%Y-%m"),
            author_key=author_key(case.message),
            thread_key=thread_key(case.message.url),
            topic=case.message.topic,
            open_shard=OPEN if is_open else None,
            next_due=codec.iso(next_due.astimezone(UTC)) if is_open else None,
            doc=codec.case_to_dict(case),
        )
