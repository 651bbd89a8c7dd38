"""The case through the regulation's flow, step by step, with `now` injected.

Unless a test says otherwise the story happens in Barnaul (UTC+7) in the ordinary working week of
Monday 2026-02-09: working periods 09:00-13:00 and 14:00-18:00, no holiday until Monday
2026-02-23. Every expected deadline is worked out by hand in local time in a comment beside it.

The on-time Monday story (`Desk.story`):
    10:00 the curator detects the post          T2 due Tue 11:00, T3 due Mon 16:00
    10:05 we receive it                         T1 due 10:35
    10:20 the technical executor accepts it     (roads)
    11:00 the roads executor submits a draft
    11:30 the responsible executor approves it  sent to the curator, T4 due 12:00
    11:50 the curator approves it               T6 due 12:20   (or returns it: T5 due 12:50)
    12:10 the technical executor publishes it
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from otklik.codec import to_plain
from otklik.domain import events as ev
from otklik.domain.case import Case
from otklik.domain.policy import Deadline, Party, SlaPolicy
from otklik.domain.roles import Actor, Role
from otklik.domain.states import DraftKind, DraftStatus, Status
from otklik.domain.timers import Outcome
from otklik.domain.values import Attachment, Comment, Draft, Escalation, TimelineEntry

MONDAY = date(2026, 2, 9)
WEEK = {
    name: MONDAY + timedelta(days=i)
    for i, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
}

FINAL_TEXT = (
    "Ирина, здравствуйте! Ямочный ремонт ул. Центральной в с. Зудилово выполнен сегодня, "
    "фото с места — во вложении. Капитальный ремонт дороги включён в план на июнь."
)
INTERIM_TEXT = (
    "Ирина, здравствуйте! Ваше сообщение передано в отдел дорожного хозяйства, специалисты "
    "выедут на место на этой неделе. Окончательный ответ дадим здесь же."
)
CONTRIBUTION_TEXT = "Отдел ЖКХ: водопровод под дорогой исправен, раскопок не планируется."
RETURN_COMMENT = "Добавьте конкретные сроки ремонта и фото."
REJECT_COMMENT = "Уточните сроки ремонта."
ANSWER_URL = "https://vk.com/wall-170171414_52107?reply=52140"
STORY_STAGES = (
    "received",
    "in_work",
    "internal_review",
    "curator_review",
    "rework",
    "approved",
    "published",
)


@dataclass
class Desk:
    """The press desk's people acting on one case at instants the test chooses."""

    policy: SlaPolicy
    actors: dict[str, Actor]
    make_message: Callable
    local: Callable[..., datetime]

    def at(self, text: str) -> datetime:
        """'Mon 10:05' (in the week of 2026-02-09) or '2026-02-18 18:00', local Barnaul time."""
        day_text, clock = text.split()
        day = WEEK[day_text] if day_text in WEEK else date.fromisoformat(day_text)
        hour, minute = map(int, clock.split(":"))
        return self.local(day.year, day.month, day.day, hour, minute)

    def on(self, day: date, clock: str) -> datetime:
        return self.at(f"{day.isoformat()} {clock}")

    def receive(self, detected: str, received: str) -> Case:
        message = self.make_message(detected_at=self.at(detected))
        return Case.receive(message, now=self.at(received), policy=self.policy, case_id="case-1")

    def accept(self, case: Case, when: str, *departments: str) -> None:
        case.accept(
            self.actors["tech"],
            departments=departments or ("roads",),
            now=self.at(when),
            policy=self.policy,
        )

    def contribute(self, case: Case, when: str, by: str) -> None:
        case.contribute(self.actors[by], text=CONTRIBUTION_TEXT, now=self.at(when))

    def draft(
        self, case: Case, when: str, *, kind: DraftKind = DraftKind.FINAL, by: str = "roads"
    ) -> Draft:
        text = INTERIM_TEXT if kind is DraftKind.INTERIM else FINAL_TEXT
        return case.submit_draft(self.actors[by], text=text, kind=kind, now=self.at(when))

    def approve(self, case: Case, when: str) -> None:
        case.approve_draft(
            self.actors["resp"],
            draft_id=case.current_draft.draft_id,
            now=self.at(when),
            policy=self.policy,
        )

    def reject(self, case: Case, when: str) -> None:
        case.reject_draft(
            self.actors["resp"],
            draft_id=case.current_draft.draft_id,
            comment=REJECT_COMMENT,
            now=self.at(when),
        )

    def curator_approve(self, case: Case, when: str, comment: str = "") -> None:
        case.curator_approve(
            self.actors["curator"],
            draft_id=case.current_draft.draft_id,
            comment=comment,
            now=self.at(when),
            policy=self.policy,
        )

    def curator_return(self, case: Case, when: str) -> None:
        case.curator_return(
            self.actors["curator"],
            draft_id=case.current_draft.draft_id,
            comment=RETURN_COMMENT,
            now=self.at(when),
            policy=self.policy,
        )

    def publish(self, case: Case, when: str, url: str = ANSWER_URL) -> None:
        case.publish(self.actors["tech"], url=url, now=self.at(when), policy=self.policy)

    def withdraw(self, case: Case, when: str, comment: str = "") -> None:
        case.withdraw(self.actors["curator"], comment=comment, now=self.at(when))

    def story(
        self,
        until: str,
        *,
        kind: DraftKind = DraftKind.FINAL,
        departments: tuple[str, ...] = ("roads",),
        day: date = MONDAY,
    ) -> Case:
        """The on-time story (see the module docstring) on `day`, up to the stage `until`."""
        assert until in STORY_STAGES

        def t(clock: str) -> str:
            return f"{day.isoformat()} {clock}"

        case = self.receive(t("10:00"), t("10:05"))
        if until == "received":
            return case
        self.accept(case, t("10:20"), *departments)
        if until == "in_work":
            return case
        self.draft(case, t("11:00"), kind=kind, by="roads" if len(departments) == 1 else "resp")
        if until == "internal_review":
            return case
        self.approve(case, t("11:30"))
        if until == "curator_review":
            return case
        if until == "rework":
            self.curator_return(case, t("11:50"))
            return case
        self.curator_approve(case, t("11:50"))
        if until == "approved":
            return case
        self.publish(case, t("12:10"))
        return case


@pytest.fixture
def desk(policy, actors, make_message, local) -> Desk:
    return Desk(policy, actors, make_message, local)


def _timer(case: Case, key: str):
    return case.timers[key]


# -- intake (clause 9) -----------------------------------------------------------------------------


def test_receiving_a_message_starts_triage_answer_and_send_to_curator_deadlines(desk):
    case = desk.receive("Mon 10:00", "Mon 10:05")

    assert case.case_id == "case-1"
    assert case.status is Status.RECEIVED
    assert case.version == 1
    assert case.received_at == desk.at("Mon 10:05")
    assert case.deadlines() == {
        # T1 from our receipt: 10:05 + 30 min -> 10:35
        "triage_due": desk.at("Mon 10:35"),
        # T2 from the curator's detection: Mon 10-13 (3 h) + 14-18 (4 h) + Tue 09-11 (2 h)
        "answer_due": desk.at("Tue 11:00"),
        # T3 = T2 - 4 h: Tue 11-09 (2 h) + Mon 18-16 (2 h)
        "send_to_curator_due": desk.at("Mon 16:00"),
    }
    assert _timer(case, "triage_due").started_at == desk.at("Mon 10:05")
    assert _timer(case, "answer_due").started_at == desk.at("Mon 10:00")
    assert _timer(case, "send_to_curator_due").started_at == desk.at("Mon 10:00")
    assert all(t.running and t.outcome is None for t in case.timers.values())
    assert case.next_due() == desk.at("Mon 10:35")
    assert case.timeline == [
        TimelineEntry(
            desk.at("Mon 10:05"),
            "system",
            Role.SYSTEM,
            "received",
            {"external_id": "im-123", "via": "webhook"},
        )
    ]
    assert case.pull_events() == [ev.MessageReceived("case-1", desk.at("Mon 10:05"), "high")]
    assert case.events == []


