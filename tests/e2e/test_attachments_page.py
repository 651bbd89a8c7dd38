"""Attaching a photo on the draft form, in a real browser against the local run: the page
asks the API for a signed form, POSTs the file straight to the storage (the moto server, on
another port than the page: CORS and the page's CSP must let it), confirms it, lists it."""

from __future__ import annotations

import re

import pytest

from tests.integration.uploads import png

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.usefixtures("consumers_never_fail")


def test_a_png_attached_on_the_draft_form_is_uploaded_submitted_and_kept_on_rework(
    staff, client, local_system, message
):
    reply = client.deliver(message())
    assert reply.status == 201, reply.body
    case_id = reply["case_id"]
    local_system.drain()
    accepted = client.post(
        f"/api/v1/cases/{case_id}/triage",
        {"decision": "accept", "departments": ["roads"]},
        as_="tech",
    )
    assert accepted.status == 200, accepted.body

    roads = staff("roads")
    roads.open_case(case_id)
    draft = roads.form("submit_draft")
    draft.get_by_label("Фото и видео к ответу (необязательно)").set_input_files(
        files=[{"name": "яма-засыпана.png", "mimeType": "image/png", "buffer": png(4, 4)}]
    )
    listed = draft.locator(".attached-file:not(.pending)")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("яма-засыпана.png")
    expect(listed).to_contain_text("Фото")

    # A text file named like a photo is refused, in Russian, and not listed.
    draft.get_by_label("Фото и видео к ответу (необязательно)").set_input_files(
        files=[{"name": "не-фото.jpg", "mimeType": "image/jpeg", "buffer": b"hello\n" * 20}]
    )
    expect(draft.locator(".file-error")).to_contain_text("не фото")
    expect(listed).to_have_count(1)

    draft.get_by_label("Текст ответа").fill(
        "Ирина, здравствуйте! Яму на ул. Ленина засыпали 10-го числа, фото прилагаем."
    )
    draft.get_by_role("button", name="Направить на согласование").click()
    expect(roads.page.locator(".attachments .stored-file")).to_contain_text(
        re.compile("Фото 1: яма-засыпана.png")
    )

    case = client.get(f"/api/v1/cases/{case_id}", as_="roads")
    [attachment] = case["drafts"][-1]["attachments"]
    assert attachment["name"] == "яма-засыпана.png" and attachment["key"].startswith(
        f"cases/{case_id}/"
    )

    # Returned for rework, the draft comes back with its photo: resubmitted, the photo goes too.
    resp = staff("resp")
    resp.open_case(case_id)
    reject = resp.form("reject_draft")
    reject.get_by_label("Что исправить").fill("Укажите, когда засыпали.")
    reject.get_by_role("button", name="Вернуть на доработку").click()
    expect(resp.status).to_have_text("В работе")
    roads.refresh()
    again = roads.form("submit_draft")
    expect(again.locator(".rework-note")).to_contain_text("Укажите, когда засыпали.")
    kept = again.locator(".attached-file:not(.pending)")
    expect(kept).to_have_count(1)
    expect(kept).to_contain_text("яма-засыпана.png")
    again.get_by_role("button", name="Направить на согласование").click()
    expect(roads.status).to_have_text("На согласовании")
    drafts = client.get(f"/api/v1/cases/{case_id}", as_="roads")["drafts"]
    assert len(drafts) == 2
    assert [a["key"] for a in drafts[-1]["attachments"]] == [attachment["key"]]


def test_the_pages_csp_lets_it_post_files_to_the_storage_and_nowhere_else(local_system, base_url):
    import urllib.request
    from urllib.parse import urlsplit

    endpoint = urlsplit(local_system.aws.endpoint_url)
    with urllib.request.urlopen(base_url + "/") as page:
        policy = page.headers["Content-Security-Policy"]
    [connect] = [d.strip() for d in policy.split(";") if d.strip().startswith("connect-src")]
    assert connect.split() == ["connect-src", "'self'", f"{endpoint.scheme}://{endpoint.netloc}"]
