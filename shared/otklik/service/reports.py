"""The reports of clauses 22-23, loaded from the month index and rendered as HTML, CSV, XLSX."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from otklik import clock
from otklik.domain.case import Case
from otklik.domain.errors import Forbidden, InvalidInput
from otklik.domain.oversight import accountable
from otklik.domain.policy import DEADLINE_TITLES_RU, Deadline
from otklik.domain.reports import TIMER_ORDER, Breach, Figures, MonthlyReport, breaches, monthly
from otklik.domain.roles import Action, Actor
from otklik.domain.states import SOURCE_TITLES_RU, Source
from otklik.service.deps import Deps
from otklik.vocabulary import ROLES, counted, local_time

PARTY_RU = {"administration": "администрация", "curator": "куратор"}
_DEFAULT_TZ = ZoneInfo("Asia/Barnaul")  # Settings.display_timezone's default


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
        "before_receipt": b.before_receipt,
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


class MonthReader:
    """The cases received in a month, each month read from the store once however often it is
    asked for: a page built from several reports (the monthly one with its breaches, the
    dashboard) reads every case once."""

    def __init__(self, deps: Deps) -> None:
        self._store = deps.store()
        self._months: dict[str, list[Case]] = {}

    def __call__(self, month: str) -> list[Case]:
        if month not in self._months:
            self._months[month] = self._store.get_many(self._store.case_ids_of_month(month))
        return self._months[month]


def build_monthly(
    deps: Deps,
    month: str,
    now: datetime,
    history: int = 2,
    read: MonthReader | None = None,
) -> MonthlyReport:
    cases_of = read or MonthReader(deps)
    month_cases = cases_of(month)
    report = monthly(
        month,
        month_cases,
        deps.policy,
        now,
        previous={m: cases_of(m) for m in previous_months(month, history)},
    )
    report.department_names = department_names(deps)
    report.staff_names = staff_names(deps)
    report.display_tz = deps.display_tz
    report.breaches = _with_officials(
        deps, month_cases, breaches(month_cases, None, None, policy=deps.policy, now=now)
    )
    return report


def build_breaches(
    deps: Deps, month: str, now: datetime | None = None, read: MonthReader | None = None
) -> list[Breach]:
    """Deadlines missed in the month (`otklik.domain.reports.breaches`: every late timer, swept
    or not), on cases received in it or the month before, as of `now` (the present)."""
    cases_of = read or MonthReader(deps)
    since, until = month_bounds(month, deps)
    found = cases_of(month) + cases_of(previous_months(month, 1)[0])
    now = now or clock.now()
    return _with_officials(
        deps, found, breaches(found, since, until, policy=deps.policy, now=min(now, until))
    )


def department_names(deps: Deps) -> dict[str, str]:
    return {x.id: x.name for x in deps.directory.departments()}


def staff_names(deps: Deps) -> dict[str, str]:
    return {m.login: m.name for m in deps.directory.all_staff() if m.name}


def _with_officials(deps: Deps, found: list[Case], listed: list[Breach]) -> list[Breach]:
    """A breach the sweeper never recorded names no officials: those accountable for its timer
    now (clause 21) are named instead; one missed before receipt names nobody."""
    if all(b.officials or b.before_receipt for b in listed):
        return listed
    by_id = {c.case_id: c for c in found}
    staff = deps.directory.all_staff()
    done = []
    for b in listed:
        case = by_id.get(b.case_id)
        timer = case.timers.get(b.timer) if case is not None else None
        if not b.officials and not b.before_receipt and timer is not None:
            members = accountable(case, timer, deps.policy).members(staff)
            b = replace(b, officials=tuple(sorted(m.login for m in members)))
        done.append(b)
    return done


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


@dataclass(frozen=True)
class _Time:
    """An instant (or none): a date and time of the display time zone in the XLSX."""

    value: datetime | None
    tz: object


Cell = str | int | float | _Share | _Hours | _Time

XLSX_TIME_FORMAT = "DD.MM.YYYY HH:MM"
XLSX_SHARE_FORMAT = "0%"


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
        add("Отдел", report.department_names.get(name, name), f)
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
    if isinstance(value, _Time):
        return "" if value.value is None else f"{value.value.astimezone(value.tz):%d.%m.%Y %H:%M}"
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


def _csv(table: list[list[Cell]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerows([csv_cell(_display(v)) for v in row] for row in table)
    return "\ufeff" + out.getvalue()  # a BOM so that Excel reads the Cyrillic right


def to_csv(report: MonthlyReport) -> str:
    return _csv(_table(report))


def _xlsx_put(sheet, row: int, column: int, value: Cell | None) -> None:
    """One XLSX cell: a number stays a number (a share a percentage, hours to one decimal);
    anything else is cleaned text, stored as a string, never a formula."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, _Time):
        if value.value is None:
            return
        # Excel has no time zones: the local wall time, to the minute
        cell.value = value.value.astimezone(value.tz).replace(tzinfo=None, second=0, microsecond=0)
        cell.number_format = XLSX_TIME_FORMAT
        return
    if isinstance(value, _Share | _Hours):
        number = value.value if isinstance(value, _Share) else value.minutes
        if number is not None:
            cell.value = number if isinstance(value, _Share) else number / 60
            cell.number_format = XLSX_SHARE_FORMAT if isinstance(value, _Share) else "0.0"
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


