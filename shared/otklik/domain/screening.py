"""Clause 20 screening on word forms: does a message look obscene, insulting or threatening?

Clause 20 lets the technical executor mark a message not processable when it threatens harm,
contains obscene or insulting language, or threatens an official or their family. `screen`
points at what looks like that and names the words as they stand in the text; **the flag is a
hint, the human decides** — nothing here refuses a message.

Substrings cannot do this in Russian: «мандарины» holds «манда», «себестоимость» holds «еб»,
«бродячая скотина на трассе» is a complaint about livestock and «кого-нибудь убьют на переходе»
is one about a crossing. So the text is read as words:

1. tokenised, each word normalised: lower case, ё as е, Latin and digit look-alikes read as
   Cyrillic («xуй», «п1здец», «6ля»), letters split by «*», «.», «-», «_» or spaces joined
   («б.л.я», «х у й»), runs of one letter collapsed («дебииил»), a «*» or «@» standing for
   one unknown letter («х*й», «бл@ть») tried with every letter;
2. obscene: each spelling against the roots of the lexicon after a prefix («о-хуели»,
   «рас-пиздяи», «вы-блядок», «съ-ебались») and «не»/«ни», the rest of the word constrained
   so that «хлеб», «себе», «мудрый» or «мандат» never match (checked against every word form
   of pymorphy3's dictionary: none but obscene ones match);
3. insults: lemmas (pymorphy3); words with an ordinary meaning too («скотина», «козел»,
   «свинья») count only when said to or of people: next to «вы/ты», next to a word for
   officials, or as a vocative;
4. threats: a threat verb in the first person future or the imperative aimed at a person or an
   official's property (not «закопаем яму»), «вы ответите за это», and the patterns of the
   lexicon («знаем, где вы живете», «готовьте гроб», threats to «ваших детей»).

The lexicon is data (`otklik/data/clause20_words.json`, its `_format` key says how to read it).
The morphological analyzer is built once per process, on first use, never at import.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import islice, product
from typing import Any

CATEGORIES = ("obscene", "insult", "threat")


@dataclass(frozen=True)
class Flag:
    """One clause 20 category a message appears to fall into, and the words that suggest it,
    as they appear in the text (for the technical executor to look at)."""

    category: str  # "obscene" | "insult" | "threat"
    words: tuple[str, ...]


def categories(flags: Iterable[Flag]) -> list[str]:
    """The categories of `flags`, each once, in the order of CATEGORIES."""
    found = {f.category for f in flags}
    return [c for c in CATEGORIES if c in found]


# --- the analyzer -------------------------------------------------------------------------

_analyzer: Any = None
_analyzer_lock = threading.Lock()


def analyzer() -> Any:
    """The process's pymorphy3 `MorphAnalyzer`, built on first use (it loads its dictionaries,
    tens of milliseconds and megabytes, which a handler that never screens should not pay)."""
    global _analyzer
    if _analyzer is None:
        with _analyzer_lock:
            if _analyzer is None:
                import pymorphy3  # imported here so that importing this module stays cheap

                _analyzer = pymorphy3.MorphAnalyzer()
    return _analyzer


@dataclass(frozen=True)
class Parse:
    """One reading of a word: its lemma (ё as е) and its grammemes."""

    lemma: str
    tag: Any  # a pymorphy3 OpencorporaTag: `"VERB" in tag`, tag.person, tag.tense, tag.case
    score: float


@lru_cache(maxsize=200_000)
def parses(word: str) -> tuple[Parse, ...]:
    """The readings of one lower-case word, most likely first (cached: words repeat)."""
    if not word or len(word) > 60:
        return ()
    return tuple(
        Parse(p.normal_form.replace("ё", "е"), p.tag, p.score)
        for p in islice(analyzer().parse(word), 8)
    )


def lemmas(word: str) -> frozenset[str]:
    """Every lemma pymorphy3 offers for `word` (a word is matched if any reading matches)."""
    return frozenset(p.lemma for p in parses(word))


# --- normalisation ------------------------------------------------------------------------

_CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъыьэюя"
MASK = "*"  # in a normalised spelling: one unknown letter

# What a character that is not a Cyrillic letter may stand for inside a Cyrillic word. The
# first option is the reading used for morphology; the others are tried against the lexicon.
_LOOKALIKE: dict[str, tuple[str, ...]] = {
    "a": ("а",), "e": ("е",), "o": ("о",), "p": ("р",), "c": ("с",), "x": ("х",),
    "y": ("у",), "k": ("к",), "m": ("м",), "t": ("т",), "h": ("н",), "u": ("и",),
    "n": ("п",), "r": ("г",), "i": ("и",), "b": ("ь", "в", "б"), "B": ("в",),
    "H": ("н",), "M": ("м",), "T": ("т",), "K": ("к",), "P": ("р",), "C": ("с",),
    "X": ("х",), "Y": ("у",), "A": ("а",), "E": ("е",), "O": ("о",),
    "0": ("о",), "1": ("и", "л"), "3": ("з",), "4": ("ч",), "6": ("б",), "9": ("я",),
    "@": ("а", MASK), "$": ("с",), "*": (MASK, ""),
    # Greek and Ukrainian letters that pass for Cyrillic ones.
    "α": ("а",), "ε": ("е",), "ο": ("о",), "ρ": ("р",), "κ": ("к",), "χ": ("х",),
    "υ": ("у",), "τ": ("т",), "і": ("и",), "ї": ("и",), "є": ("е",), "ў": ("у",),
}  # fmt: skip

# A word written wholly in Latin letters is read as transliteration too («blyat», «nahuy»).
_TRANSLIT = (
    ("shch", "щ"), ("sch", "щ"), ("zh", "ж"), ("kh", "х"), ("ch", "ч"), ("sh", "ш"),
    ("ya", "я"), ("ja", "я"), ("yu", "ю"), ("ju", "ю"), ("yo", "е"), ("jo", "е"),
    ("ts", "ц"), ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"), ("d", "д"), ("e", "е"),
    ("z", "з"), ("i", "и"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"),
    ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"),
    ("c", "ц"), ("w", "в"), ("x", "кс"), ("j", "й"), ("q", "к"), ("'", "ь"),
)  # fmt: skip
_VOWELS = set("аеиоуыэюя")
_LATIN_LETTER = {latin: cyr for latin, cyr in _TRANSLIT if len(latin) == 1 and latin.isalpha()}

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u180e"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TAG = re.compile(r"<[^<>]{0,300}>")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_RAW = re.compile(r"(?:[^\W_]|[*@$])+(?:[.\-_'’](?:[^\W_]|[*@$])+)*")
_SEPARATORS = re.compile(r"[.\-_'’]")
_SENTENCE_END = re.compile(r"[.!?;…\n]")
_CLAUSE_END = re.compile(r"[,:—–()\"«»]|\s-\s")
_SPLIT_GAP = re.compile(r"^[ \t.*_\-]{1,3}$")  # between letters of a word spelt apart
_REPEATS = re.compile(r"(.)\1{2,}")
_DOUBLES = re.compile(r"(.)\1")
_MAX_SPELLINGS = 16  # combinations of ambiguous characters tried per word
_MASK_BUDGET = 40_000  # masked spellings tried per text, so hostile input stays linear
_MASKED_WORDS = 100  # masked words looked up as insults per text (33 analyses each)


def clean(text: str) -> str:
    """The text as the screening reads it: entities decoded, invisible and control characters,
    accents, markup and links removed. Words a flag reports are spans of this text."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if "&" in text:
        import html  # only for text with entities: html.entities is a large table

        text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _CONTROL.sub(" ", text)
    text = _TAG.sub(" ", text)
    return _URL.sub(" ", text)


