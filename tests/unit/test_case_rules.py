"""What the case refuses: transitions from the wrong state, the wrong role or department, bad input.

Every refusal must leave the case exactly as it was (same version, status, timers, drafts,
timeline, events), so the service layer can answer 403/409/422 without a half-applied change.
Cases are built on Monday 2026-02-09 (Barnaul), one step every five minutes from 10:05.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from otklik.domain import transitions
from otklik.domain.case import Case
from otklik.domain.errors import DomainError, Forbidden, InvalidInput, InvalidTransition, NotFound
from otklik.domain.roles import PERMISSIONS, Action, Actor, Role
from otklik.domain.states import DraftKind, DraftStatus, Status
from otklik.domain.transitions import TRANSITIONS

TEXT = "Ирина, здравствуйте! Ямочный ремонт ул. Центральной выполнен, фото во вложении."
URL = "https://vk.com/wall-170171414_52107?reply=52140"
REASON = "Вопрос в компетенции краевого Минтранса."

# How each state is reached from intake, one step every five minutes.
SCENARIOS: dict[str, tuple[str, ...]] = {
    "received": (),
    "returned_to_curator": ("return",),
    "not_processable": ("not_processable",),
    "in_work": ("accept",),
    "internal_review": ("accept", "draft"),
    "curator_review": ("accept", "draft", "approve"),
    "rework": ("accept", "draft", "approve", "curator_return"),
    "approved": ("accept", "draft", "approve", "curator_approve"),
    "awaiting_final": ("accept", "interim", "approve", "curator_approve", "publish"),
    "answered": ("accept", "draft", "approve", "curator_approve", "publish"),
    "withdrawn": ("accept", "withdraw"),
    # a joint answer of two departments, written by the responsible executor
    "in_work_joint": ("accept_joint",),
    "internal_review_joint": ("accept_joint", "draft_resp"),
    "rework_joint": ("accept_joint", "draft_resp", "approve", "curator_return"),
    # registered by hand: the approved draft waits to be entered into the monitoring system
    "ready_to_send": ("accept", "draft", "approve"),
}
MANUAL_SCENARIOS = frozenset({"ready_to_send"})
STATUS_SCENARIO = {status: status.value for status in Status}

Step = Callable[[Case, dict[str, Actor], datetime, object], object]
STEPS: dict[str, Step] = {
    "accept": lambda c, a, now, p: c.accept(a["tech"], departments=["roads"], now=now, policy=p),
    "accept_joint": lambda c, a, now, p: c.accept(
        a["tech"], departments=["roads", "housing"], now=now, policy=p
    ),
    "return": lambda c, a, now, p: c.return_to_curator(a["tech"], reason=REASON, now=now),
    "not_processable": lambda c, a, now, p: c.mark_not_processable(
        a["tech"], reason="Нецензурная брань.", now=now
    ),
    "draft": lambda c, a, now, p: c.submit_draft(
        a["roads"], text=TEXT, kind=DraftKind.FINAL, now=now
    ),
    "interim": lambda c, a, now, p: c.submit_draft(
        a["roads"], text=TEXT, kind=DraftKind.INTERIM, now=now
    ),
    "draft_resp": lambda c, a, now, p: c.submit_draft(
        a["resp"], text=TEXT, kind=DraftKind.FINAL, now=now
    ),
    "approve": lambda c, a, now, p: c.approve_draft(
        a["resp"], draft_id=c.current_draft.draft_id, now=now, policy=p
    ),
    "curator_approve": lambda c, a, now, p: c.curator_approve(
        a["curator"], draft_id=c.current_draft.draft_id, now=now, policy=p
    ),
    "curator_return": lambda c, a, now, p: c.curator_return(
        a["curator"], draft_id=c.current_draft.draft_id, comment="Фото?", now=now, policy=p
    ),
    "publish": lambda c, a, now, p: c.publish(a["tech"], url=URL, now=now, policy=p),
    "withdraw": lambda c, a, now, p: c.withdraw(a["curator"], comment="Пост удалён.", now=now),
}


def _draft_id(case: Case) -> str:
    return case.current_draft.draft_id if case.current_draft else "d-none"


@dataclass
class Ctx:
    actors: dict[str, Actor]
    policy: object
    now: datetime


# An official of the roads department who does not head it: cases are assigned to him.
POPOV = Actor("popov", Role.EXECUTOR, department="roads", name="Попов Д. С.", lead=False)

ORLOVA = Actor("orlova", Role.EXECUTOR, department="housing", name="Орлова Е. А.", lead=False)


def _colleague(actor: Actor) -> Actor:
    """Whom `actor` assigns a part to: an official of their department (roads' for others)."""
    return ORLOVA if actor.department == "housing" else POPOV


# name -> (action it needs, who normally does it, how)
Op = Callable[[Case, Actor, Ctx], object]
OPS: dict[str, tuple[Action, str, Op]] = {
    "propose_routing": (
        Action.ROUTE,
        "system",
        lambda c, a, x: c.propose_routing(a, departments=["roads"], flags=[], now=x.now),
    ),
    "link_repeat": (
        Action.ROUTE,
        "system",
        lambda c, a, x: c.link_repeat(a, earlier_case_id="case-0", handled_by="roads", now=x.now),
    ),
    "accept": (
        Action.TRIAGE,
        "tech",
        lambda c, a, x: c.accept(a, departments=["roads"], now=x.now, policy=x.policy),
    ),
    "return_to_curator": (
        Action.TRIAGE,
        "tech",
        lambda c, a, x: c.return_to_curator(a, reason=REASON, now=x.now),
    ),
    "mark_not_processable": (
        Action.TRIAGE,
        "tech",
        lambda c, a, x: c.mark_not_processable(a, reason="Угрозы в адрес главы.", now=x.now),
    ),
    "contribute": (
        Action.CONTRIBUTE,
        "roads",
        lambda c, a, x: c.contribute(a, text="Отдел дорог: ремонт в июне.", now=x.now),
    ),
    "submit_draft": (
        Action.SUBMIT_DRAFT,
        "resp",
        lambda c, a, x: c.submit_draft(a, text=TEXT, kind=DraftKind.FINAL, now=x.now),
    ),
    "approve_draft": (
        Action.APPROVE_DRAFT,
        "resp",
        lambda c, a, x: c.approve_draft(a, draft_id=_draft_id(c), now=x.now, policy=x.policy),
    ),
    "mark_sent": (
        Action.MARK_SENT,
        "tech",
        lambda c, a, x: c.mark_sent(a, draft_id=_draft_id(c), now=x.now, policy=x.policy),
    ),
    "reject_draft": (
        Action.REJECT_DRAFT,
        "resp",
        lambda c, a, x: c.reject_draft(a, draft_id=_draft_id(c), comment="Уточните.", now=x.now),
    ),
    "curator_approve": (
        Action.CURATOR_DECIDE,
        "curator",
        lambda c, a, x: c.curator_approve(a, draft_id=_draft_id(c), now=x.now, policy=x.policy),
    ),
    "curator_return": (
        Action.CURATOR_DECIDE,
        "curator",
        lambda c, a, x: c.curator_return(
            a, draft_id=_draft_id(c), comment="Добавьте фото.", now=x.now, policy=x.policy
        ),
    ),
    "publish": (
        Action.PUBLISH,
        "tech",
        lambda c, a, x: c.publish(a, url=URL, now=x.now, policy=x.policy),
    ),
    "withdraw": (
        Action.WITHDRAW,
        "curator",
        lambda c, a, x: c.withdraw(a, comment="Пост удалён.", now=x.now),
    ),
    "report_significance": (
        Action.ROUTE,
        "system",
        lambda c, a, x: c.report_significance(a, reason="high_importance", now=x.now),
    ),
    "escalate": (
        Action.ESCALATE,
        "system",
        lambda c, a, x: c.escalate(
            a,
            timer="answer_due",
            kind="warning",
            level=0,
            notified=["resp"],
            now=x.now,
            policy=x.policy,
        ),
    ),
    "add_note": (
        Action.ADD_NOTE,
        "tech",
        lambda c, a, x: c.add_note(a, text="Позвонили в МУП.", now=x.now),
    ),
    "assign": (
        Action.ASSIGN,
        "resp",
        lambda c, a, x: c.assign(
            a, assignee=_colleague(a), department=_colleague(a).department, now=x.now
        ),
    ),
}

OPEN = frozenset(
    {
        Status.RECEIVED,
        Status.IN_WORK,
        Status.INTERNAL_REVIEW,
        Status.READY_TO_SEND,
        Status.CURATOR_REVIEW,
        Status.REWORK,
        Status.APPROVED,
        Status.AWAITING_FINAL,
    }
)
# The states each transition may start from (docs/design.md's flow).
ALLOWED_FROM: dict[str, frozenset[Status]] = {
    "propose_routing": frozenset({Status.RECEIVED}),
    "link_repeat": frozenset({Status.RECEIVED}),
    "accept": frozenset({Status.RECEIVED}),
    "return_to_curator": frozenset({Status.RECEIVED}),
    "mark_not_processable": frozenset({Status.RECEIVED}),
    "contribute": frozenset({Status.IN_WORK, Status.INTERNAL_REVIEW, Status.REWORK}),
    "submit_draft": frozenset({Status.IN_WORK, Status.REWORK, Status.AWAITING_FINAL}),
    "approve_draft": frozenset({Status.INTERNAL_REVIEW}),
    "reject_draft": frozenset({Status.INTERNAL_REVIEW}),
    "mark_sent": frozenset({Status.READY_TO_SEND}),
    "curator_approve": frozenset({Status.CURATOR_REVIEW}),
    "curator_return": frozenset({Status.CURATOR_REVIEW}),
    "publish": frozenset({Status.APPROVED}),
    "withdraw": OPEN,
    "assign": OPEN - {Status.RECEIVED},  # once departments are assigned, until it closes
}
# The steps that record something on the way rather than move the flow, and where they may.
RECORDED_FROM: dict[str, frozenset[Status]] = {
    "report_significance": frozenset(Status),  # clause 24: whenever it turns out
    "escalate": OPEN,  # clauses 21-22: on a timer still running
    "publication_failed": frozenset({Status.APPROVED}),  # clause 15: a person publishes instead
    "add_note": frozenset(Status),  # the desk's own remark, at any step, closed cases too
}

ROLE_ACTOR = {
    Role.TECHNICAL: "tech",
    Role.RESPONSIBLE: "resp",
    Role.EXECUTOR: "roads",
    Role.HEAD: "head",
    Role.CURATOR: "curator",
    Role.SYSTEM: "system",
}
# A state in which each operation is otherwise allowed, so only the actor can be the reason.
OP_SCENARIO = {
    "propose_routing": "received",
    "link_repeat": "received",
    "accept": "received",
    "return_to_curator": "received",
    "mark_not_processable": "received",
    "contribute": "in_work_joint",
    "submit_draft": "in_work",
    "approve_draft": "internal_review",
    "reject_draft": "internal_review",
    "mark_sent": "ready_to_send",
    "curator_approve": "curator_review",
    "curator_return": "curator_review",
    "publish": "approved",
    "withdraw": "in_work",
    "report_significance": "received",
    "escalate": "in_work",
    "add_note": "answered",
    "assign": "in_work",
}


@pytest.fixture
def other_curator() -> Actor:
    """A curator of the region, but not the one who handed this message in."""
    return Actor("c-2", Role.CURATOR, name="Другой куратор")


@pytest.fixture
def parks() -> Actor:
    return Actor("parks", Role.EXECUTOR, department="parks", name="Отдел благоустройства")


@pytest.fixture
def ctx(actors, policy, local) -> Ctx:
    return Ctx(actors, policy, local(2026, 2, 9, 11, 30))


@pytest.fixture
def build(actors, policy, make_message, local) -> Callable[[str], Case]:
    """`build(scenario)`: a fresh case in that scenario's state."""

    def build(name: str) -> Case:
        clock = iter(local(2026, 2, 9, 10, 5) + timedelta(minutes=5 * i) for i in range(100))
        message = make_message(detected_at=local(2026, 2, 9, 10, 0))
        if name in MANUAL_SCENARIOS:
            case = Case.register(actors["tech"], message, now=next(clock), policy=policy)
        else:
            case = Case.receive(message, now=next(clock), policy=policy, case_id="case-1")
        for step in SCENARIOS[name]:
            STEPS[step](case, actors, next(clock), policy)
        expected = name.removesuffix("_joint")
        assert case.status.value == expected, f"scenario {name} reached {case.status}"
        case.pull_events()
        return case

    return build


def assert_refused(case: Case, error: type[DomainError], attempt: Callable[[], object]):
    """`attempt` raises `error` and leaves the case exactly as it was."""
    before = copy.deepcopy(case)
    with pytest.raises(error) as raised:
        attempt()
    assert case.version == before.version
    assert case.status is before.status
    assert case == before
    assert case.events == before.events
    return raised.value


# -- state machine ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "op"),
    [
        pytest.param(status, op, id=f"{status.value}-{op}")
        for status in Status
        for op, allowed in ALLOWED_FROM.items()
        if status not in allowed
    ],
)
def test_an_operation_from_a_state_that_does_not_allow_it_is_an_invalid_transition(
    build, ctx, status, op
):
    case = build(STATUS_SCENARIO[status])
    _, who, run = OPS[op]

    assert_refused(case, InvalidTransition, lambda: run(case, ctx.actors[who], ctx))


