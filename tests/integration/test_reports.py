"""The monthly report (clause 23) and the breach report (clause 22) on a fixture month whose
figures were computed by hand, through the real store and the staff API.

October 2030 (Tuesday the 1st, no holidays) is used by no other test. Five messages:
  A  Tue 09:00  answered, every timer met, approved by the curator the first time; 80 min
  B  Tue 11:00  returned to the curator at 11:20 (T1 met)
  C  Tue 11:00  not processable at 11:40 (T1, due 11:30, late; the sweeper saw it at 11:35)
  D  Tue 14:00  returned once by the curator, reworked in time; the curator's second decision
                and the publication late; T2 (Wed 15:00) met; answered Wed 11:00 = 360 min
  E  Wed 09:00  interim answer at 09:30 (30 min), final on Mon Oct 7 within T7 (Fri Oct 11)
"""

from __future__ import annotations

import base64
import csv
import io
import json
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from otklik.bootstrap import deps
from otklik.domain.policy import Deadline
from otklik.domain.reports import percentile
from otklik.entrypoints.schemas import ManualMessageIn
from otklik.service import cases
from otklik.service.reports import build_breaches, build_monthly, to_csv, to_html, to_xlsx
from otklik.service.sweep import sweep
from tests.integration.messages import vk_message

BARNAUL = ZoneInfo("Asia/Barnaul")
MONTH = "2030-10"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2030, 10, day, hour, minute, tzinfo=BARNAUL)


def receive(detected: datetime, topic: str = "Дороги"):
    return cases.receive_message(deps(), vk_message("report", detected, topic=topic), detected).case


def who(login: str):
    return deps().directory.staff(login).actor()


def answer(case_id, *, executor, draft_at, approve_at, kind="final"):
    d = deps()
    _, draft_id = cases.submit_draft(
        d, who(executor), case_id, text="Ответ жителю", kind=kind, attachments=[], now=draft_at
    )
    cases.approve_draft(d, who("resp"), case_id, draft_id, approve_at)
    return draft_id


def curator(case_id, external_id, event, draft_id, now, comment=""):
    return cases.curator_decision(
        deps(),
        external_id=external_id,
        event=event,
        draft_id=draft_id,
        comment=comment,
        now=now,
        delivery_key=f"test:{uuid.uuid4().hex}",
    )


@pytest.fixture(scope="module")
def month(aws):
    d = deps()
    tech = who("tech")
    made = {}

    a = receive(at(1, 9, 0))
    cases.triage(
        d, tech, a.case_id, decision="accept", departments=["roads"], reason="", now=at(1, 9, 10)
    )
    draft = answer(a.case_id, executor="roads", draft_at=at(1, 9, 30), approve_at=at(1, 9, 40))
    curator(a.case_id, a.message.external_id, "draft_approved", draft, at(1, 10, 0))
    cases.record_publication(d, tech, a.case_id, url=f"{a.message.url}?reply=2", now=at(1, 10, 20))
    made["A"] = a

    b = receive(at(1, 11, 0), topic="Транспорт")
    cases.triage(
        d,
        tech,
        b.case_id,
        decision="return",
        departments=[],
        reason="Вопрос регионального уровня",
        now=at(1, 11, 20),
    )
    made["B"] = b

    c = receive(at(1, 11, 0), topic="Транспорт")
    sweep(d, at(1, 11, 35))
    cases.triage(
        d,
        tech,
        c.case_id,
        decision="not_processable",
        departments=[],
        reason="Нецензурная брань",
        now=at(1, 11, 40),
    )
    made["C"] = c

    x = receive(at(1, 14, 0))
    cases.triage(
        d, tech, x.case_id, decision="accept", departments=["roads"], reason="", now=at(1, 14, 20)
    )
    first = answer(x.case_id, executor="roads", draft_at=at(1, 15, 0), approve_at=at(1, 15, 30))
    curator(
        x.case_id,
        x.message.external_id,
        "draft_returned",
        first,
        at(1, 15, 50),
        comment="Добавьте сроки ремонта",
    )
    second = answer(x.case_id, executor="roads", draft_at=at(1, 16, 30), approve_at=at(1, 16, 40))
    curator(x.case_id, x.message.external_id, "draft_approved", second, at(2, 9, 30))
    cases.record_publication(d, tech, x.case_id, url=f"{x.message.url}?reply=4", now=at(2, 11, 0))
    made["D"] = x

    e = receive(at(2, 9, 0), topic="ЖКХ")
    cases.triage(
        d, tech, e.case_id, decision="accept", departments=["housing"], reason="", now=at(2, 9, 5)
    )
    interim = answer(
        e.case_id,
        executor="housing",
        draft_at=at(2, 9, 10),
        approve_at=at(2, 9, 15),
        kind="interim",
    )
    curator(e.case_id, e.message.external_id, "draft_approved", interim, at(2, 9, 20))
    cases.record_publication(d, tech, e.case_id, url=f"{e.message.url}?reply=6", now=at(2, 9, 30))
    final = answer(e.case_id, executor="housing", draft_at=at(7, 10, 0), approve_at=at(7, 10, 5))
    curator(e.case_id, e.message.external_id, "draft_approved", final, at(7, 10, 10))
    cases.record_publication(d, tech, e.case_id, url=f"{e.message.url}?reply=7", now=at(7, 10, 20))
    made["E"] = e
    return made


