"""How letters and reports write times and counts (`otklik.vocabulary`)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from otklik.vocabulary import IMPORTANCE, NETWORKS, counted, local_time, named

BARNAUL = ZoneInfo("Asia/Barnaul")


def test_a_time_is_local_to_the_minute_with_the_month_by_name():
    instant = datetime(2026, 12, 2, 7, 5, 59, 999_999, tzinfo=UTC)
    assert local_time(instant, BARNAUL) == "2 декабря 2026, 14:05"
    assert local_time(datetime(2027, 1, 1, 2, 0, tzinfo=UTC), BARNAUL) == "1 января 2027, 09:00"
    assert local_time(None, BARNAUL) == ""


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 минут"),
        (1, "1 минута"),
        (2, "2 минуты"),
        (4, "4 минуты"),
        (5, "5 минут"),
        (11, "11 минут"),
        (12, "12 минут"),
        (14, "14 минут"),
        (21, "21 минута"),
        (22, "22 минуты"),
        (101, "101 минута"),
        (111, "111 минут"),
    ],
)
def test_counts_take_the_russian_plural_form(count, text):
    assert counted(count, "минута", "минуты", "минут") == text


def test_codes_are_named_and_an_unknown_code_is_shown_as_it_is():
    assert named(NETWORKS, "vk") == "ВКонтакте"
    assert named(IMPORTANCE, "high") == "высокая"
    assert named(NETWORKS, "myspace") == "myspace"
    assert named(NETWORKS, None) == ""
