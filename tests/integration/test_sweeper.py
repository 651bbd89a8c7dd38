"""The deadline sweeper against the embedded AWS: warnings and breaches exactly once per timer and
level, whatever the number and overlap of sweeps; nothing for closed cases; and a cost that does
not grow with the number of closed cases. Every time is injected.

The tables are shared with other tests, so each test looks only at its own cases (unique
external ids) and works in a month no other test uses.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import botocore.client
import pytest

from otklik.bootstrap import deps
from otklik.domain.roles import Role
from otklik.domain.values import Message
from otklik.service import cases
from otklik.service.sweep import sweep

BARNAUL = ZoneInfo("Asia/Barnaul")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in September 2030 (Monday the 2nd), Barnaul time."""
    return datetime(2030, 9, day, hour, minute, tzinfo=BARNAUL)


def message(**overrides) -> Message:
    from otklik.entrypoints.schemas import MessageIn

    body = {
        "external_id": f"sweep-{uuid.uuid4().hex[:10]}",
        "detected_at": at(2, 9, 0).isoformat(),
        "network": "vk",
        "url": f"https://vk.com/wall-1_{uuid.uuid4().int % 10**6}",
        "author": {"id": f"id{uuid.uuid4().int % 10**8}", "name": "Житель"},
        "text": "Когда отремонтируют дорогу на ул. Садовой?",
        "topic": "Дороги",
        "location": "с. Сосновка",
        "importance": "medium",
        "curator": {"id": "c-1", "name": "Куратор"},
        **overrides,
    }
    return MessageIn.model_validate(body).to_domain()


def received(now: datetime, **overrides):
    return cases.receive_message(deps(), message(**overrides), now).case


def escalations_of(case_id: str) -> list[tuple[str, str, int]]:
    case = deps().store().get(case_id)
    return [(e.timer, e.kind, e.level) for e in case.escalations]


def test_the_nearest_warning_comes_once_then_each_breach_level_once(aws):
    # Received Mon 09:00; T1 triage_due = 09:30; its one warning with a third left, at 09:20.
    case = received(at(2, 9, 0))

    sweep(deps(), at(2, 9, 5))  # 25 min left: not warned of in its first half
    assert escalations_of(case.case_id) == []
    sweep(deps(), at(2, 9, 20))  # 10 min left: the warning
    sweep(deps(), at(2, 9, 25))
    assert escalations_of(case.case_id) == [("triage_due", "warning", 0)]

    sweep(deps(), at(2, 9, 31))  # past due: the accountable and the responsible executor
    sweep(deps(), at(2, 9, 40))
    breaches = [e for e in escalations_of(case.case_id) if e[1] == "breach"]
    assert breaches == [("triage_due", "breach", 0), ("triage_due", "breach", 1)]

    sweep(deps(), at(2, 10, 31))  # an hour of working time later: the head of district
    sweep(deps(), at(2, 11, 0))
    counted = Counter(e for e in escalations_of(case.case_id) if e[0] == "triage_due")
    assert counted == {
        ("triage_due", "warning", 0): 1,
        ("triage_due", "breach", 0): 1,
        ("triage_due", "breach", 1): 1,
        ("triage_due", "breach", 2): 1,
    }


def test_a_breach_names_the_accountable_officials_and_whose_clock_ran(aws):
    case = received(at(3, 9, 0))

    sweep(deps(), at(3, 9, 45))

    stored = deps().store().get(case.case_id)
    first = next(e for e in stored.escalations if e.kind == "breach" and e.level == 0)
    technical = {m.login for m in deps().directory.staff_with(Role.TECHNICAL)}
    assert set(first.notified) == technical
    assert first.party == "administration"
    assert first.accountable == "technical"
    assert any(e.action == "deadline_breach" for e in stored.timeline)
    audit = [r.action for r in deps().store().audit_trail(case.case_id)]
    assert "deadline_breach" in audit


def test_overlapping_sweeps_record_each_escalation_once(aws):
    case = received(at(4, 9, 0))
    start = threading.Barrier(4)

    def run():
        start.wait()
        sweep(deps(), at(4, 10, 45))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sweep(deps(), at(4, 10, 45))  # and a retry of the same schedule

    counted = Counter(escalations_of(case.case_id))
    assert counted, "the sweeps recorded nothing"
    assert set(counted.values()) == {1}
    assert ("triage_due", "breach", 2) in counted


def test_a_closed_case_gets_no_warning_and_no_breach(aws):
    case = received(at(5, 9, 0))
    tech = deps().directory.staff("tech").actor()
    cases.triage(
        deps(),
        tech,
        case.case_id,
        decision="return",
        departments=[],
        reason="Не относится к полномочиям администрации района",
        now=at(5, 9, 10),
    )

    sweep(deps(), at(5, 9, 25))
    sweep(deps(), at(6, 17, 0))

    assert escalations_of(case.case_id) == []


class DynamoCalls:
    """Counts the DynamoDB requests actually sent, by operation."""

    def __init__(self, monkeypatch):
        self.calls: Counter = Counter()
        original = botocore.client.BaseClient._make_api_call
        counter = self.calls

        def counting(client, operation, params):
            if client.meta.service_model.service_name == "dynamodb":
                counter[operation] += 1
            return original(client, operation, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)

    def during(self, work) -> Counter:
        self.calls.clear()
        work()
        return Counter(self.calls)


@pytest.mark.parametrize("closed_more", [40])
def test_sweeper_requests_do_not_grow_with_closed_cases(aws, monkeypatch, closed_more):
    tech = deps().directory.staff("tech").actor()
    now = at(9, 12, 0)

    def close_some(n: int) -> None:
        for _ in range(n):
            c = received(at(9, 9, 0))
            cases.triage(
                deps(),
                tech,
                c.case_id,
                decision="not_processable",
                departments=[],
                reason="Нецензурная брань (п. 20)",
                now=at(9, 9, 5),
            )

    counter = DynamoCalls(monkeypatch)
    sweep(deps(), now)  # settle: whatever is due now is escalated once
    before = counter.during(lambda: sweep(deps(), now))
    close_some(closed_more)
    sweep(deps(), now)
    after = counter.during(lambda: sweep(deps(), now))

    assert before == after
    assert "Scan" not in after
