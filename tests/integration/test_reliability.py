"""Nothing lost, nothing twice: a crash between the commit and the queue send, and twenty
officials clicking at the same moment."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from otklik.adapters.queues import QueueSender
from otklik.bootstrap import deps
from otklik.entrypoints.schemas import MessageIn
from otklik.service import cases
from otklik.service.sweep import sweep


def new_message(**overrides):
    body = {
        "external_id": f"rel-{uuid.uuid4().hex[:10]}",
        "detected_at": datetime.now(UTC).isoformat(),
        "network": "vk",
        "url": f"https://vk.com/wall-9_{uuid.uuid4().int % 10**6}",
        "author": {"id": f"id{uuid.uuid4().int % 10**8}", "name": "Житель"},
        "text": "Не вывозят мусор с ул. Школьной",
        "topic": "ЖКХ",
        "location": "с. Зудилово",
        "importance": "low",
        "curator": {"id": "c-1", "name": "Куратор"},
        **overrides,
    }
    return MessageIn.model_validate(body).to_domain()


def routing_messages_for(case_id: str) -> list[dict]:
    """Take every message off the routing queue; return those about `case_id`."""
    sqs = boto3.client(
        "sqs", endpoint_url=deps().settings.endpoint_url, region_name=deps().settings.region
    )
    url = deps().settings.routing_queue_url
    found = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = batch.get("Messages", [])
        if not messages:
            return found
        for m in messages:
            body = json.loads(m["Body"])
            if body.get("case_id") == case_id:
                found.append(body)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


class ProcessDied(BaseException):
    """Stands for the Lambda being killed: not an Exception, so nothing catches it."""


def test_a_crash_after_the_commit_loses_no_message_and_sends_it_once(aws, monkeypatch):
    now = datetime.now(UTC)

    def die(self, queue, body):
        raise ProcessDied

    monkeypatch.setattr(QueueSender, "send", die)
    with pytest.raises(ProcessDied):
        cases.receive_message(deps(), new_message(external_id=f"crash-{uuid.uuid4().hex}"), now)
    monkeypatch.undo()

    stored = [
        c
        for c in deps().store().received_since(now - timedelta(seconds=1), now)
        if c.message.external_id.startswith("crash-")
    ]
    assert len(stored) == 1, "the state change was committed before the crash"
    case_id = stored[0].case_id
    assert routing_messages_for(case_id) == []  # the send never happened

    sweep(deps(), now + timedelta(minutes=2))  # the sweeper re-drives the outbox
    sweep(deps(), now + timedelta(minutes=7))  # and does not send it again

    delivered = routing_messages_for(case_id)
    assert len(delivered) == 1
    assert delivered[0]["message_id"]


def test_twenty_conflicting_decisions_have_exactly_one_winner(aws):
    """Twenty officials' approvals and rejections of one draft race through the real store (a
    Lambda instance serves one request at a time, so the race is between instances: threads
    calling the service layer, each with its own store, as separate instances would)."""
    from otklik.domain.errors import DomainError
    from otklik.entrypoints.http import STATUS

    d = deps()
    now = datetime.now(UTC)
    case = cases.receive_message(d, new_message(), now).case
    tech = d.directory.staff("tech").actor()
    cases.triage(
        d, tech, case.case_id, decision="accept", departments=["housing"], reason="", now=now
    )
    _, draft_id = cases.submit_draft(
        d,
        d.directory.staff("housing").actor(),
        case.case_id,
        text="Вывоз мусора возобновлён",
        kind="final",
        attachments=[],
        now=now,
    )
    resp = d.directory.staff("resp").actor()
    start = threading.Barrier(20)
    outcomes: list[tuple[int, str]] = []

    def click(n: int) -> None:
        start.wait()
        try:
            if n % 2:
                cases.approve_draft(d, resp, case.case_id, draft_id, now)
            else:
                cases.reject_draft(d, resp, case.case_id, draft_id, comment=f"Правка {n}", now=now)
            outcomes.append((200, ""))
        except DomainError as error:
            outcomes.append((STATUS[type(error)], error.message))

    threads = [threading.Thread(target=click, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(code for code, _ in outcomes) == [200] + [409] * 19
    assert all(message for code, message in outcomes if code == 409)
    final = d.store().get(case.case_id)
    assert final.version == case.version + 3  # accept, draft, and one decision
    decisions = [
        e.action for e in final.timeline if e.action in ("draft_approved", "draft_rejected")
    ]
    assert len(decisions) == 1
    audit = [r.action for r in d.store().audit_trail(case.case_id)]
    assert audit.count(decisions[0]) == 1