def test_counts_match_the_hand_computed_month(month):
    report = build_monthly(deps(), MONTH, at(31, 12, 0))
    t = report.total

    assert (t.received, t.returned, t.not_processable, t.answered, t.interim, t.open) == (
        5,
        1,
        1,
        3,
        0,
        0,
    )
    on_time = {d: (t.timers[d].met, t.timers[d].late) for d in Deadline}
    assert on_time == {
        Deadline.TRIAGE: (4, 1),  # C late
        Deadline.ANSWER: (3, 0),  # B and C closed before it fell due: not counted
        Deadline.SEND_TO_CURATOR: (3, 0),
        Deadline.CURATOR_DECISION: (2, 1),  # D's second decision (due Tue 17:10) on Wed
        Deadline.REWORK: (1, 0),
        Deadline.PUBLISH: (2, 1),  # D published at 11:00, due 10:00
        Deadline.FINAL_ANSWER: (1, 0),
        Deadline.CONTRIBUTION: (0, 0),
    }
    assert sorted(t.answer_minutes) == [30, 80, 360]
    assert t.median_answer_minutes == 80
    assert t.p90_answer_minutes == pytest.approx(80 + 0.8 * (360 - 80))
    assert (t.first_time_approved, t.curator_reviewed) == (2, 3)
    assert t.curator_returns == 1
    assert t.interim_finalised_on_time == 1
    assert t.repeated == 0
    assert report.parties[Deadline.CURATOR_DECISION].value == "curator"


def test_departments_and_topics_are_split_and_small_ones_not_ranked(month):
    report = build_monthly(deps(), MONTH, at(31, 12, 0))

    assert {k: f.received for k, f in report.by_department.items()} == {
        "roads": 2,
        "housing": 1,
        "—": 2,
    }
    assert {k: f.received for k, f in report.by_topic.items()} == {
        "Дороги": 2,
        "Транспорт": 2,
        "ЖКХ": 1,
    }
    assert report.ranked == []  # fewer than 5 messages each
    assert set(report.too_few) == {"roads", "housing", "—"}


def test_a_department_with_enough_messages_is_ranked(month):
    from otklik.domain.reports import monthly

    store = deps().store()
    month_cases = store.get_many(store.case_ids_of_month(MONTH))
    report = monthly(MONTH, month_cases, deps().policy, at(31, 12, 0), min_for_ranking=2)

    assert report.ranked == ["roads"]
    assert "housing" in report.too_few


def test_percentile_interpolates_like_a_spreadsheet():
    assert percentile([30, 80, 360], 50) == 80
    assert percentile([1, 2, 3, 4], 90) == pytest.approx(3.7)
    assert percentile([], 50) is None


def test_breach_report_names_the_officials_and_departments(month):
    breaches = [b for b in build_breaches(deps(), MONTH) if b.case_id == month["C"].case_id]

    assert len(breaches) == 1
    only = breaches[0]
    assert only.timer == "triage_due"
    assert only.party == "administration"
    assert only.accountable_role == "technical"
    assert "tech" in only.officials
    assert only.due == at(1, 11, 30)


def test_csv_and_xlsx_carry_the_same_figures(month):
    report = build_monthly(deps(), MONTH, at(31, 12, 0))

    rows = list(csv.reader(io.StringIO(to_csv(report).lstrip("\ufeff")), delimiter=";"))
    header, total = rows[0], rows[1]
    assert total[:3] == ["Итого", MONTH, "5"]
    assert total[header.index("Возвращено")] == "1"

    book = load_workbook(io.BytesIO(to_xlsx(report, build_breaches(deps(), MONTH))))
    sheet = book["Отчёт"]
    assert [c.value for c in sheet[2]][:3] == ["Итого", MONTH, 5]
    assert "Нарушения" in book.sheetnames


