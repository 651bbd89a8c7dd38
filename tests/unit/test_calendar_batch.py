"""The benchmark's batch form (`bench/batch_calendar.py`) gives, start by start, exactly what
`WorkingCalendar.add_working_minutes` gives: same instant to the microsecond, for any start and
amount, across shortened days, working Saturdays, period ends and a deadline beyond the
laid-out years."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.batch_calendar import add_working_minutes_many
from otklik.domain.calendar import WorkingCalendar

CAL = WorkingCalendar()
TZ = CAL.tz

starts = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2027, 12, 31, 23, 59),
    timezones=st.sampled_from([TZ, UTC, ZoneInfo("Europe/Moscow"), timezone(timedelta(hours=3))]),
)


def _utc64(moments) -> np.ndarray:
    return np.array(
        [np.datetime64(m.astimezone(UTC).replace(tzinfo=None), "us") for m in moments],
        dtype="datetime64[us]",
    )


def _one_by_one(calendar: WorkingCalendar, moments, minutes: float) -> np.ndarray:
    return _utc64([calendar.add_working_minutes(m, minutes) for m in moments])


@settings(max_examples=100, deadline=None)
@given(st.lists(starts, min_size=1, max_size=40), st.integers(min_value=1, max_value=5000))
def test_the_batch_equals_the_one_at_a_time_answers(moments, minutes):
    expected = _one_by_one(CAL, moments, minutes)
    assert (add_working_minutes_many(CAL, _utc64(moments), minutes) == expected).all()
    assert (add_working_minutes_many(CAL, moments, minutes) == expected).all()


def test_the_edges_of_the_calendar_are_the_same_in_the_batch():
    moments = [
        datetime(2025, 11, 1, 8, 0, tzinfo=TZ),  # a working Saturday
        datetime(2025, 3, 7, 16, 30, tzinfo=TZ),  # a shortened pre-holiday day
        datetime(2025, 6, 3, 9, 0, tzinfo=TZ),  # a morning used up exactly: 13:00
        datetime(2025, 6, 3, 12, 59, 59, 999_999, tzinfo=TZ),
        datetime(2025, 12, 31, 17, 0, tzinfo=TZ),  # across the New Year break
    ]
    for minutes in (0.5, 1, 240, 540, 480 * 7):
        assert (
            add_working_minutes_many(CAL, moments, minutes) == _one_by_one(CAL, moments, minutes)
        ).all()


def test_a_fresh_calendar_lays_out_the_years_the_batch_needs():
    fresh = WorkingCalendar()
    moments = [datetime(2027, 12, 30, 17, 0, tzinfo=TZ), datetime(2025, 1, 9, 9, 0, tzinfo=TZ)]
    got = add_working_minutes_many(fresh, moments, 60 * 40)
    assert (got == _one_by_one(WorkingCalendar(), moments, 60 * 40)).all()


def test_zero_and_negative_amounts_take_the_one_at_a_time_path():
    moments = [datetime(2025, 6, 3, 10, 0, tzinfo=TZ), datetime(2025, 6, 7, 10, 0, tzinfo=TZ)]
    for minutes in (0, -240):
        assert (
            add_working_minutes_many(CAL, moments, minutes) == _one_by_one(CAL, moments, minutes)
        ).all()


def test_an_empty_batch_and_a_naive_start():
    assert add_working_minutes_many(CAL, [], 60).size == 0
    with pytest.raises(ValueError):
        add_working_minutes_many(CAL, [datetime(2025, 6, 3, 10, 0)], 60)
