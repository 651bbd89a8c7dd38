"""Routing rules: which department a message goes to, clause 20 screening, repeats (clause 18),
and clause 24's report to the head.

Pure functions over data. Routing only proposes and flags; the technical executor decides
(a flag is a hint that a human confirms, never an automatic refusal). `propose` is the whole
proposal for a new message; the service layer loads what it reads and records what it says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from otklik.domain.case import Case
from otklik.domain.links import thread_key
from otklik.domain.policy import SlaPolicy
from otklik.domain.states import DraftStatus

if TYPE_CHECKING:
    from otklik.domain.screening import Flag


@dataclass(frozen=True)
class RoutingRule:
    """Topic (and optionally location, or words in the text) → department.

    `keywords` are dictionary forms («яма», «дорога»): a text matches if one of its words can
    be a form of one of them, so «на дорогах» matches «дорога» and «подорожник» or «дорогие»
    do not (word forms, never substrings)."""

    department: str
    topic: str = ""
    location: str = ""
    keywords: tuple[str, ...] = ()


def _norm(text: str) -> str:
    return text.lower().replace("ё", "е").strip()


def propose_departments(
    topic: str, location: str, text: str, rules: list[RoutingRule]
) -> list[str]:
    """Departments for a message: rules for this topic and place first, then this topic
    anywhere, then keyword rules matching the text."""
    topic, location = _norm(topic), _norm(location)
    exact = [
        r.department
        for r in rules
        if r.topic and _norm(r.topic) == topic and r.location and _norm(r.location) == location
    ]
    by_topic = [
        r.department for r in rules if r.topic and _norm(r.topic) == topic and not r.location
    ]
    by_words: list[str] = []
    if not (exact or by_topic):
        found = word_forms(text)
        by_words = [
            r.department for r in rules if any(_norm(keyword) in found for keyword in r.keywords)
        ]
    return list(dict.fromkeys(exact or by_topic or by_words))


_WORD = re.compile(r"[а-яё]+(?:-[а-яё]+)*")


def word_forms(text: str) -> frozenset[str]:
    """The dictionary forms of every Cyrillic word of `text` (each reading pymorphy3 offers)."""
    # Imported here: the screening module takes tens of milliseconds to import, which the
    # handlers that import routing but never match words should not pay at a cold start.
    from otklik.domain.screening import lemmas

    return frozenset().union(*(lemmas(w) for w in _WORD.findall(_norm(text))))


@dataclass(frozen=True)
class Proposal:
    """What routing proposes for a new message (clauses 18, 20)."""

    departments: tuple[str, ...]
    flags: tuple[str, ...] = ()  # clause 20 categories the text appears to fall into
    repeat_of: str | None = None  # the earlier case this message repeats (clause 18)
    handled_by: str | None = None  # who handled that case: the repeat goes to them
    flag_words: dict[str, tuple[str, ...]] = field(default_factory=dict)  # and why, per flag
    # Another author's earlier case on the same topic and place: a hint to confirm (clause 18).
    similar_to: str | None = None
    similar_ref: str = ""  # that case's number in the monitoring system


def propose(
    case: Case,
    earlier: list[Case],
    rules: list[RoutingRule],
    *,
    since: datetime,
    screen: Callable[[str], list[Flag]] | None = None,
    nearby: list[Case] | None = None,
) -> Proposal:
    """The departments by the routing table, unless the message repeats an earlier one
    (`earlier`: the cases in its thread or by its author since `since`): then it goes where
    that one went, to the official who handled it (clause 18). And clause 20's flags. Among
    `nearby` (cases received since `since`, any author), one of another author on the same
    topic and place is proposed as a possible repeat, for a person to confirm (`find_similar`)."""
    if screen is None:  # the morphology is loaded only by the function that routes
        from otklik.domain.screening import screen
    found = screen(case.message.text)
    flags = tuple(dict.fromkeys(f.category for f in found))
    words = {f.category: f.words for f in found}
    departments = tuple(
        propose_departments(case.message.topic, case.message.location, case.message.text, rules)
    )
    repeated = find_repeat(case, earlier, since=since)
    if repeated is None:
        similar = find_similar(case, nearby or [], since=since)
        if similar is None:
            return Proposal(departments, flags, flag_words=words)
        return Proposal(
            departments,
            flags,
            flag_words=words,
            similar_to=similar.case_id,
            similar_ref=similar.message.external_id,
        )
    return Proposal(
        repeated.departments or departments,
        flags,
        repeated.case_id,
        handled_by(repeated),
        flag_words=words,
    )


def find_repeat(case: Case, earlier: list[Case], *, since: datetime) -> Case | None:
    """Clause 18: the latest earlier case in the same thread, or else by the same author on the
    same topic, received within the window."""
    same_thread = thread_key(case.message.url)
    candidates = [
        c
        for c in earlier
        if c.case_id != case.case_id
        and c.received_at >= since
        and c.received_at <= case.received_at
    ]
    candidates.sort(key=lambda c: c.received_at, reverse=True)
    for c in candidates:
        if thread_key(c.message.url) == same_thread:
            return c
    for c in candidates:
        if (
            case.message.author.id  # an author known by name alone is matched by no one
            and c.message.network == case.message.network
            and c.message.author.id == case.message.author.id
            and _norm(c.message.topic) == _norm(case.message.topic)
        ):
            return c
    return None


# How a place is written differently: the same street, whatever its abbreviation or order.
_PLACE_WORD = re.compile(r"[а-яa-z0-9]+")
_PLACE_SYNONYMS = {
    "ул": "улица",
    "пр": "проспект",
    "просп": "проспект",
    "пер": "переулок",
    "пл": "площадь",
    "мкр": "микрорайон",
    "мкрн": "микрорайон",
    "наб": "набережная",
    "ш": "шоссе",
    "бул": "бульвар",
    "г": "город",
    "с": "село",
    "п": "поселок",
    "пос": "поселок",
}
_PLACE_NOISE = frozenset({"д", "дом", "около", "у", "возле", "рядом", "напротив", "в", "на"})


def place_key(location: str) -> frozenset[str]:
    """A place as a set of words, normalised: case, ё, punctuation, the usual abbreviations
    («ул.» = «улица»), the words «дом», «у», «возле» and their order do not matter, so
    «ул. Центральная, д. 5» and «Центральная улица, 5» are one place."""
    text = _norm(location).replace("пр-т", "проспект").replace("б-р", "бульвар")
    words = _PLACE_WORD.findall(text)
    return frozenset(_PLACE_SYNONYMS.get(w, w) for w in words if w not in _PLACE_NOISE)


def find_similar(case: Case, nearby: list[Case], *, since: datetime) -> Case | None:
    """Clause 18's hint: the latest earlier case by another author on the same topic about the
    same place (normalised, `place_key`), received within the window. Never a repeat by
    itself: the technical executor confirms it."""
    place = place_key(case.message.location)
    if not place:
        return None
    topic = _norm(case.message.topic)
    author = (case.message.network, case.message.author.id)
    candidates = [
        c
        for c in nearby
        if c.case_id != case.case_id
        and since <= c.received_at <= case.received_at
        and not (case.message.author.id and (c.message.network, c.message.author.id) == author)
        and _norm(c.message.topic) == topic
        and place_key(c.message.location) == place
    ]
    return max(candidates, key=lambda c: c.received_at, default=None)


def handled_by(case: Case) -> str | None:
    """The official who wrote the answer that went out (or the latest draft's author)."""
    published = [d for d in case.drafts if d.status is DraftStatus.PUBLISHED]
    chosen = published or case.drafts
    return chosen[-1].author if chosen else None


def significance(
    case: Case, recent: list[Case], policy: SlaPolicy, *, flags: Iterable[str] = ()
) -> str | None:
    """Clause 24: why the head of district must hear of this message at once, if they must.

    `recent` are the cases received in the surge window before this one (any order); `flags`
    the clause 20 flags routing found (besides the case's own): a threat to an official or
    their family goes to the head at once, before anything else. A surge (`surge_groups`) is
    reported once per group."""
    if "threat" in {*case.flags, *flags}:
        return "threat"
    if case.message.importance in policy.significant_importance:
        return "high_importance"
    return "surge" if surge_groups(case, recent, policy) else None


def surge_groups(case: Case, recent: list[Case], policy: SlaPolicy) -> tuple[str, ...]:
    """The groups of messages in the surge window, by topic («topic:дороги») and by place
    («place:ул. мира»), that this message brings to the threshold and the head has not yet heard
    of: a surge is reported by the message that reaches it, and the ones after it within the
    window are part of the same surge — unless they make another group surge (the same place on
    another topic). A case reported as a surge before groups were recorded covers all of its."""
    rule = policy.surge
    since = case.received_at - timedelta(minutes=rule.window_minutes)
    window = [
        c
        for c in recent
        if since <= c.received_at <= case.received_at and c.case_id != case.case_id
    ]
    groups = {f"topic:{_norm(case.message.topic)}": lambda c: c.message.topic}
    if _norm(case.message.location):
        groups[f"place:{_norm(case.message.location)}"] = lambda c: c.message.location
    found = []
    for group, field_of in groups.items():
        value = group.partition(":")[2]
        peers = [c for c in window if _norm(field_of(c)) == value]
        if len(peers) + 1 < rule.threshold:
            continue
        told = any(
            c.significance == "surge" and (not c.surge_of or group in c.surge_of) for c in peers
        )
        if not told:
            found.append(group)
    return tuple(found)
