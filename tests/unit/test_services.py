"""The use cases of `otklik.service` against in-memory fakes of the ports (`tests/unit/fakes.py`).

Every instant is passed in: Monday 2026-02-09, Barnaul time (UTC+7), a plain working day
(09:00-13:00, 14:00-18:00). The message of `fakes.message()` was detected at 10:00, so T2 ends
on Tuesday at 11:00 (3 + 4 working hours on Monday, 2 on Tuesday) and T3 four working hours
earlier, on Monday at 16:00.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from otklik.config import own_pages
from otklik.domain.case import Case
from otklik.domain.errors import (
    ConcurrentModification,
    Forbidden,
    InvalidInput,
    InvalidTransition,
    NotFound,
)
from otklik.domain.routing import RoutingRule
from otklik.domain.states import DraftKind, DraftStatus, Source, Status
from otklik.domain.timers import Outcome
from otklik.domain.values import Attachment, Author
from otklik.httpclient import PermanentError, TemporaryError
from otklik.ports import KEY_LIFETIME, DuplicateKey, Published, published_key
from otklik.service import cases, inbox, notify, outbound, publishing, reports, sweep
from tests.unit.fakes import (
    DEMO_ROUTING,
    ROAD_TEXT,
    FakeDirectory,
    FakeKeyStore,
    FakeMailer,
    FakeMonitoringSystem,
    FakePublisher,
    Letter,
    Sent,
    SimulatedCrash,
    database,
    fake_deps,
    local,
    message,
    settings_for_tests,
)

URL = "https://vk.com/wall-170171414_52107?reply=52110"
ANSWER = "Ирина, здравствуйте! Ямочный ремонт ул. Центральной выполнен, фото прилагаем."
PHOTO = Attachment("photo", "https://sun9-1.userapi.com/remont.jpg")


def photo_of(case_id: str) -> Attachment:
    """The photo a draft of `case_id` attaches: a file uploaded and confirmed for that case."""
    return Attachment(
        "photo",
        key=f"cases/{case_id}/remont",
        name="remont.jpg",
        size=1234,
        content_type="image/jpeg",
    )


def attach_photo(deps, case_id: str) -> Attachment:
    """`photo_of(case_id)`, recorded as confirmed (what `service.attachments.confirm` keeps)."""
    photo = photo_of(case_id)
    deps.keys.remember(
        f"attachment:{photo.key}",
        {
            "case_id": case_id,
            "type": "photo",
            "name": photo.name,
            "size": photo.size,
            "content_type": photo.content_type,
            "confirmed": True,
        },
        lifetime=3600,
    )
    return photo


def at(hour: int, minute: int = 0, day: int = 9):
    """An instant of February 2026 in Barnaul; Monday the 9th unless `day` says otherwise."""
    return local(2026, 2, day, hour, minute)


def post_key_of(url: str) -> str:
    return "post:" + hashlib.sha256(url.encode()).hexdigest()


@pytest.fixture
def deps():
    return fake_deps()


@pytest.fixture
def db(deps):
    return database(deps)


def who(deps, login: str):
    return deps.directory.actor(login)


def queues_and_names(messages) -> list[tuple[str, str]]:
    """(queue, template or call kind) of outbox messages or sent messages."""
    return [(m.queue, m.body.get("template") or m.body.get("kind") or "") for m in messages]


def last_commit_messages(db) -> list[tuple[str, str]]:
    return queues_and_names(db.commits[-1].outbox)


def notification(body: dict) -> dict:
    """A notification body without its per-event context, for exact comparison."""
    return {k: v for k, v in body.items() if k not in ("context", "message_id")}


# -- building cases through the use cases themselves --------------------------------------------


def received(deps, now=None, **overrides) -> Case:
    return cases.receive_message(deps, message(**overrides), now or at(10, 5)).case


def routed(deps, **overrides) -> Case:
    case = received(deps, **overrides)
    return cases.route(deps, case.case_id, at(10, 6))


def accepted(deps, departments=("roads",), now=None, **overrides) -> Case:
    case = routed(deps, **overrides)
    return cases.triage(
        deps,
        who(deps, "tech"),
        case.case_id,
        decision="accept",
        departments=list(departments),
        reason="",
        now=now or at(10, 15),
    )


def submitted(deps, kind="final", **overrides) -> tuple[Case, str]:
    case = accepted(deps, **overrides)
    return cases.submit_draft(
        deps,
        who(deps, "roads"),
        case.case_id,
        text=ANSWER,
        kind=kind,
        attachments=[attach_photo(deps, case.case_id)],
        now=at(10, 40),
    )


def with_curator(deps, kind="final", **overrides) -> tuple[Case, str]:
    case, draft_id = submitted(deps, kind=kind, **overrides)
    case = cases.approve_draft(deps, who(deps, "resp"), case.case_id, draft_id, at(11, 0))
    return case, draft_id


def curator_approved(deps, kind="final", **overrides) -> tuple[Case, str]:
    case, draft_id = with_curator(deps, kind=kind, **overrides)
    case = cases.curator_decision(
        deps,
        external_id=case.message.external_id,
        event="draft_approved",
        draft_id=draft_id,
        comment="",
        now=at(11, 20),
        delivery_key="callback:d-approve",
    )
    return case, draft_id


def registered(deps, now=None, **overrides) -> Case:
    """A manual case: detected at 09:40, registered by the technical executor at 10:05."""
    fields = {"external_id": "", "detected_at": at(9, 40), **overrides}
    return cases.register_message(deps, who(deps, "tech"), message(**fields), now or at(10, 5)).case


def manual_ready(deps) -> tuple[Case, str]:
    case = registered(deps)
    cases.route(deps, case.case_id, at(10, 6))
    tech = who(deps, "tech")
    cases.triage(
        deps,
        tech,
        case.case_id,
        decision="accept",
        departments=["roads"],
        reason="",
        now=at(10, 15),
    )
    case, draft_id = cases.submit_draft(
        deps,
        who(deps, "roads"),
        case.case_id,
        text=ANSWER,
        kind="final",
        attachments=[],
        now=at(10, 40),
    )
    case = cases.approve_draft(deps, who(deps, "resp"), case.case_id, draft_id, at(11, 0))
    return case, draft_id


# -- intake (clause 9) ----------------------------------------------------------------------------


def test_a_new_message_becomes_a_received_case_with_its_deadlines_and_one_routing_message(deps, db):
    intake = cases.receive_message(deps, message(), at(10, 5))

    case = intake.case
    assert intake.created is True
    assert (case.status, case.source, case.version) == (Status.RECEIVED, Source.WEBHOOK, 1)
    assert case.deadlines() == {
        "triage_due": at(10, 35),
        "answer_due": at(11, 0, day=10),
        "send_to_curator_due": at(16, 0),
    }
    stored = db.case(case.case_id)
    assert stored == case and stored is not case
    assert deps.keys.seen("intake:im-123") == {"case_id": case.case_id}
    assert [(e.action, e.details) for e in deps.store().audit_trail(case.case_id)] == [
        ("received", {"external_id": "im-123", "via": "webhook"})
    ]
    [relayed] = deps.bus.relays
    assert relayed == [
        Sent(
            "routing",
            {"case_id": case.case_id, "message_id": db.commits[0].outbox[0].message_id},
        )
    ]
    assert db.outbox == {}  # relayed, so deleted


def test_a_repeated_delivery_returns_the_same_case_and_changes_nothing(deps, db):
    first = cases.receive_message(deps, message(), at(10, 5))

    again = cases.receive_message(deps, message(text="другой текст"), at(10, 7))

    assert again.created is False
    assert again.case.case_id == first.case.case_id
    assert again.case.message.text == ROAD_TEXT
    assert len(db.commits) == 1
    assert len(deps.bus.sent) == 1


def test_a_delivery_that_loses_the_race_returns_the_winners_case(deps, db):
    winner = []
    db.before_next_commit(
        lambda: winner.append(cases.receive_message(deps, message(), at(10, 5)).case)
    )

    intake = cases.receive_message(deps, message(), at(10, 5))

    assert intake.created is False
    assert intake.case.case_id == winner[0].case_id
    assert list(db.rows) == [winner[0].case_id]
    [(_, error)] = db.failed_commits
    assert isinstance(error, DuplicateKey) and error.key == "intake:im-123"
    assert [s.queue for s in deps.bus.sent] == ["routing"]  # the loser relays nothing


# -- registration by hand (clause 9 without an integration) --------------------------------------


def test_a_registered_message_is_a_manual_case_whose_clock_runs_from_the_detection_typed_in(
    deps, db
):
    intake = cases.register_message(
        deps, who(deps, "tech"), message(external_id="", detected_at=at(9, 40)), at(10, 5)
    )

    case = intake.case
    assert intake.created is True
    assert (case.source, case.registered_by) == (Source.MANUAL, "tech")
    assert case.deadlines() == {
        "triage_due": at(10, 35),  # T1 from the registration
        "answer_due": at(10, 40, day=10),  # T2 from the detection: 3:20 + 4:00 + 1:40
        "send_to_curator_due": at(15, 40),
    }
    assert db.commits[0].keys == (post_key_of(URL),)
    assert deps.keys.seen(post_key_of(URL)) == {"case_id": case.case_id}
    assert [(e.action, e.actor, e.details) for e in deps.store().audit_trail(case.case_id)] == [
        ("received", "tech", {"external_id": "", "via": "manual"})
    ]
    assert queues_and_names(deps.bus.sent) == [("routing", "")]


def test_registering_the_same_post_under_another_spelling_opens_the_existing_case(deps, db):
    first = registered(deps)

    again = cases.register_message(
        deps,
        who(deps, "tech"),
        message(
            external_id="",
            url="https://m.vk.com/wall-170171414_52107/?utm_source=share&reply=52110#comments",
        ),
        at(10, 30),
    )

    assert again.created is False
    assert again.case.case_id == first.case_id
    assert len(db.commits) == 1


def test_registering_a_post_that_came_by_webhook_opens_the_webhook_case(deps, db):
    webhook = received(deps)

    again = cases.register_message(
        deps,
        who(deps, "tech"),
        message(external_id="", url=URL.replace("?", "?utm_medium=email&")),
        at(10, 30),
    )

    assert again.created is False
    assert again.case.case_id == webhook.case_id
    assert again.case.source is Source.WEBHOOK
    assert len(db.rows) == 1


def test_registering_with_the_external_id_of_a_webhook_case_opens_that_case(deps, db):
    webhook = received(deps)

    again = cases.register_message(
        deps, who(deps, "tech"), message(url="https://vk.com/wall-1_2"), at(10, 30)
    )

    assert (again.created, again.case.case_id) == (False, webhook.case_id)


def test_registering_a_webhook_post_from_its_mobile_link_opens_the_webhook_case(deps, db):
    webhook = received(deps)

    again = cases.register_message(
        deps,
        who(deps, "tech"),
        message(external_id="", url=URL.replace("vk.com", "m.vk.com")),
        at(10, 30),
    )

    assert again.case.case_id == webhook.case_id


def test_only_the_technical_executor_may_register_even_a_known_post(deps, db):
    registered(deps)

    for login in ("roads", "resp", "head"):
        with pytest.raises(Forbidden):
            cases.register_message(deps, who(deps, login), message(external_id=""), at(10, 30))
    assert len(db.commits) == 1


def test_concurrent_registrations_of_one_post_make_one_case(deps, db):
    winner = []
    db.before_next_commit(lambda: winner.append(registered(deps, now=at(10, 5))))

    intake = cases.register_message(
        deps, who(deps, "tech"), message(external_id="", detected_at=at(9, 40)), at(10, 5)
    )

    assert intake.created is False
    assert intake.case.case_id == winner[0].case_id
    assert list(db.rows) == [winner[0].case_id]
    assert db.failed_commits[0][1].key == post_key_of(URL)


def test_a_registration_racing_the_webhook_of_the_same_message_returns_the_webhook_case(deps, db):
    webhook = []
    db.before_next_commit(lambda: webhook.append(received(deps)))

    intake = cases.register_message(deps, who(deps, "tech"), message(), at(10, 5))

    assert (intake.created, intake.case.case_id) == (False, webhook[0].case_id)
    assert db.failed_commits[0][1].key == "intake:im-123"
    assert not deps.keys.exists(post_key_of(URL))  # the losing commit wrote nothing


def test_a_detection_time_more_than_five_minutes_ahead_is_refused(deps, db):
    with pytest.raises(InvalidInput) as refused:
        registered(deps, detected_at=at(10, 11), now=at(10, 5))

    assert refused.value.fields == {"detected_at": "время обнаружения в будущем"}
    assert db.rows == {} and deps.keys.keys() == []
    assert registered(deps, detected_at=at(10, 10), now=at(10, 5)).source is Source.MANUAL


# -- routing (clauses 18, 20, 24) ------------------------------------------------------------------


def test_routing_proposes_the_department_of_the_topic_and_tells_the_technical_executor(deps, db):
    case = received(deps)

    routed_case = cases.route(deps, case.case_id, at(10, 6))

    assert routed_case.status is Status.RECEIVED
    assert (routed_case.proposed_departments, routed_case.flags) == (("roads",), ())
    [body] = deps.bus.bodies("notification")
    assert notification(body) == {
        "template": "new_message",
        "case_id": case.case_id,
        "recipients": {"roles": ["technical"], "departments": [], "logins": []},
    }
    assert body["context"] == {
        "event": {
            "event": "RoutingProposed",
            "case_id": case.case_id,
            "at": "2026-02-09T10:06:00+07:00",
            "departments": ["roads"],
            "flags": [],
        }
    }


@pytest.mark.parametrize(
    ("topic", "text", "expected"),
    [
        ("ЖКХ", "Нет горячей воды третий день", ("housing",)),
        ("Благоустройство", "Двор не убран", ("housing",)),
        ("Прочее", "Опять прорвало канализацию у дома 5", ("housing",)),
        ("Прочее", "Яма на дороге, а во дворе мусор", ("roads", "housing")),
        ("Прочее", "Спасибо за праздник", ()),
        # word forms, not substrings: «дорогах» is «дорога», «дорогие» and «водитель» are not
        ("Прочее", "На дорогах по всему селу ямищи", ("roads",)),
        ("Прочее", "Дорогие соседи, водитель автобуса хамит", ()),
        ("Прочее", "Весь подорожник у школы вытоптали", ()),
    ],
)
def test_routing_falls_back_from_the_topic_to_the_keywords_of_the_text(deps, topic, text, expected):
    case = received(deps, topic=topic, text=text)

    assert cases.route(deps, case.case_id, at(10, 6)).proposed_departments == expected


def test_a_rule_for_the_topic_and_place_wins_over_one_for_the_topic_anywhere():
    rules = (RoutingRule("housing", topic="Дороги", location="с. Зудилово"), *DEMO_ROUTING)
    deps = fake_deps(directory=FakeDirectory(routing=rules))
    case = received(deps)

    assert cases.route(deps, case.case_id, at(10, 6)).proposed_departments == ("housing",)


def test_routing_flags_clause_20_content_and_names_it_in_the_letter(deps):
    case = received(deps, text="Вы там все идиоты, я вас найду где живёте, дорогу сделайте")

    routed_case = cases.route(deps, case.case_id, at(10, 6))

    assert routed_case.flags == ("insult", "threat")
    assert routed_case.status is Status.RECEIVED  # a flag is a hint; the person decides
    # a threat also goes to the head at once (clause 24, `test_late_and_similar`)
    [body] = [b for b in deps.bus.bodies("notification") if b["template"] != "significant"]
    assert body["context"]["event"]["flags"] == ["insult", "threat"]


def test_a_repeated_message_in_the_same_thread_goes_to_the_earlier_official_and_departments(deps):
    earlier = accepted(
        deps,
        departments=("housing",),
        now=at(10, 15, day=2),
        external_id="im-100",
        url="https://vk.com/wall-170171414_52107?reply=40000",
    )
    # the earlier case was answered by housing's executor
    cases.submit_draft(
        deps,
        who(deps, "housing"),
        earlier.case_id,
        text=ANSWER,
        kind="final",
        attachments=[],
        now=at(11, 0, day=2),
    )
    case = received(deps, author=Author("id77", "Пётр"))

    repeat = cases.route(deps, case.case_id, at(10, 6))

    assert repeat.repeat_of == earlier.case_id
    assert repeat.proposed_assignee == "housing"
    assert repeat.proposed_departments == ("housing",)  # not "roads" of the topic
    assert [e.action for e in repeat.timeline] == ["received", "repeat_linked", "routing_proposed"]
    cases.triage(
        deps,
        who(deps, "tech"),
        case.case_id,
        decision="accept",
        departments=["housing"],
        reason="",
        now=at(10, 15),
    )
    assigned = deps.bus.bodies("notification")[-1]
    assert notification(assigned) == {
        "template": "assigned",
        "case_id": case.case_id,
        "recipients": {"roles": ["executor"], "departments": ["housing"], "logins": ["housing"]},
    }


def test_the_same_author_on_the_same_topic_elsewhere_is_a_repeat_but_not_on_another_topic(deps):
    earlier = received(
        deps, now=at(10, 5, day=5), external_id="im-100", url="https://vk.com/wall-1_1"
    )
    other_topic = received(
        deps, now=at(10, 5, day=6), external_id="im-101", url="https://vk.com/wall-1_2", topic="ЖКХ"
    )
    case = received(deps, url="https://vk.com/wall-1_3")

    repeat = cases.route(deps, case.case_id, at(10, 6))

    # the later case on another topic is passed over for the earlier one on this topic
    assert other_topic.received_at > earlier.received_at
    assert repeat.repeat_of == earlier.case_id
    assert repeat.proposed_assignee is None  # nobody drafted the earlier answer


def test_the_same_author_on_another_topic_is_no_repeat(deps):
    received(
        deps, now=at(10, 5, day=6), external_id="im-101", url="https://vk.com/wall-1_2", topic="ЖКХ"
    )
    case = received(deps, url="https://vk.com/wall-1_3")

    assert cases.route(deps, case.case_id, at(10, 6)).repeat_of is None


@pytest.mark.parametrize(
    ("earlier_at", "is_repeat"),
    [(local(2026, 1, 10, 10, 4), False), (local(2026, 1, 10, 10, 5), True)],
)
def test_a_repeat_is_looked_for_within_thirty_days_of_receipt(deps, earlier_at, is_repeat):
    earlier = received(deps, now=earlier_at, external_id="im-100")  # the same thread
    case = received(deps)  # 2026-02-09 10:05

    repeat_of = cases.route(deps, case.case_id, at(10, 6)).repeat_of

    assert repeat_of == (earlier.case_id if is_repeat else None)


def test_an_important_message_is_reported_to_the_head_at_once(deps, db):
    case = received(deps, importance="high")

    routed_case = cases.route(deps, case.case_id, at(10, 6))

    assert routed_case.significance == "high_importance"
    assert last_commit_messages(db) == [
        ("notification", "significant"),
        ("notification", "new_message"),
    ]
    body = deps.bus.bodies("notification")[0]
    assert body["recipients"] == {"roles": ["head", "responsible"], "departments": [], "logins": []}
    assert body["context"]["reason"] == "high_importance"


def test_the_fifth_message_on_one_topic_within_two_hours_is_a_surge(deps):
    for n, minute in enumerate((0, 30, 50, 55)):
        received(
            deps,
            now=at(9, minute),
            external_id=f"im-{n}",
            url=f"https://vk.com/wall-1_{n}",
            author=Author(f"id{n}"),
            location="",
        )
    fourth = received(
        deps,
        now=at(8, 59),
        external_id="im-early",
        url="https://vk.com/wall-9_9",
        author=Author("id-early"),
        location="",
    )
    fifth = received(deps, location="")

    assert cases.route(deps, fifth.case_id, at(10, 6)).significance == "surge"
    # 08:59 is outside the window of the 09:55 case: four messages, no surge yet
    assert cases.route(deps, fourth.case_id, at(10, 7)).significance is None


def arrives(deps, n: int, now, **overrides) -> Case:
    """The `n`th message of a wave, each by its own author, routed a minute after it came."""
    case = received(
        deps,
        now=now,
        external_id=f"wave-{n}",
        url=f"https://vk.com/wall-7_{n}",
        author=Author(f"wave{n}"),
        **{"location": "", **overrides},
    )
    return cases.route(deps, case.case_id, now + timedelta(minutes=1))


def test_a_surge_is_reported_to_the_head_once_and_again_after_its_window(deps, db):
    reasons = [arrives(deps, n, at(9) + timedelta(minutes=10 * n)).significance for n in range(7)]
    letters = [b for b in deps.bus.bodies("notification") if b["context"].get("reason") == "surge"]

    assert reasons == [None, None, None, None, "surge", None, None]
    assert len(letters) == 1
    # two hours after the first wave (09:00-10:00) ended, five more messages are a new surge
    later = [arrives(deps, 10 + n, at(12, 10 * n)).significance for n in range(5)]
    assert later == [None, None, None, None, "surge"]


def test_a_place_surging_after_a_topic_surge_that_shares_a_message_is_reported_too(deps):
    def message_at(n: int, topic: str, location: str) -> Case:
        now = at(9) + timedelta(minutes=10 * n)
        return arrives(deps, n, now, topic=topic, location=location)

    roads = [message_at(n, "Дороги", f"ул. Школьная, {n}") for n in range(4)]
    fifth = message_at(4, "Дороги", "ул. Мира, 5")  # the topic surges; this one is also on Мира
    assert [c.significance for c in roads] == [None] * 4
    assert (fifth.significance, fifth.surge_of) == ("surge", ("topic:дороги",))
    same_place = [message_at(5 + n, "ЖКХ", "ул. Мира, 5") for n in range(4)]

    # the fourth on Мира is the fifth there in the window, the topic surge's message included
    assert [c.significance for c in same_place] == [None, None, None, "surge"]
    assert same_place[-1].surge_of == ("place:ул. мира, 5",)
    letters = [b for b in deps.bus.bodies("notification") if b["context"].get("reason") == "surge"]
    assert len(letters) == 2


def test_a_redelivered_routing_message_has_no_second_effect(deps, db):
    case = routed(deps)

    again = cases.route(deps, case.case_id, at(10, 9))

    assert again.version == case.version
    assert len(db.commits_of(case.case_id)) == 2  # received, routed
    accepted_case = cases.triage(
        deps,
        who(deps, "tech"),
        case.case_id,
        decision="accept",
        departments=["roads"],
        reason="",
        now=at(10, 15),
    )
    assert cases.route(deps, case.case_id, at(10, 20)).version == accepted_case.version


# -- triage (clauses 10, 18, 20) -------------------------------------------------------------------


def test_accepting_assigns_the_department_stops_t1_and_tells_its_executor(deps, db):
    case = accepted(deps)

    assert case.status is Status.IN_WORK
    assert case.departments == ("roads",)
    t1 = case.timers["triage_due"]
    assert (t1.stopped_at, t1.outcome) == (at(10, 15), Outcome.MET)
    [body] = [b for b in deps.bus.bodies("notification") if b["template"] == "assigned"]
    assert body["recipients"] == {"roles": ["executor"], "departments": ["roads"], "logins": []}
    assert db.commits[-1].audit == ("accepted",)


def test_accepting_several_departments_asks_each_for_a_contribution_within_two_hours(deps, db):
    case = accepted(deps, departments=("roads", "housing"))

    assert {d: c.due for d, c in case.contributions.items()} == {
        "roads": at(12, 15),
        "housing": at(12, 15),
    }
    assert last_commit_messages(db) == [
        ("notification", "joint_answer"),
        ("notification", "contribution_requested"),
    ]
    joint, contributions = deps.bus.bodies("notification")[-2:]
    assert joint["recipients"] == {"roles": ["responsible"], "departments": [], "logins": []}
    assert contributions["recipients"] == {
        "roles": ["executor"],
        "departments": ["roads", "housing"],
        "logins": [],
    }


def test_accepting_for_a_department_not_in_the_directory_is_refused_and_changes_nothing(deps, db):
    case = routed(deps)

    with pytest.raises(InvalidInput) as refused:
        cases.triage(
            deps,
            who(deps, "tech"),
            case.case_id,
            decision="accept",
            departments=["roads", "parks", "zoo"],
            reason="",
            now=at(10, 15),
        )

    assert refused.value.fields == {"departments": "parks, zoo"}
    assert db.case(case.case_id).status is Status.RECEIVED
    assert len(db.commits) == 2


def test_returning_to_the_curator_closes_the_case_and_calls_the_monitoring_system(deps, db):
    case = routed(deps)

    returned = cases.triage(
        deps,
        who(deps, "tech"),
        case.case_id,
        decision="return",
        departments=[],
        reason="Дорога региональная",
        now=at(10, 20),
    )

    assert returned.status is Status.RETURNED_TO_CURATOR
    assert returned.resolution_reason == "Дорога региональная"
    assert returned.running_timers() == []
    assert deps.bus.bodies("monitoring") == [
        {
            "kind": "return_to_curator",
            "case_id": case.case_id,
            "reason": "Дорога региональная",
            "message_id": db.commits[-1].outbox[0].message_id,
        }
    ]
    assert list(deps.store().open_case_ids()) == []


def test_returning_a_manual_case_calls_nobody(deps, db):
    case = registered(deps)

    cases.triage(
        deps,
        who(deps, "tech"),
        case.case_id,
        decision="return",
        departments=[],
        reason="Не наша компетенция",
        now=at(10, 20),
    )

    assert db.commits[-1].outbox == ()
    assert db.commits[-1].audit == ("returned_to_curator",)
    assert db.case(case.case_id).timeline[-1].details["via"] == "manual"


def test_marking_not_processable_closes_the_case_without_any_message(deps, db):
    case = routed(deps, text="Угрожаю расправой")

    closed = cases.triage(
        deps,
        who(deps, "tech"),
        case.case_id,
        decision="not_processable",
        departments=[],
        reason="Угроза (п. 20)",
        now=at(10, 20),
    )

    assert closed.status is Status.NOT_PROCESSABLE
    assert db.commits[-1].outbox == ()
    assert list(deps.store().open_case_ids()) == []


def test_only_the_technical_executor_triages(deps, db):
    case = routed(deps)

    with pytest.raises(Forbidden):
        cases.triage(
            deps,
            who(deps, "resp"),
            case.case_id,
            decision="accept",
            departments=["roads"],
            reason="",
            now=at(10, 15),
        )
    assert len(db.commits) == 2


# -- drafting and internal approval (clauses 12, 17) ----------------------------------------------


def test_a_department_contributes_to_a_joint_answer_within_t8(deps, db):
    case = accepted(deps, departments=("roads", "housing"))

    contributed = cases.contribute(
        deps, who(deps, "roads"), case.case_id, text="Ремонт в мае", now=at(11, 0)
    )

    c = contributed.contributions["roads"]
    assert (c.text, c.author, c.submitted_at) == ("Ремонт в мае", "roads", at(11, 0))
    assert contributed.timers["contribution_due:roads"].outcome is Outcome.MET
    assert contributed.timers["contribution_due:housing"].running
    assert db.commits[-1].outbox == ()
    with pytest.raises(InvalidTransition):
        cases.contribute(deps, who(deps, "roads"), case.case_id, text="Ещё", now=at(11, 5))


def test_a_submitted_draft_goes_to_the_responsible_executor(deps, db):
    case, draft_id = submitted(deps)

    assert case.status is Status.INTERNAL_REVIEW
    draft = case.drafts[0]
    assert (draft.draft_id, draft.author, draft.kind, draft.attachments) == (
        draft_id,
        "roads",
        DraftKind.FINAL,
        (photo_of(case.case_id),),
    )
    [body] = [b for b in deps.bus.bodies("notification") if b["template"] == "draft_to_approve"]
    assert body["recipients"] == {"roles": ["responsible"], "departments": [], "logins": []}
    assert db.case(case.case_id).drafts[0].text == ANSWER


def test_an_approved_draft_goes_to_the_curator_through_the_integration(deps, db):
    case, draft_id = with_curator(deps)

    assert case.status is Status.CURATOR_REVIEW
    assert case.timers["send_to_curator_due"].outcome is Outcome.MET
    assert case.deadlines()["curator_decision_due"] == at(11, 30)
    assert deps.bus.bodies("monitoring") == [
        {
            "kind": "draft_for_review",
            "case_id": case.case_id,
            "draft_id": draft_id,
            "message_id": db.commits[-1].outbox[0].message_id,
        }
    ]


def test_a_rejected_draft_goes_back_to_its_author_with_the_comment(deps, db):
    case, draft_id = submitted(deps)

    rejected = cases.reject_draft(
        deps, who(deps, "resp"), case.case_id, draft_id, comment="Добавьте сроки", now=at(10, 50)
    )

    assert rejected.status is Status.IN_WORK
    assert rejected.drafts[0].status is DraftStatus.REJECTED
    body = deps.bus.bodies("notification")[-1]
    assert notification(body) == {
        "template": "draft_rejected",
        "case_id": case.case_id,
        "recipients": {"roles": [], "departments": [], "logins": ["roads"]},
    }
    assert body["context"]["event"]["comment"] == "Добавьте сроки"


def test_an_approval_that_lost_to_a_rejection_is_refused_as_a_concurrent_change(deps, db):
    case, draft_id = submitted(deps)
    db.before_next_commit(
        lambda: cases.reject_draft(
            deps, who(deps, "resp"), case.case_id, draft_id, comment="Нет", now=at(10, 59)
        )
    )

    with pytest.raises(ConcurrentModification):
        cases.approve_draft(deps, who(deps, "resp"), case.case_id, draft_id, at(11, 0))

    assert db.case(case.case_id).status is Status.IN_WORK
    assert deps.bus.bodies("monitoring") == []


def test_a_manual_case_waits_ready_to_send_and_marking_it_sent_starts_t4(deps, db):
    case, draft_id = manual_ready(deps)
    assert case.status is Status.READY_TO_SEND
    assert last_commit_messages(db) == [("notification", "ready_to_send")]
    assert case.timers["send_to_curator_due"].running  # T3 runs until it is entered

    sent = cases.mark_sent(deps, who(deps, "tech"), case.case_id, draft_id, at(11, 10))

    assert sent.status is Status.CURATOR_REVIEW
    assert sent.timers["send_to_curator_due"].stopped_at == at(11, 10)
    assert sent.deadlines()["curator_decision_due"] == at(11, 40)
    assert db.commits[-1].outbox == ()  # no monitoring call: it was entered by hand
    assert db.commits[-1].audit == ("draft_sent_to_curator",)


def test_a_manual_case_never_produces_a_monitoring_message(deps, db):
    case, draft_id = manual_ready(deps)
    tech = who(deps, "tech")
    cases.mark_sent(deps, tech, case.case_id, draft_id, at(11, 10))
    cases.record_curator_decision(
        deps,
        tech,
        case.case_id,
        event="draft_approved",
        draft_id=draft_id,
        comment="",
        at=at(11, 20),
        now=at(11, 25),
    )
    cases.record_publication(deps, tech, case.case_id, url=URL + "&answer=1", now=at(11, 30))

    assert db.case(case.case_id).status is Status.ANSWERED
    assert "monitoring" not in {m.queue for c in db.commits for m in c.outbox}
    assert queues_and_names(deps.bus.sent) == [
        ("routing", ""),
        ("notification", "new_message"),
        ("notification", "assigned"),
        ("notification", "draft_to_approve"),
        ("notification", "ready_to_send"),
        ("publishing", ""),
        ("notification", "curator_approved"),
    ]


def test_the_whole_webhook_flow_commits_each_steps_messages(deps, db):
    case, _draft_id = curator_approved(deps)
    cases.record_publication(
        deps, who(deps, "tech"), case.case_id, url=URL + "&a=1", now=at(11, 35)
    )

    assert [(c.audit, queues_and_names(c.outbox)) for c in db.commits] == [
        (("received",), [("routing", "")]),
        (("routing_proposed",), [("notification", "new_message")]),
        (("accepted",), [("notification", "assigned")]),
        (("draft_submitted",), [("notification", "draft_to_approve")]),
        (("draft_approved",), [("monitoring", "draft_for_review")]),
        (("curator_approved",), [("publishing", ""), ("notification", "curator_approved")]),
        (("published",), [("monitoring", "published")]),
    ]
    assert [len(batch) for batch in deps.bus.relays] == [1, 1, 1, 1, 1, 2, 1]
    assert db.outbox == {}


# -- publication recorded by a person (clauses 15-16) ---------------------------------------------


def test_recording_the_publication_closes_the_case_and_reports_the_link(deps, db):
    case, draft_id = curator_approved(deps)

    answered = cases.record_publication(
        deps,
        who(deps, "tech"),
        case.case_id,
        url="https://vk.com/wall-170171414_52107?reply=52200",
        now=at(11, 35),
    )

    assert answered.status is Status.ANSWERED
    assert answered.timers["publish_due"].outcome is Outcome.MET
    assert answered.timers["answer_due"].outcome is Outcome.MET
    [proof] = answered.publications
    assert (proof.by, proof.url, proof.response_id, proof.original.url) == (
        "tech",
        "https://vk.com/wall-170171414_52107?reply=52200",
        None,
        URL,
    )
    assert deps.bus.bodies("monitoring")[-1] == {
        "kind": "published",
        "case_id": case.case_id,
        "draft_id": draft_id,
        "url": "https://vk.com/wall-170171414_52107?reply=52200",
        "answer_kind": "final",
        "message_id": db.commits[-1].outbox[0].message_id,
    }


def test_an_interim_answer_leaves_seven_working_days_for_the_final_one(deps):
    case, _ = curator_approved(deps, kind="interim")

    interim = cases.record_publication(
        deps, who(deps, "tech"), case.case_id, url=URL + "&i=1", now=at(11, 35)
    )

    assert interim.status is Status.AWAITING_FINAL
    assert interim.deadlines() == {"final_answer_due": at(18, 0, day=18)}


def test_a_publication_link_must_be_a_web_link(deps, db):
    case, _ = curator_approved(deps)

    with pytest.raises(InvalidInput):
        cases.record_publication(
            deps, who(deps, "tech"), case.case_id, url="vk.com/x", now=at(11, 35)
        )
    assert db.case(case.case_id).status is Status.APPROVED


@pytest.mark.parametrize(
    ("url", "in_thread"),
    [
        ("https://m.vk.com/wall-170171414_52107?reply=52300", True),  # a reply under the post
        ("https://vk.com/wall-170171414_52999", False),  # a post on the administration's wall
        ("https://t.me/zudilovo_adm/77", False),
    ],
)
def test_a_link_recorded_by_hand_is_in_the_thread_or_on_an_own_page(url, in_thread):
    own = own_pages("https://vk.com/club170171414 https://t.me/zudilovo_adm")
    deps = fake_deps(settings=settings_for_tests(own_pages=own))
    case, _ = curator_approved(deps)

    answered = cases.record_publication(
        deps, who(deps, "tech"), case.case_id, url=url, now=at(11, 35)
    )

    assert answered.status is Status.ANSWERED
    assert answered.publications[-1].in_thread is in_thread


@pytest.mark.parametrize(
    "url",
    [
        "https://vk.com/wall-1_2?reply=3",  # another wall
        "https://vk.com/wall-170171414_52108",  # the administration's wall, not configured here
        "https://ok.ru/group/5412/topic/77",  # another network
        "https://evil.example/?=HYPERLINK(1)",
    ],
)
def test_a_link_elsewhere_is_refused_and_the_case_stays_approved(deps, db, url):
    case, _ = curator_approved(deps)

    with pytest.raises(InvalidInput) as refused:
        cases.record_publication(deps, who(deps, "tech"), case.case_id, url=url, now=at(11, 35))

    assert "в той же ветке" in refused.value.message
    assert db.case(case.case_id).status is Status.APPROVED
    assert db.case(case.case_id).version == case.version


def test_the_citizens_own_post_copied_instead_of_the_answer_is_refused_as_such(deps, db):
    case, _ = curator_approved(deps)

    with pytest.raises(InvalidInput) as refused:
        cases.record_publication(deps, who(deps, "tech"), case.case_id, url=URL, now=at(11, 35))

    assert refused.value.message.startswith("Это ссылка на сообщение гражданина, а не на ответ")
    assert db.case(case.case_id).status is Status.APPROVED


# -- the curator's decision by callback (clauses 13-14) -------------------------------------------


def test_a_curator_approval_by_callback_starts_t6_and_hands_the_answer_to_publishing(deps, db):
    case, draft_id = curator_approved(deps)

    assert case.status is Status.APPROVED
    assert case.deadlines()["publish_due"] == at(11, 50)
    assert deps.keys.seen("callback:d-approve")["case_id"] == case.case_id
    assert db.commits[-1].keys == ("callback:d-approve",)
    entry = case.timeline[-1]
    assert (entry.action, entry.actor, entry.details) == (
        "curator_approved",
        "c-1",
        {"draft_id": draft_id, "via": "callback"},
    )
    publishing_body, note = deps.bus.sent[-2:]
    assert publishing_body.queue == "publishing"
    assert {k: v for k, v in publishing_body.body.items() if k != "message_id"} == {
        "case_id": case.case_id,
        "draft_id": draft_id,
    }
    assert note.body["recipients"] == {"roles": ["technical"], "departments": [], "logins": []}


def test_a_replayed_callback_delivery_changes_nothing(deps, db):
    _case, draft_id = curator_approved(deps)
    commits, sent = len(db.commits), len(deps.bus.sent)

    again = cases.curator_decision(
        deps,
        external_id="im-123",
        event="draft_approved",
        draft_id=draft_id,
        comment="",
        now=at(11, 40),
        delivery_key="callback:d-approve",
    )

    assert again.status is Status.APPROVED
    assert (len(db.commits), len(deps.bus.sent)) == (commits, sent)


def test_a_delivery_id_used_again_for_another_decision_is_refused(deps, db):
    _case, draft_id = curator_approved(deps)
    commits, sent = len(db.commits), len(deps.bus.sent)

    with pytest.raises(InvalidTransition, match="X-Delivery-Id"):
        cases.curator_decision(
            deps,
            external_id="im-123",
            event="draft_returned",
            draft_id=draft_id,
            comment="replay with another decision",
            now=at(11, 40),
            delivery_key="callback:d-approve",
        )

    assert (len(db.commits), len(deps.bus.sent)) == (commits, sent)


def test_a_callback_meeting_a_concurrent_change_is_applied_again(deps, db):
    case, draft_id = with_curator(deps)
    db.before_next_commit(lambda: db.bump(case.case_id))  # e.g. the sweeper's warning

    done = cases.curator_decision(
        deps,
        external_id="im-123",
        event="draft_approved",
        draft_id=draft_id,
        comment="",
        now=at(11, 20),
        delivery_key="callback:d-race",
    )

    assert done.status is Status.APPROVED


def test_a_callback_with_the_decision_already_recorded_by_hand_changes_nothing(deps, db):
    case, draft_id = with_curator(deps)
    cases.record_curator_decision(
        deps,
        who(deps, "tech"),
        case.case_id,
        event="draft_approved",
        draft_id=draft_id,
        comment="по телефону",
        at=at(11, 10),
        now=at(11, 12),
    )
    commits = len(db.commits)

    same = cases.curator_decision(
        deps,
        external_id="im-123",
        event="draft_approved",
        draft_id=draft_id,
        comment="",
        now=at(11, 20),
        delivery_key="callback:d-2",
    )

    assert same.status is Status.APPROVED
    assert same.deadlines()["publish_due"] == at(11, 40)  # from the decision recorded by hand
    assert len(db.commits) == commits
    assert deps.keys.seen("callback:d-2") is None


def test_a_contrary_callback_is_refused_recorded_and_told_to_the_technical_executor(deps, db):
    case, draft_id = with_curator(deps)
    cases.record_curator_decision(
        deps,
        who(deps, "tech"),
        case.case_id,
        event="draft_returned",
        draft_id=draft_id,
        comment="Уточнить сроки",
        at=at(11, 10),
        now=at(11, 12),
    )

    with pytest.raises(cases.DecisionConflict):
        cases.curator_decision(
            deps,
            external_id="im-123",
            event="draft_approved",
            draft_id=draft_id,
            comment="",
            now=at(11, 20),
            delivery_key="callback:d-3",
        )

    stored = db.case(case.case_id)
    assert stored.status is Status.REWORK
    assert stored.drafts[0].status is DraftStatus.RETURNED
    assert (stored.timeline[-1].action, stored.timeline[-1].details) == (
        "curator_decision_conflict",
        {"event": "draft_approved", "draft_id": draft_id, "status": "rework"},
    )
    remembered = deps.keys.seen("callback:d-3")
    assert (remembered["case_id"], remembered["conflict"]) == (case.case_id, True)
    body = deps.bus.bodies("notification")[-1]
    assert notification(body) == {
        "template": "curator_conflict",
        "case_id": case.case_id,
        "recipients": {"roles": ["technical"], "departments": [], "logins": []},
    }
    # its replay is refused again and records nothing more
    commits = len(db.commits)
    with pytest.raises(cases.DecisionConflict):
        cases.curator_decision(
            deps,
            external_id="im-123",
            event="draft_approved",
            draft_id=draft_id,
            comment="",
            now=at(11, 21),
            delivery_key="callback:d-3",
        )
    assert len(db.commits) == commits


def test_a_callback_about_an_unknown_message_is_not_found(deps):
    with pytest.raises(NotFound):
        cases.curator_decision(
            deps,
            external_id="im-404",
            event="draft_approved",
            draft_id="x",
            comment="",
            now=at(11, 20),
            delivery_key="callback:d-4",
        )


def test_a_withdrawal_by_callback_closes_the_case_and_tells_everyone_on_it(deps, db):
    _case, _ = submitted(deps)

    withdrawn = cases.curator_decision(
        deps,
        external_id="im-123",
        event="message_withdrawn",
        draft_id=None,
        comment="Автор удалил пост",
        now=at(10, 50),
        delivery_key="callback:d-5",
    )

    assert withdrawn.status is Status.WITHDRAWN
    assert withdrawn.drafts[0].status is DraftStatus.WITHDRAWN
    assert withdrawn.running_timers() == []
    assert deps.bus.bodies("notification")[-1]["recipients"] == {
        "roles": ["technical", "responsible", "executor"],  # the department working on it too
        "departments": ["roads"],
        "logins": [],
    }


def test_two_deliveries_of_one_callback_racing_apply_it_once(deps, db):
    _case, draft_id = with_curator(deps)

    def decide(now):
        return cases.curator_decision(
            deps,
            external_id="im-123",
            event="draft_approved",
            draft_id=draft_id,
            comment="",
            now=now,
            delivery_key="callback:d-6",
        )

    db.before_next_commit(lambda: decide(at(11, 20)))

    result = decide(at(11, 20))

    assert result.status is Status.APPROVED
    assert [c.audit for c in db.commits].count(("curator_approved",)) == 1
    assert [e.key for _, e in db.failed_commits] == ["callback:d-6"]
    assert len(deps.bus.bodies("publishing")) == 1


def test_two_racing_deliveries_of_a_contrary_callback_are_both_refused(deps, db):
    case, draft_id = with_curator(deps)
    cases.record_curator_decision(
        deps,
        who(deps, "tech"),
        case.case_id,
        event="draft_returned",
        draft_id=draft_id,
        comment="Уточнить сроки",
        at=at(11, 10),
        now=at(11, 12),
    )

    def decide():
        return cases.curator_decision(
            deps,
            external_id="im-123",
            event="draft_approved",
            draft_id=draft_id,
            comment="",
            now=at(11, 20),
            delivery_key="callback:d-8",
        )

    def winner():
        with pytest.raises(cases.DecisionConflict):
            decide()

    db.before_next_commit(winner)

    with pytest.raises(cases.DecisionConflict):
        decide()


# -- the curator's decision recorded by hand (clauses 13-14) --------------------------------------


def test_a_decision_recorded_later_keeps_the_time_it_was_taken(deps, db):
    case, draft_id = with_curator(deps)

    decided = cases.record_curator_decision(
        deps,
        who(deps, "tech"),
        case.case_id,
        event="draft_approved",
        draft_id=draft_id,
        comment="",
        at=at(11, 15),
        now=at(11, 25),
    )

    assert decided.deadlines()["publish_due"] == at(11, 45)
    assert decided.timers["curator_decision_due"].stopped_at == at(11, 15)
    assert decided.timeline[-1].details == {
        "draft_id": draft_id,
        "via": "manual",
        "on_behalf_of": "curator",
        "recorded_at": "2026-02-09T11:25:00+07:00",
    }
    assert db.commits[-1].at == at(11, 25)


def test_a_return_recorded_by_hand_starts_t5_from_the_decision(deps):
    case, draft_id = with_curator(deps)

    returned = cases.record_curator_decision(
        deps,
        who(deps, "tech"),
        case.case_id,
        event="draft_returned",
        draft_id=draft_id,
        comment="Добавьте фото",
        at=None,
        now=at(11, 20),
    )

    assert returned.status is Status.REWORK
    assert returned.deadlines()["rework_due"] == at(12, 20)
    assert deps.bus.bodies("notification")[-1]["recipients"] == {
        "roles": ["responsible"],
        "departments": [],
        "logins": ["roads"],
    }


@pytest.mark.parametrize(
    ("decided_at", "field"),
    [(at(11, 30), "время в будущем"), (at(10, 55), "раньше передачи куратору")],
)
def test_a_decision_time_in_the_future_or_before_the_handover_is_refused(
    deps, db, decided_at, field
):
    case, draft_id = with_curator(deps)

    with pytest.raises(InvalidInput) as refused:
        cases.record_curator_decision(
            deps,
            who(deps, "tech"),
            case.case_id,
            event="draft_approved",
            draft_id=draft_id,
            comment="",
            at=decided_at,
            now=at(11, 25),
        )

    assert refused.value.fields == {"at": field}
    assert db.case(case.case_id).status is Status.CURATOR_REVIEW


def test_the_same_decision_recorded_twice_changes_nothing_and_a_different_one_is_refused(deps, db):
    case, draft_id = with_curator(deps)
    tech = who(deps, "tech")
    record = dict(draft_id=draft_id, comment="", at=at(11, 15), now=at(11, 25))
    cases.record_curator_decision(deps, tech, case.case_id, event="draft_approved", **record)
    commits = len(db.commits)

    again = cases.record_curator_decision(
        deps, tech, case.case_id, event="draft_approved", **record
    )
    assert again.status is Status.APPROVED and len(db.commits) == commits

    with pytest.raises(InvalidTransition):
        cases.record_curator_decision(
            deps, tech, case.case_id, event="draft_returned", **{**record, "comment": "Нет"}
        )
    assert len(db.commits) == commits


def test_only_the_technical_executor_records_a_curator_decision(deps, db):
    case, draft_id = with_curator(deps)

    with pytest.raises(Forbidden):
        cases.record_curator_decision(
            deps,
            who(deps, "roads"),
            case.case_id,
            event="draft_approved",
            draft_id=draft_id,
            comment="",
            at=None,
            now=at(11, 20),
        )


def test_a_decision_already_recorded_is_still_refused_to_who_may_not_record_it(deps):
    case, draft_id = curator_approved(deps)

    with pytest.raises((Forbidden, NotFound)):
        cases.record_curator_decision(
            deps,
            who(deps, "housing"),
            case.case_id,
            event="draft_approved",
            draft_id=draft_id,
            comment="",
            at=None,
            now=at(11, 30),
        )


# -- the inbox (clauses 5-8) -----------------------------------------------------------------------


@pytest.fixture
def desk(deps):
    """Cases of Monday 09:00-11:00 and two earlier months, by a short name."""
    tech = who(deps, "tech")
    roads = accepted(deps)  # in work, next due T3 16:00
    untriaged = routed(
        deps, external_id="im-2", url="https://vk.com/wall-1_2", author=Author("id2")
    )
    new = received(  # received 10:20, T1 due 10:50
        deps,
        now=at(10, 20),
        external_id="im-2b",
        url="https://vk.com/wall-1_2b",
        author=Author("id2b"),
    )
    housing = received(
        deps,
        now=at(10, 25),
        external_id="im-3",
        url="https://ok.ru/group/1/topic/3",
        network="ok",
        author=Author("id3"),
        topic="ЖКХ",
        detected_at=at(10, 20),
    )
    cases.triage(
        deps,
        tech,
        housing.case_id,
        decision="accept",
        departments=["housing"],
        reason="",
        now=at(10, 30),
    )
    returned = received(
        deps,
        now=at(10, 30),
        external_id="im-4",
        url="https://vk.com/wall-1_4",
        author=Author("id4"),
    )
    cases.triage(
        deps,
        tech,
        returned.case_id,
        decision="return",
        departments=[],
        reason="Не наша компетенция",
        now=at(10, 40),
    )
    january = received(
        deps,
        now=local(2026, 1, 20, 10, 5),
        external_id="im-5",
        url="https://vk.com/wall-1_5",
        author=Author("id5"),
        detected_at=local(2026, 1, 20, 10, 0),
    )
    cases.triage(
        deps,
        tech,
        january.case_id,
        decision="return",
        departments=[],
        reason="Нет",
        now=local(2026, 1, 20, 10, 10),
    )
    december = received(
        deps,
        now=local(2025, 12, 22, 10, 5),
        external_id="im-6",
        url="https://vk.com/wall-1_6",
        author=Author("id6"),
        detected_at=local(2025, 12, 22, 10, 0),
    )
    cases.triage(
        deps,
        tech,
        december.case_id,
        decision="return",
        departments=[],
        reason="Нет",
        now=local(2025, 12, 22, 10, 10),
    )
    return {
        "roads": roads.case_id,
        "routed": untriaged.case_id,
        "new": new.case_id,
        "housing": housing.case_id,
        "returned": returned.case_id,
        "january": january.case_id,
        "december": december.case_id,
    }


def names(desk: dict, found: list[Case]) -> list[str]:
    by_id = {v: k for k, v in desk.items()}
    return [by_id[c.case_id] for c in found]


def test_the_technical_executors_inbox_shows_new_messages_first_then_by_nearest_deadline(
    deps, desk
):
    found = inbox.inbox(deps, who(deps, "tech"), now=at(11, 0), closed=True)

    # "routed" (received 10:05, T1 10:35) and "new" (10:20, T1 10:50) need triage first;
    # the closed cases of this month and the last one follow the open ones; December is gone
    assert names(desk, found) == ["routed", "new", "roads", "housing", "returned", "january"]
    # without `closed` the closed ones are left out
    found = inbox.inbox(deps, who(deps, "tech"), now=at(11, 0))
    assert names(desk, found) == ["routed", "new", "roads", "housing"]


def test_each_executor_sees_only_the_cases_of_their_department(deps, desk):
    assert names(desk, inbox.inbox(deps, who(deps, "roads"), now=at(11, 0))) == ["roads"]
    assert names(desk, inbox.inbox(deps, who(deps, "housing"), now=at(11, 0))) == ["housing"]


def test_the_responsible_executor_and_the_head_see_every_case_by_nearest_deadline(deps, desk):
    for login in ("resp", "head"):
        found = inbox.inbox(deps, who(deps, login), now=at(11, 0), closed=True)
        assert names(desk, found) == ["routed", "new", "roads", "housing", "returned", "january"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "received"}, ["routed", "new"]),
        ({"status": "returned_to_curator"}, ["returned", "january"]),
        ({"status": "answered"}, []),
        ({"department": "housing"}, ["housing"]),
        ({"overdue": True}, ["routed", "new"]),
    ],
)
def test_the_inbox_filters_by_status_department_and_overdue(deps, desk, filters, expected):
    assert names(desk, inbox.inbox(deps, who(deps, "tech"), now=at(11, 0), **filters)) == expected


def test_each_role_finds_first_what_awaits_its_own_step(deps):
    waiting, _draft_id = with_curator(deps)  # curator review, T4 due 11:30
    working = accepted(
        deps, external_id="im-2", url="https://vk.com/wall-1_2", author=Author("id2")
    )  # in work, T3 due 16:00
    to_approve, _ = submitted(
        deps,
        external_id="im-3",
        url="https://vk.com/wall-1_3",
        author=Author("id3"),
        detected_at=at(10, 30),
    )  # T3 16:30
    order = {waiting.case_id: "curator", working.case_id: "in_work", to_approve.case_id: "approve"}

    def seen_by(login):
        return [order[c.case_id] for c in inbox.inbox(deps, who(deps, login), now=at(11, 5))]

    assert seen_by("roads") == ["in_work", "curator", "approve"]
    assert seen_by("resp") == ["approve", "curator", "in_work"]
    assert seen_by("head") == ["curator", "in_work", "approve"]  # no step of its own: by due


def test_an_unknown_status_filter_is_refused(deps):
    with pytest.raises(InvalidInput) as refused:
        inbox.inbox(deps, who(deps, "tech"), now=at(11, 0), status="lost")
    assert refused.value.fields == {"status": "lost"}


def test_a_case_of_another_department_is_not_found_for_an_executor(deps, desk):
    with pytest.raises(NotFound):
        inbox.visible_case(deps, who(deps, "housing"), desk["roads"])
    assert inbox.visible_case(deps, who(deps, "roads"), desk["roads"]).case_id == desk["roads"]
    assert inbox.visible_case(deps, who(deps, "head"), desk["roads"]).case_id == desk["roads"]
    with pytest.raises(NotFound):
        inbox.visible_case(deps, who(deps, "tech"), "no-such-case")


# -- reports (clauses 22-23) -----------------------------------------------------------------------


def test_the_monthly_report_counts_the_months_cases_by_outcome_timer_and_source(deps):
    tech = who(deps, "tech")
    answered, _ = curator_approved(deps)
    cases.record_publication(deps, tech, answered.case_id, url=URL + "&a=1", now=at(11, 35))
    returned = received(
        deps,
        now=at(10, 20),
        external_id="im-2",
        url="https://vk.com/wall-1_2",
        author=Author("id2"),
    )
    cases.triage(
        deps,
        tech,
        returned.case_id,
        decision="return",
        departments=[],
        reason="Не наша компетенция",
        now=at(10, 30),
    )
    late = received(
        deps,
        now=at(10, 25),
        external_id="im-3",
        url="https://vk.com/wall-1_3",
        author=Author("id3"),
        topic="ЖКХ",
    )
    cases.triage(
        deps,
        tech,
        late.case_id,
        decision="accept",
        departments=["housing"],
        reason="",
        now=at(11, 0),
    )  # T1 was due at 10:55
    registered(deps, url="https://vk.com/wall-1_4", author=Author("id4"))  # never triaged
    received(
        deps,
        now=local(2026, 1, 20, 10, 5),
        external_id="im-5",
        url="https://vk.com/wall-1_5",
        author=Author("id5"),
        detected_at=local(2026, 1, 20, 10, 0),
    )

    report = reports.build_monthly(deps, "2026-02", now=at(12, 0, day=27))

    t = report.total
    assert (t.received, t.returned, t.answered, t.open, t.not_processable) == (4, 1, 1, 2, 0)
    assert (t.timers["triage_due"].met, t.timers["triage_due"].late) == (2, 2)
    assert (t.timers["answer_due"].met, t.timers["answer_due"].late) == (1, 2)
    assert t.answer_minutes == [95.0]  # detected 10:00, published 11:35
    assert (t.curator_reviewed, t.first_time_approved) == (1, 1)
    assert {s: f.received for s, f in report.by_source.items()} == {"manual": 1, "webhook": 3}
    assert {d: f.received for d, f in report.by_department.items()} == {
        "housing": 1,
        "roads": 1,
        "—": 2,
    }
    assert {m: f.received for m, f in report.previous.items()} == {"2026-01": 1, "2025-12": 0}


def test_a_case_belongs_to_the_local_month_it_was_received_in(deps):
    late_february = received(
        deps,
        now=local(2026, 2, 28, 23, 30),
        external_id="im-1",
        detected_at=local(2026, 2, 28, 23, 0),
    )
    early_march = received(
        deps,
        now=local(2026, 3, 1, 0, 30),
        external_id="im-2",
        url="https://vk.com/wall-1_2",
        detected_at=local(2026, 3, 1, 0, 10),
    )

    store = deps.store()
    assert store.case_ids_of_month("2026-02") == [late_february.case_id]
    assert store.case_ids_of_month("2026-03") == [early_march.case_id]  # 17:30 UTC on Feb 28
    assert reports.build_monthly(deps, "2026-03", now=local(2026, 3, 2, 12, 0)).total.received == 1


def test_the_breach_report_lists_each_missed_deadline_once_with_whom_it_is_on(deps):
    case = received(deps)
    sweep.sweep(deps, at(10, 36))
    sweep.sweep(deps, at(11, 35))

    [breach] = reports.build_breaches(deps, "2026-02", at(11, 35))  # as of the second sweep

    assert breach == reports.Breach(
        case_id=case.case_id,
        external_id="im-123",
        topic="Дороги",
        timer="triage_due",
        title="распределение сообщения (T1)",
        due=at(10, 35),
        recorded_at=at(10, 36),
        party="administration",
        accountable_role="technical",
        officials=("tech",),
        departments=(),
    )
    assert reports.build_breaches(deps, "2026-03", at(11, 35)) == []
    view = reports.breach_view(breach, deps.display_tz)
    assert (view["due"], view["recorded_at"]) == (
        "2026-02-09T10:35:00+07:00",
        "2026-02-09T10:36:00+07:00",
    )


def test_a_deadline_missed_between_sweeps_is_a_breach_all_the_same(deps):
    """The figures count a timer done late as late; so does the list of breaches, though no
    sweep saw it (once the report said «Нарушений сроков не зафиксировано» beside them)."""
    case = received(deps)
    cases.triage(
        deps,
        who(deps, "tech"),
        case.case_id,
        decision="accept",
        departments=["roads"],
        reason="",
        now=at(10, 50),  # T1 was due at 10:35: late, and never swept
    )

    [breach] = reports.build_breaches(deps, "2026-02", at(11, 0))

    assert (breach.timer, breach.due, breach.recorded_at) == ("triage_due", at(10, 35), at(10, 50))
    assert breach.officials == ("tech",)  # those accountable, as no sweep named them
    report = reports.build_monthly(deps, "2026-02", at(11, 0))
    assert report.total.timers[reports.Deadline.TRIAGE].late == 1
    assert [(b.case_id, b.timer) for b in report.breaches] == [(case.case_id, "triage_due")]
    html = reports.to_html(report, [], deps.display_tz, {})
    assert "Нарушений сроков не зафиксировано" not in html and "im-123" in html


def test_a_breach_recorded_in_march_on_a_february_case_is_in_the_march_report(deps):
    case = received(deps, now=at(17, 50, day=27), detected_at=at(17, 45, day=27))
    assert case.deadlines()["triage_due"] == local(2026, 3, 2, 9, 20)  # Friday evening + Monday

    sweep.sweep(deps, local(2026, 3, 2, 9, 21))

    swept = local(2026, 3, 2, 9, 21)
    assert reports.build_breaches(deps, "2026-02", swept) == []
    [breach] = reports.build_breaches(deps, "2026-03", swept)
    assert (breach.case_id, breach.timer, breach.recorded_at) == (
        case.case_id,
        "triage_due",
        local(2026, 3, 2, 9, 21),
    )


def test_the_report_query_defaults_to_the_local_month_and_refuses_bad_values(deps):
    # 2026-02-28 20:00 UTC is already March 1st in Barnaul
    assert reports.report_query({}, local(2026, 3, 1, 3, 0), deps) == ("2026-03", "html")
    assert reports.report_query({"month": "2026-01", "format": "CSV"}, at(10), deps) == (
        "2026-01",
        "csv",
    )
    for query in ({"month": "2026-13"}, {"month": "1999-01"}, {"format": "pdf"}):
        with pytest.raises(InvalidInput):
            reports.report_query(query, at(10), deps)


# -- the sweeper (clauses 21-22) -------------------------------------------------------------------


def test_the_sweeper_warns_then_escalates_a_breach_once_per_level(deps, db):
    case = received(deps)
    deps.bus.clear()

    start = sweep.sweep(deps, at(10, 5))  # T1 (30 minutes) is not warned of from its start
    first = sweep.sweep(deps, at(10, 25))  # a third of it left: its one warning
    again = sweep.sweep(deps, at(10, 30))
    breach = sweep.sweep(deps, at(10, 36))
    head = sweep.sweep(deps, at(11, 35))  # 60 working minutes after the deadline
    later = sweep.sweep(deps, at(12, 30))

    assert start.escalations == []
    assert first.escalations == [(case.case_id, "triage_due", "warning", 0)]
    assert again.escalations == []
    assert breach.escalations == [
        (case.case_id, "triage_due", "breach", 0),
        (case.case_id, "triage_due", "breach", 1),
    ]
    assert head.escalations == [(case.case_id, "triage_due", "breach", 2)]
    assert later.escalations == [] and later.examined == 1
    assert [
        (b["template"], b["recipients"]["logins"]) for b in deps.bus.bodies("notification")
    ] == [
        ("deadline_warning", ["tech"]),
        ("deadline_breach", ["tech"]),
        ("deadline_breach", ["resp"]),
        ("deadline_breach", ["head"]),
    ]
    assert [(e.kind, e.level, e.notified) for e in db.case(case.case_id).escalations] == [
        ("warning", 0, ("tech",)),
        ("breach", 0, ("tech",)),
        ("breach", 1, ("resp",)),
        ("breach", 2, ("head",)),
    ]


def test_the_sweeper_reads_only_cases_due_within_the_warning_horizon(deps):
    received(deps)  # T1 due 10:35
    received(
        deps,
        now=at(14, 0),
        external_id="im-2",
        url="https://vk.com/wall-1_2",
        detected_at=at(14, 0),
    )  # T1 due 14:30

    assert sweep.sweep(deps, at(10, 5)).examined == 1  # horizon 11:05
    assert sweep.sweep(deps, at(12, 31)).examined == 2  # 12:31 + 60 working min = 14:31


def test_the_curators_delay_is_recorded_once_and_never_escalated_inside(deps):
    case, _ = with_curator(deps)  # T4 due 11:30
    deps.bus.clear()

    report = sweep.sweep(deps, at(12, 45))

    assert report.escalations == [(case.case_id, "curator_decision_due", "breach", 0)]
    assert deps.bus.bodies("notification")[0]["recipients"]["logins"] == ["tech"]


def test_a_contribution_deadline_warns_only_the_department_that_owes_it(deps):
    case = accepted(deps, departments=("roads", "housing"))  # T8 due 12:15 for both
    deps.bus.clear()

    report = sweep.sweep(deps, at(11, 45))  # 30 min before T8; T3 (16:00) is far

    assert report.escalations == [
        (case.case_id, "contribution_due:roads", "warning", 1),
        (case.case_id, "contribution_due:housing", "warning", 1),
    ]
    assert [b["recipients"]["logins"] for b in deps.bus.bodies("notification")] == [
        ["roads"],
        ["housing"],
    ]


@pytest.mark.parametrize(
    ("departments", "author", "warned"),
    [(("roads",), "roads", ["roads"]), (("roads", "housing"), "resp", ["resp"])],
)
def test_a_rework_deadline_warns_the_executor_or_for_a_joint_answer_the_responsible_one(
    deps, departments, author, warned
):
    case = accepted(deps, departments=departments)
    case, draft_id = cases.submit_draft(
        deps,
        who(deps, author),
        case.case_id,
        text=ANSWER,
        kind="final",
        attachments=[],
        now=at(10, 40),
    )
    if author != "resp":  # the responsible executor's own draft is approved as he submits it
        cases.approve_draft(deps, who(deps, "resp"), case.case_id, draft_id, at(11, 0))
    cases.curator_decision(
        deps,
        external_id="im-123",
        event="draft_returned",
        draft_id=draft_id,
        comment="Добавьте сроки",
        now=at(11, 20),
        delivery_key="callback:r",
    )  # T5 due 12:20
    deps.bus.clear()

    report = sweep.sweep(deps, at(11, 50))

    assert report.escalations == [(case.case_id, "rework_due", "warning", 0)]  # its one mark
    [body] = deps.bus.bodies("notification")
    assert (body["template"], body["recipients"]["logins"]) == ("deadline_warning", warned)


@pytest.mark.parametrize(
    ("arrival", "status"), [(received, "curator_review"), (registered, "ready_to_send")]
)
def test_the_joint_answer_of_the_responsible_executor_is_approved_as_he_submits_it(
    deps, arrival, status
):
    case = arrival(deps)
    cases.route(deps, case.case_id, at(10, 6))
    cases.triage(
        deps,
        who(deps, "tech"),
        case.case_id,
        decision="accept",
        departments=["roads", "housing"],
        reason="",
        now=at(10, 15),
    )

    case, draft_id = cases.submit_draft(
        deps,
        who(deps, "resp"),
        case.case_id,
        text=ANSWER,
        kind="final",
        attachments=[],
        now=at(10, 40),
    )

    assert case.status.value == status
    assert case.current_draft.draft_id == draft_id
    assert [(e.action, e.actor) for e in case.timeline[-2:]] == [
        ("draft_submitted", "resp"),
        ("draft_approved", "resp"),
    ]
    with pytest.raises(InvalidTransition):  # nothing left for him to approve
        cases.approve_draft(deps, who(deps, "resp"), case.case_id, draft_id, at(10, 41))
    # and nobody is asked to approve it
    templates = [b["template"] for b in deps.bus.bodies("notification")]
    assert "draft_to_approve" not in templates


def test_an_executors_draft_still_asks_the_responsible_executor_to_approve_it(deps):
    case = accepted(deps)
    deps.bus.clear()

    cases.submit_draft(
        deps,
        who(deps, "roads"),
        case.case_id,
        text=ANSWER,
        kind="final",
        attachments=[],
        now=at(10, 40),
    )

    [letter] = deps.bus.bodies("notification")
    assert letter["template"] == "draft_to_approve"
    assert letter["recipients"]["roles"] == ["responsible"]


def test_the_sweeper_relays_what_a_crashed_process_left_in_the_outbox(deps, db):
    case = routed(deps)
    deps.bus.crash_on_relay = True
    with pytest.raises(SimulatedCrash):
        cases.triage(
            deps,
            who(deps, "tech"),
            case.case_id,
            decision="accept",
            departments=["roads"],
            reason="",
            now=at(10, 15),
        )
    [pending] = db.outbox.values()
    assert db.case(case.case_id).status is Status.IN_WORK  # committed before the crash

    assert sweep.sweep(deps, at(10, 15, day=9) + timedelta(seconds=30)).relayed == 0
    assert sweep.sweep(deps, at(10, 17)).relayed == 1

    assert deps.bus.stale_relays[-1] == [
        Sent("notification", {**pending.message.body, "message_id": pending.message.message_id})
    ]
    assert db.outbox == {}


def test_a_case_changed_during_the_sweep_is_counted_and_looked_at_again(deps, db):
    case = received(deps)
    db.before_next_commit(lambda: db.bump(case.case_id))

    conflicted = sweep.sweep(deps, at(10, 36))
    retried = sweep.sweep(deps, at(10, 37))

    assert (conflicted.conflicts, conflicted.escalations) == (1, [])
    assert [e[2:] for e in retried.escalations] == [("breach", 0), ("breach", 1)]


# -- e-mail notifications --------------------------------------------------------------------------


def test_recipients_are_the_active_staff_of_the_roles_and_departments_and_the_logins(deps):
    wanted = {"roles": ["executor", "head"], "departments": ["roads"], "logins": ["tech"]}

    assert notify.recipients(deps, wanted) == [
        "head@otklik.local",
        "roads@otklik.local",
        "tech@otklik.local",
    ]
    deps.directory.deactivate("roads")
    assert notify.recipients(deps, wanted) == ["head@otklik.local", "tech@otklik.local"]
    assert notify.recipients(deps, {"roles": ["executor"]}) == []  # no department, no executor


def test_the_new_message_letter_is_rendered_from_the_case(deps):
    case = routed(deps)
    body = deps.bus.bodies("notification")[0]
    mailer = FakeMailer()

    sent = notify.deliver(
        deps,
        mailer,
        template=body["template"],
        case_id=case.case_id,
        wanted=body["recipients"],
        context=body["context"],
    )

    assert sent == 1
    assert mailer.sent == [
        Letter(
            "tech@otklik.local",
            "Новое сообщение из открытых источников: Дороги, с. Зудилово (№ im-123)",
            "Поступило новое сообщение (п. 9 регламента).\n\n"
            "Соцсеть: ВКонтакте; важность: средняя\n"
            "Обнаружено: 9 февраля 2026, 10:00\n"
            "Автор: Ирина Петрова\n"
            f"Ссылка: {URL}\n\n"
            f"{ROAD_TEXT}\n\n"
            f"Предлагаемые отделы: {ROADS_NAME}.\n\n"
            "Распределить до: 9 февраля 2026, 10:35\n"
            "Ответ должен быть опубликован до: 10 февраля 2026, 11:00\n\n"
            "Сообщение № im-123 — во «Входящих» «Отклика».\n",
        )
    ]


ROADS_NAME = next(d.name for d in FakeDirectory().departments() if d.id == "roads")


def deliver(deps, body: dict, case_id: str) -> FakeMailer:
    """The letters one notification message sends, as the notification consumer sends them."""
    mailer = FakeMailer()
    notify.deliver(
        deps,
        mailer,
        template=body["template"],
        case_id=case_id,
        wanted=body["recipients"],
        context=body["context"],
    )
    return mailer


def test_a_letter_links_to_the_case_on_the_staff_page(deps):
    deps.staff_page_url = "https://otklik.example.org/staff/"
    case = routed(deps)
    body = deps.bus.bodies("notification")[0]
    mailer = deliver(deps, body, case.case_id)

    [letter] = mailer.sent
    link = f"https://otklik.example.org/staff/#/case/{case.case_id}"
    assert letter.body.endswith(f"Открыть сообщение в «Отклике»: {link}\n")
    assert notify.case_url("https://otklik.example.org", "a/b") == (
        "https://otklik.example.org/#/case/a%2Fb"
    )


def test_a_deadline_letter_names_the_timer_and_its_due_time_in_the_display_time_zone():
    deps = fake_deps(settings=settings_for_tests(display_timezone="Europe/Moscow"))
    case = received(deps)
    sweep.sweep(deps, at(10, 25))  # T1's warning, with 10 of its 30 minutes left
    body = deps.bus.bodies("notification")[-1]
    mailer = deliver(deps, body, case.case_id)

    assert mailer.sent == [
        Letter(
            "tech@otklik.local",
            "Срок истекает: распределение сообщения (T1) — Дороги (№ im-123)",
            "Срок «распределение сообщения (T1)» истекает 9 февраля 2026, 06:35. "
            "Успейте выполнить действие вовремя (п. 21 регламента).\n\n"
            f"Сообщение: {URL}\n\n"
            "Сообщение № im-123 — во «Входящих» «Отклика».\n",
        )
    ]


def test_the_deadlines_a_letter_lists_are_in_the_display_time_zone():
    deps = fake_deps(settings=settings_for_tests(display_timezone="Europe/Moscow"))
    case = routed(deps)
    body = deps.bus.bodies("notification")[-1]
    mailer = deliver(deps, body, case.case_id)

    [letter] = mailer.sent
    assert (
        "Распределить до: 9 февраля 2026, 06:35\n"
        "Ответ должен быть опубликован до: 10 февраля 2026, 07:00\n"
    ) in letter.body


def test_the_conflict_letter_says_what_came_and_what_the_case_holds(deps):
    case, draft_id = with_curator(deps)
    cases.record_curator_decision(
        deps,
        who(deps, "tech"),
        case.case_id,
        event="draft_returned",
        draft_id=draft_id,
        comment="Уточнить",
        at=None,
        now=at(11, 10),
    )
    with pytest.raises(cases.DecisionConflict):
        cases.curator_decision(
            deps,
            external_id="im-123",
            event="draft_approved",
            draft_id=draft_id,
            comment="",
            now=at(11, 20),
            delivery_key="callback:d-7",
        )
    body = deps.bus.bodies("notification")[-1]
    mailer = deliver(deps, body, case.case_id)

    [letter] = mailer.sent
    assert letter.to == "tech@otklik.local"
    assert letter.subject == "Решение куратора расходится с записанным: Дороги (№ im-123)"
    assert "Пришло: проект согласован\nСтатус в карточке: На доработке\n" in letter.body


def test_a_letter_to_nobody_sends_nothing(deps):
    case = received(deps)
    mailer = FakeMailer()

    assert (
        notify.deliver(
            deps,
            mailer,
            template="withdrawn",
            case_id=case.case_id,
            wanted={"roles": [], "logins": ["nobody"]},
            context={},
        )
        == 0
    )
    assert mailer.sent == []


# -- calls to the monitoring system (clauses 10, 12, 15) -------------------------------------------


def call_from_queue(deps, body: dict, client) -> dict | None:
    """What the monitoring-outbound consumer does with one queue message."""
    fields = {k: v for k, v in body.items() if k not in ("kind", "case_id", "message_id")}
    return outbound.report(
        deps,
        client,
        kind=body["kind"],
        case_id=body["case_id"],
        request_id=body["message_id"],
        fields=fields,
    )


def test_each_monitoring_message_becomes_its_call(deps):
    case, draft_id = curator_approved(deps)
    cases.record_publication(
        deps, who(deps, "tech"), case.case_id, url=URL + "&a=1", now=at(11, 35)
    )
    returned = routed(deps, external_id="im-2", url="https://vk.com/wall-1_2")
    cases.triage(
        deps,
        who(deps, "tech"),
        returned.case_id,
        decision="return",
        departments=[],
        reason="Не наша компетенция",
        now=at(10, 20),
    )
    client = FakeMonitoringSystem()

    for body in deps.bus.bodies("monitoring"):
        assert call_from_queue(deps, body, client)["status"] == "accepted"

    draft_msg, published_msg, return_msg = deps.bus.bodies("monitoring")
    assert [(c.method, c.arguments) for c in client.calls] == [
        (
            "send_draft_for_review",
            {
                "request_id": draft_msg["message_id"],
                "case_id": case.case_id,
                "external_id": "im-123",
                "draft_id": draft_id,
                "text": ANSWER,
                "draft_kind": "final",
                "attachments": [
                    {
                        "type": "photo",
                        "name": "remont.jpg",
                        "size": 1234,
                        "content_type": "image/jpeg",
                    }
                ],
            },
        ),
        (
            "report_published",
            {
                "request_id": published_msg["message_id"],
                "case_id": case.case_id,
                "external_id": "im-123",
                "draft_id": draft_id,
                "url": URL + "&a=1",
                "answer_kind": "final",
                "published_at": "2026-02-09T11:35:00+07:00",
            },
        ),
        (
            "return_to_curator",
            {
                "request_id": return_msg["message_id"],
                "case_id": returned.case_id,
                "external_id": "im-2",
                "reason": "Не наша компетенция",
            },
        ),
    ]


def test_a_draft_withdrawn_meanwhile_is_not_sent_for_review(deps):
    _case, _draft_id = with_curator(deps)
    cases.curator_decision(
        deps,
        external_id="im-123",
        event="message_withdrawn",
        draft_id=None,
        comment="",
        now=at(11, 5),
        delivery_key="callback:w",
    )
    client = FakeMonitoringSystem()

    assert call_from_queue(deps, deps.bus.bodies("monitoring")[0], client) is None
    assert client.calls == []


def test_a_call_of_an_unknown_kind_is_passed_on_as_it_came(deps):
    case = received(deps)
    client = FakeMonitoringSystem()

    outbound.report(
        deps,
        client,
        kind="interim_note",
        case_id=case.case_id,
        request_id="m-1",
        fields={"note": "x"},
    )

    assert [(c.method, c.arguments) for c in client.calls] == [
        (
            "send",
            {
                "payload": {
                    "kind": "interim_note",
                    "note": "x",
                    "request_id": "m-1",
                    "case_id": case.case_id,
                    "external_id": "im-123",
                },
                "request_id": "m-1",
            },
        )
    ]


# -- publishing by the system (clause 15) ----------------------------------------------------------


def publish(deps, case_id, draft_id, publishers, now=None, **delivery):
    return publishing.publish_approved(
        deps,
        publishers,
        case_id=case_id,
        draft_id=draft_id,
        now=now or at(11, 22),
        delivery=publishing.Delivery(**delivery) if delivery else None,
    )


def test_an_approved_answer_is_published_in_the_thread_and_its_proof_kept(deps, db):
    case, draft_id = curator_approved(deps)
    vk = FakePublisher("vk")

    outcome = publish(deps, case.case_id, draft_id, {"vk": vk})

    posted = "https://vk.com/wall-170171414_52107?reply=90001"
    assert outcome == publishing.Outcome("published", url=posted)
    assert [(c.message.url, c.draft.draft_id) for c in vk.calls] == [(URL, draft_id)]
    stored = db.case(case.case_id)
    assert stored.status is Status.ANSWERED
    [proof] = stored.publications
    assert (proof.by, proof.url, proof.response_id, proof.method, proof.in_thread) == (
        "system",
        posted,
        "90001",
        "wall.createComment",
        True,
    )
    assert deps.keys.seen(published_key(case.case_id, draft_id)) == {
        "url": posted,
        "response_id": "90001",
        "method": "wall.createComment",
        "in_thread": True,
        "text": None,
    }
    assert last_commit_messages(db) == [("monitoring", "published")]


def test_without_a_publisher_for_the_network_the_answer_is_published_by_hand(deps, db):
    case, draft_id = curator_approved(deps)
    commits = len(db.commits)

    assert publish(deps, case.case_id, draft_id, {"ok": FakePublisher("ok")}).status == "manual"
    assert db.case(case.case_id).status is Status.APPROVED
    assert len(db.commits) == commits


def test_a_temporary_failure_asks_the_queue_to_retry_after_the_wait_asked_for(deps, db):
    case, draft_id = curator_approved(deps)
    commits = len(db.commits)
    vk = FakePublisher(
        "vk",
        [TemporaryError("VK: слишком много запросов", retry_after=20), TemporaryError("VK: 502")],
    )

    with pytest.raises(publishing.RetryLater) as asked:
        publish(deps, case.case_id, draft_id, {"vk": vk})
    assert (asked.value.reason, asked.value.delay) == ("VK: слишком много запросов", 20)

    with pytest.raises(publishing.RetryLater) as backoff:
        publish(deps, case.case_id, draft_id, {"vk": vk}, receive_count=3)
    assert backoff.value.delay == 120  # 30 s doubled for the 2nd and 3rd deliveries

    assert len(db.commits) == commits
    assert deps.keys.seen(published_key(case.case_id, draft_id)) is None


def test_the_last_delivery_gives_up_and_tells_the_technical_executor(deps, db):
    case, draft_id = curator_approved(deps)
    vk = FakePublisher("vk", [TemporaryError("VK: 502")])

    outcome = publish(deps, case.case_id, draft_id, {"vk": vk}, receive_count=5)

    reason = "VK: 502 (попытки исчерпаны, попыток: 5)"
    assert outcome == publishing.Outcome("failed", reason=reason)
    stored = db.case(case.case_id)
    assert stored.status is Status.APPROVED and stored.timers["publish_due"].running
    assert stored.publication_failure.reason == reason
    body = deps.bus.bodies("notification")[-1]
    assert notification(body) == {
        "template": "publication_failed",
        "case_id": case.case_id,
        "recipients": {"roles": ["technical"], "departments": [], "logins": []},
    }
    assert body["context"]["reason"] == reason


def test_a_retry_that_would_come_too_close_to_t6_hands_over_at_once(deps, db):
    case, draft_id = curator_approved(deps)  # T6 due 11:50; 10 minutes are kept for a person

    with pytest.raises(publishing.RetryLater):
        publish(
            deps,
            case.case_id,
            draft_id,
            {"vk": FakePublisher("vk", [TemporaryError("x")])},
            now=at(11, 39),
        )
    outcome = publish(
        deps,
        case.case_id,
        draft_id,
        {"vk": FakePublisher("vk", [TemporaryError("VK: 503")])},
        now=at(11, 40),
    )

    assert outcome.reason == "VK: 503 (повтор не успевает до срока публикации, попыток: 1)"
    assert db.case(case.case_id).publication_failure.at == at(11, 40)


def test_a_permanent_failure_is_recorded_once_and_never_posted_again(deps, db):
    case, draft_id = curator_approved(deps)
    vk = FakePublisher("vk", [PermanentError("VK: комментарии закрыты")])

    failed = publish(deps, case.case_id, draft_id, {"vk": vk})
    again = publish(deps, case.case_id, draft_id, {"vk": vk}, now=at(11, 25))

    assert failed == publishing.Outcome("failed", reason="VK: комментарии закрыты")
    assert again == publishing.Outcome("manual")
    assert len(vk.calls) == 1
    stored = db.case(case.case_id)
    assert [e.action for e in stored.timeline].count("publication_failed") == 1
    assert stored.timeline[-1].details == {
        "draft_id": draft_id,
        "network": "vk",
        "reason": "VK: комментарии закрыты",
    }
    assert deps.bus.templates().count("publication_failed") == 1
    # the technical executor publishes it by hand
    answered = cases.record_publication(
        deps, who(deps, "tech"), case.case_id, url=URL + "&m=1", now=at(11, 45)
    )
    assert answered.status is Status.ANSWERED and answered.publication_failure is None


def test_a_post_remembered_before_a_crash_is_recorded_not_posted_twice(deps, db):
    case, draft_id = curator_approved(deps)
    vk = FakePublisher("vk")
    for _ in range(publishing.RECORD_ATTEMPTS):  # someone changes the case at every attempt
        db.before_next_commit(lambda: db.bump(case.case_id))

    with pytest.raises(ConcurrentModification):
        publish(deps, case.case_id, draft_id, {"vk": vk})
    assert db.case(case.case_id).status is Status.APPROVED
    redelivered = publish(deps, case.case_id, draft_id, {"vk": vk}, now=at(11, 23))

    assert redelivered == publishing.Outcome(
        "published", url="https://vk.com/wall-170171414_52107?reply=90001"
    )
    assert len(vk.calls) == 1
    assert db.case(case.case_id).publications[0].response_id == "90001"


def test_a_concurrent_change_while_recording_is_retried_with_a_fresh_load(deps, db):
    case, draft_id = curator_approved(deps)
    db.before_next_commit(lambda: db.bump(case.case_id))

    outcome = publish(deps, case.case_id, draft_id, {"vk": FakePublisher("vk")})

    assert outcome.status == "published"
    assert isinstance(db.failed_commits[-1][1], ConcurrentModification)


def test_an_answer_published_already_is_skipped(deps):
    case, draft_id = curator_approved(deps)
    cases.record_publication(
        deps, who(deps, "tech"), case.case_id, url=URL + "&m=1", now=at(11, 30)
    )
    vk = FakePublisher("vk")

    assert publish(deps, case.case_id, draft_id, {"vk": vk}) == publishing.Outcome("skipped")
    assert vk.calls == []


def test_a_post_made_while_a_person_published_by_hand_is_not_recorded_over_theirs(deps, db):
    case, draft_id = curator_approved(deps)
    vk = FakePublisher(
        "vk",
        [Published("https://vk.com/wall-1?reply=5", publishing.Receipt("5", "wall.createComment"))],
    )
    db.before_next_commit(
        lambda: cases.record_publication(
            deps, who(deps, "tech"), case.case_id, url=URL + "&m=1", now=at(11, 21)
        )
    )

    outcome = publish(deps, case.case_id, draft_id, {"vk": vk})

    assert outcome == publishing.Outcome("skipped", url="https://vk.com/wall-1?reply=5")
    assert [p.by for p in db.case(case.case_id).publications] == ["tech"]


# -- the fakes keep their ports' contracts ---------------------------------------------------------


def test_a_store_refuses_a_commit_of_a_case_someone_else_changed_since_it_loaded_it(deps, db):
    case = received(deps)
    mine, theirs = deps.store(), deps.store()
    a, b = mine.get(case.case_id), theirs.get(case.case_id)
    tech = who(deps, "tech")
    a.accept(tech, departments=["roads"], now=at(10, 15), policy=deps.policy)
    mine.commit(a, now=at(10, 15))
    b.return_to_curator(tech, reason="Нет", now=at(10, 16))

    with pytest.raises(ConcurrentModification):
        theirs.commit(b, now=at(10, 16))
    with pytest.raises(ConcurrentModification):  # a case read with get_many is not loaded
        other = deps.store()
        [c] = other.get_many([case.case_id])
        other.commit(c, now=at(10, 17))
    assert db.case(case.case_id).status is Status.IN_WORK
    assert [e.action for e in deps.store().audit_trail(case.case_id)] == ["received", "accepted"]


def test_the_key_store_forgets_keys_after_their_lifetime_and_claims_after_their_lease():
    keys = FakeKeyStore(time=1_000_000)
    keys.remember("revoked:t-1", lifetime=60)
    assert keys.seen("revoked:t-1") == {}
    assert keys.claim("consumed:notifications:m-1", lease=30) is True
    assert keys.claim("consumed:notifications:m-1", lease=30) is False
    assert keys.seen("consumed:notifications:m-1") == {"in_progress": True}

    keys.advance(31)
    assert keys.claim("consumed:notifications:m-1", lease=30) is True  # its holder died
    keys.release("consumed:notifications:m-1")
    assert keys.seen("consumed:notifications:m-1") is None
    keys.advance(30)
    assert keys.seen("revoked:t-1") is None
    keys.remember("intake:x", {"case_id": "c"}, lifetime=KEY_LIFETIME)
    keys.seen("intake:x")["case_id"] = "changed"
    assert keys.seen("intake:x") == {"case_id": "c"}
