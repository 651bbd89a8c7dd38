"""The figures of the monthly report (clause 23) and the breach report (clause 22).

Pure functions over cases: the service layer loads a month's cases, these count them. A timer is
on time if its duty was done by its deadline; a timer still running past its deadline at the
report's moment counts as late; a timer cancelled because the case closed counts for neither.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from otklik.domain.case import Case
from otklik.domain.policy import (
    DEADLINE_TITLES_RU,
    DEFAULT_TIMERS,
    Deadline,
    Party,
    SlaPolicy,
)
from otklik.domain.states import DraftKind, DraftStatus, Status
from otklik.domain.timers import Outcome

TIMER_ORDER = tuple(Deadline)
_DEFAULT_SPECS = {spec.deadline: spec for spec in DEFAULT_TIMERS}

NO_DEPARTMENT = "—"  # the group of cases not (yet) given to a department


@dataclass
class TimerFigures:
    met: int = 0
    late: int = 0

    @property
    def total(self) -> int:
        return self.met + self.late

    @property
    def on_time_share(self) -> float | None:
        return self.met / self.total if self.total else None


@dataclass
class Figures:
    """One row of the report: the whole month, a department or a topic."""

    received: int = 0
    returned: int = 0
    not_processable: int = 0
    withdrawn: int = 0
    answered: int = 0
    interim: int = 0
    open: int = 0
    timers: dict[Deadline, TimerFigures] = field(
        default_factory=lambda: {d: TimerFigures() for d in TIMER_ORDER}
    )
    answer_minutes: list[float] = field(default_factory=list)
    first_time_approved: int = 0
    curator_reviewed: int = 0
    curator_returns: int = 0
    interim_finalised_on_time: int = 0
    interim_finalised_late: int = 0
    repeated: int = 0

    @property
    def median_answer_minutes(self) -> float | None:
        return percentile(self.answer_minutes, 50)

    @property
    def p90_answer_minutes(self) -> float | None:
        return percentile(self.answer_minutes, 90)

    @property
    def first_time_share(self) -> float | None:
        return self.first_time_approved / self.curator_reviewed if self.curator_reviewed else None


def percentile(values: list[float], p: int) -> float | None:
    """The p-th percentile by linear interpolation (the spreadsheet PERCENTILE.INC), None for
    no values."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


@dataclass(frozen=True)
class Breach:
    """One missed deadline, with whom it is on (clause 22)."""

    case_id: str
    external_id: str
    topic: str
    timer: str
    title: str
    due: datetime | None
    recorded_at: datetime
    party: str
    accountable_role: str
    officials: tuple[str, ...]
    departments: tuple[str, ...]
    # Missed before the message reached us (detected long before, `Case.arrived_late`): on no
    # official, so none is named.
    before_receipt: bool = False


@dataclass
class MonthlyReport:
    month: str
    total: Figures
    by_department: dict[str, Figures]
    by_topic: dict[str, Figures]
    by_source: dict[str, Figures]  # by webhook, or registered by hand
    ranked: list[str]  # departments with enough messages, best T2 on-time share first
    too_few: list[str]  # shown, not ranked
    previous: dict[str, Figures]  # earlier months, for the dynamics
    parties: dict[Deadline, Party]
    # Names of the directory, by department id and by login, so that no report shows a code
    # (the service layer fills them; a code without a name is shown as it is).
    department_names: dict[str, str] = field(default_factory=dict)
    staff_names: dict[str, str] = field(default_factory=dict)
    # The missed deadlines of the month's cases, whenever they fell: the breaches its figures
    # count late, so its list of breaches can never be empty beside them.
    breaches: list[Breach] = field(default_factory=list)
    display_tz: tzinfo | None = None  # the officials' time zone, for the times it shows


def count(cases: list[Case], policy: SlaPolicy, now: datetime) -> Figures:
    """The figures of one group of cases, as of `now`."""
    f = Figures()
    for case in cases:
        _count_case(f, case, policy, now)
    return f


def _count_case(f: Figures, case: Case, policy: SlaPolicy, now: datetime) -> None:
    f.received += 1
    status = case.status
    f.returned += status is Status.RETURNED_TO_CURATOR
    f.not_processable += status is Status.NOT_PROCESSABLE
    f.withdrawn += status is Status.WITHDRAWN
    f.answered += status is Status.ANSWERED
    f.interim += status is Status.AWAITING_FINAL
    f.open += not case.closed
    f.repeated += case.repeat_of is not None
    for timer in case.timers.values():
        figures = f.timers[timer.deadline]
        if timer.outcome is Outcome.MET:
            figures.met += 1
        elif timer.outcome is Outcome.LATE or (timer.running and timer.due < now):
            figures.late += 1
    published = [d for d in case.drafts if d.status is DraftStatus.PUBLISHED]
    if published:
        first = min(d.published_at for d in published)
        f.answer_minutes.append(
            policy.calendar.working_minutes_between(case.message.detected_at, first)
        )
    reviewed = [d for d in case.drafts if d.sent_to_curator_at is not None]
    if reviewed:
        f.curator_reviewed += 1
        f.first_time_approved += reviewed[0].status in (DraftStatus.APPROVED, DraftStatus.PUBLISHED)
    f.curator_returns += sum(d.status is DraftStatus.RETURNED for d in case.drafts)
    if any(d.kind is DraftKind.INTERIM and d.status is DraftStatus.PUBLISHED for d in case.drafts):
        final = case.timers.get(Deadline.FINAL_ANSWER.value)
        if final is not None and final.outcome is Outcome.MET:
            f.interim_finalised_on_time += 1
        elif final is not None and (final.outcome is Outcome.LATE or final.due < now):
            f.interim_finalised_late += 1


