"""The key store on DynamoDB: the idempotency table of `otklik.ports` (its docstring lists
the keys). Reads are strongly consistent; the table's TTL forgets a key after its lifetime."""

from __future__ import annotations

import time
from collections.abc import Callable

from pynamodb.exceptions import PutError

from otklik.adapters.tables import IdempotencyRecord

IN_PROGRESS = {"in_progress": True}


class DynamoKeyStore:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock

    def seen(self, key: str) -> dict | None:
        record = IdempotencyRecord.find(key)
        if record is None or self._expired(record):
            return None
        return record.result if record.result is not None else {}

    def remember(self, key: str, result: dict | None = None, *, lifetime: int) -> None:
        IdempotencyRecord(key, result=result, expires_at=self._until(lifetime)).save()

    def claim(self, key: str, *, lease: int) -> bool:
        """A conditional write: only one caller gets the key; an expired claim (its holder
        died) may be taken over."""
        now = int(self._clock())
        try:
            IdempotencyRecord(key, result=IN_PROGRESS, expires_at=now + lease).save(
                condition=IdempotencyRecord.key.does_not_exist()
                | (IdempotencyRecord.expires_at < now)
            )
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, key: str) -> None:
        IdempotencyRecord(key).delete()

    def _until(self, lifetime: int) -> int:
        return int(self._clock()) + lifetime

    def _expired(self, record: IdempotencyRecord) -> bool:
        # DynamoDB deletes expired items within days, not at once: an expired key is not seen.
        return record.expires_at is not None and record.expires_at < int(self._clock())
