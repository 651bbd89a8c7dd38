"""Reading a pasted monitoring-system notice into the fields of the registration form.

Officials copy a monitoring system's e-mail notice, or the message card from its web page, into
a paste box instead of retyping it. The parser only fills what it can read for certain: a field
it cannot read stays None, so the form asks a human rather than carrying a wrong value into the
deadlines. It never raises, whatever is pasted. Pure, no I/O, no clock: `now` is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from otklik.domain.links import network_of, normalise_post_url

MAX_FIELD = 20_000
# Notices are a few kilobytes; reading further only costs time on an accidental paste.
MAX_INPUT = 500_000

_REQUIRED = ("url", "text", "author_name", "detected_at", "topic", "importance")


@dataclass(frozen=True)
class NoticeFields:
    url: str | None = None
    network: str | None = None
    text: str | None = None
    author_name: str | None = None
    author_url: str | None = None
    detected_at: datetime | None = None
    topic: str | None = None
    location: str | None = None
    importance: str | None = None
    external_id: str | None = None
    curator_name: str | None = None

    def missing(self) -> list[str]:
        """The form's required fields the paste did not give, for the form to ask about."""
        return [name for name in _REQUIRED if getattr(self, name) is None]


# -- labels ---------------------------------------------------------------------------------------

# Normalised label -> (field, rank). A lower rank wins when a notice carries several labels of
# one field (a detection time is preferred to a publication time, a post link to a bare "link").
_LABELS: dict[str, tuple[str, int]] = {}


def _labels(field: str, rank: int, *names: str) -> None:
    for name in names:
        _LABELS[name] = (field, rank)


_labels(
    "url",
    0,
    "ссылка на сообщение",
    "ссылка на публикацию",
    "ссылка на пост",
    "ссылка на комментарий",
    "ссылка на запись",
    "ссылка на первоисточник",
    "ссылка на оригинал",
    "адрес публикации",
    "адрес сообщения",
)
_labels("url", 1, "ссылка", "url")
_labels("source", 2, "источник")  # a link, or the network's name
_labels("network", 0, "соцсеть", "социальная сеть", "сеть", "платформа", "площадка")
_labels(
    "text",
    0,
    "текст сообщения",
    "текст публикации",
    "текст поста",
    "текст комментария",
    "текст обращения",
)
_labels("text", 1, "текст")
_labels("text", 2, "сообщение", "содержание", "содержание сообщения", "суть обращения")
_labels(
    "author",
    0,
    "автор",
    "автор сообщения",
    "автор публикации",
    "автор комментария",
    "автор поста",
)
_labels("author", 1, "пользователь", "заявитель")
_labels(
    "author_url", 0, "ссылка на автора", "ссылка на профиль", "профиль автора", "страница автора"
)
_labels("detected_at", 0, "дата обнаружения", "обнаружено", "дата и время обнаружения")
_labels(
    "detected_at",
    1,
    "дата публикации",
    "дата и время публикации",
    "опубликовано",
    "дата создания",
    "создано",
)
_labels("detected_at", 2, "дата", "дата и время")
_labels("topic", 0, "тема", "тема сообщения")
_labels("topic", 1, "категория", "рубрика")
_labels("location", 0, "населенный пункт")
_labels("location", 1, "муниципальное образование", "муниципальный район")
_labels("location", 2, "адрес")
_labels("location", 3, "место", "местоположение")
_labels("importance", 0, "важность", "категория важности", "приоритет", "уровень важности")
_labels(
    "external_id",
    0,
    "№",
    "номер",
    "номер сообщения",
    "номер инцидента",
    "инцидент №",
    "сообщение №",
    "id",
    "идентификатор",
)
_labels("external_id", 1, "инцидент")
_labels("curator", 0, "куратор", "ответственный куратор", "куратор сообщения")

# Labels whose link is the post whatever its host: the notice says so.
_POST_LINK_LABELS = frozenset(
    name for name, (f, rank) in _LABELS.items() if f == "url" and not rank
)

