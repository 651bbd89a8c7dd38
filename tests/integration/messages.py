"""A monitoring-system message as the reports' and the dashboard's tests build their months."""

from __future__ import annotations

import uuid
from datetime import datetime

from otklik.domain.values import Message
from otklik.entrypoints.schemas import MessageIn


def vk_message(
    prefix: str, detected: datetime, *, topic: str = "Дороги", importance: str = "medium"
) -> Message:
    """A VK message detected at `detected`, with a fresh external id, post and author."""
    body = {
        "external_id": f"{prefix}-{uuid.uuid4().hex[:10]}",
        "detected_at": detected.isoformat(),
        "network": "vk",
        "url": f"https://vk.com/wall-7_{uuid.uuid4().int % 10**6}",
        "author": {"id": f"id{uuid.uuid4().int % 10**8}", "name": "Житель"},
        "text": "Прошу ответить",
        "topic": topic,
        "location": "с. Берёзовка",
        "importance": importance,
        "curator": {"id": "c-1", "name": "Куратор"},
    }
    return MessageIn.model_validate(body).to_domain()