def _is_cyrillic(ch: str) -> bool:
    return "а" <= ch <= "я" or ch == "ё"


def _translit(word: str) -> str:
    out, i, low = [], 0, word.lower()
    while i < len(low):
        for latin, cyr in _TRANSLIT:
            if low.startswith(latin, i):
                out.append(cyr)
                i += len(latin)
                break
        else:
            if low[i] == "y":  # й after a vowel («huy»), ы otherwise («byl»)
                out.append("й" if out and out[-1] in _VOWELS else "ы")
            else:
                out.append(low[i])
            i += 1
    return "".join(out)


def _squeeze(word: str) -> str:
    return _REPEATS.sub(r"\1", word)


def spellings(raw: str) -> list[str]:
    """The normalised spellings a written word may stand for, the likeliest first: look-alikes
    read as Cyrillic, «*»/«@» as a separator or one unknown letter (MASK), runs collapsed."""
    has_cyrillic = any(_is_cyrillic(ch) for ch in raw.lower())
    has_latin = any("a" <= ch <= "z" for ch in raw.lower())
    options: list[tuple[str, ...]] = []
    for ch in raw:
        low = ch.lower()
        if _is_cyrillic(low):
            options.append(("е",) if low == "ё" else (low,))
        elif ch in _LOOKALIKE and (has_cyrillic or not ch.isdigit() or has_latin):
            options.append(_LOOKALIKE[ch])
        elif low in _LOOKALIKE:
            options.append(_LOOKALIKE[low])
        elif low in _LATIN_LETTER and has_cyrillic:  # «пизdец», «пиzдец»: a letter for a letter
            options.append((_LATIN_LETTER[low],))
        elif ch in "-'’._":
            options.append(("",))
        else:
            options.append((low,))
    found: list[str] = []
    for combo in islice(product(*options), _MAX_SPELLINGS):
        word = _squeeze("".join(combo))
        if word and word not in found:
            found.append(word)
    if has_latin and not has_cyrillic and raw.isascii() and raw.isalpha():
        found.append(_squeeze(_translit(raw)))
    if has_cyrillic:
        for word in list(found):
            single = _DOUBLES.sub(r"\1", word)
            if single != word and single not in found:
                found.append(single)
    return found


