"""Deployment settings, read from the environment in one place and failing loudly when missing.

Handlers read settings when they first need them (not at import), so a cold start builds
nothing it does not use and tests can point a fresh process anywhere.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from urllib.parse import urlsplit


class SettingsError(RuntimeError):
    pass


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise SettingsError(f"environment variable {name} is required")
    return value


@dataclass(frozen=True)
class SigninRule:
    """When wrong passwords hold a login (or a client) back: the `failures`-th wrong password
    within `window` seconds (counted from the first) locks it for `lock` seconds; before that,
    each wrong password after the first `free` ones makes the next attempt wait `delay` seconds,
    doubling each time up to `max_delay` (no delay if `free` >= `failures`)."""

    failures: int
    window: int
    lock: int
    free: int
    delay: int = 1
    max_delay: int = 30

    def wait_after(self, failures: int) -> int:
        """Seconds the next attempt must wait after `failures` wrong passwords (below the lock)."""
        if failures <= self.free:
            return 0
        return min(self.delay * 2 ** (failures - self.free - 1), self.max_delay)


@dataclass(frozen=True)
class SigninRules:
    """Per login: the 6th wrong password in 15 minutes locks it for 15 minutes, the 3rd-5th make
    the next attempt wait 1, 2, 4 s. Per client (source IP): the 30th locks the client for 15
    minutes, whatever logins it tried (an office behind one address has room for typos)."""

    login: SigninRule = SigninRule(failures=6, window=900, lock=900, free=2)
    client: SigninRule = SigninRule(failures=30, window=900, lock=900, free=30)

    @classmethod
    def from_env(cls) -> SigninRules:
        env = os.environ.get
        base = cls()
        return cls(
            login=SigninRule(
                failures=int(env("SIGNIN_LOGIN_FAILURES") or base.login.failures),
                window=base.login.window,
                lock=int(env("SIGNIN_LOCK_MINUTES") or base.login.lock // 60) * 60,
                free=base.login.free,
            ),
            client=SigninRule(
                failures=int(env("SIGNIN_CLIENT_FAILURES") or base.client.failures),
                window=base.client.window,
                lock=int(env("SIGNIN_LOCK_MINUTES") or base.client.lock // 60) * 60,
                free=int(env("SIGNIN_CLIENT_FAILURES") or base.client.free),
            ),
        )


# A secret that signs must be long and unpredictable: at least this many characters, and at
# least this many bits by the Shannon estimate of its characters (`openssl rand -hex 32` gives
# 64 characters, about 250 bits, and `-hex 16` about 115; a word with digits, well under 100).
MIN_SECRET_LENGTH = 32
MIN_SECRET_BITS = 100

# The secrets of the local run, the tests and the benchmarks: public in git, so refused in a
# deployment whatever their strength; accepted, like any weak secret, only where development
# is allowed (`dev_secrets_allowed`).
KNOWN_DEV_SECRETS = frozenset(
    {
        "dev-secret",
        "dev-token-secret-of-the-local-run-only",
        "integration-webhook-secret",
        "integration-token-secret-0123456789abcdef",
        "e2e-webhook-secret",
        "e2e-token-secret-0123456789abcdef012345",
        "bench-webhook-secret-0123456789",
        "bench-token-secret-0123456789abcdef0123456789",
        "test-secret",
        "test-token-secret",
    }
)


def secret_bits(value: str) -> float:
    """The Shannon estimate of `value`'s entropy: its length times the entropy of its
    characters' frequencies (a repeated or short alphabet scores low)."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    per_char = -sum(c / total * math.log2(c / total) for c in counts.values())
    return per_char * total


def weak_secret(value: str) -> str | None:
    """Why `value` is too weak to sign with, or None if it is strong enough."""
    if value in KNOWN_DEV_SECRETS:
        return "is a development value published in the repository"
    if len(value) < MIN_SECRET_LENGTH:
        return f"has {len(value)} characters, fewer than {MIN_SECRET_LENGTH}"
    bits = round(secret_bits(value))
    if bits < MIN_SECRET_BITS:
        return f"has about {max(bits, 0)} bits of entropy, fewer than {MIN_SECRET_BITS}"
    return None


def dev_secrets_allowed() -> bool:
    """Weak secrets are allowed only in development: `OTKLIK_ALLOW_DEV_SECRETS=1`, or AWS is an
    emulator on this machine (`AWS_ENDPOINT_URL` on localhost or 127.0.0.1, as in the local run
    and the tests). A deployment has neither."""
    if (os.environ.get("OTKLIK_ALLOW_DEV_SECRETS") or "").strip().lower() in ("1", "true", "yes"):
        return True
    endpoint = (os.environ.get("AWS_ENDPOINT_URL") or "").strip()
    if not endpoint:
        return False
    host = urlsplit(endpoint if "//" in endpoint else f"//{endpoint}").hostname or ""
    return host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost")


