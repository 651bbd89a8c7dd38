"""Working without an integration, over real HTTP to the local gateway: a message registered by
hand, its draft marked as entered into the monitoring system, the curator's decision recorded by
hand — and every refusal in the contract's shape, the case left as it was."""

from __future__ import annotations

import json
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from otklik.domain.policy import Deadline
from tests.e2e.conftest import BARNAUL

pytestmark = pytest.mark.usefixtures("consumers_never_fail")


def post_link() -> tuple[str, int]:
    n = uuid.uuid4().int % 10**7
    return f"https://vk.com/wall-170171414_{n}?reply={n + 5}", n


def manual(**overrides) -> dict:
    url, n = post_link()
    body = {
        "url": url,
        "text": "Третий день нет воды в доме 5 по ул. Школьной, когда дадут?",
        "author": {"name": "Николай Орлов", "url": f"https://vk.com/id{n}"},
        "detected_at": (datetime.now(BARNAUL) - timedelta(minutes=20))
        .replace(second=0, microsecond=0)
        .isoformat(),
        "topic": "ЖКХ",
        "location": "с. Первомайское",
        "importance": "medium",
    }
    body.update(overrides)
    return body


def register(client, body: dict, *, as_: str = "tech"):
    return client.post("/api/v1/cases", body, as_=as_)


def letters(base_url: str) -> list[dict]:
    with urllib.request.urlopen(f"{base_url}/mail/api", timeout=10) as reply:
        return json.load(reply)


def error_fields(reply) -> dict:
    return reply.body["error"]["fields"]


# -- registering a message ------------------------------------------------------------------------


def test_a_registered_message_counts_its_deadlines_from_the_detection_typed_in(
    client, local_system, policy
):
    detected = datetime(2026, 12, 1, 16, 30, tzinfo=BARNAUL)  # a Tuesday, read as local time
    body = manual(detected_at="2026-12-01T16:30", url="https://ok.ru/group/5412/topic/77")

    reply = register(client, body)

    assert reply.status == 201, reply.body
    case = reply.body
    assert (case["source"], case["status"], case["registered_by"]) == ("manual", "received", "tech")
    assert case["network"] == "ok"  # from the link
    assert datetime.fromisoformat(case["message"]["detected_at"]) == detected
    assert datetime.fromisoformat(case["deadlines"]["answer_due"]) == policy.due(
        Deadline.ANSWER, detected
    )
    answer_due = policy.due(Deadline.ANSWER, detected)
    assert datetime.fromisoformat(case["deadlines"]["send_to_curator_due"]) == policy.due(
        Deadline.SEND_TO_CURATOR, answer_due
    )
    received = case["timeline"][0]
    assert (received["actor"], received["details"]["via"]) == ("tech", "manual")
    local_system.drain()
    routed = client.get(f"/api/v1/cases/{case['case_id']}", as_="tech").body
    assert routed["proposed_departments"] == ["housing"]  # routed as a webhook message is


def test_the_same_post_registered_again_is_the_same_case_unchanged(client, local_system):
    url, _ = post_link()
    assert register(client, manual(url=url)).status == 201
    local_system.drain()
    first = register(client, manual(url=url))
    assert first.status == 200, first.body
    variants = [
        url.replace("https://", "http://").replace("vk.com", "WWW.VK.com"),
        url.replace("?", "/?") + "&utm_source=email&utm_campaign=notice",
        url.replace("vk.com", "m.vk.com") + "#comments",
        url.replace("vk.com", "vk.ru"),
    ]
    for variant in variants:
        again = register(client, manual(url=variant, text="Другой текст той же публикации."))
        assert again.status == 200, (variant, again.body)
        assert again["case_id"] == first["case_id"]
        assert again["version"] == first["version"]
        assert again["message"]["text"] == first["message"]["text"]
    other_reply = register(client, manual(url=url.replace("reply=", "reply=9")))
    assert other_reply.status == 201  # another comment is another post