@pytest.mark.parametrize(
    ("status", "op"),
    [
        pytest.param(status, op, id=f"{status.value}-{op}")
        for op, allowed in ALLOWED_FROM.items()
        for status in Status
        if status in allowed
    ],
)
def test_an_operation_succeeds_from_every_state_that_allows_it(build, ctx, status, op):
    # contributions exist only in a joint answer
    scenario = f"{status.value}_joint" if op == "contribute" else status.value
    case = build(scenario)
    version = case.version
    _, who, run = OPS[op]

    run(case, ctx.actors[who], ctx)

    assert case.version == version + 1
    assert case.status in (TRANSITIONS[transitions.Step(op)].targets or {status})


def test_the_transition_matrix_covers_every_state_and_every_transition():
    assert set(STATUS_SCENARIO.values()) <= set(SCENARIOS)
    # escalation, the report to the head (clause 24) and notes are records, not transitions
    assert set(ALLOWED_FROM) == set(OPS) - {"escalate", "report_significance", "add_note"}


def test_the_domain_s_transition_table_is_the_regulation_s_flow():
    """The table the case's guards and `allowed_actions` read says what this file says."""
    assert {step.value: t.sources for step, t in TRANSITIONS.items()} == (
        ALLOWED_FROM | RECORDED_FROM
    )
    assert {step.value: t.action for step, t in TRANSITIONS.items() if step.value in OPS} == {
        op: action for op, (action, _, _) in OPS.items()
    }
    # the one step no official's action covers: only the publishing adapter records it
    assert TRANSITIONS[transitions.Step.PUBLICATION_FAILED].roles == {Role.SYSTEM}


