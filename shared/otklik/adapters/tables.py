"""DynamoDB tables as pynamodb models. `template.yaml` declares the same tables; a test proves
the two agree, and the local run creates its tables from the template.

Table names and the endpoint are bound when first used (`bind`), never at import, so a Lambda
cold start pays for nothing it does not touch and `mock_aws` is not bypassed by a fixed host.
"""

from __future__ import annotations

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from otklik.config import Settings

OPEN = "open"  # the single partition of the sparse open-cases index


class OpenByDueIndex(GlobalSecondaryIndex):
    """Open cases ordered by their next deadline: the sweeper's and the inbox's only view.

    Sparse: a closed case drops `open_shard`, so history never costs the sweeper a read.
    """

    class Meta:
        index_name = "open-by-due"
        projection = KeysOnlyProjection()

    open_shard = UnicodeAttribute(hash_key=True)
    next_due = UnicodeAttribute(range_key=True)


class ByMonthIndex(GlobalSecondaryIndex):
    """Cases by the local month they were received in, for reports and the full case list."""

    class Meta:
        index_name = "by-month"
        projection = KeysOnlyProjection()

    month = UnicodeAttribute(hash_key=True)
    received_at = UnicodeAttribute(range_key=True)


class ByAuthorIndex(GlobalSecondaryIndex):
    """Earlier cases of the same author, for repeated messages (clause 18)."""

    class Meta:
        index_name = "by-author"
        projection = KeysOnlyProjection()

    author_key = UnicodeAttribute(hash_key=True)
    received_at = UnicodeAttribute(range_key=True)


class ByThreadIndex(GlobalSecondaryIndex):
    """Earlier cases in the same thread (post or discussion), for repeated messages."""

    class Meta:
        index_name = "by-thread"
        projection = KeysOnlyProjection()

    thread_key = UnicodeAttribute(hash_key=True)
    received_at = UnicodeAttribute(range_key=True)


class CaseRecord(Model):
    class Meta:
        table_name = "unbound"

    case_id = UnicodeAttribute(hash_key=True)
    version = NumberAttribute()
    external_id = UnicodeAttribute()
    status = UnicodeAttribute()
    received_at = UnicodeAttribute()
    month = UnicodeAttribute()
    author_key = UnicodeAttribute()
    thread_key = UnicodeAttribute()
    topic = UnicodeAttribute()
    open_shard = UnicodeAttribute(null=True)
    next_due = UnicodeAttribute(null=True)
    doc = JSONAttribute()

    open_by_due = OpenByDueIndex()
    by_month = ByMonthIndex()
    by_author = ByAuthorIndex()
    by_thread = ByThreadIndex()


class AuditRecord(Model):
    """Append-only audit trail: who did what to which case, when. Never updated or deleted."""

    class Meta:
        table_name = "unbound"

    case_id = UnicodeAttribute(hash_key=True)
    seq = UnicodeAttribute(range_key=True)  # "<case version:08>#<n:03>" keeps the order
    at = UnicodeAttribute()
    actor = UnicodeAttribute()
    role = UnicodeAttribute()
    action = UnicodeAttribute()
    details = JSONAttribute()


class IdempotencyRecord(Model):
    """A key that has been seen (an external id, a delivery id, a consumed message)."""

    class Meta:
        table_name = "unbound"

    key = UnicodeAttribute(hash_key=True)
    result = JSONAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # TTL, epoch seconds

    @classmethod
    def find(cls, key: str) -> IdempotencyRecord | None:
        """The record of `key` if the key has been used (a strongly consistent read)."""
        try:
            return cls.get(key, consistent_read=True)
        except DoesNotExist:
            return None


class DirectoryRecord(Model):
    """Departments, staff and the routing table: `pk` is the kind, `sk` the id."""

    class Meta:
        table_name = "unbound"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = JSONAttribute()


class OutboxRecord(Model):
    """Queue messages written in the same transaction as the state change that caused them;
    deleted once sent, re-driven by the sweeper if the process died in between."""

    class Meta:
        table_name = "unbound"

    shard = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)  # "<created_at>#<message id>"
    queue = UnicodeAttribute()
    body = JSONAttribute()


ALL_MODELS: tuple[type[Model], ...] = (
    CaseRecord,
    AuditRecord,
    IdempotencyRecord,
    DirectoryRecord,
    OutboxRecord,
)


INDEXES = (OpenByDueIndex, ByMonthIndex, ByAuthorIndex, ByThreadIndex)


def project(projection: str) -> None:
    """The indexes' projection as the deployment declares it: KEYS_ONLY on AWS (template.yaml;
    an ALL index would be rewritten with the whole case on its every change), ALL on the YDB
    Document API, whose CreateTable takes no other (ydb/docapi/api-ref/actions/createTable,
    https://yandex.cloud/ru/docs/ydb/docapi/api-ref/actions/createTable). The code reads the
    same either way: an index query takes only the keys and reads the cases by key; no index
    is read with ConsistentRead, which the Document API refuses on an index
    (ydb/docapi/api-ref/actions/query)."""
    for index in INDEXES:
        index.Meta.projection = AllProjection() if projection == "ALL" else KeysOnlyProjection()


def bind(settings: Settings) -> None:
    """Point every model at the deployment's tables and endpoint."""
    project(settings.index_projection)
    names = {
        CaseRecord: settings.cases_table,
        AuditRecord: settings.audit_table,
        IdempotencyRecord: settings.idempotency_table,
        DirectoryRecord: settings.directory_table,
        OutboxRecord: settings.outbox_table,
    }
    for model, name in names.items():
        model.Meta.table_name = name
        model.Meta.region = settings.region
        model.Meta.host = settings.endpoint("dynamodb")
        model._connection = None  # rebuilt with the new host on next use
