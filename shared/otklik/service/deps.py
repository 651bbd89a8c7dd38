"""What every use case is given: the deployment's settings and policy, and the ports.

`otklik.bootstrap` builds one with the real adapters (once per process); the unit tests build
one with in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from otklik.config import Settings
from otklik.domain.policy import SlaPolicy
from otklik.ports import CaseStore, Directory, KeyStore, MessageBus


@dataclass
class Deps:
    settings: Settings
    policy: SlaPolicy
    directory: Directory
    keys: KeyStore
    bus: MessageBus
    stores: Callable[[], CaseStore]

    def store(self) -> CaseStore:
        """A fresh store per request: it remembers the versions it loaded."""
        return self.stores()

    @property
    def display_tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.display_timezone)
