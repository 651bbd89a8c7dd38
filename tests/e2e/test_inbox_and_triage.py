"""Issue 16, items 7 and 9, on the staff page in Chromium against the whole local system.

Clause 20: on a flagged message the closing decisions are the main buttons and no department is
ticked; every closing decision (return to the curator, not processable) is asked again in the
page and nothing is sent until it is confirmed; a threat to an official reaches the head of
district at once (clause 24), by letter and on the case. The inbox: the viewer's own deadline
with the most urgent one under it, a «Чей ход» column, a search, closed cases hidden until
«Показать закрытые», and a title of topic, place, author and the first words of the text.
"""

from __future__ import annotations

import json
import re
import urllib.request
import uuid

import pytest

from tests.e2e.test_staff_page import accept, deliver

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.usefixtures("consumers_never_fail")

RUDE = "Дорога на Зудилово — пиздец, когда отремонтируете?"


def triage_posts(official) -> list[str]:
    """The triage requests the page sends from now on (their bodies)."""
    sent: list[str] = []
    official.page.on(
        "request",
        lambda r: (
            sent.append(r.post_data or "")
            if r.method == "POST" and r.url.endswith("/triage")
            else None
        ),
    )
    return sent


# ------------------------------------------------------------------ clause 20 -----------------


def test_a_flagged_message_offers_the_closing_decisions_first_with_nothing_ticked(
    staff, client, local_system, message
):
    rude = deliver(client, local_system, message(text=RUDE))
    assert client.get(f"/api/v1/cases/{rude}", as_="tech")["proposed_departments"]

    tech = staff("tech")
    tech.open_case(rude)
    forms = tech.page.locator(".triage form[data-action]")
    expect(forms.first).to_have_attribute("data-action", "return")
    back = tech.form("return").get_by_role("button", name="Вернуть куратору")
    expect(back).not_to_have_class(re.compile(r"\bsecondary\b"))
    refuse = tech.form("not_processable").get_by_role(
        "button", name="Отметить как не подлежащее обработке"
    )
    expect(refuse).not_to_have_class(re.compile(r"\bsecondary\b"))
    take = tech.form("accept").get_by_role("button", name="Принять в работу")
    expect(take).to_have_class(re.compile(r"\bsecondary\b"))
    boxes = tech.form("accept").get_by_role("checkbox")
    expect(boxes.first).to_be_visible()
    expect(tech.form("accept").locator("input[type=checkbox]:checked")).to_have_count(0)
    expect(tech.form("accept")).to_contain_text("(предложено)")  # still named, not ticked

    # a message without flags: acceptance stays first, the proposed department ticked
    plain = deliver(client, local_system, message(text="Яма на дороге у школы."))
    tech.goto_case(plain)
    expect(tech.status).to_have_text("Новое")
    expect(forms.first).to_have_attribute("data-action", "accept")
    expect(tech.form("accept").get_by_role("button", name="Принять в работу")).not_to_have_class(
        re.compile(r"\bsecondary\b")
    )
    expect(tech.form("accept").locator("input[type=checkbox]:checked")).to_have_count(1)
    expect(tech.form("return").get_by_role("button", name="Вернуть куратору")).to_have_class(
        re.compile(r"\bsecondary\b")
    )


def test_a_closing_decision_is_asked_again_and_sends_nothing_until_confirmed(
    staff, client, local_system, message
):
    case_id = deliver(client, local_system, message(text="Когда починят мост через Обь?"))
    tech = staff("tech")
    sent = triage_posts(tech)
    tech.open_case(case_id)

    back = tech.form("return")
    back.get_by_label("Причина возврата").fill("Мост — областная собственность.")
    back.get_by_role("button", name="Вернуть куратору").click()
    question = back.get_by_role("group", name=re.compile("^Вернуть сообщение куратору"))
    expect(question).to_contain_text("Вернуть сообщение куратору?")
    expect(back.get_by_role("button", name="Да, вернуть куратору")).to_be_focused()
    tech.page.wait_for_timeout(300)
    assert sent == []  # asked, not sent
    back.get_by_role("button", name="Отмена").click()
    expect(question).to_be_hidden()
    expect(back.get_by_role("button", name="Вернуть куратору")).to_be_focused()
    assert sent == []
    expect(tech.status).to_have_text("Новое")
    assert client.get(f"/api/v1/cases/{case_id}", as_="tech")["status"] == "received"

    back.get_by_role("button", name="Вернуть куратору").click()
    back.get_by_role("button", name="Да, вернуть куратору").click()
    expect(tech.status).to_have_text("Возвращено куратору")
    assert len(sent) == 1 and '"decision":"return"' in sent[0].replace(" ", "")

    # not processable, too: asked again; Escape goes back, «Да» sends it
    rude = deliver(client, local_system, message(text=RUDE))
    tech.goto_case(rude)
    expect(tech.status).to_have_text("Новое")
    refuse = tech.form("not_processable")
    refuse.get_by_label(re.compile("^Основание")).fill("Нецензурная брань (п. 20 регламента).")
    refuse.get_by_role("button", name="Отметить как не подлежащее обработке").click()
    expect(refuse.locator(".confirm")).to_contain_text("не подлежащее обработке?")
    tech.page.keyboard.press("Escape")
    expect(refuse.locator(".confirm")).to_be_hidden()
    assert len(sent) == 1
    refuse.get_by_role("button", name="Отметить как не подлежащее обработке").click()
    refuse.get_by_role("button", name="Да, не подлежит обработке").click()
    expect(tech.status).to_have_text("Не подлежит обработке")
    assert len(sent) == 2


