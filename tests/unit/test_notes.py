"""Internal notes on a case: any official who sees the case writes one at any step, closed cases
included; it is kept with the case and in the audit trail, sends nothing anywhere, and bad text
is refused with the case left as it was."""

from __future__ import annotations

import pytest

from otklik.domain.case import NOTE_MAX_LENGTH
from otklik.domain.errors import Forbidden, InvalidInput, NotFound
from otklik.domain.roles import Action, Actor, Role
from otklik.service import cases
from tests.unit.fakes import database, fake_deps
from tests.unit.test_services import accepted, at, received, who

HOSTILE = [
    '=HYPERLINK("http://evil.example","жми")',
    "+7 (903) 000-00-00: звонила, обещали к пятнице",
    "<script>alert(1)</script> <b>жирный</b>",
    "строка\x00с\x07управляющими\x1bсимволами",
]


@pytest.fixture
def deps():
    return fake_deps()


@pytest.mark.parametrize("login", ["tech", "resp", "roads", "head"])
def test_an_official_who_sees_the_case_adds_a_note_kept_with_it_and_in_the_audit(deps, login):
    db = database(deps)
    case = accepted(deps)

    noted = cases.add_note(
        deps,
        who(deps, login),
        case.case_id,
        text="  Звонили в МУП: яму засыплют в пятницу. ",
        now=at(11),
    )

    [note] = noted.notes
    assert (note.author, note.text, note.at) == (
        login,
        "Звонили в МУП: яму засыплют в пятницу.",
        at(11),
    )
    stored = db.case(case.case_id)
    assert stored.notes == [note] and stored.status == case.status
    last = db.commits[-1]
    assert last.audit == ("note_added",) and last.outbox == ()  # nobody is written to
    assert stored.timeline[-1].details == {"note_id": note.note_id}
    assert stored.timers == case.timers  # no deadline moves


def test_notes_are_added_to_closed_cases_too_and_listed_oldest_first(deps):
    case = received(deps)
    cases.route(deps, case.case_id, at(10, 6))
    closed = cases.triage(
        deps,
        who(deps, "tech"),
        case.case_id,
        decision="return",
        departments=[],
        reason="Не наша дорога",
        now=at(10, 10),
    )
    assert closed.closed

    cases.add_note(deps, who(deps, "tech"), case.case_id, text="Первая", now=at(10, 20))
    last = cases.add_note(deps, who(deps, "resp"), case.case_id, text="Вторая", now=at(10, 30))

    assert [(n.author, n.text) for n in last.notes] == [("tech", "Первая"), ("resp", "Вторая")]
    assert Action.ADD_NOTE in last.allowed_actions(who(deps, "tech"))


def test_an_executor_cannot_note_another_departments_case_nor_learn_it_exists(deps):
    db = database(deps)
    case = accepted(deps, departments=("roads",))

    with pytest.raises(NotFound):
        cases.add_note(deps, who(deps, "housing"), case.case_id, text="Моё", now=at(11))
    with pytest.raises(NotFound):
        cases.add_note(deps, who(deps, "housing"), "no-such-case", text="Моё", now=at(11))
    assert db.case(case.case_id).notes == []


def test_the_curator_writes_no_notes(deps):
    case = accepted(deps)
    curator = Actor(case.message.curator.id, Role.CURATOR)  # the case's own curator
    with pytest.raises(Forbidden):
        cases.add_note(deps, curator, case.case_id, text="Куратор", now=at(11))


@pytest.mark.parametrize("text", ["", "   ", "x" * (NOTE_MAX_LENGTH + 1), "я" * 20_000])
def test_an_empty_or_too_long_note_is_refused_and_the_case_stays_as_it_was(deps, text):
    db = database(deps)
    case = accepted(deps)

    with pytest.raises(InvalidInput) as refused:
        cases.add_note(deps, who(deps, "tech"), case.case_id, text=text, now=at(11))

    assert "text" in refused.value.fields
    stored = db.case(case.case_id)
    assert stored.notes == [] and stored.version == case.version


@pytest.mark.parametrize("text", HOSTILE)
def test_a_note_keeps_what_was_typed_as_text(deps, text):
    case = accepted(deps)

    noted = cases.add_note(deps, who(deps, "tech"), case.case_id, text=text, now=at(11))

    assert noted.notes[-1].text == text.strip()