# -- roles (clauses 5-8) ---------------------------------------------------------------------------


def test_the_permission_table_follows_the_regulation():
    assert {action: set(roles) for action, roles in PERMISSIONS.items()} == {
        Action.REGISTER: {Role.TECHNICAL},
        Action.TRIAGE: {Role.TECHNICAL},
        Action.CONTRIBUTE: {Role.EXECUTOR},
        Action.SUBMIT_DRAFT: {Role.EXECUTOR, Role.RESPONSIBLE},
        Action.APPROVE_DRAFT: {Role.RESPONSIBLE},
        Action.REJECT_DRAFT: {Role.RESPONSIBLE},
        Action.MARK_SENT: {Role.TECHNICAL},
        # the technical executor records what the curator decided in the monitoring system
        Action.CURATOR_DECIDE: {Role.CURATOR, Role.TECHNICAL},
        Action.PUBLISH: {Role.TECHNICAL, Role.SYSTEM},
        Action.WITHDRAW: {Role.CURATOR, Role.TECHNICAL},
        Action.ROUTE: {Role.SYSTEM},
        Action.ESCALATE: {Role.SYSTEM},
        Action.VIEW_REPORTS: {Role.RESPONSIBLE, Role.HEAD},
        # the desk's internal notes: every official of the administration who sees the case
        Action.ADD_NOTE: {Role.TECHNICAL, Role.RESPONSIBLE, Role.EXECUTOR, Role.HEAD},
        # a department's part to one of its officials: by its head, or the responsible executor
        Action.ASSIGN: {Role.EXECUTOR, Role.RESPONSIBLE},
        Action.EDIT_TEMPLATES: {Role.RESPONSIBLE, Role.TECHNICAL},
    }


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_only_the_responsible_executor_and_the_head_read_reports(actors, role):
    actor = actors[ROLE_ACTOR[role]]

    assert actor.may(Action.VIEW_REPORTS) is (role in (Role.RESPONSIBLE, Role.HEAD))


