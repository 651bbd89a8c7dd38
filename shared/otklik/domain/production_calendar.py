"""The production calendar's days off and working weekend days, year by year.

They come from the `holidays` package, but are shipped precomputed (`data/production_calendar.json`)
for the years the package and the official calendars are known for, so that a Lambda cold start
does not import the package (tens of milliseconds); a year outside the table is computed from the
package on first use. After an update of the `holidays` package (or for a new year) rewrite the
table with `python -m otklik.domain.production_calendar` (from `shared/`);
`tests/unit/test_calendar.py` checks that the shipped table is what the package says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from importlib import resources

TABLE = "production_calendar.json"
FIRST_YEAR, LAST_YEAR = 2025, 2030


@dataclass(frozen=True)
class Year:
    days_off: dict[date, str]  # holidays and transferred days off, with the package's names
    weekend_workdays: frozenset[date]


def compute(country: str, year: int) -> Year:
    """One year as the `holidays` package has it (English names: stable across releases, and
    the transfers are read from them)."""
    import holidays

    known = holidays.country_holidays(country, years=[year], language="en_US")
    return Year(
        {day: name for day, name in sorted(known.items()) if day.year == year},
        frozenset(d for d in getattr(known, "weekend_workdays", ()) if d.year == year),
    )


def table(country: str, first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> dict:
    """The shipped table's content for `country` and the years given."""
    years = {}
    for year in range(first_year, last_year + 1):
        found = compute(country, year)
        years[str(year)] = {
            "days_off": {d.isoformat(): name for d, name in found.days_off.items()},
            "weekend_workdays": sorted(d.isoformat() for d in found.weekend_workdays),
        }
    return {"country": country, "years": years}


def _shipped() -> dict:
    with resources.files("otklik.data").joinpath(TABLE).open(encoding="utf-8") as f:
        return json.load(f)


class ProductionCalendar:
    """Days off and working weekend days of one country, from the table or the package."""

    def __init__(self, country: str, shipped: dict | None = None) -> None:
        self.country = country
        data = _shipped() if shipped is None else shipped
        self._table = data.get("years", {}) if data.get("country") == country else {}
        self._years: dict[int, Year] = {}

    def year(self, year: int) -> Year:
        found = self._years.get(year)
        if found is None:
            raw = self._table.get(str(year))
            if raw is None:
                found = compute(self.country, year)
            else:
                found = Year(
                    {date.fromisoformat(d): n for d, n in raw["days_off"].items()},
                    frozenset(date.fromisoformat(d) for d in raw["weekend_workdays"]),
                )
            self._years[year] = found
        return found

    def is_day_off(self, day: date) -> bool:
        return day in self.year(day.year).days_off

    def weekend_workdays(self, year: int) -> frozenset[date]:
        return self.year(year).weekend_workdays


if __name__ == "__main__":
    target = resources.files("otklik.data").joinpath(TABLE)
    text = json.dumps(table("RU"), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    with resources.as_file(target) as path:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
