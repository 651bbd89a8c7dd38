"""The key store on DynamoDB: the idempotency table of `otklik.ports` (its docstring lists
the keys). Reads are strongly consistent; the table's TTL forgets a key after its lifetime."""

from __future__ import annotations

import time
from collections.abc import Callable

from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.operand import Path

from otklik.adapters.tables import IdempotencyRecord

IN_PROGRESS = {"in_progress": True}
# The number attribute of a counter (`count`), beside the model's attributes of the same item.
_HITS = Path("hits")


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

    def count(self, key: str, *, lifetime: int) -> int:
        """One `UpdateItem` with `ADD hits :1`, atomic under concurrent callers; the expiry is
        set only by the first count (`if_not_exists`). A counter past its expiry that the TTL
        has not deleted yet is started again at 1."""
        now = int(self._clock())
        until = now + lifetime
        connection = IdempotencyRecord._get_connection()
        expires = IdempotencyRecord.expires_at
        try:
            answer = connection.update_item(
                key,
                actions=[_HITS.add(1), expires.set(expires | until)],
                condition=IdempotencyRecord.key.does_not_exist() | (expires >= now),
                return_values="UPDATED_NEW",
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            answer = connection.update_item(  # expired: a new window
                key, actions=[_HITS.set(1), expires.set(until)], return_values="UPDATED_NEW"
            )
        return int(answer["Attributes"]["hits"]["N"])

    def _until(self, lifetime: int) -> int:
        return int(self._clock()) + lifetime

    def _expired(self, record: IdempotencyRecord) -> bool:
        # DynamoDB deletes expired items within days, not at once: an expired key is not seen.
        return record.expires_at is not None and record.expires_at < int(self._clock())