# Whom a breach missed before the message reached us is on: nobody (the reports say so).
BEFORE_RECEIPT_RU = "никто: поступило с опозданием, срок истёк до поступления"


def listed_breaches(report: MonthlyReport, breach_list: list[Breach]) -> list[Breach]:
    """The breaches a monthly report lists: those of the month (`breach_list`) and those of its
    cases whenever they fell (`report.breaches`), each once, oldest first."""
    seen = {(b.case_id, b.timer) for b in breach_list}
    merged = list(breach_list) + [b for b in report.breaches if (b.case_id, b.timer) not in seen]
    return sorted(merged, key=lambda b: b.recorded_at)


def _names(codes, names: dict[str, str]) -> str:
    return ", ".join(names.get(str(c), str(c)) for c in codes)


def to_xlsx(report: MonthlyReport, breach_list: list[Breach], tz=None) -> bytes:
    """The report's sheet and the breaches' (times in `tz`, the display time zone; by default
    the calendar's, Asia/Barnaul)."""
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
    tz = tz or report.display_tz or _DEFAULT_TZ
    table = breach_table(
        listed_breaches(report, breach_list), report.staff_names, report.department_names, tz
    )
    _breach_sheet(violations, table)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


BREACH_HEADER = [
    "Сообщение",
    "Тема",
    "Срок",
    "Наступил",
    "Зафиксировано",
    "Чьи часы",
    "Ответственные",
    "Отделы",
]


def breach_table(
    listed: list[Breach], staff: dict[str, str], departments: dict[str, str], tz
) -> list[list[Cell]]:
    """The breaches as typed cells, a header first: officials and departments by name,
    times in `tz`."""
    table: list[list[Cell]] = [list(BREACH_HEADER)]
    for b in listed:
        table.append(
            [
                b.external_id,
                b.topic,
                b.title,
                _Time(b.due, tz),
                _Time(b.recorded_at, tz),
                PARTY_RU.get(b.party, b.party),
                BEFORE_RECEIPT_RU if b.before_receipt else _names(b.officials, staff),
                _names(b.departments, departments),
            ]
        )
    return table


def _breach_sheet(sheet, table: list[list[Cell]]) -> None:
    from openpyxl.styles import Font

    _xlsx_rows(sheet, table)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in ("D", "E"):
        sheet.column_dimensions[column].width = 17


def _breaches_of(deps: Deps, breach_list: list[Breach], tz) -> list[list[Cell]]:
    return breach_table(breach_list, staff_names(deps), department_names(deps), tz)


def breaches_to_csv(deps: Deps, breach_list: list[Breach], tz) -> str:
    """The breach report (clause 22) as CSV, cells made safe as the monthly report's."""
    return _csv(_breaches_of(deps, breach_list, tz))


def breaches_to_xlsx(deps: Deps, breach_list: list[Breach], tz) -> bytes:
    """The breach report (clause 22) as one XLSX sheet: times are dates, text never a formula."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Нарушения"
    _breach_sheet(sheet, _breaches_of(deps, breach_list, tz))
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
    names = {**report.department_names, **departments}
    listed = listed_breaches(report, breach_list)
    late = sum(report.total.timers[d].late for d in TIMER_ORDER)
    return (
        _html()
        .get_template("monthly.html")
        .render(
            report=report,
            breaches=listed,
            late=late,
            staff=report.staff_names,
            when=lambda value: local_time(value, tz),
            counted=counted,
            timers=TIMER_ORDER,
            titles=DEADLINE_TITLES_RU,
            answer=Deadline.ANSWER,
            parties=PARTY_RU,
            share=_share,
            hours=_hours,
            tz=tz,
            departments=names,
            sources={s.value: title for s, title in SOURCE_TITLES_RU.items()},
            chart=_bar_chart,
        )
    )


def to_breaches_html(
    deps: Deps, month: str, breach_list: list[Breach], tz, *, now: datetime | None = None
) -> str:
    """The breach report (clause 22) as a page: each missed deadline with whose clock ran and
    the officials (by name) and departments it is on, times in the display time zone."""
    by_timer: dict[str, int] = {}
    for b in breach_list:
        by_timer[b.title] = by_timer.get(b.title, 0) + 1
    return (
        _html()
        .get_template("breaches.html")
        .render(
            month=month,
            breaches=breach_list,
            by_timer=by_timer,
            staff=staff_names(deps),
            departments=department_names(deps),
            parties=PARTY_RU,
            roles=ROLES,
            when=lambda value: local_time(value, tz),
            counted=counted,
            made=local_time(now or clock.now(), tz),
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
