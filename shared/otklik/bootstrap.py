"""The composition root: wires settings, storage, queues, calendar and policy, once per process.

Built on first use and reused across warm Lambda invocations; nothing is built at import. The
only module that knows both the service layer and the adapters.
"""

from __future__ import annotations

from functools import cache

from pynamodb.connection import Connection

from otklik.adapters import tables
from otklik.adapters.directory import Directory
from otklik.adapters.files import S3FileStore
from otklik.adapters.keys import DynamoKeyStore
from otklik.adapters.queues import QueueSender
from otklik.adapters.repository import DynamoCaseStore
from otklik.config import Settings, settings
from otklik.domain.calendar import WorkingCalendar
from otklik.domain.policy import SlaPolicy
from otklik.service.deps import Deps


def build(config: Settings) -> Deps:
    tables.bind(config)
    connection = Connection(region=config.region, host=config.endpoint("dynamodb"))
    policy = SlaPolicy(WorkingCalendar())
    return Deps(
        settings=config,
        policy=policy,
        directory=Directory(),
        keys=DynamoKeyStore(),
        bus=QueueSender(config),
        stores=lambda: DynamoCaseStore(connection, policy.calendar.tz),
        staff_page_url=config.staff_page_url,
        files=S3FileStore(
            config.attachments_bucket, region=config.region, endpoint_url=config.endpoint("s3")
        )
        if config.attachments_bucket
        else None,
    )


@cache
def deps() -> Deps:
    return build(settings())


def reset() -> None:
    """Forget the wiring (tests and the local run change the environment between uses)."""
    deps.cache_clear()
    settings.cache_clear()
