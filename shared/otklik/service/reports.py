"""The reports of clauses 22-23, loaded from the month index and rendered as HTML, CSV, XLSX."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from otklik.domain.errors import Forbidden, InvalidInput
from otklik.domain.policy import DEADLINE_TITLES_RU, Deadline
from otklik.domain.reports import TIMER_ORDER, Breach, Figures, MonthlyReport, breaches, monthly
from otklik.domain.roles import Action, Actor
from otklik.domain.states import SOURCE_TITLES_RU, Source
from otklik.service.deps import Deps

PARTY_RU = {"administration": "администрация", "curator": "куратор"}


def report_query(query: dict, now: datetime, deps: Deps) -> tuple[str, str]:
    """(month, format) from the query string; the current local month and HTML by default."""
    month = query.get("month") or now.astimezone(deps.policy.calendar.tz).strftime("%Y-%m")
    fmt = (query.get("format") or "html").lower()
    if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", month):
        raise InvalidInput("Месяц указывается как ГГГГ-ММ, 2000-2099.", {"month": month})
    if fmt not in ("html", "csv", "xlsx"):
        raise InvalidInput("Формат: html, csv или xlsx.", {"format": fmt})
    return month, fmt


def require_reader(actor: Actor) -> None:
    if not actor.may(Action.VIEW_REPORTS):
        raise Forbidden("Отчёты доступны ответственному исполнителю и главе района.")


def breach_view(b: Breach, tz) -> dict:
    return {
        "case_id": b.case_id,
        "external_id": b.external_id,
        "topic": b.topic,
        "timer": b.timer,
        "title": b.title,
        "due": b.due.astimezone(tz).isoformat() if b.due else None,
        "recorded_at": b.recorded_at.astimezone(tz).isoformat(),
        "party": b.party,
        "accountable_role": b.accountable_role,
        "officials": list(b.officials),
        "departments": list(b.departments),
    }


def month_bounds(month: str, deps: Deps) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in the administration's time zone."""
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=deps.policy.calendar.tz)
    after = (start + timedelta(days=32)).replace(day=1)
    return start, after


def previous_months(month: str, count: int) -> list[str]:
    year, m = map(int, month.split("-"))
    found = []
    for _ in range(count):
        year, m = (year - 1, 12) if m == 1 else (year, m - 1)
        found.append(f"{year:04d}-{m:02d}")
    return found


def build_monthly(deps: Deps, month: str, now: datetime, history: int = 2) -> MonthlyReport:
    store = deps.store()

    def cases_of(m: str):
        return store.get_many(store.case_ids_of_month(m))

    return monthly(
        month,
        cases_of(month),
        deps.policy,
        now,
        previous={m: cases_of(m) for m in previous_months(month, history)},
    )


def build_breaches(deps: Deps, month: str) -> list[Breach]:
    """Breaches recorded in the month, on cases received in it or the month before."""
    store = deps.store()
    since, until = month_bounds(month, deps)
    ids = store.case_ids_of_month(month) + store.case_ids_of_month(previous_months(month, 1)[0])
    return breaches(store.get_many(ids), since, until)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _hours(minutes: float | None) -> str:
    return "—" if minutes is None else f"{minutes / 60:.1f}"


# What no report may carry, whatever was stored: control characters (C0 but tab, line feed and
# carriage return; DEL; C1), lone surrogates (not encodable as UTF-8) and U+FFFE/U+FFFF (not
# XML). openpyxl refuses the C0 ones outright; in CSV and HTML they garble or break the file.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# A spreadsheet reads a cell that begins so as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_XLSX_MAX_TEXT = 32_767  # characters a cell holds in Excel


def clean_text(value: object) -> str:
    """`value` as text with what no report may carry removed (see `_UNSAFE`)."""
    return _UNSAFE.sub("", str(value))


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class _Share:
    """A share of 0..1 (or none): a percentage number in the XLSX, "45%" in CSV."""

    value: float | None


@dataclass(frozen=True)
class _Hours:
    """Working minutes (or none): hours as a number in the XLSX, "1.5" in CSV."""

    minutes: float | None


Cell = str | int | float | _Share | _Hours


def _table(report: MonthlyReport) -> list[list[Cell]]:
    """The report as typed cells: one row per group (total, departments, topics, sources)."""
    header: list[Cell] = [
        "Раздел",
        "Группа",
        "Поступило",
        "Возвращено",
        "Не подлежит обработке",
        "Отвечено",
        "Промежуточный ответ",
        "В работе",
        "Медиана ответа, раб. ч",
        "90-й перцентиль, раб. ч",
        "Согласовано куратором с первого раза",
        "Возвратов на доработку",
        "Промежуточные закрыты в срок",
        "Повторные",
    ]
    header += [
        f"{DEADLINE_TITLES_RU[d]} в срок ({PARTY_RU[report.parties[d].value]})" for d in TIMER_ORDER
    ]
    table = [header]

    def add(section: str, group: str, f: Figures) -> None:
        table.append(
            [
                section,
                group,
                f.received,
                f.returned,
                f.not_processable,
                f.answered,
                f.interim,
                f.open,
                _Hours(f.median_answer_minutes),
                _Hours(f.p90_answer_minutes),
                _Share(f.first_time_share),
                f.curator_returns,
                f.interim_finalised_on_time,
                f.repeated,
            ]
            + [_Share(f.timers[d].on_time_share) for d in TIMER_ORDER]
        )

    add("Итого", report.month, report.total)
    for name, f in report.by_department.items():
        add("Отдел", name, f)
    for name, f in report.by_topic.items():
        add("Тема", name, f)
    for name, f in report.by_source.items():
        add("Источник", SOURCE_TITLES_RU[Source(name)], f)
    for name, f in report.previous.items():
        add("Динамика", name, f)
    return table