def test_receiving_without_a_case_id_generates_a_fresh_one(desk, policy):
    message = desk.make_message()
    first = Case.receive(message, now=desk.at("Mon 10:05"), policy=policy)
    second = Case.receive(message, now=desk.at("Mon 10:05"), policy=policy)

    assert first.case_id
    assert first.case_id != second.case_id


@pytest.mark.parametrize(
    ("detected", "answer_due", "send_due"),
    [
        pytest.param(
            # Mon 10-13 (3 h) + 14-18 (4 h) + Tue 09-11 (2 h) = 9 h; T3: Tue 2 h + Mon 18-16 2 h
            "Mon 10:00",
            "Tue 11:00",
            "Mon 16:00",
            id="mid-morning",
        ),
        pytest.param(
            # Mon 17-18 (1 h) + Tue 8 h: ends exactly at 18:00, which is the deadline itself;
            # T3: Tue 18-14 is 4 h -> 14:00, the afternoon's start, not 13:00
            "Mon 17:00",
            "Tue 18:00",
            "Tue 14:00",
            id="t3-lands-on-14:00-not-13:00",
        ),
        pytest.param(
            # Mon 12-13 (1 h) + 14-18 (4 h) + Tue 09-13 (4 h): ends on the morning's end 13:00;
            # T3: Tue 13-09 is 4 h -> 09:00, not Monday 18:00
            "Mon 12:00",
            "Tue 13:00",
            "Tue 09:00",
            id="t2-ends-at-13:00-t3-lands-on-09:00",
        ),
        pytest.param(
            # Friday evening: the clock starts Mon 09:00; Mon 8 h + Tue 09-10 (1 h);
            # T3: Tue 10-09 (1 h) + Mon 18-15 (3 h)
            "Fri 20:00",
            "2026-02-17 10:00",
            "2026-02-16 15:00",
            id="detected-on-friday-evening",
        ),
        pytest.param(
            # before opening counts from 09:00: Mon 8 h + Tue 1 h; T3 as above
            "Mon 08:00",
            "Tue 10:00",
            "Mon 15:00",
            id="detected-before-opening",
        ),
        pytest.param(
            # Thu 30 Apr is a shortened pre-holiday day (ends 17:00): 15-17 (2 h); 1-3 May off;
            # Mon 4 May 09-13 (4 h) + 14-17 (3 h) -> 17:00; T3: 17-14 (3 h) + 13-12 (1 h)
            "2026-04-30 15:00",
            "2026-05-04 17:00",
            "2026-05-04 12:00",
            id="across-shortened-day-and-may-holidays",
        ),
    ],
)
def test_answer_and_send_deadlines_count_working_hours_from_detection(
    desk, detected, answer_due, send_due
):
    case = desk.receive(detected, detected)

    assert _timer(case, "answer_due").due == desk.at(answer_due)
    assert _timer(case, "send_to_curator_due").due == desk.at(send_due)
    assert _timer(case, "answer_due").started_at == desk.at(detected)


@pytest.mark.parametrize(
    ("received", "triage_due"),
    [
        # 17:45-18:00 (15 min) + Tue 09:00-09:15 (15 min)
        pytest.param("Mon 17:45", "Tue 09:15", id="late-evening"),
        # the lunch break does not count: 12:50-13:00 (10 min) + 14:00-14:20 (20 min)
        pytest.param("Mon 12:50", "Mon 14:20", id="across-lunch"),
        # Saturday: counts from Monday 09:00
        pytest.param("Sat 11:00", "2026-02-16 09:30", id="on-saturday"),
    ],
)
def test_triage_deadline_counts_from_our_receipt_in_working_time(desk, received, triage_due):
    case = desk.receive("Mon 09:00", received)

    assert _timer(case, "triage_due").started_at == desk.at(received)
    assert _timer(case, "triage_due").due == desk.at(triage_due)


# -- routing (clauses 18, 20) ----------------------------------------------------------------------


def test_routing_proposes_departments_and_flags_but_leaves_the_decision_to_people(desk, system):
    case = desk.story("received")
    case.pull_events()

    case.propose_routing(
        system,
        departments=["roads", "housing", "roads"],
        flags=["obscene_language", "obscene_language"],
        now=desk.at("Mon 10:06"),
    )

    assert case.status is Status.RECEIVED
    assert case.version == 2
    assert case.proposed_departments == ("roads", "housing")
    assert case.flags == ("obscene_language",)
    assert case.departments == ()
    assert _timer(case, "triage_due").running
    assert case.timeline[-1] == TimelineEntry(
        desk.at("Mon 10:06"),
        "system",
        Role.SYSTEM,
        "routing_proposed",
        {"departments": ["roads", "housing"], "flags": ["obscene_language"]},
    )
    assert case.pull_events() == [
        ev.RoutingProposed(
            "case-1", desk.at("Mon 10:06"), ("roads", "housing"), ("obscene_language",)
        )
    ]


def test_a_repeated_message_is_linked_to_the_earlier_case_and_its_official(desk, system):
    case = desk.story("received")
    case.pull_events()

    case.link_repeat(system, earlier_case_id="case-0", handled_by="roads", now=desk.at("Mon 10:06"))

    assert case.status is Status.RECEIVED
    assert case.version == 2
    assert case.repeat_of == "case-0"
    assert case.proposed_assignee == "roads"
    assert case.timeline[-1] == TimelineEntry(
        desk.at("Mon 10:06"),
        "system",
        Role.SYSTEM,
        "repeat_linked",
        {"earlier_case_id": "case-0", "handled_by": "roads"},
    )
    assert case.pull_events() == [
        ev.RepeatLinked("case-1", desk.at("Mon 10:06"), "case-0", "roads")
    ]


@pytest.mark.parametrize("stage", ["received", "in_work"])
def test_a_significant_message_is_reported_to_the_head_once(desk, system, stage):
    case = desk.story(stage)
    status, version = case.status, case.version
    case.pull_events()

    reported = case.report_significance(
        system, reason=" high_importance ", now=desk.at("Mon 10:30")
    )

    assert reported is True
    assert case.significance == "high_importance"
    assert case.status is status
    assert case.version == version + 1
    assert case.timeline[-1] == TimelineEntry(
        desk.at("Mon 10:30"),
        "system",
        Role.SYSTEM,
        "reported_to_head",
        {"reason": "high_importance"},
    )
    assert case.pull_events() == [
        ev.SignificanceReported("case-1", desk.at("Mon 10:30"), "high_importance")
    ]

    assert case.report_significance(system, reason="surge", now=desk.at("Mon 10:40")) is False
    assert case.significance == "high_importance"
    assert case.version == version + 1
    assert case.pull_events() == []


# -- triage (clauses 10, 18, 20) -------------------------------------------------------------------


def test_accepting_for_one_department_puts_the_case_in_work_and_meets_triage(desk):
    case = desk.story("received")
    case.pull_events()

    desk.accept(case, "Mon 10:20", "roads")

    assert case.status is Status.IN_WORK
    assert case.version == 2
    assert case.departments == ("roads",)
    assert not case.is_joint
    assert case.contributions == {}
    triage = _timer(case, "triage_due")
    assert (triage.stopped_at, triage.outcome) == (desk.at("Mon 10:20"), Outcome.MET)
    assert case.deadlines() == {
        "answer_due": desk.at("Tue 11:00"),
        "send_to_curator_due": desk.at("Mon 16:00"),
    }
    assert case.timeline[-1] == TimelineEntry(
        desk.at("Mon 10:20"), "tech", Role.TECHNICAL, "accepted", {"departments": ["roads"]}
    )
    assert case.pull_events() == [
        ev.CaseAccepted("case-1", desk.at("Mon 10:20"), ("roads",), "tech")
    ]


