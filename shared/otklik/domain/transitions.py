"""The case's state machine, as one table: each step of the regulation's flow, the action it
needs (its roles are `roles.PERMISSIONS`), the states it may start from, the states it leads to,
and what else it needs that is not a state.

`refusal` reads the table: each step of the case (`otklik.domain.case`) asks it before it changes
anything, and `Case.allowed_actions` lists the actions of the steps it lets through, so what the
page offers and what the methods do cannot disagree. What a step checks of its own arguments (a
draft id, a text, a timer) stays with the step. Intake is no row (there is no case yet: the
registrar's right is `case.require_registrar`), nor is the record of a curator's callback that
contradicts the case (`Case.record_decision_conflict`), which anyone's callback may leave.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from otklik.domain.errors import DomainError, Forbidden, InvalidTransition
from otklik.domain.roles import PERMISSIONS, Action, Actor, Role
from otklik.domain.states import (
    DRAFTING,
    OPEN,
    STATUS_TITLES_RU,
    Source,
    Status,
)

if TYPE_CHECKING:
    from otklik.domain.case import Case


class Step(StrEnum):
    """A step of the case, named as its method is."""

    PROPOSE_ROUTING = "propose_routing"
    LINK_REPEAT = "link_repeat"
    REPORT_SIGNIFICANCE = "report_significance"
    ACCEPT = "accept"
    RETURN_TO_CURATOR = "return_to_curator"
    MARK_NOT_PROCESSABLE = "mark_not_processable"
    CONTRIBUTE = "contribute"
    SUBMIT_DRAFT = "submit_draft"
    APPROVE_DRAFT = "approve_draft"
    REJECT_DRAFT = "reject_draft"
    MARK_SENT = "mark_sent"
    CURATOR_APPROVE = "curator_approve"
    CURATOR_RETURN = "curator_return"
    PUBLISH = "publish"
    PUBLICATION_FAILED = "publication_failed"
    WITHDRAW = "withdraw"
    ESCALATE = "escalate"
    ADD_NOTE = "add_note"
    ASSIGN = "assign"


# A condition of a step beyond the case's state: why `actor` may not take it, or None.
Condition = Callable[["Case", Actor], DomainError | None]


def contribution_owed(case: Case, actor: Actor) -> DomainError | None:
    """Clause 17: a contribution was asked of the actor's department and is still owed."""
    contribution = case.contributions.get(actor.department or "")
    if contribution is None:
        return Forbidden("Вклад вашего отдела по этому сообщению не запрашивался.")
    if contribution.submitted_at is not None:
        return InvalidTransition("Ваш отдел уже представил вклад.")
    return None


def own_single_department(case: Case, actor: Actor) -> DomainError | None:
    """An executor drafts for their own assigned department, and only a single department's
    answer: the responsible executor writes a joint one (and may write any)."""
    if actor.role is not Role.EXECUTOR:
        return None
    if actor.department not in case.departments:
        return Forbidden("Сообщение не назначено вашему отделу.")
    if case.is_joint:
        return Forbidden("Совместный ответ готовит ответственный исполнитель.")
    return None


def sees_case(case: Case, actor: Actor) -> DomainError | None:
    """An executor acts only on a case of their department (the others see every case)."""
    return None if case.visible_to(actor) else Forbidden("Сообщение не назначено вашему отделу.")


def heads_a_department(case: Case, actor: Actor) -> DomainError | None:
    """An executor assigns only as the head of a department the case is assigned to."""
    if actor.role is not Role.EXECUTOR:
        return None
    if actor.department not in case.departments:
        return Forbidden("Сообщение не назначено вашему отделу.")
    if not actor.lead:
        return Forbidden("Поручить сообщение сотруднику может начальник отдела.")
    return None


def manual_case(case: Case, actor: Actor) -> DomainError | None:
    """Clause 12 by hand: only a case registered by hand is entered into the monitoring system
    by the technical executor; with an integration the approval itself sends the draft."""
    if case.source is not Source.MANUAL:
        return InvalidTransition("Проект передаётся куратору через интеграцию.")
    return None


def _states(*statuses: Status) -> frozenset[Status]:
    return frozenset(statuses)


ANY = frozenset(Status)


@dataclass(frozen=True)
class Transition:
    """One row of the table."""

    action: Action | None  # the permission it needs; None: only the roles of `by`
    sources: frozenset[Status]  # the states it may start from
    targets: frozenset[Status] | None = None  # the states it may lead to; None: it stays
    conditions: tuple[Condition, ...] = ()
    by: frozenset[Role] = frozenset()  # who takes a step that no action of an official covers
    offered: bool = True  # an official's step the page offers; False: the system's own
    forbidden_ru: str = "Это действие недоступно для вашей роли."
    invalid_ru: str = ""  # what the official reads in a wrong state, if not the state's name

    @property
    def roles(self) -> frozenset[Role]:
        return PERMISSIONS[self.action] if self.action is not None else self.by


