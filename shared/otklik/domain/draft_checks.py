"""Advice on a draft answer before it leaves the executor (clauses 16, 18-20).

The regulation wants an answer that speaks to the author, answers the substance with a
measure and its term, fits the network, carries photos where there are any (clause 19), says
what was done since on a repeated question (clause 18), names the date of the final answer
after an interim one (clause 16), and holds nothing clause 20 would refuse. `check` reads a
draft for each of these and says, in Russian, what is missing and how to fix it.

Findings are advice, never a block: a «warning» is what a curator would likely return the
draft for, an «info» a suggestion. Everything is read on word forms (pymorphy3 through
`otklik.domain.screening`), so «принята к сведению» is «принято к сведению» and «засыпали»,
«засыплем», «будет засыпана» are all the measure «засыпать». The phrase lists are data,
`otklik/data/draft_phrases.json`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from otklik.domain import screening
from otklik.domain.screening import Token
from otklik.domain.values import Finding

WARNING = "warning"
INFO = "info"


# The order findings are reported in: what the author notices first, first.
CODES = (
    "clause20_in_draft",
    "no_address",
    "no_measure",
    "no_date",
    "no_final_date",
    "date_in_past",
    "repeat_without_progress",
    "boilerplate",
    "photos_promised",
    "no_proof",
    "too_long",
    "too_formal",
)

_MONTHS = {
    "январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7,
    "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12,
}  # fmt: skip
_MONTH_NAMES = (
    r"январ[яе]|феврал[яе]|марта?|марте|апрел[яе]|ма[яе]|июн[яе]|июл[яе]|августа?|августе|"
    r"сентябр[яе]|октябр[яе]|ноябр[яе]|декабр[яе]"
)
_MONTH = f"(?:{_MONTH_NAMES})"
_WEEKDAY = r"(?:понедельник|вторник|сред[ауые]|четверг|пятниц[ауые]|суббот[ауые]|воскресень[ея])"
_PERIOD = r"(?:недел[иеюя]|месяц[ау]?|года|году|квартала|дня|суток|лета|осени|зимы|весны)"

# A day, a date or a term (no_date). Grammar, not vocabulary: it lives here, not in the data.
_NUMBER_WORD = r"(?:\d+|одного|одной|одну|один|двух|два|две|трех|три|четыре|пяти|пять|десяти)"
_DATE_PATTERNS = (
    rf"\b\d{{1,2}} {_MONTH}\b",
    r"\b\d{1,2}\.\d{1,2}(?:\.\d{2,4})?\b",
    r"\b\d{1,2}[:.]\d{2}\b",
    rf"\b{_WEEKDAY}\w*\b",
    r"\b(?:сегодня|завтра|послезавтра|вчера|позавчера)\b",
    rf"\b(?:до|к|в|на|с) (?:конц[уае]|начал[уае]|середин[еуы]|исход[уе]) "
    rf"(?:этого |текущего |следующего )?(?:{_PERIOD}|{_MONTH})",
    rf"\bв течение (?:{_NUMBER_WORD} |ближайш\w+ |следующ\w+ )?"
    rf"(?:рабоч\w+ |календарн\w+ )?(?:дн|недел|месяц|час|суток|{_PERIOD})",
    r"\bна (?:этой|следующей|будущей|той) неделе\b",
    r"\b(?:в|до|на) (?:этом|следующем|будущем|этого|следующего|этот|следующий) "
    r"(?:месяц|год|квартал)\w*",
    rf"\bчерез (?:{_NUMBER_WORD}|неделю|месяц|пару|несколько|полгода|год)\b",
    r"\bв срок до\b",
    r"\bне позднее\b",
    r"\bв (?:январе|феврале|марте|апреле|мае|июне|июле|августе|сентябре|октябре|ноябре|"
    r"декабре)\b",
    r"\b(?:в|на|до|к) \d{4} (?:год|г\b)",
    r"\b\d{4} год",
    r"\b(?:в|во|до|к) (?:i{1,3}|iv|1|2|3|4|перв\w+|втор\w+|трет\w+|четверт\w+)(?:-?м)? "
    r"квартал",
    rf"\bдо конца (?:дня|недели|месяца|года|лета|осени|зимы|весны|{_MONTH_NAMES})",
    r"\b(?:ежедневно|еженедельно|каждый день|каждую неделю)\b",
)

# An explicit date after «до», «к», «не позднее»: checked against today (date_in_past).
_DEADLINE = (
    rf"\b(?:до|к|не позднее|по) (\d{{1,2}}) ({_MONTH})(?: (\d{{4}}))?|"
    r"\b(?:до|к|не позднее|по) (\d{1,2})\.(\d{1,2})(?:\.(\d{2,4}))?\b"
)


@dataclass(frozen=True)
class Network:
    label: str
    max_chars: int
    max_formal: int


@dataclass(frozen=True)
class Phrases:
    """The draft checker's lists (see the `_format` of `otklik/data/draft_phrases.json`)."""

    boilerplate: tuple[tuple[str, tuple[frozenset[str], ...]], ...]
    law_references: tuple[re.Pattern, ...]
    vague_terms: tuple[str, ...]
    formal: tuple[tuple[str, tuple[frozenset[str], ...]], ...]
    actions: frozenset[str]
    plan_words: frozenset[str]
    not_objects: frozenset[str]
    progress: tuple[tuple[str, tuple[frozenset[str], ...]], ...]
    not_progress: tuple[tuple[str, tuple[frozenset[str], ...]], ...]
    photo_promises: tuple[re.Pattern, ...]
    greetings: tuple[re.Pattern, ...]
    final_answer: tuple[re.Pattern, ...]
    networks: dict[str, Network]

    @classmethod
    def from_dict(cls, raw: dict) -> Phrases:
        def phrases(key: str) -> tuple[tuple[str, tuple[frozenset[str], ...]], ...]:
            return tuple((p, _phrase(p)) for p in raw[key])

        def patterns(key: str) -> tuple[re.Pattern, ...]:
            return tuple(re.compile(p) for p in raw[key])

        return cls(
            boilerplate=phrases("boilerplate"),
            law_references=patterns("law_references"),
            vague_terms=tuple(raw["vague_terms"]),
            formal=phrases("formal"),
            actions=frozenset(raw["actions"]),
            plan_words=frozenset(raw["plan_words"]),
            not_objects=frozenset(raw["not_objects"]),
            progress=phrases("progress"),
            not_progress=phrases("not_progress"),
            photo_promises=patterns("photo_promises"),
            greetings=patterns("greetings"),
            final_answer=patterns("final_answer"),
            networks={k: Network(**v) for k, v in raw["networks"].items()},
        )

    @classmethod
    @cache
    def default(cls) -> Phrases:
        from importlib import resources  # here, not at import: it pulls in tempfile, inspect

        data = resources.files("otklik.data").joinpath("draft_phrases.json")
        return cls.from_dict(json.loads(data.read_text("utf-8")))

    def network(self, code: str) -> Network:
        return self.networks.get((code or "").lower(), self.networks["default"])


