"""Issue 16, items 3, 7 and 11: a message that arrives late, a threat to an official, and a
possible repeat by another author about the same place (clause 18's hint).

Instants as in `test_services`: February 2026 in Barnaul (UTC+7), working hours 09:00-13:00 and
14:00-18:00. A message detected on Thursday the 5th at 10:00 is due (T2) on Friday at 11:00, and
T3 four working hours earlier, on Thursday at 16:00: both passed when it reaches us on Monday.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from otklik import codec
from otklik.domain.case import Case
from otklik.domain.oversight import BREACH, Notice, due_notices
from otklik.domain.policy import Deadline
from otklik.domain.roles import SYSTEM_ACTOR
from otklik.domain.routing import find_similar, place_key, significance
from otklik.domain.timers import late_on_arrival
from otklik.domain.values import Author
from otklik.entrypoints.views import case_detail
from otklik.service import cases, notify, reports, sweep
from tests.unit.fakes import FakeMailer, fake_deps, local, message

THREAT = "Вы там все идиоты, я вас найду где живёте, дорогу сделайте"


def at(hour: int, minute: int = 0, day: int = 9):
    return local(2026, 2, day, hour, minute)


@pytest.fixture
def deps():
    return fake_deps()


def received(deps, now=None, **overrides) -> Case:
    return cases.receive_message(deps, message(**overrides), now or at(10, 5)).case


def deliver(deps, body) -> list:
    mailer = FakeMailer()
    notify.deliver(
        deps,
        mailer,
        template=body["template"],
        case_id=body["case_id"],
        wanted=body["recipients"],
        context=body["context"],
    )
    return mailer.sent


# -- item 3: late before receipt -------------------------------------------------------------------


def test_deadlines_passed_or_nearly_at_receipt_are_recorded_as_late_on_arrival(deps):
    policy = deps.policy
    late = Case.receive(message(detected_at=at(10, 0, day=5)), now=at(10, 5), policy=policy)
    nearly = Case.receive(message(detected_at=at(10, 0, day=6)), now=at(10, 40), policy=policy)
    on_time = Case.receive(message(), now=at(10, 5), policy=policy)

    assert late.arrived_late == ("answer_due", "send_to_curator_due")  # never T1: ours
    assert late.arrival_delay == timedelta(days=4, minutes=5)
    # T2 due at 11:00, 20 working minutes after the receipt (within the 30 of the margin)
    assert nearly.arrived_late == ("answer_due", "send_to_curator_due")
    assert on_time.arrived_late == ()
    assert late.timeline[0].details["arrived_late"] == ["answer_due", "send_to_curator_due"]
    assert "arrived_late" not in on_time.timeline[0].details
    assert late_on_arrival(on_time.timers.values(), at(10, 5), policy) == ()


def test_a_timer_missed_before_receipt_gets_its_one_breach_notice_and_no_escalation(deps):
    case = Case.receive(message(detected_at=at(10, 0, day=5)), now=at(10, 5), policy=deps.policy)
    answer = case.timers[Deadline.ANSWER.value]

    assert due_notices(answer, deps.policy, at(12, 0)) == [
        Notice(BREACH, 0),
        Notice(BREACH, 1),
        Notice(BREACH, 2),
    ]
    assert due_notices(answer, deps.policy, at(12, 0), late_before_receipt=True) == [
        Notice(BREACH, 0)
    ]


def test_the_sweeper_tells_only_the_accountable_officials_of_a_late_arrival(deps):
    case = received(deps, detected_at=at(10, 0, day=5))
    deps.bus.clear()

    first = sweep.sweep(deps, at(10, 6))
    later = sweep.sweep(deps, at(12, 30))

    assert sorted(first.escalations) == [
        (case.case_id, "answer_due", "breach", 0),
        (case.case_id, "send_to_curator_due", "breach", 0),
    ]
    assert not any(t.startswith(("answer", "send")) for _, t, _, _ in later.escalations)
    breaches = [b for b in deps.bus.bodies("notification") if b["template"] == "deadline_breach"]
    late = [b for b in breaches if b["context"]["event"]["timer"] != "triage_due"]
    assert sorted(b["recipients"]["logins"][0] for b in late) == ["resp", "tech"]
    assert all("head" not in b["recipients"]["logins"] for b in late)
    [letter] = deliver(
        deps, next(b for b in late if b["context"]["event"]["timer"] == "answer_due")
    )
    assert (
        "Сообщение поступило с опозданием: срок истёк до его поступления "
        "(обнаружено 5 февраля 2026, 10:00, поступило 9 февраля 2026, 10:05)." in letter.body
    )
    assert "доклад главе района" not in letter.body


def test_a_deadline_nearly_passed_at_receipt_says_how_little_was_left(deps):
    case = received(deps, detected_at=at(10, 0, day=6), now=at(10, 40))
    deps.bus.clear()
    sweep.sweep(deps, at(11, 1))

    [body] = [
        b
        for b in deps.bus.bodies("notification")
        if b["template"] == "deadline_breach" and b["context"]["event"]["timer"] == "answer_due"
    ]
    [letter] = deliver(deps, body)
    assert case.arrived_late
    assert "до истечения срока после его поступления оставалось 20 минут" in letter.body
    assert "(обнаружено 6 февраля 2026, 10:00, поступило 9 февраля 2026, 10:40)" in letter.body


def test_the_breach_report_marks_a_late_arrival_and_names_no_official(deps):
    late = received(deps, detected_at=at(10, 0, day=5), external_id="im-late")
    on_time = received(deps, external_id="im-2", url="https://vk.com/wall-1_2", now=at(10, 6))
    sweep.sweep(deps, at(10, 6))
    sweep.sweep(deps, at(12, 30))  # on_time's T1 breached now, on tech

    found = reports.build_breaches(deps, "2026-02", at(12, 30))

    of_late = {b.timer: b for b in found if b.case_id == late.case_id}
    assert set(of_late) >= {"answer_due", "send_to_curator_due"}
    for key in ("answer_due", "send_to_curator_due"):
        assert of_late[key].before_receipt and of_late[key].officials == ()
    [mine] = [b for b in found if b.case_id == on_time.case_id and b.timer == "triage_due"]
    assert not mine.before_receipt and mine.officials == ("tech",)
    view = reports.breach_view(of_late["answer_due"], deps.display_tz)
    assert view["before_receipt"] is True and view["officials"] == []


def test_the_case_view_says_the_message_came_late(deps):
    case = received(deps, detected_at=at(10, 0, day=5))
    detail = case_detail(case, deps.display_tz, deps.policy, deps.directory.actor("tech"))

    assert detail["arrived_late"] == {
        "deadlines": ["answer_due", "send_to_curator_due"],
        "detected_at": "2026-02-05T10:00:00+07:00",
        "received_at": "2026-02-09T10:05:00+07:00",
        "delay_minutes": 4 * 24 * 60 + 5,
    }
    on_time = received(deps, external_id="im-2", url="https://vk.com/wall-1_2")
    tech = deps.directory.actor("tech")
    assert case_detail(on_time, deps.display_tz, deps.policy, tech)["arrived_late"] is None


def test_the_new_fields_round_trip_and_an_old_document_still_loads(deps):
    case = received(deps, detected_at=at(10, 0, day=5))
    case.similar_to = "earlier-case"

    assert codec.case_from_dict(codec.case_to_dict(case)) == case
    old = codec.case_to_dict(case)
    del old["arrived_late"], old["similar_to"]
    loaded = codec.case_from_dict(old)
    assert loaded.arrived_late == () and loaded.similar_to is None


# -- item 7: a threat goes to the head at once -----------------------------------------------------


def test_a_threat_to_an_official_is_reported_to_the_head_at_once(deps):
    case = received(deps, text=THREAT)
    deps.bus.clear()

    routed = cases.route(deps, case.case_id, at(10, 6))

    assert routed.significance == "threat"
    [body] = [b for b in deps.bus.bodies("notification") if b["template"] == "significant"]
    assert "head" in body["recipients"]["roles"]
    letters = deliver(deps, body)
    [letter] = [m for m in letters if m.to == deps.directory.staff("head").email]
    assert letter.subject.startswith("Доклад главе района: угроза должностному лицу — ")
    assert "признаки угрозы должностному лицу администрации или его семье" in letter.body
    assert "полицию" in letter.body and "не подлежащее обработке" in letter.body
    assert "Ответ должен быть опубликован" not in letter.body


def test_a_threat_outranks_importance_and_a_surge(deps):
    case = Case.receive(message(importance="high"), now=at(10, 5), policy=deps.policy)
    assert significance(case, [], deps.policy) == "high_importance"
    assert significance(case, [], deps.policy, flags=("threat",)) == "threat"
    assert significance(case, [], deps.policy, flags=("insult",)) == "high_importance"


# -- item 11: another author, same place and topic: a hint ---------------------------------------


def test_places_written_differently_are_one_place():
    assert place_key("ул. Центральная, д. 5") == place_key("Центральная улица, 5")
    assert place_key("с. Зудилово") == place_key("Село Зудилово")
    assert place_key("ул. Центральная, 5") != place_key("пр. Центральный, 5")
    assert place_key("  ") == frozenset()


def test_another_author_about_the_same_place_and_topic_is_a_possible_repeat(deps):
    earlier = received(
        deps,
        now=at(10, 5, day=2),
        external_id="im-100",
        url="https://vk.com/wall-1_100",
        author=Author("id9", "Олег"),
        location="ул. Центральная, д. 5",
    )
    case = received(deps, location="Центральная улица, 5")

    routed = cases.route(deps, case.case_id, at(10, 6))

    assert routed.similar_to == earlier.case_id
    assert routed.repeat_of is None  # a hint: nothing routed by it
    assert routed.proposed_assignee is None
    assert routed.proposed_departments == ("roads",)  # by the table, as for any message
    proposed = next(e for e in routed.timeline if e.action == "routing_proposed")
    assert proposed.details["similar_to"] == earlier.case_id
    detail = case_detail(routed, deps.display_tz, deps.policy, deps.directory.actor("tech"))
    assert (detail["similar_to"], detail["similar_ref"]) == (earlier.case_id, "im-100")


@pytest.mark.parametrize(
    ("overrides", "days_before"),
    [
        ({"topic": "ЖКХ"}, 7),  # another topic
        ({"location": "ул. Садовая, 1"}, 7),  # another place
        ({}, 31),  # outside the 30-day window
    ],
)
def test_no_hint_for_another_topic_place_or_an_old_case(deps, overrides, days_before):
    received(
        deps,
        now=at(10, 5) - timedelta(days=days_before),
        external_id="im-100",
        url="https://vk.com/wall-1_100",
        author=Author("id9", "Олег"),
        **overrides,
    )
    case = received(deps)

    assert cases.route(deps, case.case_id, at(10, 6)).similar_to is None


def test_the_same_author_is_a_repeat_not_a_hint(deps):
    earlier = received(
        deps, now=at(10, 5, day=5), external_id="im-100", url="https://vk.com/wall-1_100"
    )
    case = received(deps, url="https://vk.com/wall-1_101")

    routed = cases.route(deps, case.case_id, at(10, 6))

    assert routed.repeat_of == earlier.case_id and routed.similar_to is None


def test_find_similar_takes_the_latest_and_never_the_case_itself(deps):
    policy = deps.policy
    case = Case.receive(message(), now=at(10, 5), policy=policy)
    older = Case.receive(
        message(author=Author("a2")), now=at(10, 5, day=3), policy=policy, case_id="older"
    )
    newer = Case.receive(
        message(author=Author("a3")), now=at(10, 5, day=6), policy=policy, case_id="newer"
    )
    since = at(10, 5, day=1)

    assert find_similar(case, [older, newer, case], since=since) is newer
    assert find_similar(case, [case], since=since) is None
    assert SYSTEM_ACTOR.login  # the system proposes; a person confirms