@dataclass
class Token:
    """One word of the text: where it stands, how it reads, what surrounds it."""

    surface: str  # as in the cleaned text
    start: int
    end: int
    form: str  # the likeliest normalised spelling, for morphology and context
    spellings: tuple[str, ...]  # every spelling to try against the lexicon
    pieces: tuple[str, ...] = ()  # the parts of a hyphenated word («чиновники-свиньи»)
    sentence: int = 0
    clause: int = 0
    sentence_start: bool = False
    capital: bool = False
    after: str = ""  # the characters up to the next word: its punctuation
    _parses: tuple[Parse, ...] | None = field(default=None, repr=False)

    @property
    def parses(self) -> tuple[Parse, ...]:
        if self._parses is None:
            self._parses = parses(self.form) if self.form.isalpha() or "-" in self.form else ()
        return self._parses

    @property
    def lemmas(self) -> frozenset[str]:
        return frozenset(p.lemma for p in self.parses)

    def pos(self) -> str | None:
        return str(self.parses[0].tag.POS) if self.parses and self.parses[0].tag.POS else None


def tokenise(text: str) -> list[Token]:
    """The words of a cleaned text with their sentence and clause numbers; a word whose letters
    are split by dots or underscores («б.л.я») is one word, a hyphenated one keeps its hyphen."""
    tokens: list[Token] = []
    sentence = clause = 0
    previous_end = 0
    for match in _RAW.finditer(text):
        raw = match.group()
        pieces = [p for p in _SEPARATORS.split(raw) if p]
        joined_disguise = len(pieces) > 1 and sum(len(p) <= 2 for p in pieces) >= len(pieces) - 1
        if len(pieces) > 1 and not joined_disguise and re.search(r"[._'’]", raw):
            # «дорогу.Когда», «ул.Ленина»: separate words that lost their space.
            parts = [(m.group(), m.start()) for m in re.finditer(r"[^._'’]+", raw)]
        else:
            parts = [(raw, 0)]
        for part, offset in parts:
            start = match.start() + offset
            gap = text[previous_end:start]
            if tokens and _SENTENCE_END.search(gap):
                sentence += 1
                clause += 1
            elif tokens and _CLAUSE_END.search(gap):
                clause += 1
            previous_end = start + len(part)
            if not any(ch.isalpha() for ch in part) and MASK not in part:
                continue
            found = spellings(part)
            if not found:
                continue
            form = found[0].replace(MASK, "")
            if "-" in part and not joined_disguise:
                form = "-".join(
                    (spellings(p) or [p])[0].replace(MASK, "") for p in part.split("-") if p
                )
            sub = tuple(s for p in pieces if len(pieces) > 1 for s in spellings(p)[:1])
            tokens.append(
                Token(
                    surface=part,
                    start=start,
                    end=start + len(part),
                    form=form,
                    spellings=tuple(dict.fromkeys((*found, *sub))),
                    pieces=sub if "-" in part else (),
                    sentence=sentence,
                    clause=clause,
                    sentence_start=not tokens or tokens[-1].sentence != sentence,
                    capital=part[:1].isupper(),
                )
            )
    for k, token in enumerate(tokens):
        token.after = text[token.end : tokens[k + 1].start if k + 1 < len(tokens) else len(text)]
    return tokens