def test_accepting_several_departments_requests_a_contribution_from_each_within_t8(desk):
    case = desk.receive("Mon 11:40", "Mon 11:45")  # T1 due 12:15
    case.pull_events()

    desk.accept(case, "Mon 12:00", " roads", "housing", "roads", "")

    assert case.status is Status.IN_WORK
    assert case.departments == ("roads", "housing")
    assert case.is_joint
    # T8: 12:00-13:00 (60 min) + 14:00-15:00 (60 min) -> 15:00 for each department
    for department in ("roads", "housing"):
        contribution = case.contributions[department]
        assert contribution.requested_at == desk.at("Mon 12:00")
        assert contribution.due == desk.at("Mon 15:00")
        assert contribution.submitted_at is None
        timer = _timer(case, f"contribution_due:{department}")
        assert timer.department == department
        assert (timer.started_at, timer.due) == (desk.at("Mon 12:00"), desk.at("Mon 15:00"))
        assert timer.running
    assert "contribution_due" not in case.deadlines()
    assert case.next_due() == desk.at("Mon 15:00")
    assert case.version == 2
    assert case.pull_events() == [
        ev.CaseAccepted("case-1", desk.at("Mon 12:00"), ("roads", "housing"), "tech"),
        ev.ContributionsRequested("case-1", desk.at("Mon 12:00"), ("roads", "housing")),
    ]


@pytest.mark.parametrize(
    ("method", "status", "action", "event_type"),
    [
        pytest.param(
            "return_to_curator",
            Status.RETURNED_TO_CURATOR,
            "returned_to_curator",
            ev.CaseReturnedToCurator,
            id="return-to-curator",
        ),
        pytest.param(
            "mark_not_processable",
            Status.NOT_PROCESSABLE,
            "not_processable",
            ev.CaseMarkedNotProcessable,
            id="not-processable",
        ),
    ],
)
def test_triage_that_closes_the_case_meets_t1_and_cancels_the_answer_timers(
    desk, tech, method, status, action, event_type
):
    case = desk.story("received")
    case.pull_events()

    getattr(case, method)(
        tech, reason="  Вопрос в компетенции краевого Минтранса.  ", now=desk.at("Mon 10:30")
    )

    reason = "Вопрос в компетенции краевого Минтранса."
    assert case.status is status
    assert case.closed
    assert case.version == 2
    assert case.resolution_reason == reason
    triage = _timer(case, "triage_due")
    assert (triage.stopped_at, triage.outcome) == (desk.at("Mon 10:30"), Outcome.MET)
    for key in ("answer_due", "send_to_curator_due"):
        timer = _timer(case, key)
        assert (timer.stopped_at, timer.outcome) == (desk.at("Mon 10:30"), Outcome.CANCELLED)
    assert case.deadlines() == {}
    assert case.next_due() is None
    # a return reaches the curator by our call to the monitoring system
    via = {"via": "integration"} if action == "returned_to_curator" else {}
    assert case.timeline[-1] == TimelineEntry(
        desk.at("Mon 10:30"), "tech", Role.TECHNICAL, action, {"reason": reason, **via}
    )
    assert case.pull_events() == [event_type("case-1", desk.at("Mon 10:30"), reason)]


# -- contributions (clause 17) ---------------------------------------------------------------------


def test_a_department_contribution_is_recorded_and_stops_only_its_own_t8(desk, housing):
    case = desk.receive("Mon 11:40", "Mon 11:45")
    desk.accept(case, "Mon 12:00", "roads", "housing")  # T8 due 15:00 for each
    case.pull_events()

    case.contribute(housing, text=f"  {CONTRIBUTION_TEXT}\n", now=desk.at("Mon 14:30"))

    assert case.status is Status.IN_WORK
    assert case.version == 3
    contribution = case.contributions["housing"]
    assert contribution.text == CONTRIBUTION_TEXT
    assert contribution.author == "housing"
    assert contribution.submitted_at == desk.at("Mon 14:30")
    mine = _timer(case, "contribution_due:housing")
    assert (mine.stopped_at, mine.outcome) == (desk.at("Mon 14:30"), Outcome.MET)
    assert _timer(case, "contribution_due:roads").running
    assert case.timeline[-1] == TimelineEntry(
        desk.at("Mon 14:30"),
        "housing",
        Role.EXECUTOR,
        "contribution_submitted",
        {"department": "housing"},
    )
    assert case.pull_events() == [
        ev.ContributionSubmitted("case-1", desk.at("Mon 14:30"), "housing", "housing")
    ]


@pytest.mark.parametrize(
    "stage", ["internal_review", "rework"], ids=["while-draft-in-review", "during-rework"]
)
def test_a_contribution_may_still_arrive_while_the_joint_draft_is_handled(desk, housing, stage):
    case = desk.story(stage, departments=("roads", "housing"))

    case.contribute(housing, text=CONTRIBUTION_TEXT, now=desk.at("Mon 11:55"))

    assert case.status is Status(stage)
    assert case.contributions["housing"].submitted_at == desk.at("Mon 11:55")


# -- drafting (clauses 12, 19) ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(DraftKind), ids=lambda k: k.value)
def test_the_executor_submits_a_draft_for_internal_approval(desk, roads, kind):
    case = desk.story("in_work")
    case.pull_events()
    photo = Attachment("photo", "https://sun9-1.userapi.com/remont.jpg")

    draft = case.submit_draft(
        roads,
        text=f"  {FINAL_TEXT}  ",
        kind=kind.value,
        attachments=[photo],
        now=desk.at("Mon 11:00"),
        draft_id="d-1",
    )

    assert draft.draft_id == "d-1"
    assert draft.kind is kind
    assert draft.text == FINAL_TEXT
    assert draft.author == "roads"
    assert draft.created_at == desk.at("Mon 11:00")
    assert draft.attachments == (photo,)
    assert draft.status is DraftStatus.INTERNAL_REVIEW
    assert case.drafts == [draft]
    assert case.current_draft is draft
    assert case.status is Status.INTERNAL_REVIEW
    assert case.version == 3
    # the answer timers keep running while the draft is reviewed inside
    assert set(case.deadlines()) == {"answer_due", "send_to_curator_due"}
    assert case.timeline[-1] == TimelineEntry(
        desk.at("Mon 11:00"),
        "roads",
        Role.EXECUTOR,
        "draft_submitted",
        {"draft_id": "d-1", "kind": kind},
    )
    assert case.pull_events() == [
        ev.DraftSubmitted("case-1", desk.at("Mon 11:00"), "d-1", kind, "roads")
    ]


def test_the_responsible_executor_writes_the_joint_answer(desk, resp):
    case = desk.story("in_work", departments=("roads", "housing"))

    draft = case.submit_draft(resp, text=FINAL_TEXT, kind=DraftKind.FINAL, now=desk.at("Mon 11:00"))

    assert draft.author == "resp"
    assert case.status is Status.INTERNAL_REVIEW


def test_a_draft_without_an_id_gets_a_fresh_one(desk, roads):
    case = desk.story("in_work")

    draft = case.submit_draft(
        roads, text=FINAL_TEXT, kind=DraftKind.FINAL, now=desk.at("Mon 11:00")
    )

    assert draft.draft_id
    assert case.current_draft is draft


# -- internal approval (clause 12) -----------------------------------------------------------------


