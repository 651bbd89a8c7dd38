"""The Russian names officials read, in one place for the server and the staff page.

Every code of the API that an official sees by name — a case's status, a role, a deadline, a
draft's status, how a timer ended, whose clock ran and so on — has its Russian name here, keyed
by the code exactly as the API (openapi.yaml) spells it. The server's own tables stay where the
domain defines them (statuses, sources, roles, deadlines) and are only re-exported; the names
that only the staff page showed until now are defined here.

`web/build_data.py` writes `vocabulary()` to `web/vocabulary.json`, which the page loads at boot,
so the page has no copy of its own. `tests/unit/test_page_data.py` checks that every code of the
domain's enums and of the API's enumerations has a name, and that the file is current.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo

from otklik.domain.policy import DEADLINE_TITLES_RU, DEFAULT_TIMERS, Party
from otklik.domain.roles import ROLE_TITLES_RU
from otklik.domain.states import (
    SOURCE_TITLES_RU,
    STATUS_TITLES_RU,
    CuratorEvent,
    DraftKind,
    DraftStatus,
)
from otklik.domain.timers import Outcome

# -- the server's names (defined by the domain, used in e-mails, reports and errors) -----------

# The status of a case: «Новое», «В работе», …
STATUSES: Mapping[str, str] = STATUS_TITLES_RU
# A role, in lower case as it reads inside a sentence: «технический исполнитель».
ROLES: Mapping[str, str] = ROLE_TITLES_RU
# A deadline with its timer's number, in lower case: «публикация ответа (T2)».
DEADLINES: Mapping[str, str] = DEADLINE_TITLES_RU
# How a message reached the administration (the reports' «Источник» rows).
SOURCES: Mapping[str, str] = SOURCE_TITLES_RU

# The number of each deadline's timer in the regulation's clock table (T1-T8).
TIMERS: Mapping[str, str] = {spec.deadline: spec.timer for spec in DEFAULT_TIMERS}

# -- names the staff page shows ---------------------------------------------------------------

DRAFT_STATUSES: Mapping[str, str] = {
    DraftStatus.INTERNAL_REVIEW: "на согласовании у ответственного исполнителя",
    DraftStatus.REJECTED: "возвращён ответственным исполнителем",
    DraftStatus.READY_TO_SEND: "согласован, ждёт внесения в систему мониторинга",
    DraftStatus.CURATOR_REVIEW: "на рассмотрении у куратора",
    DraftStatus.RETURNED: "возвращён куратором на доработку",
    DraftStatus.APPROVED: "согласован куратором",
    DraftStatus.PUBLISHED: "опубликован",
    DraftStatus.WITHDRAWN: "отозван",
}

DRAFT_KINDS: Mapping[str, str] = {
    DraftKind.FINAL: "окончательный",
    DraftKind.INTERIM: "промежуточный",
}

# How a timer ended.
OUTCOMES: Mapping[str, str] = {
    Outcome.MET: "выполнено в срок",
    Outcome.LATE: "срок нарушен",
    Outcome.CANCELLED: "отменён (больше не требуется)",
}

# Whose clock runs while a timer runs.
PARTIES: Mapping[str, str] = {
    Party.ADMINISTRATION: "администрация",
    Party.CURATOR: "куратор",
}

CURATOR_EVENTS: Mapping[str, str] = {
    CuratorEvent.APPROVED: "проект согласован",
    CuratorEvent.RETURNED: "проект возвращён на доработку",
    CuratorEvent.WITHDRAWN: "сообщение отозвано",
}

# The clause 20 categories of the screening (otklik.domain.screening.CATEGORIES).
FLAGS: Mapping[str, str] = {
    "obscene": "нецензурная брань",
    "insult": "оскорбления",
    "threat": "угрозы",
}

# Why a message was reported to the head of district (clause 24).
SIGNIFICANCE: Mapping[str, str] = {
    "high_importance": "социально значимое сообщение (высокая важность)",
    "surge": "всплеск активности по одному вопросу",
    "threat": "угроза должностному лицу или его семье",
}

# A message's importance as the monitoring system marks it.
IMPORTANCE: Mapping[str, str] = {
    "high": "высокая",
    "medium": "средняя",
    "low": "низкая",
}

NETWORKS: Mapping[str, str] = {
    "vk": "ВКонтакте",
    "ok": "Одноклассники",
    "telegram": "Telegram",
    "instagram": "Instagram",
    "web": "Сайт",
    "other": "Другое",
}

# An attachment of a post or of a draft; the page numbers them: «Фото 1».
ATTACHMENT_TYPES: Mapping[str, str] = {
    "photo": "Фото",
    "video": "Видео",
    "document": "Документ",
    "link": "Ссылка",
}

# An entry of a case's escalations.
ESCALATION_KINDS: Mapping[str, str] = {
    "warning": "предупреждение",
    "breach": "нарушение срока",
}

# Each group by the name the page looks it up with (the keys of web/vocabulary.json).
GROUPS: Mapping[str, Mapping[str, str]] = {
    "statuses": STATUSES,
    "roles": ROLES,
    "deadlines": DEADLINES,
    "timers": TIMERS,
    "sources": SOURCES,
    "draft_statuses": DRAFT_STATUSES,
    "draft_kinds": DRAFT_KINDS,
    "outcomes": OUTCOMES,
    "parties": PARTIES,
    "curator_events": CURATOR_EVENTS,
    "flags": FLAGS,
    "significance": SIGNIFICANCE,
    "importance": IMPORTANCE,
    "networks": NETWORKS,
    "attachment_types": ATTACHMENT_TYPES,
    "escalation_kinds": ESCALATION_KINDS,
}


def vocabulary() -> dict[str, dict[str, str]]:
    """Every group as plain JSON-ready dicts: {"statuses": {"received": "Новое", …}, …}.

    Keys are the API's codes as plain strings (the enum members' values), in the order the
    groups define them (the page lists statuses, networks and importance in that order).
    """
    return {
        group: {str(code): title for code, title in names.items()}
        for group, names in GROUPS.items()
    }


# -- how e-mails and reports write what is not a code -------------------------------------------

# The months in the genitive, as a date reads: «2 декабря 2026».
MONTHS_GENITIVE: tuple[str, ...] = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def local_time(value: datetime | None, tz: tzinfo) -> str:
    """An instant as an official reads it, in the display time zone, to the minute:
    «2 декабря 2026, 14:05»; "" for none."""
    if value is None:
        return ""
    t = value.astimezone(tz)
    return f"{t.day} {MONTHS_GENITIVE[t.month - 1]} {t.year}, {t:%H:%M}"


def plural(count: int, one: str, few: str, many: str) -> str:
    """The Russian form for `count`: 1 минута, 2 минуты, 5 минут, 11 минут, 21 минута."""
    count = abs(count)
    if count % 10 == 1 and count % 100 != 11:
        return one
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return few
    return many


def counted(count: int, one: str, few: str, many: str) -> str:
    """«1 нарушение», «3 нарушения», «5 нарушений»."""
    return f"{count} {plural(count, one, few, many)}"


def named(group: Mapping[str, str], code: object) -> str:
    """The Russian name of `code` in `group`, the code itself when it has none."""
    if code is None:
        return ""
    return group.get(str(code), str(code))