def test_the_report_is_served_to_the_head_and_refused_to_an_executor(
    month, handler, api_event, lambda_context
):
    staff = handler("staff_api")

    def token(login):
        event = api_event("POST", "/api/v1/auth/login", {"login": login, "password": "demo"})
        return json.loads(staff(event, lambda_context)["body"])["token"]

    def get(login, fmt):
        event = api_event(
            "GET",
            "/api/v1/reports/monthly",
            headers={"authorization": f"Bearer {token(login)}"},
            query={"month": MONTH, "format": fmt},
        )
        return staff(event, lambda_context)

    html = get("head", "html")
    assert html["statusCode"] == 200
    assert "<svg" in html["body"] and "Отчёт о работе" in html["body"]
    assert html["body"].count("<svg") >= 3

    xlsx = get("resp", "xlsx")
    assert xlsx["statusCode"] == 200
    assert xlsx["isBase64Encoded"] is True
    import base64

    book = load_workbook(io.BytesIO(base64.b64decode(xlsx["body"])))
    assert book["Отчёт"]["C2"].value == 5

    refused = get("roads", "html")
    assert refused["statusCode"] == 403
    assert json.loads(refused["body"])["error"]["code"] == "forbidden"


@pytest.mark.parametrize("month", ["9999-12", "2027-3", "1999-12", "2030-13", "сентябрь"])
def test_a_month_out_of_form_or_range_is_refused_not_a_crash(
    aws, handler, api_event, lambda_context, month
):
    staff = handler("staff_api")
    login = api_event("POST", "/api/v1/auth/login", {"login": "head", "password": "demo"})
    token = json.loads(staff(login, lambda_context)["body"])["token"]
    for path in ("/api/v1/reports/monthly", "/api/v1/reports/breaches"):
        answer = staff(
            api_event(
                "GET", path, headers={"authorization": f"Bearer {token}"}, query={"month": month}
            ),
            lambda_context,
        )
        assert answer["statusCode"] == 422
        assert json.loads(answer["body"])["error"]["fields"] == {"month": month}


def test_messages_are_counted_by_source(aws):
    """Two messages by webhook and one registered by hand in a month (other tests may use the
    month too: what these add is counted)."""
    detected = datetime(2030, 11, 5, 10, 0, tzinfo=BARNAUL)
    until = datetime(2030, 11, 30, 12, 0, tzinfo=BARNAUL)
    before = build_monthly(deps(), "2030-11", until)
    was = {s: (f.received, f.not_processable) for s, f in before.by_source.items()}
    for _ in range(2):
        receive(detected)
    manual = cases.register_message(
        deps(),
        who("tech"),
        ManualMessageIn.model_validate(
            {
                "url": f"https://ok.ru/group/5/topic/{uuid.uuid4().int % 10**8}",
                "text": "Прошу ответить",
                "author": {"name": "Житель"},
                "detected_at": "2030-11-05T10:30",
                "topic": "ЖКХ",
                "importance": "low",
            }
        ).to_domain(BARNAUL),
        datetime(2030, 11, 5, 10, 40, tzinfo=BARNAUL),
    ).case
    cases.triage(
        deps(),
        who("tech"),
        manual.case_id,
        decision="not_processable",
        departments=[],
        reason="Нецензурная брань.",
        now=datetime(2030, 11, 5, 10, 50, tzinfo=BARNAUL),
    )

    report = build_monthly(deps(), "2030-11", until)

    now = {s: (f.received, f.not_processable) for s, f in report.by_source.items()}
    added = {
        s: tuple(a - b for a, b in zip(v, was.get(s, (0, 0)), strict=True)) for s, v in now.items()
    }
    assert added == {"manual": (1, 1), "webhook": (2, 0)}
    rows = list(csv.reader(io.StringIO(to_csv(report).lstrip("\ufeff")), delimiter=";"))
    by_source = {r[1]: int(r[2]) for r in rows if r[0] == "Источник"}
    assert by_source == {
        "Зарегистрировано вручную": now["manual"][0],
        "Из системы мониторинга (интеграция)": now["webhook"][0],
    }


def test_the_html_report_and_its_charts_escape_what_citizens_typed(aws):
    topic = '<script>alert("x")</script> & <b>Дороги</b>'
    receive(datetime(2030, 12, 3, 10, 0, tzinfo=BARNAUL), topic=topic)
    report = build_monthly(deps(), "2030-12", datetime(2030, 12, 31, 12, 0, tzinfo=BARNAUL))

    html = to_html(report, [], BARNAUL, {})

    assert "<script>alert" not in html and "<b>Дороги" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;Дороги" in html
    svg = html[html.index('<svg class="chart"') : html.index("</svg>")]
    assert "<text" in svg and "<rect" in svg  # the chart is drawn


