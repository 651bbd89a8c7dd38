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


def rows(report: MonthlyReport) -> list[list[str]]:
    """The report as a table: one row per group (total, departments, topics, sources), for
    CSV/XLSX."""
    header = [
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
                _hours(f.median_answer_minutes),
                _hours(f.p90_answer_minutes),
                _share(f.first_time_share),
                f.curator_returns,
                f.interim_finalised_on_time,
                f.repeated,
            ]
            + [_share(f.timers[d].on_time_share) for d in TIMER_ORDER]
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


def to_csv(report: MonthlyReport) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows(report))
    return "\ufeff" + out.getvalue()  # a BOM so that Excel reads the Cyrillic right


def to_xlsx(report: MonthlyReport, breach_list: list[Breach]) -> bytes:
    from openpyxl import Workbook  # imported here: only this report needs it
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Отчёт"
    for row in rows(report):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    violations = book.create_sheet("Нарушения")
    violations.append(
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
    )
    for b in breach_list:
        violations.append(
            [
                b.external_id,
                b.topic,
                b.title,
                b.due.isoformat() if b.due else "",
                b.recorded_at.isoformat(),
                PARTY_RU.get(b.party, b.party),
                ", ".join(b.officials),
                ", ".join(b.departments),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@cache
def _html():
    from jinja2 import Environment, PackageLoader, select_autoescape  # only the HTML report

    return Environment(
        loader=PackageLoader("otklik", "templates/reports"), autoescape=select_autoescape(["html"])
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
