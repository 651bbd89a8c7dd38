"""No stored input breaks a report or carries a formula into it (issue "Hardening", item 2).

Messages of March 2031 (used by no other test) are stored as they are, past any validation of
the intake (the case as the store holds it is what the reports read): the six classic formula
payloads as topic and external id, and one message with NUL and every other C0 character in
every text field. Each is then left past its T1 so that it is also a breach (the XLSX's second
sheet and the HTML's breach table carry the external id).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import uuid
import zipfile
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from otklik.bootstrap import deps
from otklik.domain import values
from otklik.service import cases
from otklik.service.reports import (
    breaches_to_csv,
    breaches_to_xlsx,
    build_breaches,
    build_monthly,
    clean_text,
    csv_cell,
    rows,
    to_csv,
    to_html,
    to_xlsx,
)
from otklik.service.sweep import Roster, escalate_case

BARNAUL = ZoneInfo("Asia/Barnaul")
MONTH = "2031-03"
NOW = datetime(2031, 3, 31, 12, 0, tzinfo=BARNAUL)

PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example","жми")',
    "+1+1",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
C0 = "".join(chr(i) for i in range(32))  # NUL, ..., tab, line feed, carriage return, ..., US
KEPT = "\t\n\r"  # the C0 characters a cell may hold


def dirty(word: str) -> str:
    return f"{word}{C0}{word}"


def cleaned(word: str) -> str:
    return f"{word}{KEPT}{word}"


def store_message(
    detected: datetime,
    *,
    external_id: str,
    topic: str,
    text: str = "Прошу",
    location: str = "с. Берёзовка",
    author: str = "Житель",
):
    """A message received and left past its T1 (a breach recorded on it alone)."""
    d = deps()
    message = values.Message(
        external_id=external_id,
        detected_at=detected,
        network="vk",
        url=f"https://vk.com/wall-7_{uuid.uuid4().int % 10**9}",
        author=values.Author(f"id{uuid.uuid4().hex[:12]}", author, ""),
        text=text,
        topic=topic,
        location=location,
        importance="medium",
        curator=values.Curator("c-1", author),
    )
    case = cases.receive_message(d, message, detected).case
    later = detected + timedelta(minutes=40)
    store = d.store()
    case = store.get(case.case_id)
    assert escalate_case(case, d.policy, Roster(d), later)  # T1 (30 working minutes) missed
    cases.commit(d, store, case, later)
    return case


@pytest.fixture(scope="module")
def stored(aws):
    run = uuid.uuid4().hex[:8]
    made = {"ids": {}, "dirty": {}}
    for i, payload in enumerate(PAYLOADS):
        external_id = f"{payload} {run}"
        store_message(
            datetime(2031, 3, 4, 10, i, tzinfo=BARNAUL), external_id=external_id, topic=payload
        )
        made["ids"][payload] = external_id
    fields = {
        "external_id": dirty(f"ext-{run}"),
        "topic": dirty("Ямы"),
        "text": dirty("Прошу ответить"),
        "location": dirty("Берёзовка"),
        "author": dirty("Житель"),
    }
    store_message(datetime(2031, 3, 5, 11, 0, tzinfo=BARNAUL), **fields)
    made["dirty"] = {k: v.replace(C0, KEPT) for k, v in fields.items()}
    return made


def reports():
    report = build_monthly(deps(), MONTH, NOW)
    return report, build_breaches(deps(), MONTH)


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_formula_payloads_are_text_in_the_xlsx(stored):
    report, breach_list = reports()
    data = to_xlsx(report, breach_list)
    book = workbook(data)

    topics = {c.value: c for c in book["Отчёт"]["B"] if c.row > 1}
    ids = {c.value: c for c in book["Нарушения"]["A"] if c.row > 1}
    topics_of_breaches = [c for c in book["Нарушения"]["B"] if c.value in PAYLOADS]
    for payload in PAYLOADS:
        assert topics[payload].data_type == "s", payload
        assert ids[stored["ids"][payload]].data_type == "s", payload
    assert {c.value for c in topics_of_breaches} == set(PAYLOADS)
    assert all(c.data_type == "s" for c in topics_of_breaches)
    for sheet in book:
        assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert "<f>" not in sheet_xml(data) and "<f " not in sheet_xml(data)  # no formula at all


def test_formula_payloads_are_neutralised_in_the_csv(stored):
    report, _ = reports()
    table = csv_rows(to_csv(report))

    groups = {r[1] for r in table if r[0] == "Тема"}
    assert {"'" + p for p in PAYLOADS} <= groups
    assert not [cell for row in table for cell in row if cell.startswith(FORMULA_START)]
    total = table[1]
    assert total[:2] == ["Итого", MONTH] and int(total[2]) == report.total.received

    _, breach_list = reports()
    listed = csv_rows(breaches_to_csv(deps(), breach_list, BARNAUL))
    assert {"'" + stored["ids"][p] for p in PAYLOADS} <= {r[0] for r in listed}
    assert {"'" + p for p in PAYLOADS} <= {r[1] for r in listed}
    assert not [cell for row in listed for cell in row if cell.startswith(FORMULA_START)]
    breach_book = workbook(breaches_to_xlsx(deps(), breach_list, BARNAUL))
    ids = {c.value: c for c in breach_book["Нарушения"]["A"] if c.row > 1}
    assert all(ids[stored["ids"][p]].data_type == "s" for p in PAYLOADS)
    assert "<f>" not in sheet_xml(breaches_to_xlsx(deps(), breach_list, BARNAUL))


def test_a_department_named_like_a_formula_is_inert_too(stored):
    report, breach_list = reports()
    report = replace(report, by_department={p: report.total for p in PAYLOADS})
    breach_list = [
        replace(b, departments=(p,), officials=(p,))
        for b, p in zip(breach_list, PAYLOADS, strict=False)
    ]

    book = workbook(to_xlsx(report, breach_list))
    departments = [r for r in book["Отчёт"].iter_rows(min_row=2) if r[0].value == "Отдел"]
    assert [r[1].value for r in departments] == PAYLOADS
    assert all(r[1].data_type == "s" for r in departments)
    for row in book["Нарушения"].iter_rows(min_row=2, max_row=len(breach_list) + 1):
        assert row[6].value in PAYLOADS and row[6].data_type == "s"
        assert row[7].value in PAYLOADS and row[7].data_type == "s"
    groups = [r[1] for r in csv_rows(to_csv(report)) if r[0] == "Отдел"]
    assert groups == ["'" + p for p in PAYLOADS]
    html = to_html(report, breach_list, BARNAUL, {p: p for p in PAYLOADS})
    assert "=HYPERLINK(&#34;http://evil.example&#34;,&#34;жми&#34;)" in html


def test_control_characters_in_every_field_break_no_report(stored):
    report, breach_list = reports()
    clean = stored["dirty"]

    book = workbook(to_xlsx(report, breach_list))
    in_xlsx = {k: v.replace("\r", "\n") for k, v in clean.items()}  # a cell's line break is LF
    assert in_xlsx["topic"] in [c.value for c in book["Отчёт"]["B"]]
    assert in_xlsx["external_id"] in [c.value for c in book["Нарушения"]["A"]]
    assert in_xlsx["topic"] in [c.value for c in book["Нарушения"]["B"]]

    text = to_csv(report)
    assert not set(text) & (set(C0) - set(KEPT))
    assert clean["topic"] in [r[1] for r in csv_rows(text) if r[0] == "Тема"]

    html = to_html(report, breach_list, BARNAUL, {})
    assert not set(html) & (set(C0) - set(KEPT))
    assert f"<td>{clean['topic']}</td>" in html
    assert f"<td>{clean['external_id']}</td>" in html
    html.encode("utf-8")


def test_control_characters_break_no_report_served(stored, handler, api_event, lambda_context):
    staff = handler("staff_api")
    login = api_event("POST", "/api/v1/auth/login", {"login": "head", "password": "demo"})
    token = json.loads(staff(login, lambda_context)["body"])["token"]

    def get(path, fmt=None):
        query = {"month": MONTH} | ({"format": fmt} if fmt else {})
        event = api_event("GET", path, headers={"authorization": f"Bearer {token}"}, query=query)
        return staff(event, lambda_context)

    for fmt in ("html", "csv", "xlsx"):
        answer = get("/api/v1/reports/monthly", fmt)
        assert answer["statusCode"] == 200, (fmt, answer["body"][:500])
    book = workbook(base64.b64decode(get("/api/v1/reports/monthly", "xlsx")["body"]))
    assert stored["dirty"]["topic"].replace("\r", "\n") in [c.value for c in book["Отчёт"]["B"]]
    for fmt in (None, "html", "csv", "xlsx"):
        answer = get("/api/v1/reports/breaches", fmt)
        assert answer["statusCode"] == 200, (fmt, answer["body"][:500])
    breach_book = workbook(base64.b64decode(get("/api/v1/reports/breaches", "xlsx")["body"]))
    listed = [c.value for c in breach_book["Нарушения"]["A"]]
    assert stored["dirty"]["external_id"].replace("\r", "\n") in listed


def test_figures_in_the_xlsx_stay_numbers(stored):
    report, breach_list = reports()
    book = workbook(to_xlsx(report, breach_list))
    sheet = book["Отчёт"]
    shown = rows(report)

    numbers = 0
    for r, expected in enumerate(shown[1:], start=2):
        for c, value in enumerate(expected[2:], start=3):
            cell = sheet.cell(row=r, column=c)
            if value == "—":
                assert cell.value == "—" and cell.data_type == "s"
                continue
            assert isinstance(cell.value, (int, float)), (cell.coordinate, cell.value)
            assert cell.data_type == "n"
            numbers += 1
            if isinstance(value, str) and value.endswith("%"):  # a share: a percentage number
                assert cell.number_format == "0%"
                assert f"{cell.value * 100:.0f}%" == value
            else:
                assert cell.value == value
    assert sheet["C2"].value == report.total.received >= len(PAYLOADS) + 1
    assert any(sheet.cell(row=2, column=c).number_format == "0%" for c in range(3, 23))
    assert numbers > 0


def test_text_is_neutralised_and_numbers_are_not():
    assert csv_cell(-2) == -2 and csv_cell(-1.5) == -1.5 and csv_cell(0) == 0
    assert csv_cell("-2") == "'-2" and csv_cell("=1+1") == "'=1+1" and csv_cell("\r=1") == "'\r=1"
    assert csv_cell("\x00=1+1") == "'=1+1"  # the NUL goes first, then the formula is seen
    assert csv_cell("Итого") == "Итого" and csv_cell(None) == ""
    assert clean_text("a\x00b\x07c\x1b\x7f\x85d\ud800e\uffff\tf\ng\rh") == "abcde\tf\ng\rh"