# -- July 2030 (Monday the 1st): T2 breaches the sweeper never saw, as officials read them ------

JULY = "2030-07"


def july(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2030, 7, day, hour, minute, tzinfo=BARNAUL)


@pytest.fixture(scope="module")
def t2_month(aws):
    """Two messages on 1 July, neither swept: L answered a day after its T2 fell due (T2 ended
    late), O left open past its T2 (running past due at the report's moment)."""
    d = deps()
    tech = who("tech")
    late = receive(july(1, 9, 0))
    cases.triage(
        d,
        tech,
        late.case_id,
        decision="accept",
        departments=["roads"],
        reason="",
        now=july(1, 9, 5),
    )
    draft = answer(
        late.case_id, executor="roads", draft_at=july(3, 9, 0), approve_at=july(3, 9, 10)
    )
    curator(late.case_id, late.message.external_id, "draft_approved", draft, july(3, 9, 20))
    cases.record_publication(
        d, tech, late.case_id, url=f"{late.message.url}?reply=10", now=july(3, 9, 30)
    )
    left = receive(july(1, 10, 0), topic="ЖКХ")
    cases.triage(
        d,
        tech,
        left.case_id,
        decision="accept",
        departments=["housing"],
        reason="",
        now=july(1, 10, 5),
    )
    return {"L": deps().store().get(late.case_id), "O": deps().store().get(left.case_id)}


def names_of_directory():
    d = deps()
    return (
        {x.id: x.name for x in d.directory.departments()},
        {m.login: m.name for m in d.directory.all_staff()},
    )


def test_t2_breaches_the_sweeper_never_saw_are_listed_by_name(t2_month):
    now = july(31, 12)
    report = build_monthly(deps(), JULY, now)
    departments, staff = names_of_directory()
    late, left = t2_month["L"], t2_month["O"]

    assert report.total.timers[Deadline.ANSWER].late == 2
    assert not late.escalations and not left.escalations  # never swept
    listed = {(b.case_id, b.timer) for b in build_breaches(deps(), JULY, now)}
    assert {(late.case_id, "answer_due"), (left.case_id, "answer_due")} <= listed

    html = to_html(report, build_breaches(deps(), JULY, now), BARNAUL, departments)
    assert "Нарушений сроков не зафиксировано" not in html
    section = html[html.index("Нарушения сроков (п. 22)") :]
    assert late.message.external_id in section and left.message.external_id in section
    assert "публикация ответа (T2)" in section
    assert staff["resp"] in section  # T2 is the responsible executor's: by name, not login
    assert ">resp<" not in section and ">roads<" not in section
    assert departments["roads"] in section and departments["housing"] in section
    due = late.timers["answer_due"].due
    assert f"{due.astimezone(BARNAUL).day} июля 2030, {due.astimezone(BARNAUL):%H:%M}" in section


def test_the_xlsx_has_local_times_numbers_percentages_and_names(t2_month):
    now = july(31, 12)
    report = build_monthly(deps(), JULY, now)
    departments, staff = names_of_directory()
    book = load_workbook(io.BytesIO(to_xlsx(report, build_breaches(deps(), JULY, now))))

    sheet = book["Отчёт"]
    header = [c.value for c in sheet[1]]
    t2 = next(i for i, h in enumerate(header) if h and h.startswith("публикация ответа (T2)"))
    total = sheet[2]
    assert total[2].value == report.total.received and total[2].data_type == "n"
    assert total[t2].value == 0 and total[t2].data_type == "n"  # 0 of 2 on time
    assert total[t2].number_format == "0%"
    groups = [r[1].value for r in sheet.iter_rows(min_row=2) if r[0].value == "Отдел"]
    assert departments["roads"] in groups and departments["housing"] in groups
    assert "roads" not in groups

    rows = {r[0].value: r for r in book["Нарушения"].iter_rows(min_row=2)}
    late = t2_month["L"]
    t2_rows = [
        r
        for r in book["Нарушения"].iter_rows(min_row=2)
        if r[0].value == late.message.external_id and r[2].value == "публикация ответа (T2)"
    ]
    assert len(t2_rows) == 1 and rows
    row = t2_rows[0]
    due = late.timers["answer_due"].due.astimezone(BARNAUL).replace(tzinfo=None)
    assert row[3].value == due  # local wall time, not UTC
    assert row[3].is_date and row[3].number_format == "DD.MM.YYYY HH:MM"
    assert row[4].is_date
    assert row[6].value == staff["resp"]
    assert row[7].value == departments["roads"]

    table = list(csv.reader(io.StringIO(to_csv(report).lstrip("\ufeff")), delimiter=";"))
    csv_groups = [r[1] for r in table if r[0] == "Отдел"]
    assert departments["roads"] in csv_groups and "roads" not in csv_groups


