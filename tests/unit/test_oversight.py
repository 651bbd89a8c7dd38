"""Oversight (clauses 13, 17, 21-22) as pure decisions: which warning or breach a running timer
owes at a moment, and whom it is for; and the one filter from wanted roles, departments and
logins to the staff who get a notice (`roles.Audience`).

Monday 2026-02-09, Barnaul: detected 10:00, received 10:05, so T2 (the answer) is due Tuesday
11:00 and its warnings fall 60 and 30 working minutes before, at 10:00 and 10:30.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from otklik.domain.case import Case
from otklik.domain.oversight import BREACH, WARNING, Notice, accountable, audience, due_notices
from otklik.domain.policy import Deadline
from otklik.domain.roles import Actor, Audience, Role


@dataclass(frozen=True)
class Member:
    login: str
    role: Role
    department: str | None = None
    active: bool = True
    lead: bool = True


STAFF = [
    Member("tech", Role.TECHNICAL),
    Member("resp", Role.RESPONSIBLE),
    Member("roads", Role.EXECUTOR, "roads"),
    Member("housing", Role.EXECUTOR, "housing"),
    Member("head", Role.HEAD),
    Member("old-tech", Role.TECHNICAL, active=False),
    Member("popov", Role.EXECUTOR, "roads", lead=False),  # works in roads, does not head it
]
POPOV = Actor("popov", Role.EXECUTOR, "roads", "Попов Д. С.", lead=False)


@pytest.fixture
def received(make_message, policy, local) -> Case:
    message = make_message(detected_at=local(2026, 2, 9, 10, 0))
    return Case.receive(message, now=local(2026, 2, 9, 10, 5), policy=policy, case_id="case-1")


@pytest.fixture
def accepted(received, tech, policy, local):
    def accept(*departments: str) -> Case:
        received.accept(tech, departments=departments, now=local(2026, 2, 9, 10, 20), policy=policy)
        return received

    return accept


def logins(wanted: Audience) -> list[str]:
    return [m.login for m in wanted.members(STAFF)]


# -- when --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "hour", "minute", "notices"),
    [
        pytest.param(9, 17, 0, [], id="before-any-warning"),
        pytest.param(10, 10, 0, [Notice(WARNING, 0)], id="the-first-warning"),
        pytest.param(10, 10, 40, [Notice(WARNING, 1)], id="only-the-nearest-warning"),
        pytest.param(10, 11, 0, [Notice(BREACH, 0), Notice(BREACH, 1)], id="at-the-deadline"),
        pytest.param(
            10,
            12,
            0,
            [Notice(BREACH, 0), Notice(BREACH, 1), Notice(BREACH, 2)],
            id="a-working-hour-later",
        ),
    ],
)
def test_the_notices_a_timer_owes_follow_the_clock(
    received, policy, local, day, hour, minute, notices
):
    answer = received.timers[Deadline.ANSWER]

    assert due_notices(answer, policy, local(2026, 2, day, hour, minute)) == notices


@pytest.mark.parametrize(
    ("minute", "notices"),
    [
        pytest.param(6, [], id="not-from-its-first-minute"),
        pytest.param(24, [], id="nor-at-two-thirds-less-a-minute"),
        pytest.param(25, [Notice(WARNING, 0)], id="with-a-third-left"),
    ],
)
def test_a_30_minute_triage_is_warned_of_with_a_third_of_it_left(
    received, policy, local, minute, notices
):
    triage = received.timers[Deadline.TRIAGE]  # received 10:05, due 10:35

    assert policy.warning_marks(Deadline.TRIAGE) == (10,)
    assert due_notices(triage, policy, local(2026, 2, 9, 10, minute)) == notices
    assert policy.warn_from(Deadline.TRIAGE, triage.due) == local(2026, 2, 9, 10, 25)


def test_each_timer_is_warned_of_in_its_second_half(policy):
    """Clause 21's warnings come when a timer is running out, never from its first minute: the
    policy's marks (60 and 30 working minutes before) where they fit in the second half."""
    marks = {spec.timer: policy.warning_marks(spec.deadline) for spec in policy.timers}

    assert marks["T1"] == marks["T4"] == marks["T6"] == (10,)  # 30 minutes each
    assert marks["T5"] == (30,)  # 60 minutes
    assert marks["T2"] == (60, 30)  # 9 working hours
    for spec in policy.timers:
        if spec.clock.value == "working_minutes" and spec.before is None:
            assert all(2 * m <= spec.length for m in marks[spec.timer]), spec.timer


def test_the_curators_clock_is_recorded_but_never_escalated_inside(
    accepted, roads, resp, policy, local
):
    case = accepted("roads")
    draft = case.submit_draft(roads, text="Ответ", kind="final", now=local(2026, 2, 9, 11, 0))
    case.approve_draft(resp, draft_id=draft.draft_id, now=local(2026, 2, 9, 11, 30), policy=policy)
    t4 = case.timers[Deadline.CURATOR_DECISION]  # due 12:00

    notices = due_notices(t4, policy, local(2026, 2, 9, 17, 0))

    assert notices == [Notice(BREACH, 0)]
    assert logins(audience(case, t4, notices[0], policy)) == ["tech"]  # clause 13


