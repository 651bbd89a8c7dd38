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
from otklik.entrypoints.schemas import ManualMessageIn, MessageIn
from otklik.service import cases
from otklik.service.reports import build_breaches, build_monthly, to_csv, to_html, to_xlsx
from otklik.service.sweep import sweep

BARNAUL = ZoneInfo("Asia/Barnaul")
MONTH = "2030-10"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2030, 10, day, hour, minute, tzinfo=BARNAUL)


def receive(detected: datetime, topic: str = "Дороги"):
    body = {
        "external_id": f"report-{uuid.uuid4().hex[:10]}",
        "detected_at": detected.isoformat(),
        "network": "vk",
        "url": f"https://vk.com/wall-7_{uuid.uuid4().int % 10**6}",
        "author": {"id": f"id{uuid.uuid4().int % 10**8}", "name": "Житель"},
        "text": "Прошу ответить",
        "topic": topic,
        "location": "с. Берёзовка",
        "importance": "medium",
        "curator": {"id": "c-1", "name": "Куратор"},
    }
    return cases.receive_message(deps(), MessageIn.model_validate(body).to_domain(), detected).case


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
    cases.record_publication(
        d, tech, a.case_id, url="https://vk.com/wall-7_1?reply=2", now=at(1, 10, 20)
    )
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
    cases.record_publication(
        d, tech, x.case_id, url="https://vk.com/wall-7_3?reply=4", now=at(2, 11, 0)
    )
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
    cases.record_publication(
        d, tech, e.case_id, url="https://vk.com/wall-7_5?reply=6", now=at(2, 9, 30)
    )
    final = answer(e.case_id, executor="housing", draft_at=at(7, 10, 0), approve_at=at(7, 10, 5))
    curator(e.case_id, e.message.external_id, "draft_approved", final, at(7, 10, 10))
    cases.record_publication(
        d, tech, e.case_id, url="https://vk.com/wall-7_5?reply=7", now=at(7, 10, 20)
    )
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
