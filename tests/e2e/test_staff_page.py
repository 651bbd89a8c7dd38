"""The staff page (`web/`) in a real browser against the whole local system.

Headless Debian Chromium driven by Playwright (no `playwright install`: `make test` installs the
browser with apt). A case goes from intake to a published answer across three logins, each
official doing it by hand on the page; then what each role may and may not see and do, the
countdowns against the server's working calendar, the errors of the API next to their forms,
and the page at phone width. With OTKLIK_SCREENSHOTS=1 the README's screenshots in
`docs/screenshots/` are refreshed.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from otklik.domain.calendar import WorkingCalendar
from otklik.vocabulary import vocabulary
from tests.e2e.browser import Staff, build_data

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

ROOT = Path(__file__).resolve().parents[2]
# The README's screenshots are refreshed on request (`OTKLIK_SCREENSHOTS=1 make test`); otherwise
# they are still taken, to prove the pages render, into pytest's temporary folder.
SCREENSHOTS = (
    (ROOT / "docs" / "screenshots")
    if os.environ.get("OTKLIK_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "otklik-screenshots"
)
CONFLICT = "Сообщение только что изменил другой сотрудник. Обновите страницу."
# What each role acts on, listed first in its inbox (otklik.service.inbox.FOCUS).
FOCUS = {"tech": {"received", "approved"}, "resp": {"internal_review"}}
COUNTDOWN = re.compile(r"(?:(\d+)\s*ч\s*)?(\d+)\s*мин")


# ------------------------------------------------------------------ fixtures -----------------


pytestmark = pytest.mark.usefixtures("consumers_never_fail")


def minutes_of(text: str) -> int:
    found = COUNTDOWN.search(text)
    assert found, f"no countdown in {text!r}"
    return int(found.group(1) or 0) * 60 + int(found.group(2))


def deliver(client, local_system, post: dict) -> str:
    reply = client.deliver(post)
    assert reply.status == 201, reply.body
    local_system.drain()
    return reply["case_id"]


def accept(client, case_id: str, departments: list[str]) -> None:
    reply = client.post(
        f"/api/v1/cases/{case_id}/triage",
        {"decision": "accept", "departments": departments},
        as_="tech",
    )
    assert reply.status == 200, reply.body


def assert_on_top(official: Staff, client, case_id: str) -> list[str]:
    """The page keeps the server's order, and `case_id` is on top of it: only cases that the
    server's rule puts first (awaiting this role, due no later) may stand above it. Those can
    only be leftovers of other test modules: the module-scoped local systems share moto's
    in-process state. Returns the case ids as the page lists them."""
    expect(official.row(case_id)).to_be_visible()
    listed = client.get("/api/v1/cases", as_=official.login)["cases"]
    shown = official.rows().evaluate_all("rows => rows.map(r => r.dataset.caseId)")
    assert shown == [c["case_id"] for c in listed]
    mine = next(c for c in listed if c["case_id"] == case_id)
    focus = FOCUS[official.login]
    assert mine["status"] in focus
    for above in listed[: shown.index(case_id)]:
        assert above["status"] in focus, above
        assert datetime.fromisoformat(above["next_due"]) <= datetime.fromisoformat(mine["next_due"])
    return shown


def housing_post(message) -> dict:
    return message(
        topic="ЖКХ",
        location="с. Первомайское",
        importance="medium",
        text="В доме № 5 по ул. Школьной третий день нет отопления, в квартирах +14.",
        author={"id": "id77", "name": "Николай Сергеевич Орлов", "url": "https://vk.com/id77"},
    )


def overflowing(page) -> list[str]:
    """Elements that stick out to the right of the window (a phone would scroll sideways)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map(el => `${el.tagName}.${el.className}: ${el.textContent.slice(0, 60)}`)"""
    )


def clipped(page) -> list[str]:
    """Tables and cards whose content is cut off or scrolls sideways inside them."""
    return page.evaluate(
        """() => [...document.querySelectorAll('main table, main .card')]
            .filter(el => el.scrollWidth > el.clientWidth + 1)
            .map(el => `${el.tagName}.${el.className}: ${el.scrollWidth} > ${el.clientWidth}`)"""
    )


def shoot(page, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(SCREENSHOTS / name), full_page=full_page)


# ------------------------------------------------------------------ the whole case -----------


def test_a_case_goes_from_intake_to_a_published_answer_across_three_logins(
    staff, client, local_system, message
):
    calendar = WorkingCalendar()
    earlier = deliver(client, local_system, message(text="Яма у остановки на ул. Мира."))
    accept(client, earlier, ["roads"])  # in work: not what the technical executor acts on now
    post = message()
    case_id = deliver(client, local_system, post)

    # tech: the new case on top, with a live countdown in working time
    tech = staff("tech", timezone="Europe/Moscow")
    shown = assert_on_top(tech, client, case_id)
    assert shown.index(case_id) < shown.index(earlier)
    first = tech.row(case_id)
    expect(first).to_contain_text("Новое")
    expect(first).to_contain_text("Дороги")
    expect(first).to_contain_text("с. Зудилово")
    expect(first).to_contain_text("высокая")
    expect(first).to_contain_text("ВКонтакте")
    expect(first).to_contain_text("Распределение сообщения (T1)")
    countdown = first.locator(".countdown")
    expect(countdown).to_contain_text("осталось")
    shown = minutes_of(countdown.inner_text())
    listed = client.get("/api/v1/cases", as_="tech")["cases"]
    next_due = datetime.fromisoformat(
        next(c for c in listed if c["case_id"] == case_id)["next_due"]
    )
    expected = calendar.working_minutes_between(datetime.now(UTC), next_due)
    assert abs(shown - expected) <= 1, (countdown.inner_text(), expected)
    # T1 is 30 minutes: amber only with its last third left (its warning), not from the start
    warn_from = datetime.fromisoformat(
        next(c for c in listed if c["case_id"] == case_id)["next_warn_from"]
    )
    assert calendar.working_minutes_between(warn_from, next_due) == 10
    colour = r"\bsoon\b" if datetime.now(UTC) >= warn_from else r"\bok\b"
    expect(countdown).to_have_class(re.compile(colour))
    expect(tech.page.locator(".report-link")).to_have_count(0)  # reports are not for tech

    tech.open_case(case_id)
    expect(tech.status).to_have_text("Новое")
    page = tech.page
    triage_row = page.locator('.timers tr[data-timer="triage_due"] .countdown')
    expect(triage_row).to_have_class(re.compile(colour))  # the same colour in the case view
    expect(page.locator(".post-text")).to_have_text(post["text"])
    expect(page.get_by_role("link", name="Ирина Петрова")).to_have_attribute(
        "href", post["author"]["url"]
    )
    expect(page.get_by_role("link", name="Открыть публикацию в соцсети")).to_have_attribute(
        "href", post["url"]
    )
    expect(page.get_by_role("link", name="Фото 1")).to_have_attribute(
        "href", post["attachments"][0]["url"]
    )
    expect(page.locator(".warnings")).to_contain_text("Доложено главе района (п. 24)")
    expect(page.locator(".timers")).to_contain_text("Публикация ответа (T2)")
    expect(page.locator(".events")).to_contain_text("Сообщение получено из системы мониторинга")
    triage = tech.form("accept")
    expect(triage.get_by_role("checkbox", name=re.compile("Дороги"))).to_be_checked()
    expect(triage.get_by_role("checkbox", name=re.compile("ЖКХ"))).not_to_be_checked()
    triage.get_by_role("button", name="Принять в работу").click()
    expect(tech.status).to_have_text("В работе")
    expect(tech.flash).to_contain_text("Сообщение принято в работу. Исполнители: Дороги.")
    expect(tech.actions.get_by_role("button")).to_have_count(0)
    expect(page.locator(".events")).to_contain_text("Принято в работу, исполнители: Дороги")

    # roads: a final draft from a template
    roads = staff("roads")
    expect(roads.row(case_id)).to_be_visible()
    roads.open_case(case_id)
    expect(roads.actions.locator('form[data-action="accept"]')).to_have_count(0)
    draft = roads.form("submit_draft")
    draft.get_by_label("Шаблон ответа").select_option(label="Дороги: ремонт участка")
    draft.get_by_role("button", name="Вставить шаблон").click()
    text = draft.get_by_label("Текст ответа")
    expect(text).to_have_value(re.compile(r"^Здравствуйте, Ирина! .*с\. Зудилово"))
    expect(draft.get_by_label("Окончательный", exact=True)).to_be_checked()
    draft.get_by_role("button", name="Направить на согласование").click()
    expect(draft.locator(".form-error")).to_contain_text("Замените в тексте заготовки")
    expect(text).to_have_attribute("aria-invalid", "true")
    answer = (
        text.input_value().replace("[подрядчик]", "МУП «Дорожник»").replace("[срок]", "15 декабря")
    )
    text.fill(answer)
    draft.get_by_role("button", name="Направить на согласование").click()
    expect(roads.status).to_have_text("На согласовании")
    expect(roads.flash).to_contain_text("направлен на согласование")
    expect(roads.page.locator(".drafts")).to_contain_text("МУП «Дорожник»")
    expect(roads.page.locator(".drafts")).to_contain_text(
        "на согласовании у ответственного исполнителя"
    )

    # resp: approves; the case view is photographed at this point
    resp = staff("resp")
    assert_on_top(resp, client, case_id)  # awaiting resp: first
    resp.open_case(case_id)
    expect(resp.actions.locator(".review-draft")).to_contain_text("МУП «Дорожник»")
    expect(resp.form("reject_draft").get_by_label("Что исправить")).to_be_visible()
    shoot(resp.page, "case.png")
    resp.form("approve_draft").get_by_role(
        "button", name="Согласовать и направить куратору"
    ).click()
    expect(resp.status).to_have_text("У куратора")
    expect(resp.page.locator(".timers")).to_contain_text("Решение куратора (T4)")
    expect(resp.page.locator(".timers")).to_contain_text("часы: куратор")

    # the curator approves through the monitoring system (a signed callback)
    local_system.drain()
    draft_id = client.get(f"/api/v1/cases/{case_id}", as_="tech")["drafts"][-1]["draft_id"]
    decision = client.curator(post["external_id"], "draft_approved", draft_id)
    assert decision.status == 200, decision.body
    local_system.drain()

    # tech: records the publication
    tech.refresh()
    expect(tech.status).to_have_text("Согласовано, к публикации")
    publication = tech.form("publish")
    expect(publication.locator(".draft-text")).to_contain_text("МУП «Дорожник»")
    link = publication.get_by_label("Ссылка на опубликованный ответ")
    # clause 15: not some other page, and not the citizen's post itself
    for elsewhere, why in (
        ("https://vk.com/wall-1_2?reply=3", "Ответ публикуется в той же ветке, что и сообщение"),
        (post["url"], "Это ссылка на сообщение гражданина, а не на ответ"),
    ):
        link.fill(elsewhere)
        publication.get_by_role("button", name="Записать публикацию").click()
        expect(publication.get_by_role("alert")).to_contain_text(why)
        expect(tech.status).to_have_text("Согласовано, к публикации")
    published_url = post["url"].split("?")[0] + "?reply=999"
    link.fill(published_url)
    publication.get_by_role("button", name="Записать публикацию").click()
    expect(tech.status).to_have_text("Ответ опубликован")
    expect(tech.flash).to_contain_text("Публикация записана")
    expect(tech.page.locator(".closed-note")).to_contain_text("Сообщение закрыто")
    expect(tech.page.locator(".events")).to_contain_text("Куратор согласовал ответ")
    expect(tech.page.locator(".events")).to_contain_text("Ответ (окончательный) опубликован")
    expect(tech.page.get_by_role("link", name=published_url)).to_be_visible()
    expect(tech.actions.get_by_role("button")).to_have_count(0)
    final = client.get(f"/api/v1/cases/{case_id}", as_="tech")
    assert final["status"] == "answered"
    assert final["drafts"][-1]["published_url"] == published_url


# ------------------------------------------------------------------ who sees what -----------


def test_each_role_sees_and_may_do_only_its_part(staff, client, local_system, message, base_url):
    housing_case = deliver(client, local_system, housing_post(message))
    accept(client, housing_case, ["housing"])
    fresh = deliver(client, local_system, message(text="Опять яма на ул. Ленина, у дома 40."))

    roads = staff("roads")
    expect(roads.row(housing_case)).to_have_count(0)
    expect(roads.row(fresh)).to_have_count(0)  # not assigned to anyone yet
    for case_id in (housing_case, fresh):
        roads.goto_case(case_id)
        expect(roads.page.get_by_role("heading", level=1)).to_have_text("Сообщение не найдено")
        expect(roads.page.get_by_role("alert")).to_contain_text("Сообщение не найдено.")
    assert client.get(f"/api/v1/cases/{housing_case}", as_="roads").status == 404

    housing = staff("housing")
    expect(housing.row(housing_case)).to_be_visible()
    expect(housing.row(fresh)).to_have_count(0)
    expect(housing.page.locator(".report-link")).to_have_count(0)
    housing.open_case(housing_case)
    expect(housing.status).to_have_text("В работе")
    for name in ("Принять в работу", "Вернуть куратору", "Отметить как не подлежащее обработке"):
        expect(housing.page.get_by_role("button", name=name)).to_have_count(0)
    expect(housing.form("submit_draft")).to_be_visible()
    template = housing.form("submit_draft").get_by_label("Шаблон ответа")
    template.select_option(label="ЖКХ: отопление, вода, вывоз мусора")
    housing.form("submit_draft").get_by_role("button", name="Вставить шаблон").click()
    expect(housing.form("submit_draft").get_by_label("Текст ответа")).to_have_value(
        re.compile(r"^Здравствуйте, Николай Сергеевич!")
    )

    head = staff("head")
    expect(head.row(housing_case)).to_be_visible()
    expect(head.row(fresh)).to_be_visible()
    month = head.page.get_by_label("Месяц").input_value()
    assert re.fullmatch(r"\d{4}-\d{2}", month)
    report = head.page.get_by_role("link", name="Открыть отчёт")
    expect(report).to_have_attribute("href", f"/api/v1/reports/monthly?month={month}&format=html")
    with head.context.expect_page() as opened:
        report.click()
    report_page = opened.value
    report_page.wait_for_load_state()
    expect(report_page.locator("h1")).to_contain_text("Отчёт о работе с сообщениями")
    report_page.close()
    with head.page.expect_download() as download:
        head.page.get_by_role("link", name="Скачать CSV").click()
    assert download.value.suggested_filename == f"otklik-{month}.csv"
    assert Path(download.value.path()).stat().st_size > 0
    for case_id in (fresh, housing_case):
        head.goto_case(case_id)
        expect(head.page.locator(".case-head h1")).to_be_visible()
        expect(head.actions.get_by_role("button")).to_have_count(0)
        expect(head.actions.locator("textarea, input")).to_have_count(0)
        expect(head.actions).to_contain_text(
            "Для вашей роли действий по этому сообщению сейчас нет"
        )

    head.page.get_by_role("button", name="Выйти").click()
    expect(head.page.get_by_role("heading", name="Вход для сотрудников")).to_be_visible()
    expect(head.page.get_by_role("status").filter(has_text="Вы вышли")).to_be_visible()
    assert head.page.evaluate("sessionStorage.getItem('otklik.token')") is None


def test_a_passed_deadline_is_red_and_the_filters_find_it(staff, client, local_system, message):
    calendar = WorkingCalendar()
    detected = datetime.now(UTC) - timedelta(days=30)  # T2 and T3 long past, holidays or not
    late = deliver(
        client,
        local_system,
        message(detected_at=detected.isoformat(timespec="seconds"), text="Не вывозят мусор."),
    )
    fresh = deliver(client, local_system, message(text="Сломан светофор у школы."))

    tech = staff("tech")
    countdown = tech.row(late).locator(".countdown")
    expect(countdown).to_have_class(re.compile(r"\blate\b"))
    expect(countdown).to_contain_text("просрочено на")
    case = client.get(f"/api/v1/cases/{late}", as_="tech").body
    over = calendar.working_minutes_between(
        datetime.fromisoformat(case["next_due"]), datetime.now(UTC)
    )
    assert abs(minutes_of(countdown.inner_text()) - over) <= 1
    expect(tech.row(late)).to_contain_text("Направление проекта куратору (T3)")
    expect(tech.row(fresh).locator(".countdown")).not_to_have_class(re.compile(r"\blate\b"))

    rows = tech.page.locator("table.inbox tbody tr")
    tech.page.get_by_label("Только просроченные").check()
    expect(tech.row(fresh)).to_have_count(0)
    expect(tech.row(late)).to_be_visible()
    expect(rows.and_(tech.page.locator(':not([data-row-level="late"])'))).to_have_count(0)
    assert "overdue=1" in tech.page.url
    tech.page.get_by_label("Только просроченные").uncheck()
    tech.page.get_by_label("Статус").select_option(label="Новое")
    expect(tech.row(fresh)).to_be_visible()
    expect(tech.row(late)).to_be_visible()
    expect(rows.and_(tech.page.locator(':not([data-status="received"])'))).to_have_count(0)
    assert "status=received" in tech.page.url
    tech.page.get_by_label("Статус").select_option(label="Ответ опубликован")
    expect(tech.row(fresh)).to_have_count(0)
    expect(rows.and_(tech.page.locator(':not([data-status="answered"])'))).to_have_count(0)


def test_a_joint_answer_is_written_and_approved_by_resp_and_returned_by_the_curator_on_the_page(
    staff, client, local_system, message
):
    post = message(text="Размыло дорогу к котельной, трубы отопления торчат наружу.")
    case_id = deliver(client, local_system, post)
    accept(client, case_id, ["roads", "housing"])

    roads = staff("roads")
    roads.open_case(case_id)
    expect(roads.form("submit_draft")).to_have_count(0)  # a joint answer is written by resp
    part = roads.form("contribute")
    expect(part).to_contain_text("Вклад отдела «Дороги» в совместный ответ (п. 17)")
    expect(part.locator(".countdown")).to_contain_text("осталось")
    part.get_by_label("Что сделано или будет сделано").fill("Подсыпка щебнем — до 5 декабря.")
    part.get_by_role("button", name="Отправить вклад").click()
    expect(roads.flash).to_contain_text("Вклад отдела отправлен")
    expect(roads.form("contribute")).to_have_count(0)
    expect(roads.page.locator(".contributions")).to_contain_text("Подсыпка щебнем")
    # the department that gave its part is not told that it is to write the answer
    expect(roads.actions).to_contain_text(
        "Вклад вашего отдела получен; ответственный исполнитель готовит совместный ответ."
    )
    expect(roads.actions).not_to_contain_text("Исполнитель готовит проект ответа.")

    resp = staff("resp")
    resp.open_case(case_id)
    contributions = resp.page.locator(".contributions")
    expect(contributions.locator("li", has_text="Дороги")).to_contain_text("Подсыпка щебнем")
    expect(contributions.locator("li", has_text="ЖКХ")).to_contain_text("Ещё не представлен.")
    draft = resp.form("submit_draft")
    draft.get_by_label("Шаблон ответа").select_option(label="Совместный ответ из вкладов отделов")
    draft.get_by_role("button", name="Вставить шаблон").click()
    expect(draft.get_by_label("Текст ответа")).to_have_value(
        re.compile(r"^Здравствуйте, Ирина!\n\nПодсыпка щебнем — до 5 декабря\.")
    )
    # he approves drafts himself (clause 12): his own is not sent "for approval" to himself
    expect(draft.get_by_role("button", name="Направить на согласование")).to_have_count(0)
    draft.get_by_role("button", name="Утвердить и направить куратору").click()
    expect(resp.flash).to_contain_text("Ответ утверждён и направлен куратору.")
    expect(resp.status).to_have_text("У куратора")
    expect(resp.form("approve_draft")).to_have_count(0)

    # the curator returns it: the comment stands out, the clock of rework (T5) runs
    local_system.drain()
    draft_id = client.get(f"/api/v1/cases/{case_id}", as_="resp")["drafts"][-1]["draft_id"]
    returned = client.curator(
        post["external_id"], "draft_returned", draft_id, comment="Уточните адрес котельной."
    )
    assert returned.status == 200, returned.body
    resp.refresh()
    expect(resp.status).to_have_text("На доработке")
    curator = resp.page.locator(".drafts .comment-curator")
    expect(curator).to_contain_text("Замечание куратора")
    expect(curator).to_contain_text("Уточните адрес котельной.")
    expect(resp.page.locator(".timers")).to_contain_text("Доработка проекта (T5)")
    expect(resp.page.locator(".events")).to_contain_text(
        "Куратор вернул ответ на доработку: Уточните адрес котельной."
    )
    again = resp.form("submit_draft")
    expect(again.locator(".rework-note")).to_contain_text("Куратор вернул проект на доработку.")
    text = again.get_by_label("Текст ответа")
    expect(text).to_have_value(re.compile("Подсыпка щебнем"))
    text.fill(text.input_value() + "\nКотельная — ул. Садовая, 3.")
    again.get_by_role("button", name="Утвердить и направить куратору").click()
    expect(resp.status).to_have_text("У куратора")


def test_routing_hints_are_shown_as_warnings_and_tech_decides(staff, client, local_system, message):
    first = message(text="Когда засыплют яму у моста?")
    earlier = deliver(client, local_system, first)
    thread = first["url"].split("?")[0]
    repeat = deliver(
        client,
        local_system,
        message(url=f"{thread}?reply=999", text="Опять про ту же яму у моста — ничего не сделано."),
    )
    rude = deliver(
        client, local_system, message(text="Дорога на Зудилово — пиздец, когда отремонтируете?")
    )

    tech = staff("tech")
    expect(tech.row(rude).locator(".flag")).to_have_text("п. 20")
    expect(tech.row(repeat).locator(".flag")).to_have_count(0)

    tech.open_case(repeat)
    warning = tech.page.locator(".warnings")
    expect(warning).to_contain_text("Повторное сообщение (п. 18)")
    expect(warning).to_contain_text("В ответе нужно сообщить, что сделано с тех пор.")
    expect(tech.page.locator(".events")).to_contain_text("Связано с ранее рассмотренным сообщением")
    warning.get_by_role("link", name="прежнее сообщение").click()
    expect(tech.page).to_have_url(re.compile(f"#/case/{earlier}$"))
    expect(tech.page.locator(".post-text")).to_have_text(first["text"])

    tech.goto_case(rude)
    expect(tech.page.locator(".warnings")).to_contain_text(
        "Внимание, п. 20 регламента: в тексте найдены признаки — нецензурная брань («пиздец»)."
    )
    refuse = tech.form("not_processable")
    refuse.get_by_label(re.compile("^Основание")).fill("Нецензурная брань (п. 20 регламента).")
    refuse.get_by_role("button", name="Отметить как не подлежащее обработке").click()
    refuse.get_by_role("button", name="Да, не подлежит обработке").click()  # asked again first
    expect(tech.status).to_have_text("Не подлежит обработке")
    expect(tech.page.locator(".closed-note")).to_contain_text(
        "Основание: Нецензурная брань (п. 20 регламента)."
    )
    expect(tech.page.locator(".timers")).not_to_contain_text("осталось")
    assert client.get(f"/api/v1/cases/{rude}", as_="tech")["status"] == "not_processable"


# ------------------------------------------------------------------ errors --------------------


def test_errors_of_the_api_are_shown_in_russian_next_to_their_form(
    staff, client, local_system, message
):
    case_id = deliver(client, local_system, message(text="Когда починят мост через Обь?"))
    first = staff("tech")
    second = staff("tech")
    first.open_case(case_id)
    second.open_case(case_id)

    back = first.form("return")
    back.get_by_role("button", name="Вернуть куратору").click()
    back.get_by_role("button", name="Да, вернуть куратору").click()  # asked again first
    expect(back.get_by_role("alert")).to_contain_text("Укажите причину возврата.")
    expect(back.get_by_role("alert")).to_contain_text("Причина: обязательное поле")
    expect(back.get_by_label("Причина возврата")).to_have_attribute("aria-invalid", "true")
    expect(first.status).to_have_text("Новое")
    triage = first.form("accept")
    triage.get_by_role("checkbox", name=re.compile("Дороги")).uncheck()
    triage.get_by_role("button", name="Принять в работу").click()
    expect(triage.get_by_role("alert")).to_contain_text("Выберите хотя бы один отдел-исполнитель.")
    triage.get_by_role("checkbox", name=re.compile("ЖКХ")).check()
    triage.get_by_role("button", name="Принять в работу").click()
    expect(first.status).to_have_text("В работе")

    # the other window still shows the case as new: the server refuses, the page offers a refresh
    stale = second.form("accept")
    stale.get_by_role("button", name="Принять в работу").click()
    alert = stale.get_by_role("alert")
    expect(alert).to_contain_text("Действие невозможно: сообщение в статусе «В работе».")
    alert.get_by_role("button", name="Обновить страницу").click()
    expect(second.status).to_have_text("В работе")
    expect(second.form("accept")).to_have_count(0)

    # someone else wrote the case between our read and our write: the server's 409 `conflict`
    other = deliver(client, local_system, message(text="Нет освещения на ул. Садовой."))
    second.goto_case(other)
    expect(second.status).to_have_text("Новое")
    second.page.route(
        "**/api/v1/cases/*/triage",
        lambda route: route.fulfill(
            status=409,
            json={"error": {"code": "conflict", "message": CONFLICT, "fields": {}}},
        ),
    )
    second.form("accept").get_by_role("button", name="Принять в работу").click()
    alert = second.form("accept").get_by_role("alert")
    expect(alert).to_contain_text(CONFLICT)
    expect(alert.get_by_role("button", name="Обновить страницу")).to_be_visible()
    second.page.unroute("**/api/v1/cases/*/triage")


# ------------------------------------------------------------------ the page's data ----------


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def test_the_page_is_served_its_data_as_the_generator_writes_it(base_url, calendar_json):
    build = build_data()
    assert build.main(["--check"]) == 0
    for name, text in build.outputs().items():
        with urllib.request.urlopen(f"{base_url}/{name}", timeout=30) as response:
            assert response.read().decode("utf-8") == text, name
    assert calendar_json["timezone"] == "Asia/Barnaul"
    first, last = calendar_json["first_year"], calendar_json["last_year"]
    assert first == 2025
    assert last >= max(2027, datetime.now(UTC).year + 1)
    assert calendar_json["covered_from"] == _ms("2025-01-01T00:00:00+07:00")
    assert calendar_json["covered_until"] == _ms(f"{last + 1}-01-01T00:00:00+07:00")
    periods = {tuple(p) for p in calendar_json["periods"]}
    # a working Saturday, shortened (docs/design.md), and a shortened pre-holiday Tuesday
    assert (_ms("2025-11-01T09:00:00+07:00"), _ms("2025-11-01T13:00:00+07:00")) in periods
    assert (_ms("2025-11-01T14:00:00+07:00"), _ms("2025-11-01T17:00:00+07:00")) in periods
    assert (_ms("2026-11-03T14:00:00+07:00"), _ms("2026-11-03T17:00:00+07:00")) in periods
    new_year = range(_ms("2026-01-01T00:00:00+07:00"), _ms("2026-01-12T00:00:00+07:00"))
    assert not [p for p in periods if p[0] in new_year]  # the New Year holidays


def _random_pairs(calendar_json: dict, rng: random.Random, count: int) -> list[tuple[int, int]]:
    """Instant pairs (whole seconds, in ms) over the covered range: spans of minutes, days and
    months in both directions, and ends on, just before and just after period boundaries."""
    start = calendar_json["covered_from"] // 1000
    end = calendar_json["covered_until"] // 1000 - 1
    boundaries = [t // 1000 for p in calendar_json["periods"] for t in p]

    def instant() -> int:
        if rng.random() < 0.3:
            return rng.choice(boundaries) + rng.choice([-1, 0, 0, 1])
        return rng.randint(start, end)

    pairs = []
    for _ in range(count):
        a = instant()
        span = rng.choice([3 * 3600, 4 * 86400, 40 * 86400, 800 * 86400])
        b = rng.choice([instant(), a + rng.randint(-span, span)])
        pairs.append((a * 1000, max(start, min(b, end)) * 1000))
    return pairs


def test_the_pages_countdown_counts_working_time_as_the_server_does(
    browser, base_url, calendar_json
):
    page = browser.new_page(timezone_id="America/New_York")  # the browser's zone must not matter
    try:
        page.goto(base_url + "/")
        page.wait_for_function("() => window.otklikCalendar !== undefined")
        pairs = _random_pairs(calendar_json, random.Random(856), 500)
        # across the New Year holidays, a working Saturday, 8 March, the turn of a year, a
        # deadline at 13:00 or 18:00, backwards
        for a, b in [
            ("2025-12-30T17:00:00+07:00", "2026-01-12T09:30:00+07:00"),
            ("2025-11-01T16:30:00+07:00", "2025-11-05T09:00:00+07:00"),
            ("2026-03-06T12:59:00+07:00", "2026-03-10T13:00:00+07:00"),
            ("2026-06-12T18:00:00+07:00", "2026-06-11T14:00:00+07:00"),
            ("2026-12-31T10:00:00+07:00", "2027-01-11T10:00:00+07:00"),
            ("2025-01-01T00:00:00+07:00", "2027-12-31T23:59:59+07:00"),
        ]:
            pairs.append((_ms(a), _ms(b)))
        counted = page.evaluate(
            "pairs => pairs.map(([a, b]) => window.otklikCalendar.workingMsBetween(a, b))", pairs
        )
        calendar = WorkingCalendar()
        for (a, b), ms in zip(pairs, counted, strict=True):
            assert ms / 60000 == calendar.working_minutes_between(_at(a), _at(b)), (_at(a), _at(b))

        instants = [a for a, _ in pairs[:200]]
        working = page.evaluate(
            "ts => ts.map(t => window.otklikCalendar.isWorkingTime(t))", instants
        )
        assert working == [calendar.is_working_time(_at(t)) for t in instants]
        edges = [calendar_json["covered_from"] - 1, calendar_json["covered_from"]]
        edges += [calendar_json["covered_until"] - 1, calendar_json["covered_until"]]
        covered = page.evaluate("ts => ts.map(t => window.otklikCalendar.covers(t))", edges)
        assert covered == [False, True, True, False]

        # the countdown of a deadline: amber under an hour of working time, red once passed
        levels = page.evaluate(
            """([soon, later, past, now]) => [soon, later, past].map(
                d => window.otklik.countdown(d, now))""",
            [
                _ms("2026-12-01T10:10:00+07:00"),
                _ms("2026-12-01T14:30:00+07:00"),
                _ms("2026-11-30T17:00:00+07:00"),
                _ms("2026-12-01T09:15:00+07:00"),
            ],
        )
        assert [x["level"] for x in levels] == ["soon", "ok", "late"]
        assert [x["minutes"] for x in levels] == [55, 255, -75]
        assert levels[0]["text"] == "осталось 55\u00a0мин"
        assert levels[1]["text"] == "осталось 4\u00a0ч 15\u00a0мин"
        assert levels[2]["text"] == "просрочено на 1\u00a0ч 15\u00a0мин"
        # a deadline outside the calendar is not guessed at
        beyond = page.evaluate(
            "([d, now]) => window.otklik.countdown(d, now)",
            [calendar_json["covered_until"] + 3600_000, _ms("2026-12-01T09:15:00+07:00")],
        )
        assert beyond == {"text": "нет данных календаря", "level": "unknown", "minutes": None}
    finally:
        page.close()


def test_once_the_calendar_runs_out_the_page_says_so_instead_of_guessing(
    staff, client, local_system, message
):
    case_id = deliver(client, local_system, message(text="Не горят фонари на ул. Садовой."))
    # the page's data as it was written years ago: it ends before today
    old = build_data().build_calendar(first_year=2025, last_year=2025)
    tech = staff("tech")
    tech.page.route("**/calendar.json", lambda route: route.fulfill(json=old))
    tech.page.reload()
    expect(tech.row(case_id)).to_be_visible()
    expect(tech.page.locator("#work-clock")).to_have_text(
        "Нет данных рабочего календаря на эту дату (есть на 2025 г.): обратный отсчёт недоступен"
    )
    countdown = tech.row(case_id).locator(".countdown")
    expect(countdown).to_have_text("нет данных календаря")
    expect(countdown).to_have_class(re.compile(r"\bunknown\b"))


def test_the_page_names_codes_from_the_servers_vocabulary(staff):
    names = vocabulary()
    tech = staff("tech")
    options = tech.page.locator("#filter-status option").all_inner_texts()
    assert options == ["Все", *names["statuses"].values()]
    plurals = tech.page.evaluate(
        """async () => {
            const { plural } = await import("./texts.js");
            const forms = ["сообщение", "сообщения", "сообщений"];
            return [0, 1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 112, 1000].map(
                n => `${n} ${plural(n, forms)}`);
        }"""
    )
    assert plurals == [
        "0 сообщений",
        "1 сообщение",
        "2 сообщения",
        "4 сообщения",
        "5 сообщений",
        "11 сообщений",
        "12 сообщений",
        "14 сообщений",
        "21 сообщение",
        "22 сообщения",
        "25 сообщений",
        "101 сообщение",
        "111 сообщений",
        "112 сообщений",
        "1000 сообщений",
    ]

    # without the vocabulary the page still works, shows the codes and says why
    tech.page.route("**/vocabulary.json", lambda route: route.fulfill(status=404, body="{}"))
    tech.page.reload()
    expect(tech.page.get_by_role("heading", level=1, name="Входящие")).to_be_visible()
    expect(tech.flash).to_contain_text("Не удалось загрузить названия статусов и ролей")
    expect(tech.page.locator(".who-role")).to_have_text("technical")


# ------------------------------------------------------------------ keyboard and phone --------


def test_the_page_works_from_the_keyboard(client, local_system, message, browser, base_url):
    case_id = deliver(client, local_system, message(text="Не работает уличное освещение."))
    page = browser.new_page()
    try:
        page.goto(base_url + "/")
        expect(page.get_by_label("Логин")).to_be_focused()
        page.keyboard.type("tech")
        page.keyboard.press("Tab")
        page.keyboard.type("demo")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1, name="Входящие")).to_be_focused()
        link = page.locator(f'tr[data-case-id="{case_id}"] a.case-link')
        expect(link).to_be_visible()
        for _ in range(300):
            page.keyboard.press("Tab")
            if link.evaluate("el => el === document.activeElement"):
                break
        else:
            pytest.fail("the case link cannot be reached with Tab")
        outline = link.evaluate("el => getComputedStyle(el).outlineStyle")
        assert outline != "none"  # the focus is visible
        page.keyboard.press("Enter")
        expect(page.locator(".case-head h1")).to_be_focused()
        expect(page.locator('form[data-action="accept"]')).to_be_visible()
    finally:
        page.close()


def test_the_page_fits_a_phone_and_the_screenshots_are_taken(staff, client, local_system, message):
    case_id = deliver(client, local_system, housing_post(message))
    resp = staff("resp")
    expect(resp.row(case_id)).to_be_visible()
    shoot(resp.page, "inbox.png")

    phone = staff("tech", width=390, height=844)
    expect(phone.row(case_id)).to_be_visible()
    assert overflowing(phone.page) == []
    shoot(phone.page, "inbox-phone.png", full_page=False)
    phone.open_case(case_id)
    expect(phone.form("accept")).to_be_visible()
    assert overflowing(phone.page) == []
    assert clipped(phone.page) == []
    # the deadlines come right after the post, above the forms (not 1,700 px down)
    top = {
        name: phone.page.locator(f".case-grid .card.{name}").bounding_box()["y"]
        for name in ("post", "timers", "actions", "timeline")
    }
    assert top["post"] < top["timers"] < top["actions"] < top["timeline"], top
    assert top["timers"] < 844 * 2, top  # within two screens of the top
