"""Retention of citizens' personal data (152-FZ): `RETENTION_MONTHS` (default 36) after a case
closes, the sweeper replaces the citizen's name, profile link, author id, text and attachments in
it by a marker (`Case.anonymise`, its own timeline and audit entry).

Which cases are due, without a Scan. A case closes after it is received, so a case closed
`RETENTION_MONTHS` ago was received before the cutoff `now - RETENTION_MONTHS`: only receipts
before the cutoff can be due, and they are found through the by-month index (`month` = the local
month of receipt, ordered by `received_at`), window by window. A cursor in the key store
(`retention:cursor`) remembers how far the receipts have been gone through (`after`); each pass
reads forward from it to the cutoff, so every case is read once when it comes of age, not on
every sweep. A case received before the cutoff that is not yet due (still open, or closed less
than the period ago) is held in the cursor with the time it becomes due, and read again only
then (an open one at each pass): there are few, the rare cases answered years after receipt.

How the cost stays bounded:
- a pass runs only while there is a backlog, else once a day (`PASS_INTERVAL`); a sweep that
  finds nothing to do reads one key;
- a pass reads at most `MAX_WINDOWS` windows of at most one local month each that held cases
  (a Query of the by-month index with a range on `received_at`, keys only, then one batch read
  of the cases) and `MAX_QUERIES` Queries in all (an empty month costs one), and anonymises
  at most `batch` cases (`BATCH`), each one consistent read and one conditional write of the
  case with its audit entry. A backlog (the policy switched on with years of history) clears
  month by month, `BATCH` cases per sweep every 5 minutes, then follows the cutoff a day at a
  time;
- the held cases re-read are at most `batch` per pass, and only those whose time has come.
The cost follows the cases coming of age, never the size of the whole table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aws_lambda_powertools import Logger

from otklik.domain.case import Case, add_months
from otklik.domain.errors import ConcurrentModification
from otklik.domain.roles import SYSTEM_ACTOR
from otklik.service.cases import commit
from otklik.service.deps import Deps

logger = Logger(service="otklik-retention")

RETENTION_MONTHS_ENV = "RETENTION_MONTHS"
DEFAULT_RETENTION_MONTHS = 36
CURSOR_KEY = "retention:cursor"
CURSOR_LIFETIME = 20 * 365 * 24 * 3600  # the key store forgets keys; this one must outlive us
# No case is older than the regulation (resolution No. 856 of 07.08.2020): the first pass of a
# deployment starts here, one Query per empty month.
EARLIEST = datetime(2020, 8, 1, tzinfo=UTC)
BATCH = 100  # cases anonymised per pass at most
MAX_WINDOWS = 12  # months of receipts that held cases, read per pass at most
MAX_QUERIES = 120  # Queries of the by-month index per pass at most (an empty month costs one)
PASS_INTERVAL = timedelta(days=1)  # once caught up


def retention_months(deps: Deps | None = None) -> int:
    """The policy: months after closing, from the settings if they carry it, else
    `RETENTION_MONTHS` (the template's RetentionMonths), else 36."""
    configured = getattr(getattr(deps, "settings", None), "retention_months", None)
    if configured:
        return int(configured)
    raw = (os.environ.get(RETENTION_MONTHS_ENV) or "").strip()
    months = int(raw) if raw else DEFAULT_RETENTION_MONTHS
    if months < 1:
        raise ValueError(f"{RETENTION_MONTHS_ENV} must be at least 1")
    return months


@dataclass
class RetentionReport:
    ran: bool = False  # False: caught up, the next pass is not due yet
    examined: int = 0
    anonymised: list[str] = field(default_factory=list)
    held: int = 0  # received before the cutoff but not yet due
    conflicts: int = 0
    failures: list[str] = field(default_factory=list)
    caught_up: bool = False


@dataclass
class _Cursor:
    after: datetime
    held: dict[str, str]  # case id -> ISO time it becomes due, "" while it is open
    next_pass: datetime | None

    @classmethod
    def read(cls, raw: dict | None) -> _Cursor:
        raw = raw or {}
        return cls(
            after=_parse(raw.get("after")) or EARLIEST,
            held=dict(raw.get("held") or {}),
            next_pass=_parse(raw.get("next_pass")),
        )

    def plain(self) -> dict:
        return {
            "after": self.after.astimezone(UTC).isoformat(),
            "held": dict(self.held),
            "next_pass": self.next_pass.astimezone(UTC).isoformat() if self.next_pass else None,
        }


def anonymise_due(
    deps: Deps, now: datetime, *, months: int | None = None, batch: int = BATCH
) -> RetentionReport:
    """Anonymise the closed cases whose retention period has passed, a bounded batch at a time
    (module docstring); returns what it did."""
    months = months if months is not None else retention_months(deps)
    report = RetentionReport()
    cursor = _Cursor.read(deps.keys.seen(CURSOR_KEY))
    if cursor.next_pass is not None and now < cursor.next_pass:
        report.held = len(cursor.held)
        return report
    report.ran = True
    cutoff = add_months(now, -months)
    store = deps.store()
    budget = [batch]

    def settle(case: Case) -> bool:
        """Anonymise `case` if due, else hold it; False if the pass must stop here."""
        report.examined += 1
        if case.anonymised_at is not None:
            cursor.held.pop(case.case_id, None)
            return True
        due = case.retention_due(months)
        if due is None or due > now:
            cursor.held[case.case_id] = due.astimezone(UTC).isoformat() if due else ""
            return True
        if budget[0] <= 0:
            return False
        try:
            # read again, consistently: the batch read is eventually consistent and the
            # commit is conditional on the version this read saw
            case = store.get(case.case_id)
            due = case.retention_due(months)
            if case.anonymised_at is None and due is not None and due <= now:
                case.anonymise(SYSTEM_ACTOR, now=now, retention_months=months)
                commit(deps, store, case, now)
                report.anonymised.append(case.case_id)
                budget[0] -= 1
            cursor.held.pop(case.case_id, None)
        except ConcurrentModification:
            report.conflicts += 1  # changed meanwhile: the next pass reads it again
            return False
        except Exception:  # one broken case must not stop the others: held, retried
            logger.exception("anonymising failed for a case", extra={"case_id": case.case_id})
            report.failures.append(case.case_id)
            cursor.held[case.case_id] = ""
        return True

    # The held cases whose time has come (and the open ones), a batch at most.
    ripe = [
        case_id
        for case_id, due in sorted(cursor.held.items(), key=lambda kv: kv[1])
        if not due or _parse(due) <= now
    ][:batch]
    for case in store.get_many(ripe):
        if not settle(case):
            break

    # The receipts from the cursor to the cutoff, a local month at a time.
    stopped = False
    windows = 0
    for _ in range(MAX_QUERIES):
        if cursor.after >= cutoff or budget[0] <= 0 or windows >= MAX_WINDOWS:
            break
        until = min(cutoff, _next_month(cursor.after, deps))
        cases = sorted(store.received_since(cursor.after, until), key=lambda c: c.received_at)
        windows += bool(cases)
        for case in cases:
            if case.received_at < cursor.after:
                continue
            if not settle(case):
                cursor.after = case.received_at  # the pass resumes at this case
                stopped = True
                break
        if stopped:
            break
        cursor.after = until

    report.caught_up = cursor.after >= cutoff and not stopped and budget[0] > 0
    cursor.next_pass = now + PASS_INTERVAL if report.caught_up else None
    report.held = len(cursor.held)
    deps.keys.remember(CURSOR_KEY, cursor.plain(), lifetime=CURSOR_LIFETIME)
    if report.anonymised or report.failures:
        logger.info(
            "retention pass",
            extra={
                "anonymised": len(report.anonymised),
                "failures": len(report.failures),
                "held": report.held,
                "caught_up": report.caught_up,
                "after": cursor.after.isoformat(),
            },
        )
    return report


def _next_month(at: datetime, deps: Deps) -> datetime:
    """The start of the local month after the one `at` falls in (the by-month index's months
    are local, `Deps.display_tz`)."""
    local = at.astimezone(deps.display_tz)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return add_months(first, 1).astimezone(UTC)


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
