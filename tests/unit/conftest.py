"""Shared fixtures of the unit tests: the calendar and policy, the demo actors, a message."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from otklik.domain.calendar import WorkingCalendar
from otklik.domain.policy import SlaPolicy
from otklik.domain.roles import SYSTEM_ACTOR, Actor, Role
from otklik.domain.values import Attachment, Author, Curator, Message

BARNAUL = ZoneInfo("Asia/Barnaul")
CURATOR_ID = "c-1"


def barnaul(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware datetime in the administration's local time (Asia/Barnaul, UTC+7)."""
    return datetime(year, month, day, hour, minute, tzinfo=BARNAUL)


@pytest.fixture(name="local", scope="session")
def _local():
    """`local(y, m, d, h, mi)`: an aware Asia/Barnaul datetime."""
    return barnaul


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.fixture(scope="module")
def policy(calendar: WorkingCalendar) -> SlaPolicy:
    return SlaPolicy(calendar)


@pytest.fixture
def tech() -> Actor:
    return Actor("tech", Role.TECHNICAL, name="Орг. отдел")


@pytest.fixture
def resp() -> Actor:
    return Actor("resp", Role.RESPONSIBLE, name="Заместитель главы")


@pytest.fixture
def roads() -> Actor:
    return Actor("roads", Role.EXECUTOR, department="roads", name="Отдел дорог")


@pytest.fixture
def housing() -> Actor:
    return Actor("housing", Role.EXECUTOR, department="housing", name="Отдел ЖКХ")


@pytest.fixture
def head() -> Actor:
    return Actor("head", Role.HEAD, name="Глава района")


@pytest.fixture
def curator() -> Actor:
    """The curator who handed the message in (login = the message's curator id)."""
    return Actor(CURATOR_ID, Role.CURATOR, name="Куратор ЦУР")


@pytest.fixture
def system() -> Actor:
    return SYSTEM_ACTOR


@pytest.fixture
def actors(tech, resp, roads, housing, head, curator, system) -> dict[str, Actor]:
    """Every demo actor by a short name, for tests parametrized over who acts."""
    return {
        "tech": tech,
        "resp": resp,
        "roads": roads,
        "housing": housing,
        "head": head,
        "curator": curator,
        "system": system,
    }


@pytest.fixture
def make_message():
    """`make_message(**overrides)`: a realistic post about a road in Zudilovo."""

    def make(**overrides) -> Message:
        message = Message(
            external_id="im-123",
            detected_at=barnaul(2026, 2, 9, 10, 0),
            network="vk",
            url="https://vk.com/wall-170171414_52107?reply=52110",
            author=Author("id1", "Ирина Петрова", "https://vk.com/id1"),
            text=(
                "Когда наконец отремонтируют дорогу по ул. Центральной в Зудилово? "
                "Ямы по колено, школьный автобус еле проезжает, а администрации всё равно!"
            ),
            topic="Дороги",
            location="с. Зудилово",
            importance="high",
            curator=Curator(CURATOR_ID, "Анна Смирнова"),
            attachments=(Attachment("photo", "https://sun9-1.userapi.com/yama.jpg"),),
        )
        return replace(message, **overrides)

    return make