def test_internal_approval_sends_the_draft_to_the_curator_and_meets_t3(desk):
    case = desk.story("internal_review")
    draft = case.current_draft
    case.pull_events()

    desk.approve(case, "Mon 11:30")

    assert case.status is Status.CURATOR_REVIEW
    assert case.version == 4
    assert draft.status is DraftStatus.CURATOR_REVIEW
    assert draft.sent_to_curator_at == desk.at("Mon 11:30")
    send = _timer(case, "send_to_curator_due")
    assert (send.stopped_at, send.outcome) == (desk.at("Mon 11:30"), Outcome.MET)
    decision = _timer(case, "curator_decision_due")
    # T4: 11:30 + 30 min -> 12:00
    assert (decision.started_at, decision.due) == (desk.at("Mon 11:30"), desk.at("Mon 12:00"))
    assert case.deadlines() == {
        "answer_due": desk.at("Tue 11:00"),
        "curator_decision_due": desk.at("Mon 12:00"),
    }
    assert case.timeline[-1] == TimelineEntry(
        desk.at("Mon 11:30"),
        "resp",
        Role.RESPONSIBLE,
        "draft_approved",
        {"draft_id": draft.draft_id, "via": "integration"},
    )
    assert case.pull_events() == [
        ev.DraftSentToCurator("case-1", desk.at("Mon 11:30"), draft.draft_id, DraftKind.FINAL)
    ]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        pytest.param("fresh", Status.IN_WORK, id="first-draft-back-to-in-work"),
        pytest.param("after_curator_return", Status.REWORK, id="reworked-draft-back-to-rework"),
        pytest.param(
            "after_interim", Status.AWAITING_FINAL, id="final-draft-back-to-awaiting-final"
        ),
    ],
)
def test_internal_rejection_sends_the_draft_back_to_the_state_it_came_from(
    desk, resp, setup, expected
):
    if setup == "fresh":
        case = desk.story("internal_review")
        when = "Mon 11:10"
    elif setup == "after_curator_return":
        case = desk.story("rework")  # returned 11:50, T5 due 12:50
        desk.draft(case, "Mon 12:00")
        when = "Mon 12:10"
    else:
        case = desk.story("published", kind=DraftKind.INTERIM)
        desk.draft(case, "Tue 10:00")
        when = "Tue 10:30"
    draft = case.current_draft
    version = case.version
    timers_before = {k: t.running for k, t in case.timers.items()}
    case.pull_events()

    case.reject_draft(
        resp, draft_id=draft.draft_id, comment=f"  {REJECT_COMMENT} ", now=desk.at(when)
    )

    assert case.status is expected
    assert case.version == version + 1
    assert draft.status is DraftStatus.REJECTED
    assert draft.comments == [Comment("resp", Role.RESPONSIBLE, REJECT_COMMENT, desk.at(when))]
    # rejection inside the administration starts and stops no timer (T5 keeps running in rework)
    assert {k: t.running for k, t in case.timers.items()} == timers_before
    assert case.timeline[-1] == TimelineEntry(
        desk.at(when),
        "resp",
        Role.RESPONSIBLE,
        "draft_rejected",
        {"draft_id": draft.draft_id, "comment": REJECT_COMMENT},
    )
    assert case.pull_events() == [
        ev.DraftRejected("case-1", desk.at(when), draft.draft_id, REJECT_COMMENT, "roads")
    ]


def test_after_internal_rejection_the_executor_can_submit_a_new_draft(desk):
    case = desk.story("internal_review")
    first = case.current_draft
    desk.reject(case, "Mon 11:10")

    second = desk.draft(case, "Mon 11:20")

    assert case.status is Status.INTERNAL_REVIEW
    assert case.drafts == [first, second]
    assert first.status is DraftStatus.REJECTED
    assert second.status is DraftStatus.INTERNAL_REVIEW


# -- curator review (clauses 13-14) ----------------------------------------------------------------


def test_curator_approval_stops_t4_and_starts_the_half_hour_to_publish(desk, curator):
    case = desk.story("curator_review")
    draft = case.current_draft
    case.pull_events()

    case.curator_approve(
        curator,
        draft_id=draft.draft_id,
        comment=" Согласовано. ",
        now=desk.at("Mon 11:50"),
        policy=desk.policy,
    )

    assert case.status is Status.APPROVED
    assert case.version == 5
    assert draft.status is DraftStatus.APPROVED
    assert draft.curator_decided_at == desk.at("Mon 11:50")
    assert draft.comments == [Comment("c-1", Role.CURATOR, "Согласовано.", desk.at("Mon 11:50"))]
    decision = _timer(case, "curator_decision_due")
    assert (decision.stopped_at, decision.outcome) == (desk.at("Mon 11:50"), Outcome.MET)
    publish = _timer(case, "publish_due")
    # T6: 11:50 + 30 min -> 12:20
    assert (publish.started_at, publish.due) == (desk.at("Mon 11:50"), desk.at("Mon 12:20"))
    assert case.deadlines() == {
        "answer_due": desk.at("Tue 11:00"),
        "publish_due": desk.at("Mon 12:20"),
    }
    assert case.timeline[-1] == TimelineEntry(
        desk.at("Mon 11:50"),
        "c-1",
        Role.CURATOR,
        "curator_approved",
        {"draft_id": draft.draft_id, "via": "callback"},
    )
    assert case.pull_events() == [
        ev.DraftApprovedByCurator("case-1", desk.at("Mon 11:50"), draft.draft_id)
    ]


def test_curator_approval_without_a_comment_adds_none(desk):
    case = desk.story("approved")

    assert case.current_draft.comments == []


def test_curator_return_sends_the_draft_to_rework_with_an_hour_to_resend(desk, curator):
    case = desk.receive("Mon 10:00", "Mon 10:05")
    desk.accept(case, "Mon 10:20")
    desk.draft(case, "Mon 12:00")
    desk.approve(case, "Mon 12:15")  # T4: 12:15 + 30 min -> 12:45
    draft = case.current_draft
    case.pull_events()

    case.curator_return(
        curator,
        draft_id=draft.draft_id,
        comment=RETURN_COMMENT,
        now=desk.at("Mon 12:40"),
        policy=desk.policy,
    )

    assert case.status is Status.REWORK
    assert case.version == 5
    assert draft.status is DraftStatus.RETURNED
    assert draft.curator_decided_at == desk.at("Mon 12:40")
    assert draft.comments == [Comment("c-1", Role.CURATOR, RETURN_COMMENT, desk.at("Mon 12:40"))]
    decision = _timer(case, "curator_decision_due")
    assert (decision.stopped_at, decision.outcome) == (desk.at("Mon 12:40"), Outcome.MET)
    rework = _timer(case, "rework_due")
    # T5: 12:40-13:00 (20 min) + 14:00-14:40 (40 min) -> 14:40
    assert (rework.started_at, rework.due) == (desk.at("Mon 12:40"), desk.at("Mon 14:40"))
    assert case.deadlines() == {
        "answer_due": desk.at("Tue 11:00"),
        "rework_due": desk.at("Mon 14:40"),
    }
    assert case.timeline[-1] == TimelineEntry(
        desk.at("Mon 12:40"),
        "c-1",
        Role.CURATOR,
        "curator_returned",
        {"draft_id": draft.draft_id, "comment": RETURN_COMMENT, "via": "callback"},
    )
    assert case.pull_events() == [
        ev.DraftReturnedByCurator(
            "case-1", desk.at("Mon 12:40"), draft.draft_id, RETURN_COMMENT, "roads"
        )
    ]


def test_a_reworked_draft_goes_back_through_approval_to_the_curator_and_meets_t5(desk):
    case = desk.story("rework")  # returned 11:50, T5: 11:50 + 60 min -> 12:50
    returned = case.current_draft

    reworked = desk.draft(case, "Mon 12:20")
    assert case.status is Status.INTERNAL_REVIEW
    assert _timer(case, "rework_due").running  # T5 stops when the draft is sent again
    desk.approve(case, "Mon 12:30")

    assert case.status is Status.CURATOR_REVIEW
    assert returned.status is DraftStatus.RETURNED
    assert reworked.status is DraftStatus.CURATOR_REVIEW
    rework = _timer(case, "rework_due")
    assert (rework.stopped_at, rework.outcome) == (desk.at("Mon 12:30"), Outcome.MET)
    # T3 was met by the first sending and stays as it was
    assert _timer(case, "send_to_curator_due").stopped_at == desk.at("Mon 11:30")
    # a fresh T4 for the second review: 12:30 + 30 min -> 13:00 (the end of the morning)
    decision = _timer(case, "curator_decision_due")
    assert (decision.started_at, decision.due) == (desk.at("Mon 12:30"), desk.at("Mon 13:00"))
    assert decision.running