@pytest.mark.parametrize(
    ("op", "role"),
    [
        pytest.param(op, role, id=f"{role.value}-{op}")
        for op, (action, _, _) in OPS.items()
        for role in Role
        if role not in PERMISSIONS[action]
    ],
)
def test_a_role_without_the_permission_is_forbidden(build, ctx, op, role):
    case = build(OP_SCENARIO[op])
    _, _, run = OPS[op]

    assert_refused(case, Forbidden, lambda: run(case, ctx.actors[ROLE_ACTOR[role]], ctx))


@pytest.mark.parametrize(
    ("op", "role"),
    [
        pytest.param(op, role, id=f"{role.value}-{op}")
        for op, (action, _, _) in OPS.items()
        for role in Role
        if role in PERMISSIONS[action]
    ],
)
def test_a_role_with_the_permission_may_act(build, ctx, op, role):
    case = build(OP_SCENARIO[op])
    version = case.version
    _, _, run = OPS[op]

    run(case, ctx.actors[ROLE_ACTOR[role]], ctx)

    assert case.version == version + 1


# -- departments and the curator's own messages ----------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "who", "op"),
    [
        pytest.param("in_work", "housing", "submit_draft", id="other-department-drafts"),
        pytest.param("rework", "housing", "submit_draft", id="other-department-reworks"),
        pytest.param("in_work", "housing", "contribute", id="other-department-contributes"),
        pytest.param(
            "in_work_joint", "parks", "contribute", id="unassigned-department-contributes"
        ),
        pytest.param("in_work", "roads", "contribute", id="no-contribution-in-a-single-answer"),
        pytest.param("in_work_joint", "roads", "submit_draft", id="executor-drafts-joint-answer"),
        pytest.param("rework_joint", "roads", "submit_draft", id="executor-reworks-joint-answer"),
    ],
)
def test_executors_act_only_for_their_own_assigned_department(build, ctx, parks, scenario, who, op):
    case = build(scenario)
    actor = parks if who == "parks" else ctx.actors[who]
    _, _, run = OPS[op]

    assert_refused(case, Forbidden, lambda: run(case, actor, ctx))


