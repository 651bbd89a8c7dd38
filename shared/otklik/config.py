"""Deployment settings, read from the environment in one place and failing loudly when missing.

Handlers read settings when they first need them (not at import), so a cold start builds
nothing it does not use and tests can point a fresh process anywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache


class SettingsError(RuntimeError):
    pass


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SettingsError(f"environment variable {name} is required")
    return value


@dataclass(frozen=True)
class Settings:
    region: str
    endpoint_url: str | None
    cases_table: str
    audit_table: str
    idempotency_table: str
    directory_table: str
    outbox_table: str
    routing_queue_url: str
    notification_queue_url: str
    publishing_queue_url: str
    monitoring_queue_url: str
    webhook_secrets: tuple[str, ...]
    token_secret: str
    token_ttl_minutes: int
    display_timezone: str
    mail_sender: str
    monitoring_base_url: str | None
    repeat_window_days: int

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get
        return cls(
            region=env("AWS_REGION") or env("AWS_DEFAULT_REGION") or "eu-central-1",
            endpoint_url=env("AWS_ENDPOINT_URL") or None,
            cases_table=_required("CASES_TABLE"),
            audit_table=_required("AUDIT_TABLE"),
            idempotency_table=_required("IDEMPOTENCY_TABLE"),
            directory_table=_required("DIRECTORY_TABLE"),
            outbox_table=_required("OUTBOX_TABLE"),
            routing_queue_url=_required("ROUTING_QUEUE_URL"),
            notification_queue_url=_required("NOTIFICATION_QUEUE_URL"),
            publishing_queue_url=_required("PUBLISHING_QUEUE_URL"),
            monitoring_queue_url=_required("MONITORING_QUEUE_URL"),
            # Several comma-separated secrets are accepted so one can be rotated at a time.
            webhook_secrets=tuple(
                s.strip() for s in _required("MONITORING_WEBHOOK_SECRET").split(",") if s.strip()
            ),
            token_secret=_required("STAFF_TOKEN_SECRET"),
            token_ttl_minutes=int(env("STAFF_TOKEN_TTL_MINUTES") or 600),
            display_timezone=env("DISPLAY_TIMEZONE") or "Asia/Barnaul",
            mail_sender=env("MAIL_SENDER") or "otklik@example.org",
            monitoring_base_url=env("MONITORING_BASE_URL") or None,
            repeat_window_days=int(env("REPEAT_WINDOW_DAYS") or 30),
        )


@cache
def settings() -> Settings:
    return Settings.from_env()