def test_the_breach_report_has_a_page_with_names(t2_month, handler, api_event, lambda_context):
    staff_api = handler("staff_api")
    login = api_event("POST", "/api/v1/auth/login", {"login": "head", "password": "demo"})
    token = json.loads(staff_api(login, lambda_context)["body"])["token"]
    departments, staff = names_of_directory()

    def get(**query):
        event = api_event(
            "GET",
            "/api/v1/reports/breaches",
            headers={"authorization": f"Bearer {token}"},
            query={"month": JULY, **query},
        )
        return staff_api(event, lambda_context)

    page = get(format="html")
    assert page["statusCode"] == 200
    assert page["headers"]["Content-Type"].startswith("text/html")
    body = page["body"]
    assert "Нарушения сроков регламента" in body and "Нарушений сроков не зафиксировано" not in body
    # as of today (the page's moment): L's T2 ended late; O's, in 2030, has not yet fallen due
    assert t2_month["L"].message.external_id in body
    assert t2_month["O"].message.external_id not in body
    assert staff["resp"] in body and departments["roads"] in body
    assert ">resp<" not in body and ">roads<" not in body
    assert "ответственный исполнитель" in body  # the role by name
    assert "T" not in body.split("Сформировано", 1)[1].split("<", 1)[0]  # no ISO time

    as_json = get()
    assert as_json["statusCode"] == 200
    listed = json.loads(as_json["body"])["breaches"]
    assert any(b["case_id"] == t2_month["L"].case_id and b["timer"] == "answer_due" for b in listed)


def test_the_breach_report_downloads_as_csv_and_xlsx_with_names_and_local_times(
    t2_month, handler, api_event, lambda_context
):
    staff_api = handler("staff_api")
    login = api_event("POST", "/api/v1/auth/login", {"login": "head", "password": "demo"})
    token = json.loads(staff_api(login, lambda_context)["body"])["token"]
    departments, staff = names_of_directory()
    late = t2_month["L"]
    due = late.timers["answer_due"].due.astimezone(BARNAUL)

    def get(fmt: str) -> dict:
        event = api_event(
            "GET",
            "/api/v1/reports/breaches",
            headers={"authorization": f"Bearer {token}"},
            query={"month": JULY, "format": fmt},
        )
        answer = staff_api(event, lambda_context)
        assert answer["statusCode"] == 200, answer["body"][:300]
        return answer

    as_csv = get("CSV")
    assert as_csv["headers"]["Content-Type"] == "text/csv; charset=utf-8"
    assert as_csv["headers"]["Content-Disposition"] == (
        f'attachment; filename="otklik-breaches-{JULY}.csv"'
    )
    text = (
        base64.b64decode(as_csv["body"]).decode() if as_csv["isBase64Encoded"] else as_csv["body"]
    )
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert table[0][:5] == ["Сообщение", "Тема", "Срок", "Наступил", "Зафиксировано"]
    (t2_row,) = [
        r for r in table if r[0] == late.message.external_id and r[2] == "публикация ответа (T2)"
    ]
    assert t2_row[3] == f"{due:%d.%m.%Y %H:%M}"  # local wall time, not UTC ISO
    assert staff["resp"] in t2_row[6] and "resp" not in t2_row[6].split()
    assert departments["roads"] in t2_row[7]

    as_xlsx = get("xlsx")
    assert as_xlsx["headers"]["Content-Disposition"].endswith(f'otklik-breaches-{JULY}.xlsx"')
    book = load_workbook(io.BytesIO(base64.b64decode(as_xlsx["body"])))
    assert book.sheetnames == ["Нарушения"]
    (row,) = [
        r
        for r in book["Нарушения"].iter_rows(min_row=2)
        if r[0].value == late.message.external_id and r[2].value == "публикация ответа (T2)"
    ]
    assert row[3].value == due.replace(tzinfo=None) and row[3].is_date
    assert row[6].value == staff["resp"]
    assert row[7].value == departments["roads"]
