"""Russian text checks on the staff page, in Chromium: the clause 20 words shown to the technical
executor, the draft checker's advice on the draft form, and the same advice at approval."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.usefixtures("consumers_never_fail")

EVASIVE = "Ваше обращение принято к сведению. Вопрос находится на контроле администрации."
GOOD = (
    "Ирина, здравствуйте! Яму напротив дома 12 по ул. Ленина дорожная служба отремонтирует "
    "до 10 декабря."
)


def delivered(client, local_system, message, **fields) -> str:
    reply = client.deliver(message(**fields))
    assert reply.status == 201, reply.body
    local_system.drain()
    return reply["case_id"]


def test_the_technical_executor_sees_which_words_raised_a_clause_20_flag(
    staff, client, local_system, message
):
    case_id = delivered(
        client,
        local_system,
        message,
        text="Вы там совсем охуели? Пристрелю всех, кто за это отвечает.",
    )
    tech = staff("tech")
    tech.goto_case(case_id)
    note = tech.page.locator(".warning", has_text="п. 20 регламента")
    expect(note).to_contain_text("нецензурная брань («охуели»)")
    expect(note).to_contain_text("угрозы")
    expect(note).to_contain_text("«Пристрелю»")


def test_the_draft_checker_advises_on_the_form_and_at_approval(
    staff, client, local_system, message
):
    case_id = delivered(client, local_system, message)
    reply = client.post(
        f"/api/v1/cases/{case_id}/triage",
        {"decision": "accept", "departments": ["roads"]},
        as_="tech",
    )
    assert reply.status == 200, reply.body

    roads = staff("roads")
    roads.goto_case(case_id)
    form = roads.form("submit_draft")
    form.get_by_label("Текст ответа").fill(EVASIVE)
    form.get_by_role("button", name="Проверить ответ").click()
    advice = form.locator(".advice")
    expect(advice.locator('[data-code="no_measure"]')).to_be_visible()
    expect(advice.locator('[data-code="no_date"]')).to_be_visible()
    expect(advice.locator('[data-code="boilerplate"]')).to_contain_text("принято к сведению")
    expect(advice).to_contain_text("направить на согласование можно и так")

    form.get_by_label("Текст ответа").fill(GOOD)
    form.get_by_role("button", name="Проверить ответ").click()
    expect(advice.locator('[data-code="no_measure"]')).to_have_count(0)
    expect(advice.locator(".finding-warning")).to_have_count(0)

    form.get_by_label("Текст ответа").fill(EVASIVE)  # the advice never blocks
    form.get_by_role("button", name="Направить на согласование").click()
    expect(roads.status).to_have_text("На согласовании")

    resp = staff("resp")
    resp.goto_case(case_id)
    review = resp.page.locator(".review-draft")
    expect(review.locator('[data-code="no_measure"]')).to_be_visible()
    expect(review.locator('[data-code="no_address"]')).to_be_visible()
    stored = client.get(f"/api/v1/cases/{case_id}", as_="resp")["drafts"][-1]["checks"]
    assert {"no_measure", "no_date", "boilerplate"} <= {f["code"] for f in stored}