def _phrase(text: str) -> tuple[frozenset[str], ...]:
    """A phrase as the lemma sets of its words (a word matches a token sharing a lemma)."""
    return tuple(_word_lemmas(w) for w in _words(text))


def _words(text: str) -> list[str]:
    return re.findall(r"[а-я]+(?:-[а-я]+)*", text.lower().replace("ё", "е"))


def _word_lemmas(word: str) -> frozenset[str]:
    return screening.lemmas(word) | {word}


class _Draft:
    """A draft read once: its tokens, lemmas, sentences and its lower-cased text."""

    def __init__(self, text: str) -> None:
        self.text = screening.clean(text)
        self.lower = re.sub(r"\s+", " ", self.text.lower().replace("ё", "е"))
        self.tokens = [
            t for t in screening.tokenise(self.text) if t.form.isalpha() or "-" in t.form
        ]
        self.lemma_sets = [t.lemmas | {t.form} for t in self.tokens]
        self.sentences = _sentences(self.text)

    def find(self, phrase: tuple[frozenset[str], ...], gap: int = 2) -> list[tuple[int, int]]:
        """Where the phrase stands: (first, last) token, each next word at most `gap` words
        after the previous one, all in one sentence."""
        found = []
        for start, lemma_set in enumerate(self.lemma_sets):
            if not phrase[0] & lemma_set:
                continue
            position, ok = start, True
            for word in phrase[1:]:
                for step in range(1, gap + 2):
                    k = position + step
                    if (
                        k < len(self.tokens)
                        and self.tokens[k].sentence == self.tokens[start].sentence
                        and word & self.lemma_sets[k]
                    ):
                        position = k
                        break
                else:
                    ok = False
                    break
            if ok:
                found.append((start, position))
        return found

    def span(self, first: int, last: int) -> str:
        return self.text[self.tokens[first].start : self.tokens[last].end]


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?…])\s+|\n+", text)
    return [re.sub(r"\s+", " ", p.lower().replace("ё", "е")).strip() for p in parts if p.strip()]


