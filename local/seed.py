"""The demo directory of the local run (docs/design.md): seven officials, two departments, the
routing table. Exists only where the local run (or a test) seeds it; password `demo`.

Idempotent: seeding twice leaves the same directory (a password hash that still checks out is
kept, so tokens and sessions survive a restart of the seeding).
"""

from __future__ import annotations

from otklik.adapters import tables
from otklik.adapters.directory import Department, Directory, StaffMember
from otklik.config import Settings
from otklik.domain.roles import Role
from otklik.domain.routing import RoutingRule
from otklik.entrypoints.auth import check_password, hash_password

PASSWORD = "demo"
DOMAIN = "otklik.local"

DEPARTMENTS = (
    Department("roads", "Дороги"),
    Department("housing", "ЖКХ"),
)

# login, name, role, department, whether they head it (the department's other officials work on
# the cases its head assigns them)
STAFF = (
    ("tech", "Ольга Викторовна Кузнецова", Role.TECHNICAL, None, True),
    ("resp", "Сергей Николаевич Морозов", Role.RESPONSIBLE, None, True),
    ("roads", "Андрей Петрович Васильев", Role.EXECUTOR, "roads", True),
    ("housing", "Татьяна Ивановна Лебедева", Role.EXECUTOR, "housing", True),
    ("head", "Игорь Александрович Соколов", Role.HEAD, None, True),
    ("popov", "Дмитрий Сергеевич Попов", Role.EXECUTOR, "roads", False),
    ("orlova", "Елена Андреевна Орлова", Role.EXECUTOR, "housing", False),
)

ROUTING = {
    "topic-roads": RoutingRule("roads", topic="Дороги"),
    "topic-housing": RoutingRule("housing", topic="ЖКХ"),
    "topic-improvement": RoutingRule("housing", topic="Благоустройство"),
    "words-roads": RoutingRule("roads", keywords=("яма", "асфальт", "дорога")),
    "words-housing": RoutingRule("housing", keywords=("отопление", "вода", "канализация", "мусор")),
}


def seed(settings: Settings | None = None, directory: Directory | None = None) -> Directory:
    """Write the demo directory into the tables of `settings` (default: the environment's)."""
    if settings is not None:
        tables.bind(settings)
    else:
        from otklik.config import settings as current

        tables.bind(current())
    directory = directory or Directory()
    for department in DEPARTMENTS:
        directory.put_department(department)
    for login, name, role, department, lead in STAFF:
        existing = directory.staff(login)
        password_hash = (
            existing.password_hash
            if existing is not None and check_password(PASSWORD, existing.password_hash)
            else hash_password(PASSWORD)
        )
        member = StaffMember(
            login=login,
            name=name,
            role=role,
            email=f"{login}@{DOMAIN}",
            password_hash=password_hash,
            department=department,
            lead=lead,
        )
        if member != existing:
            directory.put_staff(member)
    for rule_id, rule in ROUTING.items():
        directory.put_routing_rule(rule_id, rule)
    return directory
