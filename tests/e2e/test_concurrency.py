"""Concurrent requests to the local run never see each other's events: 200 mixed requests
across four functions from 16 clients at once, each answered as it would be alone (Powertools'
resolvers share the current event on a class, so the local runner must keep them apart)."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.usefixtures("consumers_never_fail")


def test_two_hundred_mixed_concurrent_requests_get_their_own_answers(client, local_system, message):
    posts = [message() for _ in range(25)]
    for login in ("tech", "roads"):
        client.token(login)
    case = client.deliver(message()).body["case_id"]
    local_system.drain()
    assert (
        client.post(
            f"/api/v1/cases/{case}/triage",
            {"decision": "accept", "departments": ["roads"]},
            as_="tech",
        ).status
        == 200
    )
    fresh = iter(posts)
    others = itertools.cycle(["view", "parse", "check", "me", "bad"])

    def one(kind: str):
        if kind == "intake":
            reply = client.deliver(next(fresh))
            return kind, reply.status, reply.status == 201 and reply["status"] == "received"
        if kind == "view":
            reply = client.get(f"/api/v1/cases/{case}", as_="roads")
            return kind, reply.status, reply.status == 200 and reply["case_id"] == case
        if kind == "parse":
            text = "Дата обнаружения: 02.12.2026 10:15\nСсылка: https://vk.com/wall-1_2?reply=3"
            reply = client.post("/api/v1/notices/parse", {"text": text}, as_="tech")
            ok = reply.status == 200 and reply["fields"]["url"] == "https://vk.com/wall-1_2?reply=3"
            return kind, reply.status, ok
        if kind == "check":
            body = {"text": "Ваше обращение принято к сведению.", "kind": "final"}
            reply = client.post(f"/api/v1/cases/{case}/drafts/check", body, as_="roads")
            return kind, reply.status, reply.status == 200 and "findings" in reply.body
        if kind == "me":
            reply = client.get("/api/v1/me", as_="roads")
            return kind, reply.status, reply.status == 200 and reply["login"] == "roads"
        reply = client.post(f"/api/v1/cases/{case}/triage", {"decision": "maybe"}, as_="tech")
        return kind, reply.status, reply.status == 422 and "decision" in reply["error"]["fields"]

    plan = [next(others) for _ in range(200)]
    plan[::8] = ["intake"] * 25  # spread among the others
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(one, plan))

    wrong = [(kind, status) for kind, status, ok in answers if not ok]
    assert wrong == []
    assert len(answers) == 200