@cache
def _dates() -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p) for p in _DATE_PATTERNS)  # compiled on first use, not at import


def _has_date(text: str) -> bool:
    return any(p.search(text) for p in _dates())


# --- the checks ---------------------------------------------------------------------------


def check(
    text: str,
    *,
    kind: str,
    network: str,
    today: date,
    attachments: Iterable[Any] = (),
    author_name: str = "",
    repeat_of: bool = False,
    phrases: Phrases | None = None,
) -> list[Finding]:
    """Advice on a draft answer, in the order of CODES.

    `kind` is "final" or "interim"; `attachments` are (type, url) pairs or objects with a
    `type` ("photo", "video", "document", "link"); `network` the case's network code;
    `author_name` the message author's name as the monitoring system gave it (a nickname has
    no first name: a greeting is then the address); `repeat_of` whether the message repeats
    one already answered (clause 18); `today` the local date, for terms already past."""
    ph = phrases or Phrases.default()
    draft = _Draft(text)
    if not draft.tokens:
        return [
            Finding(
                "no_measure",
                WARNING,
                "Проект пуст: напишите автору, что сделано или будет сделано и к какому сроку.",
            )
        ]
    measures = _measures(draft, ph)
    done = _done(draft, ph)
    # Work already done needs no term when the draft says so («яму уже засыпали»).
    dated = _has_date(draft.lower) or _said_done(draft, ph, done, [_phrase("уже")])
    substance = bool(measures) and (dated if kind != "interim" else _final_date(draft, ph))
    found: list[Finding] = []
    found += _clause20(draft)
    found += _address(draft, ph, author_name)
    if not measures:
        found.append(_no_measure(kind))
    if kind == "interim":
        if not _final_date(draft, ph):
            found.append(_no_final_date(dated))
    elif not dated:
        found.append(_no_date(draft, ph))
    found += _past_deadlines(draft, today)
    if repeat_of:
        found += _repeat(draft, ph, done)
    found += _boilerplate(draft, ph, substance)
    types = {_attachment_type(a) for a in attachments}
    found += _photos(draft, ph, types, bool(done) and bool(measures), kind)
    found += _network_fit(draft, ph, network)
    order = {c: n for n, c in enumerate(CODES)}
    return sorted(found, key=lambda f: order.get(f.code, len(order)))


def _attachment_type(attachment: Any) -> str:
    if isinstance(attachment, tuple | list):
        return str(attachment[0]).lower() if attachment else ""
    return str(getattr(attachment, "type", "")).lower()


def _quote(items: Iterable[str], limit: int = 4) -> str:
    unique = list(dict.fromkeys(i.strip() for i in items if i.strip()))
    shown = ", ".join(f"«{i}»" for i in unique[:limit])
    return shown + (f" и ещё {len(unique) - limit}" if len(unique) > limit else "")


_CATEGORY_RU = {
    "obscene": "нецензурные",
    "insult": "оскорбительные",
    "threat": "угрожающие",
}


def _clause20(draft: _Draft) -> list[Finding]:
    flags = screening.screen(draft.text)
    if not flags:
        return []
    kinds = ", ".join(_CATEGORY_RU[f.category] for f in flags)
    words = _quote(w for f in flags for w in f.words)
    return [
        Finding(
            "clause20_in_draft",
            WARNING,
            f"В проекте есть слова, которые могут прочитать как {kinds} (п. 20): {words}. "
            "Уберите или замените их: ответ администрации не должен содержать такого даже "
            "в цитате.",
        )
    ]


# Address.


def _first_name(author_name: str) -> tuple[str, str] | None:
    """(lemma, as written) of the author's first name, if the name has one."""
    words = re.findall(r"[A-Za-zА-Яа-яЁё]+", author_name or "")
    for raw in words:
        word = raw.lower().replace("ё", "е")
        candidates = [word]
        if word.isascii():
            candidates = screening.spellings(raw)[-1:]  # the transliteration («Sergey»)
        for candidate in candidates:
            for p in screening.parses(candidate):
                if "Name" in p.tag.grammemes and p.score >= 0.05:
                    return p.lemma, raw
    return None


