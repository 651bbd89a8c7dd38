"""The administration's working-time calendar: the one place that knows when the clock runs.

Every deadline of the regulation (T1-T8) is counted in working time of the Russian production
calendar, and the monitoring system shows its own countdown that ours must match to the minute.
So the arithmetic is exact and the rules are data, not code: a deployment in another region or
a new year changes `CalendarConfig`, never this module.

Design: the working periods of each local day (09:00-13:00, 14:00-18:00, shortened on a
pre-holiday day, none on a day off) are laid out once per year as UTC instants in sorted arrays,
with the cumulative working time before each period. Working time elapsed since the origin is
then a monotonic function W(t); adding n working seconds is finding the first instant where W
reaches W(t) + n, one binary search, no stepping minute by minute.

`timeline` hands those arrays out, e.g. to the benchmark's vectorised batch form
(`bench/batch_calendar.py`), which no handler needs.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from typing import NamedTuple
from zoneinfo import ZoneInfo

from otklik.domain.production_calendar import ProductionCalendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Period = tuple[time, time]


@dataclass(frozen=True)
class CalendarConfig:
    """Everything that differs between deployments and years, with the regulation's defaults."""

    timezone: str = "Asia/Barnaul"
    country: str = "RU"
    week: dict[str, tuple[Period, ...]] = field(default_factory=dict)
    # Which weekday's hours a weekend working day (a transferred Saturday) follows.
    weekend_workday_schedule: str = "mon"
    shortened_by_minutes: int = 60
    # Official shortened pre-holiday days by year; a year absent here falls back to the
    # Labour Code rule (art. 95): the working day immediately before a public holiday.
    shortened_days: dict[int, frozenset[date]] = field(default_factory=dict)
    # Non-working public holidays of art. 112 as "MM-DD", used only by that fallback.
    public_holidays: frozenset[str] = frozenset()
    extra_days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()

    @classmethod
    def from_dict(cls, raw: dict) -> CalendarConfig:
        def hhmm(text: str) -> time:
            return time.fromisoformat(text)

        week = {
            name: tuple((hhmm(a), hhmm(b)) for a, b in raw.get("week", {}).get(name, []))
            for name in WEEKDAYS
        }
        if not any(week.values()):
            raise ValueError("the working week has no working periods")
        for name, periods in week.items():
            bounds = [t for period in periods for t in period]
            if bounds != sorted(bounds) or any(a == b for a, b in periods):
                raise ValueError(f"working periods of {name} must be ordered and non-empty")
        return cls(
            timezone=raw.get("timezone", cls.timezone),
            country=raw.get("country", cls.country),
            week=week,
            weekend_workday_schedule=raw.get("weekend_workday_schedule", "mon"),
            shortened_by_minutes=int(raw.get("shortened_by_minutes", 60)),
            shortened_days={
                int(year): frozenset(date.fromisoformat(d) for d in days)
                for year, days in raw.get("shortened_days", {}).items()
            },
            public_holidays=frozenset(raw.get("public_holidays", [])),
            extra_days_off=frozenset(date.fromisoformat(d) for d in raw.get("extra_days_off", [])),
            extra_working_days=frozenset(
                date.fromisoformat(d) for d in raw.get("extra_working_days", [])
            ),
        )

    @classmethod
    def default(cls) -> CalendarConfig:
        """The shipped Russian production calendar for the Asia/Barnaul administration."""
        text = resources.files("otklik.data").joinpath("calendar_ru.json").read_text("utf-8")
        return cls.from_dict(json.loads(text))


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("calendar arithmetic needs a time-zone-aware datetime")