def _display(value: Cell) -> str | int | float:
    if isinstance(value, _Share):
        return _share(value.value)
    if isinstance(value, _Hours):
        return _hours(value.minutes)
    return value


def rows(report: MonthlyReport) -> list[list[str | int | float]]:
    """The report as a table as read (counts as numbers, shares as "45%", hours as "1.5", "—"
    for none): one row per group (total, departments, topics, sources). Raw: the writers make
    it safe for their format."""
    return [[_display(v) for v in row] for row in _table(report)]


def csv_cell(value: object) -> object:
    """A cell for CSV: a number as it is (-2 is a number, not a formula); text cleaned, and
    one that a spreadsheet would take for a formula neutralised the OWASP way, a leading "'"."""
    if _is_number(value):
        return value
    text = "" if value is None else clean_text(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(report: MonthlyReport) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows([csv_cell(v) for v in row] for row in rows(report))
    return "\ufeff" + out.getvalue()  # a BOM so that Excel reads the Cyrillic right


def _xlsx_put(sheet, row: int, column: int, value: Cell | None) -> None:
    """One XLSX cell: a number stays a number (a share a percentage, hours to one decimal);
    anything else is cleaned text, stored as a string, never a formula."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, _Share | _Hours):
        number = value.value if isinstance(value, _Share) else value.minutes
        if number is not None:
            cell.value = number if isinstance(value, _Share) else number / 60
            cell.number_format = "0%" if isinstance(value, _Share) else "0.0"
            return
        value = "—"
    if _is_number(value):
        cell.value = value
        return
    text = "" if value is None else clean_text(value)[:_XLSX_MAX_TEXT]
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # XML would: a cell's line break
    cell.value = text  # openpyxl takes text beginning with "=" for a formula...
    cell.data_type = "s"  # ...this makes it a string again
    if text.startswith(_FORMULA_START):
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited


def _xlsx_rows(sheet, table: list[list[Cell | None]]) -> None:
    """Fill an empty sheet with `table`, cell by cell."""
    for r, values in enumerate(table, start=1):
        for c, value in enumerate(values, start=1):
            _xlsx_put(sheet, r, c, value)


def to_xlsx(report: MonthlyReport, breach_list: list[Breach]) -> bytes:
    from openpyxl import Workbook  # imported here: only this report needs it
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Отчёт"
    _xlsx_rows(sheet, _table(report))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    violations = book.create_sheet("Нарушения")
    table: list[list[Cell | None]] = [
        [
            "Сообщение",
            "Тема",
            "Срок",
            "Наступил",
            "Зафиксировано",
            "Чьи часы",
            "Ответственные",
            "Отделы",
        ]
    ]
    for b in breach_list:
        table.append(
            [
                b.external_id,
                b.topic,
                b.title,
                b.due.isoformat() if b.due else "",
                b.recorded_at.isoformat(),
                PARTY_RU.get(b.party, b.party),
                ", ".join(map(str, b.officials)),
                ", ".join(map(str, b.departments)),
            ]
        )
    _xlsx_rows(violations, table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@cache
def _html():
    from jinja2 import Environment, PackageLoader, select_autoescape  # only the HTML report
    from markupsafe import Markup

    def finalize(value):
        """What every `{{ }}` prints, cleaned (`clean_text`) before it is escaped; text already
        escaped (`Markup`, a macro's output, `join`) stays escaped."""
        if isinstance(value, str):
            cleaned = clean_text(value)
            return Markup(cleaned) if isinstance(value, Markup) else cleaned
        return value

    return Environment(
        loader=PackageLoader("otklik", "templates/reports"),
        autoescape=select_autoescape(["html"]),
        finalize=finalize,
    )


def to_html(report: MonthlyReport, breach_list: list[Breach], tz, departments: dict) -> str:
    return (
        _html()
        .get_template("monthly.html")
        .render(
            report=report,
            breaches=breach_list,
            timers=TIMER_ORDER,
            titles=DEADLINE_TITLES_RU,
            answer=Deadline.ANSWER,
            parties=PARTY_RU,
            share=_share,
            hours=_hours,
            tz=tz,
            departments=departments,
            sources={s.value: title for s, title in SOURCE_TITLES_RU.items()},
            chart=_bar_chart,
        )
    )


@dataclass(frozen=True)
class ChartBar:
    label: str
    y: int
    length: float
    text: str


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart's geometry; the template draws it as inline SVG (no script,
    prints and opens anywhere), escaping its labels as it escapes everything."""

    width: int
    height: int
    label_width: int
    bar: int
    bars: tuple[ChartBar, ...]


def _bar_chart(items: list[tuple[str, float | None]], width: int = 560, unit: str = "%") -> Chart:
    bar, gap, label_w = 22, 8, 230
    span = width - label_w - 60
    top = max([v for _, v in items if v is not None] + [1e-9])
    bars = []
    for i, (label, value) in enumerate(items):
        length = 0 if value is None else span * (value if unit == "%" else value / top)
        text = "—" if value is None else (f"{value * 100:.0f}%" if unit == "%" else f"{value:g}")
        bars.append(ChartBar(str(label)[:40], gap + i * (bar + gap), round(length, 1), text))
    height = max(1, len(items)) * (bar + gap) + gap
    return Chart(width, height, label_w, bar, tuple(bars))