def _addressed_by_name(draft: _Draft, lemma: str) -> bool:
    stem = lemma[:-1] if len(lemma) >= 4 else lemma
    for token in draft.tokens:
        if token.form == lemma or any(
            p.lemma == lemma and "Name" in p.tag.grammemes for p in token.parses
        ):
            return True
        if token.capital and len(lemma) >= 4 and token.form.startswith(stem):
            return True  # a name pymorphy3 does not know, in another case («Айгуль», «Зарине»)
    return False


def _address(draft: _Draft, ph: Phrases, author_name: str) -> list[Finding]:
    name = _first_name(author_name)
    greeted = any(p.search(draft.lower) for p in ph.greetings)
    if name:
        lemma, written = name
        if _addressed_by_name(draft, lemma):
            return []
        if written.isascii():
            written = lemma  # «Sergey» is addressed as «Сергей»
        shown = written[:1].upper() + written[1:]
        return [
            Finding(
                "no_address",
                WARNING,
                f"Ответ не обращается к автору по имени. Начните с имени: «{shown}, "
                "здравствуйте!»"
                + (" — одного приветствия мало, когда имя известно." if greeted else "."),
            )
        ]
    if greeted:
        return []
    return [
        Finding(
            "no_address",
            WARNING,
            "Ответ не обращается к автору: нет ни имени, ни приветствия. Имя автора неизвестно "
            "(ник) — начните хотя бы с «Здравствуйте!» или «Добрый день!».",
        )
    ]


# Measures and dates.


def _measures(draft: _Draft, ph: Phrases) -> list[str]:
    """The concrete measures the draft names, as written («засыпали яму», «заменим трубы»)."""
    found = []
    tokens = draft.tokens
    for i, token in enumerate(tokens):
        readings = [p for p in token.parses if p.lemma in ph.actions]
        if not readings:
            continue
        if not any(_is_done_or_planned(p, tokens, i, ph) for p in readings):
            continue
        obj = _object(tokens, i, ph)
        if obj is not None:
            found.append(draft.span(min(i, obj), max(i, obj)))
    return found


def _is_done_or_planned(p: screening.Parse, tokens: list[Token], i: int, ph: Phrases) -> bool:
    tag = p.tag
    if tag.POS == "VERB":
        return tag.mood != "impr" and tag.tense in ("past", "futr", "pres")
    if tag.POS in ("PRTS", "PRTF"):
        return tag.tense == "past" and "pssv" in tag.grammemes
    if tag.POS == "INFN":
        before = tokens[max(0, i - 3) : i]
        return any(t.lemmas & ph.plan_words or t.form in ph.plan_words for t in before)
    return False


def _object(tokens: list[Token], i: int, ph: Phrases) -> int | None:
    """The nearest noun in the clause of the action at i that no preposition governs — its
    object, or its subject if passive («трубу заменили», «деньги выделены») — unless that is
    the citizen's own message or an office word («обращение направили в водоканал»)."""
    clause = tokens[i].clause
    for step in (1, -1, 2, -2, 3, -3, 4, -4, 5, -5):
        k = i + step
        if not (0 <= k < len(tokens)) or tokens[k].clause != clause:
            continue
        reading = tokens[k].parses[0] if tokens[k].parses else None
        if reading is None or reading.tag.POS != "NOUN":
            continue
        if k > 0 and tokens[k - 1].pos() == "PREP":
            continue
        return None if tokens[k].lemmas & ph.not_objects else k
    return None


def _no_measure(kind: str) -> Finding:
    if kind == "interim":
        hint = (
            "В промежуточном ответе назовите, что уже сделано для решения: «направили запрос в "
            "«Алтайэнерго»», «специалисты обследуют участок в четверг»."
        )
    else:
        hint = (
            "Напишите, что сделано или будет сделано: «яму засыпали щебнем», «трубу "
            "заменим», «бригаду направим» — глаголом в прошедшем или будущем времени и с тем, "
            "к чему он относится."
        )
    return Finding("no_measure", WARNING, "Нет конкретной меры. " + hint)