# -- publication (clauses 15-16) -------------------------------------------------------------------


def test_publishing_the_final_answer_closes_the_case_and_meets_t6_and_t2(desk, tech):
    case = desk.story("approved")
    draft = case.current_draft
    case.pull_events()

    case.publish(tech, url=f" {ANSWER_URL} ", now=desk.at("Mon 12:10"), policy=desk.policy)

    assert case.status is Status.ANSWERED
    assert case.closed
    assert case.version == 6
    assert case.resolution_reason is None
    assert draft.status is DraftStatus.PUBLISHED
    assert draft.published_url == ANSWER_URL
    assert draft.published_at == desk.at("Mon 12:10")
    for key in ("publish_due", "answer_due"):
        timer = _timer(case, key)
        assert (timer.stopped_at, timer.outcome) == (desk.at("Mon 12:10"), Outcome.MET)
    assert "final_answer_due" not in case.timers
    assert case.running_timers() == []
    assert case.deadlines() == {}
    assert case.timeline[-1] == TimelineEntry(
        desk.at("Mon 12:10"),
        "tech",
        Role.TECHNICAL,
        "published",
        {"draft_id": draft.draft_id, "kind": DraftKind.FINAL, "url": ANSWER_URL},
    )
    assert case.pull_events() == [
        ev.AnswerPublished(
            "case-1", desk.at("Mon 12:10"), draft.draft_id, DraftKind.FINAL, ANSWER_URL
        )
    ]


def test_the_publishing_adapter_may_record_the_publication_itself(desk, system):
    case = desk.story("approved")

    case.publish(system, url=ANSWER_URL, now=desk.at("Mon 12:10"), policy=desk.policy)

    assert case.status is Status.ANSWERED
    assert case.timeline[-1].actor == "system"


def test_publishing_an_interim_answer_meets_t2_and_starts_seven_working_days_for_the_final(
    desk,
):
    case = desk.story("approved", kind=DraftKind.INTERIM)
    draft = case.current_draft
    case.pull_events()

    desk.publish(case, "Mon 12:10")

    assert case.status is Status.AWAITING_FINAL
    assert not case.closed
    assert case.interim_published
    assert draft.status is DraftStatus.PUBLISHED
    for key in ("publish_due", "answer_due"):
        assert _timer(case, key).outcome is Outcome.MET
    final = _timer(case, "final_answer_due")
    # T7: seven working days counted from the next day: Tue 10, Wed 11, Thu 12, Fri 13,
    # Mon 16, Tue 17, Wed 18 -> the close of Wed 18 Feb, 18:00
    assert (final.started_at, final.due) == (desk.at("Mon 12:10"), desk.at("2026-02-18 18:00"))
    assert case.deadlines() == {"final_answer_due": desk.at("2026-02-18 18:00")}
    assert case.timeline[-1].details["kind"] == DraftKind.INTERIM
    assert case.pull_events() == [
        ev.AnswerPublished(
            "case-1", desk.at("Mon 12:10"), draft.draft_id, DraftKind.INTERIM, ANSWER_URL
        )
    ]


@pytest.mark.parametrize(
    ("day", "final_due"),
    [
        # Tue 10 .. Wed 18 Feb (see above)
        pytest.param(date(2026, 2, 9), "2026-02-18 18:00", id="ordinary-weeks"),
        # Wed 18, Thu 19, Fri 20, (Mon 23 Feb is a holiday), Tue 24, Wed 25, Thu 26, Fri 27
        pytest.param(date(2026, 2, 17), "2026-02-27 18:00", id="skips-defender-day"),
        # Mon 26, Tue 27, Wed 28, Thu 29, Fri 30 Oct, Mon 2, Tue 3 Nov: shortened before the
        # 4 November holiday, so the day closes at 17:00
        pytest.param(date(2026, 10, 23), "2026-11-03 17:00", id="ends-on-shortened-day"),
    ],
)
def test_final_answer_is_due_at_the_close_of_the_seventh_working_day(desk, day, final_due):
    case = desk.story("published", kind=DraftKind.INTERIM, day=day)  # published at 12:10

    assert _timer(case, "final_answer_due").started_at == desk.on(day, "12:10")
    assert _timer(case, "final_answer_due").due == desk.at(final_due)


def test_the_final_answer_after_an_interim_one_closes_the_case_and_meets_t7(desk):
    case = desk.story("published", kind=DraftKind.INTERIM)
    interim = case.current_draft

    final = desk.draft(case, "Tue 10:00")
    assert case.status is Status.INTERNAL_REVIEW
    desk.approve(case, "Tue 10:30")
    # T3 was met by the interim answer; no new one starts
    assert _timer(case, "send_to_curator_due").stopped_at == desk.at("Mon 11:30")
    desk.curator_approve(case, "Tue 11:00")
    desk.publish(case, "Tue 11:20", url=ANSWER_URL + "1")

    assert case.status is Status.ANSWERED
    assert interim.status is DraftStatus.PUBLISHED
    assert interim.published_url == ANSWER_URL
    assert final.status is DraftStatus.PUBLISHED
    assert final.published_url == ANSWER_URL + "1"
    t7 = _timer(case, "final_answer_due")
    assert (t7.stopped_at, t7.outcome) == (desk.at("Tue 11:20"), Outcome.MET)
    # T2 was met by the interim answer and stays as it was
    assert _timer(case, "answer_due").stopped_at == desk.at("Mon 12:10")
    assert case.running_timers() == []


# -- withdrawal ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "kind", "status"),
    [
        pytest.param("received", DraftKind.FINAL, Status.RECEIVED, id="received"),
        pytest.param("in_work", DraftKind.FINAL, Status.IN_WORK, id="in_work"),
        pytest.param(
            "internal_review", DraftKind.FINAL, Status.INTERNAL_REVIEW, id="internal_review"
        ),
        pytest.param("curator_review", DraftKind.FINAL, Status.CURATOR_REVIEW, id="curator_review"),
        pytest.param("rework", DraftKind.FINAL, Status.REWORK, id="rework"),
        pytest.param("approved", DraftKind.FINAL, Status.APPROVED, id="approved"),
        pytest.param("published", DraftKind.INTERIM, Status.AWAITING_FINAL, id="awaiting_final"),
    ],
)
def test_the_curator_may_withdraw_an_open_case_and_every_running_timer_is_cancelled(
    desk, curator, stage, kind, status
):
    case = desk.story(stage, kind=kind)
    assert case.status is status
    now = case.timeline[-1].at + timedelta(minutes=5)  # before any running deadline
    running = {t.key for t in case.running_timers()}
    finished = {k: (t.stopped_at, t.outcome) for k, t in case.timers.items() if not t.running}
    drafts_before = [d.status for d in case.drafts]
    version = case.version
    case.pull_events()

    case.withdraw(curator, comment=" Автор удалил пост. ", now=now)

    assert case.status is Status.WITHDRAWN
    assert case.closed
    assert case.version == version + 1
    assert case.resolution_reason == "Автор удалил пост."
    assert running  # something was owed
    for key in running:
        assert (case.timers[key].stopped_at, case.timers[key].outcome) == (now, Outcome.CANCELLED)
    assert {k: (case.timers[k].stopped_at, case.timers[k].outcome) for k in finished} == finished
    assert case.running_timers() == []
    assert case.deadlines() == {}
    in_progress = {DraftStatus.INTERNAL_REVIEW, DraftStatus.CURATOR_REVIEW, DraftStatus.APPROVED}
    assert [d.status for d in case.drafts] == [
        DraftStatus.WITHDRAWN if s in in_progress else s for s in drafts_before
    ]
    assert case.timeline[-1] == TimelineEntry(
        now, "c-1", Role.CURATOR, "withdrawn", {"comment": "Автор удалил пост.", "via": "callback"}
    )
    assert case.pull_events() == [ev.CaseWithdrawn("case-1", now, "Автор удалил пост.")]