# The header block of a forwarded e-mail ("От:", "Кому:", "Тема:") is the letter's, not the post's.
_MAIL_HEADERS = frozenset(
    {"от", "from", "кому", "to", "копия", "cc", "дата", "date", "тема", "subject", "отправлено"}
)
_MAIL_FROM = frozenset({"от", "from"})
_MAIL_OTHER = frozenset({"кому", "to", "тема", "subject"})

_MAX_LABEL = 64
_BULLETS = " \t-•*·>"


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").split())


def _split_label(line: str) -> tuple[str, int, str, str] | None:
    """(field, rank, label, value) when the line starts with a known label, else None.

    A label is followed by ':' or a tab, or stands alone on its line (a card copied from a
    browser puts the value on the next line). Only the first characters are examined, so a
    long line costs nothing.
    """
    s = line.lstrip(_BULLETS)
    head = s[:_MAX_LABEL]
    cut = -1
    for sep in (":", "\t"):
        k = head.find(sep)
        if k != -1 and (cut == -1 or k < cut):
            cut = k
    if cut == -1:
        if len(s) > _MAX_LABEL:
            return None
        label, value = _norm(s.rstrip("*")), ""
    else:
        label, value = _norm(s[:cut].rstrip("*")), s[cut + 1 :].strip()
    found = _LABELS.get(label)
    if found is None:
        return None
    return found[0], found[1], label, value


_STOP_PREFIXES = (
    "--",
    "__",
    "==",
    "с уважением",
    "перейти к ",
    "открыть сообщение",
    "открыть в системе",
    "это письмо",
    "письмо сформировано",
    "не отвечайте на это письмо",
)
_STOP_LINE = re.compile(r"[-—–_=~*]{2,}|[—–]")


def _is_stop(line: str) -> bool:
    """A line that ends the citizen's text: a signature, a separator, the letter's footer."""
    s = line.strip()
    if not s:
        return False
    return bool(_STOP_LINE.fullmatch(s)) or _norm(s[:40]).startswith(_STOP_PREFIXES)


# -- cleanup --------------------------------------------------------------------------------------

_DROP = {c: None for c in range(32) if c not in (9, 10)}
_DROP.update({c: None for c in range(127, 160)})
_DROP.update({c: None for c in (0x200B, 0x200E, 0x200F, 0x2060, 0xFEFF, 0xAD)})
_DROP.update({c: " " for c in (0xA0, 0x2007, 0x2009, 0x202F)})
_DROP.update({0x2028: "\n", 0x2029: "\n"})
_SURROGATES = re.compile("[\ud800-\udfff]")
_BLANK_RUN = re.compile(r"\n{4,}")


def _clean_input(raw: object) -> str:
    if not isinstance(raw, str):
        return ""
    text = raw[:MAX_INPUT].replace("\r\n", "\n").replace("\r", "\n")
    return _SURROGATES.sub("", text.translate(_DROP))


