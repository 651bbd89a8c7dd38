"""The library of answer templates the draft form offers (clause 19: the network's manner, the
substance, proof where there is any), kept as data the desk edits rather than text in the page.

A template may be meant for one topic, one network, both or any. The library is the shipped
defaults (`otklik/data/answer_templates.json`) with the desk's own on top: a stored template
with a default's id replaces it, a stored deletion hides it, and every other stored template is
the desk's own. Pure: the service reads and writes the records, and passes `now` in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from otklik.domain.errors import InvalidInput
from otklik.domain.links import NETWORKS
from otklik.domain.states import DraftKind

TITLE_MAX_LENGTH = 120
TEXT_MAX_LENGTH = 4000  # a long answer of any network, with room for the placeholders
TOPIC_MAX_LENGTH = 100
TEMPLATE_ID = re.compile(r"[a-z0-9-]{1,40}")
# Control characters other than a line break and a tab, and the bidirectional overrides and
# isolates: nobody types them into an answer, and in a published one they would make it read
# differently from what was approved.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class AnswerTemplate:
    template_id: str
    title: str
    text: str
    kind: str = DraftKind.FINAL.value
    topic: str | None = None  # None: for any topic
    network: str | None = None  # None: for any network
    updated_by: str = ""  # "" for a shipped default never changed
    updated_at: datetime | None = None
    deleted: bool = False  # a default the desk removed from its library

    @property
    def default(self) -> bool:
        return self.template_id in {t.template_id for t in defaults()}


def make_template(
    template_id: str,
    *,
    title: str,
    text: str,
    kind: str,
    topic: str | None,
    network: str | None,
    by: str,
    now: datetime,
) -> AnswerTemplate:
    """A template as an official saved it, checked; InvalidInput (422) with every field that
    is wrong, in Russian."""
    errors: dict[str, str] = {}
    if not TEMPLATE_ID.fullmatch(template_id or ""):
        errors["template_id"] = "латинские строчные буквы, цифры и дефис, до 40 знаков"
    title = _clean(title, keep_lines=False)
    text = _clean(text, keep_lines=True)
    topic = _clean(topic or "", keep_lines=False) or None
    if not title:
        errors["title"] = "обязательное поле"
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = f"не длиннее {TITLE_MAX_LENGTH} символов"
    if not text:
        errors["text"] = "обязательное поле"
    elif len(text) > TEXT_MAX_LENGTH:
        errors["text"] = f"не длиннее {TEXT_MAX_LENGTH} символов"
    if kind not in DraftKind._value2member_map_:
        errors["kind"] = "окончательный (final) или промежуточный (interim)"
    if topic is not None and len(topic) > TOPIC_MAX_LENGTH:
        errors["topic"] = f"не длиннее {TOPIC_MAX_LENGTH} символов"
    if network is not None and network not in NETWORKS:
        errors["network"] = "неизвестная сеть"
    if errors:
        raise InvalidInput("Шаблон не сохранён: исправьте отмеченные поля.", errors)
    return AnswerTemplate(template_id, title, text, kind, topic, network, by, now)


def library(stored: Iterable[AnswerTemplate]) -> list[AnswerTemplate]:
    """The templates on offer: the defaults, each replaced or hidden by a stored record with its
    id, then the desk's own, each group by title."""
    by_id = {t.template_id: t for t in defaults()}
    by_id.update({t.template_id: t for t in stored})
    kept = [t for t in by_id.values() if not t.deleted]
    return sorted(kept, key=lambda t: (not t.default, t.title.casefold()))


def suitable(
    templates: Iterable[AnswerTemplate], *, topic: str | None, network: str | None
) -> list[AnswerTemplate]:
    """The templates that fit a message of `topic` on `network`, the most specific first: for
    its topic and network, its topic, its network, then the general ones."""
    wanted = _fold(topic or "")

    def rank(t: AnswerTemplate) -> int | None:
        topic_fits = t.topic is None or _fold(t.topic) == wanted
        network_fits = t.network is None or t.network == network
        if not (topic_fits and network_fits):
            return None
        return (t.topic is None) * 2 + (t.network is None)

    fitting = [(r, t) for t in templates if (r := rank(t)) is not None]
    return [t for _, t in sorted(fitting, key=lambda pair: pair[0])]  # stable: library order


@cache
def defaults() -> tuple[AnswerTemplate, ...]:
    from importlib import resources  # here, not at import: it pulls in tempfile, inspect

    raw = json.loads(
        resources.files("otklik.data").joinpath("answer_templates.json").read_text("utf-8")
    )
    return tuple(AnswerTemplate(**item) for item in raw)


def _clean(value: str, *, keep_lines: bool) -> str:
    """Control characters removed, line breaks kept only where a text has lines, trimmed."""
    value = _CONTROL.sub("", str(value or ""))
    if not keep_lines:
        value = " ".join(value.split())
    return value.strip()


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split())
