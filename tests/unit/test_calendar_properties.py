"""Properties of working-time arithmetic that must hold for any start and any amount.

Starts are time-zone-aware instants in whole minutes across 2025-2027 in several offsets;
amounts are 1..5000 working minutes (up to about ten working days, enough to cross the New Year
break). The last two properties check the fast timeline against a plain day-by-day walk over
`periods_of`, so the binary search is checked against the calendar's own description of a day.
"""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from otklik.domain.calendar import WorkingCalendar

CAL = WorkingCalendar()
TZ = CAL.tz

ZONES = [
    TZ,
    UTC,
    ZoneInfo("Europe/Moscow"),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=30)),
]

starts = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2027, 12, 31, 23, 59),
    timezones=st.sampled_from(ZONES),
).map(lambda moment: moment.replace(second=0, microsecond=0))
amounts = st.integers(min_value=1, max_value=5000)

PROPERTY = settings(max_examples=300, deadline=None)


def _periods(day: date) -> list[tuple[datetime, datetime]]:
    return [
        (datetime.combine(day, a, TZ), datetime.combine(day, b, TZ)) for a, b in CAL.periods_of(day)
    ]


def _walk_forward(start: datetime, minutes: int) -> datetime:
    """Reference: spend `minutes` period by period, day by day."""
    left = timedelta(minutes=minutes)
    day = start.astimezone(TZ).date()
    while True:
        for a, b in _periods(day):
            begin = max(a, start)
            if begin >= b:
                continue
            if b - begin >= left:
                return begin + left
            left -= b - begin
        day += timedelta(days=1)


def _walk_backward(end: datetime, minutes: int) -> datetime:
    """Reference: the latest instant with `minutes` still to go (a period start at a boundary)."""
    left = timedelta(minutes=minutes)
    day = end.astimezone(TZ).date()
    while True:
        for a, b in reversed(_periods(day)):
            finish = min(b, end)
            if finish <= a:
                continue
            if finish - a >= left:
                return finish - left
            left -= finish - a
        day -= timedelta(days=1)


@PROPERTY
@given(starts, amounts, amounts)
def test_adding_in_two_steps_equals_adding_at_once(start, first, second):
    at_once = CAL.add_working_minutes(start, first + second)
    stepwise = CAL.add_working_minutes(CAL.add_working_minutes(start, first), second)
    assert at_once == stepwise


@PROPERTY
@given(starts, amounts)
def test_deadline_is_working_time_or_exactly_a_period_end(start, minutes):
    deadline = CAL.add_working_minutes(start, minutes)
    assert deadline.utcoffset() == timedelta(0)
    period_ends = [b for _, b in _periods(CAL.local(deadline).date())]
    assert CAL.is_working_time(deadline) or deadline in period_ends


@PROPERTY
@given(starts, amounts)
def test_working_time_from_start_to_deadline_is_the_amount(start, minutes):
    deadline = CAL.add_working_minutes(start, minutes)
    assert deadline > start
    assert CAL.working_minutes_between(start, deadline) == minutes


@PROPERTY
@given(starts, starts, amounts)
def test_a_later_start_never_gives_an_earlier_deadline(one, other, minutes):
    early, late = sorted([one, other])
    assert CAL.add_working_minutes(early, minutes) <= CAL.add_working_minutes(late, minutes)


@PROPERTY
@given(starts, amounts)
def test_a_start_outside_working_time_counts_from_the_next_working_instant(start, minutes):
    assert CAL.add_working_minutes(start, minutes) == CAL.add_working_minutes(
        CAL.next_working_instant(start), minutes
    )


@PROPERTY
@given(starts, amounts)
def test_subtracting_leaves_exactly_the_amount_before_the_end(end, minutes):
    begin = CAL.subtract_working_minutes(end, minutes)
    assert begin < end
    # It lands inside working time (a period start at a boundary, never a period end) ...
    assert CAL.is_working_time(begin)
    # ... the amount is all still there ...
    assert CAL.working_minutes_between(begin, end) == minutes
    # ... and spending it from there does not pass the end.
    assert CAL.add_working_minutes(begin, minutes) <= end


@PROPERTY
@given(starts, amounts)
def test_adding_agrees_with_a_day_by_day_walk(start, minutes):
    assert CAL.add_working_minutes(start, minutes) == _walk_forward(start, minutes)


@PROPERTY
@given(starts, amounts)
def test_subtracting_agrees_with_a_day_by_day_walk(end, minutes):
    assert CAL.subtract_working_minutes(end, minutes) == _walk_backward(end, minutes)
