"""Deployment settings, read from the environment in one place and failing loudly when missing.

Handlers read settings when they first need them (not at import), so a cold start builds
nothing it does not use and tests can point a fresh process anywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
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


def _optional(name: str) -> str | None:
    return (os.environ.get(name) or "").strip() or None


@dataclass(frozen=True)
class ChannelSettings:
    """The outbound channels: the social networks' APIs (clause 15) and the monitoring system's
    API (clauses 10, 12, 15).

    Read apart from `Settings` because they hold the networks' tokens, which the template
    gives only to the functions that call out (PublishingFunction, MonitoringOutboundFunction).
    A network whose credentials are missing has no adapter: its answers are published by hand.
    The API base URLs default to the real services and are overridden only by tests and fakes.
    """

    vk_access_token: str | None
    vk_group_id: str | None
    vk_api_url: str
    vk_api_version: str
    telegram_bot_token: str | None
    telegram_fallback_chat_id: str | None
    telegram_api_url: str
    ok_access_token: str | None
    ok_application_key: str | None
    ok_application_secret_key: str | None
    ok_group_id: str | None
    ok_api_url: str
    monitoring_outbound_secret: str | None
    http_timeout_seconds: float
    retry_budget_seconds: float
    publishing_max_receives: int
    publishing_handover_minutes: int

    @classmethod
    def from_env(cls) -> ChannelSettings:
        env = os.environ.get
        return cls(
            vk_access_token=_optional("VK_ACCESS_TOKEN"),
            vk_group_id=_optional("VK_GROUP_ID"),
            vk_api_url=env("VK_API_URL") or "https://api.vk.com/method",
            vk_api_version=env("VK_API_VERSION") or "5.199",
            telegram_bot_token=_optional("TELEGRAM_BOT_TOKEN"),
            telegram_fallback_chat_id=_optional("TELEGRAM_FALLBACK_CHAT_ID"),
            telegram_api_url=env("TELEGRAM_API_URL") or "https://api.telegram.org",
            ok_access_token=_optional("OK_ACCESS_TOKEN"),
            ok_application_key=_optional("OK_APPLICATION_KEY"),
            ok_application_secret_key=_optional("OK_APPLICATION_SECRET_KEY"),
            ok_group_id=_optional("OK_GROUP_ID"),
            ok_api_url=env("OK_API_URL") or "https://api.ok.ru/fb.do",
            # Defaults to the first webhook secret: one shared secret signs both directions.
            monitoring_outbound_secret=_optional("MONITORING_OUTBOUND_SECRET"),
            http_timeout_seconds=float(env("CHANNEL_HTTP_TIMEOUT_SECONDS") or 8),
            # In-call retries of one message (rate limits, 5xx); the queue retries the rest.
            retry_budget_seconds=float(env("CHANNEL_RETRY_BUDGET_SECONDS") or 8),
            # Equal to the publishing queue's maxReceiveCount: the last delivery gives up in
            # time to tell the technical executor instead of dead-lettering silently.
            publishing_max_receives=int(env("PUBLISHING_MAX_RECEIVES") or 5),
            # Give up early enough to leave the technical executor this long within T6.
            publishing_handover_minutes=int(env("PUBLISHING_HANDOVER_MINUTES") or 10),
        )

    @property
    def handover(self) -> timedelta:
        """How much of T6 the technical executor keeps when the system gives up."""
        return timedelta(minutes=self.publishing_handover_minutes)

    @property
    def vk_configured(self) -> bool:
        return bool(self.vk_access_token and self.vk_group_id)

    @property
    def telegram_configured(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def ok_configured(self) -> bool:
        return bool(
            self.ok_access_token
            and self.ok_application_key
            and self.ok_application_secret_key
            and self.ok_group_id
        )


def channel_settings() -> ChannelSettings:
    """Read on each use (cheap): the publishers built from it are cached by value."""
    return ChannelSettings.from_env()