def check_secrets(named: dict[str, tuple[str, ...]]) -> None:
    """Refuse to start on a weak secret (SettingsError names the variable, never the value)."""
    if dev_secrets_allowed():
        return
    for name, values in named.items():
        for position, value in enumerate(values, 1):
            reason = weak_secret(value)
            if reason:
                which = f"value {position} of {name}" if len(values) > 1 else name
                raise SettingsError(
                    f"{which} {reason}; refusing to start. Generate a strong secret, e.g. "
                    "`openssl rand -hex 32`, and deploy with it (see README, Security)."
                )


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
    signin: SigninRules = field(default_factory=SigninRules)
    # The drafts' files (`AttachmentsBucket`); None where the template gives a function none,
    # and then attaching a file answers that attachments are not set up.
    attachments_bucket: str | None = None
    # Per-service endpoints, each falling back to `endpoint_url` (AWS_ENDPOINT_URL), then to
    # the SDK's own: on Yandex Cloud DYNAMODB_ENDPOINT_URL is the database's Document API
    # endpoint, SQS_ENDPOINT_URL https://message-queue.api.cloud.yandex.net, SES_ENDPOINT_URL
    # https://postbox.cloud.yandex.net, S3_ENDPOINT_URL https://storage.yandexcloud.net.
    dynamodb_endpoint_url: str | None = None
    sqs_endpoint_url: str | None = None
    ses_endpoint_url: str | None = None
    s3_endpoint_url: str | None = None
    # The secondary indexes' projection: KEYS_ONLY on AWS (template.yaml), ALL on the YDB
    # Document API, which has no other (INDEX_PROJECTION; see otklik.adapters.tables).
    index_projection: str = "KEYS_ONLY"
    # Where officials open the staff page (STAFF_PAGE_URL, e.g. https://otklik.example.org/):
    # the letters link to each case there; without it they name the case instead.
    staff_page_url: str | None = None
    # The administration's own pages (OWN_PAGES: their links, separated by commas or spaces,
    # e.g. "https://vk.com/club170171414, https://t.me/zudilovo_adm"): where clause 15 allows
    # an answer that cannot go in the post's thread. Kept as `links.page_key` gives them.
    own_pages: frozenset[str] = frozenset()

    def endpoint(self, service: str) -> str | None:
        """The endpoint of `service` ("dynamodb", "sqs", "ses", "s3")."""
        return getattr(self, f"{service}_endpoint_url", None) or self.endpoint_url

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get
        webhook_secrets = tuple(
            s.strip() for s in _required("MONITORING_WEBHOOK_SECRET").split(",") if s.strip()
        )
        token_secret = _required("STAFF_TOKEN_SECRET")
        check_secrets(
            {"MONITORING_WEBHOOK_SECRET": webhook_secrets, "STAFF_TOKEN_SECRET": (token_secret,)}
        )
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
            webhook_secrets=webhook_secrets,
            token_secret=token_secret,
            token_ttl_minutes=int(env("STAFF_TOKEN_TTL_MINUTES") or 600),
            display_timezone=env("DISPLAY_TIMEZONE") or "Asia/Barnaul",
            mail_sender=env("MAIL_SENDER") or "otklik@example.org",
            monitoring_base_url=env("MONITORING_BASE_URL") or None,
            repeat_window_days=int(env("REPEAT_WINDOW_DAYS") or 30),
            signin=SigninRules.from_env(),
            attachments_bucket=(env("ATTACHMENTS_BUCKET") or "").strip() or None,
            dynamodb_endpoint_url=_optional("DYNAMODB_ENDPOINT_URL"),
            sqs_endpoint_url=_optional("SQS_ENDPOINT_URL"),
            ses_endpoint_url=_optional("SES_ENDPOINT_URL"),
            s3_endpoint_url=_optional("S3_ENDPOINT_URL"),
            index_projection=_projection(env("INDEX_PROJECTION")),
            staff_page_url=_optional("STAFF_PAGE_URL"),
            own_pages=own_pages(env("OWN_PAGES") or ""),
        )

    @property
    def attachments_origin(self) -> str | None:
        """Where the browser sends a draft's files (the page's CSP allows it): the emulator's
        endpoint, or the bucket's regional S3 address."""
        return attachments_origin(self.attachments_bucket, self.region, self.endpoint("s3"))


@cache
def settings() -> Settings:
    return Settings.from_env()


def attachments_origin(
    bucket: str | None = None, region: str | None = None, endpoint_url: str | None = None
) -> str | None:
    """The origin (scheme://host[:port]) of the attachments bucket's presigned uploads; read
    from the environment for what is not given. None without a bucket."""
    env = os.environ.get
    bucket = bucket or (env("ATTACHMENTS_BUCKET") or "").strip() or None
    if not bucket:
        return None
    endpoint = (
        endpoint_url
        if endpoint_url is not None
        else (env("S3_ENDPOINT_URL") or env("AWS_ENDPOINT_URL") or "")
    )
    if endpoint.strip():
        parts = urlsplit(endpoint.strip())
        return f"{parts.scheme}://{parts.netloc}"
    region = region or env("AWS_REGION") or env("AWS_DEFAULT_REGION") or "eu-central-1"
    return f"https://{bucket}.s3.{region}.amazonaws.com"


def _optional(name: str) -> str | None:
    return (os.environ.get(name) or "").strip() or None


def own_pages(value: str) -> frozenset[str]:
    """OWN_PAGES as page keys; a link that names no page stops the start, saying which."""
    from otklik.domain.links import page_key

    keys = set()
    for link in value.replace(",", " ").split():
        try:
            key = page_key(link)
        except ValueError:
            key = None
        if key is None:
            raise SettingsError(f"OWN_PAGES: {link!r} is not a link to a page or account")
        if key.startswith("vk:") and not key[3:].lstrip("-").isdigit():
            # VK post links name the wall by its number: a short name would never match one
            raise SettingsError(
                f"OWN_PAGES: give the VK page {link!r} by its number (https://vk.com/club123)"
            )
        keys.add(key)
    return frozenset(keys)


def _projection(value: str | None) -> str:
    wanted = (value or "KEYS_ONLY").strip().upper()
    if wanted not in ("KEYS_ONLY", "ALL"):
        raise SettingsError(f"INDEX_PROJECTION must be KEYS_ONLY or ALL, not {value!r}")
    return wanted


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
