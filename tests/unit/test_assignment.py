"""Assigning a department's part of a case to one of its officials: the head of the department
(or the responsible executor) chooses, the official is told, and from then on gets the
department's letters and deadline warnings for that case and sees it as their turn; nobody else
of the department is written to, and a wrong assignment leaves the case as it was."""

from __future__ import annotations

import pytest

from otklik.domain.errors import DomainError, Forbidden, InvalidInput, InvalidTransition, NotFound
from otklik.domain.inbox_terms import own_timers, turn
from otklik.domain.policy import Deadline
from otklik.service import cases, sweep
from tests.unit.fakes import database, fake_deps
from tests.unit.test_services import accepted, at, deliver, received, who


@pytest.fixture
def deps():
    return fake_deps()


def assign(deps, by: str, case_id: str, login: str, department: str | None = None, hour=11):
    return cases.assign(
        deps, who(deps, by), case_id, login=login, department=department, now=at(hour)
    )


def letters(deps, body: dict, case_id: str) -> list[tuple[str, str, str]]:
    return [(x.to, x.subject, x.body) for x in deliver(deps, body, case_id).sent]


def withdraw(deps, case_id: str, now) -> None:
    """The curator took the message back, as the technical executor records it."""
    cases.record_curator_decision(
        deps,
        who(deps, "tech"),
        case_id,
        event="message_withdrawn",
        draft_id=None,
        comment="Пост удалён.",
        at=None,
        now=now,
    )


def refused(deps, error: type[DomainError], attempt) -> DomainError:
    """`attempt` fails with `error`, and the stored case stays exactly as it was."""
    db = database(deps)
    before = {k: r.doc for k, r in db.rows.items()}
    commits = len(db.commits)
    with pytest.raises(error) as raised:
        attempt()
    assert {k: r.doc for k, r in db.rows.items()} == before and len(db.commits) == commits
    return raised.value


def test_the_head_of_a_department_assigns_its_part_and_the_official_is_told(deps):
    deps.staff_page_url = "https://otklik.example.org/staff/"
    db = database(deps)
    case = accepted(deps)

    assigned = assign(deps, "roads", case.case_id, "popov")

    assert assigned.assignees == {"roads": "popov"}
    stored = db.case(case.case_id)
    assert stored.assignees == {"roads": "popov"}
    assert stored.timeline[-1].action == "executor_assigned"
    assert stored.timeline[-1].actor == "roads"
    assert stored.timeline[-1].details == {
        "department": "roads",
        "assignee": "popov",
        "previous": "",
    }
    [(queue, body)] = [(m.queue, m.body) for m in db.commits[-1].outbox]
    assert (queue, body["template"]) == ("notification", "executor_assigned")
    [(to, subject, text)] = letters(deps, body, case.case_id)
    assert to == "popov@otklik.local"
    assert subject.startswith("Вам поручено сообщение: Дороги")
    assert "по отделу «Дороги»" in text  # the department by its name, not its code
    assert f"https://otklik.example.org/staff/#/case/{case.case_id}" in text


def test_the_responsible_executor_assigns_in_any_department_of_a_joint_case(deps):
    case = accepted(deps, departments=("roads", "housing"))

    assign(deps, "resp", case.case_id, "orlova", department="housing")
    assigned = assign(deps, "resp", case.case_id, "popov", department="roads")

    assert assigned.assignees == {"housing": "orlova", "roads": "popov"}


def test_reassigning_names_who_had_it_and_the_same_official_again_changes_nothing(deps):
    db = database(deps)
    case = accepted(deps)
    assign(deps, "roads", case.case_id, "popov")

    back = assign(deps, "roads", case.case_id, "roads")  # the head takes it back
    assert back.timeline[-1].details == {
        "department": "roads",
        "assignee": "roads",
        "previous": "popov",
    }
    version = db.case(case.case_id).version
    again = assign(deps, "roads", case.case_id, "roads")
    assert again.version == version and db.case(case.case_id).version == version


