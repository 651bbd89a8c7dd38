"""What the inbox says of each case for the official who reads it: whose turn it is, which of
the running deadlines is the reader's own, and whether it matches a search.

Pure: the inbox service filters with `matches`, the summary view adds `turn` and `own_timer`.
"""

from __future__ import annotations

from dataclasses import dataclass

from otklik.domain.case import Case
from otklik.domain.oversight import accountable
from otklik.domain.policy import Deadline, SlaPolicy
from otklik.domain.roles import Actor, Audience, Role
from otklik.domain.states import Status
from otklik.domain.timers import Timer


@dataclass(frozen=True)
class Turn:
    """Whose action the case awaits: a role, and for executors the departments that owe it."""

    role: Role
    departments: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()  # the officials those departments' parts are assigned to

    def includes(self, actor: Actor) -> bool:
        return Audience(
            frozenset({self.role}), frozenset(self.departments), frozenset(self.assignees)
        ).takes_in(actor)


def _departments(case: Case, departments: tuple[str, ...]) -> Turn:
    return Turn(Role.EXECUTOR, departments, case.assigned_to(departments))


def _drafting(case: Case) -> Turn:
    """Who writes the answer: the department, or the responsible executor of a joint one."""
    if case.is_joint:
        return Turn(Role.RESPONSIBLE)
    return _departments(case, tuple(case.departments))


_BY_STATUS: dict[Status, Role] = {
    Status.RECEIVED: Role.TECHNICAL,  # triage (clause 10)
    Status.INTERNAL_REVIEW: Role.RESPONSIBLE,  # internal approval (clause 12)
    Status.READY_TO_SEND: Role.TECHNICAL,  # enter the draft into the monitoring system
    Status.CURATOR_REVIEW: Role.CURATOR,  # the curator's decision (clause 13)
    Status.APPROVED: Role.TECHNICAL,  # publication (clause 15)
}


def turn(case: Case) -> Turn | None:
    """Whose turn it is, from the status; None for a closed case."""
    if case.status in _BY_STATUS:
        return Turn(_BY_STATUS[case.status])
    if case.status is Status.IN_WORK and case.is_joint:
        pending = tuple(c.department for c in case.contributions.values() if c.submitted_at is None)
        if pending:  # the departments' parts first (clause 17)
            return _departments(case, pending)
    if case.status in (Status.IN_WORK, Status.REWORK, Status.AWAITING_FINAL):
        return _drafting(case)
    return None


def own_timers(case: Case, actor: Actor, policy: SlaPolicy) -> list[Timer]:
    """The running timers `actor` answers for (the policy's accountable role), nearest first.

    The curator's clock (T4) is nobody's own in the administration, though the desk watches it.
    """
    mine = []
    for timer in case.running_timers():
        if policy.spec(timer.deadline).accountable is Role.CURATOR:
            continue
        if accountable(case, timer, policy).takes_in(actor):
            mine.append(timer)
    return sorted(mine, key=lambda t: (t.due, t.deadline is not Deadline.CONTRIBUTION))


def fold(text: str) -> str:
    """A text as search compares it: case-insensitive, «ё» as «е», spaces collapsed."""
    return " ".join(text.casefold().replace("ё", "е").split())


def matches(case: Case, query: str) -> bool:
    """Whether every word of `query` occurs in the case's text, topic, place, author's name or
    external id (case-insensitive, «ё» = «е»)."""
    words = fold(query).split()
    if not words:
        return True
    m = case.message
    haystack = fold(" ".join((m.text, m.topic, m.location, m.author.name, m.external_id)))
    return all(w in haystack for w in words)