def _spelt_apart(tokens: list[Token], text: str) -> Iterator[tuple[int, int, str]]:
    """Words spelt apart («х у й», «п и з д е ц», «х у йня», «бл ять»): (first token, last
    token, joined spelling), shortest first, for runs of single letters with only spaces or
    separators between them, with the word that may end or start them, and for pairs with a
    short half."""
    n = len(tokens)

    def close(k: int) -> bool:  # tokens k and k + 1 are one word spelt apart
        return bool(_SPLIT_GAP.match(text[tokens[k].end : tokens[k + 1].start]))

    def joined(first: int, last: int) -> str:
        return "".join(tokens[k].form for k in range(first, last + 1))

    i = 0
    while i < n:
        j = i
        while j + 1 < n and len(tokens[j].form) == 1 and len(tokens[j + 1].form) == 1 and close(j):
            j += 1
        if j > i:
            yield i, j, joined(i, j)
            if j + 1 < n and len(tokens[j + 1].form) <= 4 and close(j):
                yield i, j + 1, joined(i, j + 1)
            if i > 0 and len(tokens[i - 1].form) <= 4 and close(i - 1):
                yield i - 1, j, joined(i - 1, j)
        i = j + 1
    for k in range(n - 1):  # a pair with one short half: «бл ять», «на хуй»
        a, b = tokens[k], tokens[k + 1]
        if (
            (len(a.form) <= 2 or len(b.form) <= 2)
            and text[a.end : b.start] in (" ", ".", "*", "-", "_")
            and a.form.isalpha()
            and b.form.isalpha()
        ):
            yield k, k + 1, a.form + b.form


# --- the lexicon --------------------------------------------------------------------------


def _obscene_pattern(prefixes: list[str], negations: list[str], roots: list[str]) -> re.Pattern:
    """One expression for «[не-/ни-] [prefix] root…» at the start of a word. A prefix ending in
    a consonant stands before a vowel only with ъ or ь («съебались», «отъебись»), as Russian
    spells it, so that «себе», «вебка» or «объем» never split into a prefix and a root."""

    def alternation(words: list[str]) -> str:
        return "|".join(sorted(map(re.escape, words), key=len, reverse=True))

    vowel_final = [p for p in prefixes if p[-1] in _VOWELS]
    consonant_final = [p for p in prefixes if p[-1] not in _VOWELS]
    prefix = (
        f"(?:(?:{alternation(vowel_final)})[ъь]?"
        f"|(?:{alternation(consonant_final)})(?:[ъь]|(?![аеиоуыэюя])))"
    )
    root = "|".join(f"(?:{r})" for r in roots)
    return re.compile(rf"^(?:{alternation(negations)})?{prefix}?(?:{root})")


@dataclass(frozen=True)
class Lexicon:
    """The clause 20 words (see the `_format` of `otklik/data/clause20_words.json`)."""

    obscene: re.Pattern
    obscene_lemmas: frozenset[str]
    insults: frozenset[str]
    address_only: frozenset[str]
    addressees: frozenset[str]
    collectives: frozenset[str]
    fillers: frozenset[str]
    threat_verbs: frozenset[str]
    targeted_verbs: frozenset[str]
    targets: frozenset[str]
    animals: frozenset[str]
    second_person: dict[str, tuple[str, ...]]
    threat_forms: frozenset[str]
    legal: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]
    idioms: tuple[re.Pattern, ...]
    _masked: dict[str, bool] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def from_dict(cls, raw: dict) -> Lexicon:
        ob, ins, th = raw["obscene"], raw["insult"], raw["threat"]
        words = frozenset
        return cls(
            obscene=_obscene_pattern(ob["prefixes"], ob["negations"], ob["roots"]),
            obscene_lemmas=words(ob["lemmas"]),
            insults=words(ins["lemmas"]),
            address_only=words(ins["address_only"]),
            addressees=words(ins["addressees"]),
            collectives=words(ins["collectives"]),
            fillers=words(ins["fillers"]),
            threat_verbs=words(th["verbs"]),
            targeted_verbs=words(th["verbs_needing_target"]),
            targets=words(th["targets"]),
            animals=words(th["animals"]),
            second_person={k: tuple(v) for k, v in th["second_person"].items()},
            threat_forms=words(th["forms"]),
            legal=tuple(th["legal"]),
            patterns=tuple(re.compile(p) for p in th["patterns"]),
            idioms=tuple(re.compile(p) for p in th["idioms"]),
        )

    @classmethod
    @cache
    def default(cls) -> Lexicon:
        from importlib import resources  # here, not at import: it pulls in tempfile, inspect

        data = resources.files("otklik.data").joinpath("clause20_words.json")
        return cls.from_dict(json.loads(data.read_text("utf-8")))

    def is_obscene(self, spelling: str, budget: list[int] | None = None) -> bool:
        """Whether one normalised spelling is an obscene word; MASK stands for any letter."""
        if MASK not in spelling:
            return bool(self.obscene.match(spelling)) or spelling in self.obscene_lemmas
        if spelling in self._masked:
            return self._masked[spelling]
        letters = sum(ch != MASK for ch in spelling)
        found = False
        for form in dict.fromkeys((re.sub(r"\*+", MASK, spelling), spelling)):
            masks = form.count(MASK)
            if letters < 1 or masks > 2 or letters + masks < 3:
                continue
            if budget is not None:
                budget[0] -= len(_CYRILLIC) ** masks
                if budget[0] < 0:
                    break
            parts = form.split(MASK)
            for fill in product(_CYRILLIC, repeat=masks):
                word = parts[0] + "".join(f + p for f, p in zip(fill, parts[1:], strict=True))
                if self.obscene.match(word):
                    found = True
                    break
            if found:
                break
        if len(self._masked) > 50_000:  # a long-lived process must not grow without bound
            self._masked.clear()
        self._masked[spelling] = found
        return found


