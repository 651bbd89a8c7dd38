"""A citizen's post from intake to a published answer, over real HTTP against the local run.

Every step goes through the API the way the staff page and the monitoring system use it; the
queue consumers run in the background as in `make run`. Each deadline the API shows must be the
one the domain core computes (`WorkingCalendar` + `SlaPolicy`) from the instant its timer
started, so the system agrees with the monitoring system's countdown to the minute.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from otklik.domain.policy import Deadline
from tests.integration.uploads import png, post_form

pytestmark = pytest.mark.usefixtures("consumers_never_fail")


def at(value: str | None) -> datetime:
    assert value, "expected a time"
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, f"{value} has no offset"
    return parsed


def timer(case: dict, deadline: str, department: str | None = None) -> dict:
    """The latest timer of that deadline in the case view."""
    found = [
        t for t in case["timers"] if t["deadline"] == deadline and t.get("department") == department
    ]
    assert found, f"no {deadline} timer in {case['timers']}"
    return found[-1]


def draft(case: dict, draft_id: str) -> dict:
    return next(d for d in case["drafts"] if d["draft_id"] == draft_id)


def timeline_at(case: dict, action: str) -> datetime:
    return at([e for e in case["timeline"] if e["action"] == action][-1]["at"])


def received(client, local_system, message) -> dict:
    """Deliver a new message, let routing run, and return the case as tech sees it."""
    reply = client.deliver(message)
    assert reply.status == 201, reply.body
    local_system.drain()
    case = client.get(f"/api/v1/cases/{reply['case_id']}", as_="tech")
    assert case.status == 200, case.body
    return case.body


def accepted(client, local_system, message, departments: list[str]) -> dict:
    case = received(client, local_system, message)
    reply = client.post(
        f"/api/v1/cases/{case['case_id']}/triage",
        {"decision": "accept", "departments": departments},
        as_="tech",
    )
    assert reply.status == 200, reply.body
    assert reply["status"] == "in_work"
    return reply.body


def through_curator(client, local_system, case_id: str, external_id: str, kind: str) -> str:
    """roads drafts, resp approves, the curator approves: returns the approved draft id."""
    reply = client.post(
        f"/api/v1/cases/{case_id}/drafts",
        {"text": "Ремонт участка запланирован на эту неделю.", "kind": kind},
        as_="roads",
    )
    assert reply.status == 201, reply.body
    draft_id = reply["draft_id"]
    reply = client.post(f"/api/v1/cases/{case_id}/drafts/{draft_id}/approve", as_="resp")
    assert reply.status == 200, reply.body
    assert reply["status"] == "curator_review"
    reply = client.curator(external_id, "draft_approved", draft_id)
    assert reply.status == 200, reply.body
    assert reply["status"] == "approved"
    local_system.drain()
    return draft_id


# -- the whole flow --------------------------------------------------------------------------


def test_a_message_goes_from_intake_through_rework_to_a_published_answer(
    client, local_system, message, policy
):
    body = message()
    external_id = body["external_id"]

    # Intake (clause 9): signed, stored once per external id.
    first = client.deliver(body)
    assert first.status == 201, first.body
    case_id = first["case_id"]
    assert first["status"] == "received"
    again = client.deliver(body)
    assert again.status == 200, again.body
    assert again["case_id"] == case_id
    assert again["deadlines"] == first["deadlines"]
    forged = client.deliver(message(external_id=f"{external_id}-forged"), secret="wrong-secret")
    assert forged.status == 401
    assert forged["error"]["code"] == "unauthorized"
    assert set(forged["error"]) == {"code", "message", "fields"}
    unsigned = client.request("POST", "/api/v1/monitoring/messages", body)
    assert unsigned.status == 401

    # T1 from our receipt, T2 from the curator's detection, T3 four working hours before T2.
    local_system.drain()
    case = client.get(f"/api/v1/cases/{case_id}", as_="tech").body
    detected = at(body["detected_at"])
    answer_due = policy.due(Deadline.ANSWER, detected)
    assert at(first["deadlines"]["answer_due"]) == answer_due
    assert at(first["deadlines"]["send_to_curator_due"]) == policy.due(
        Deadline.SEND_TO_CURATOR, answer_due
    )
    assert at(first["deadlines"]["triage_due"]) == policy.due(
        Deadline.TRIAGE, at(case["received_at"])
    )
    assert case["version"] >= 1
    versions_before_redelivery = case["version"]

    # Routing proposes the roads department for a message on roads; nothing flagged.
    assert case["proposed_departments"] == ["roads"]
    assert case["flags"] == []
    assert case["status"] == "received"
    assert client.deliver(body).status == 200
    assert client.get(f"/api/v1/cases/{case_id}", as_="tech")["version"] == (
        versions_before_redelivery
    )

    # Triage (clause 10): tech accepts and assigns roads.
    reply = client.post(
        f"/api/v1/cases/{case_id}/triage",
        {"decision": "accept", "departments": ["roads"]},
        as_="tech",
    )
    assert reply.status == 200, reply.body
    assert reply["status"] == "in_work"
    assert reply["departments"] == ["roads"]
    assert "triage_due" not in reply["deadlines"]

    # Drafting (clause 12): the roads executor writes a final answer.
    reply = client.post(
        f"/api/v1/cases/{case_id}/drafts",
        {"text": "Здравствуйте! Яму на ул. Ленина засыплют щебнем до пятницы.", "kind": "final"},
        as_="roads",
    )
    assert reply.status == 201, reply.body
    first_draft = reply["draft_id"]
    assert reply["status"] == "internal_review"

    # Internal approval: resp approves, the draft goes to the curator (T4 starts).
    reply = client.post(f"/api/v1/cases/{case_id}/drafts/{first_draft}/approve", as_="resp")
    assert reply.status == 200, reply.body
    assert reply["status"] == "curator_review"
    sent = at(draft(reply.body, first_draft)["sent_to_curator_at"])
    assert at(reply["deadlines"]["curator_decision_due"]) == policy.due(
        Deadline.CURATOR_DECISION, sent
    )
    assert "send_to_curator_due" not in reply["deadlines"]

    # The monitoring system receives the draft, signed (the outbound function's call).
    local_system.drain()
    reviews = local_system.simulator.calls("draft_for_review", external_id)
    assert [c["draft_id"] for c in reviews] == [first_draft]
    assert reviews[0]["verified"] is True
    assert reviews[0]["case_id"] == case_id
    assert "щебнем" in reviews[0]["text"]

    # The curator returns it with a comment (clause 14): rework within T5.
    reply = client.curator(
        external_id, "draft_returned", first_draft, "Укажите точный срок и приложите фото."
    )
    assert reply.status == 200, reply.body
    assert reply["status"] == "rework"
    case = client.get(f"/api/v1/cases/{case_id}", as_="roads").body
    returned = draft(case, first_draft)
    assert returned["status"] == "returned"
    assert returned["comments"][-1]["text"] == "Укажите точный срок и приложите фото."
    assert at(case["deadlines"]["rework_due"]) == policy.due(
        Deadline.REWORK, at(returned["curator_decided_at"])
    )

    # roads reworks with a photo uploaded to the storage (as the page does); resp approves
    # again; back to the curator.
    image = png()
    started = client.post(
        f"/api/v1/cases/{case_id}/attachments",
        {"name": "plan.png", "content_type": "image/png", "size": len(image)},
        as_="roads",
    )
    assert started.status == 201, started.body
    sent, _ = post_form(
        started["upload"]["url"], started["upload"]["fields"], "plan.png", image, "image/png"
    )
    assert 200 <= sent < 300
    confirmed = client.post(
        f"/api/v1/cases/{case_id}/attachments/{started['file_id']}/confirm", as_="roads"
    )
    assert confirmed.status == 200, confirmed.body
    reply = client.post(
        f"/api/v1/cases/{case_id}/drafts",
        {
            "text": "Здравствуйте! Яму на ул. Ленина засыплют щебнем 12-го числа, фото ниже.",
            "kind": "final",
            "attachments": [{"key": started["key"]}],
        },
        as_="roads",
    )
    assert reply.status == 201, reply.body
    second_draft = reply["draft_id"]
    assert second_draft != first_draft
    reply = client.post(f"/api/v1/cases/{case_id}/drafts/{second_draft}/approve", as_="resp")
    assert reply.status == 200, reply.body
    assert reply["status"] == "curator_review"
    assert "rework_due" not in reply["deadlines"]

    # The curator approves (clause 13): publish within T6.
    reply = client.curator(external_id, "draft_approved", second_draft)
    assert reply.status == 200, reply.body
    assert reply["status"] == "approved"
    local_system.drain()  # the publishing function finds no network adapter: a person posts
    case = client.get(f"/api/v1/cases/{case_id}", as_="tech").body
    assert case["status"] == "approved"
    approved = draft(case, second_draft)
    assert approved["status"] == "approved"
    assert at(case["deadlines"]["publish_due"]) == policy.due(
        Deadline.PUBLISH, at(approved["curator_decided_at"])
    )

    # Publication (clause 15): tech records the link; the case is answered, nothing is due.
    url = f"https://vk.com/wall-170171414_1?reply={external_id[-6:]}"
    reply = client.post(f"/api/v1/cases/{case_id}/publication", {"url": url}, as_="tech")
    assert reply.status == 200, reply.body
    assert reply["status"] == "answered"
    assert reply["deadlines"] == {}
    assert draft(reply.body, second_draft)["published_url"] == url
    assert timer(reply.body, "answer_due")["outcome"] in ("met", "late")

    # The monitoring system hears of the published link.
    local_system.drain()
    published = local_system.simulator.calls("published", external_id)
    assert [c["url"] for c in published] == [url]
    actions = [e["action"] for e in reply["timeline"]]
    assert actions[0] == "received"
    assert actions[-1] == "published"
    assert actions.count("draft_submitted") == 2
    assert "curator_returned" in actions


def test_an_interim_answer_published_leaves_the_final_answer_due_in_seven_working_days(
    client, local_system, message, policy
):
    body = message()
    case = accepted(client, local_system, body, ["roads"])
    case_id = case["case_id"]
    draft_id = through_curator(client, local_system, case_id, body["external_id"], "interim")

    url = "https://vk.com/wall-170171414_2?reply=77"
    reply = client.post(f"/api/v1/cases/{case_id}/publication", {"url": url}, as_="tech")
    assert reply.status == 200, reply.body
    assert reply["status"] == "awaiting_final"
    published_at = at(draft(reply.body, draft_id)["published_at"])
    assert at(reply["deadlines"]["final_answer_due"]) == policy.due(
        Deadline.FINAL_ANSWER, published_at
    )
    assert "answer_due" not in reply["deadlines"]
    assert at(timer(reply.body, "final_answer_due")["started_at"]) == published_at

    # The final answer goes through the same steps again; an interim one is not accepted now.
    again = client.post(
        f"/api/v1/cases/{case_id}/drafts",
        {"text": "Ещё раз позже.", "kind": "interim"},
        as_="roads",
    )
    assert again.status == 422, again.body
    final = client.post(
        f"/api/v1/cases/{case_id}/drafts",
        {"text": "Дорогу отремонтировали, фото приложено.", "kind": "final"},
        as_="roads",
    )
    assert final.status == 201, final.body
    assert final["status"] == "internal_review"


def test_a_joint_answer_collects_each_departments_contribution_and_is_written_by_resp(
    client, local_system, message, policy
):
    body = message(
        text=(
            "На ул. Школьной в с. Первомайское прорвало трубу, вода залила дорогу и "
            "размыла асфальт. Когда починят?"
        ),
        topic="ЖКХ",
        location="с. Первомайское",
    )
    case = accepted(client, local_system, body, ["roads", "housing"])
    case_id = case["case_id"]
    accepted_at = timeline_at(case, "accepted")

    # Each department owes its contribution within T8 from the moment it was asked.
    contributions = {c["department"]: c for c in case["contributions"]}
    assert set(contributions) == {"roads", "housing"}
    for department, contribution in contributions.items():
        assert at(contribution["due"]) == policy.due(Deadline.CONTRIBUTION, accepted_at)
        assert at(timer(case, "contribution_due", department)["due"]) == at(contribution["due"])

    # Both executors see the case and contribute.
    for login, text in (
        ("roads", "Асфальт восстановим после ремонта трубы, в течение двух дней."),
        ("housing", "Аварийная бригада устранит порыв сегодня до 18:00."),
    ):
        listed = client.get("/api/v1/cases", as_=login)
        assert listed.status == 200
        assert case_id in [c["case_id"] for c in listed["cases"]]
        reply = client.post(f"/api/v1/cases/{case_id}/contributions", {"text": text}, as_=login)
        assert reply.status == 200, reply.body
        mine = next(c for c in reply["contributions"] if c["department"] == login)
        assert mine["text"] == text
        assert mine["submitted_at"]

    # An executor may not write the joint answer; resp does (clause 17).
    forbidden = client.post(
        f"/api/v1/cases/{case_id}/drafts", {"text": "Сделаем.", "kind": "final"}, as_="roads"
    )
    assert forbidden.status == 403, forbidden.body
    assert forbidden["error"]["code"] == "forbidden"
    reply = client.post(
        f"/api/v1/cases/{case_id}/drafts",
        {
            "text": (
                "Здравствуйте! Порыв устранят сегодня до 18:00, асфальт восстановят "
                "в течение двух дней после ремонта трубы."
            ),
            "kind": "final",
        },
        as_="resp",
    )
    assert reply.status == 201, reply.body
    draft_id = reply["draft_id"]
    # he approves drafts (clause 12): his own goes to the curator as he submits it
    assert reply["status"] == "curator_review"
    assert draft(reply.body, draft_id)["author"] == "resp"
    assert [e["action"] for e in reply["timeline"][-2:]] == ["draft_submitted", "draft_approved"]
    again = client.post(f"/api/v1/cases/{case_id}/drafts/{draft_id}/approve", as_="resp")
    assert again.status == 409, again.body


# -- routing -----------------------------------------------------------------------------------


def test_routing_flags_obscene_language_for_the_technical_executor(client, local_system, message):
    case = received(
        client,
        local_system,
        message(text="Дорога на Зудилово — пиздец, когда вы её уже отремонтируете?"),
    )
    assert "obscene" in case["flags"]
    assert case["status"] == "received"  # a flag is a hint; tech decides (clause 20)
    reply = client.post(
        f"/api/v1/cases/{case['case_id']}/triage",
        {"decision": "not_processable", "reason": "Нецензурная брань (п. 20 регламента)."},
        as_="tech",
    )
    assert reply.status == 200, reply.body
    assert reply["status"] == "not_processable"
    assert reply["deadlines"] == {}


def test_routing_links_a_repeated_message_in_the_same_thread_to_the_earlier_case(
    client, local_system, message
):
    first = message()
    earlier = received(client, local_system, first)
    thread = first["url"].split("?")[0]
    later = received(
        client,
        local_system,
        message(
            url=f"{thread}?reply=999",
            text="Опять пишу про ту же яму на ул. Ленина — ничего не сделано.",
        ),
    )
    assert later["repeat_of"] == earlier["case_id"]
    assert earlier["repeat_of"] is None
    assert "repeat_linked" in [e["action"] for e in later["timeline"]]
    assert later["proposed_departments"] == ["roads"]


def test_unknown_addresses_answer_in_the_contracts_error_shape(client):
    reply = client.request("GET", "/api/v1/no-such-thing")
    assert reply.status == 404
    assert reply.body == {
        "error": {"code": "not_found", "message": "Такого адреса нет.", "fields": {}}
    }
