"""The head of district's dashboard (`otklik.domain.dashboard`, `otklik.service.dashboard`)
against the in-memory fakes, every case built through the use cases with `now` passed in.

February 2026 in Barnaul: Monday the 9th is "yesterday", the dashboard is read on Tuesday the
10th at 16:00 ("today"). A plain working week, 09:00-13:00 and 14:00-18:00.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from otklik.domain.dashboard import (
    DepartmentShare,
    breaches_between,
    day_bounds,
    department_shares,
    open_by_status,
    significant_open,
)
from otklik.domain.errors import Forbidden
from otklik.domain.reports import monthly
from otklik.domain.states import Status
from otklik.domain.values import Author
from otklik.service import cases, dashboard, reports, sweep
from tests.unit.fakes import BARNAUL, FakeCaseStore, fake_deps, local, message

NOW = local(2026, 2, 10, 16, 0)


def mon(hour: int, minute: int = 0) -> datetime:
    return local(2026, 2, 9, hour, minute)


def tue(hour: int, minute: int = 0) -> datetime:
    return local(2026, 2, 10, hour, minute)


@pytest.fixture
def deps():
    return fake_deps()


def who(deps, login: str):
    return deps.directory.actor(login)


def arrived(deps, n: int, detected: datetime, *, importance: str = "medium"):
    """Message number `n` (its own post and author), received five minutes after detection and
    routed a minute later (routing is what reports a significant one to the head)."""
    post = f"https://vk.com/wall-170171414_{52100 + n}?reply={52200 + n}"
    case = cases.receive_message(
        deps,
        message(
            external_id=f"im-{n}",
            url=post,
            author=Author(f"id{n}", f"Житель {n}", f"https://vk.com/id{n}"),
            detected_at=detected,
            importance=importance,
        ),
        detected + timedelta(minutes=5),
    ).case
    return cases.route(deps, case.case_id, detected + timedelta(minutes=6))


def accept(deps, case, department: str, now: datetime):
    return cases.triage(
        deps,
        who(deps, "tech"),
        case.case_id,
        decision="accept",
        departments=[department],
        reason="",
        now=now,
    )


def answered(deps, case, executor: str, start: datetime):
    """The whole answer: a draft, the internal approval, the curator's, the publication."""
    _, draft_id = cases.submit_draft(
        deps,
        who(deps, executor),
        case.case_id,
        text="Ответ жителю.",
        kind="final",
        attachments=[],
        now=start,
    )
    cases.approve_draft(
        deps, who(deps, "resp"), case.case_id, draft_id, start + timedelta(minutes=5)
    )
    cases.curator_decision(
        deps,
        external_id=case.message.external_id,
        event="draft_approved",
        draft_id=draft_id,
        comment="",
        now=start + timedelta(minutes=10),
        delivery_key=f"callback:{case.case_id}",
    )
    return cases.record_publication(
        deps,
        who(deps, "tech"),
        case.case_id,
        url=case.message.url + "&answer=1",
        now=start + timedelta(minutes=15),
    )


@pytest.fixture
def week(deps):
    """Four messages:
    Y  Mon 10:00  T1 missed (swept at 10:36), then given to ЖКХ and answered by 11:15: T2 met
    I  Mon 10:00  high importance, never triaged: T1 and T3 missed Monday, T2 (Tue 11:00) today
    R  Mon 14:00  given to «Дороги» in time, never answered: T3 (Tue 10:00) and T2 (Tue 15:00)
                  missed today, neither swept
    S  Tue 11:00  high importance, received 11:05, never triaged: T1 (Tue 11:35) missed today
    """
    y = arrived(deps, 1, mon(10))
    sweep.sweep(deps, mon(10, 36))
    accept(deps, y, "housing", mon(10, 40))
    y = answered(deps, y, "housing", mon(11))
    i = arrived(deps, 2, mon(10), importance="high")
    r = arrived(deps, 3, mon(14))
    r = accept(deps, r, "roads", mon(14, 10))
    s = arrived(deps, 4, tue(11), importance="high")
    return {"Y": y, "I": i, "R": r, "S": s}


def test_today_is_the_local_day_of_the_display_time_zone():
    late_evening_utc = datetime(2026, 2, 9, 18, 30, tzinfo=UTC)  # 01:30 on the 10th in Barnaul

    day, since, until = day_bounds(late_evening_utc, BARNAUL)

    assert (day.isoformat(), since, until) == ("2026-02-10", tue(0), local(2026, 2, 11))
    moscow_day, _, _ = day_bounds(late_evening_utc, ZoneInfo("Europe/Moscow"))
    assert moscow_day.isoformat() == "2026-02-09"  # 21:30 in Moscow


