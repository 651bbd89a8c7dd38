"""«Сводка» (`#/dashboard`) in Chromium against the whole local system: the head of district
sees today's socially significant message (clause 24) with a link that opens its case, and the
departments' answers on time this month; an executor is told the page is not theirs."""

from __future__ import annotations

import re

import pytest

from otklik.vocabulary import plural
from tests.e2e.test_staff_page import accept, deliver

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.usefixtures("consumers_never_fail")


def test_the_head_sees_todays_significant_message_and_the_departments(
    staff, client, local_system, message, base_url
):
    post = message(importance="high", text="На ул. Садовой прорвало трубу, вода заливает дома.")
    case_id = deliver(client, local_system, post)
    accept(client, case_id, ["roads"])
    assert client.get(f"/api/v1/cases/{case_id}", as_="head")["significance"] == "high_importance"

    head = staff("head")
    head.page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Сводка").click()

    expect(head.page.get_by_role("heading", level=1, name="Сводка за сегодня")).to_be_visible()
    significant = head.page.locator("#dashboard-significant")
    row = significant.locator(f'tr[data-case="{case_id}"]')
    expect(row).to_contain_text("На ул. Садовой прорвало трубу")
    expect(row).to_contain_text("Социально значимое сообщение")
    expect(row).to_contain_text("Дороги")
    # the session's other tests leave cases too: the page shows what the API counts
    board = client.get("/api/v1/dashboard", as_="head").body
    open_significant = len(board["significant"])
    form = plural(open_significant, "сообщение", "сообщения", "сообщений")
    expect(significant).to_contain_text(f"{open_significant}\u00a0{form} ещё в работе.")

    departments = head.page.locator("#dashboard-departments")
    roads = departments.locator('tr[data-department="roads"]')
    expect(roads.locator("th")).to_have_text("Дороги")
    [roads_figures] = [d for d in board["departments"] if d["department"] == "roads"]
    assert roads_figures["in_work"] >= 1  # this test's case at least
    expect(roads.locator("td").last).to_have_text(str(roads_figures["in_work"]))
    expect(departments.locator('tr[data-department="housing"] th')).to_have_text("ЖКХ")
    expect(head.page.locator("#dashboard-breaches")).to_be_visible()

    row.get_by_role("link", name=post["external_id"]).click()
    expect(head.page).to_have_url(re.compile(rf"#/case/{case_id}$"))
    expect(head.page.locator(".case-head")).to_contain_text(post["external_id"])
    assert head.errors == []


def test_an_executor_is_told_the_summary_is_not_theirs(staff, base_url):
    roads = staff("roads")
    expect(roads.page.get_by_role("link", name="Сводка")).to_have_count(0)  # not in its menu
    roads.page.goto(base_url + "/#/dashboard")

    expect(roads.page.locator(".form-error")).to_contain_text("главе района")
    expect(roads.page.locator("#dashboard-departments")).to_have_count(0)
    assert roads.errors == []
