"""The library of answer templates in Chromium against the whole local system: the responsible
executor adds a template for roads messages on VK from «Шаблоны ответов»; the head of roads,
drafting the answer to such a message, is offered it first and gets its text with the author's
name and the place filled in; a wrong template is refused in Russian; only the responsible and
technical executors see the library's page or may change it; a removed template is offered no
more."""

from __future__ import annotations

import urllib.parse
import uuid

import pytest

from tests.e2e.test_staff_page import accept, deliver

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.usefixtures("consumers_never_fail")


def test_a_template_kept_by_the_desk_is_offered_first_to_the_department_drafting(
    staff, client, local_system, message
):
    title = f"Дороги, ВКонтакте: ямочный ремонт {uuid.uuid4().hex[:6]}"
    resp = staff("resp")
    resp.page.get_by_role("link", name="Шаблоны ответов").click()
    expect(resp.page.get_by_role("heading", level=1, name="Шаблоны ответов")).to_be_visible()
    expect(resp.page.locator(".template-list")).to_contain_text("Промежуточный ответ: нужно время")
    resp.page.get_by_role("button", name="Новый шаблон").click()
    form = resp.page.locator("form.template-form")
    form.get_by_role("button", name="Сохранить").click()  # nothing filled in
    expect(form.get_by_role("alert")).to_contain_text("Название: обязательное поле")

    form.get_by_label("Название").fill(title)
    form.get_by_label("Тема (пусто — любая)").fill("Дороги")
    form.get_by_label("Сеть").select_option(label="ВКонтакте")
    form.get_by_label("Текст шаблона").fill(
        "{имя}, здравствуйте! Яму ({место}) засыплем до [срок]. <b>Фото</b> пришлём сюда же."
    )
    form.get_by_role("button", name="Сохранить").click()
    item = resp.page.locator(".template-item", has_text=title)
    expect(item).to_contain_text("тема «Дороги», ВКонтакте")
    expect(item).to_contain_text("Сергей Николаевич Морозов")
    expect(resp.flash).to_contain_text(f"Шаблон «{title}» сохранён.")

    case_id = deliver(client, local_system, message())
    accept(client, case_id, ["roads"])
    roads = staff("roads")
    expect(roads.page.get_by_role("link", name="Шаблоны ответов")).to_have_count(0)
    roads.page.goto(f"{roads.base_url}/#/templates")  # by its address: the inbox instead
    expect(roads.page.locator(".template-list")).to_have_count(0)
    expect(roads.row(case_id)).to_be_visible()
    roads.open_case(case_id)
    draft = roads.form("submit_draft")
    choice = draft.get_by_label("Шаблон ответа")
    expect(choice.locator("option").nth(1)).to_have_text(title)  # the most specific first
    choice.select_option(label=title)
    draft.get_by_role("button", name="Вставить шаблон").click()
    expect(draft.get_by_label("Текст ответа")).to_have_value(
        "Ирина, здравствуйте! Яму (с. Зудилово) засыплем до [срок]. <b>Фото</b> пришлём сюда же."
    )
    template_id = item.get_attribute("data-template-id")
    refused = client.request(
        "PUT",
        f"/api/v1/templates/{template_id}",
        {"title": "Чужой", "text": "Текст"},
        as_="roads",
    )
    assert refused.status == 403, refused.body

    resp.page.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="Изменить").click()
    resp.page.locator("form.template-form").get_by_role("button", name="Удалить").click()
    expect(resp.flash).to_contain_text(f"Шаблон «{title}» удалён.")
    expect(resp.page.locator(".template-item", has_text=title)).to_have_count(0)
    query = urllib.parse.urlencode({"topic": "Дороги", "network": "vk"})
    offered = client.get(f"/api/v1/templates?{query}", as_="roads").body
    assert title not in [t["title"] for t in offered["templates"]]
