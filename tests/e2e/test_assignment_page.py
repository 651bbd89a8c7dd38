"""Assigning a case to an official of the department, in Chromium against the whole local
system: the head of roads gives the case to Popov from the case page, Popov is told by letter,
sees it as his turn in his inbox and writes the draft; the inbox names him; Popov, who does not
head the department, is offered no assignment."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.e2e.test_staff_page import accept, deliver

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.usefixtures("consumers_never_fail")


def test_the_head_of_roads_assigns_a_case_to_popov_who_then_answers_it(
    staff, client, local_system, message, base_url
):
    post = message(text="Яма на ул. Гагарина у дома 12, третью неделю.")
    case_id = deliver(client, local_system, post)
    accept(client, case_id, ["roads"])

    popov = staff("popov")
    expect(popov.row(case_id)).to_be_visible()  # a department's case: he sees it
    expect(popov.row(case_id).locator(".turn-you")).to_have_count(0)  # but it is not his yet

    roads = staff("roads")
    roads.open_case(case_id)
    section = roads.page.locator(".assignment")
    expect(section).to_contain_text("Дороги: начальник отдела, не поручено")
    form = roads.form("assign")
    form.get_by_label("Поручить сотруднику").select_option(label="Дмитрий Сергеевич Попов")
    form.get_by_role("button", name="Поручить").click()
    expect(roads.flash).to_contain_text("Сообщение поручено: Дмитрий Сергеевич Попов.")
    expect(section).to_contain_text("Дороги: Дмитрий Сергеевич Попов")
    expect(roads.page.locator(".timeline")).to_contain_text(
        "Поручено: Дмитрий Сергеевич Попов (Дороги)"
    )
    expect(roads.status).to_have_text("В работе")  # an assignment moves no step

    local_system.drain()
    with urllib.request.urlopen(f"{base_url}/mail/api", timeout=30) as reply:
        letters = json.load(reply)
    [letter] = [
        m
        for m in letters
        if "popov@otklik.local" in m["destinations"]["ToAddresses"]
        and f"#/case/{case_id}" in m["body"]
    ]
    assert letter["subject"].startswith("Вам поручено сообщение: ")
    assert "по отделу «Дороги»" in letter["body"]
    assert (
        not [  # the department's other officials are not written to about it
            m
            for m in letters
            if "orlova@otklik.local" in m["destinations"]["ToAddresses"]
            and f"#/case/{case_id}" in m["body"]
        ]
    )

    popov.inbox()
    row = popov.row(case_id)
    expect(row.locator(".turn-you")).to_be_visible()
    expect(row.locator(".cell-turn")).to_contain_text("Дмитрий Сергеевич Попов")
    popov.open_case(case_id)
    expect(popov.form("assign")).to_have_count(0)  # he does not head the department
    draft = popov.form("submit_draft")
    draft.get_by_label("Текст ответа").fill(
        "Ирина, здравствуйте! Яму на ул. Гагарина засыплем щебнем до 20 марта."
    )
    draft.get_by_role("button", name="Направить на согласование").click()
    expect(popov.status).to_have_text("На согласовании")
    detail = client.get(f"/api/v1/cases/{case_id}", as_="resp").body
    assert detail["drafts"][-1]["author"] == "popov"
    assert detail["assignees"] == [
        {"department": "roads", "login": "popov", "name": "Дмитрий Сергеевич Попов"}
    ]
