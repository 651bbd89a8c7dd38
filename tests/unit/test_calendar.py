"""Behaviour of the working-time calendar, with every expected time worked out by hand.

Unless a test says otherwise the calendar is the shipped default: Asia/Barnaul (UTC+7, no DST),
Monday-Friday 09:00-13:00 and 14:00-18:00, the Russian production calendar of the `holidays`
package, the official shortened days of 2025-2026 and the Labour Code rule (art. 95) for other
years. Expected values are local Barnaul times; the comment beside each shows the arithmetic.
"""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest

from otklik.domain.calendar import CalendarConfig, WorkingCalendar

BARNAUL = ZoneInfo("Asia/Barnaul")
NINE_HOURS = 9 * 60  # T2, the whole case
FOUR_HOURS = 4 * 60  # T3 is T2 minus this

FULL_DAY = ((time(9), time(13)), (time(14), time(18)))
SHORT_DAY = ((time(9), time(13)), (time(14), time(17)))


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A local Barnaul time."""
    return datetime(year, month, day, hour, minute, tzinfo=BARNAUL)


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


def day_minutes(calendar: WorkingCalendar, day: date) -> int:
    return sum(
        (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute) for a, b in calendar.periods_of(day)
    )


# -- results are instants in UTC ------------------------------------------------------------


def test_results_are_utc_instants(calendar):
    deadline = calendar.add_working_minutes(at(2025, 3, 4, 10), 60)
    assert deadline.tzinfo is not None
    assert deadline.utcoffset() == timedelta(0)
    # Tue 10:00 + 1 h = 11:00 Barnaul = 04:00 UTC.
    assert deadline == datetime(2025, 3, 4, 4, 0, tzinfo=UTC)


def test_local_shows_an_instant_in_barnaul_time(calendar):
    shown = calendar.local(datetime(2025, 3, 4, 4, 0, tzinfo=UTC))
    assert shown.utcoffset() == timedelta(hours=7)
    assert (shown.hour, shown.minute) == (11, 0)


# -- working periods and their boundaries ---------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        pytest.param(at(2025, 3, 4, 8, 59), False, id="08:59-before-opening"),
        pytest.param(at(2025, 3, 4, 9, 0), True, id="09:00-opening-counts"),
        pytest.param(at(2025, 3, 4, 12, 59), True, id="12:59-morning"),
        pytest.param(at(2025, 3, 4, 13, 0), False, id="13:00-lunch-starts"),
        pytest.param(at(2025, 3, 4, 13, 59), False, id="13:59-lunch"),
        pytest.param(at(2025, 3, 4, 14, 0), True, id="14:00-afternoon-starts"),
        pytest.param(at(2025, 3, 4, 17, 59), True, id="17:59-last-minute"),
        pytest.param(at(2025, 3, 4, 18, 0), False, id="18:00-closed"),
        pytest.param(at(2025, 3, 15, 10, 0), False, id="saturday"),
        pytest.param(at(2025, 1, 7, 10, 0), False, id="christmas-holiday"),
        pytest.param(at(2025, 11, 1, 10, 0), True, id="working-saturday-2025-11-01"),
    ],
)
def test_working_periods_are_half_open(calendar, moment, working):
    assert calendar.is_working_time(moment) is working


@pytest.mark.parametrize(
    ("day", "periods"),
    [
        pytest.param(date(2025, 3, 4), FULL_DAY, id="ordinary-tuesday"),
        pytest.param(date(2025, 3, 15), (), id="saturday"),
        pytest.param(date(2025, 3, 16), (), id="sunday"),
        pytest.param(date(2025, 1, 7), (), id="christmas"),
        pytest.param(date(2025, 5, 2), (), id="2025-05-02-transferred-from-jan-4"),
        pytest.param(date(2025, 11, 3), (), id="2025-11-03-transferred-from-nov-1"),
        pytest.param(date(2025, 12, 31), (), id="2025-12-31-transferred-from-jan-5"),
        pytest.param(date(2026, 1, 9), (), id="2026-01-09-transferred-from-jan-3"),
        pytest.param(date(2026, 3, 9), (), id="2026-03-09-march-8-on-sunday"),
        pytest.param(date(2026, 12, 31), (), id="2026-12-31-transferred-from-jan-4"),
        pytest.param(date(2025, 11, 1), SHORT_DAY, id="2025-11-01-working-shortened-saturday"),
    ],
)
def test_periods_of_a_day_follow_the_production_calendar(calendar, day, periods):
    assert calendar.periods_of(day) == periods
    assert calendar.is_day_off(day) is (periods == ())


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(at(2025, 3, 4, 12, 30), at(2025, 3, 4, 12, 30), id="working-itself"),
        pytest.param(at(2025, 3, 4, 13, 0), at(2025, 3, 4, 14, 0), id="lunch-to-14:00"),
        pytest.param(at(2025, 3, 14, 18, 0), at(2025, 3, 17, 9, 0), id="friday-close-to-monday"),
        pytest.param(at(2025, 12, 31, 12, 0), at(2026, 1, 12, 9, 0), id="new-year-2026"),
        pytest.param(at(2026, 12, 31, 12, 0), at(2027, 1, 11, 9, 0), id="new-year-2027"),
    ],
)
def test_next_working_instant(calendar, moment, expected):
    assert calendar.next_working_instant(moment) == expected


# -- adding working time ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        # 12:00 + 60 min uses up the morning exactly: the deadline is 13:00, not 14:00.
        pytest.param(at(2025, 3, 4, 12), 60, at(2025, 3, 4, 13), id="ends-at-13:00"),
        # 09:00 + 4 h: the whole morning, again 13:00.
        pytest.param(at(2025, 3, 4, 9), 240, at(2025, 3, 4, 13), id="whole-morning-13:00"),
        # 17:00 + 60 min uses up the day exactly: 18:00, not 09:00 the next day.
        pytest.param(at(2025, 3, 4, 17), 60, at(2025, 3, 4, 18), id="ends-at-18:00"),
        # 14:00 + 4 h: the whole afternoon, 18:00.
        pytest.param(at(2025, 3, 4, 14), 240, at(2025, 3, 4, 18), id="whole-afternoon-18:00"),
        # 12:30 + 60 min: 30 min to 13:00, lunch does not count, 30 min from 14:00 -> 14:30.
        pytest.param(at(2025, 3, 4, 12, 30), 60, at(2025, 3, 4, 14, 30), id="across-lunch"),
        # 17:30 + 60 min: 30 min to 18:00, 30 min from 09:00 Wed -> 09:30.
        pytest.param(at(2025, 3, 4, 17, 30), 60, at(2025, 3, 5, 9, 30), id="across-night"),
    ],
)
def test_deadline_on_a_period_end_is_that_instant(calendar, start, minutes, expected):
    assert calendar.add_working_minutes(start, minutes) == expected


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(at(2025, 3, 4, 13, 0), id="13:00"),
        pytest.param(at(2025, 3, 4, 13, 30), id="13:30"),
        pytest.param(at(2025, 3, 4, 13, 59), id="13:59"),
    ],
)
def test_start_during_lunch_counts_from_14_00(calendar, start):
    # Lunch is not working time: 14:00 + 60 min = 15:00.
    assert calendar.add_working_minutes(start, 60) == at(2025, 3, 4, 15)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Tue 03:00 is night: count from Tue 09:00, + 60 min = 10:00.
        pytest.param(at(2025, 3, 4, 3), at(2025, 3, 4, 10), id="night-before-opening"),
        # Tue 22:00: count from Wed 09:00 -> 10:00.
        pytest.param(at(2025, 3, 4, 22), at(2025, 3, 5, 10), id="night-after-closing"),
        # Sat 2025-03-15 10:00: count from Mon 03-17 09:00 -> 10:00.
        pytest.param(at(2025, 3, 15, 10), at(2025, 3, 17, 10), id="saturday"),
        # Sun 2025-03-16 23:59: count from Mon 03-17 09:00 -> 10:00.
        pytest.param(at(2025, 3, 16, 23, 59), at(2025, 3, 17, 10), id="sunday-night"),
    ],
)
def test_start_outside_working_time_counts_from_next_period(calendar, start, expected):
    assert calendar.add_working_minutes(start, 60) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Mon 09:00: Mon 8 h (09-13, 14-18), Tue 09:00 + 1 h.
        pytest.param(at(2025, 3, 3, 9), at(2025, 3, 4, 10), id="monday-09:00"),
        # Mon 10:30: 2.5 h + 4 h = 6.5 h on Mon, Tue 09:00 + 2.5 h.
        pytest.param(at(2025, 3, 3, 10, 30), at(2025, 3, 4, 11, 30), id="monday-10:30"),
        # Mon 12:00: 1 h + 4 h = 5 h on Mon, Tue 09:00 + 4 h = 13:00 exactly (not 14:00).
        pytest.param(at(2025, 3, 3, 12), at(2025, 3, 4, 13), id="monday-12:00-ends-at-lunch"),
        # Mon 13:20 (lunch): from 14:00, 4 h Mon, Tue 4 h morning, Tue 14:00 + 1 h.
        pytest.param(at(2025, 3, 3, 13, 20), at(2025, 3, 4, 15), id="monday-lunch"),
        # Mon 17:00: 1 h Mon, Tue 8 h ends exactly at Tue 18:00 (not Wed 09:00).
        pytest.param(at(2025, 3, 3, 17), at(2025, 3, 4, 18), id="monday-17:00-ends-at-close"),
        # Mon 17:59: 1 min Mon, 8 h Tue, 59 min Wed -> Wed 09:59.
        pytest.param(at(2025, 3, 3, 17, 59), at(2025, 3, 5, 9, 59), id="monday-17:59"),
        # Mon 18:00: nothing left on Mon, Tue 8 h, Wed 09:00 + 1 h.
        pytest.param(at(2025, 3, 3, 18), at(2025, 3, 5, 10), id="monday-18:00"),
        # Tue 03:00: as from Tue 09:00 -> Wed 10:00.
        pytest.param(at(2025, 3, 4, 3), at(2025, 3, 5, 10), id="night"),
        # Fri 03-14 16:00: 2 h Fri, Mon 03-17 4 h morning + 3 h from 14:00 -> 17:00.
        pytest.param(at(2025, 3, 14, 16), at(2025, 3, 17, 17), id="friday-afternoon"),
        # Sat 03-15 12:00: from Mon 03-17 09:00, 8 h Mon, Tue 09:00 + 1 h.
        pytest.param(at(2025, 3, 15, 12), at(2025, 3, 18, 10), id="saturday"),
        # Wed 2025-04-30 (shortened, ends 17:00) 15:00: 2 h; May 1 holiday, May 2 transferred
        # day off, May 3-4 weekend; Mon May 5: 4 h morning + 3 h from 14:00 -> 17:00.
        pytest.param(at(2025, 4, 30, 15), at(2025, 5, 5, 17), id="before-may-holidays"),
        # Fri 2025-03-07 (shortened) 10:00: 3 h + 3 h (14-17) = 6 h; Mar 8 holiday (Sat),
        # Sun; Mon 03-10 09:00 + 3 h -> 12:00.
        pytest.param(at(2025, 3, 7, 10), at(2025, 3, 10, 12), id="shortened-friday"),
    ],
)
def test_nine_working_hours(calendar, start, expected):
    assert calendar.add_working_minutes(start, NINE_HOURS) == expected


def test_negative_minutes_subtract(calendar):
    end = at(2025, 3, 4, 18)
    assert calendar.add_working_minutes(end, -FOUR_HOURS) == calendar.subtract_working_minutes(
        end, FOUR_HOURS
    )


# -- shortened pre-holiday days ---------------------------------------------------------------

OFFICIAL_SHORTENED = [
    date(2025, 3, 7),  # Fri before Sat Mar 8
    date(2025, 4, 30),  # before May 1
    date(2025, 6, 11),  # before Jun 12
    date(2025, 11, 1),  # working Saturday before the Nov 3-4 days off
    date(2026, 4, 30),  # before May 1
    date(2026, 5, 8),  # before Sat May 9
    date(2026, 6, 11),  # before Jun 12
    date(2026, 11, 3),  # before Nov 4
]


@pytest.mark.parametrize("day", [pytest.param(d, id=d.isoformat()) for d in OFFICIAL_SHORTENED])
def test_official_shortened_day_ends_at_17_00(calendar, day):
    assert calendar.is_shortened(day)
    assert calendar.periods_of(day) == SHORT_DAY
    assert day_minutes(calendar, day) == 7 * 60
    # 16:00 + 60 min uses the day up exactly: the deadline is 17:00 of that day.
    assert calendar.add_working_minutes(at(day.year, day.month, day.day, 16), 60) == at(
        day.year, day.month, day.day, 17
    )
    assert calendar.is_working_time(at(day.year, day.month, day.day, 16, 59))
    assert not calendar.is_working_time(at(day.year, day.month, day.day, 17))
    # One working day counted from the day before closes at 17:00 of the shortened day.
    day_before = day - timedelta(days=1)
    assert calendar.add_working_days(
        at(day_before.year, day_before.month, day_before.day, 10), 1
    ) == at(day.year, day.month, day.day, 17)


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(date(2025, 3, 6), id="2025-03-06-ordinary-thursday"),
        # Feb 23 2026 is a Monday: the Friday before it is followed by a weekend, not a holiday.
        pytest.param(date(2026, 2, 20), id="2026-02-20-friday-before-weekend-and-feb-23"),
        # Mar 8 2026 is a Sunday (day off moved to Mon Mar 9): Fri Mar 6 is a full day.
        pytest.param(date(2026, 3, 6), id="2026-03-06-friday-before-weekend-and-mar-8"),
    ],
)
def test_day_not_in_the_official_list_is_a_full_day(calendar, day):
    assert not calendar.is_shortened(day)
    assert calendar.periods_of(day) == FULL_DAY


# -- the working Saturday 2025-11-01 ----------------------------------------------------------


def test_working_saturday_counts(calendar):
    # Fri 2025-10-31 17:00 + 2 h: 1 h Fri, Sat 11-01 09:00 + 1 h -> 10:00.
    assert calendar.add_working_minutes(at(2025, 10, 31, 17), 120) == at(2025, 11, 1, 10)


def test_working_saturday_is_shortened_and_followed_by_days_off(calendar):
    # Sat 11-01 16:00 + 2 h: 1 h to 17:00 (shortened); Sun 11-02, Mon 11-03 (transferred
    # from Nov 1), Tue 11-04 (Unity Day) are off; Wed 11-05 09:00 + 1 h -> 10:00.
    assert calendar.add_working_minutes(at(2025, 11, 1, 16), 120) == at(2025, 11, 5, 10)


# -- the New Year break -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        # Tue 2025-12-30 10:00: 3 h + 4 h = 7 h; Dec 31 transferred day off; Jan 1-8
        # holidays; Fri Jan 9 transferred day off; Jan 10-11 weekend; Mon 2026-01-12 + 2 h.
        pytest.param(at(2025, 12, 30, 10), at(2026, 1, 12, 11), id="2025-12-30-10:00"),
        # Wed 2026-12-30 10:00: 7 h; Dec 31 transferred day off; Jan 1-8 2027 holidays;
        # Jan 9-10 weekend; Mon 2027-01-11 09:00 + 2 h.
        pytest.param(at(2026, 12, 30, 10), at(2027, 1, 11, 11), id="2026-12-30-10:00"),
        # Wed 2026-12-30 16:00: 2 h; then Mon 2027-01-11: 4 h morning + 3 h from 14:00.
        pytest.param(at(2026, 12, 30, 16), at(2027, 1, 11, 17), id="2026-12-30-16:00"),
        # A start inside the break counts from the first working day: Mon 2027-01-11
        # 8 h, Tue 09:00 + 1 h.
        pytest.param(at(2027, 1, 3, 12), at(2027, 1, 12, 10), id="inside-the-2027-break"),
    ],
)
def test_nine_hours_across_new_year(calendar, start, expected):
    assert calendar.add_working_minutes(start, NINE_HOURS) == expected


def test_no_working_time_inside_the_new_year_break(calendar):
    assert calendar.working_minutes_between(at(2025, 12, 30, 18), at(2026, 1, 12, 9)) == 0
    assert calendar.working_minutes_between(at(2026, 12, 30, 18), at(2027, 1, 11, 9)) == 0


def test_far_year_new_year_break(calendar):
    # Tue 2030-12-31 has no official data; the Labour Code rule shortens it (Jan 1 follows):
    # 16:00 + 2 h = 1 h to 17:00, Jan 1-8 2031 holidays, Thu 2031-01-09 09:00 + 1 h.
    assert calendar.is_shortened(date(2030, 12, 31))
    assert calendar.add_working_minutes(at(2030, 12, 31, 16), 120) == at(2031, 1, 9, 10)


def test_answers_do_not_depend_on_which_years_were_asked_first():
    starts = [at(2030, 6, 10, 11), at(2025, 3, 3, 11), at(2027, 12, 30, 17), at(2035, 2, 1, 9)]
    forward, backward = WorkingCalendar(), WorkingCalendar()
    there = [forward.add_working_minutes(s, NINE_HOURS) for s in starts]
    back = [backward.add_working_minutes(s, NINE_HOURS) for s in reversed(starts)]
    assert there == list(reversed(back))
    assert [forward.subtract_working_minutes(s, FOUR_HOURS) for s in starts] == [
        WorkingCalendar().subtract_working_minutes(s, FOUR_HOURS) for s in starts
    ]


def test_working_minutes_over_years_add_up_day_by_day(calendar):
    first, last = date(2025, 1, 1), date(2031, 1, 1)
    expected = sum(day_minutes(calendar, first + timedelta(days=i)) for i in range(2191))
    assert first + timedelta(days=2191) == last
    assert calendar.working_minutes_between(at(2025, 1, 1), at(2031, 1, 1)) == expected


# -- time zones of the input ------------------------------------------------------------------


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(at(2025, 3, 3, 12), id="barnaul-12:00"),
        pytest.param(datetime(2025, 3, 3, 5, 0, tzinfo=UTC), id="utc-05:00"),
        pytest.param(datetime(2025, 3, 3, 8, 0, tzinfo=ZoneInfo("Europe/Moscow")), id="msk-08:00"),
        pytest.param(datetime(2025, 3, 3, 0, 0, tzinfo=timezone(timedelta(hours=-5))), id="-05:00"),
    ],
)
def test_same_instant_in_any_offset_gives_the_same_deadline(calendar, start):
    # All are Mon 2025-03-03 12:00 Barnaul: 1 h + 4 h Mon, Tue 09:00 + 4 h = 13:00 Barnaul,
    # which is 06:00 UTC.
    deadline = calendar.add_working_minutes(start, NINE_HOURS)
    assert deadline == datetime(2025, 3, 4, 6, 0, tzinfo=UTC)
    assert deadline.utcoffset() == timedelta(0)
    assert calendar.subtract_working_minutes(deadline, NINE_HOURS) == start


def test_utc_input_on_the_previous_utc_date_uses_the_local_date(calendar):
    # 2025-03-03 23:30 UTC is Tue 2025-03-04 06:30 in Barnaul.
    start = datetime(2025, 3, 3, 23, 30, tzinfo=UTC)
    assert calendar.add_working_minutes(start, 60) == at(2025, 3, 4, 10)
    # Working days count from the local date (Tue): one day -> Wed 18:00.
    assert calendar.add_working_days(start, 1) == at(2025, 3, 5, 18)


# -- subtracting working time (T3 = T2 - 4 working hours) -------------------------------------


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        # 18:00 - 4 h: the whole afternoon; lands on 14:00, not 13:00.
        pytest.param(at(2025, 3, 4, 18), at(2025, 3, 4, 14), id="18:00-to-14:00-not-13:00"),
        # 13:00 - 4 h: the whole morning; lands on 09:00, not 18:00 the day before.
        pytest.param(at(2025, 3, 4, 13), at(2025, 3, 4, 9), id="13:00-to-09:00-not-18:00"),
        # 13:30 (lunch) is as 13:00.
        pytest.param(at(2025, 3, 4, 13, 30), at(2025, 3, 4, 9), id="lunch-to-09:00"),
        # 17:00 - 4 h: 3 h back to 14:00, 1 h back from 13:00 -> 12:00.
        pytest.param(at(2025, 3, 4, 17), at(2025, 3, 4, 12), id="17:00-across-lunch"),
        # Mon 03-17 09:00 - 4 h: nothing on Mon; Fri 03-14 afternoon -> Fri 14:00.
        pytest.param(at(2025, 3, 17, 9), at(2025, 3, 14, 14), id="monday-09:00-to-friday"),
        # Mon 03-17 10:00 - 4 h: 1 h Mon, 3 h back from Fri 18:00 -> Fri 15:00.
        pytest.param(at(2025, 3, 17, 10), at(2025, 3, 14, 15), id="monday-10:00-to-friday"),
        # Wed 2025-11-05 10:00 - 4 h: 1 h Wed; Nov 2-4 off; Sat 11-01 ends 17:00, 3 h back
        # -> 14:00 on the working Saturday.
        pytest.param(at(2025, 11, 5, 10), at(2025, 11, 1, 14), id="to-working-saturday"),
        # Mon 2026-01-12 10:00 - 4 h: 1 h Mon; Dec 31 - Jan 11 off; 3 h back from Tue
        # 2025-12-30 18:00 -> 15:00.
        pytest.param(at(2026, 1, 12, 10), at(2025, 12, 30, 15), id="across-new-year"),
    ],
)
def test_subtracting_four_hours_lands_on_a_period_start_at_a_boundary(calendar, end, expected):
    start = calendar.subtract_working_minutes(end, FOUR_HOURS)
    assert start == expected
    # From that instant the four hours are all still available.
    assert calendar.is_working_time(start)
    assert calendar.working_minutes_between(start, end) == FOUR_HOURS


def test_send_to_curator_is_four_working_hours_before_the_answer(calendar):
    detected = at(2025, 3, 3, 9)
    answer_due = calendar.add_working_minutes(detected, NINE_HOURS)  # Tue 10:00
    assert answer_due == at(2025, 3, 4, 10)
    # Tue 10:00 - 4 h: 1 h Tue, 3 h back from Mon 18:00 -> Mon 15:00.
    assert calendar.subtract_working_minutes(answer_due, FOUR_HOURS) == at(2025, 3, 3, 15)


# -- years without official shortened-day data (Labour Code art. 95) --------------------------


def test_holidays_data_for_2027_february():
    # The premise of the 2027 tests below, from the `holidays` package: the day off of
    # Sat 2027-02-20 moves to Mon 2027-02-22, so Feb 20 is a working Saturday.
    ru = holidays.country_holidays("RU", years=2027)
    assert date(2027, 2, 22) in ru
    assert date(2027, 2, 23) in ru
    assert date(2027, 2, 20) in ru.weekend_workdays


def test_monday_before_february_23_2027_is_a_day_off_not_a_short_day(calendar):
    # The Monday before Defender of the Fatherland Day is not shortened in 2027: it is a
    # transferred day off (see the `holidays` premise above). Sat Feb 20 works instead.
    assert calendar.is_day_off(date(2027, 2, 22))
    assert not calendar.is_day_off(date(2027, 2, 20))
    # Fri 2027-02-19 17:00 + 2 h: 1 h Fri, Sat 02-20 09:00 + 1 h.
    assert calendar.add_working_minutes(at(2027, 2, 19, 17), 120) == at(2027, 2, 20, 10)


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(date(2027, 4, 30), id="2027-04-30-fri-before-may-1"),
        pytest.param(date(2027, 6, 11), id="2027-06-11-fri-before-jun-12"),
        pytest.param(date(2027, 11, 3), id="2027-11-03-wed-before-nov-4"),
        pytest.param(date(2030, 2, 22), id="2030-02-22-fri-before-sat-feb-23"),
        pytest.param(date(2030, 12, 31), id="2030-12-31-before-new-year"),
    ],
)
def test_without_data_the_working_day_before_a_public_holiday_ends_at_17_00(calendar, day):
    assert calendar.is_shortened(day)
    assert calendar.periods_of(day) == SHORT_DAY
    assert calendar.add_working_minutes(at(day.year, day.month, day.day, 16), 60) == at(
        day.year, day.month, day.day, 17
    )


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(date(2027, 2, 19), id="2027-02-19-before-a-working-saturday"),
        pytest.param(date(2027, 3, 5), id="2027-03-05-fri-before-weekend-and-mon-mar-8"),
        pytest.param(date(2027, 12, 30), id="2027-12-30-before-a-transferred-day-off"),
    ],
)
def test_without_data_a_day_not_right_before_a_public_holiday_is_full(calendar, day):
    assert not calendar.is_shortened(day)
    assert calendar.periods_of(day) == FULL_DAY


def _shortened_days_of(calendar: WorkingCalendar, year: int) -> set[date]:
    day, found = date(year, 1, 1), set()
    while day.year == year:
        if calendar.periods_of(day) and calendar.is_shortened(day):
            found.add(day)
        day += timedelta(days=1)
    return found


def test_fallback_rule_reproduces_the_official_2026_list():
    default = CalendarConfig.default()
    without_2026 = WorkingCalendar(
        replace(default, shortened_days={2025: default.shortened_days[2025]})
    )
    assert _shortened_days_of(without_2026, 2026) == set(default.shortened_days[2026])


@pytest.mark.parametrize(
    ("year", "day"),
    [
        pytest.param(2025, date(2025, 11, 1), id="2025-without-data-misses-11-01"),
        pytest.param(2027, date(2027, 2, 20), id="2027-misses-02-20"),
    ],
)
def test_fallback_shortens_the_working_saturday_that_replaces_the_pre_holiday_day(year, day):
    default = CalendarConfig.default()
    data = {y: days for y, days in default.shortened_days.items() if y != year}
    calendar = WorkingCalendar(replace(default, shortened_days=data))
    assert calendar.is_shortened(day)
    assert calendar.periods_of(day) == SHORT_DAY


# -- another deployment: the calendar is configuration ----------------------------------------


def test_another_timezone_and_week():
    vladivostok = ZoneInfo("Asia/Vladivostok")  # UTC+10
    config = CalendarConfig.from_dict(
        {
            "timezone": "Asia/Vladivostok",
            "country": "RU",
            "week": {
                day: [["08:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")
            },
        }
    )
    calendar = WorkingCalendar(config)
    # Saturdays work here: Sat 2025-03-15 15:00 + 2 h = 1 h Sat, Sun off, Mon 08:00 + 1 h.
    deadline = calendar.add_working_minutes(datetime(2025, 3, 15, 15, tzinfo=vladivostok), 120)
    assert deadline == datetime(2025, 3, 17, 9, tzinfo=vladivostok)
    assert deadline == datetime(2025, 3, 16, 23, tzinfo=UTC)
    assert calendar.local(deadline).utcoffset() == timedelta(hours=10)
    # No lunch break: 11:30 + 2 h = 13:30.
    assert calendar.add_working_minutes(
        datetime(2025, 3, 17, 11, 30, tzinfo=vladivostok), 120
    ) == datetime(2025, 3, 17, 13, 30, tzinfo=vladivostok)
    # Holidays still come from the country: Sat 2025-03-08 is Women's Day.
    assert calendar.is_day_off(date(2025, 3, 8))
    # No shortened-day data and no public-holiday list: Fri 2025-03-07 is a full day.
    assert calendar.periods_of(date(2025, 3, 7)) == ((time(8), time(16)),)


def test_another_country_with_daylight_saving_time():
    berlin = ZoneInfo("Europe/Berlin")
    config = CalendarConfig.from_dict(
        {
            "timezone": "Europe/Berlin",
            "country": "DE",
            "week": {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
        }
    )
    calendar = WorkingCalendar(config)
    # Wed 2025-12-24 16:00 + 2 h: 1 h; Dec 25-26 German holidays, weekend; Mon 12-29 10:00.
    assert calendar.add_working_minutes(datetime(2025, 12, 24, 16, tzinfo=berlin), 120) == datetime(
        2025, 12, 29, 10, tzinfo=berlin
    )
    # Clocks go forward on Sun 2025-03-30: Fri 16:00 CET + 2 h = Mon 03-31 10:00 CEST (08:00Z).
    deadline = calendar.add_working_minutes(datetime(2025, 3, 28, 16, tzinfo=berlin), 120)
    assert deadline == datetime(2025, 3, 31, 8, tzinfo=UTC)


def test_extra_days_off_and_working_days_and_shortening_are_data():
    raw = {
        "timezone": "Asia/Barnaul",
        "week": {
            day: [["09:00", "13:00"], ["14:00", "18:00"]]
            for day in ("mon", "tue", "wed", "thu", "fri")
        },
        "shortened_by_minutes": 90,
        "shortened_days": {"2025": ["2025-03-07"]},
        "extra_days_off": ["2025-03-19"],
        "extra_working_days": ["2025-03-22"],
    }
    calendar = WorkingCalendar(CalendarConfig.from_dict(raw))
    # Tue 03-18 17:00 + 2 h: 1 h Tue, Wed 03-19 is a local day off, Thu 09:00 + 1 h.
    assert calendar.add_working_minutes(at(2025, 3, 18, 17), 120) == at(2025, 3, 20, 10)
    # Sat 03-22 is declared working and follows Monday's hours.
    assert calendar.periods_of(date(2025, 3, 22)) == FULL_DAY
    # A 90-minute shortening: the afternoon ends 16:30.
    assert calendar.periods_of(date(2025, 3, 7)) == ((time(9), time(13)), (time(14), time(16, 30)))


def test_a_long_shortening_drops_the_afternoon_and_cuts_the_morning():
    default = CalendarConfig.default()
    calendar = WorkingCalendar(replace(default, shortened_by_minutes=300))
    # 5 h off an 8 h day: the 4 h afternoon goes, and 1 h of the morning.
    assert calendar.periods_of(date(2025, 3, 7)) == ((time(9), time(12)),)


@pytest.mark.parametrize(
    "week",
    [
        pytest.param({"mon": [["14:00", "18:00"], ["09:00", "13:00"]]}, id="unordered"),
        pytest.param({"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}, id="overlapping"),
        pytest.param({"mon": [["09:00", "09:00"]]}, id="empty-period"),
    ],
)
def test_config_rejects_malformed_working_periods(week):
    with pytest.raises(ValueError):
        CalendarConfig.from_dict({"week": week})


# -- naive datetimes are rejected -------------------------------------------------------------

NAIVE = datetime(2025, 3, 4, 10, 0)
AWARE = at(2025, 3, 4, 10)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda c: c.add_working_minutes(NAIVE, 60), id="add_working_minutes"),
        pytest.param(lambda c: c.subtract_working_minutes(NAIVE, 60), id="subtract"),
        pytest.param(lambda c: c.working_minutes_between(NAIVE, AWARE), id="between-start"),
        pytest.param(lambda c: c.working_minutes_between(AWARE, NAIVE), id="between-end"),
        pytest.param(lambda c: c.is_working_time(NAIVE), id="is_working_time"),
        pytest.param(lambda c: c.next_working_instant(NAIVE), id="next_working_instant"),
        pytest.param(lambda c: c.add_working_days(NAIVE, 1), id="add_working_days"),
    ],
)
def test_naive_datetime_is_rejected(calendar, call):
    with pytest.raises(ValueError, match="time-zone-aware"):
        call(calendar)


def test_local_rejects_a_naive_datetime(calendar):
    with pytest.raises(ValueError):
        calendar.local(NAIVE)


# -- working days (T7) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Counting starts the next day: Thu 03-06 -> Fri 03-07, shortened, closes 17:00.
        pytest.param(at(2025, 3, 6, 10), 1, at(2025, 3, 7, 17), id="next-day-shortened"),
        # Even before opening the start day does not count: Tue 08:00 -> Wed 18:00.
        pytest.param(at(2025, 3, 4, 8), 1, at(2025, 3, 5, 18), id="start-day-never-counts"),
        # Fri 17:59 -> Mon 03-17 18:00.
        pytest.param(at(2025, 3, 14, 17, 59), 1, at(2025, 3, 17, 18), id="friday-to-monday"),
        # From a Saturday: the first working day is Mon 03-17.
        pytest.param(at(2025, 3, 15, 12), 1, at(2025, 3, 17, 18), id="from-saturday"),
        # Fri 2025-10-31 -> the working Saturday 11-01, shortened, 17:00.
        pytest.param(at(2025, 10, 31, 10), 1, at(2025, 11, 1, 17), id="working-saturday"),
        # Mon 03-03 + 5 -> Tue..Fri (4), Sat 8 holiday, Sun, Mon 03-10 (5).
        pytest.param(at(2025, 3, 3, 10), 5, at(2025, 3, 10, 18), id="five-days"),
        # T7 over New Year: Tue 2025-12-23 -> Dec 24, 25, 26, 29, 30 (5); Dec 31 - Jan 11
        # off; Mon Jan 12 (6), Tue Jan 13 (7).
        pytest.param(at(2025, 12, 23, 10), 7, at(2026, 1, 13, 18), id="seven-days-new-year"),
    ],
)
def test_add_working_days_closes_at_the_end_of_the_last_day(calendar, start, days, expected):
    assert calendar.add_working_days(start, days) == expected


@pytest.mark.parametrize("days", [0, -1])
def test_add_working_days_needs_at_least_one_day(calendar, days):
    with pytest.raises(ValueError):
        calendar.add_working_days(AWARE, days)


def test_a_week_without_working_periods_is_rejected():
    with pytest.raises(ValueError, match="no working periods"):
        CalendarConfig.from_dict({"timezone": "UTC", "week": {}})
