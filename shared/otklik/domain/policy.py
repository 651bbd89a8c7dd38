"""The SLA policy: timers T1-T8 of the regulation, each with its start, length, clock and owner.

Every number of the regulation is a default of a configurable policy (another region copies the
rule with small changes), so a timer is data: which deadline it sets, how long it is, whether it
counts working minutes, whole working days or calendar minutes, and whose clock runs. "Whose
clock" (administration or curator) lets the reports of clauses 22-23 be fair: the curator's half
hour to decide a draft (T4) is not a breach by the administration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from otklik.domain.calendar import WorkingCalendar
from otklik.domain.roles import Role


class Clock(StrEnum):
    WORKING_MINUTES = "working_minutes"
    WORKING_DAYS = "working_days"
    CALENDAR_MINUTES = "calendar_minutes"


class Party(StrEnum):
    """Whose clock runs while a timer runs."""

    ADMINISTRATION = "administration"
    CURATOR = "curator"


class Deadline(StrEnum):
    """The contract's deadline names (docs/design.md), one per timer."""

    TRIAGE = "triage_due"
    ANSWER = "answer_due"
    SEND_TO_CURATOR = "send_to_curator_due"
    CURATOR_DECISION = "curator_decision_due"
    REWORK = "rework_due"
    PUBLISH = "publish_due"
    FINAL_ANSWER = "final_answer_due"
    CONTRIBUTION = "contribution_due"


DEADLINE_TITLES_RU = {
    Deadline.TRIAGE: "распределение сообщения (T1)",
    Deadline.ANSWER: "публикация ответа (T2)",
    Deadline.SEND_TO_CURATOR: "направление проекта куратору (T3)",
    Deadline.CURATOR_DECISION: "решение куратора (T4)",
    Deadline.REWORK: "доработка проекта (T5)",
    Deadline.PUBLISH: "публикация согласованного ответа (T6)",
    Deadline.FINAL_ANSWER: "окончательный ответ после промежуточного (T7)",
    Deadline.CONTRIBUTION: "вклад отдела в совместный ответ (T8)",
}


@dataclass(frozen=True)
class Escalation:
    """Who hears of a breach, and when: level 0 at the deadline, later levels after more
    working minutes without the duty done (executor → responsible executor → head)."""

    level: int
    after_minutes: int
    roles: tuple[Role, ...]


DEFAULT_ESCALATION: tuple[Escalation, ...] = (
    Escalation(0, 0, ()),  # the accountable officials themselves
    Escalation(1, 0, (Role.RESPONSIBLE,)),
    Escalation(2, 60, (Role.HEAD,)),
)


@dataclass(frozen=True)
class SurgeRule:
    """Clause 24: this many messages on one topic, or from one place, within the window."""

    threshold: int = 5
    window_minutes: int = 120  # calendar minutes: a surge is about the public, not office hours


@dataclass(frozen=True)
class TimerSpec:
    """One timer of the regulation's clock table."""

    timer: str  # "T1".."T8"
    deadline: Deadline
    clause: int
    length: int  # in the clock's unit: minutes, or days for WORKING_DAYS
    clock: Clock
    party: Party
    # Who answers for a breach (clause 22 names officials): the role whose work is late.
    accountable: Role
    # A timer that ends this long before another one's deadline instead of after its start (T3).
    before: Deadline | None = None