def test_todays_breaches_are_listed_newest_first_and_yesterdays_are_not(deps, week):
    board = dashboard.build_dashboard(deps, who(deps, "head"), NOW)

    listed = [(b.case_id, b.timer, b.recorded_at) for b in board.breaches]
    assert listed == [
        (week["R"].case_id, "answer_due", tue(15)),
        (week["S"].case_id, "triage_due", tue(11, 35)),
        (week["I"].case_id, "answer_due", tue(11)),
        (week["R"].case_id, "send_to_curator_due", tue(10)),
    ]
    everything = reports.build_breaches(deps, "2026-02", NOW)
    yesterday = {(b.case_id, b.timer) for b in everything if b.recorded_at < tue(0)}
    assert (week["Y"].case_id, "triage_due") in yesterday  # swept Monday: not today's
    assert yesterday.isdisjoint((b.case_id, b.timer) for b in board.breaches)


def test_breaches_name_officials_and_departments_by_name_in_local_time(deps, week):
    board = dashboard.build_dashboard(deps, who(deps, "resp"), NOW)
    view = dashboard.dashboard_view(board, deps.display_tz)

    [answer] = [
        b
        for b in view["breaches"]
        if (b["case_id"], b["timer"]) == (week["R"].case_id, "answer_due")
    ]
    names = {m.login: m.name for m in deps.directory.all_staff()}
    assert answer["officials"] and all(o in names.values() for o in answer["officials"])
    assert names["resp"] in answer["officials"]
    assert not set(answer["officials"]) & set(names)  # no login shown
    assert answer["departments"] == ["Дороги"]
    assert (answer["due"], answer["recorded_at"]) == (
        "2026-02-10T15:00:00+07:00",
        "2026-02-10T15:00:00+07:00",
    )
    assert answer["party"] == "administration"
    assert view["day"] == "2026-02-10" and view["month"] == "2026-02"


def test_only_todays_significant_messages_still_open_are_listed(deps, week):
    board = dashboard.build_dashboard(deps, who(deps, "head"), NOW)

    assert week["I"].significance == "high_importance"  # reported, but yesterday
    assert [c.case_id for c in board.significant] == [week["S"].case_id]
    view = dashboard.dashboard_view(board, deps.display_tz)
    [item] = view["significant"]
    assert (item["significance"], item["status"], item["received_at"]) == (
        "high_importance",
        "received",
        "2026-02-10T11:05:00+07:00",
    )

    closed = replace(board.significant[0], status=Status.WITHDRAWN)
    assert significant_open([closed], tue(0), local(2026, 2, 11)) == []


def test_each_department_has_its_on_time_share_of_the_month(deps, week):
    board = dashboard.build_dashboard(deps, who(deps, "head"), NOW)

    assert board.departments == [
        DepartmentShare("roads", answered=0, on_time=0, late=1, in_work=1),
        DepartmentShare("housing", answered=1, on_time=1, late=0, in_work=0),
    ]
    shares = {
        d["name"]: d["share"] for d in dashboard.dashboard_view(board, BARNAUL)["departments"]
    }
    assert shares == {"Дороги": 0.0, "ЖКХ": 1.0}
    assert board.open_by_status == {Status.RECEIVED: 2, Status.IN_WORK: 1}


def test_a_quiet_department_is_shown_and_one_no_longer_in_the_directory_too(deps, week):
    store = deps.store()
    report = monthly(
        "2026-02", store.get_many(store.case_ids_of_month("2026-02")), deps.policy, NOW
    )

    rows = department_shares(report, ["parks", "housing"])

    assert [r.department for r in rows] == ["parks", "housing", "roads"]  # "—" is nobody's
    assert rows[0] == DepartmentShare("parks", 0, 0, 0, 0) and rows[0].share is None


def test_open_cases_are_counted_by_status_in_workflow_order(deps, week):
    store = deps.store()
    found = store.get_many([c.case_id for c in week.values()])

    counts = open_by_status(found)

    assert list(counts) == [Status.RECEIVED, Status.IN_WORK]  # answered Y is not open
    assert sum(counts.values()) == 3


def test_a_breach_at_midnight_belongs_to_the_day_it_begins(deps, week):
    breach = reports.build_breaches(deps, "2026-02", NOW)[0]
    at_midnight = replace(breach, recorded_at=tue(0))

    assert breaches_between([at_midnight], tue(0), local(2026, 2, 11)) == [at_midnight]
    assert breaches_between([at_midnight], mon(0), tue(0)) == []


@pytest.mark.parametrize("login", ["tech", "roads", "housing"])
def test_only_the_readers_of_the_reports_see_the_dashboard(deps, week, login):
    with pytest.raises(Forbidden):
        dashboard.build_dashboard(deps, who(deps, login), NOW)


def test_the_dashboard_reads_each_case_of_the_month_once(deps, week, monkeypatch):
    """The breaches and the month's figures come from one reading of the month's cases."""
    asked: list[str] = []
    get_many = FakeCaseStore.get_many

    def counted(self, case_ids):
        case_ids = list(case_ids)
        asked.extend(case_ids)
        return get_many(self, case_ids)

    monkeypatch.setattr(FakeCaseStore, "get_many", counted)
    dashboard.build_dashboard(deps, who(deps, "head"), NOW)

    open_ids = [i for i, _ in deps.store().open_case_ids()]
    month_reads = list(asked)
    for case_id in open_ids:  # the open cases are read once more, for what is open now
        month_reads.remove(case_id)
    assert sorted(month_reads) == sorted({c.case_id for c in week.values()})