@pytest.mark.parametrize(
    "scenario", ["in_work_joint", "rework_joint"], ids=["joint", "joint-rework"]
)
def test_the_responsible_executor_writes_a_joint_answer(build, ctx, scenario):
    case = build(scenario)

    draft = case.submit_draft(ctx.actors["resp"], text=TEXT, kind=DraftKind.FINAL, now=ctx.now)

    assert case.status is Status.INTERNAL_REVIEW
    assert draft.author == "resp"


def test_the_responsible_executor_may_also_draft_a_single_department_answer(build, ctx):
    case = build("in_work")

    case.submit_draft(ctx.actors["resp"], text=TEXT, kind=DraftKind.FINAL, now=ctx.now)

    assert case.status is Status.INTERNAL_REVIEW


@pytest.mark.parametrize(
    ("scenario", "op"),
    [
        pytest.param("curator_review", "curator_approve", id="approve"),
        pytest.param("curator_review", "curator_return", id="return"),
        pytest.param("in_work", "withdraw", id="withdraw"),
    ],
)
def test_a_curator_who_did_not_hand_the_message_in_cannot_decide_on_it(
    build, ctx, other_curator, scenario, op
):
    case = build(scenario)
    _, _, run = OPS[op]

    assert_refused(case, Forbidden, lambda: run(case, other_curator, ctx))


# -- input -----------------------------------------------------------------------------------------

BLANK_INPUTS = [
    ("no-departments", "received", "accept", {"departments": []}, "departments"),
    ("blank-departments", "received", "accept", {"departments": ["  ", ""]}, "departments"),
    ("empty-return-reason", "received", "return_to_curator", {"reason": ""}, "reason"),
    ("blank-return-reason", "received", "return_to_curator", {"reason": "   "}, "reason"),
    ("blank-clause-20-reason", "received", "mark_not_processable", {"reason": " \n "}, "reason"),
    ("empty-contribution", "in_work_joint", "contribute", {"text": ""}, "text"),
    ("blank-draft", "in_work", "submit_draft", {"text": "  "}, "text"),
    ("empty-rejection-comment", "internal_review", "reject_draft", {"comment": ""}, "comment"),
    ("blank-curator-comment", "curator_review", "curator_return", {"comment": "   "}, "comment"),
    ("empty-url", "approved", "publish", {"url": ""}, "url"),
    ("url-without-scheme", "approved", "publish", {"url": "vk.com/wall-1_2"}, "url"),
    ("blank-significance", "received", "report_significance", {"reason": " "}, "reason"),
]


