"""The calendar's batch form, for the benchmark only: many deadlines at once with numpy.

Each answer is exactly `WorkingCalendar.add_working_minutes` for that start (tests/unit/
test_calendar_batch.py checks it): the same timeline (`WorkingCalendar.timeline`), searched with
numpy's vectorised binary search, rounded to the microsecond as `datetime.fromtimestamp` does.
No handler needs it, and the Lambda layer ships no numpy.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from otklik.domain.calendar import WorkingCalendar


def add_working_minutes_many(calendar: WorkingCalendar, starts, minutes: float) -> np.ndarray:
    """`starts`: a numpy `datetime64` array of UTC instants (naive values mean UTC) or a
    sequence of aware datetimes. Returns `datetime64[us]` UTC instants."""
    values = np.asarray(starts)
    if values.dtype.kind == "M":
        ts = values.astype("datetime64[us]").astype(np.int64) / 1e6  # exact below year 2255
    else:
        moments = list(starts)
        if any(m.tzinfo is None or m.utcoffset() is None for m in moments):
            raise ValueError("calendar arithmetic needs a time-zone-aware datetime")
        ts = np.fromiter((m.timestamp() for m in moments), dtype=np.float64, count=len(moments))
    if ts.size == 0:
        return np.empty(0, dtype="datetime64[us]")
    if minutes <= 0:  # rare: the one-at-a-time path, for identical answers
        return np.array(
            [
                np.datetime64(
                    calendar.add_working_minutes(datetime.fromtimestamp(t, UTC), minutes).replace(
                        tzinfo=None
                    ),
                    "us",
                )
                for t in ts.tolist()
            ],
            dtype="datetime64[us]",
        )
    first = datetime.fromtimestamp(float(ts.min()), calendar.tz).year - 1
    last = datetime.fromtimestamp(float(ts.max()), calendar.tz).year + 1
    while True:
        p_starts, p_ends, p_before, p_after = (
            np.array(values, dtype=np.float64) for values in calendar.timeline(first, last)
        )
        i = np.searchsorted(p_starts, ts, side="right") - 1
        k = np.maximum(i, 0)
        elapsed = np.where(i < 0, 0.0, p_before[k] + np.minimum(ts, p_ends[k]) - p_starts[k])
        target = elapsed + minutes * 60
        if target.max() <= p_after[-1]:
            break
        last += 1  # a deadline past the laid-out years
    j = np.searchsorted(p_after, target, side="left")
    result = p_starts[j] + (target - p_before[j])
    # Rounded to the microsecond as `datetime.fromtimestamp` does (CPython: modf, then the
    # fraction's microseconds rounded half to even, carried into the seconds).
    fraction, whole = np.modf(result)
    fraction = np.round(fraction * 1e6)
    whole = whole + (fraction >= 1e6) - (fraction < 0)
    fraction = fraction - 1e6 * (fraction >= 1e6) + 1e6 * (fraction < 0)
    micros = whole.astype(np.int64) * 1_000_000 + fraction.astype(np.int64)
    return micros.astype("datetime64[us]")