@pytest.mark.parametrize(
    ("by", "login", "department", "error", "message"),
    [
        # an official of the department who does not head it
        ("popov", "popov", None, Forbidden, "начальник отдела"),
        # another department's head: the case is not theirs to see
        ("housing", "orlova", None, NotFound, "не найдено"),
        ("roads", "orlova", None, InvalidInput, "сотруднику назначенного отдела"),  # housing's
        ("roads", "tech", None, InvalidInput, "сотруднику назначенного отдела"),
        ("roads", "nobody", None, InvalidInput, "нет в справочнике"),
        ("roads", "popov", "housing", Forbidden, "своего отдела"),
        ("resp", "popov", None, InvalidInput, "не назначен"),  # which department, then?
        ("resp", "orlova", "housing", InvalidInput, "не назначен"),  # not on this case
        ("tech", "popov", "roads", Forbidden, "недоступно для вашей роли"),
        ("head", "popov", "roads", Forbidden, "недоступно для вашей роли"),
    ],
)
def test_a_wrong_assignment_is_refused_with_the_reason_and_the_case_unchanged(
    deps, by, login, department, error, message
):
    case = accepted(deps)

    raised = refused(deps, error, lambda: assign(deps, by, case.case_id, login, department))

    assert message in raised.message


def test_a_case_is_assigned_only_once_departments_are_chosen_and_until_it_closes(deps):
    case = received(deps)
    cases.route(deps, case.case_id, at(10, 6))
    refused(deps, InvalidTransition, lambda: assign(deps, "resp", case.case_id, "popov", "roads"))

    cases.triage(
        deps,
        who(deps, "tech"),
        case.case_id,
        decision="accept",
        departments=["roads"],
        reason="",
        now=at(10, 20),
    )
    withdraw(deps, case.case_id, at(10, 40))
    raised = refused(deps, InvalidTransition, lambda: assign(deps, "roads", case.case_id, "popov"))
    assert "не закрытое" in raised.message


def test_the_assigned_official_sees_the_turn_and_the_deadlines_as_their_own(deps):
    case = accepted(deps)
    popov = who(deps, "popov")
    assert not turn(case).includes(popov) and own_timers(case, popov, deps.policy) == []

    assigned = assign(deps, "roads", case.case_id, "popov")

    assert turn(assigned).includes(popov) and turn(assigned).includes(who(deps, "roads"))
    assert turn(assigned).assignees == ("popov",)
    # T3 is the desk's; the draft of the department is Popov's to write
    _, draft_id = cases.submit_draft(
        deps,
        popov,
        case.case_id,
        text="Дмитрий Попов: яму засыплем до 20 февраля.",
        kind="final",
        attachments=[],
        now=at(12),
    )
    cases.approve_draft(deps, who(deps, "resp"), case.case_id, draft_id, at(12))
    returned = cases.record_curator_decision(
        deps,
        who(deps, "tech"),
        case.case_id,
        event="draft_returned",
        draft_id=draft_id,
        comment="Добавьте фото.",
        at=None,
        now=at(12, 30),
    )
    assert [t.deadline for t in own_timers(returned, popov, deps.policy)] == [Deadline.REWORK]


def test_department_letters_go_to_its_head_and_the_assigned_official_not_the_others(deps):
    db = database(deps)
    first = accepted(deps)  # accepted: the department's letter, to its head alone
    [body] = [m.body for m in db.commits[-1].outbox if m.body.get("template") == "assigned"]
    assert [to for to, _, _ in letters(deps, body, first.case_id)] == ["roads@otklik.local"]

    assign(deps, "roads", first.case_id, "popov")
    withdraw(deps, first.case_id, at(12))
    [body] = [m.body for m in db.commits[-1].outbox if m.body.get("template") == "withdrawn"]
    recipients = [to for to, _, _ in letters(deps, body, first.case_id)]
    assert "popov@otklik.local" in recipients and "roads@otklik.local" in recipients
    assert "orlova@otklik.local" not in recipients and "housing@otklik.local" not in recipients


def test_the_sweeper_warns_the_assigned_official_with_the_head_of_the_department(deps):
    case = accepted(deps, departments=("roads", "housing"))
    assign(deps, "roads", case.case_id, "popov")

    sweep.sweep(deps, at(17, 55))  # T8: contributions are due within the working day

    warned = {
        e.timer: set(e.notified)
        for e in database(deps).case(case.case_id).escalations
        if e.timer.startswith("contribution_due") and e.level == 0  # the accountable
    }
    assert warned["contribution_due:roads"] == {"roads", "popov"}
    assert warned["contribution_due:housing"] == {"housing"}  # Orlova was not assigned