def test_a_webhook_message_registered_by_hand_is_found(client, message):
    delivered = message()
    webhook = client.deliver(delivered)
    assert webhook.status == 201
    again = register(client, manual(url=delivered["url"]))
    assert again.status == 200, again.body
    assert again["case_id"] == webhook["case_id"]
    assert again["source"] == "webhook"


def test_twenty_concurrent_registrations_of_one_post_make_one_case(client):
    body = manual()
    client.token("tech")
    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(lambda _: register(client, body), range(20)))
    assert sorted(r.status for r in replies) == [200] * 19 + [201]
    assert len({r["case_id"] for r in replies}) == 1
    found = [
        c
        for c in client.get("/api/v1/cases", as_="tech")["cases"]
        if c["case_id"] == replies[0]["case_id"]
    ]
    assert len(found) == 1


@pytest.mark.parametrize("login", ["resp", "roads", "housing", "head"])
def test_only_the_technical_executor_registers(client, login):
    reply = register(client, manual(), as_=login)
    assert reply.status == 403
    assert reply.body["error"]["code"] == "forbidden"


def test_a_detection_time_in_the_future_is_refused_in_russian(client):
    ahead = (datetime.now(BARNAUL) + timedelta(minutes=10)).isoformat(timespec="minutes")
    reply = register(client, manual(detected_at=ahead))
    assert reply.status == 422
    assert reply.body["error"]["message"] == "Время обнаружения не может быть позже текущего."
    assert error_fields(reply) == {"detected_at": "время обнаружения в будущем"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"network": "myspace"}, "network", id="unknown-network"),
        pytest.param({"url": "javascript:alert(1)"}, "url", id="not-a-link"),
        pytest.param({"detected_at": "02.12.2026 10:15"}, "detected_at", id="not-iso"),
        pytest.param({"detected_at": "1999-12-31T10:00"}, "detected_at", id="last-century"),
        pytest.param({"importance": "urgent"}, "importance", id="unknown-importance"),
        pytest.param({"text": "x" * 20_001}, "text", id="text-too-long"),
        pytest.param({"author": {"url": "https://vk.com/id1"}}, "author.name", id="no-author"),
    ],
)
def test_bad_registrations_answer_422_with_the_field(client, change, field):
    reply = register(client, manual(**change))
    assert reply.status == 422, reply.body
    assert field in error_fields(reply)


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://evil","жми")',
        "+7 (913) 000-00-00 звоните",
        "<script>alert('x')</script><b>жирный</b>",
        "строка\x00с\x07управляющими\x1bсимволами\r\nи переводом",
        "Я" * 20_000,
    ],
    ids=["formula", "plus-prefix", "html", "control-characters", "20000-characters"],
)
def test_hostile_text_is_kept_as_text_and_breaks_nothing(client, local_system, text):
    reply = register(client, manual(text=text, topic=text[:500], location=text[:500]))
    assert reply.status == 201, reply.body
    local_system.drain()
    case = client.get(f"/api/v1/cases/{reply['case_id']}", as_="tech")
    assert case.status == 200
    assert case["message"]["text"] == text.strip()


# -- handing the draft to the curator and recording the decision ----------------------------


def ready_to_send(client, local_system) -> tuple[dict, str]:
    case = register(client, manual()).body
    local_system.drain()
    case_id = case["case_id"]
    assert (
        client.post(
            f"/api/v1/cases/{case_id}/triage",
            {"decision": "accept", "departments": ["housing"]},
            as_="tech",
        ).status
        == 200
    )
    draft = client.post(
        f"/api/v1/cases/{case_id}/drafts",
        {
            "text": "Николай, здравствуйте! Подачу воды восстановят сегодня до 18:00.",
            "kind": "final",
        },
        as_="housing",
    )
    assert draft.status == 201, draft.body
    approved = client.post(
        f"/api/v1/cases/{case_id}/drafts/{draft['draft_id']}/approve", as_="resp"
    )
    assert approved.status == 200, approved.body
    return approved.body, draft["draft_id"]


