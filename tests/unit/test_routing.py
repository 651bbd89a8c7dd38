"""Routing's proposal for a new message as one pure decision (`routing.propose`): departments by
the routing table, clause 20's flags, and clause 18's repeat, which takes the earlier case's
departments and goes to the official who handled it. Monday 2026-02-09, Barnaul."""

from __future__ import annotations

from datetime import timedelta

import pytest

from otklik.domain.case import Case
from otklik.domain.routing import Proposal, RoutingRule, propose
from otklik.domain.values import Author

RULES = [
    RoutingRule(department="roads", topic="Дороги"),
    RoutingRule(department="housing", topic="ЖКХ"),
]
THREAD = "https://vk.com/wall-170171414_52107"


@pytest.fixture
def case_of(make_message, policy, local):
    def make(case_id: str, day: int, *, url: str = THREAD + "?reply=1", **fields) -> Case:
        message = make_message(
            external_id=case_id, url=url, detected_at=local(2026, 2, day, 10, 0), **fields
        )
        return Case.receive(message, now=local(2026, 2, day, 10, 5), policy=policy, case_id=case_id)

    return make


@pytest.fixture
def handled(tech, roads, resp, curator, policy, local):
    """`handled(case, departments)`: accepted for them, answered by roads, published."""

    def handle(case: Case, departments=("housing",)) -> Case:
        day = case.received_at
        case.accept(tech, departments=departments, now=day + timedelta(minutes=10), policy=policy)
        author = roads if departments == ("roads",) else resp
        draft = case.submit_draft(
            author, text="Ответ", kind="final", now=day + timedelta(minutes=20)
        )
        case.approve_draft(
            resp, draft_id=draft.draft_id, now=day + timedelta(minutes=30), policy=policy
        )
        case.curator_approve(
            curator, draft_id=draft.draft_id, now=day + timedelta(minutes=40), policy=policy
        )
        case.publish(tech, url=THREAD + "?reply=9", now=day + timedelta(minutes=50), policy=policy)
        return case

    return handle


def since(case: Case, days: int = 30):
    return case.received_at - timedelta(days=days)


def test_a_new_message_goes_where_the_routing_table_says(case_of):
    case = case_of("case-2", 9)

    proposal = propose(case, [], RULES, since=since(case))

    assert proposal == Proposal(("roads",), ())


def test_a_message_in_the_thread_of_an_earlier_case_repeats_it(case_of, handled):
    earlier = handled(case_of("case-1", 2, topic="ЖКХ"), ("housing", "roads"))
    case = case_of("case-2", 9, url=THREAD + "?reply=7")

    proposal = propose(case, [earlier], RULES, since=since(case))

    # the earlier case's departments, not the table's for this topic; to who answered it
    assert proposal == Proposal(("housing", "roads"), (), "case-1", "resp")


def test_the_same_author_on_the_same_topic_elsewhere_is_a_repeat_too(case_of, handled):
    earlier = handled(case_of("case-1", 2, url="https://vk.com/wall-1_5"), ("roads",))
    case = case_of("case-2", 9, url="https://vk.com/wall-1_6")

    proposal = propose(case, [earlier], RULES, since=since(case))

    assert (proposal.repeat_of, proposal.handled_by, proposal.departments) == (
        "case-1",
        "roads",
        ("roads",),
    )


def test_an_earlier_case_never_accepted_links_the_repeat_but_keeps_the_table(case_of):
    earlier = case_of("case-1", 2, topic="ЖКХ")
    case = case_of("case-2", 9)

    proposal = propose(case, [earlier], RULES, since=since(case))

    assert proposal == Proposal(("roads",), (), "case-1", None)


def test_an_earlier_case_outside_the_window_is_no_repeat(case_of):
    earlier = case_of("case-1", 2)
    case = case_of("case-2", 10, url=THREAD + "?reply=7")

    assert propose(case, [earlier], RULES, since=since(case, days=7)).repeat_of is None


def test_another_author_elsewhere_is_no_repeat(case_of):
    earlier = case_of("case-1", 9, url="https://vk.com/wall-1_5", author=Author("id2", "Другой"))
    case = case_of("case-2", 10, url="https://vk.com/wall-1_6")

    assert propose(case, [earlier], RULES, since=since(case)).repeat_of is None


def test_an_author_known_by_name_alone_is_matched_by_no_one(case_of):
    nameless = Author("", "Ирина Петрова")
    earlier = case_of("case-1", 9, url="https://vk.com/wall-1_5", author=nameless)
    case = case_of("case-2", 10, url="https://vk.com/wall-1_6", author=nameless)

    assert propose(case, [earlier], RULES, since=since(case)).repeat_of is None


def test_clause_20_content_is_flagged(case_of):
    case = case_of("case-2", 9, text="Ну вы и дебилы, яму не можете заделать")

    assert propose(case, [], RULES, since=since(case)).flags == ("insult",)
