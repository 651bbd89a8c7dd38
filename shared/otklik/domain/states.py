"""The codes a case and its drafts are in, and how its messages and steps came to us.

The contract (docs/design.md) fixes the status codes; the Russian titles are what officials read.
Which step leads from which status to which is `otklik.domain.transitions`.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    RECEIVED = "received"
    RETURNED_TO_CURATOR = "returned_to_curator"
    NOT_PROCESSABLE = "not_processable"
    IN_WORK = "in_work"
    INTERNAL_REVIEW = "internal_review"
    READY_TO_SEND = "ready_to_send"  # a manual case's approved draft, to enter into the system
    CURATOR_REVIEW = "curator_review"
    REWORK = "rework"
    APPROVED = "approved"
    AWAITING_FINAL = "awaiting_final"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


CLOSED = frozenset(
    {Status.RETURNED_TO_CURATOR, Status.NOT_PROCESSABLE, Status.ANSWERED, Status.WITHDRAWN}
)
OPEN = frozenset(Status) - CLOSED
DRAFTING = frozenset({Status.IN_WORK, Status.REWORK, Status.AWAITING_FINAL})

STATUS_TITLES_RU = {
    Status.RECEIVED: "Новое",
    Status.RETURNED_TO_CURATOR: "Возвращено куратору",
    Status.NOT_PROCESSABLE: "Не подлежит обработке",
    Status.IN_WORK: "В работе",
    Status.INTERNAL_REVIEW: "На согласовании",
    Status.READY_TO_SEND: "Готов к отправке куратору",
    Status.CURATOR_REVIEW: "У куратора",
    Status.REWORK: "На доработке",
    Status.APPROVED: "Согласовано, к публикации",
    Status.AWAITING_FINAL: "Дан промежуточный ответ",
    Status.ANSWERED: "Ответ опубликован",
    Status.WITHDRAWN: "Отозвано куратором",
}


class DraftKind(StrEnum):
    FINAL = "final"
    INTERIM = "interim"


class DraftStatus(StrEnum):
    INTERNAL_REVIEW = "internal_review"
    REJECTED = "rejected"
    READY_TO_SEND = "ready_to_send"
    CURATOR_REVIEW = "curator_review"
    RETURNED = "returned"
    APPROVED = "approved"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class Source(StrEnum):
    """How the message reached us, and so how the curator's side of the flow is carried.

    WEBHOOK: the monitoring system integrates (signed webhook, callbacks, outbound calls).
    MANUAL: the technical executor registered it from the monitoring system's page or e-mail
    notice, enters drafts there and records the curator's decisions here by hand.
    """

    WEBHOOK = "webhook"
    MANUAL = "manual"


SOURCE_TITLES_RU = {
    Source.WEBHOOK: "Из системы мониторинга (интеграция)",
    Source.MANUAL: "Зарегистрировано вручную",
}


class Via(StrEnum):
    """How one step reached us, as the audit trail and reports tell it."""

    WEBHOOK = "webhook"  # the monitoring system's signed message
    CALLBACK = "callback"  # the monitoring system's signed curator decision
    INTEGRATION = "integration"  # our outbound call to the monitoring system
    MANUAL = "manual"  # entered by an official from what they saw in the monitoring system


class CuratorEvent(StrEnum):
    """The curator's decisions, as the monitoring system names them (the contract)."""

    APPROVED = "draft_approved"
    RETURNED = "draft_returned"
    WITHDRAWN = "message_withdrawn"