TRANSITIONS: Mapping[Step, Transition] = MappingProxyType(
    {
        # routing (clauses 18, 20, 24): the system's proposals; the technical executor decides
        Step.PROPOSE_ROUTING: Transition(Action.ROUTE, _states(Status.RECEIVED), offered=False),
        Step.LINK_REPEAT: Transition(Action.ROUTE, _states(Status.RECEIVED), offered=False),
        Step.REPORT_SIGNIFICANCE: Transition(Action.ROUTE, ANY, offered=False),
        # triage (clauses 10, 18, 20)
        Step.ACCEPT: Transition(Action.TRIAGE, _states(Status.RECEIVED), _states(Status.IN_WORK)),
        Step.RETURN_TO_CURATOR: Transition(
            Action.TRIAGE, _states(Status.RECEIVED), _states(Status.RETURNED_TO_CURATOR)
        ),
        Step.MARK_NOT_PROCESSABLE: Transition(
            Action.TRIAGE, _states(Status.RECEIVED), _states(Status.NOT_PROCESSABLE)
        ),
        # drafting (clauses 12, 17, 19)
        Step.CONTRIBUTE: Transition(
            Action.CONTRIBUTE,
            _states(Status.IN_WORK, Status.INTERNAL_REVIEW, Status.REWORK),
            conditions=(contribution_owed,),
        ),
        Step.SUBMIT_DRAFT: Transition(
            Action.SUBMIT_DRAFT,
            DRAFTING,
            _states(Status.INTERNAL_REVIEW),
            conditions=(own_single_department,),
        ),
        # internal approval (clause 12)
        Step.APPROVE_DRAFT: Transition(
            Action.APPROVE_DRAFT,
            _states(Status.INTERNAL_REVIEW),
            _states(Status.READY_TO_SEND, Status.CURATOR_REVIEW),
        ),
        Step.REJECT_DRAFT: Transition(
            Action.REJECT_DRAFT, _states(Status.INTERNAL_REVIEW), DRAFTING
        ),
        Step.MARK_SENT: Transition(
            Action.MARK_SENT,
            _states(Status.READY_TO_SEND),
            _states(Status.CURATOR_REVIEW),
            conditions=(manual_case,),
        ),
        # curator review (clauses 13-14)
        Step.CURATOR_APPROVE: Transition(
            Action.CURATOR_DECIDE, _states(Status.CURATOR_REVIEW), _states(Status.APPROVED)
        ),
        Step.CURATOR_RETURN: Transition(
            Action.CURATOR_DECIDE, _states(Status.CURATOR_REVIEW), _states(Status.REWORK)
        ),
        # publication (clauses 15-16)
        Step.PUBLISH: Transition(
            Action.PUBLISH,
            _states(Status.APPROVED),
            _states(Status.AWAITING_FINAL, Status.ANSWERED),
        ),
        Step.PUBLICATION_FAILED: Transition(
            None,
            _states(Status.APPROVED),
            by=frozenset({Role.SYSTEM}),
            offered=False,
            forbidden_ru="Сбой публикации фиксирует только система.",
        ),
        # the curator takes the message back (clause 10)
        Step.WITHDRAW: Transition(
            Action.WITHDRAW,
            OPEN,
            _states(Status.WITHDRAWN),
            invalid_ru="Сообщение уже закрыто.",
        ),
        # oversight (clauses 21-22): a record on a running timer of an open case
        Step.ESCALATE: Transition(Action.ESCALATE, OPEN, offered=False),
        # the desk's own remarks on a case, at any step and after it closed
        Step.ADD_NOTE: Transition(Action.ADD_NOTE, ANY, conditions=(sees_case,)),
        # a department's part given to one of its officials, once departments are assigned
        Step.ASSIGN: Transition(
            Action.ASSIGN,
            OPEN - {Status.RECEIVED},
            conditions=(heads_a_department,),
            invalid_ru="Поручить можно принятое в работу и не закрытое сообщение.",
        ),
    }
)


def refusal(case: Case, actor: Actor, step: Step) -> DomainError | None:
    """Why `actor` may not take `step` on `case` now, or None if they may. In this order: the
    role (403), a curator's message handed in by another curator (403), the state (409), then
    the step's own conditions."""
    transition = TRANSITIONS[step]
    if actor.role not in transition.roles:
        return Forbidden(transition.forbidden_ru)
    if actor.role is Role.CURATOR and actor.login != case.message.curator.id:
        return Forbidden("Сообщение передано другим куратором.")
    if case.status not in transition.sources:
        return InvalidTransition(
            transition.invalid_ru
            or f"Действие невозможно: сообщение в статусе «{STATUS_TITLES_RU[case.status]}»."
        )
    for condition in transition.conditions:
        error = condition(case, actor)
        if error is not None:
            return error
    return None


def allowed_actions(case: Case, actor: Actor) -> list[Action]:
    """The actions of the offered steps `actor` may take on `case` now, in the table's order."""
    return list(
        dict.fromkeys(
            transition.action
            for step, transition in TRANSITIONS.items()
            if transition.offered
            and transition.action is not None
            and refusal(case, actor, step) is None
        )
    )
