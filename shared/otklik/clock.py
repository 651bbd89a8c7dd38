"""The one place the wall clock is read: entry points read it once per request or event and
pass `now` down, so that the domain and the service layer never read it and every deadline
can be tested at any instant."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