def _call_with(case: Case, op: str, ctx: Ctx, **override):
    a, now, policy, draft_id = ctx.actors, ctx.now, ctx.policy, _draft_id(case)
    calls = {
        "accept": lambda: case.accept(a["tech"], now=now, policy=policy, **override),
        "return_to_curator": lambda: case.return_to_curator(a["tech"], now=now, **override),
        "mark_not_processable": lambda: case.mark_not_processable(a["tech"], now=now, **override),
        "contribute": lambda: case.contribute(a["roads"], now=now, **override),
        "submit_draft": lambda: case.submit_draft(
            a["roads"], kind=DraftKind.FINAL, now=now, **override
        ),
        "reject_draft": lambda: case.reject_draft(
            a["resp"], draft_id=draft_id, now=now, **override
        ),
        "curator_return": lambda: case.curator_return(
            a["curator"], draft_id=draft_id, now=now, policy=policy, **override
        ),
        "publish": lambda: case.publish(a["tech"], now=now, policy=policy, **override),
        "report_significance": lambda: case.report_significance(a["system"], now=now, **override),
    }
    return calls[op]()


@pytest.mark.parametrize(
    ("scenario", "op", "override", "field"),
    [pytest.param(*row[1:], id=row[0]) for row in BLANK_INPUTS],
)
def test_blank_or_malformed_input_is_refused_with_the_field_named(
    build, ctx, scenario, op, override, field
):
    case = build(scenario)

    error = assert_refused(case, InvalidInput, lambda: _call_with(case, op, ctx, **override))

    assert set(error.fields) == {field}
    assert error.message


def test_a_message_cannot_repeat_itself(build, ctx):
    case = build("received")

    assert_refused(
        case,
        InvalidInput,
        lambda: case.link_repeat(
            ctx.actors["system"], earlier_case_id="case-1", handled_by=None, now=ctx.now
        ),
    )


@pytest.mark.parametrize("who", ["roads", "resp"])
def test_after_an_interim_answer_only_a_final_draft_is_accepted(build, ctx, who):
    case = build("awaiting_final")
    actor = ctx.actors[who]

    error = assert_refused(
        case,
        InvalidInput,
        lambda: case.submit_draft(actor, text=TEXT, kind=DraftKind.INTERIM, now=ctx.now),
    )
    assert set(error.fields) == {"kind"}

    case.submit_draft(actor, text=TEXT, kind=DraftKind.FINAL, now=ctx.now)
    assert case.status is Status.INTERNAL_REVIEW


def test_a_second_interim_draft_is_fine_while_none_has_been_published(build, ctx):
    case = build("rework")  # the first draft was returned by the curator

    draft = case.submit_draft(ctx.actors["roads"], text=TEXT, kind="interim", now=ctx.now)

    assert draft.kind is DraftKind.INTERIM


@pytest.mark.parametrize(
    ("scenario", "op"),
    [
        pytest.param("internal_review", "approve_draft", id="approve"),
        pytest.param("internal_review", "reject_draft", id="reject"),
        pytest.param("curator_review", "curator_approve", id="curator-approve"),
        pytest.param("curator_review", "curator_return", id="curator-return"),
    ],
)
def test_an_unknown_draft_is_not_found(build, ctx, scenario, op):
    case = build(scenario)
    a, now, policy = ctx.actors, ctx.now, ctx.policy
    attempt = {
        "approve_draft": lambda: case.approve_draft(
            a["resp"], draft_id="d-unknown", now=now, policy=policy
        ),
        "reject_draft": lambda: case.reject_draft(
            a["resp"], draft_id="d-unknown", comment="Уточните.", now=now
        ),
        "curator_approve": lambda: case.curator_approve(
            a["curator"], draft_id="d-unknown", now=now, policy=policy
        ),
        "curator_return": lambda: case.curator_return(
            a["curator"], draft_id="d-unknown", comment="Фото?", now=now, policy=policy
        ),
    }[op]

    assert_refused(case, NotFound, attempt)


@pytest.mark.parametrize(
    ("scenario", "op"),
    [
        pytest.param("internal_review", "approve_draft", id="approve"),
        pytest.param("internal_review", "reject_draft", id="reject"),
    ],
)
def test_a_draft_no_longer_under_review_cannot_be_decided(build, ctx, scenario, op):
    case = build(scenario)
    old = case.current_draft
    case.reject_draft(ctx.actors["resp"], draft_id=old.draft_id, comment="Уточните.", now=ctx.now)
    case.submit_draft(ctx.actors["roads"], text=TEXT, kind=DraftKind.FINAL, now=ctx.now)
    assert old.status is DraftStatus.REJECTED

    if op == "approve_draft":
        attempt = lambda: case.approve_draft(  # noqa: E731
            ctx.actors["resp"], draft_id=old.draft_id, now=ctx.now, policy=ctx.policy
        )
    else:
        attempt = lambda: case.reject_draft(  # noqa: E731
            ctx.actors["resp"], draft_id=old.draft_id, comment="Ещё раз.", now=ctx.now
        )
    assert_refused(case, InvalidTransition, attempt)