def test_withdrawal_without_a_comment_leaves_no_reason(desk):
    case = desk.story("in_work")

    desk.withdraw(case, "Mon 10:30")

    assert case.status is Status.WITHDRAWN
    assert case.resolution_reason is None
    assert case.timeline[-1].details == {"comment": "", "via": "callback"}


# -- every timer: start, due, stop -----------------------------------------------------------------


def _t1_accepted(d, when):
    case = d.receive("Mon 10:00", "Mon 10:05")
    d.accept(case, when)
    return case


def _t1_returned(d):
    case = d.receive("Mon 10:00", "Mon 10:05")
    case.return_to_curator(d.actors["tech"], reason="Не наша компетенция.", now=d.at("Mon 10:30"))
    return case


def _t1_withdrawn(d):
    case = d.receive("Mon 10:00", "Mon 10:05")
    d.withdraw(case, "Mon 10:15")
    return case


def _t2_late(d):
    case = d.receive("Mon 10:00", "Mon 10:05")
    d.accept(case, "Mon 10:20")
    d.draft(case, "Tue 09:30")
    d.approve(case, "Tue 10:00")
    d.curator_approve(case, "Tue 10:20")
    d.publish(case, "Tue 11:30")
    return case


def _t2_not_processable(d):
    case = d.receive("Mon 10:00", "Mon 10:05")
    case.mark_not_processable(d.actors["tech"], reason="Нецензурная брань.", now=d.at("Mon 10:20"))
    return case


def _approved_at(d, when):
    case = d.story("internal_review")
    d.approve(case, when)
    return case


def _withdrawn_after(d, stage, when, **story):
    case = d.story(stage, **story)
    d.withdraw(case, when)
    return case


def _t4_lunch(d):
    case = d.story("internal_review")
    d.approve(case, "Mon 12:45")
    d.curator_approve(case, "Mon 14:10")
    return case


def _t4_decided(d, decide, when):
    case = d.story("curator_review")  # approved 11:30, T4 due 12:00
    getattr(d, decide)(case, when)
    return case


def _t5(d, approve_at):
    case = d.story("internal_review")
    d.approve(case, "Mon 12:15")
    d.curator_return(case, "Mon 12:40")  # T5 due 14:40
    d.draft(case, "Mon 14:20")
    d.approve(case, approve_at)
    return case


def _t5_withdrawn(d):
    case = d.story("internal_review")
    d.approve(case, "Mon 12:15")
    d.curator_return(case, "Mon 12:40")
    d.withdraw(case, "Mon 14:00")
    return case


def _t6(d, publish_at):
    case = d.story("approved")  # curator approved 11:50, T6 due 12:20
    d.publish(case, publish_at)
    return case


def _t6_overnight(d):
    case = d.story("internal_review")
    d.approve(case, "Mon 17:20")
    d.curator_approve(case, "Mon 17:45")  # T6: 17:45-18:00 (15 min) + Tue 09:00-09:15
    d.publish(case, "Tue 09:10")
    return case


def _t7(d, final_at):
    case = d.story("published", kind=DraftKind.INTERIM)  # T7 due Wed 18 Feb 18:00
    d.draft(case, "Tue 10:00")
    d.approve(case, "Tue 10:30")
    d.curator_approve(case, "Tue 11:00")
    d.publish(case, final_at)
    return case


def _t8_joint(d):
    case = d.receive("Mon 11:40", "Mon 11:45")
    d.accept(case, "Mon 12:00", "roads", "housing")  # T8: 12:00-13:00 + 14:00-15:00 -> 15:00
    return case


def _t8_contributed(d, when):
    case = _t8_joint(d)
    d.contribute(case, when, "roads")
    return case


def _t8_answered_without_it(d):
    case = _t8_joint(d)
    d.contribute(case, "Mon 12:20", "housing")
    d.draft(case, "Mon 12:30", by="resp")
    d.approve(case, "Mon 12:40")
    d.curator_approve(case, "Mon 12:50")
    d.publish(case, "Mon 14:10")
    return case


def _withdrawn_t8_at(d, when):
    case = _t8_joint(d)
    d.withdraw(case, when)
    return case


def _t8_withdrawn(d):
    case = _t8_joint(d)
    d.withdraw(case, "Mon 14:00")
    return case