def test_an_approved_manual_draft_waits_for_the_technical_executor_and_no_call_goes_out(
    client, local_system
):
    case, draft_id = ready_to_send(client, local_system)
    assert case["status"] == "ready_to_send"
    assert case["status_title"] == "Готов к отправке куратору"
    assert "send_to_curator_due" in case["deadlines"]
    assert "curator_decision_due" not in case["deadlines"]
    local_system.drain()
    mail = [m for m in letters(client.base_url) if "tech@" in str(m["destinations"])]
    assert any(m["subject"].startswith("Проект согласован — внесите его") for m in mail)
    calls = local_system.simulator.calls(external_id=case["external_id"])
    assert calls == []  # nothing was sent to the monitoring system

    sent = client.post(f"/api/v1/cases/{case['case_id']}/drafts/{draft_id}/sent", as_="tech")

    assert sent.status == 200, sent.body
    assert sent["status"] == "curator_review"
    t3 = next(t for t in sent["timers"] if t["deadline"] == "send_to_curator_due")
    t4 = next(t for t in sent["timers"] if t["deadline"] == "curator_decision_due")
    assert t3["stopped_at"] == t4["started_at"]
    assert t3["outcome"] == "met"


def test_marking_sent_in_the_wrong_state_is_409_and_changes_nothing(client, local_system):
    case, draft_id = ready_to_send(client, local_system)
    path = f"/api/v1/cases/{case['case_id']}/drafts/{draft_id}/sent"
    assert client.post(path, as_="tech").status == 200
    again = client.post(path, as_="tech")
    assert again.status == 409
    assert again.body["error"]["code"] == "invalid_transition"
    after = client.get(f"/api/v1/cases/{case['case_id']}", as_="tech").body
    assert after["version"] == case["version"] + 1
    webhook = client.deliver(
        {**_webhook_message(), "external_id": f"im-{uuid.uuid4().hex[:10]}"}
    ).body
    refused = client.post(f"/api/v1/cases/{webhook['case_id']}/drafts/x/sent", as_="tech")
    assert refused.status == 409  # a webhook case hands its drafts over by itself


def _webhook_message() -> dict:
    url, n = post_link()
    return {
        "detected_at": datetime.now(BARNAUL).replace(microsecond=0).isoformat(),
        "network": "vk",
        "url": url,
        "author": {"id": f"id{n}", "name": "Житель"},
        "text": "Не горят фонари на ул. Садовой.",
        "topic": "ЖКХ",
        "importance": "low",
        "curator": {"id": "c-1", "name": "Анна Смирнова"},
    }


def at_curator(client, local_system) -> tuple[dict, str]:
    case, draft_id = ready_to_send(client, local_system)
    sent = client.post(f"/api/v1/cases/{case['case_id']}/drafts/{draft_id}/sent", as_="tech")
    assert sent.status == 200
    return sent.body, draft_id


def test_a_return_recorded_by_hand_starts_t5_at_the_curators_time(client, local_system, policy):
    case, draft_id = at_curator(client, local_system)
    sent_at = datetime.fromisoformat(
        next(d for d in case["drafts"] if d["draft_id"] == draft_id)["sent_to_curator_at"]
    )
    decided = max(sent_at, datetime.now(BARNAUL) - timedelta(seconds=30))
    reply = client.post(
        f"/api/v1/cases/{case['case_id']}/curator-decision",
        {
            "event": "draft_returned",
            "draft_id": draft_id,
            "comment": "Укажите, кто отвечает за подачу воды.",
            "at": decided.isoformat(),
        },
        as_="tech",
    )
    assert reply.status == 200, reply.body
    assert reply["status"] == "rework"
    t5 = next(t for t in reply["timers"] if t["deadline"] == "rework_due")
    assert datetime.fromisoformat(t5["started_at"]) == decided
    assert datetime.fromisoformat(t5["due"]) == policy.due(Deadline.REWORK, decided)
    entry = reply["timeline"][-1]
    assert (entry["action"], entry["actor"], entry["details"]["via"]) == (
        "curator_returned",
        "tech",
        "manual",
    )
    local_system.drain()
    assert local_system.simulator.calls(external_id=case["external_id"]) == []


