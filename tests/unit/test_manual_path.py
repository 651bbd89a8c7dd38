"""The flow without a monitoring-system integration: a message registered by hand, its draft
entered into the monitoring system by the technical executor, the curator's decisions recorded
by hand (clauses 9-15). Monday 2026-02-09, Barnaul time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from otklik.domain import events as ev
from otklik.domain.case import Case, DecisionMatch
from otklik.domain.errors import Forbidden, InvalidInput, InvalidTransition
from otklik.domain.policy import Deadline
from otklik.domain.states import DraftKind, DraftStatus, Source, Status
from otklik.domain.timers import Outcome
from otklik.service.outbox import outbox_for

TEXT = "Ирина, здравствуйте! Ямочный ремонт ул. Центральной выполнен 10 февраля, фото прилагаем."


@pytest.fixture
def registered(tech, policy, make_message, local) -> Case:
    """Detected by the curator at 09:40, registered by hand at 10:05."""
    case = Case.register(
        tech,
        make_message(external_id="", detected_at=local(2026, 2, 9, 9, 40)),
        now=local(2026, 2, 9, 10, 5),
        policy=policy,
    )
    case.pull_events()
    return case


@pytest.fixture
def ready(registered, tech, roads, resp, policy, local) -> Case:
    registered.accept(tech, departments=["roads"], now=local(2026, 2, 9, 10, 10), policy=policy)
    registered.submit_draft(roads, text=TEXT, kind=DraftKind.FINAL, now=local(2026, 2, 9, 10, 40))
    registered.approve_draft(
        resp,
        draft_id=registered.current_draft.draft_id,
        now=local(2026, 2, 9, 11, 0),
        policy=policy,
    )
    return registered


def timer(case: Case, key: str):
    return case.timers[key]


def test_a_message_registered_by_hand_runs_its_clock_from_the_detection_typed_in(registered, local):
    assert registered.source is Source.MANUAL
    assert registered.registered_by == "tech"
    assert registered.status is Status.RECEIVED
    # T2 from 09:40: 09:40-13:00 (3 h 20) + 14:00-18:00 (4 h) + Tue 09:00-10:40 (1 h 40)
    assert registered.deadlines() == {
        "triage_due": local(2026, 2, 9, 10, 35),  # T1 from our receipt, 10:05
        "answer_due": local(2026, 2, 10, 10, 40),
        "send_to_curator_due": local(2026, 2, 9, 15, 40),  # T2 less 4 working hours
    }
    entry = registered.timeline[0]
    assert (entry.actor, entry.action, entry.details) == (
        "tech",
        "received",
        {"external_id": "", "via": "manual"},
    )


def test_a_detection_time_more_than_five_minutes_ahead_is_refused(
    tech, policy, make_message, local
):
    now = local(2026, 2, 9, 10, 0)
    with pytest.raises(InvalidInput) as refused:
        Case.register(
            tech, make_message(detected_at=now + timedelta(minutes=6)), now=now, policy=policy
        )
    assert refused.value.fields == {"detected_at": "время обнаружения в будущем"}
    # a clock a few minutes ahead is no mistake
    near = Case.register(
        tech, make_message(detected_at=now + timedelta(minutes=5)), now=now, policy=policy
    )
    assert near.timers["answer_due"].started_at == now + timedelta(minutes=5)


@pytest.mark.parametrize("who", ["resp", "roads", "head", "curator", "system"])
def test_only_the_technical_executor_registers_by_hand(actors, who, policy, make_message, local):
    with pytest.raises(Forbidden):
        Case.register(actors[who], make_message(), now=local(2026, 2, 9, 10), policy=policy)


def test_an_approved_draft_of_a_manual_case_waits_to_be_entered_and_t3_keeps_running(ready):
    draft = ready.current_draft
    assert ready.status is Status.READY_TO_SEND
    assert draft.status is DraftStatus.READY_TO_SEND
    assert draft.sent_to_curator_at is None
    assert timer(ready, "send_to_curator_due").running
    assert "curator_decision_due" not in ready.timers
    assert [type(e) for e in ready.pull_events()][-1] is ev.DraftReadyToSend


def test_marking_sent_stops_t3_and_starts_t4_at_that_instant(ready, tech, policy, local):
    at = local(2026, 2, 9, 11, 25)
    ready.pull_events()

    ready.mark_sent(tech, draft_id=ready.current_draft.draft_id, now=at, policy=policy)

    assert ready.status is Status.CURATOR_REVIEW
    assert ready.current_draft.sent_to_curator_at == at
    t3 = timer(ready, "send_to_curator_due")
    assert (t3.stopped_at, t3.outcome) == (at, Outcome.MET)
    t4 = timer(ready, "curator_decision_due")
    assert (t4.started_at, t4.due) == (at, at + timedelta(minutes=30))
    assert ready.timeline[-1].details == {"draft_id": ready.current_draft.draft_id, "via": "manual"}
    assert [type(e) for e in ready.pull_events()] == [ev.DraftSentToCurator]


def test_marking_sent_late_is_recorded_as_a_late_t3(ready, tech, policy, local):
    ready.mark_sent(
        tech, draft_id=ready.current_draft.draft_id, now=local(2026, 2, 9, 16, 0), policy=policy
    )
    assert timer(ready, "send_to_curator_due").outcome is Outcome.LATE


@pytest.mark.parametrize("who", ["resp", "roads", "head", "curator"])
def test_only_the_technical_executor_marks_a_draft_sent(ready, actors, who, policy, local):
    with pytest.raises(Forbidden):
        ready.mark_sent(
            actors[who],
            draft_id=ready.current_draft.draft_id,
            now=local(2026, 2, 9, 11),
            policy=policy,
        )


def test_marking_sent_in_another_state_is_an_invalid_transition(registered, tech, policy, local):
    with pytest.raises(InvalidTransition):
        registered.mark_sent(tech, draft_id="d-1", now=local(2026, 2, 9, 11), policy=policy)


def test_a_webhook_case_hands_its_approved_draft_over_at_once(
    tech, roads, resp, policy, make_message, local
):
    case = Case.receive(make_message(), now=local(2026, 2, 9, 10, 5), policy=policy)
    case.accept(tech, departments=["roads"], now=local(2026, 2, 9, 10, 10), policy=policy)
    case.submit_draft(roads, text=TEXT, kind=DraftKind.FINAL, now=local(2026, 2, 9, 10, 40))
    case.approve_draft(
        resp, draft_id=case.current_draft.draft_id, now=local(2026, 2, 9, 11), policy=policy
    )
    assert case.status is Status.CURATOR_REVIEW


@pytest.fixture
def at_curator(ready, tech, policy, local) -> Case:
    ready.mark_sent(
        tech, draft_id=ready.current_draft.draft_id, now=local(2026, 2, 9, 11, 20), policy=policy
    )
    ready.pull_events()
    return ready


def test_a_return_recorded_by_hand_counts_from_when_the_curator_decided(
    at_curator, tech, policy, local
):
    draft_id = at_curator.current_draft.draft_id
    decided, recorded = local(2026, 2, 9, 11, 35), local(2026, 2, 9, 11, 50)

    at_curator.curator_return(
        tech,
        draft_id=draft_id,
        comment="Добавьте фото.",
        now=decided,
        policy=policy,
        recorded_at=recorded,
    )

    assert at_curator.status is Status.REWORK
    t4 = timer(at_curator, "curator_decision_due")
    assert (t4.stopped_at, t4.outcome) == (decided, Outcome.MET)
    t5 = timer(at_curator, "rework_due")
    # T5, one working hour from 11:35: 11:35-12:35
    assert (t5.started_at, t5.due) == (decided, local(2026, 2, 9, 12, 35))
    entry = at_curator.timeline[-1]
    assert (entry.actor, entry.at) == ("tech", decided)
    assert entry.details == {
        "draft_id": draft_id,
        "comment": "Добавьте фото.",
        "via": "manual",
        "on_behalf_of": "curator",
        "recorded_at": recorded.isoformat(),
    }


def test_rework_of_a_manual_case_runs_t5_until_the_new_draft_is_entered(
    at_curator, tech, roads, resp, policy, local
):
    at_curator.curator_return(
        tech,
        draft_id=at_curator.current_draft.draft_id,
        comment="Фото?",
        now=local(2026, 2, 9, 11, 30),
        policy=policy,
    )
    at_curator.submit_draft(roads, text=TEXT, kind=DraftKind.FINAL, now=local(2026, 2, 9, 11, 45))
    at_curator.approve_draft(
        resp,
        draft_id=at_curator.current_draft.draft_id,
        now=local(2026, 2, 9, 11, 50),
        policy=policy,
    )
    assert at_curator.status is Status.READY_TO_SEND
    assert timer(at_curator, "rework_due").running

    at_curator.mark_sent(
        tech,
        draft_id=at_curator.current_draft.draft_id,
        now=local(2026, 2, 9, 12, 10),
        policy=policy,
    )

    t5 = timer(at_curator, "rework_due")
    assert (t5.stopped_at, t5.outcome) == (local(2026, 2, 9, 12, 10), Outcome.MET)


def test_an_approval_recorded_by_hand_starts_t6_at_the_decision(at_curator, tech, policy, local):
    at_curator.curator_approve(
        tech,
        draft_id=at_curator.current_draft.draft_id,
        now=local(2026, 2, 9, 11, 40),
        policy=policy,
        recorded_at=local(2026, 2, 9, 11, 40),
    )
    assert at_curator.status is Status.APPROVED
    assert at_curator.deadlines()["publish_due"] == local(2026, 2, 9, 12, 10)
    assert "recorded_at" not in at_curator.timeline[-1].details  # recorded as it happened


@pytest.mark.parametrize(
    ("decided", "field"),
    [
        pytest.param((12, 1), "at", id="after-the-recording"),
        pytest.param((11, 19), "at", id="before-the-handover"),
    ],
)
def test_a_decision_time_outside_handover_and_now_is_refused(
    at_curator, tech, policy, local, decided, field
):
    with pytest.raises(InvalidInput) as refused:
        at_curator.curator_approve(
            tech,
            draft_id=at_curator.current_draft.draft_id,
            now=local(2026, 2, 9, *decided),
            policy=policy,
            recorded_at=local(2026, 2, 9, 12, 0),
        )
    assert field in refused.value.fields
    assert at_curator.status is Status.CURATOR_REVIEW


def test_the_same_decision_twice_is_no_change_and_a_different_one_a_conflict(
    at_curator, tech, policy, local
):
    draft_id = at_curator.current_draft.draft_id
    assert at_curator.compare_curator_decision("draft_approved", draft_id) is DecisionMatch.NEW
    at_curator.curator_return(
        tech, draft_id=draft_id, comment="Фото?", now=local(2026, 2, 9, 11, 30), policy=policy
    )

    assert at_curator.compare_curator_decision("draft_returned", draft_id) is DecisionMatch.SAME
    assert at_curator.compare_curator_decision("draft_approved", draft_id) is DecisionMatch.CONFLICT
    assert at_curator.compare_curator_decision("message_withdrawn", None) is DecisionMatch.NEW


def test_a_conflict_leaves_the_case_and_tells_the_technical_executor(at_curator, curator, local):
    status, version = at_curator.status, at_curator.version

    at_curator.record_decision_conflict(
        curator, event="draft_returned", draft_id="d-x", now=local(2026, 2, 9, 11, 40)
    )

    assert at_curator.status is status
    assert at_curator.version == version + 1
    assert at_curator.timeline[-1].action == "curator_decision_conflict"
    (message,) = outbox_for(at_curator.pull_events(), at_curator)
    assert message.queue == "notification"
    assert message.body["template"] == "curator_conflict"
    assert message.body["recipients"]["roles"] == ["technical"]


def test_a_manual_case_makes_no_call_to_the_monitoring_system(
    registered, tech, policy, make_message, local
):
    webhook = Case.receive(make_message(), now=local(2026, 2, 9, 10, 5), policy=policy)
    webhook.pull_events()
    for case in (registered, webhook):
        case.return_to_curator(tech, reason="Вне компетенции.", now=local(2026, 2, 9, 10, 20))
    assert [m.queue for m in outbox_for(webhook.pull_events(), webhook)] == ["monitoring"]
    assert outbox_for(registered.pull_events(), registered) == []
    assert registered.timeline[-1].details["via"] == "manual"


def test_a_withdrawal_recorded_by_hand_closes_a_manual_case(ready, tech, local):
    ready.withdraw(
        tech,
        comment="Пост удалён.",
        now=local(2026, 2, 9, 11, 5),
        recorded_at=local(2026, 2, 9, 11, 10),
    )
    assert ready.status is Status.WITHDRAWN
    assert ready.current_draft.status is DraftStatus.WITHDRAWN
    assert not any(t.running for t in ready.timers.values())
    assert Deadline.SEND_TO_CURATOR.value in ready.timers
