"""The staff page's data files are what the server's code makes of them today.

`web/calendar.json` (the working periods of `WorkingCalendar`) and `web/vocabulary.json` (the
names of `otklik.vocabulary`) are written by `web/build_data.py`; a stale file would make the
page count or name differently from the server. Every code the domain and the API contract
(openapi.yaml) define has a Russian name. The page's own use of both is checked in the browser
(tests/e2e/test_staff_page.py).
"""

from __future__ import annotations

import importlib.util
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from otklik.domain.calendar import WorkingCalendar
from otklik.domain.policy import DEFAULT_TIMERS, Deadline, Party
from otklik.domain.roles import Role
from otklik.domain.screening import CATEGORIES
from otklik.domain.states import CuratorEvent, DraftKind, DraftStatus, Source, Status
from otklik.domain.timers import Outcome
from otklik.vocabulary import GROUPS, vocabulary

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
STALE = "{} is stale: run .venv/bin/python web/build_data.py"


@pytest.fixture(scope="module")
def build():
    spec = importlib.util.spec_from_file_location("build_data", WEB / "build_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def outputs(build) -> dict[str, str]:
    return build.outputs()


@pytest.fixture(scope="module")
def contract() -> dict:
    return yaml.safe_load((ROOT / "openapi.yaml").read_text("utf-8"))["components"]["schemas"]


# -- the files are current ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["calendar.json", "vocabulary.json"])
def test_the_file_is_what_the_generator_writes_now(outputs, name):
    assert (WEB / name).read_text("utf-8") == outputs[name], STALE.format(f"web/{name}")


def test_the_check_mode_agrees(build, tmp_path, outputs, capsys):
    assert build.main(["--check", "--dir", str(tmp_path)]) == 1  # nothing there yet
    assert build.main(["--dir", str(tmp_path)]) == 0
    assert {p.name: p.read_text("utf-8") for p in tmp_path.iterdir()} == outputs
    assert build.main(["--check", "--dir", str(tmp_path)]) == 0
    (tmp_path / "vocabulary.json").write_text("{}", "utf-8")
    assert build.main(["--check", "--dir", str(tmp_path)]) == 1
    assert "vocabulary.json: stale" in capsys.readouterr().err


# -- the calendar -------------------------------------------------------------------------------


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def test_the_calendar_is_every_working_period_of_the_server_as_utc_instants(build, outputs):
    data = json.loads(outputs["calendar.json"])
    calendar = WorkingCalendar()
    tz = calendar.tz
    assert data["timezone"] == calendar.config.timezone == "Asia/Barnaul"
    assert data["first_year"] == 2025
    assert data["last_year"] == max(2027, date.today().year + 1)
    assert data["covered_from"] == _ms(datetime(2025, 1, 1, tzinfo=tz))
    assert data["covered_until"] == _ms(datetime(data["last_year"] + 1, 1, 1, tzinfo=tz))
    expected = []
    day = date(data["first_year"], 1, 1)
    while day.year <= data["last_year"]:
        for a, b in calendar.periods_of(day):
            expected.append([_ms(datetime.combine(day, a, tz)), _ms(datetime.combine(day, b, tz))])
        day += timedelta(days=1)
    assert data["periods"] == expected
    flat = [t for p in data["periods"] for t in p]
    assert flat == sorted(flat)
    assert all(a < b for a, b in data["periods"])


def test_the_calendar_knows_the_exceptions_of_the_production_calendar(outputs):
    periods = {tuple(p) for p in json.loads(outputs["calendar.json"])["periods"]}
    tz = WorkingCalendar().tz

    def at(y, m, d, hh, mm=0):
        return _ms(datetime(y, m, d, hh, mm, tzinfo=tz))

    # Saturday 2025-11-01 was a working day, shortened (docs/design.md);
    # 2026-11-03 a shortened eve
    assert (at(2025, 11, 1, 9), at(2025, 11, 1, 13)) in periods
    assert (at(2025, 11, 1, 14), at(2025, 11, 1, 17)) in periods
    assert (at(2026, 11, 3, 14), at(2026, 11, 3, 17)) in periods
    assert (at(2026, 11, 2, 14), at(2026, 11, 2, 18)) in periods  # an ordinary Monday
    assert not [p for p in periods if at(2026, 1, 1, 0) <= p[0] < at(2026, 1, 12, 0)]
    assert not [p for p in periods if at(2026, 11, 4, 0) <= p[0] < at(2026, 11, 5, 0)]


def test_a_calendar_of_other_years_covers_those_years_only(build):
    data = build.build_calendar(first_year=2026, last_year=2026)
    tz = WorkingCalendar().tz
    assert (data["first_year"], data["last_year"]) == (2026, 2026)
    assert data["covered_from"] == _ms(datetime(2026, 1, 1, tzinfo=tz))
    assert data["covered_until"] == _ms(datetime(2027, 1, 1, tzinfo=tz))
    assert data["covered_from"] <= data["periods"][0][0]
    assert data["periods"][-1][1] <= data["covered_until"]


# -- the vocabulary -----------------------------------------------------------------------------


def test_the_vocabulary_file_is_the_vocabulary(outputs):
    data = json.loads(outputs["vocabulary.json"])
    assert data.pop("_comment").startswith("Generated by web/build_data.py")
    assert data == vocabulary()
    assert list(data) == list(GROUPS)
    for group, names in data.items():
        assert names, group
        for code, title in names.items():
            assert type(code) is str and code, group
            assert isinstance(title, str) and title.strip() == title and title, (group, code)


@pytest.mark.parametrize(
    ("group", "enum"),
    [
        ("statuses", Status),
        ("roles", Role),
        ("deadlines", Deadline),
        ("timers", Deadline),
        ("sources", Source),
        ("draft_statuses", DraftStatus),
        ("draft_kinds", DraftKind),
        ("outcomes", Outcome),
        ("parties", Party),
        ("curator_events", CuratorEvent),
    ],
)
def test_every_code_of_the_domain_has_a_name(group, enum):
    assert set(vocabulary()[group]) == {member.value for member in enum}


def test_the_server_and_the_page_share_the_same_names():
    from otklik.domain.policy import DEADLINE_TITLES_RU
    from otklik.domain.roles import ROLE_TITLES_RU
    from otklik.domain.states import SOURCE_TITLES_RU, STATUS_TITLES_RU

    names = vocabulary()
    assert names["statuses"] == {s.value: t for s, t in STATUS_TITLES_RU.items()}
    assert names["roles"] == {r.value: t for r, t in ROLE_TITLES_RU.items()}
    assert names["deadlines"] == {d.value: t for d, t in DEADLINE_TITLES_RU.items()}
    assert names["sources"] == {s.value: t for s, t in SOURCE_TITLES_RU.items()}
    assert names["timers"] == {t.deadline.value: t.timer for t in DEFAULT_TIMERS}
    # a deadline's name carries its timer's number: «публикация ответа (T2)»
    for deadline, title in names["deadlines"].items():
        assert title.endswith(f"({names['timers'][deadline]})"), deadline


def _enum_at(schemas: dict, path: str) -> set:
    node = schemas
    for key in path.split("."):
        node = node[key]
    return {v for v in node["enum"] if v is not None}


@pytest.mark.parametrize(
    ("group", "path"),
    [
        ("statuses", "Status"),
        ("roles", "Role"),
        ("draft_statuses", "DraftStatus"),
        ("draft_kinds", "DraftKind"),
        ("parties", "Party"),
        ("attachment_types", "AttachmentType"),
        ("networks", "CaseSummary.properties.network"),
        ("importance", "CaseSummary.properties.importance"),
        ("sources", "CaseSummary.properties.source"),
        ("deadlines", "Timer.properties.deadline"),
        ("outcomes", "Timer.properties.outcome"),
        ("escalation_kinds", "Escalation.properties.kind"),
        ("curator_events", "CallbackIn.properties.event"),
    ],
)
def test_every_code_of_the_contract_has_a_name(contract, group, path):
    assert set(vocabulary()[group]) == _enum_at(contract, path)


def test_every_code_of_the_case_detail_has_a_name(contract):
    detail = contract["CaseDetail"]["allOf"][1]["properties"]
    assert set(vocabulary()["significance"]) == _enum_at(detail, "significance")
    assert set(vocabulary()["timers"].values()) == _enum_at(contract, "Timer.properties.timer")


def test_every_clause_20_category_of_the_lexicon_has_a_name():
    assert set(vocabulary()["flags"]) == set(CATEGORIES)
