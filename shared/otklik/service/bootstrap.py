"""The composition root: wires settings, storage, queues, calendar and policy, once per process.

Built on first use and reused across warm Lambda invocations; nothing is built at import.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from pynamodb.connection import Connection

from otklik.adapters import tables
from otklik.adapters.directory import Directory
from otklik.adapters.queues import QueueSender
from otklik.adapters.repository import CaseStore
from otklik.config import Settings, settings
from otklik.domain.calendar import WorkingCalendar
from otklik.domain.policy import SlaPolicy


@dataclass
class Deps:
    settings: Settings
    connection: Connection
    directory: Directory
    sender: QueueSender
    policy: SlaPolicy

    def store(self) -> CaseStore:
        """A fresh store per request: it remembers the versions it loaded."""
        return CaseStore(self.connection, self.policy.calendar.tz)

    @property
    def display_tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.display_timezone)


def build(config: Settings) -> Deps:
    tables.bind(config)
    return Deps(
        settings=config,
        connection=Connection(region=config.region, host=config.endpoint_url),
        directory=Directory(),
        sender=QueueSender(config),
        policy=SlaPolicy(WorkingCalendar()),
    )


@cache
def deps() -> Deps:
    return build(settings())


def reset() -> None:
    """Forget the wiring (tests and the local run change the environment between uses)."""
    deps.cache_clear()
    settings.cache_clear()