@pytest.mark.parametrize(
    ("shift", "field"),
    [
        pytest.param(timedelta(minutes=10), "at", id="in-the-future"),
        pytest.param(timedelta(hours=-2), "at", id="before-the-handover"),
    ],
)
def test_a_decision_time_outside_handover_and_now_is_422(client, local_system, shift, field):
    case, draft_id = at_curator(client, local_system)
    reply = client.post(
        f"/api/v1/cases/{case['case_id']}/curator-decision",
        {
            "event": "draft_approved",
            "draft_id": draft_id,
            "at": (datetime.now(BARNAUL) + shift).isoformat(),
        },
        as_="tech",
    )
    assert reply.status == 422, reply.body
    assert field in error_fields(reply)
    after = client.get(f"/api/v1/cases/{case['case_id']}", as_="tech").body
    assert (after["status"], after["version"]) == ("curator_review", case["version"])


def test_the_same_decision_twice_changes_nothing_and_a_contrary_one_is_409(client, local_system):
    case, draft_id = at_curator(client, local_system)
    path = f"/api/v1/cases/{case['case_id']}/curator-decision"
    first = client.post(path, {"event": "draft_approved", "draft_id": draft_id}, as_="tech")
    assert first.status == 200, first.body
    again = client.post(path, {"event": "draft_approved", "draft_id": draft_id}, as_="tech")
    assert (again.status, again["version"]) == (200, first["version"])
    contrary = client.post(
        path, {"event": "draft_returned", "draft_id": draft_id, "comment": "Нет."}, as_="tech"
    )
    assert contrary.status == 409
    missing = client.post(path, {"event": "draft_approved"}, as_="tech")
    assert missing.status == 422 and "draft_id" in error_fields(missing)


def test_a_callback_after_the_same_decision_recorded_by_phone_is_a_no_op(
    client, local_system, message
):
    delivered = message()
    case = client.deliver(delivered).body
    local_system.drain()
    case_id, external_id = case["case_id"], delivered["external_id"]
    client.post(
        f"/api/v1/cases/{case_id}/triage",
        {"decision": "accept", "departments": ["roads"]},
        as_="tech",
    )
    draft_id = client.post(
        f"/api/v1/cases/{case_id}/drafts",
        {"text": "Ремонт в пятницу.", "kind": "final"},
        as_="roads",
    )["draft_id"]
    assert (
        client.post(f"/api/v1/cases/{case_id}/drafts/{draft_id}/approve", as_="resp")["status"]
        == "curator_review"
    )
    by_phone = client.post(
        f"/api/v1/cases/{case_id}/curator-decision",
        {"event": "draft_returned", "draft_id": draft_id, "comment": "Укажите дату."},
        as_="tech",
    )
    assert by_phone.status == 200, by_phone.body

    same = client.curator(external_id, "draft_returned", draft_id, "Укажите дату.")
    assert same.status == 200
    assert client.get(f"/api/v1/cases/{case_id}", as_="tech")["version"] == by_phone["version"]

    contrary = client.curator(external_id, "draft_approved", draft_id)
    assert contrary.status == 409, contrary.body
    local_system.drain()
    after = client.get(f"/api/v1/cases/{case_id}", as_="tech").body
    assert after["status"] == "rework"
    assert after["timeline"][-1]["action"] == "curator_decision_conflict"
    conflict_letters = [
        m
        for m in letters(client.base_url)
        if m["subject"].startswith("Решение куратора расходится")
        and "tech@otklik.local" in m["destinations"]["ToAddresses"]
    ]
    assert conflict_letters, "the technical executor was not told"
