"""Network adapters that post an approved answer (clause 15), one module per network, behind the
one `Publisher` interface (`base.py`), over a shared HTTP helper (`http.py`).

Which networks have an adapter is configuration: a network whose credentials are set in the
environment (`otklik.config.ChannelSettings`) gets one; every other network — and every network
where no token is configured, the default — is published by hand by the technical executor, who
records the link on the staff page.
"""

from __future__ import annotations

from functools import lru_cache

from otklik.config import ChannelSettings
from otklik.httpclient import HttpClient
from otklik.ports import FileStore, Publisher


@lru_cache(maxsize=8)
def build_publishers(
    settings: ChannelSettings, files: FileStore | None = None
) -> dict[str, Publisher]:
    """The configured adapters by network name (`Message.network`); built once per settings.
    `files`: the attachments bucket, the only place a draft's photos are read from."""
    from otklik.adapters.publishers.ok import OkPublisher
    from otklik.adapters.publishers.telegram import TelegramPublisher
    from otklik.adapters.publishers.vk import VkPublisher

    http = HttpClient(timeout=settings.http_timeout_seconds)
    found: dict[str, Publisher] = {}
    if settings.vk_configured:
        found["vk"] = VkPublisher(
            access_token=settings.vk_access_token,
            group_id=settings.vk_group_id,
            http=http,
            api_url=settings.vk_api_url,
            version=settings.vk_api_version,
            files=files,
        )
    if settings.telegram_configured:
        found["telegram"] = TelegramPublisher(
            bot_token=settings.telegram_bot_token,
            http=http,
            api_url=settings.telegram_api_url,
            fallback_chat_id=settings.telegram_fallback_chat_id,
            files=files,
        )
    if settings.ok_configured:
        found["ok"] = OkPublisher(
            access_token=settings.ok_access_token,
            application_key=settings.ok_application_key,
            application_secret_key=settings.ok_application_secret_key,
            group_id=settings.ok_group_id,
            http=http,
            api_url=settings.ok_api_url,
            files=files,
        )
    return found