def _instant(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


class Timeline(NamedTuple):
    starts: list[float]
    ends: list[float]
    before: list[float]
    after: list[float]


class WorkingCalendar:
    """Working-time arithmetic in one time zone; all results are UTC instants.

    Periods are half-open: 13:00 is not working time, yet a deadline that uses up the morning
    exactly is 13:00, not 14:00.
    """

    def __init__(self, config: CalendarConfig | None = None) -> None:
        self.config = config or CalendarConfig.default()
        self.tz = ZoneInfo(self.config.timezone)
        self._holidays = ProductionCalendar(self.config.country)
        self._first_year = 0
        self._last_year = -1
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._before: list[float] = []  # working seconds before period i (from the origin)
        self._after: list[float] = []  # working seconds up to the end of period i
        self._day_cache: dict[date, tuple[Period, ...]] = {}
        self._inner_from = self._inner_to = 0.0

    # -- the production calendar ------------------------------------------------------------

    def is_day_off(self, day: date) -> bool:
        """A day with no working periods: weekend, public holiday or transferred day off."""
        return not self.periods_of(day)

    def is_shortened(self, day: date) -> bool:
        """A pre-holiday working day that ends `shortened_by_minutes` early."""
        official = self.config.shortened_days.get(day.year)
        if official is not None:
            return day in official
        if not self._base_periods(day):
            return False
        if self._is_public_holiday(day + timedelta(days=1)):
            return True
        # A working weekend day traded for the day off right before a holiday is that holiday's
        # eve in effect (2025-11-01 for 2025-11-03/04): it is shortened instead.
        swapped = self._swapped_day_off(day)
        return swapped is not None and self._is_public_holiday(swapped + timedelta(days=1))

    def _is_public_holiday(self, day: date) -> bool:
        return day.strftime("%m-%d") in self.config.public_holidays

    def _swapped_day_off(self, workday: date) -> date | None:
        """The day off that a working weekend day was transferred to, if the package says so."""
        marker = f"substituted from {workday:%m/%d/%Y}"
        for year in (workday.year, workday.year + 1):
            for day, name in self._holidays.year(year).days_off.items():
                if marker in name:
                    return day
        return None

    def periods_of(self, day: date) -> tuple[Period, ...]:
        """Local working periods of one day, shortened where the calendar says so."""
        cached = self._day_cache.get(day)
        if cached is None:
            cached = self._base_periods(day)
            if cached and self.is_shortened(day):
                cached = _shorten(cached, self.config.shortened_by_minutes)
            self._day_cache[day] = cached
        return cached

    def _base_periods(self, day: date) -> tuple[Period, ...]:
        cfg = self.config
        if day in cfg.extra_days_off:
            return ()
        if self._holidays.is_day_off(day) and day not in cfg.extra_working_days:
            return ()
        periods = cfg.week.get(WEEKDAYS[day.weekday()], ())
        if not periods and (
            day in cfg.extra_working_days or day in self._weekend_workdays(day.year)
        ):
            periods = cfg.week.get(cfg.weekend_workday_schedule, ())
        return periods

    def _weekend_workdays(self, year: int) -> frozenset[date]:
        return self._holidays.weekend_workdays(year)

    # -- the precomputed timeline ------------------------------------------------------------

    def _cover(self, first_year: int, last_year: int) -> None:
        if self._first_year <= first_year and last_year <= self._last_year:
            return
        first_year = min(first_year, self._first_year) if self._starts else first_year
        last_year = max(last_year, self._last_year) if self._starts else last_year
        starts: list[float] = []
        ends: list[float] = []
        day = date(first_year, 1, 1)
        stop = date(last_year + 1, 1, 1)
        while day < stop:
            for a, b in self.periods_of(day):
                starts.append(datetime.combine(day, a, self.tz).timestamp())
                ends.append(datetime.combine(day, b, self.tz).timestamp())
            day += timedelta(days=1)
        before, after, total = [], [], 0.0
        for s, e in zip(starts, ends, strict=True):
            before.append(total)
            total += e - s
            after.append(total)
        self._starts, self._ends, self._before, self._after = starts, ends, before, after
        self._first_year, self._last_year = first_year, last_year
        # Instants whose year has a laid-out year on both sides need no further check.
        self._inner_from = datetime(first_year + 1, 1, 1, tzinfo=self.tz).timestamp()
        self._inner_to = datetime(last_year, 1, 1, tzinfo=self.tz).timestamp()

    def _cover_instant(self, ts: float) -> None:
        """Make sure the year of `ts` and the years on either side are laid out."""
        if self._inner_from <= ts < self._inner_to:
            return
        year = datetime.fromtimestamp(ts, self.tz).year
        self._cover(year - 1, year + 1)

    def _elapsed(self, ts: float) -> float:
        """W(ts): working seconds from the start of the covered range up to `ts`."""
        i = bisect_right(self._starts, ts) - 1
        if i < 0:
            return 0.0
        return self._before[i] + min(ts, self._ends[i]) - self._starts[i]

    def _instant_after(self, target: float) -> float:
        """The first instant at which W reaches `target` (a period end if it lands on one)."""
        j = bisect_left(self._after, target)
        while j >= len(self._after):
            self._cover(self._first_year, self._last_year + 1)
            j = bisect_left(self._after, target)
        return self._starts[j] + (target - self._before[j])

    # -- the operations the SLA policy uses --------------------------------------------------

    def add_working_minutes(self, start: datetime, minutes: float) -> datetime:
        """The deadline `minutes` of working time after `start`.

        A start outside working time counts from the next period's start; a deadline that
        uses up a period exactly is that period's end (13:00, 18:00).
        """
        _require_aware(start)
        if minutes <= 0:
            if minutes < 0:
                return self.subtract_working_minutes(start, -minutes)
            return start.astimezone(UTC)
        ts = start.timestamp()
        self._cover_instant(ts)
        return _instant(self._instant_after(self._elapsed(ts) + minutes * 60))

    def timeline(self, first_year: int, last_year: int) -> Timeline:
        """The laid-out periods of at least these years as UTC timestamps, with the working
        seconds before and up to the end of each (W at each period's start and end)."""
        self._cover(first_year, last_year)
        return Timeline(self._starts, self._ends, self._before, self._after)

    def subtract_working_minutes(self, end: datetime, minutes: float) -> datetime:
        """The latest instant from which `minutes` of working time still remain before `end`.

        At a boundary this is a period's start (14:00, not 13:00; 09:00, not 18:00 the day
        before), because from there the whole amount is still available.
        """
        _require_aware(end)
        if minutes < 0:
            return self.add_working_minutes(end, -minutes)
        if minutes == 0:
            return end.astimezone(UTC)
        ts = end.timestamp()
        self._cover_instant(ts)
        target = self._elapsed(ts) - minutes * 60
        while target < 0:
            self._cover(self._first_year - 1, self._last_year)
            target = self._elapsed(ts) - minutes * 60
        j = bisect_right(self._before, target) - 1
        return _instant(self._starts[j] + (target - self._before[j]))

    def working_minutes_between(self, start: datetime, end: datetime) -> float:
        """Working time from `start` to `end` in minutes (negative when `end` is earlier)."""
        _require_aware(start)
        _require_aware(end)
        a, b = start.timestamp(), end.timestamp()
        self._cover_instant(a)
        self._cover_instant(b)
        return (self._elapsed(b) - self._elapsed(a)) / 60

    def is_working_time(self, moment: datetime) -> bool:
        _require_aware(moment)
        ts = moment.timestamp()
        self._cover_instant(ts)
        i = bisect_right(self._starts, ts) - 1
        return i >= 0 and ts < self._ends[i]

    def next_working_instant(self, moment: datetime) -> datetime:
        """`moment` itself if the clock runs then, else the start of the next working period."""
        _require_aware(moment)
        ts = moment.timestamp()
        self._cover_instant(ts)
        i = bisect_right(self._starts, ts)
        if i > 0 and ts < self._ends[i - 1]:
            return moment.astimezone(UTC)
        while i >= len(self._starts):
            self._cover(self._first_year, self._last_year + 1)
            i = bisect_right(self._starts, ts)
        return _instant(self._starts[i])

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The close of the `days`-th working day after the day of `start`.

        Counting starts the next day, as periods in days do in Russian law (Civil Code
        art. 191); the deadline is that day's last working instant (17:00 on a shortened day).
        """
        _require_aware(start)
        if days < 1:
            raise ValueError("a period in working days is at least one day")
        day = start.astimezone(self.tz).date()
        while days:
            day += timedelta(days=1)
            if self.periods_of(day):
                days -= 1
        closing = self.periods_of(day)[-1][1]
        return datetime.combine(day, closing, self.tz).astimezone(UTC)

    def local(self, moment: datetime) -> datetime:
        """`moment` in the administration's time zone, for display."""
        _require_aware(moment)
        return moment.astimezone(self.tz)


def _shorten(periods: tuple[Period, ...], minutes: int) -> tuple[Period, ...]:
    """Cut `minutes` off the end of a day's periods (dropping periods it uses up)."""
    result = list(periods)
    while minutes and result:
        a, b = result[-1]
        length = _minutes(b) - _minutes(a)
        if length > minutes:
            end = _minutes(b) - minutes
            result[-1] = (a, time(end // 60, end % 60))
            minutes = 0
        else:
            result.pop()
            minutes -= length
    return tuple(result)


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute
