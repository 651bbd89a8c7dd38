"""Who acts in the regulation (clauses 5-8), who may do what, and whom a notice is for.

Permissions are checked here, on the server side of every entry point, never only hidden on the
page. The department rule for executors lives on the case, which knows its departments. An
`Audience` is the one filter from wanted roles, departments and logins to the staff who get a
letter or a warning (notifications and the sweeper both use it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar


class Role(StrEnum):
    CURATOR = "curator"  # regional curator, acting through the monitoring system
    RESPONSIBLE = "responsible"  # responsible executor: deputy head / head of staff
    TECHNICAL = "technical"  # technical executor: organisational-control department
    EXECUTOR = "executor"  # head of a department whose remit the message touches
    HEAD = "head"  # head of district
    SYSTEM = "system"  # the system itself: routing, publishing adapters, sweeper


ROLE_TITLES_RU = {
    Role.CURATOR: "куратор",
    Role.RESPONSIBLE: "ответственный исполнитель",
    Role.TECHNICAL: "технический исполнитель",
    Role.EXECUTOR: "исполнитель",
    Role.HEAD: "глава района",
    Role.SYSTEM: "система",
}


class Action(StrEnum):
    REGISTER = "register"  # a message seen in the monitoring system, entered by hand
    TRIAGE = "triage"
    CONTRIBUTE = "contribute"
    SUBMIT_DRAFT = "submit_draft"
    APPROVE_DRAFT = "approve_draft"
    REJECT_DRAFT = "reject_draft"
    MARK_SENT = "mark_sent"  # a manual case's approved draft was entered into the monitoring system
    CURATOR_DECIDE = "curator_decide"
    PUBLISH = "publish"
    WITHDRAW = "withdraw"
    ROUTE = "route"
    ESCALATE = "escalate"
    VIEW_REPORTS = "view_reports"
    ADD_NOTE = "add_note"  # an internal note for colleagues
    ASSIGN = "assign"  # a department's part of a case given to one of its officials
    EDIT_TEMPLATES = "edit_templates"  # the library of answer templates


# The curator acts through the monitoring system: by callback where it integrates, otherwise the
# technical executor records what the curator decided there (clauses 10, 13-14).
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.REGISTER: frozenset({Role.TECHNICAL}),
    Action.TRIAGE: frozenset({Role.TECHNICAL}),
    Action.CONTRIBUTE: frozenset({Role.EXECUTOR}),
    Action.SUBMIT_DRAFT: frozenset({Role.EXECUTOR, Role.RESPONSIBLE}),
    Action.APPROVE_DRAFT: frozenset({Role.RESPONSIBLE}),
    Action.REJECT_DRAFT: frozenset({Role.RESPONSIBLE}),
    Action.MARK_SENT: frozenset({Role.TECHNICAL}),
    Action.CURATOR_DECIDE: frozenset({Role.CURATOR, Role.TECHNICAL}),
    Action.PUBLISH: frozenset({Role.TECHNICAL, Role.SYSTEM}),
    Action.WITHDRAW: frozenset({Role.CURATOR, Role.TECHNICAL}),
    Action.ROUTE: frozenset({Role.SYSTEM}),
    Action.ESCALATE: frozenset({Role.SYSTEM}),
    Action.VIEW_REPORTS: frozenset({Role.RESPONSIBLE, Role.HEAD}),
    Action.ADD_NOTE: frozenset({Role.TECHNICAL, Role.RESPONSIBLE, Role.EXECUTOR, Role.HEAD}),
    # the head of the department for its own part; the responsible executor for any department
    Action.ASSIGN: frozenset({Role.EXECUTOR, Role.RESPONSIBLE}),
    # the desk that approves answers and the one that publishes them keep the library
    Action.EDIT_TEMPLATES: frozenset({Role.RESPONSIBLE, Role.TECHNICAL}),
}


@dataclass(frozen=True)
class Actor:
    """Someone (or the system) performing an action; executors belong to one department.

    `lead`: an executor who heads the department, the regulation's executor (clause 7). The
    others of the department (`lead=False`) work on the cases its head assigns them."""

    login: str
    role: Role
    department: str | None = None
    name: str = ""
    lead: bool = True

    def may(self, action: Action) -> bool:
        return self.role in PERMISSIONS[action]


SYSTEM_ACTOR = Actor(login="system", role=Role.SYSTEM, name="Система")


class Official(Protocol):
    """Anyone an audience may take in: a staff account or a signed-in actor."""

    login: str
    role: Role
    department: str | None
    lead: bool


class Member(Official, Protocol):
    """A staff account as far as addressing it goes (the directory's `StaffMember`)."""

    active: bool


M = TypeVar("M", bound=Member)


@dataclass(frozen=True)
class Audience:
    """Whom a letter or a warning is for: the holders of some roles (executors only of the given
    departments, and there only their heads: an executor answers for their own department) and
    some officials by login (whoever a department's part is assigned to among them)."""

    roles: frozenset[Role] = frozenset()
    departments: frozenset[str] = frozenset()
    logins: frozenset[str] = frozenset()

    def takes_in(self, official: Official) -> bool:
        if official.login in self.logins:
            return True
        if official.role not in self.roles:
            return False
        return official.role is not Role.EXECUTOR or (
            official.department in self.departments and official.lead
        )

    def members(self, staff: Iterable[M]) -> list[M]:
        """The active accounts of `staff` this audience takes in, in the staff list's order."""
        return [m for m in staff if m.active and self.takes_in(m)]