def test_a_threat_to_an_official_reaches_the_head_at_once_by_letter_and_on_the_page(
    staff, client, local_system, message, base_url
):
    threat = message(text="Спалю твою дачу, глава, если дорогу не сделаете!", importance="low")
    case_id = deliver(client, local_system, threat)
    local_system.drain()  # the letters go out

    head = staff("head")
    head.open_case(case_id)
    expect(head.page.locator(".warning", has_text="Доложено главе района (п. 24)")).to_contain_text(
        "угроза должностному лицу или его семье"
    )
    with urllib.request.urlopen(f"{base_url}/mail/api", timeout=30) as reply:
        letters = json.load(reply)
    [letter] = [
        m
        for m in letters
        if "head@otklik.local" in m["destinations"]["ToAddresses"]
        and threat["url"] in m["body"]
        and m["subject"].startswith("Доклад главе района: угроза должностному лицу")
    ]
    words = client.get(f"/api/v1/cases/{case_id}", as_="head")["flag_words"]["threat"]
    assert words and all(f"«{w}»" in letter["body"] for w in words)
    assert "сообщите в полицию" in letter["body"]
    assert f"#/case/{case_id}" in letter["body"]  # a link to the case


# ------------------------------------------------------------------ the inbox -----------------


def test_the_inbox_shows_the_viewers_own_deadline_and_whose_turn_it_is(
    staff, client, local_system, message
):
    case_id = deliver(client, local_system, message())

    resp = staff("resp")
    row = resp.row(case_id)
    due = row.locator("td.cell-due")
    expect(due.locator(".due-name")).to_have_text("Публикация ответа (T2)")  # T2 is resp's own
    expect(due.locator(".due-other")).to_contain_text(
        "Ближайший срок: Распределение сообщения (T1)"
    )
    expect(row.locator("td.cell-turn")).to_have_text("Технический исполнитель")
    expect(resp.page.locator("table.inbox thead")).to_contain_text("Чей ход")
    expect(resp.page.locator("table.inbox thead")).to_contain_text("Ваш срок")
    title = row.locator("a.case-link")
    expect(title).to_have_text(
        re.compile(r"^Дороги, с\. Зудилово — Ирина Петрова: Когда отремонтируют дорогу .+…$")
    )

    tech = staff("tech")
    expect(tech.row(case_id).locator("td.cell-turn")).to_have_text(
        "Технический исполнитель — ваш ход"
    )
    expect(tech.row(case_id).locator(".due-name")).to_have_text("Распределение сообщения (T1)")
    expect(tech.row(case_id).locator(".due-other")).to_have_count(0)  # own is the nearest

    accept(client, case_id, ["roads"])
    roads = staff("roads")
    expect(roads.row(case_id).locator("td.cell-turn")).to_have_text("Исполнитель: Дороги — ваш ход")
    head = staff("head")
    expect(head.row(case_id).locator("td.cell-due")).to_contain_text("Ваших сроков нет")
    expect(head.row(case_id).locator("td.cell-due")).to_contain_text("Ближайший срок:")
    expect(head.row(case_id).locator("td.cell-left .countdown")).to_be_visible()


def test_the_search_finds_a_case_by_a_word_of_its_text(staff, client, local_system, message):
    word = f"Жёлтый{uuid.uuid4().hex[:6]}"
    wanted = deliver(client, local_system, message(text=f"У дома 5 сломан {word} забор."))
    other = deliver(client, local_system, message(text="Не вывозят мусор."))

    tech = staff("tech")
    expect(tech.row(other)).to_be_visible()
    tech.page.get_by_label("Поиск").fill(word.lower().replace("ё", "е"))
    expect(tech.row(other)).to_have_count(0)
    expect(tech.row(wanted)).to_be_visible()
    expect(tech.rows()).to_have_count(1)
    assert "q=" in tech.page.url
    tech.page.reload()  # the search is kept in the address
    expect(tech.page.get_by_label("Поиск")).to_have_value(word.lower().replace("ё", "е"))
    expect(tech.row(wanted)).to_be_visible()
    expect(tech.rows()).to_have_count(1)
    tech.page.get_by_label("Поиск").fill("нет-такого-слова-" + word)
    tech.page.get_by_label("Поиск").press("Enter")
    expect(tech.page.locator("#inbox-list")).to_contain_text("сообщений не найдено")
    tech.page.get_by_label("Поиск").fill("")
    tech.page.get_by_label("Поиск").press("Enter")
    expect(tech.row(other)).to_be_visible()


def test_a_closed_case_is_hidden_until_show_closed(staff, client, local_system, message):
    word = f"закрыто{uuid.uuid4().hex[:6]}"
    closed = deliver(client, local_system, message(text=f"Сообщение {word}, оскорбления."))
    reply = client.post(
        f"/api/v1/cases/{closed}/triage",
        {"decision": "not_processable", "reason": "Оскорбления (п. 20)."},
        as_="tech",
    )
    assert reply.status == 200, reply.body
    open_one = deliver(client, local_system, message(text="Открытое сообщение о дороге."))

    tech = staff("tech")
    expect(tech.row(open_one)).to_be_visible()
    expect(tech.row(closed)).to_have_count(0)
    tech.page.get_by_label("Показать закрытые").check()
    expect(tech.row(closed)).to_be_visible()
    expect(tech.row(closed).locator("td.cell-turn")).to_have_text("—")
    expect(tech.row(open_one)).to_be_visible()
    assert "closed=1" in tech.page.url
    tech.page.get_by_label("Показать закрытые").uncheck()
    expect(tech.row(closed)).to_have_count(0)
