"""Publishing an approved answer (clause 15) through the network's adapter, where one is set up.

Without an adapter for the network (the default) publication is manual: the technical executor,
already told by e-mail, posts the answer and records the link through the staff page.

With one, T6 gives 30 working minutes. A delivery of the publishing queue message:
1. posts the answer (the adapter retries rate limits and 5xx for a few seconds itself);
2. remembers what was posted (an idempotency record keyed by case and draft) *before* recording
   it on the case, so a redelivery after a crash in between records the same post instead of
   posting the answer twice;
3. records the link and the proof of publication on the case as the system (`Case.publish`,
   the step `record_publication` takes for a person).
A temporary failure raises `RetryLater` with the wait the network asked for (or backoff), for
the queue to redeliver — unless this was the queue's last delivery, or the next one would come
too close to T6's end: then, as for a permanent failure, the case records the reason
(`Case.publication_failed`), stays `approved` with T6 running, and the technical executor gets an
e-mail to publish by hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from otklik.domain.case import Case
from otklik.domain.errors import ConcurrentModification, InvalidTransition
from otklik.domain.policy import Deadline
from otklik.domain.roles import SYSTEM_ACTOR
from otklik.domain.states import DraftStatus, Status
from otklik.domain.values import Draft, Receipt
from otklik.httpclient import Budget, PublishError
from otklik.ports import KEY_LIFETIME, KeyStore, Published, Publisher, published_key
from otklik.service.cases import commit
from otklik.service.deps import Deps

log = logging.getLogger(__name__)

# Waits between the queue's deliveries when the network named none: 30 s, 1, 2, 4 min...
QUEUE_BACKOFF_SECONDS = 30
QUEUE_BACKOFF_CAP_SECONDS = 600
RECORD_ATTEMPTS = 3  # a concurrent change of the case (an official viewing, a sweep) is retried


class RetryLater(Exception):
    """A temporary failure: deliver the message again after `delay` seconds."""

    def __init__(self, reason: str, delay: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


@dataclass(frozen=True)
class Delivery:
    """Which delivery of the queue message this is, how long it may wait between in-call
    retries (`budget_seconds`) and how long it may take in all (`deadline_seconds`: the
    function's remaining time less a reserve; None, unbounded but for each request's timeout)."""

    receive_count: int = 1
    max_receives: int = 5
    budget_seconds: float = 8.0
    deadline_seconds: float | None = None
    started: float | None = None  # time.monotonic() when the function measured its time left
    handover: timedelta = timedelta(minutes=10)


@dataclass(frozen=True)
class Outcome:
    status: str  # "published" | "manual" | "skipped" | "failed"
    url: str | None = None
    reason: str | None = None


def publish_approved(
    deps: Deps,
    publishers: dict[str, Publisher],
    *,
    case_id: str,
    draft_id: str,
    now: datetime,
    delivery: Delivery | None = None,
) -> Outcome:
    """Post the approved draft where an adapter is configured; raises `RetryLater`."""
    delivery = delivery or Delivery()
    case = deps.store().get(case_id)
    draft = _approved_draft(case, draft_id)
    if draft is None:
        return Outcome("skipped")  # published already, by hand or by an earlier delivery
    publisher = publishers.get(case.message.network)
    if publisher is None:
        return Outcome("manual")  # the technical executor publishes and records the link
    failure = case.publication_failure
    if failure is not None and failure.draft_id == draft_id:
        return Outcome("manual")  # handed over already: posting now could duplicate a person's
    key = published_key(case_id, draft_id)
    posted = _posted_before(deps.keys, key)
    if posted is None:
        try:
            posted = publisher.publish(
                case.message,
                draft,
                budget=Budget(
                    delivery.budget_seconds,
                    limit=delivery.deadline_seconds,
                    started=delivery.started,
                ),
            )
        except PublishError as error:
            return _failed(deps, case, draft, error, now, delivery)
        _remember(deps.keys, key, posted)
    return _record(deps, case_id, draft_id, posted, now)


def _approved_draft(case: Case, draft_id: str) -> Draft | None:
    draft = next((d for d in case.drafts if d.draft_id == draft_id), None)
    if case.status is not Status.APPROVED or draft is None:
        return None
    return draft if draft.status is DraftStatus.APPROVED else None


def _failed(
    deps: Deps, case: Case, draft: Draft, error: PublishError, now: datetime, delivery: Delivery
) -> Outcome:
    if not error.permanent:
        delay = error.retry_after
        if delay is None:
            delay = min(
                QUEUE_BACKOFF_CAP_SECONDS,
                QUEUE_BACKOFF_SECONDS * 2 ** (delivery.receive_count - 1),
            )
        last = delivery.receive_count >= delivery.max_receives
        too_late = _too_late(case, now + timedelta(seconds=delay), delivery.handover)
        if not last and not too_late:
            raise RetryLater(error.reason, delay)
        why = "попытки исчерпаны" if last else "повтор не успевает до срока публикации"
        reason = f"{error.reason} ({why}, попыток: {delivery.receive_count})"
    else:
        reason = error.reason
    log.warning("publication failed", extra={"case_id": case.case_id, "reason": reason})
    recorded = _retrying(
        deps,
        case.case_id,
        now,
        lambda c: c.publication_failed(
            SYSTEM_ACTOR, draft_id=draft.draft_id, reason=reason, now=now
        ),
    )
    # Not recorded: published by hand or withdrawn meanwhile, or this failure was recorded.
    return Outcome("failed" if recorded else "skipped", reason=reason)


def _too_late(case: Case, next_try: datetime, handover: timedelta) -> bool:
    """Whether the next delivery would leave the technical executor less than `handover` of T6
    (its deadline is working time: a long evening still counts only its working minutes, so the
    check is against the deadline's instant minus the hand-over)."""
    timer = case.timers.get(Deadline.PUBLISH.value)
    if timer is None or not timer.running:
        return False
    return next_try > timer.due - handover


def _posted_before(keys: KeyStore, key: str) -> Published | None:
    found = keys.seen(key)
    if found is None:
        return None
    return Published(
        found["url"],
        Receipt(
            found.get("response_id"),
            found["method"],
            in_thread=bool(found.get("in_thread", True)),
            text=found.get("text"),
        ),
    )


def _remember(keys: KeyStore, key: str, posted: Published) -> None:
    result = {
        "url": posted.url,
        "response_id": posted.receipt.response_id,
        "method": posted.receipt.method,
        "in_thread": posted.receipt.in_thread,
        "text": posted.receipt.text,
    }
    try:
        keys.remember(key, result, lifetime=KEY_LIFETIME)
    except Exception:  # the answer is out; recording it on the case matters more
        log.exception("could not remember the publication %s", key)


def _record(deps: Deps, case_id: str, draft_id: str, posted: Published, now: datetime) -> Outcome:
    def step(case: Case) -> bool:
        if _approved_draft(case, draft_id) is None:
            return False
        case.publish(
            SYSTEM_ACTOR, url=posted.url, now=now, policy=deps.policy, receipt=posted.receipt
        )
        return True

    if _retrying(deps, case_id, now, step):
        return Outcome("published", url=posted.url)
    log.warning(
        "posted, but the case had moved on (published by hand or withdrawn meanwhile)",
        extra={"case_id": case_id, "url": posted.url},
    )
    return Outcome("skipped", url=posted.url)


def _retrying(deps: Deps, case_id: str, now: datetime, step) -> bool:
    """Load, apply `step`, commit; reload and again if someone changed the case meanwhile.
    False if `step` found nothing to do (it returned False or the case refused the step)."""
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        store = deps.store()
        case = store.get(case_id)
        try:
            if step(case) is False:
                return False
        except InvalidTransition:
            return False
        try:
            commit(deps, store, case, now)
            return True
        except ConcurrentModification:
            if attempt == RECORD_ATTEMPTS:
                raise  # the queue redelivers; a remembered post is recorded then
    return False
