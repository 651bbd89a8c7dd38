"""Deadline engine vs pandas `CustomBusinessHour`: 9 working hours (T2) from 10,000 starts.

Run from the repository root: `python -m bench.deadlines` (or `make bench`). It prints the time
per call of each engine, the speed ratio and how often the two agree, and writes the figures to
`bench/results.md`.

pandas is made as faithful as it can be: two business-hour intervals per day (09:00-13:00 and
14:00-18:00, so the lunch break is modelled), Monday-Friday, and every non-working day of the
`holidays` package (holidays and transferred days off) as pandas holidays, computed in naive local
Barnaul time (no DST there, so that is exact). What pandas cannot express:
- weekend working days (Saturday 2025-11-01): a weekmask has no exceptions;
- shortened pre-holiday days (17:00 instead of 18:00): the hours are the same every day;
- a deadline that uses a period up exactly: pandas returns the next period's start (14:00 or
  09:00 the next working day), not the period end (13:00, 18:00) the design asks for.
So agreement is counted only on starts whose window, from the start's day to our deadline's day,
holds no shortened day and no weekend working day; within those, a pandas answer that is the next
period's start after a deadline of ours that ends a period is the same instant in working time
and is counted separately.
"""

from __future__ import annotations

import os
import platform
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "shared") not in sys.path:  # the domain package lives in shared/ (a Lambda layer)
    sys.path.insert(0, str(ROOT / "shared"))

import holidays  # noqa: E402
import pandas as pd  # noqa: E402

from otklik.domain.calendar import WorkingCalendar  # noqa: E402

SEED = 20250101
STARTS = 10_000
HOURS = 9
FIRST, LAST = datetime(2025, 1, 1), datetime(2027, 1, 1)  # starts in [FIRST, LAST), local time
REPEATS = 3
RESULTS = ROOT / "bench" / "results.md"


def random_starts(count: int, seed: int) -> list[datetime]:
    """Naive local times in whole minutes, uniform over 2025-2026."""
    rng = random.Random(seed)
    span = int((LAST - FIRST).total_seconds() // 60)
    return [FIRST + timedelta(minutes=rng.randrange(span)) for _ in range(count)]


def best_of(repeats: int, run) -> float:
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - began)
    return best


def pandas_offset() -> pd.offsets.CustomBusinessHour:
    days_off = holidays.country_holidays("RU", years=range(2025, 2029))
    return pd.offsets.CustomBusinessHour(
        n=HOURS,
        start=["09:00", "14:00"],
        end=["13:00", "18:00"],
        weekmask="Mon Tue Wed Thu Fri",
        holidays=sorted(days_off),
    )


def pandas_can_be_right(calendar: WorkingCalendar, start: date, deadline: date) -> bool:
    """No shortened day and no weekend working day from the start's day to the deadline's."""
    day = start
    while day <= deadline:
        if calendar.periods_of(day) and (calendar.is_shortened(day) or day.weekday() >= 5):
            return False
        day += timedelta(days=1)
    return True


