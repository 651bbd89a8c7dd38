"""What each official sees: their inbox, sorted by the nearest deadline, a page at a time,
and one case.

A page is the next `limit` cases after a cursor. The cursor is the sort key of the last case
sent (awaiting the role or not, next due, month and time received, case id), signed with an
HMAC of the token secret together with the filters (a cursor of other filters is refused):
opaque to the page, and anything else sent as a cursor is a 422,
never a 500. Being a position in the order rather than an offset, it neither repeats nor skips
a case when others are added or closed between pages (a case whose deadline moves may move
past it, as in any live list).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from otklik.domain.case import Case
from otklik.domain.errors import InvalidInput, NotFound
from otklik.domain.inbox_terms import fold, matches
from otklik.domain.roles import Actor, Role
from otklik.domain.states import CLOSED, Status
from otklik.service.deps import Deps

# What lands first in each role's inbox (regulation, clauses 5-8).
FOCUS: dict[Role, frozenset[Status]] = {
    Role.TECHNICAL: frozenset({Status.RECEIVED, Status.APPROVED}),
    Role.RESPONSIBLE: frozenset({Status.INTERNAL_REVIEW}),
    Role.EXECUTOR: frozenset({Status.IN_WORK, Status.REWORK, Status.AWAITING_FINAL}),
}


def inbox(
    deps: Deps,
    actor: Actor,
    *,
    now: datetime,
    status: str | None = None,
    department: str | None = None,
    overdue: bool = False,
    q: str | None = None,
    closed: bool = False,
) -> list[Case]:
    """`q`: every word in the text, topic, place, author or external id (ё = е, any case).
    Closed cases (of this month and the last) only with `closed` or a closed `status`."""
    wanted = _status(status)
    if q is not None and len(q) > MAX_QUERY_LENGTH:
        raise InvalidInput("Слишком длинный запрос поиска.", {"q": _QUERY_FIELD})
    store = deps.store()
    ids = [case_id for case_id, _ in store.open_case_ids()]
    if (wanted is None and closed) or wanted in CLOSED:  # of this month and the last one
        local = now.astimezone(deps.policy.calendar.tz)
        previous = local.replace(day=1) - timedelta(days=1)
        for month in (local.strftime("%Y-%m"), previous.strftime("%Y-%m")):
            ids += store.case_ids_of_month(month)
    found = [c for c in store.get_many(ids) if c.visible_to(actor)]
    if wanted is not None:
        found = [c for c in found if c.status is wanted]
    elif not closed:  # a case closed since the open index was read
        found = [c for c in found if c.status not in CLOSED]
    if q and q.strip():
        found = [c for c in found if matches(c, q)]
    if department:
        found = [c for c in found if department in c.departments]
    if overdue:
        found = [c for c in found if (due := c.next_due()) is not None and due < now]
    focus = FOCUS.get(actor.role, frozenset())
    far = datetime.max.replace(tzinfo=now.tzinfo)
    tz = deps.policy.calendar.tz
    return sorted(found, key=lambda c: _order(c, focus, far, tz))


# The inbox page: how many cases by default and at most, and how much of each text a summary
# shows (the case view has all of it).
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
SUMMARY_TEXT = 300
MAX_CURSOR_LENGTH = 512
MAX_QUERY_LENGTH = 200
_QUERY_FIELD = f"не длиннее {MAX_QUERY_LENGTH} символов"
_LIMIT_FIELD = f"целое число от 1 до {MAX_LIMIT}"
_CURSOR_PURPOSE = b"otklik inbox cursor v1:"


@dataclass(frozen=True)
class Page:
    cases: list[Case]
    cursor: str | None  # of the next page; None on the last


def inbox_page(
    deps: Deps,
    actor: Actor,
    *,
    now: datetime,
    limit: str | int | None = None,
    cursor: str | None = None,
    status: str | None = None,
    department: str | None = None,
    overdue: bool = False,
    q: str | None = None,
    closed: bool = False,
) -> Page:
    """The `limit` cases of the inbox after `cursor`, and the cursor of the next page.

    Raises `InvalidInput` (422) for a limit that is not 1..MAX_LIMIT or a cursor that is not
    one of ours for the same filters (checked before anything is read)."""
    size = page_limit(limit)
    scope = _scope(status, department, overdue, q, closed)
    after = _read_cursor(deps, cursor, scope) if cursor else None
    found = inbox(
        deps,
        actor,
        now=now,
        status=status,
        department=department,
        overdue=overdue,
        q=q,
        closed=closed,
    )
    focus = FOCUS.get(actor.role, frozenset())
    far = datetime.max.replace(tzinfo=UTC)
    tz = deps.policy.calendar.tz
    keys = [_cursor_key(_order(c, focus, far, tz)) for c in found]
    start = 0
    if after is not None:
        start = next((i for i, k in enumerate(keys) if k > after), len(found))
    chosen = found[start : start + size]
    more = start + size < len(found)
    return Page(chosen, _write_cursor(deps, keys[start + size - 1], scope) if more else None)


def _scope(
    status: str | None, department: str | None, overdue: bool, q: str | None, closed: bool
) -> bytes:
    """The filters a cursor is signed with: a cursor of other filters is refused (422)."""
    words = " ".join(fold(q or "").split())
    return json.dumps([status or "", department or "", overdue, words, closed]).encode()


def page_limit(value: str | int | None) -> int:
    if value is None or value == "":
        return DEFAULT_LIMIT
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 4) or not (
        1 <= int(text) <= MAX_LIMIT
    ):
        raise InvalidInput("Неверное число сообщений на странице.", {"limit": _LIMIT_FIELD})
    return int(text)


def shorten(text: str, size: int = SUMMARY_TEXT) -> str:
    """The text of a summary: at most `size` characters, cut at a word where one is near,
    with «…»."""
    if len(text) <= size:
        return text
    cut = text[: size - 1]
    space = cut.rfind(" ")
    if space >= size * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,.;:—-") + "…"


def _order(case: Case, focus: frozenset[Status], far: datetime, tz: tzinfo) -> tuple:
    """The inbox order: what awaits the role first, then the nearest deadline; cases without
    one (closed) this month's before last month's, each month as received; the id last, so
    that the order is total and a cursor is a position in it."""
    received = case.received_at.astimezone(tz)
    return (
        case.status not in focus,
        case.next_due() or far,
        -(received.year * 100 + received.month),
        case.received_at.astimezone(UTC),
        case.case_id,
    )


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # sorts as the instants


def _cursor_key(order: tuple) -> tuple:
    waiting, due, month, received, case_id = order
    return (int(waiting), _stamp(due), month, _stamp(received), case_id)


def _mac(deps: Deps, payload: bytes) -> str:
    key = hashlib.sha256(_CURSOR_PURPOSE + deps.settings.token_secret.encode()).digest()
    return _b64(hmac.new(key, payload, hashlib.sha256).digest()[:16])


def _write_cursor(deps: Deps, key: tuple, scope: bytes = b"") -> str:
    payload = _b64(json.dumps(list(key), separators=(",", ":")).encode())
    return f"{payload}.{_mac(deps, payload.encode() + b'|' + scope)}"


def _read_cursor(deps: Deps, cursor: str, scope: bytes = b"") -> tuple:
    bad = InvalidInput("Неверный курсор страницы.", {"cursor": "неверное значение"})
    if len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
        raise bad
    payload, _, mac = cursor.partition(".")
    if not payload or not hmac.compare_digest(_mac(deps, payload.encode() + b"|" + scope), mac):
        raise bad
    try:
        key = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, binascii.Error):
        raise bad from None
    if not (
        isinstance(key, list)
        and len(key) == 5
        and key[0] in (0, 1)
        and isinstance(key[2], int)
        and all(isinstance(key[i], str) for i in (1, 3, 4))
    ):
        raise bad
    return (int(key[0]), key[1], key[2], key[3], key[4])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def visible_case(deps: Deps, actor: Actor, case_id: str) -> Case:
    case = deps.store().get(case_id)
    if not case.visible_to(actor):
        raise NotFound("Сообщение не найдено.")
    return case


def _status(value: str | None) -> Status | None:
    if not value:
        return None
    try:
        return Status(value)
    except ValueError:
        raise InvalidInput("Неизвестный статус.", {"status": value}) from None
