"""The directory: departments, staff accounts and the routing table, kept in DynamoDB so the
administration edits them as data (a new department is a record, not a deployment)."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist

from otklik.adapters.tables import DirectoryRecord
from otklik.codec import from_plain, to_plain
from otklik.domain.answer_templates import AnswerTemplate
from otklik.domain.roles import Actor, Role
from otklik.domain.routing import RoutingRule


@dataclass(frozen=True)
class StaffMember:
    login: str
    name: str
    role: Role
    email: str
    password_hash: str
    department: str | None = None
    active: bool = True
    lead: bool = True  # an executor heading the department (`Actor.lead`)

    def actor(self) -> Actor:
        return Actor(self.login, self.role, self.department, self.name, self.lead)


@dataclass(frozen=True)
class Department:
    id: str
    name: str


class Directory:
    def staff(self, login: str) -> StaffMember | None:
        try:
            record = DirectoryRecord.get("staff", login)
        except DoesNotExist:
            return None
        return _staff(record)

    def all_staff(self) -> list[StaffMember]:
        return [_staff(r) for r in DirectoryRecord.query("staff")]

    def staff_with(self, role: Role, department: str | None = None) -> list[StaffMember]:
        return [
            s
            for s in self.all_staff()
            if s.active and s.role is role and (department is None or s.department == department)
        ]

    def departments(self) -> list[Department]:
        return [Department(r.sk, r.data["name"]) for r in DirectoryRecord.query("department")]

    def routing_rules(self) -> list[RoutingRule]:
        return [
            RoutingRule(
                department=r.data["department"],
                topic=r.data.get("topic", ""),
                location=r.data.get("location", ""),
                keywords=tuple(r.data.get("keywords", ())),
            )
            for r in DirectoryRecord.query("routing")
        ]

    def put_staff(self, member: StaffMember) -> None:
        DirectoryRecord(
            "staff",
            member.login,
            data={
                "name": member.name,
                "role": member.role.value,
                "email": member.email,
                "password_hash": member.password_hash,
                "department": member.department,
                "active": member.active,
                "lead": member.lead,
            },
        ).save()

    def put_department(self, department: Department) -> None:
        DirectoryRecord("department", department.id, data={"name": department.name}).save()

    def put_routing_rule(self, rule_id: str, rule: RoutingRule) -> None:
        DirectoryRecord(
            "routing",
            rule_id,
            data={
                "department": rule.department,
                "topic": rule.topic,
                "location": rule.location,
                "keywords": list(rule.keywords),
            },
        ).save()

    def answer_templates(self) -> list[AnswerTemplate]:
        return [_template(r) for r in DirectoryRecord.query("answer_template")]

    def put_answer_template(self, template: AnswerTemplate) -> None:
        data = {k: v for k, v in to_plain(template).items() if k != "template_id"}
        DirectoryRecord("answer_template", template.template_id, data=data).save()


def _template(record: DirectoryRecord) -> AnswerTemplate:
    return from_plain(AnswerTemplate, {**record.data, "template_id": record.sk})


def _staff(record: DirectoryRecord) -> StaffMember:
    d = record.data
    return StaffMember(
        login=record.sk,
        name=d["name"],
        role=Role(d["role"]),
        email=d["email"],
        password_hash=d["password_hash"],
        department=d.get("department"),
        active=d.get("active", True),
        lead=d.get("lead", True),
    )
