"""The timers of one case: each a deadline of the policy (T1-T8), started, due and, once stopped,
met, late or cancelled. The policy (`otklik.domain.policy`) says when each falls due."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from otklik.domain.policy import Deadline, SlaPolicy


class Outcome(StrEnum):
    """How a timer ended: its duty done in time, done late, or no longer owed."""

    MET = "met"
    LATE = "late"
    CANCELLED = "cancelled"


@dataclass
class Timer:
    """One running or finished timer of the policy, e.g. T2 `answer_due` of this case."""

    deadline: Deadline
    started_at: datetime
    due: datetime
    department: str | None = None  # T8 runs once per department
    stopped_at: datetime | None = None
    outcome: Outcome | None = None

    @property
    def key(self) -> str:
        return timer_key(self.deadline, self.department)

    @property
    def running(self) -> bool:
        return self.stopped_at is None

    def stop(self, now: datetime, *, fulfilled: bool = True) -> None:
        """Stop the clock: met if the duty was done in time, cancelled if it stopped being
        owed in time, late once the deadline had passed either way."""
        if not self.running:
            return
        self.stopped_at = now
        if now > self.due:
            self.outcome = Outcome.LATE  # missed, whether or not the duty was done after all
        else:
            self.outcome = Outcome.MET if fulfilled else Outcome.CANCELLED


def timer_key(deadline: Deadline, department: str | None = None) -> str:
    return f"{deadline.value}:{department}" if department else deadline.value


def late_on_arrival(
    timers: Iterable[Timer], received_at: datetime, policy: SlaPolicy
) -> tuple[str, ...]:
    """The keys of the timers started before the message reached us (T2, T3 run from its
    detection) whose deadline had passed at its receipt, or fell within the policy's
    `late_arrival_minutes` of it: missed before receipt, on no official."""
    margin_end = policy.calendar.add_working_minutes(received_at, policy.late_arrival_minutes)
    return tuple(t.key for t in timers if t.started_at < received_at and t.due <= margin_end)
