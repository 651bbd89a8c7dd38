"""The production calendar shipped precomputed is what the `holidays` package says, and using a
covered year does not import the package (a cold start does not pay for it)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

from otklik.domain import production_calendar as pc
from otklik.domain.calendar import WorkingCalendar

BARNAUL = ZoneInfo("Asia/Barnaul")


def test_the_shipped_table_is_the_packages_answer():
    assert pc._shipped() == pc.table("RU"), (
        "shared/otklik/data/production_calendar.json is stale: run "
        "`cd shared && python -m otklik.domain.production_calendar`"
    )


def test_a_year_beyond_the_table_comes_from_the_package():
    calendar = pc.ProductionCalendar("RU")
    assert str(pc.LAST_YEAR + 1) not in calendar._table
    later = calendar.year(pc.LAST_YEAR + 1)
    assert later == pc.compute("RU", pc.LAST_YEAR + 1)
    assert date(pc.LAST_YEAR + 1, 1, 1) in later.days_off


def test_another_countrys_calendar_is_not_read_from_the_russian_table():
    calendar = pc.ProductionCalendar("BY")
    assert calendar._table == {}
    assert calendar.is_day_off(date(2026, 7, 3))  # Independence Day of Belarus


def test_counting_a_covered_year_does_not_import_the_package():
    code = (
        "import sys; from datetime import datetime; from zoneinfo import ZoneInfo;"
        "from otklik.domain.calendar import WorkingCalendar;"
        "c = WorkingCalendar();"
        "print(c.add_working_minutes(datetime(2026, 12, 31, 16, tzinfo=ZoneInfo('Asia/Barnaul')),"
        " 120).isoformat());"
        "print('holidays' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="shared"
    ).stdout.split()
    # 31 Dec 2026 is a day off (transferred from 4 Jan); Jan 1-8 are holidays: Mon 11 Jan 11:00
    assert out == ["2027-01-11T04:00:00+00:00", "False"]
    assert WorkingCalendar().add_working_minutes(
        datetime(2026, 12, 31, 16, tzinfo=BARNAUL), 120
    ) == datetime(2027, 1, 11, 11, tzinfo=BARNAUL)