def test_the_curator_cannot_decide_on_a_draft_already_returned(build, ctx):
    case = build("rework")
    returned = case.current_draft
    case.submit_draft(ctx.actors["roads"], text=TEXT, kind=DraftKind.FINAL, now=ctx.now)
    case.approve_draft(
        ctx.actors["resp"], draft_id=case.current_draft.draft_id, now=ctx.now, policy=ctx.policy
    )

    assert_refused(
        case,
        InvalidTransition,
        lambda: case.curator_approve(
            ctx.actors["curator"], draft_id=returned.draft_id, now=ctx.now, policy=ctx.policy
        ),
    )


def test_a_department_contributes_only_once(build, ctx):
    case = build("in_work_joint")
    case.contribute(ctx.actors["roads"], text="Ремонт в июне.", now=ctx.now)

    assert_refused(
        case,
        InvalidTransition,
        lambda: case.contribute(ctx.actors["roads"], text="Передумали.", now=ctx.now),
    )


@pytest.mark.parametrize(
    "timer",
    ["rework_due", "contribution_due:roads", "bogus"],
    ids=["not-started", "t8-single", "unknown"],
)
def test_escalating_a_timer_the_case_never_started_is_not_found(build, ctx, timer):
    case = build("in_work")

    assert_refused(
        case,
        NotFound,
        lambda: case.escalate(
            ctx.actors["system"],
            timer=timer,
            kind="breach",
            level=0,
            notified=["resp"],
            now=ctx.now,
            policy=ctx.policy,
        ),
    )


@pytest.mark.parametrize(
    ("scenario", "timer"),
    [("in_work", "triage_due"), ("withdrawn", "answer_due")],
    ids=["stopped-timer", "closed-case"],
)
def test_a_timer_that_no_longer_runs_is_not_escalated(build, ctx, scenario, timer):
    case = build(scenario)

    assert_refused(
        case,
        InvalidTransition,
        lambda: case.escalate(
            ctx.actors["system"],
            timer=timer,
            kind="breach",
            level=0,
            notified=["resp"],
            now=ctx.now,
            policy=ctx.policy,
        ),
    )


def test_an_unknown_draft_kind_is_invalid_input_not_a_crash(build, ctx):
    case = build("in_work")

    error = assert_refused(
        case,
        InvalidInput,
        lambda: case.submit_draft(ctx.actors["roads"], text="Ответ", kind="memo", now=ctx.now),
    )
    assert "kind" in error.fields


def test_a_withdrawal_without_a_comment_is_accepted(build, ctx):
    case = build("in_work")

    case.withdraw(ctx.actors["curator"], comment=None, now=ctx.now)

    assert case.status is Status.WITHDRAWN
    assert case.resolution_reason is None


# -- allowed_actions agrees with what the methods do -----------------------------------------------

# The page's case actions and the operations that carry each out. ROUTE and ESCALATE are the
# system's background operations and VIEW_REPORTS is not an operation on a case.
PAGE_ACTIONS: dict[Action, tuple[str, ...]] = {
    Action.TRIAGE: ("accept", "return_to_curator", "mark_not_processable"),
    Action.CONTRIBUTE: ("contribute",),
    Action.SUBMIT_DRAFT: ("submit_draft",),
    Action.APPROVE_DRAFT: ("approve_draft",),
    Action.REJECT_DRAFT: ("reject_draft",),
    Action.MARK_SENT: ("mark_sent",),
    Action.CURATOR_DECIDE: ("curator_approve", "curator_return"),
    Action.PUBLISH: ("publish",),
    Action.WITHDRAW: ("withdraw",),
    Action.ADD_NOTE: ("add_note",),
    Action.ASSIGN: ("assign",),
}
STAFF = ("tech", "resp", "roads", "housing", "head", "curator", "system")


