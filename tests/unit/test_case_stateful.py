"""Random sequences of actions by random officials at random moments: whatever happens, the case
keeps the invariants of the regulation. A refused action changes nothing; an accepted one moves
the version by exactly one, leaves one timeline entry, and is one the state machine's table
allows, from one of its states to one of its states; a refusal by the table is the table's."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from otklik.domain.calendar import WorkingCalendar
from otklik.domain.case import Case
from otklik.domain.errors import DomainError
from otklik.domain.policy import Deadline, SlaPolicy
from otklik.domain.roles import Actor, Role
from otklik.domain.states import CLOSED, DraftStatus, Status
from otklik.domain.transitions import TRANSITIONS, Step, refusal
from otklik.domain.values import Author, Curator, Message

BARNAUL = ZoneInfo("Asia/Barnaul")
POLICY = SlaPolicy(WorkingCalendar())
START = datetime(2026, 3, 2, 9, 0, tzinfo=BARNAUL)

ACTORS = [
    Actor("tech", Role.TECHNICAL),
    Actor("resp", Role.RESPONSIBLE),
    Actor("roads", Role.EXECUTOR, "roads"),
    Actor("housing", Role.EXECUTOR, "housing"),
    Actor("head", Role.HEAD),
    Actor("c-1", Role.CURATOR),
    Actor("c-2", Role.CURATOR),
    Actor("system", Role.SYSTEM),
]
BY_LOGIN = {a.login: a for a in ACTORS}
# Closing a case ends the story; try it less often so the long paths get explored too.
RARE = st.integers(0, 7).map(lambda n: n == 0)
actors = st.sampled_from(ACTORS)
texts = st.sampled_from(["", "  "] + ["Ответ по существу", "Уточните сроки"] * 4)
departments = st.lists(
    st.sampled_from(["roads", "housing", "roads", "housing", "parks", ""]), max_size=3
)


def mostly(*logins: str):
    """Usually the official whose step it is, sometimes anyone (to be refused)."""
    return st.sampled_from([BY_LOGIN[x] for x in logins] * 4 + ACTORS)


class CaseLife(RuleBasedStateMachine):
    @initialize()
    def receive(self):
        message = Message(
            external_id="im-1",
            detected_at=START,
            network="vk",
            url="https://vk.com/wall-1_2",
            author=Author("id1", "Житель"),
            text="Яма на дороге",
            topic="Дороги",
            location="с. Зудилово",
            importance="medium",
            curator=Curator("c-1", "Куратор"),
        )
        self.now = START + timedelta(minutes=1)
        self.case = Case.receive(message, now=self.now, policy=POLICY, case_id="case-1")

    def attempt(self, step: Step, actor: Actor, action):
        """`actor` tries `step` (by calling `action`)."""
        before = copy.deepcopy(self.case)
        by_table = refusal(before, actor, step)
        try:
            done = action()
        except DomainError as error:
            done = False
            if by_table is not None:  # the table's reason, not another one
                assert (type(error), error.message) == (type(by_table), by_table.message)
        if done is False:  # refused, or (escalation) already done: nothing changes
            assert self.case == before, "a refused action changed the case"
            assert self.case.version == before.version
            return
        assert by_table is None, f"{step} was done although the table refuses it: {by_table}"
        transition = TRANSITIONS[step]
        assert before.status in transition.sources
        assert self.case.status in (transition.targets or {before.status}), (
            f"{step} led from {before.status} to {self.case.status}"
        )
        assert self.case.version == before.version + 1
        assert len(self.case.timeline) == len(before.timeline) + 1
        event(f"{step}: {before.status} -> {self.case.status}")

    @rule(kind=st.sampled_from(["final", "interim"]), approve=st.booleans())
    def advance(self, kind, approve):
        """The next step of the regulation by the right official, so long paths are reached."""
        c, now, get = self.case, self.now, BY_LOGIN.__getitem__
        latest = c.drafts[-1].draft_id if c.drafts else ""
        # A department without an executor of its own here ("parks") is written for by resp.
        single = c.departments[0] if len(c.departments) == 1 else None
        writer = BY_LOGIN.get(single or "resp", get("resp"))
        tech, resp, curator = get("tech"), get("resp"), get("c-1")
        steps = {
            Status.RECEIVED: (
                Step.ACCEPT,
                tech,
                lambda: c.accept(tech, departments=["roads"], now=now, policy=POLICY),
            ),
            Status.IN_WORK: (
                Step.SUBMIT_DRAFT,
                writer,
                lambda: c.submit_draft(writer, text="Ответ", kind=kind, now=now),
            ),
            Status.REWORK: (
                Step.SUBMIT_DRAFT,
                resp,
                lambda: c.submit_draft(resp, text="Исправлено", kind="final", now=now),
            ),
            Status.AWAITING_FINAL: (
                Step.SUBMIT_DRAFT,
                resp,
                lambda: c.submit_draft(resp, text="Итог", kind="final", now=now),
            ),
            Status.INTERNAL_REVIEW: (
                Step.APPROVE_DRAFT,
                resp,
                lambda: c.approve_draft(resp, draft_id=latest, now=now, policy=POLICY),
            ),
            Status.CURATOR_REVIEW: (
                (
                    Step.CURATOR_APPROVE,
                    curator,
                    lambda: c.curator_approve(curator, draft_id=latest, now=now, policy=POLICY),
                )
                if approve
                else (
                    Step.CURATOR_RETURN,
                    curator,
                    lambda: c.curator_return(
                        curator, draft_id=latest, comment="Доработать", now=now, policy=POLICY
                    ),
                )
            ),
            Status.APPROVED: (
                Step.PUBLISH,
                tech,
                lambda: c.publish(tech, url="https://vk.com/wall-1_2?r=1", now=now, policy=POLICY),
            ),
        }
        if c.status in steps:
            self.attempt(*steps[c.status])

    @rule(minutes=st.integers(min_value=0, max_value=600))
    def time_passes(self, minutes):
        self.now += timedelta(minutes=minutes)

    @rule(actor=mostly("tech"), chosen=departments)
    def accept(self, actor, chosen):
        self.attempt(
            Step.ACCEPT,
            actor,
            lambda: self.case.accept(actor, departments=chosen, now=self.now, policy=POLICY),
        )

    @rule(actor=mostly("tech"), reason=texts, rare=RARE)
    def return_to_curator(self, rare, actor, reason):
        if not rare:
            return
        self.attempt(
            Step.RETURN_TO_CURATOR,
            actor,
            lambda: self.case.return_to_curator(actor, reason=reason, now=self.now),
        )

    @rule(actor=mostly("tech"), reason=texts, rare=RARE)
    def not_processable(self, rare, actor, reason):
        if not rare:
            return
        self.attempt(
            Step.MARK_NOT_PROCESSABLE,
            actor,
            lambda: self.case.mark_not_processable(actor, reason=reason, now=self.now),
        )

    @rule(actor=mostly("roads", "housing"), text=texts)
    def contribute(self, actor, text):
        self.attempt(
            Step.CONTRIBUTE, actor, lambda: self.case.contribute(actor, text=text, now=self.now)
        )

    @rule(
        actor=mostly("roads", "housing", "resp"),
        text=texts,
        kind=st.sampled_from(["final", "interim", "memo"]),
    )
    def submit_draft(self, actor, text, kind):
        self.attempt(
            Step.SUBMIT_DRAFT,
            actor,
            lambda: self.case.submit_draft(actor, text=text, kind=kind, now=self.now),
        )

    def _draft_id(self, latest: bool) -> str:
        if latest and self.case.drafts:
            return self.case.drafts[-1].draft_id
        return self.case.drafts[0].draft_id if self.case.drafts else "nope"

    @rule(actor=mostly("resp"), latest=st.booleans())
    def approve_draft(self, actor, latest):
        draft_id = self._draft_id(latest)
        self.attempt(
            Step.APPROVE_DRAFT,
            actor,
            lambda: self.case.approve_draft(actor, draft_id=draft_id, now=self.now, policy=POLICY),
        )

    @rule(actor=mostly("resp"), latest=st.booleans(), comment=texts)
    def reject_draft(self, actor, latest, comment):
        draft_id = self._draft_id(latest)
        self.attempt(
            Step.REJECT_DRAFT,
            actor,
            lambda: self.case.reject_draft(actor, draft_id=draft_id, comment=comment, now=self.now),
        )

    @rule(actor=mostly("c-1"), latest=st.booleans(), approve=st.booleans(), comment=texts)
    def curator_decides(self, actor, latest, approve, comment):
        draft_id = self._draft_id(latest)
        if approve:
            self.attempt(
                Step.CURATOR_APPROVE,
                actor,
                lambda: self.case.curator_approve(
                    actor, draft_id=draft_id, comment=comment, now=self.now, policy=POLICY
                ),
            )
        else:
            self.attempt(
                Step.CURATOR_RETURN,
                actor,
                lambda: self.case.curator_return(
                    actor, draft_id=draft_id, comment=comment, now=self.now, policy=POLICY
                ),
            )

    @rule(
        actor=mostly("tech"),
        url=st.sampled_from(["", "ftp://x", "https://vk.com/wall-1_2?reply=9"]),
    )
    def publish(self, actor, url):
        self.attempt(
            Step.PUBLISH,
            actor,
            lambda: self.case.publish(actor, url=url, now=self.now, policy=POLICY),
        )

    @rule(actor=mostly("c-1"), comment=texts, rare=RARE)
    def withdraw(self, rare, actor, comment):
        if not rare:
            return
        self.attempt(
            Step.WITHDRAW, actor, lambda: self.case.withdraw(actor, comment=comment, now=self.now)
        )

    @rule(
        timer=st.sampled_from([d.value for d in Deadline] + ["contribution_due:roads"]),
        kind=st.sampled_from(["warning", "breach"]),
        level=st.integers(0, 2),
    )
    def escalate(self, timer, kind, level):
        system = ACTORS[-1]
        self.attempt(
            Step.ESCALATE,
            system,
            lambda: self.case.escalate(
                system,
                timer=timer,
                kind=kind,
                level=level,
                notified=["resp"],
                now=self.now,
                policy=POLICY,
            ),
        )

    @invariant()
    def one_timeline_entry_per_version(self):
        event(f"status {self.case.status.value}")
        assert len(self.case.timeline) == self.case.version

    @invariant()
    def a_closed_case_runs_no_timer(self):
        if self.case.status in CLOSED:
            assert self.case.running_timers() == []
            assert self.case.deadlines() == {}

    @invariant()
    def an_open_case_always_has_a_deadline(self):
        if self.case.status not in CLOSED:
            assert self.case.next_due() is not None

    @invariant()
    def at_most_one_draft_is_under_way(self):
        under_way = [
            d
            for d in self.case.drafts
            if d.status
            in (DraftStatus.INTERNAL_REVIEW, DraftStatus.CURATOR_REVIEW, DraftStatus.APPROVED)
        ]
        assert len(under_way) <= 1
        expected = {
            Status.INTERNAL_REVIEW: DraftStatus.INTERNAL_REVIEW,
            Status.CURATOR_REVIEW: DraftStatus.CURATOR_REVIEW,
            Status.APPROVED: DraftStatus.APPROVED,
        }.get(self.case.status)
        assert [d.status for d in under_way] == ([expected] if expected else [])

    @invariant()
    def stopped_timers_have_an_outcome_and_running_ones_do_not(self):
        for timer in self.case.timers.values():
            assert (timer.outcome is None) == timer.running

    @invariant()
    def escalations_are_unique(self):
        keys = [(e.timer, e.kind, e.level) for e in self.case.escalations]
        assert len(keys) == len(set(keys))

    @invariant()
    def departments_are_assigned_exactly_when_accepted(self):
        accepted = any(e.action == "accepted" for e in self.case.timeline)
        assert bool(self.case.departments) == accepted


CaseLife.TestCase.settings = settings(max_examples=200, stateful_step_count=50, deadline=None)
TestCaseLife = CaseLife.TestCase
