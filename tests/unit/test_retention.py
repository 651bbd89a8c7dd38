"""Retention of personal data (152-FZ): 36 months after a case closes, the citizen's name,
profile link, author id, text and attachments give way to a marker; the sweeper does it in
bounded batches, reading only receipts old enough (`otklik.service.retention`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from otklik import codec
from otklik.domain.case import RETENTION_MARKER, Case, add_months
from otklik.domain.errors import Forbidden, InvalidTransition
from otklik.domain.values import Attachment
from otklik.service import cases, retention
from otklik.service.retention import CURSOR_KEY, anonymise_due, retention_months
from otklik.service.sweep import sweep
from tests.unit.conftest import barnaul
from tests.unit.fakes import FakeCaseStore, database, fake_deps, message

ANSWER = "Ирина Петрова, здравствуйте! Яму на ул. Центральной засыпали, фото прилагаем."
PHOTO = Attachment("photo", "https://sun9-1.userapi.com/remont.jpg")


# -- the domain step ------------------------------------------------------------------------------


def published_case(make_message, policy, tech, resp, roads, curator, system) -> Case:
    """A case answered on Monday 2026-02-09 at 12:00 (closed then)."""
    case = Case.receive(make_message(), now=barnaul(2026, 2, 9, 10, 5), policy=policy)
    case.propose_routing(system, departments=["roads"], flags=[], now=barnaul(2026, 2, 9, 10, 6))
    case.accept(tech, departments=["roads"], now=barnaul(2026, 2, 9, 10, 15), policy=policy)
    draft = case.submit_draft(
        roads, text=ANSWER, kind="final", attachments=[PHOTO], now=barnaul(2026, 2, 9, 10, 40)
    )
    case.approve_draft(resp, draft_id=draft.draft_id, now=barnaul(2026, 2, 9, 11, 0), policy=policy)
    case.curator_approve(
        curator, draft_id=draft.draft_id, now=barnaul(2026, 2, 9, 11, 20), policy=policy
    )
    case.publish(
        tech,
        url="https://vk.com/wall-170171414_52107?reply=52200",
        now=barnaul(2026, 2, 9, 12, 0),
        policy=policy,
    )
    case.pull_events()
    return case


@pytest.fixture
def answered(make_message, policy, tech, resp, roads, curator, system) -> Case:
    return published_case(make_message, policy, tech, resp, roads, curator, system)


def test_the_citizens_personal_data_give_way_to_the_marker(answered, system):
    before = codec.to_plain(answered)
    due = barnaul(2029, 2, 9, 12, 0)  # 36 months after the answer
    assert answered.retention_due(36) == due

    assert answered.anonymise(system, now=due, retention_months=36) is True

    m = answered.message
    assert (m.author.id, m.author.name, m.author.url) == (RETENTION_MARKER,) * 3
    assert m.text == RETENTION_MARKER
    assert [(a.type, a.url) for a in m.attachments] == [("photo", RETENTION_MARKER)]
    (publication,) = answered.publications
    assert publication.original.text == RETENTION_MARKER
    assert publication.original.author.name == RETENTION_MARKER
    assert publication.original.attachments[0].url == RETENTION_MARKER
    # our reply addressed her by name: the name goes, the substance and the links stay
    assert "Ирина" not in publication.text and "Петрова" not in publication.text
    assert publication.text.startswith(RETENTION_MARKER)
    assert "Яму на ул. Центральной засыпали" in answered.drafts[0].text
    assert "Ирина" not in answered.drafts[0].text
    assert publication.url == before["publications"][0]["url"]
    # what is not the citizen's stays: the case's facts, who did what, the timers
    assert (m.external_id, m.url, m.topic, m.location, m.network) == (
        before["message"]["external_id"],
        before["message"]["url"],
        before["message"]["topic"],
        before["message"]["location"],
        before["message"]["network"],
    )
    assert answered.status.value == "answered"
    assert answered.anonymised_at == due
    assert codec.to_plain(answered)["timers"] == before["timers"]
    plain = str(codec.to_plain(answered))
    for personal in ("Ирина", "Петрова", "https://vk.com/id1", "yama.jpg", "Ямы по колено"):
        assert personal not in plain, personal


def test_the_step_has_its_own_event_and_timeline_entry_and_keeps_the_audit(answered, system):
    timeline = list(answered.timeline)
    version = answered.version
    now = barnaul(2029, 3, 1, 3, 0)

    answered.anonymise(system, now=now, retention_months=36)

    assert answered.timeline[: len(timeline)] == timeline  # who did what: untouched
    entry = answered.timeline[-1]
    assert (entry.actor, entry.role.value, entry.action, entry.at) == (
        "system",
        "system",
        "anonymised",
        now,
    )
    assert entry.details["retention_months"] == 36
    assert entry.details["closed_at"] == barnaul(2026, 2, 9, 12, 0).isoformat()
    assert "message.text" in entry.details["erased"]
    (event,) = answered.pull_events()
    assert event.name == "PersonalDataErased"
    assert answered.version == version + 1


def test_anonymising_twice_changes_nothing(answered, system):
    now = barnaul(2029, 3, 1)
    assert answered.anonymise(system, now=now, retention_months=36) is True
    answered.pull_events()
    once = codec.to_plain(answered)

    assert answered.anonymise(system, now=now + timedelta(days=1), retention_months=36) is False

    assert codec.to_plain(answered) == once
    assert answered.pull_events() == []


def test_only_a_closed_case_older_than_the_policy_is_anonymised(
    answered, make_message, policy, tech, system
):
    with pytest.raises(InvalidTransition):  # a day short of 36 months
        answered.anonymise(system, now=barnaul(2029, 2, 8, 12, 0), retention_months=36)
    assert answered.message.text != RETENTION_MARKER
    assert answered.anonymise(system, now=barnaul(2027, 2, 9, 12, 0), retention_months=12)

    open_case = Case.receive(
        make_message(external_id="im-open"), now=barnaul(2020, 9, 1, 10, 0), policy=policy
    )
    assert open_case.retention_due(36) is None
    with pytest.raises(InvalidTransition):  # open: its data are still needed, however old
        open_case.anonymise(system, now=barnaul(2030, 1, 1), retention_months=36)
    assert open_case.anonymised_at is None


def test_only_the_system_anonymises(answered, tech):
    with pytest.raises(Forbidden):
        answered.anonymise(tech, now=barnaul(2030, 1, 1), retention_months=36)


def test_a_case_returned_to_the_curator_counts_from_its_return(make_message, policy, tech):
    case = Case.receive(make_message(), now=barnaul(2026, 2, 9, 10, 5), policy=policy)
    case.return_to_curator(tech, reason="Вне компетенции", now=barnaul(2026, 2, 10, 9, 0))
    assert case.closed_at == barnaul(2026, 2, 10, 9, 0)
    assert case.retention_due(36) == barnaul(2029, 2, 10, 9, 0)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ((2026, 2, 9), 36, (2029, 2, 9)),
        ((2026, 1, 31), 1, (2026, 2, 28)),  # clamped to the month's end
        ((2024, 2, 29), 12, (2025, 2, 28)),
        ((2026, 12, 15), 1, (2027, 1, 15)),
        ((2026, 3, 15), -3, (2025, 12, 15)),
    ],
)
def test_months_are_calendar_months(start, months, expected):
    assert add_months(barnaul(*start, 10, 0), months) == barnaul(*expected, 10, 0)


def test_the_policy_is_a_setting_of_36_months_by_default(monkeypatch):
    monkeypatch.delenv("RETENTION_MONTHS", raising=False)
    assert retention_months() == 36
    monkeypatch.setenv("RETENTION_MONTHS", "60")
    assert retention_months() == 60
    monkeypatch.setenv("RETENTION_MONTHS", "0")
    with pytest.raises(ValueError):
        retention_months()


# -- the sweeper's pass ----------------------------------------------------------------------------


def closed_on(deps, external_id: str, received, closed=None):
    """A case received at `received` and (if `closed`) returned to the curator then."""
    case = cases.receive_message(
        deps, message(external_id=external_id, detected_at=received), received
    ).case
    if closed is not None:
        tech = deps.directory.actor("tech")
        case = cases.triage(
            deps,
            tech,
            case.case_id,
            decision="return",
            departments=[],
            reason="Вне компетенции",
            now=closed,
        )
    return case


def test_the_sweep_anonymises_exactly_the_due_cases(monkeypatch):
    monkeypatch.delenv("RETENTION_MONTHS", raising=False)
    deps = fake_deps()
    db = database(deps)
    now = barnaul(2029, 6, 15, 10, 0)
    due = [
        closed_on(deps, "im-old-1", barnaul(2026, 1, 12, 10), barnaul(2026, 1, 12, 11)),
        closed_on(deps, "im-old-2", barnaul(2026, 3, 2, 10), barnaul(2026, 6, 15, 9)),
    ]
    not_due = [
        # received long ago, closed less than 36 months ago: held until then
        closed_on(deps, "im-late", barnaul(2026, 2, 2, 10), barnaul(2026, 6, 16, 9)),
        closed_on(deps, "im-open", barnaul(2026, 2, 3, 10)),  # still open
        closed_on(deps, "im-new", barnaul(2027, 5, 4, 10), barnaul(2027, 5, 4, 11)),
    ]

    report = sweep(deps, now)

    assert sorted(report.retention.anonymised) == sorted(c.case_id for c in due)
    for case in due:
        stored = db.case(case.case_id)
        assert stored.message.text == RETENTION_MARKER
        assert stored.message.author.name == RETENTION_MARKER
        assert stored.timeline[-1].action == "anonymised"
        audit = deps.store().audit_trail(case.case_id)
        assert [e.action for e in audit][-1] == "anonymised"
        assert audit[0].action == "received"  # the audit still says who did what
    for case in not_due:
        assert db.case(case.case_id).anonymised_at is None
        assert db.case(case.case_id).message.text != RETENTION_MARKER
    assert report.retention.held == 2  # the late one and the open one
    assert report.retention.caught_up

    # the next sweep the same day does nothing (caught up: one pass a day)
    again = sweep(deps, now + timedelta(minutes=5))
    assert again.retention.ran is False and again.retention.anonymised == []

    # a day after the late one's 36 months it goes too, read again from the held list
    later = sweep(deps, barnaul(2029, 6, 17, 10, 0))
    assert later.retention.anonymised == [not_due[0].case_id]
    assert db.case(not_due[1].case_id).anonymised_at is None  # open: never


def test_a_backlog_clears_in_bounded_batches_and_each_case_once(monkeypatch):
    monkeypatch.delenv("RETENTION_MONTHS", raising=False)
    deps = fake_deps()
    db = database(deps)
    made = [
        closed_on(
            deps,
            f"im-b-{n}",
            barnaul(2025, 1 + n % 6, 5 + n, 10),
            barnaul(2025, 1 + n % 6, 5 + n, 11),
        )
        for n in range(7)
    ]
    now = barnaul(2029, 1, 1, 10, 0)
    passes = []
    while True:
        report = anonymise_due(deps, now, batch=3)
        passes.append(report.anonymised)
        if report.caught_up:
            break
        assert len(passes) < 10
    assert [len(p) for p in passes[:-1]] == [3, 3]
    done = [c for p in passes for c in p]
    assert sorted(done) == sorted(c.case_id for c in made)  # each once
    assert all(db.case(c.case_id).anonymised_at is not None for c in made)
    cursor = deps.keys.seen(CURSOR_KEY)
    assert datetime.fromisoformat(cursor["after"]) == add_months(now, -36)


def test_the_pass_never_reads_receipts_younger_than_the_policy(monkeypatch):
    """Cost: only months of receipt before the cutoff are read, never the recent history."""
    monkeypatch.delenv("RETENTION_MONTHS", raising=False)
    deps = fake_deps()
    closed_on(deps, "im-recent", barnaul(2027, 1, 10, 10), barnaul(2027, 1, 10, 11))
    asked: list[tuple] = []
    real = FakeCaseStore.received_since

    def recording(self, since, until, *, exclude=None):
        asked.append((since, until))
        return real(self, since, until, exclude=exclude)

    monkeypatch.setattr(FakeCaseStore, "received_since", recording)
    now = barnaul(2029, 6, 15, 10, 0)
    anonymise_due(deps, now)
    cutoff = add_months(now, -36)
    assert asked and all(until <= cutoff for _, until in asked)
    assert len(asked) <= retention.MAX_QUERIES


def test_a_month_boundary_case_is_not_done_twice(monkeypatch):
    monkeypatch.delenv("RETENTION_MONTHS", raising=False)
    deps = fake_deps()
    case = closed_on(deps, "im-edge", barnaul(2026, 3, 1, 0, 0), barnaul(2026, 3, 2, 10))
    report = anonymise_due(deps, barnaul(2029, 4, 1, 10))
    assert report.anonymised == [case.case_id]
    anonymised = database(deps).case(case.case_id)
    assert [e.action for e in anonymised.timeline].count("anonymised") == 1


def test_marker_replaces_only_whole_name_words():
    from otklik.domain.case import _name_parts, _without_names

    names = _name_parts("Ирина Петрова")
    text = _without_names("Ирина Петрова, Ирина! Иринарх и Петровская улица.", names)
    assert text == f"{RETENTION_MARKER}, {RETENTION_MARKER}! Иринарх и Петровская улица."


def test_message_without_attachments_stays_without(make_message, policy, tech, system):
    case = Case.receive(
        replace(make_message(), attachments=()), now=barnaul(2026, 2, 9, 10, 5), policy=policy
    )
    case.mark_not_processable(tech, reason="п. 20", now=barnaul(2026, 2, 9, 10, 20))
    case.anonymise(system, now=barnaul(2030, 1, 1), retention_months=36)
    assert case.message.attachments == ()