def _disagreements(case: Case, actor: Actor, ctx: Ctx) -> list[str]:
    listed = case.allowed_actions(actor)
    found = [f"lists {a}, which is no page action" for a in listed if a not in PAGE_ACTIONS]
    for action, ops in PAGE_ACTIONS.items():
        for op in ops:
            trial = copy.deepcopy(case)
            try:
                OPS[op][2](trial, actor, ctx)
                works = True
            except DomainError as error:
                works = False
                why = f"{type(error).__name__}: {error.message}"
            if works and action not in listed:
                found.append(f"{op} works but {action} is not listed")
            if not works and action in listed:
                found.append(f"{action} is listed but {op} fails ({why})")
    return found


@pytest.mark.parametrize("who", STAFF)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_allowed_actions_lists_exactly_what_the_actor_can_do(build, ctx, scenario, who):
    case = build(scenario)

    assert _disagreements(case, ctx.actors[who], ctx) == []


@pytest.mark.parametrize("scenario", ["curator_review", "in_work"])
def test_allowed_actions_offers_nothing_to_a_curator_of_another_message(
    build, ctx, other_curator, scenario
):
    case = build(scenario)

    assert case.allowed_actions(other_curator) == []
    assert _disagreements(case, other_curator, ctx) == []


def test_allowed_actions_follows_the_flow_for_the_usual_people(build, actors):
    def allowed(scenario, who):
        # a note may be added by every official who sees the case, at any step; the head of a
        # department and the responsible executor may assign an open case's part (below)
        return set(build(scenario).allowed_actions(actors[who])) - {Action.ADD_NOTE, Action.ASSIGN}

    assert allowed("received", "tech") == {Action.TRIAGE, Action.WITHDRAW}
    assert allowed("in_work", "roads") == {Action.SUBMIT_DRAFT}
    assert allowed("in_work_joint", "roads") == {Action.CONTRIBUTE}
    assert allowed("in_work_joint", "resp") == {Action.SUBMIT_DRAFT}
    assert allowed("internal_review", "resp") == {Action.APPROVE_DRAFT, Action.REJECT_DRAFT}
    assert allowed("curator_review", "curator") == {Action.CURATOR_DECIDE, Action.WITHDRAW}
    assert allowed("curator_review", "tech") == {Action.CURATOR_DECIDE, Action.WITHDRAW}
    assert allowed("ready_to_send", "tech") == {Action.MARK_SENT, Action.WITHDRAW}
    assert allowed("ready_to_send", "resp") == set()
    assert allowed("approved", "tech") == {Action.PUBLISH, Action.WITHDRAW}
    assert allowed("awaiting_final", "roads") == {Action.SUBMIT_DRAFT}
    assert allowed("answered", "curator") == set()
    assert allowed("in_work", "head") == set()
    assert Action.ASSIGN in build("in_work").allowed_actions(actors["roads"])
    assert Action.ASSIGN in build("in_work").allowed_actions(actors["resp"])
    assert Action.ASSIGN not in build("received").allowed_actions(actors["resp"])
    assert Action.ASSIGN not in build("in_work").allowed_actions(POPOV)  # not the head


# -- who sees a case -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "who", "visible"),
    [
        pytest.param("received", "tech", True, id="technical-sees-new"),
        pytest.param("received", "resp", True, id="responsible-sees-new"),
        pytest.param("received", "head", True, id="head-sees-new"),
        pytest.param("received", "system", True, id="system-sees-new"),
        pytest.param("received", "curator", True, id="own-curator-sees-new"),
        pytest.param("received", "other_curator", False, id="other-curator-does-not-see"),
        pytest.param("received", "roads", False, id="executor-does-not-see-unassigned"),
        pytest.param("in_work", "roads", True, id="executor-sees-assigned"),
        pytest.param("in_work", "housing", False, id="other-department-does-not-see"),
        pytest.param("in_work_joint", "housing", True, id="joint-department-sees"),
        pytest.param("in_work_joint", "parks", False, id="third-department-does-not-see"),
        pytest.param("answered", "roads", True, id="executor-still-sees-closed-own"),
        pytest.param("answered", "head", True, id="head-sees-closed"),
        pytest.param("returned_to_curator", "roads", False, id="executor-never-assigned"),
        pytest.param("returned_to_curator", "resp", True, id="responsible-sees-returned"),
        pytest.param("withdrawn", "other_curator", False, id="other-curator-not-even-closed"),
    ],
)
def test_who_sees_a_case(build, actors, other_curator, parks, scenario, who, visible):
    case = build(scenario)
    actor = {"other_curator": other_curator, "parks": parks}.get(who) or actors[who]

    assert case.visible_to(actor) is visible