def _no_date(draft: _Draft, ph: Phrases) -> Finding:
    vague = [v for v in ph.vague_terms if v in draft.lower]
    note = f" {_quote(vague)} — не срок." if vague else ""
    return Finding(
        "no_date",
        WARNING,
        "Не указан срок." + note + " Назовите день или срок: «до 20 июня», «в течение недели», "
        "«завтра до 12:00», «к концу месяца»; если работа уже выполнена — когда.",
    )


def _final_date(draft: _Draft, ph: Phrases) -> bool:
    return any(any(p.search(s) for p in ph.final_answer) and _has_date(s) for s in draft.sentences)


def _no_final_date(dated: bool) -> Finding:
    extra = (
        " Дата в тексте есть, но не сказано, что это срок окончательного ответа." if dated else ""
    )
    return Finding(
        "no_final_date",
        WARNING,
        "Промежуточный ответ не называет срок окончательного (п. 16)." + extra
        + " Напишите, когда автор получит ответ по существу: «Окончательный ответ дадим до "
        "18 ноября».",
    )  # fmt: skip


def _past_deadlines(draft: _Draft, today: date) -> list[Finding]:
    past = []
    for m in re.finditer(_DEADLINE, draft.lower):
        when = _deadline_date(m, today)
        if when is not None and when < today:
            past.append(m.group().strip())
    if not past:
        return []
    return [
        Finding(
            "date_in_past",
            WARNING,
            f"Срок уже прошёл: {_quote(past)} (сегодня {today:%d.%m.%Y}). Проверьте дату — "
            "назовите будущую или напишите, что сделано к этому сроку.",
        )
    ]


def _deadline_date(m: re.Match, today: date) -> date | None:
    try:
        if m.group(1):
            day = int(m.group(1))
            month = next(n for stem, n in _MONTHS.items() if m.group(2).startswith(stem))
            year = int(m.group(3)) if m.group(3) else None
        else:
            day, month = int(m.group(4)), int(m.group(5))
            year = int(m.group(6)) if m.group(6) else None
            if year is not None and year < 100:
                year += 2000
        if year is not None:
            return date(year, month, day)
        when = date(today.year, month, day)
    except (ValueError, StopIteration):
        return None
    # Without a year a date well behind today means next year's («до 20 мая» in November); only
    # one a few weeks behind is a term that has passed.
    if (today - when).days > 45:
        try:
            return date(today.year + 1, month, day)
        except ValueError:
            return None
    return when


# Repeats, boilerplate, photos, the network.


def _done(draft: _Draft, ph: Phrases) -> list[int]:
    """The words that say an action was done: a past tense or a past passive participle, but
    not one in the future («будет выполнен») nor «как положено»."""
    found = []
    tokens = draft.tokens
    for i, t in enumerate(tokens):
        before = {b.form for b in tokens[max(0, i - 2) : i] if b.sentence == t.sentence}
        if before & {"будет", "будут", "будем", "как"}:
            continue
        if any(
            p.lemma in ph.actions
            and p.tag.tense == "past"
            and (p.tag.POS == "VERB" or "pssv" in p.tag.grammemes)
            for p in t.parses[:3]
        ):
            found.append(i)
    return found


def _said_done(
    draft: _Draft, ph: Phrases, done: list[int], markers: Iterable[tuple[frozenset[str], ...]]
) -> bool:
    """Whether a marker stands by a done action: a one-word marker («уже») within three words
    of it, a longer one («с тех пор») in its sentence; not inside «как мы уже сообщали»."""
    if not done:
        return False
    repeated = {
        k for _, words in ph.not_progress for a, b in draft.find(words) for k in range(a, b + 1)
    }
    for words in markers:
        for start, _ in draft.find(words):
            if start in repeated:
                continue
            sentence = draft.tokens[start].sentence
            if any(
                draft.tokens[i].sentence == sentence and (len(words) > 1 or abs(i - start) <= 3)
                for i in done
            ):
                return True
    return False