# --- screening ----------------------------------------------------------------------------

_PERSONS = frozenset(
    "тебя вас его ее их всех каждого тебе вам ему ей им вами тобой главу главе мэра".split()  # noqa: SIM905
)
_SECOND = frozenset(("ты", "вы"))
_SECOND_ANY = frozenset("ты вы тебя вас тебе вам тобой вами твой ваш".split())  # noqa: SIM905
_NOMINATIVE = frozenset(("nomn", "voct"))
_NAMES = frozenset(("Surn", "Name", "Patr", "Geox"))
_THING_PRONOUNS = frozenset(("это", "то", "ничего"))
_SELF = frozenset(("меня", "себя", "нас", "мне", "себе"))


class _Text:
    """The tokens of one text with the spans of their sentences and clauses, so that context
    questions cost the size of a sentence, not of the whole text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenise(text)
        self.sentences: dict[int, tuple[int, int]] = {}
        self.clauses: dict[int, tuple[int, int]] = {}
        self._told_of: dict[str, set[int]] | None = None
        for i, t in enumerate(self.tokens):
            first = self.sentences.get(t.sentence, (i, i))[0]
            self.sentences[t.sentence] = (first, i)
            first = self.clauses.get(t.clause, (i, i))[0]
            self.clauses[t.clause] = (first, i)

    def sentence(self, i: int) -> list[Token]:
        first, last = self.sentences[self.tokens[i].sentence]
        return self.tokens[first : last + 1]

    def clause(self, clause: int) -> list[Token]:
        first, last = self.clauses[clause]
        return self.tokens[first : last + 1]

    def told_of(self, lemma: str) -> set[int]:
        """The sentences of more than two words in which `lemma` occurs (computed once)."""
        if self._told_of is None:
            self._told_of = {}
            for t in self.tokens:
                first, last = self.sentences[t.sentence]
                if last - first >= 2:
                    for word in t.lemmas:
                        self._told_of.setdefault(word, set()).add(t.sentence)
        return self._told_of.get(lemma, set())


def screen(text: str, lexicon: Lexicon | None = None) -> list[Flag]:
    """The clause 20 categories `text` appears to fall into, each with the words that suggest
    it, e.g. [Flag("obscene", ("нахуй",)), Flag("threat", ("знаем, где вы живете",))].

    A hint for the technical executor: the human reads the message and decides (clause 20)."""
    lex = lexicon or Lexicon.default()
    doc = _Text(clean(text))
    found = {
        "obscene": _obscene(doc, lex),
        "insult": _insults(doc, lex),
        "threat": _threats(doc, lex),
    }
    return [Flag(c, tuple(dict.fromkeys(found[c]))) for c in CATEGORIES if found[c]]


# Obscene words.


def _obscene(doc: _Text, lex: Lexicon) -> list[str]:
    budget = [_MASK_BUDGET]
    out: list[str] = []
    hit: set[int] = set()
    for i, token in enumerate(doc.tokens):
        if any(lex.is_obscene(s, budget) for s in token.spellings) or (
            lex.obscene_lemmas & token.lemmas
        ):
            out.append(token.surface)
            hit.add(i)
    for first, last, joined in _spelt_apart(doc.tokens, doc.text):
        if hit.intersection(range(first, last + 1)):
            continue
        if any(lex.is_obscene(s, budget) for s in spellings(joined)):
            out.append(doc.text[doc.tokens[first].start : doc.tokens[last].end])
            hit.update(range(first, last + 1))
    return out


# Insults.


def _named(token: Token) -> bool:
    """A capitalised word read as a name or a place: «глава Козлов», «Быков обещал» (at a
    sentence start only when that is its likeliest reading)."""
    if not token.capital or not token.parses:
        return False
    if token.sentence_start:
        return bool(_NAMES & token.parses[0].tag.grammemes)
    return any(_NAMES & p.tag.grammemes for p in token.parses)


def _insult_lemmas(token: Token, lex: Lexicon, budget: list[int]) -> set[str]:
    """The lemmas of every spelling of the word; a spelling with one letter masked («с*ки»)
    with each letter tried (within `budget` words per text): masking a word shows the writer
    knows it is rude."""
    found = set(token.lemmas)
    for n, spelling in enumerate(token.spellings):
        if MASK not in spelling and spelling.isalpha():
            if n:
                found |= lemmas(spelling)
        elif spelling.count(MASK) == 1 and len(spelling) >= 4 and budget[0] > 0:
            budget[0] -= 1
            head, tail = spelling.split(MASK)
            for letter in _CYRILLIC:
                hits = lemmas(head + letter + tail) & (lex.insults | lex.address_only)
                if hits:
                    found |= hits | {_MASKED}
    return found


_MASKED = "\x00masked"  # marks an insult found under a mask: no context needed


def _nominative(token: Token, words: frozenset[str]) -> bool:
    return any(p.lemma in words and p.tag.case in _NOMINATIVE for p in token.parses)


def _is_verb(token: Token) -> bool:
    return bool(token.parses) and token.parses[0].tag.POS in ("VERB", "INFN", "GRND")


def _is_second_person(token: Token) -> bool:
    if token.form in _SECOND_ANY:
        return True
    return any(
        p.tag.POS == "VERB" and (p.tag.person == "2per" or p.tag.mood == "impr")
        for p in token.parses[:2]
    )


def _filler(token: Token, lex: Lexicon) -> bool:
    if token.form in lex.fillers:
        return True
    return bool(token.parses) and token.parses[0].tag.POS in ("ADJF", "PRTF", "PRCL", "INTJ")


def _near(doc: _Text, i: int, lex: Lexicon, match: Any, span: int = 4) -> bool:
    """Whether a word satisfying `match` stands within `span` words of word i, in its sentence,
    with only fillers between: no verb, no other noun, no comma, no «как» of a comparison
    («вы там все козлы», «администрация — бараны»; not «вы видели коров», «живем как свиньи»,
    «Глава, бараны опять на дороге»)."""
    tokens = doc.tokens
    for step in (-1, 1):
        j = i + step
        while 0 <= j < len(tokens) and abs(j - i) <= span:
            if tokens[j].sentence != tokens[i].sentence or "," in tokens[min(j, j - step)].after:
                break
            if match(tokens[j]):
                return True
            if tokens[j].form == "как" or not _filler(tokens[j], lex):
                break
            j += step
    return False


def _lone_noun_clause(doc: _Text, clause: int) -> bool:
    members = doc.clause(clause)
    return (
        0 < len(members) <= 2
        and any(t.pos() == "NOUN" for t in members)
        and not any(_is_verb(t) for t in members)
    )


def _vocative(doc: _Text, i: int, lex: Lexicon) -> bool:
    """«Козлы, когда дорогу сделаете?», «…, бараны!», «Эй, свиньи»: the word alone (with
    adjectives or particles) in its clause, in a sentence that speaks to someone — a verb or
    pronoun of the second person, a question or an exclamation — and not an enumeration
    («Овцы, козы, коровы — все на трассе») nor a subject with its relative clause
    («Коровы, которые ходят по трассе, чьи?»)."""
    token = doc.tokens[i]
    if any(t is not token and not _filler(t, lex) for t in doc.clause(token.clause)):
        return False
    sentence = doc.sentence(i)
    if any(t.form == "эй" for t in sentence):
        return True
    clauses = sorted({t.clause for t in sentence})
    last = sentence[-1].after
    if clauses == [token.clause]:  # the whole sentence: «Козлы!» — unless the text goes on
        # about the animals themselves («Свиньи! Опять свиньи на дороге»)
        same = token.lemmas & lex.address_only
        return "!" in last and not any(doc.told_of(w) - {token.sentence} for w in same)
    position = clauses.index(token.clause)
    neighbours = clauses[max(0, position - 1) : position] + clauses[position + 1 : position + 2]
    if any(_lone_noun_clause(doc, c) for c in neighbours):
        return False
    if position + 1 < len(clauses) and doc.clause(clauses[position + 1])[0].lemmas & {
        "который",
        "что",
        "чей",
    }:
        return False
    return (
        "?" in last
        or "!" in last
        or any(_is_second_person(t) for t in sentence if t.clause != token.clause)
    )


def _after_official_preposition(doc: _Text, i: int, lex: Lexicon) -> bool:
    """«свиньи из администрации», «бараны, сидящие в администрации»."""
    tokens = doc.tokens
    for j in range(i + 1, min(i + 5, len(tokens) - 1)):
        if tokens[j].sentence != tokens[i].sentence:
            return False
        if tokens[j].form in ("из", "в", "во") and tokens[j + 1].lemmas & lex.addressees:
            return True
        if tokens[j].pos() == "NOUN":
            return False
    return False


def _official(lex: Lexicon) -> Any:
    return lambda t: bool(t.lemmas & lex.addressees) and not _named(t)


def _insults(doc: _Text, lex: Lexicon) -> list[str]:
    out: list[str] = []
    tokens = doc.tokens
    budget = [_MASKED_WORDS]
    for i, token in enumerate(tokens):
        if _named(token):
            continue
        found = _insult_lemmas(token, lex, budget)
        if found & lex.insults or (_MASKED in found and found & lex.address_only):
            out.append(token.surface)
            continue
        pieces = set().union(*(lemmas(p) for p in token.pieces)) if token.pieces else set()
        if pieces & lex.address_only and pieces & lex.addressees:  # «чиновники-свиньи»
            out.append(token.surface)
            continue
        if not found & lex.address_only:
            continue
        said_to_people = _after_official_preposition(doc, i, lex)
        if not said_to_people and _nominative(token, lex.address_only):
            said_to_people = (
                _near(doc, i, lex, lambda t: t.form in _SECOND)
                or _near(doc, i, lex, _official(lex))
                or _vocative(doc, i, lex)
            )
        if not said_to_people and i and tokens[i - 1].lemmas & lex.collectives:
            # «администрация — стадо баранов», «вы свора шакалов»
            said_to_people = _near(doc, i - 1, lex, lambda t: t.form in _SECOND) or _near(
                doc, i - 1, lex, _official(lex)
            )
        if said_to_people:
            out.append(token.surface)
    return out


# Threats.


def _plain(tokens: list[Token]) -> tuple[str, list[int]]:
    """The text as the patterns read it — the words' forms, one space apart, «,» between
    clauses and «.» between sentences — and the offset of each token in that string."""
    parts: list[str] = []
    offsets: list[int] = []
    length = 0
    for k, token in enumerate(tokens):
        if k:
            previous = tokens[k - 1]
            if token.sentence != previous.sentence:
                mark = " . "
            elif token.clause != previous.clause:
                mark = " , "
            else:
                mark = " "
            parts.append(mark)
            length += len(mark)
        offsets.append(length)
        parts.append(token.form)
        length += len(token.form)
    return "".join(parts), offsets


def _covered(offsets: list[int], tokens: list[Token], start: int, end: int) -> list[int]:
    """The tokens a match of the plain text [start, end) touches."""
    first = max(0, bisect_right(offsets, start) - 1)
    if offsets and offsets[first] + len(tokens[first].form) <= start:
        first += 1
    return list(range(first, bisect_left(offsets, end)))


def _threats(doc: _Text, lex: Lexicon) -> list[str]:
    tokens, text = doc.tokens, doc.text
    plain, offsets = _plain(tokens)
    excluded: set[int] = set()
    for idiom in lex.idioms:
        for m in idiom.finditer(plain):
            excluded.update(_covered(offsets, tokens, m.start(), m.end()))
    out: list[str] = []
    for pattern in lex.patterns:
        for m in pattern.finditer(plain):
            covered = _covered(offsets, tokens, m.start(), m.end())
            if covered and not excluded.intersection(covered):
                out.append(text[tokens[covered[0]].start : tokens[covered[-1]].end])
                excluded.update(covered)  # one threat, reported once
    for i, token in enumerate(tokens):
        if i in excluded or (i and tokens[i - 1].form == "не"):
            continue
        if _threat_verb(doc, i, lex) or _second_person_threat(doc, i, lex):
            out.append(token.surface)
    return out


def _clause_window(doc: _Text, i: int, span: int = 4) -> list[Token]:
    first, last = doc.clauses[doc.tokens[i].clause]
    return [doc.tokens[j] for j in range(max(first, i - span), min(last, i + span) + 1) if j != i]


def _target(doc: _Text, i: int, lex: Lexicon) -> str:
    """What the verb at i is aimed at, within its clause: "self" («убейте меня»), "person" if a
    person stands there
    («я вам всё сожгу», «убью Козлова»), else its nearest object — "property" («сожгу дом
    главы»), "thing" («закопаем канаву у дома») — or "" when it has none. A word after a
    preposition is no object («у дома», «вместе с вами»)."""
    tokens = doc.tokens
    first, last = doc.clauses[tokens[i].clause]
    around = [j for j in range(max(first, i - 4), min(last, i + 4) + 1) if j != i]
    objects = [j for j in around if j == first or tokens[j - 1].pos() != "PREP"]
    for j in objects:
        t = tokens[j]
        if t.form in _SELF:  # «убейте меня, не понимаю»: said of oneself
            return "self"
        if t.form in _PERSONS:
            follows = tokens[j + 1] if j + 1 <= last else None
            if t.form in ("всех", "каждого") and follows is not None and follows.pos() == "NOUN":
                continue  # «всех собак»: the noun says who
            return "person"
        if _named(t) or t.lemmas & lex.addressees:
            return "person"
        if _noun_object(t) and t.parses[0].tag.animacy == "anim" and not t.lemmas & lex.animals:
            return "person"
    for j in sorted(objects, key=lambda j: (abs(j - i), j < i)):
        t = tokens[j]
        if t.form in _THING_PRONOUNS:
            return "thing"
        if _noun_object(t):
            return "property" if t.lemmas & lex.targets else "thing"
    return ""


def _noun_object(t: Token) -> bool:
    return t.pos() == "NOUN" and any(p.tag.case != "nomn" for p in t.parses[:2])


def _threat_verb(doc: _Text, i: int, lex: Lexicon) -> bool:
    """A threat verb said by the writer: «убью», «перестреляем всех», «сожгу вашу машину»,
    «я бы их перестрелял»; or aimed at the reader by others: «вас убьют»."""
    token = doc.tokens[i]
    readings = [
        p
        for p in token.parses
        if p.tag.POS in ("VERB", "INFN") and p.lemma in lex.threat_verbs | lex.targeted_verbs
    ]
    named_form = token.form in lex.threat_forms
    if not readings and not named_form:
        return False
    mine = named_form or any(
        p.tag.POS == "VERB"
        and ((p.tag.person == "1per" and p.tag.tense == "futr") or p.tag.mood == "impr")
        for p in readings
    )
    window = _clause_window(doc, i, 3)
    wish = any(p.tag.tense == "past" or p.tag.POS == "INFN" for p in readings) and any(
        t.form == "бы" for t in _clause_window(doc, i, 6)
    )
    if not mine and not wish:
        # «вас убьют», «тебя закопают»: the third person plural with no subject, at the reader.
        # A subject makes it a warning («сосульки вас убьют», «водители вас убьют на трассе»).
        clause = doc.clause(token.clause)
        return (
            any(p.tag.person == "3per" and p.tag.number == "plur" for p in readings)
            and any(t.form in ("тебя", "вас") for t in window)
            and not any(
                t.pos() in ("NOUN", "NPRO")
                and t.parses[0].tag.case == "nomn"
                and t.form not in ("вы", "ты")
                for t in clause
                if t is not token
            )
        )
    target = _target(doc, i, lex)
    if wish:
        return target == "person"
    if target in ("person", "property"):
        return True
    if target in ("thing", "self"):
        return False
    return named_form or any(p.lemma in lex.threat_verbs for p in readings)


def _second_person_threat(doc: _Text, i: int, lex: Lexicon) -> bool:
    """«Вы еще ответите за это», «пожалеете», «поплатитесь» — unless it is the law the writer
    means («ответите перед прокуратурой», «пожалеете на выборах»)."""
    tokens = doc.tokens
    token = tokens[i]
    for p in token.parses:
        if p.lemma in lex.second_person and p.tag.person == "2per" and p.tag.tense == "futr":
            follow = lex.second_person[p.lemma]
            after = tokens[i + 1].form if i + 1 < len(tokens) else ""
            if follow and (after not in follow or tokens[i + 1].clause != token.clause):
                return False
            return not any(t.form.startswith(lex.legal) for t in doc.sentence(i))
    return False
