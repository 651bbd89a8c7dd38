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
from otklik.ports import CaseStore, Directory, FileStore, KeyStore, MessageBus


@dataclass
class Deps:
    settings: Settings
    policy: SlaPolicy
    directory: Directory
    keys: KeyStore
    bus: MessageBus
    stores: Callable[[], CaseStore]
    # The staff page's address (`STAFF_PAGE_URL`), for the link to a case in e-mails; None:
    # the letters name the case without a link.
    staff_page_url: str | None = None
    files: FileStore | None = None  # the drafts' files; None where no bucket is configured

    def store(self) -> CaseStore:
        """A fresh store per request: it remembers the versions it loaded."""
        return self.stores()

    @property
    def display_tz(self) -> ZoneInfo:
        return ZoneInfo(self.settings.display_timezone)