# fmt: off
TIMER_CASES = [
    # -- T1 triage_due: from receipt 10:05, 30 min -> 10:35
    ("T1-met-by-accepting", lambda d: _t1_accepted(d, "Mon 10:20"), "triage_due",
     "Mon 10:05", "Mon 10:35", "Mon 10:20", Outcome.MET),
    ("T1-met-exactly-at-the-deadline", lambda d: _t1_accepted(d, "Mon 10:35"), "triage_due",
     "Mon 10:05", "Mon 10:35", "Mon 10:35", Outcome.MET),
    ("T1-late", lambda d: _t1_accepted(d, "Mon 10:50"), "triage_due",
     "Mon 10:05", "Mon 10:35", "Mon 10:50", Outcome.LATE),
    ("T1-met-by-returning-to-curator", _t1_returned, "triage_due",
     "Mon 10:05", "Mon 10:35", "Mon 10:30", Outcome.MET),
    ("T1-cancelled-by-withdrawal", _t1_withdrawn, "triage_due",
     "Mon 10:05", "Mon 10:35", "Mon 10:15", Outcome.CANCELLED),
    # -- T2 answer_due: from detection 10:00, 9 h -> Tue 11:00
    ("T2-met-by-final-answer", lambda d: d.story("published"), "answer_due",
     "Mon 10:00", "Tue 11:00", "Mon 12:10", Outcome.MET),
    ("T2-met-by-interim-answer", lambda d: d.story("published", kind=DraftKind.INTERIM),
     "answer_due", "Mon 10:00", "Tue 11:00", "Mon 12:10", Outcome.MET),
    ("T2-late", _t2_late, "answer_due",
     "Mon 10:00", "Tue 11:00", "Tue 11:30", Outcome.LATE),
    ("T2-cancelled-not-processable", _t2_not_processable, "answer_due",
     "Mon 10:00", "Tue 11:00", "Mon 10:20", Outcome.CANCELLED),
    # -- T3 send_to_curator_due: T2 Tue 11:00 - 4 h -> Mon 16:00
    ("T3-met-by-internal-approval", lambda d: d.story("curator_review"), "send_to_curator_due",
     "Mon 10:00", "Mon 16:00", "Mon 11:30", Outcome.MET),
    ("T3-met-exactly-at-the-deadline", lambda d: _approved_at(d, "Mon 16:00"),
     "send_to_curator_due", "Mon 10:00", "Mon 16:00", "Mon 16:00", Outcome.MET),
    ("T3-late", lambda d: _approved_at(d, "Mon 16:30"), "send_to_curator_due",
     "Mon 10:00", "Mon 16:00", "Mon 16:30", Outcome.LATE),
    ("T3-cancelled-by-withdrawal", lambda d: _withdrawn_after(d, "in_work", "Mon 10:30"),
     "send_to_curator_due", "Mon 10:00", "Mon 16:00", "Mon 10:30", Outcome.CANCELLED),
    # -- T4 curator_decision_due: from sending 11:30, 30 min -> 12:00
    ("T4-met-by-approval", lambda d: _t4_decided(d, "curator_approve", "Mon 11:50"),
     "curator_decision_due", "Mon 11:30", "Mon 12:00", "Mon 11:50", Outcome.MET),
    ("T4-met-by-return", lambda d: _t4_decided(d, "curator_return", "Mon 11:50"),
     "curator_decision_due", "Mon 11:30", "Mon 12:00", "Mon 11:50", Outcome.MET),
    ("T4-late", lambda d: _t4_decided(d, "curator_approve", "Mon 12:10"),
     "curator_decision_due", "Mon 11:30", "Mon 12:00", "Mon 12:10", Outcome.LATE),
    # sent 12:45: 12:45-13:00 (15 min) + 14:00-14:15 (15 min) -> 14:15
    ("T4-across-lunch", _t4_lunch, "curator_decision_due",
     "Mon 12:45", "Mon 14:15", "Mon 14:10", Outcome.MET),
    ("T4-cancelled-by-withdrawal", lambda d: _withdrawn_after(d, "curator_review", "Mon 11:45"),
     "curator_decision_due", "Mon 11:30", "Mon 12:00", "Mon 11:45", Outcome.CANCELLED),
    # -- T5 rework_due: returned 12:40: 12:40-13:00 (20 min) + 14:00-14:40 (40 min) -> 14:40
    ("T5-met-by-resending", lambda d: _t5(d, "Mon 14:30"), "rework_due",
     "Mon 12:40", "Mon 14:40", "Mon 14:30", Outcome.MET),
    ("T5-late", lambda d: _t5(d, "Mon 14:50"), "rework_due",
     "Mon 12:40", "Mon 14:40", "Mon 14:50", Outcome.LATE),
    ("T5-cancelled-by-withdrawal", _t5_withdrawn, "rework_due",
     "Mon 12:40", "Mon 14:40", "Mon 14:00", Outcome.CANCELLED),
    # -- T6 publish_due: curator approved 11:50, 30 min -> 12:20
    ("T6-met", lambda d: _t6(d, "Mon 12:10"), "publish_due",
     "Mon 11:50", "Mon 12:20", "Mon 12:10", Outcome.MET),
    ("T6-late", lambda d: _t6(d, "Mon 12:25"), "publish_due",
     "Mon 11:50", "Mon 12:20", "Mon 12:25", Outcome.LATE),
    ("T6-overnight", _t6_overnight, "publish_due",
     "Mon 17:45", "Tue 09:15", "Tue 09:10", Outcome.MET),
    ("T6-cancelled-by-withdrawal", lambda d: _withdrawn_after(d, "approved", "Mon 12:00"),
     "publish_due", "Mon 11:50", "Mon 12:20", "Mon 12:00", Outcome.CANCELLED),
    # -- T7 final_answer_due: interim published Mon 12:10 -> close of Wed 18 Feb (7th day)
    ("T7-met", lambda d: _t7(d, "2026-02-18 17:30"), "final_answer_due",
     "Mon 12:10", "2026-02-18 18:00", "2026-02-18 17:30", Outcome.MET),
    ("T7-late", lambda d: _t7(d, "2026-02-19 09:30"), "final_answer_due",
     "Mon 12:10", "2026-02-18 18:00", "2026-02-19 09:30", Outcome.LATE),
    ("T7-cancelled-by-withdrawal",
     lambda d: _withdrawn_after(d, "published", "Thu 10:00", kind=DraftKind.INTERIM),
     "final_answer_due", "Mon 12:10", "2026-02-18 18:00", "Thu 10:00", Outcome.CANCELLED),
    # -- T8 contribution_due: requested 12:00: 12:00-13:00 + 14:00-15:00 -> 15:00
    ("T8-met", lambda d: _t8_contributed(d, "Mon 14:30"), "contribution_due:roads",
     "Mon 12:00", "Mon 15:00", "Mon 14:30", Outcome.MET),
    ("T8-late", lambda d: _t8_contributed(d, "Mon 15:30"), "contribution_due:roads",
     "Mon 12:00", "Mon 15:00", "Mon 15:30", Outcome.LATE),
    # The joint answer goes to the curator at 12:40 without roads' part: no longer owed.
    ("T8-cancelled-when-answered-without-it", _t8_answered_without_it, "contribution_due:roads",
     "Mon 12:00", "Mon 15:00", "Mon 12:40", Outcome.CANCELLED),
    # Withdrawn at 15:30, after the 15:00 deadline had passed: the breach stays a breach.
    ("T8-late-when-closed-after-its-deadline",
     lambda d: _withdrawn_t8_at(d, "Mon 15:30"), "contribution_due:housing",
     "Mon 12:00", "Mon 15:00", "Mon 15:30", Outcome.LATE),
    ("T8-cancelled-by-withdrawal", _t8_withdrawn, "contribution_due:housing",
     "Mon 12:00", "Mon 15:00", "Mon 14:00", Outcome.CANCELLED),
]
# fmt: on


@pytest.mark.parametrize(
    ("scenario", "key", "started", "due", "stopped", "outcome"),
    [pytest.param(*row[1:], id=row[0]) for row in TIMER_CASES],
)
def test_each_timer_starts_falls_due_and_stops_with_its_outcome(
    desk, scenario, key, started, due, stopped, outcome
):
    case = scenario(desk)

    timer = case.timers[key]
    assert timer.started_at == desk.at(started)
    assert timer.due == desk.at(due)
    assert timer.stopped_at == desk.at(stopped)
    assert timer.outcome is outcome
    assert not timer.running


def test_every_timer_of_the_regulation_is_exercised():
    covered = {row[2].split(":")[0] for row in TIMER_CASES}
    assert covered == {d.value for d in Deadline}
    outcomes = {(row[0][:2], row[-1]) for row in TIMER_CASES}
    assert outcomes == {(f"T{n}", outcome) for n in range(1, 9) for outcome in Outcome}


# -- the deadlines the contract shows in each state ------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "kind", "expected"),
    [
        pytest.param(
            "received",
            DraftKind.FINAL,
            {"triage_due", "answer_due", "send_to_curator_due"},
            id="received",
        ),
        pytest.param(
            "in_work", DraftKind.FINAL, {"answer_due", "send_to_curator_due"}, id="in_work"
        ),
        pytest.param(
            "internal_review",
            DraftKind.FINAL,
            {"answer_due", "send_to_curator_due"},
            id="internal_review",
        ),
        pytest.param(
            "curator_review",
            DraftKind.FINAL,
            {"answer_due", "curator_decision_due"},
            id="curator_review",
        ),
        pytest.param("rework", DraftKind.FINAL, {"answer_due", "rework_due"}, id="rework"),
        pytest.param("approved", DraftKind.FINAL, {"answer_due", "publish_due"}, id="approved"),
        pytest.param("published", DraftKind.INTERIM, {"final_answer_due"}, id="awaiting_final"),
        pytest.param("published", DraftKind.FINAL, set(), id="answered"),
    ],
)
def test_the_deadlines_shown_are_those_of_the_running_timers(desk, stage, kind, expected):
    case = desk.story(stage, kind=kind)

    assert set(case.deadlines()) == expected
    assert case.next_due() == (min(case.deadlines().values()) if expected else None)


