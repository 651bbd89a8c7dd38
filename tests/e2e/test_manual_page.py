"""The path without an integration, on the staff page in Chromium, as officials walk it today.

The simulated monitoring system runs without an API: it shows a message card and e-mails its
notice; the curator reads the drafts there and decides there. Officials copy between the two by
hand: `tech` registers the message from the pasted notice, `roads` drafts, `resp` approves, `tech`
copies the approved text into the monitoring system, marks it sent and records what the curator
decided — a return, a rework, then an approval — and records the publication.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from otklik.domain.policy import Deadline
from tests.e2e.conftest import BARNAUL

DRAFT = (
    "Ирина, здравствуйте! Яму напротив дома 12 по ул. Ленина отремонтирует дорожная служба "
    "до 10 декабря, после ремонта разместим здесь фото."
)
REWORKED = DRAFT + " Ответственный — начальник отдела дорог А. П. Васильев."
RETURN_COMMENT = "Укажите, кто отвечает за ремонт."


pytestmark = pytest.mark.usefixtures("consumers_never_fail")


def card(local_system, base_url, detected_at: datetime, **fields) -> dict:
    """A message in the monitoring system without an API: a card and its e-mail notice."""
    post = uuid.uuid4().int % 10**6
    local_system.simulator.create_card(
        {
            "text": "Добрый день! На ул. Ленина напротив дома 12 огромная яма, "
            "за неделю две машины пробили колёса. Когда отремонтируют?",
            "topic": "Дороги",
            "location": "с. Зудилово",
            "importance": "high",
            "network": "vk",
            "url": f"https://vk.com/wall-170171414_{post}?reply={post + 7}",
            "author": "Ирина Петрова",
            "detected_at": detected_at,
            **fields,
        },
        page_url=f"{base_url}/sim",
    )
    return local_system.simulator.cards[-1]


def case_id_of(official) -> str:
    found = re.search(r"#/case/([0-9a-f]+)", official.page.url)
    assert found, official.page.url
    return found.group(1)


def open_case(official, case_id: str) -> None:
    """The case as it is now (through the inbox, so an open case view is read afresh)."""
    official.page.goto(f"{official.base_url}/#/")
    expect(official.page.get_by_role("heading", level=1, name="Входящие")).to_be_visible()
    official.goto_case(case_id)
    expect(official.actions).to_be_visible()


def copied_draft(tech) -> str:
    """«Скопировать текст ответа», and what the clipboard then holds."""
    tech.form("mark_sent").get_by_role("button", name="Скопировать текст ответа").click()
    expect(tech.flash).to_contain_text("Текст ответа скопирован.")
    return tech.page.evaluate("navigator.clipboard.readText()")


def draft_and_approve(roads, resp, case_id: str, text: str) -> None:
    """roads submits a draft (or its rework), resp approves it: ready to enter."""
    open_case(roads, case_id)
    form = roads.form("submit_draft")
    form.get_by_label("Текст ответа").fill(text)
    form.get_by_role("button", name="Направить на согласование").click()
    expect(roads.status).to_have_text("На согласовании")
    open_case(resp, case_id)
    resp.form("approve_draft").get_by_role(
        "button", name="Согласовать и направить куратору"
    ).click()
    expect(resp.status).to_have_text("Готов к отправке куратору")


def enter_and_mark_sent(tech, local_system, number: str, case_id: str, text: str) -> None:
    """tech copies the approved text into the monitoring system's card and marks it sent."""
    open_case(tech, case_id)
    expect(tech.form("mark_sent")).to_contain_text(text)
    copied = copied_draft(tech)
    assert copied == text
    local_system.simulator.enter_draft(number, copied)
    tech.form("mark_sent").get_by_role("button", name="Внесено в систему мониторинга").click()
    expect(tech.status).to_have_text("У куратора")


def record_decision(tech, decision: str, comment: str = "") -> None:
    form = tech.form("curator_decide")
    form.get_by_label(decision).check()
    if comment:
        form.get_by_label("Замечания куратора").fill(comment)
    form.get_by_role("button", name="Записать решение куратора").click()