def main() -> None:
    naive = random_starts(STARTS, SEED)
    calendar = WorkingCalendar()
    aware = [moment.replace(tzinfo=calendar.tz) for moment in naive]
    minutes = HOURS * 60

    began = time.perf_counter()
    calendar.add_working_minutes(aware[0], minutes)  # lays out the timeline (2024-2026)
    calendar.add_working_minutes(datetime(2026, 12, 31, tzinfo=UTC), minutes)  # and 2027
    cold = time.perf_counter() - began

    ours: list[datetime] = []
    offset = pandas_offset()
    theirs: list[pd.Timestamp] = []

    def run_ours() -> None:
        ours[:] = [calendar.add_working_minutes(moment, minutes) for moment in aware]

    def run_pandas() -> None:
        theirs[:] = [moment + offset for moment in naive]

    ours_seconds = best_of(REPEATS, run_ours)
    pandas_seconds = best_of(REPEATS, run_pandas)

    comparable = identical = convention = beyond_pandas = 0
    differing: list[tuple[datetime, datetime, pd.Timestamp]] = []
    for start, deadline, other in zip(naive, ours, theirs, strict=True):
        local = calendar.local(deadline).replace(tzinfo=None)
        if not pandas_can_be_right(calendar, start.date(), local.date()):
            beyond_pandas += other != local
            continue
        comparable += 1
        if other == local:
            identical += 1
        elif not calendar.is_working_time(deadline) and other == calendar.local(
            calendar.next_working_instant(deadline)
        ).replace(tzinfo=None):
            convention += 1
        else:
            differing.append((start, local, other))
    all_identical = sum(
        other == calendar.local(deadline).replace(tzinfo=None)
        for deadline, other in zip(ours, theirs, strict=True)
    )

    figures = {
        "ours_us": ours_seconds / STARTS * 1e6,
        "pandas_us": pandas_seconds / STARTS * 1e6,
        "ours_ms": ours_seconds * 1e3,
        "pandas_ms": pandas_seconds * 1e3,
        "ratio": pandas_seconds / ours_seconds,
        "cold_ms": cold * 1e3,
        "comparable": comparable,
        "identical": identical,
        "convention": convention,
        "differing": len(differing),
        "beyond_pandas": beyond_pandas,
        "all_identical": all_identical,
    }
    report(figures, differing)
    RESULTS.write_text(markdown(figures, differing), encoding="utf-8")
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def report(f: dict, differing: list) -> None:
    print(f"{STARTS} starts, +{HOURS} working hours, best of {REPEATS}")
    print(f"WorkingCalendar : {f['ours_us']:8.2f} us/call  ({f['ours_ms']:.1f} ms total)")
    print(f"pandas CBH      : {f['pandas_us']:8.2f} us/call  ({f['pandas_ms']:.1f} ms total)")
    print(f"pandas / ours   : {f['ratio']:.1f}x   (our cold timeline build: {f['cold_ms']:.1f} ms)")
    c = f["comparable"]
    print(f"comparable starts (pandas can be right): {c} of {STARTS} ({pct(c, STARTS)})")
    print(f"  identical deadline                    : {f['identical']} ({pct(f['identical'], c)})")
    print(
        f"  same instant, pandas boundary convention: {f['convention']} ({pct(f['convention'], c)})"
    )
    print(f"  different otherwise                   : {f['differing']} ({pct(f['differing'], c)})")
    print(f"identical over all starts: {f['all_identical']} ({pct(f['all_identical'], STARTS)})")
    print(
        f"not comparable and different (shortened day or working Saturday in the window): "
        f"{f['beyond_pandas']}"
    )
    for start, local, other in differing[:10]:
        print(
            f"  DIFF start {start:%Y-%m-%d %a %H:%M}, ours {local:%Y-%m-%d %H:%M}, pandas {other}"
        )


def markdown(f: dict, differing: list) -> str:
    c = f["comparable"]
    rows = [
        "# Benchmark results",
        "",
        "## Deadline engine vs pandas CustomBusinessHour",
        "",
        f"- Date: {datetime.now(UTC):%Y-%m-%d}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}; "
        f"pandas {pd.__version__}; holidays {holidays.__version__}",
        f"- Machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()}",
        f"- Workload: {STARTS:,} random starts (seed {SEED}, whole minutes, uniform over "
        f"{FIRST:%Y-%m-%d} - {LAST - timedelta(minutes=1):%Y-%m-%d} Asia/Barnaul), "
        f"+{HOURS} working hours each (T2); best of {REPEATS} runs; `python -m bench.deadlines`",
        "",
        "| engine | time per call | total for 10,000 | relative |",
        "|---|---:|---:|---:|",
        f"| `WorkingCalendar.add_working_minutes` | {f['ours_us']:.1f} µs | "
        f"{f['ours_ms']:.0f} ms | 1× |",
        f"| pandas `CustomBusinessHour` (two intervals, RU holidays) | {f['pandas_us']:.1f} µs | "
        f"{f['pandas_ms']:.0f} ms | {f['ratio']:.1f}× slower |",
        "",
        f"On first use the calendar lays out its timeline of working periods (2024-2027 here, "
        f"{f['cold_ms']:.0f} ms), not included above.",
        "",
        "| agreement | starts | share |",
        "|---|---:|---:|",
        f"| comparable: no shortened day and no working weekend from start to deadline | {c} | "
        f"{pct(c, STARTS)} of all |",
        f"| identical deadline | {f['identical']} | {pct(f['identical'], c)} of comparable |",
        f"| same instant in working time: our deadline ends a period (13:00, 18:00), pandas "
        f"gives the next period's start | {f['convention']} | "
        f"{pct(f['convention'], c)} of comparable |",
        f"| different otherwise | {f['differing']} | {pct(f['differing'], c)} of comparable |",
        f"| identical over all starts | {f['all_identical']} | {pct(f['all_identical'], STARTS)} "
        f"of all |",
        f"| not comparable and different (pandas misses the shortened hour or the working "
        f"Saturday) | {f['beyond_pandas']} | {pct(f['beyond_pandas'], STARTS)} of all |",
        "",
        "pandas cannot express weekend working days (2025-11-01), shortened pre-holiday days "
        "(17:00) or a deadline that is a period's end (it rolls 13:00 to 14:00 and 18:00 to the "
        "next morning); the lunch break needs its two-interval form, holidays and transferred "
        "days off come from the `holidays` package, and it works in naive local time.",
    ]
    if differing:
        rows += ["", "Different otherwise (first 10):", ""]
        rows += [
            f"- start {s:%Y-%m-%d %a %H:%M}: ours {o:%Y-%m-%d %H:%M}, pandas {p}"
            for s, o, p in differing[:10]
        ]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    main()