def _field(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()[:MAX_FIELD].strip()
    return value or None


def _text_field(lines: list[str]) -> str | None:
    text = "\n".join(line.rstrip() for line in lines).strip("\n")
    # More than two blank lines in a row are layout, not the citizen's meaning.
    return _field(_BLANK_RUN.sub("\n\n\n", text))


# -- links ----------------------------------------------------------------------------------------

_URL_CHARS = r"[^\s<>\"'«»()\[\]{}|\\^`]"
_LINK = re.compile(
    rf"https?://{_URL_CHARS}+"
    rf"|(?<![\w@./-])(?:(?:www|m)\.)?"
    rf"(?:vk\.com|vk\.ru|ok\.ru|odnoklassniki\.ru|t\.me|telegram\.me|instagram\.com)/{_URL_CHARS}+",
    re.IGNORECASE,
)
_MONITORING_HOSTS = ("gosuslugi", "pos.", "incident", "cur", "crm", "mail")
_VK_POST_PREFIXES = (
    "wall",
    "photo",
    "video",
    "clip",
    "topic",
    "story",
    "board",
    "note",
    "album",
    "market",
    "poll",
    "@",
)


def _links(text: str) -> list[tuple[int, int, str]]:
    """Links with their spans, as written: the form shows what the official pasted (a bare
    `vk.com/…` only gains its https://), minus the punctuation of the sentence around it."""
    found = []
    for m in _LINK.finditer(text):
        written = m.group().rstrip(".,;:!?…")
        link = written if written.lower().startswith("http") else "https://" + written
        try:
            normalise_post_url(link)
        except ValueError:
            continue
        found.append((m.start(), m.start() + len(written), link))
    return found


def _first_link(text: str) -> str | None:
    found = _links(text)
    return found[0][2] if found else None


def _host(link: str) -> str:
    return (urlsplit(link).hostname or "").lower()


def _is_monitoring(link: str) -> bool:
    host = _host(link)
    return any(part in host for part in _MONITORING_HOSTS)


def _is_profile(link: str) -> bool:
    """A link to a person, a group or a channel rather than to one post or comment."""
    parts = urlsplit(link)
    segments = [s for s in parts.path.split("/") if s]
    network = network_of(link)
    if network == "vk":
        query = {k.lower() for k, _ in parse_qsl(parts.query)}
        if query & {"w", "z"}:
            return False
        return len(segments) <= 1 and not (
            segments and segments[0].lower().startswith(_VK_POST_PREFIXES)
        )
    if network == "ok":
        return len(segments) <= 2
    if network in ("telegram", "instagram"):
        return len(segments) <= 1
    return False


# -- values ---------------------------------------------------------------------------------------

_NETWORK_NAMES = {
    "vk": ("вконтакте", "в контакте", "вк", "vk", "vkontakte", "vk.com"),
    "ok": ("одноклассники", "ок", "ok", "odnoklassniki", "ok.ru"),
    "telegram": ("телеграм", "телеграмм", "telegram", "тг", "tg", "t.me"),
    "instagram": ("инстаграм", "инстаграмм", "instagram"),
    "web": (
        "сайт",
        "веб",
        "web",
        "сми",
        "интернет-сми",
        "форум",
        "госуслуги",
        "пос",
        "госуслуги. решаем вместе",
        "решаем вместе",
    ),
    "other": (
        "youtube",
        "ютуб",
        "дзен",
        "яндекс дзен",
        "яндекс.дзен",
        "rutube",
        "рутуб",
        "facebook",
        "фейсбук",
        "twitter",
        "твиттер",
        "tiktok",
        "тикток",
        "whatsapp",
        "viber",
        "max",
        "макс",
        "другое",
        "другая",
        "прочее",
        "иное",
    ),
}
_NETWORK_BY_NAME = {name: net for net, names in _NETWORK_NAMES.items() for name in names}
_VALUE_CUT = re.compile(r"\s*(?:[(,;/|]|\s[-—–]\s)")


def _network_name(value: str) -> str | None:
    value = _norm(value[:200]).strip(" .!«»\"'")
    network = _NETWORK_BY_NAME.get(value)
    if network is None:
        head = _VALUE_CUT.split(value, maxsplit=1)[0].strip(" .!«»\"'")
        network = _NETWORK_BY_NAME.get(head)
    return network


_IMPORTANCE = (
    ("высок", "high"),
    ("критич", "high"),
    ("high", "high"),
    ("средн", "medium"),
    ("обычн", "medium"),
    ("medium", "medium"),
    ("низк", "low"),
    ("low", "low"),
)


def _importance(value: str) -> str | None:
    value = _norm(value[:200]).strip(" .!«»\"'")
    for prefix, level in _IMPORTANCE:
        if value.startswith(prefix):
            return level
    return None


_ID = re.compile(r"(?<![\w-])((?:[a-zа-яё]{1,10}-?)?\d{1,20})(?![\w-])", re.IGNORECASE)
_ID_LINE = re.compile(r"[№#]\s{0,3}((?:[a-zа-яё]{1,10}-?)?\d{1,20})", re.IGNORECASE)
_ID_IN_SENTENCE = re.compile(
    r"(?<![\w])(?:сообщени[еяю]|инцидент[аеу]?|обращени[еяю])\s{0,3}[№#]\s{0,3}"
    r"((?:[a-z]{1,10}-?)?\d{1,20})(?![\w-])",
    re.IGNORECASE,
)


def _external_id(value: str) -> str | None:
    m = _ID.search(value[:200].lstrip(" №#"))
    return m.group(1) if m else None


_TRIM_NAME = " \t,;:|—–-"
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")


def _name_and_link(value: str) -> tuple[str | None, str | None]:
    """«Ирина Петрова (https://vk.com/id1)» or «Ирина Петрова, https://vk.com/id1»."""
    value = value[:MAX_FIELD]
    found = _links(value)
    if not found:
        return _field(value.strip(_TRIM_NAME)), None
    start, end, link = found[0]
    name = _EMPTY_BRACKETS.sub("", value[:start] + value[end:])
    name = name.strip(_TRIM_NAME)
    if name.startswith("(") and name.endswith(")") and name.count("(") == 1:
        name = name[1:-1]
    return _field(name.strip(_TRIM_NAME)), link


# -- dates ----------------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("января", "январь", "янв"),
        ("февраля", "февраль", "фев", "февр"),
        ("марта", "март", "мар"),
        ("апреля", "апрель", "апр"),
        ("мая", "май"),
        ("июня", "июнь", "июн"),
        ("июля", "июль", "июл"),
        ("августа", "август", "авг"),
        ("сентября", "сентябрь", "сен", "сент"),
        ("октября", "октябрь", "окт"),
        ("ноября", "ноябрь", "ноя", "нояб"),
        ("декабря", "декабрь", "дек"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number

_SEP = r"(?:[\s,|—–-]{1,6}(?:в\s{1,3})?|\s{0,3}в\s{1,3})"
_TIME = r"(?P<h>\d{1,2})(?P<ts>[:.])(?P<mi>\d{2})(?:(?P=ts)(?P<s>\d{2}))?(?![\d:])"
_TIME_COLON = r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?![\d:])"
_D_ISO = (
    r"(?<!\d)(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:t|\s{1,3})"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,]\d{1,9})?)?"
)
_D_NUM = r"(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})(?:\.(?P<y>\d{4}|\d{2}))?(?!\.?\d)"
_D_TXT = (
    r"(?<!\d)(?P<d>\d{1,2})\s{0,3}(?P<mon>[а-я]{3,8})(?![а-я])\.?"
    r"(?:\s{1,3}(?P<y>\d{4})(?:\s{0,3}(?:года|г)(?![а-я])\.?)?)?"
)
_D_REL = r"(?<![а-я])(?P<rel>сегодня|вчера|позавчера)(?![а-я])"
_DATE_TIMES = tuple(
    re.compile(p)
    for p in (
        _D_ISO,
        _D_TXT + _SEP + _TIME,
        _D_NUM + _SEP + _TIME,
        _D_REL + _SEP + _TIME,
        _TIME_COLON + r"[\s,]{1,5}" + _D_TXT,
        _TIME_COLON + r"[\s,]{1,5}" + _D_NUM,
        _TIME_COLON + r"[\s,]{1,5}" + _D_REL,
    )
)
_OFFSET = re.compile(
    r"(?P<z>z)(?![a-z])"
    r"|\s{0,3}\(?\s{0,2}(?:"
    r"(?:utc|gmt)\s{0,2}(?P<sign>[+−-])\s{0,2}(?P<oh>\d{1,2})(?::?(?P<om>\d{2}))?"
    r"|(?P<sign2>[+−-])(?P<oh2>\d{2}):?(?P<om2>\d{2})(?!\d)"
    r"|(?P<utc>utc|gmt)(?![a-z])"
    r"|(?P<msk>мск|msk)(?![а-яa-z])"
    r")"
)
_MSK = timezone(timedelta(hours=3))
_RELATIVE_DAYS = {"сегодня": 0, "вчера": 1, "позавчера": 2}