def test_a_message_from_an_e_mail_notice_is_answered_with_every_step_by_hand(
    staff, client, local_system, base_url, policy
):
    detected = (datetime.now(BARNAUL) - timedelta(minutes=25)).replace(second=0, microsecond=0)
    sim = card(local_system, base_url, detected)
    number, notice = sim["number"], sim["notice"]["body"]

    # tech registers it from the pasted notice; every field is read, nothing guessed
    tech = staff("tech")
    tech.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    tech.page.get_by_role("link", name="Зарегистрировать сообщение").click()
    expect(tech.page.get_by_role("heading", level=1)).to_have_text("Регистрация сообщения")
    tech.page.get_by_label("Текст письма-уведомления").fill(notice)
    tech.page.get_by_role("button", name="Заполнить поля").click()
    form = tech.form("register")
    expect(form.locator('[name="url"]')).to_have_value(sim["url"])
    expect(form.locator('[name="detected_at"]')).to_have_value(detected.strftime("%Y-%m-%dT%H:%M"))
    expect(form.locator('[name="author.name"]')).to_have_value("Ирина Петрова")
    expect(form.locator('[name="topic"]')).to_have_value("Дороги")
    expect(form.locator('[name="importance"]')).to_have_value("high")
    expect(form.locator('[name="external_id"]')).to_have_value(number)
    expect(form.locator('[name="author.url"]')).to_have_value(sim["author"]["url"])
    expect(form.locator(".reg-field.missing")).to_have_count(0)
    expect(tech.page.locator("#notice-summary")).to_contain_text("Все обязательные поля заполнены")
    form.get_by_role("button", name="Зарегистрировать").click()
    expect(tech.flash).to_contain_text("Сообщение зарегистрировано")
    expect(tech.status).to_have_text("Новое")
    case_id = case_id_of(tech)
    local_system.drain()

    case = client.get(f"/api/v1/cases/{case_id}", as_="tech").body
    answer_due = policy.due(Deadline.ANSWER, detected)
    assert case["source"] == "manual"
    assert datetime.fromisoformat(case["message"]["detected_at"]) == detected
    assert datetime.fromisoformat(case["deadlines"]["answer_due"]) == answer_due
    assert datetime.fromisoformat(case["deadlines"]["send_to_curator_due"]) == policy.due(
        Deadline.SEND_TO_CURATOR, answer_due
    )

    # triage: tech sends it to roads
    tech.refresh()
    accept = tech.form("accept")
    accept.get_by_label("Дороги").check()
    accept.get_by_role("button", name="Принять в работу").click()
    expect(tech.status).to_have_text("В работе")

    # roads drafts, resp approves; tech enters it into the monitoring system, marks it sent
    roads, resp = staff("roads"), staff("resp")
    draft_and_approve(roads, resp, case_id, DRAFT)
    enter_and_mark_sent(tech, local_system, number, case_id, DRAFT)
    first_sent = datetime.now(BARNAUL)

    # the curator returns it there; tech records the return
    local_system.simulator.decide_card(number, "returned", RETURN_COMMENT)
    record_decision(tech, "Вернул на доработку", RETURN_COMMENT)
    expect(tech.flash).to_contain_text("проект возвращён на доработку")
    expect(tech.status).to_have_text("На доработке")

    # roads reworks (the curator's remark shown), resp approves, tech enters it again
    open_case(roads, case_id)
    expect(roads.form("submit_draft")).to_contain_text(RETURN_COMMENT)
    draft_and_approve(roads, resp, case_id, REWORKED)
    enter_and_mark_sent(tech, local_system, number, case_id, REWORKED)

    # the curator approves there; tech records it and publishes
    local_system.simulator.decide_card(number, "approved", "")
    record_decision(tech, "Согласовал")
    expect(tech.status).to_have_text("Согласовано, к публикации")
    publish = tech.form("publish")
    published = sim["url"].replace("reply=", "reply=9")
    publish.get_by_label("Ссылка на опубликованный ответ").fill(published)
    publish.get_by_role("button", name="Записать публикацию").click()
    expect(tech.status).to_have_text("Ответ опубликован")
    expect(tech.page.locator(".timeline")).to_contain_text("внесено вручную")

    # every deadline counted from the detection time typed in, and from each manual step
    done = client.get(f"/api/v1/cases/{case_id}", as_="tech").body
    timers = {}
    for t in done["timers"]:
        timers.setdefault(t["deadline"], []).append(t)
    (t2,) = timers["answer_due"]
    assert datetime.fromisoformat(t2["started_at"]) == detected
    assert datetime.fromisoformat(t2["due"]) == answer_due
    (t3,) = timers["send_to_curator_due"]
    assert datetime.fromisoformat(t3["started_at"]) == detected
    assert datetime.fromisoformat(t3["stopped_at"]) <= first_sent
    first, second = done["drafts"]
    assert first["sent_to_curator_at"] == t3["stopped_at"]  # T3 stopped when marked sent
    (t5,) = timers["rework_due"]
    assert t5["started_at"] == first["curator_decided_at"]
    (t4,) = timers["curator_decision_due"]  # the timer of the draft now with the curator
    assert t5["stopped_at"] == t4["started_at"] == second["sent_to_curator_at"]
    (t6,) = timers["publish_due"]
    assert t6["started_at"] == t4["stopped_at"] == second["curator_decided_at"]
    assert datetime.fromisoformat(t6["due"]) == policy.due(
        Deadline.PUBLISH, datetime.fromisoformat(t6["started_at"])
    )
    manual_steps = [
        (e["action"], e["actor"]) for e in done["timeline"] if e["details"].get("via") == "manual"
    ]
    assert manual_steps == [
        ("received", "tech"),
        ("draft_sent_to_curator", "tech"),
        ("curator_returned", "tech"),
        ("draft_sent_to_curator", "tech"),
        ("curator_approved", "tech"),
    ]
    assert local_system.simulator.calls(external_id=number) == []  # no call went out


def test_a_notice_without_a_time_leaves_the_field_empty_and_marked(staff, local_system, base_url):
    sim = card(local_system, base_url, datetime.now(BARNAUL))
    notice = "\n".join(
        line for line in sim["notice"]["body"].splitlines() if "Дата обнаружения" not in line
    )
    tech = staff("tech")
    tech.page.goto(f"{base_url}/#/register")
    tech.page.get_by_label("Текст письма-уведомления").fill(notice)
    tech.page.get_by_role("button", name="Заполнить поля").click()
    when = tech.form("register").locator('[data-field="detected_at"]')
    expect(when).to_have_class(re.compile(r"\bmissing\b"))
    expect(when.locator("input")).to_have_value("")
    expect(when).to_contain_text("Не найдено в тексте — заполните.")
    expect(tech.page.locator("#notice-summary")).to_contain_text("Не удалось прочитать")
    tech.form("register").get_by_role("button", name="Зарегистрировать").click()
    expect(tech.form("register").locator(".form-error")).to_contain_text("Время обнаружения")