DEFAULT_TIMERS: tuple[TimerSpec, ...] = (
    TimerSpec(
        "T1", Deadline.TRIAGE, 10, 30, Clock.WORKING_MINUTES, Party.ADMINISTRATION, Role.TECHNICAL
    ),
    TimerSpec(
        "T2",
        Deadline.ANSWER,
        11,
        9 * 60,
        Clock.WORKING_MINUTES,
        Party.ADMINISTRATION,
        Role.RESPONSIBLE,
    ),
    TimerSpec(
        "T3",
        Deadline.SEND_TO_CURATOR,
        12,
        4 * 60,
        Clock.WORKING_MINUTES,
        Party.ADMINISTRATION,
        Role.TECHNICAL,
        before=Deadline.ANSWER,
    ),
    TimerSpec(
        "T4", Deadline.CURATOR_DECISION, 13, 30, Clock.WORKING_MINUTES, Party.CURATOR, Role.CURATOR
    ),
    TimerSpec(
        "T5", Deadline.REWORK, 14, 60, Clock.WORKING_MINUTES, Party.ADMINISTRATION, Role.EXECUTOR
    ),
    TimerSpec(
        "T6", Deadline.PUBLISH, 15, 30, Clock.WORKING_MINUTES, Party.ADMINISTRATION, Role.TECHNICAL
    ),
    TimerSpec(
        "T7", Deadline.FINAL_ANSWER, 16, 7, Clock.WORKING_DAYS, Party.ADMINISTRATION, Role.EXECUTOR
    ),
    TimerSpec(
        "T8",
        Deadline.CONTRIBUTION,
        17,
        120,
        Clock.WORKING_MINUTES,
        Party.ADMINISTRATION,
        Role.EXECUTOR,
    ),
)


@dataclass(frozen=True)
class SlaPolicy:
    """The timers and the calendar they count on; the one place deadlines are computed."""

    calendar: WorkingCalendar
    timers: tuple[TimerSpec, ...] = DEFAULT_TIMERS
    # Warnings before a running timer ends, in working minutes, most distant first (clause 21).
    warn_before_minutes: tuple[int, ...] = (60, 30)
    escalation: tuple[Escalation, ...] = DEFAULT_ESCALATION
    surge: SurgeRule = SurgeRule()
    # Importance values the monitoring system uses for a socially significant message.
    significant_importance: frozenset[str] = frozenset({"high"})
    # A deadline that had passed when the message reached us, or fell within this many working
    # minutes of it (the triage time, T1: it could not even be assigned), arrived late: it was
    # missed before receipt, by no official (detected long before it was handed over).
    late_arrival_minutes: int = 30
    _by_deadline: dict[Deadline, TimerSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_deadline", {t.deadline: t for t in self.timers})
        missing = set(Deadline) - set(self._by_deadline)
        if missing:
            raise ValueError(f"the policy has no timer for {sorted(missing)}")

    def spec(self, deadline: Deadline) -> TimerSpec:
        return self._by_deadline[deadline]

    def due(self, deadline: Deadline, start: datetime) -> datetime:
        """When `deadline` falls for a timer started at `start`.

        For a timer defined relative to another (T3), `start` is that other timer's deadline.
        """
        spec = self.spec(deadline)
        cal = self.calendar
        if spec.before is not None:
            if spec.clock is Clock.CALENDAR_MINUTES:
                return start - timedelta(minutes=spec.length)
            return cal.subtract_working_minutes(start, spec.length)
        if spec.clock is Clock.WORKING_DAYS:
            return cal.add_working_days(start, spec.length)
        if spec.clock is Clock.CALENDAR_MINUTES:
            return start + timedelta(minutes=spec.length)
        return cal.add_working_minutes(start, spec.length)

    def warning_marks(self, deadline: Deadline) -> tuple[int, ...]:
        """The working minutes before `deadline` ends at which it is warned of, most distant
        first: the policy's marks that fall in the second half of the timer, so a 30-minute
        T1 or a 60-minute T5 is not warned of (nor shown amber) from its first minute; a timer
        too short for any of them is warned of once, with a third of it left. A timer counted
        in days, or back from another deadline (T3), keeps the policy's marks."""
        spec = self.spec(deadline)
        if spec.clock is not Clock.WORKING_MINUTES or spec.before is not None:
            return self.warn_before_minutes
        fitting = tuple(m for m in self.warn_before_minutes if 2 * m <= spec.length)
        return fitting or (max(1, spec.length // 3),)

    def warnings_due(self, deadline: Deadline, due: datetime) -> tuple[tuple[int, datetime], ...]:
        """The (minutes before, instant) of each warning of `deadline` falling at `due`."""
        return tuple(
            (m, self.calendar.subtract_working_minutes(due, m))
            for m in self.warning_marks(deadline)
        )

    def warn_from(self, deadline: Deadline, due: datetime) -> datetime:
        """When the first warning of `deadline` falling at `due` goes: from then on its
        countdown is shown amber."""
        return self.warnings_due(deadline, due)[0][1]