# -- whom --------------------------------------------------------------------------------------


def test_a_warning_and_the_first_breach_go_to_the_accountable_officials(received, policy):
    triage = received.timers[Deadline.TRIAGE]

    for notice in (Notice(WARNING, 0), Notice(WARNING, 1), Notice(BREACH, 0)):
        assert logins(audience(received, triage, notice, policy)) == ["tech"]


def test_later_breaches_go_up_the_chain(received, policy):
    triage = received.timers[Deadline.TRIAGE]

    assert logins(audience(received, triage, Notice(BREACH, 1), policy)) == ["resp"]
    assert logins(audience(received, triage, Notice(BREACH, 2), policy)) == ["head"]


def test_the_executor_of_the_case_answers_for_rework(accepted, roads, resp, curator, policy, local):
    case = accepted("roads")
    draft = case.submit_draft(roads, text="Ответ", kind="final", now=local(2026, 2, 9, 11, 0))
    case.approve_draft(resp, draft_id=draft.draft_id, now=local(2026, 2, 9, 11, 30), policy=policy)
    case.curator_return(
        curator,
        draft_id=draft.draft_id,
        comment="Фото?",
        now=local(2026, 2, 9, 11, 50),
        policy=policy,
    )

    assert accountable(case, case.timers[Deadline.REWORK], policy) == Audience(
        roles=frozenset({Role.EXECUTOR}), departments=frozenset({"roads"})
    )
    assert logins(accountable(case, case.timers[Deadline.REWORK], policy)) == ["roads"]


def test_a_joint_answer_is_the_responsible_executors_but_each_contribution_its_departments(
    accepted, resp, curator, policy, local
):
    case = accepted("roads", "housing")

    contribution = case.timers["contribution_due:housing"]
    assert logins(accountable(case, contribution, policy)) == ["housing"]  # clause 17
    draft = case.submit_draft(resp, text="Ответ", kind="final", now=local(2026, 2, 9, 14, 0))
    case.approve_draft(resp, draft_id=draft.draft_id, now=local(2026, 2, 9, 14, 10), policy=policy)
    case.curator_return(
        curator,
        draft_id=draft.draft_id,
        comment="Фото?",
        now=local(2026, 2, 9, 14, 20),
        policy=policy,
    )
    assert logins(accountable(case, case.timers[Deadline.REWORK], policy)) == ["resp"]


def test_an_assigned_official_answers_with_the_head_of_the_department(
    accepted, roads, resp, curator, policy, local
):
    case = accepted("roads")
    case.assign(roads, assignee=POPOV, now=local(2026, 2, 9, 10, 50))
    draft = case.submit_draft(POPOV, text="Ответ", kind="final", now=local(2026, 2, 9, 11, 0))
    case.approve_draft(resp, draft_id=draft.draft_id, now=local(2026, 2, 9, 11, 30), policy=policy)
    case.curator_return(
        curator,
        draft_id=draft.draft_id,
        comment="Фото?",
        now=local(2026, 2, 9, 11, 50),
        policy=policy,
    )

    assert logins(accountable(case, case.timers[Deadline.REWORK], policy)) == ["roads", "popov"]
    # the assignment is the department's: the desk's own clocks stay the desk's
    assert logins(accountable(case, case.timers[Deadline.ANSWER], policy)) == ["resp"]


def test_an_assigned_official_answers_for_the_contribution_of_their_department(
    accepted, resp, policy, local
):
    case = accepted("roads", "housing")
    case.assign(resp, assignee=POPOV, department="roads", now=local(2026, 2, 9, 11, 0))

    assert logins(accountable(case, case.timers["contribution_due:roads"], policy)) == [
        "roads",
        "popov",
    ]
    assert logins(accountable(case, case.timers["contribution_due:housing"], policy)) == ["housing"]


# -- the one recipient filter ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        pytest.param(Audience(roles=frozenset({Role.TECHNICAL})), ["tech"], id="active-only"),
        pytest.param(Audience(roles=frozenset({Role.EXECUTOR})), [], id="executors-need-a-dept"),
        pytest.param(
            Audience(roles=frozenset({Role.EXECUTOR}), departments=frozenset({"housing"})),
            ["housing"],
            id="executors-of-the-departments",
        ),
        pytest.param(
            Audience(roles=frozenset({Role.EXECUTOR}), departments=frozenset({"roads"})),
            ["roads"],
            id="a-department-s-head-not-its-other-officials",
        ),
        pytest.param(
            Audience(roles=frozenset({Role.HEAD}), departments=frozenset({"roads"})),
            ["head"],
            id="departments-bind-only-executors",
        ),
        pytest.param(
            Audience(roles=frozenset({Role.RESPONSIBLE}), logins=frozenset({"roads", "gone"})),
            ["resp", "roads"],
            id="and-logins",
        ),
        pytest.param(Audience(logins=frozenset({"old-tech"})), [], id="an-inactive-login"),
        pytest.param(Audience(), [], id="nobody"),
    ],
)
def test_an_audience_takes_in_the_active_staff_it_names_in_the_directory_order(wanted, expected):
    assert logins(wanted) == expected