def monthly(
    month: str,
    cases: list[Case],
    policy: SlaPolicy,
    now: datetime,
    *,
    previous: dict[str, list[Case]] | None = None,
    min_for_ranking: int = 5,
) -> MonthlyReport:
    by_department: dict[str, list[Case]] = {}
    by_topic: dict[str, list[Case]] = {}
    by_source: dict[str, list[Case]] = {}
    for case in cases:
        by_source.setdefault(case.source.value, []).append(case)
        for department in case.departments or (NO_DEPARTMENT,):
            by_department.setdefault(department, []).append(case)
        by_topic.setdefault(case.message.topic, []).append(case)
    departments = {d: count(cs, policy, now) for d, cs in sorted(by_department.items())}
    enough = [
        d for d, f in departments.items() if d != NO_DEPARTMENT and f.received >= min_for_ranking
    ]
    ranked = sorted(
        enough, key=lambda d: (-(departments[d].timers[Deadline.ANSWER].on_time_share or 0), d)
    )
    return MonthlyReport(
        month=month,
        total=count(cases, policy, now),
        by_department=departments,
        by_topic={t: count(cs, policy, now) for t, cs in sorted(by_topic.items())},
        by_source={s: count(cs, policy, now) for s, cs in sorted(by_source.items())},
        ranked=ranked,
        too_few=[d for d in departments if d not in ranked],
        previous={m: count(cs, policy, now) for m, cs in sorted((previous or {}).items())},
        parties={d: policy.spec(d).party for d in TIMER_ORDER},
    )


def breaches(
    cases: list[Case],
    since: datetime | None,
    until: datetime | None,
    *,
    policy: SlaPolicy | None = None,
    now: datetime | None = None,
) -> list[Breach]:
    """Every missed deadline of these cases as of `now` whose breach falls in [since, until)
    (no bound where None), oldest first. Without `now`, a timer still running is not judged;
    without `policy`, whose clock and role are the default timers'.

    A missed deadline is one the figures count late (`_count_case`): a timer that ended late, or
    one still running past its deadline, whether or not the sweeper saw it — plus any breach the
    sweeper recorded on a timer that was cancelled later. Counting only the sweeper's records
    once left a month's report saying «Нарушений сроков не зафиксировано» beside T2 breaches:
    a timer done late between two sweeps, or never swept, has no record. The breach's instant
    and whom it was on are the sweeper's first (level 0) record where there is one; otherwise
    the instant is when the late duty was done (or the deadline, for one still undone) and the
    officials are left for the service to find (`officials` empty). A deadline missed before
    the message reached us (`Case.arrived_late`) is marked `before_receipt` and names nobody.
    """
    found = []
    for case in cases:
        recorded = {}
        for e in case.escalations:
            if e.kind == "breach" and e.level == 0 and e.timer not in recorded:
                recorded[e.timer] = e
        late = [
            key
            for key, t in case.timers.items()
            if t.outcome is Outcome.LATE or (now is not None and t.running and t.due < now)
        ]
        for key in list(recorded) + [k for k in late if k not in recorded]:
            timer = case.timers.get(key)
            deadline = Deadline(key.split(":")[0])
            spec = policy.spec(deadline) if policy is not None else _DEFAULT_SPECS[deadline]
            e = recorded.get(key)
            if e is not None:
                at, party, role, officials = e.at, e.party, e.accountable, e.notified
            else:
                at = timer.stopped_at if timer.stopped_at is not None else timer.due
                party, role, officials = spec.party.value, spec.accountable.value, ()
            if (since is not None and at < since) or (until is not None and at >= until):
                continue
            before_receipt = key in case.arrived_late
            if before_receipt:
                officials = ()
            departments = (
                (timer.department,) if timer is not None and timer.department else case.departments
            )
            found.append(
                Breach(
                    case.case_id,
                    case.message.external_id,
                    case.message.topic,
                    key,
                    DEADLINE_TITLES_RU[deadline],
                    timer.due if timer else None,
                    at,
                    str(party),
                    str(role),
                    tuple(officials),
                    tuple(departments),
                    before_receipt,
                )
            )
    return sorted(found, key=lambda b: (b.recorded_at, b.case_id, b.timer))