# -- escalation (clauses 21-22) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "departments", "timer", "party", "accountable"),
    [
        pytest.param(
            "received", ("roads",), "triage_due", Party.ADMINISTRATION, Role.TECHNICAL, id="T1"
        ),
        pytest.param(
            "in_work", ("roads",), "answer_due", Party.ADMINISTRATION, Role.RESPONSIBLE, id="T2"
        ),
        pytest.param(
            "curator_review",
            ("roads",),
            "curator_decision_due",
            Party.CURATOR,
            Role.CURATOR,
            id="T4-curator-clock",
        ),
        pytest.param(
            "in_work",
            ("roads", "housing"),
            "contribution_due:housing",
            Party.ADMINISTRATION,
            Role.EXECUTOR,
            id="T8-per-department",
        ),
    ],
)
def test_a_deadline_is_escalated_once_per_timer_kind_and_level(
    desk, system, stage, departments, timer, party, accountable
):
    case = desk.story(stage, departments=departments)
    version = case.version
    case.pull_events()
    now = desk.at("Mon 11:45")

    def escalate(kind, level, notified=("resp",)):
        return case.escalate(
            system,
            timer=timer,
            kind=kind,
            level=level,
            notified=notified,
            now=now,
            policy=desk.policy,
        )

    assert escalate("warning", 0, ["roads", "resp"]) is True
    assert case.escalations == [
        Escalation(timer, "warning", 0, ("roads", "resp"), now, party, accountable)
    ]
    assert case.has_escalation(timer, "warning", 0)
    assert case.version == version + 1
    assert case.timeline[-1] == TimelineEntry(
        now,
        "system",
        Role.SYSTEM,
        "deadline_warning",
        {"timer": timer, "level": 0, "notified": ["roads", "resp"]},
    )
    assert case.pull_events() == [
        ev.DeadlineEscalated("case-1", now, timer, "warning", 0, ("roads", "resp"))
    ]

    # the same warning again: nothing changes
    assert escalate("warning", 0) is False
    assert len(case.escalations) == 1
    assert case.version == version + 1
    assert case.pull_events() == []

    # the next level, and a breach, are new escalations
    assert escalate("warning", 1, ["head"]) is True
    assert escalate("breach", 0) is True
    assert escalate("breach", 0) is False
    assert [(e.kind, e.level) for e in case.escalations] == [
        ("warning", 0),
        ("warning", 1),
        ("breach", 0),
    ]
    assert case.timeline[-1].action == "deadline_breach"
    assert case.version == version + 3
    assert case.status is Status(stage)


# -- version, timeline and events along a whole case -----------------------------------------------


def test_every_transition_bumps_the_version_by_one_and_is_recorded_once(
    desk, system, roads, housing
):
    d = desk
    case = d.receive("Mon 10:00", "Mon 10:05")
    steps = [
        (
            "routing_proposed",
            lambda c: c.propose_routing(
                system, departments=["roads", "housing"], flags=[], now=d.at("Mon 10:06")
            ),
        ),
        (
            "repeat_linked",
            lambda c: c.link_repeat(
                system, earlier_case_id="case-0", handled_by="roads", now=d.at("Mon 10:07")
            ),
        ),
        (
            "deadline_warning",
            lambda c: c.escalate(
                system,
                timer="triage_due",
                kind="warning",
                level=0,
                notified=["tech"],
                now=d.at("Mon 10:08"),
                policy=d.policy,
            ),
        ),
        ("accepted", lambda c: d.accept(c, "Mon 10:20", "roads", "housing")),
        ("contribution_submitted", lambda c: d.contribute(c, "Mon 10:40", "roads")),
        ("draft_submitted", lambda c: d.draft(c, "Mon 10:50", kind=DraftKind.INTERIM, by="resp")),
        ("contribution_submitted", lambda c: d.contribute(c, "Mon 10:55", "housing")),
        ("draft_rejected", lambda c: d.reject(c, "Mon 11:00")),
        ("draft_submitted", lambda c: d.draft(c, "Mon 11:05", kind=DraftKind.INTERIM, by="resp")),
        ("draft_approved", lambda c: d.approve(c, "Mon 11:10")),
        ("curator_returned", lambda c: d.curator_return(c, "Mon 11:20")),
        ("draft_submitted", lambda c: d.draft(c, "Mon 11:30", kind=DraftKind.INTERIM, by="resp")),
        ("draft_approved", lambda c: d.approve(c, "Mon 11:40")),
        ("curator_approved", lambda c: d.curator_approve(c, "Mon 11:50")),
        ("published", lambda c: d.publish(c, "Mon 12:00")),
        ("draft_submitted", lambda c: d.draft(c, "Wed 10:00", by="resp")),
        ("draft_approved", lambda c: d.approve(c, "Wed 10:10")),
        ("curator_approved", lambda c: d.curator_approve(c, "Wed 10:20")),
        ("published", lambda c: d.publish(c, "Wed 10:30", url=ANSWER_URL + "1")),
    ]
    for action, step in steps:
        version, entries, events = case.version, len(case.timeline), len(case.events)
        step(case)
        assert case.version == version + 1, action
        assert len(case.timeline) == entries + 1, action
        assert case.timeline[-1].action == action
        assert len(case.events) == events + (2 if action == "accepted" else 1), action

    assert case.status is Status.ANSWERED
    assert case.version == 1 + len(steps)
    assert [e.at for e in case.timeline] == sorted(e.at for e in case.timeline)
    assert [e.name for e in case.pull_events()] == [
        "MessageReceived",
        "RoutingProposed",
        "RepeatLinked",
        "DeadlineEscalated",
        "CaseAccepted",
        "ContributionsRequested",
        "ContributionSubmitted",
        "DraftSubmitted",
        "ContributionSubmitted",
        "DraftRejected",
        "DraftSubmitted",
        "DraftSentToCurator",
        "DraftReturnedByCurator",
        "DraftSubmitted",
        "DraftSentToCurator",
        "DraftApprovedByCurator",
        "AnswerPublished",
        "DraftSubmitted",
        "DraftSentToCurator",
        "DraftApprovedByCurator",
        "AnswerPublished",
    ]
    assert [draft.status for draft in case.drafts] == [
        DraftStatus.REJECTED,
        DraftStatus.RETURNED,
        DraftStatus.PUBLISHED,
        DraftStatus.PUBLISHED,
    ]
    assert {k: t.outcome for k, t in case.timers.items()} == {
        "triage_due": Outcome.MET,
        "answer_due": Outcome.MET,
        "send_to_curator_due": Outcome.MET,
        "contribution_due:roads": Outcome.MET,
        "contribution_due:housing": Outcome.MET,
        "curator_decision_due": Outcome.MET,
        "rework_due": Outcome.MET,
        "publish_due": Outcome.MET,
        "final_answer_due": Outcome.MET,
    }


def test_pulled_events_are_handed_over_once_and_serialise_to_plain_json(desk):
    case = desk.story("in_work", departments=("roads", "housing"))

    pulled = case.pull_events()

    assert [e.name for e in pulled] == ["MessageReceived", "CaseAccepted", "ContributionsRequested"]
    assert case.pull_events() == []
    assert {"event": pulled[1].name, **to_plain(pulled[1])} == {
        "event": "CaseAccepted",
        "case_id": "case-1",
        "at": "2026-02-09T10:20:00+07:00",
        "departments": ["roads", "housing"],
        "by": "tech",
    }


# -- the timeline is written from the events ---------------------------------------------------

# What a step adds to its event's details: how it came, and what it saw besides.
STEP_CONTEXT = {"via", "on_behalf_of", "recorded_at", "external_id", "status"}


@pytest.mark.parametrize("departments", [("roads",), ("roads", "housing")], ids=["one", "joint"])
@pytest.mark.parametrize("until", ["published", "rework"])
def test_each_timeline_entry_is_the_entry_of_its_steps_event(desk, until, departments):
    case = desk.story(until, departments=departments)
    if until == "rework":  # and a withdrawal after it, by hand
        case.withdraw(desk.actors["tech"], comment="Пост удалён.", now=desk.at("Mon 12:00"))

    recorded = [e for e in case.events if e.action is not None]

    assert len(recorded) == len(case.timeline)
    for event, entry in zip(recorded, case.timeline, strict=True):
        # an approval that hands the draft to the curator at once is recorded as the approval
        sent_by_approval = (event.name, entry.action) == ("DraftSentToCurator", "draft_approved")
        assert entry.action == event.action or sent_by_approval
        assert entry.at == event.at
        details = event.to_details()
        assert {k: entry.details[k] for k in details} == details
        assert set(entry.details) - set(details) <= STEP_CONTEXT