def _repeat(draft: _Draft, ph: Phrases, done: list[int]) -> list[Finding]:
    if _said_done(draft, ph, done, (words for _, words in ph.progress)):
        return []
    marker = any(draft.find(words) for _, words in ph.progress)
    missing = (
        "нет слов о том, что сделано с прошлого ответа"
        if done
        else "не сказано, что именно сделано (глагол в прошедшем времени: «заменили», «вывезли»)"
        if marker
        else "нет слов о том, что изменилось с прошлого ответа"
    )
    return [
        Finding(
            "repeat_without_progress",
            WARNING,
            f"Это повторное обращение (п. 18), а в ответе {missing}. Начните с того, что "
            "сделано с тех пор: «С прошлого ответа мы …», и что осталось и когда.",
        )
    ]


def _boilerplate(draft: _Draft, ph: Phrases, substance: bool) -> list[Finding]:
    found = [draft.span(a, b) for a, b in _outermost(draft, ph.boilerplate)]
    laws = _matches(ph.law_references, draft.lower)
    if not found and not laws:
        return []
    parts = []
    if found:
        parts.append(f"канцелярские фразы {_quote(found)}")
    if laws:
        parts.append(f"ссылки на закон {_quote(laws, 2)}")
    listed = " и ".join(parts)
    if substance:
        return [
            Finding(
                "boilerplate",
                INFO,
                f"В ответе есть {listed}. Суть названа — без них ответ короче и понятнее.",
            )
        ]
    return [
        Finding(
            "boilerplate",
            WARNING,
            f"Вместо ответа по существу — {listed}. Автор ждёт не порядок рассмотрения и не "
            "статью закона, а что сделано или будет сделано и когда: «Яму на Советской "
            "засыплем щебнем до пятницы».",
        )
    ]


def _photos(draft: _Draft, ph: Phrases, types: set[str], done: bool, kind: str) -> list[Finding]:
    media = types & {"photo", "video"}
    promised = _matches(ph.photo_promises, draft.lower)
    if promised and not media:
        return [
            Finding(
                "photos_promised",
                WARNING,
                f"В тексте обещаны фото или видео ({_quote(promised, 2)}), но к проекту они не "
                "приложены. Приложите их или уберите упоминание.",
            )
        ]
    if kind != "interim" and done and not media:
        return [
            Finding(
                "no_proof",
                INFO,
                "В ответе сказано, что сделано, но фото нет. Если сделанное можно показать, "
                "приложите фото «было/стало»: это подтверждение, которого ждёт п. 19.",
            )
        ]
    return []


def _outermost(
    draft: _Draft, phrases: Iterable[tuple[str, tuple[frozenset[str], ...]]]
) -> list[tuple[int, int]]:
    """Where the phrases stand, a phrase inside a longer one left out («рассмотрен» within «будет
    рассмотрен»), in the order of the text."""
    spans = sorted(
        {s for _, words in phrases for s in draft.find(words)}, key=lambda s: (s[0], -s[1])
    )
    kept: list[tuple[int, int]] = []
    for a, b in spans:
        if not any(x <= a and b <= y for x, y in kept):
            kept.append((a, b))
    return kept


def _matches(patterns: Iterable[re.Pattern], text: str) -> list[str]:
    """What the patterns match, overlapping matches merged, each widened to whole words (to
    quote «в соответствии с федеральным законом № 131-фз», not a stem)."""
    spans = sorted((m.start(), m.end()) for p in patterns for m in p.finditer(text))
    merged: list[list[int]] = []
    for start, end in spans:
        while end < len(text) and (text[end].isalnum() or text[end] == "-"):
            end += 1
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [text[a:b] for a, b in merged]


def _number(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def _network_fit(draft: _Draft, ph: Phrases, network: str) -> list[Finding]:
    net = ph.network(network)
    found = []
    length = len(draft.text.strip())
    if length > net.max_chars:
        found.append(
            Finding(
                "too_long",
                WARNING,
                f"Ответ длинный для площадки «{net.label}»: {_number(length)} знаков при "
                f"ориентире {_number(net.max_chars)}. Сократите: что сделано, что будет "
                "сделано и когда; подробности — ссылкой или вложением.",
            )
        )
    formal = [draft.span(a, b) for a, b in _outermost(draft, ph.formal)]
    if len(formal) > net.max_formal:
        found.append(
            Finding(
                "too_formal",
                WARNING,
                f"Слишком официально для площадки «{net.label}»: {_quote(formal)}. Пишите как "
                "в разговоре (п. 19): «Сообщаем» → «Рассказываем», «Доводим до вашего "
                "сведения» — просто скажите, что сделано.",
            )
        )
    return found
