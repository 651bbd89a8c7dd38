"""The letters the session's embedded SES accepted, as the local run's mailbox reads them."""

from __future__ import annotations

from local.mailbox import letters_to
from otklik.bootstrap import deps


def sent_to(address: str) -> list[dict]:
    """Letters to `address`, oldest first."""
    return letters_to(deps().settings.endpoint_url, address)
