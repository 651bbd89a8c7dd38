"""Internal notes on the case page, in Chromium against the whole local system: an official
writes one, colleagues of the case read it with its author's name and time, markup stays text,
an empty note is refused in Russian, and nothing about a note reaches the monitoring system."""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlencode

import pytest

from tests.e2e.test_staff_page import accept, deliver

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.usefixtures("consumers_never_fail")

NOTE = "Звонила в МУП «Дорожник»: засыплют в пятницу. <b>не жирным</b> =1+1"


def test_a_note_is_written_read_by_colleagues_and_kept_out_of_the_answer(
    staff, client, local_system, message
):
    post = message(text="Яма у школы на ул. Мира.")
    case_id = deliver(client, local_system, post)
    accept(client, case_id, ["roads"])

    tech = staff("tech")
    tech.open_case(case_id)
    notes = tech.page.locator(".notes")
    expect(notes).to_contain_text("Заметок пока нет.")
    form = tech.form("add_note")
    form.get_by_role("button", name="Добавить заметку").click()
    expect(form.get_by_role("alert")).to_contain_text("не может быть пустым")

    form.get_by_label("Новая заметка").fill(NOTE)
    form.get_by_role("button", name="Добавить заметку").click()
    expect(tech.flash).to_contain_text("Заметка добавлена.")
    note = tech.page.locator(".notes .note")
    expect(note).to_have_count(1)
    expect(note.locator(".note-text")).to_have_text(NOTE)  # markup shown as typed, not rendered
    expect(note).to_contain_text("Ольга Викторовна Кузнецова")
    expect(tech.page.locator(".notes")).to_contain_text("1 заметка")
    expect(tech.status).to_have_text("В работе")  # a note changes no step

    roads = staff("roads")
    roads.open_case(case_id)
    expect(roads.page.locator(".notes .note-text")).to_have_text(NOTE)
    roads.form("add_note").get_by_label("Новая заметка").fill("Выехали на место.")
    roads.form("add_note").get_by_role("button", name="Добавить заметку").click()
    expect(roads.page.locator(".notes .note")).to_have_count(2)
    expect(roads.page.locator(".notes")).to_contain_text("2 заметки")

    case = client.get(f"/api/v1/cases/{case_id}", as_="tech").body
    assert [(n["author"], n["text"]) for n in case["notes"]] == [
        ("tech", NOTE),
        ("roads", "Выехали на место."),
    ]
    assert [e["action"] for e in case["timeline"]][-2:] == ["note_added", "note_added"]
    local_system.drain()
    query = urlencode({"external_id": post["external_id"]})
    with urllib.request.urlopen(f"{client.base_url}/sim/api/v1/inbound?{query}") as reply:
        calls = json.load(reply)["inbound"]  # what the monitoring system got of this case
    assert not [c for c in calls if "Выехали на место" in str(c) or "МУП" in str(c)]