def parse_datetime(value: str, *, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The moment a notice gives, to the minute, or None when it does not give one.

    A date without a time is refused: the deadlines count minutes. A time without an offset is
    the administration's local time (`tz`); a date without a year is the nearest such date that
    is not in the future (a day of slack allows for a clock or zone mismatch).
    """
    value = _norm(value[:300])
    if now.tzinfo is None:
        now = now.replace(tzinfo=tz)
    now = now.astimezone(tz)
    for pattern in _DATE_TIMES:
        for m in pattern.finditer(value):
            moment = _moment(m, value, now, tz)
            if moment is not None:
                return moment
    return None


def _moment(m: re.Match[str], value: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    groups = m.groupdict()
    try:
        hour, minute = int(groups["h"]), int(groups["mi"])
        second = int(groups["s"]) if groups.get("s") else 0
        if groups.get("rel"):
            day = now.date() - timedelta(days=_RELATIVE_DAYS[groups["rel"]])
            year: int | None = day.year
            month, dom = day.month, day.day
        else:
            if groups.get("mon") is not None:
                month_number = _MONTHS.get(groups["mon"])
                if month_number is None:
                    return None
                month = month_number
            else:
                month = int(groups["m"])
            dom = int(groups["d"])
            year = int(groups["y"]) if groups.get("y") else None
            if year is not None and year < 100:
                year += 2000
        zone: tzinfo = _offset(value, m.end()) or tz
        if year is not None:
            moment = datetime(year, month, dom, hour, minute, second, tzinfo=zone)
        else:
            moment = _nearest_year(month, dom, hour, minute, second, zone, now)
            if moment is None:
                return None
    except (ValueError, OverflowError):
        return None
    return moment.astimezone(tz)


def _offset(value: str, end: int) -> timezone | None:
    m = _OFFSET.match(value, end)
    if m is None:
        return None
    if m.group("z") or m.group("utc"):
        return UTC
    if m.group("msk"):
        return _MSK
    sign = m.group("sign") or m.group("sign2")
    hours = int(m.group("oh") or m.group("oh2"))
    minutes = int(m.group("om") or m.group("om2") or 0)
    if hours > 14 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if sign in "-−" else delta)


def _nearest_year(
    month: int, dom: int, hour: int, minute: int, second: int, zone: tzinfo, now: datetime
) -> datetime | None:
    latest = now + timedelta(days=1)
    best = None
    for year in range(now.year - 4, now.year + 2):  # 29 February may be four years back
        try:
            date(year, month, dom)
        except ValueError:
            continue
        moment = datetime(year, month, dom, hour, minute, second, tzinfo=zone)
        if moment <= latest and (best is None or abs(moment - now) < abs(best - now)):
            best = moment
    return best


# -- the parser -----------------------------------------------------------------------------------


_T = TypeVar("_T")


@dataclass
class _Entry:
    field: str
    rank: int
    order: int
    label: str
    value: str


def _mail_header_lines(lines: list[str]) -> set[int]:
    """Lines of a forwarded letter's header block, whose «Тема:» and «Дата:» are the letter's."""
    skipped: set[int] = set()
    run: list[tuple[int, str]] = []
    for i, line in enumerate([*lines, ""]):
        head = line.lstrip(_BULLETS)[:_MAX_LABEL]
        k = head.find(":")
        name = _norm(head[:k]) if k > 0 else ""
        if name in _MAIL_HEADERS:
            run.append((i, name))
            continue
        names = {n for _, n in run}
        if names & _MAIL_FROM and names & _MAIL_OTHER:
            skipped.update(j for j, _ in run)
        run = []
    return skipped


def _scan(lines: list[str]) -> tuple[list[_Entry], list[int]]:
    """Labelled values in reading order, and the lines no label claims."""
    entries: list[_Entry] = []
    free: list[int] = []
    skipped = _mail_header_lines(lines)
    n, i = len(lines), 0
    while i < n:
        if i in skipped:
            free.append(i)
            i += 1
            continue
        found = _split_label(lines[i])
        if found is None:
            free.append(i)
            i += 1
            continue
        field, rank, label, value = found
        j = i + 1
        if field == "text":
            body = [value] if value else []
            while j < n and not _is_stop(lines[j]) and _split_label(lines[j]) is None:
                body.append(lines[j])
                j += 1
            value = "\n".join(body)
        elif not value:
            k = i + 1
            while k < n and k <= i + 3 and not lines[k].strip():
                k += 1
            if (
                k < n
                and lines[k].strip()
                and not _is_stop(lines[k])
                and _split_label(lines[k]) is None
            ):
                value, j = lines[k].strip(), k + 1
        entries.append(_Entry(field, rank, len(entries), label, value))
        i = j
    return entries, free


def _best(entries: list[_Entry], field: str, read: Callable[[_Entry], _T | None]) -> _T | None:
    """The first readable value of a field, preferring the labels that say most precisely."""
    for entry in sorted((e for e in entries if e.field == field), key=lambda e: (e.rank, e.order)):
        result = read(entry)
        if result is not None:
            return result
    return None


def parse_notice(raw: str, *, now: datetime, tz: ZoneInfo) -> NoticeFields:
    """The registration form's fields read from a pasted notice or message card.

    Whatever is pasted (an empty box, a whole web page, binary garbage) gives a result, with
    None wherever the paste does not say.
    """
    try:
        return _parse(_clean_input(raw), now, tz)
    except Exception:  # a bug must cost the official a filled form, never the paste box
        return NoticeFields()


def _parse(text: str, now: datetime, tz: ZoneInfo) -> NoticeFields:
    lines = text.split("\n")
    entries, free = _scan(lines)

    author = _best(entries, "author", lambda e: _name_and_link(e.value) if e.value else None)
    author_name, author_url = author if author else (None, None)
    if author_url is None:
        author_url = _best(entries, "author_url", lambda e: _first_link(e.value))

    def post_link(entry: _Entry) -> str | None:
        for _, _, link in _links(entry.value[:MAX_FIELD]):
            if entry.label in _POST_LINK_LABELS or not _is_monitoring(link):
                return link
        return None

    url = _best(entries, "url", post_link) or _best(entries, "source", post_link)
    if url is None:
        url = _free_post_link(lines, free, author_url)

    network = None
    if url is not None:
        network = network_of(url)
    else:
        network = _best(entries, "network", lambda e: _network_name(e.value)) or _best(
            entries, "source", lambda e: None if _links(e.value) else _network_name(e.value)
        )

    external_id = _best(entries, "external_id", lambda e: _external_id(e.value))
    if external_id is None:
        external_id = _free_external_id(lines, free)

    return NoticeFields(
        url=url,
        network=network,
        text=_best(entries, "text", lambda e: _text_field(e.value.split("\n"))),
        author_name=author_name,
        author_url=author_url,
        detected_at=_best(
            entries, "detected_at", lambda e: parse_datetime(e.value, now=now, tz=tz)
        ),
        topic=_best(entries, "topic", lambda e: _field(e.value)),
        location=_best(entries, "location", lambda e: _field(e.value)),
        importance=_best(entries, "importance", lambda e: _importance(e.value)),
        external_id=external_id,
        curator_name=_best(entries, "curator", lambda e: _field(e.value)),
    )


def _free_post_link(lines: list[str], free: list[int], author_url: str | None) -> str | None:
    """Without a labelled link, the first link to a post on a social network outside the
    citizen's text (which may quote other posts)."""
    for i in free:
        for _, _, link in _links(lines[i]):
            if (
                network_of(link) != "web"
                and not _is_monitoring(link)
                and not _is_profile(link)
                and link != author_url
            ):
                return link
    return None


def _free_external_id(lines: list[str], free: list[int]) -> str | None:
    """«… назначено новое сообщение № IM-4821937», or a line «№ 1234567», outside the text."""
    for i in free:
        line = lines[i]
        m = _ID_LINE.fullmatch(line.strip()) or _ID_IN_SENTENCE.search(line)
        if m:
            return m.group(1)
    return None
