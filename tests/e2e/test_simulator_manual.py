"""The simulated monitoring system without an integration, over real HTTP against the local run.

The real monitoring systems publish no API for districts: a message is a card in their web page
and an e-mail notice to the technical executor, and the curator's decisions come the same way.
In that mode the simulator must make no call to Otklik, e-mail through the embedded SES letters
of the exact shape Otklik's paste parser reads, keep the curator's drafts and decisions on the
card, refuse forms without its CSRF token, and show whatever a citizen typed escaped. Its mode
with an integration keeps posting signed webhooks.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

BARNAUL = ZoneInfo("Asia/Barnaul")
TECH = "tech@otklik.local"
NUMBER = re.compile(r"IM-\d{7}")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


# -- talking to /sim as a browser does ------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 303 comes back as it is


OPENER = urllib.request.build_opener(_NoRedirect)


def get(base_url: str, path: str) -> tuple[int, str]:
    try:
        with OPENER.open(base_url + path, timeout=60) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def get_json(base_url: str, path: str):
    status, body = get(base_url, path)
    assert status == 200, body
    return json.loads(body)


def token(base_url: str) -> str:
    status, html = get(base_url, "/sim/")
    assert status == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page's forms carry no CSRF token"
    return found.group(1)


def post_form(base_url: str, path: str, fields: dict, *, csrf: bool | str = True):
    """(status, Location, body) of a form posted as the page posts it."""
    fields = dict(fields)
    if csrf is True:
        fields["csrf_token"] = token(base_url)
    elif csrf:
        fields["csrf_token"] = csrf
    request = urllib.request.Request(
        base_url + path,
        data=urllib.parse.urlencode(fields).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    try:
        with OPENER.open(request, timeout=60) as response:
            return response.status, response.headers.get("Location"), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location"), error.read().decode("utf-8")


def accepted(reply) -> None:
    status, location, body = reply
    assert status == 303, body
    assert urllib.parse.urlsplit(location).path == "/sim/", location


def refused(reply, status: int, notice: str) -> str:
    got, _, body = reply
    assert got == status, body
    assert notice in page_text(body), page_text(body)
    return body


def set_mode(base_url: str, mode: str) -> None:
    accepted(post_form(base_url, "/sim/mode", {"mode": mode}))
    assert get_json(base_url, "/sim/api/v1/cards")["mode"] == mode


def cards(base_url: str) -> list[dict]:
    return get_json(base_url, "/sim/api/v1/cards")["cards"]


def card(base_url: str, number: str) -> dict:
    (found,) = [c for c in cards(base_url) if c["number"] == number]
    return found


def letters(base_url: str, number: str) -> list[dict]:
    """The letters to the technical executor about card `number`, oldest first."""
    return [
        m
        for m in get_json(base_url, "/mail/api")
        if TECH in m["destinations"].get("ToAddresses", []) and number in m["subject"]
    ]


MESSAGE = {
    "topic": "Дороги",
    "location": "с. Зудилово",
    "importance": "high",
    "network": "vk",
    "author": "Ирина Петрова",
    "url": "https://vk.com/wall-170171414_48213?reply=48220",
}


def hand_in(base_url: str, text: str, **fields) -> dict:
    """«Передать в администрацию» in manual mode: the new card."""
    before = {c["number"] for c in cards(base_url)}
    accepted(post_form(base_url, "/sim/messages", {**MESSAGE, "text": text, **fields}))
    (new,) = [c for c in cards(base_url) if c["number"] not in before]
    return new


def local(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(BARNAUL).strftime("%d.%m.%Y %H:%M")


# -- reading the page -------------------------------------------------------------------------


class Page(HTMLParser):
    """Tags, text, and the contents of the elements with an id (and of `pre.text` in each
    card), as a browser would read them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.by_id: dict[str, str] = {}
        self.card_text: dict[str, str] = {}
        self._card: str | None = None
        self._open: list[tuple[str, str | None, bool]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "article":
            self._card = attrs.get("id")
        if tag in ("textarea", "pre"):
            is_text = tag == "pre" and attrs.get("class") == "text"
            self._open.append((tag, attrs.get("id"), is_text))
            if attrs.get("id"):
                self.by_id[attrs["id"]] = ""
            if is_text and self._card:
                self.card_text[self._card] = ""

    def handle_endtag(self, tag):
        if self._open and self._open[-1][0] == tag:
            self._open.pop()
        if tag == "article":
            self._card = None

    def handle_data(self, data):
        self.text.append(data)
        if self._open:
            _, element_id, is_text = self._open[-1]
            if element_id:
                self.by_id[element_id] += data
            if is_text and self._card:
                self.card_text[self._card] += data


def page_text(html: str) -> str:
    return " ".join("".join(Page(html).text).split())


def sim_page(base_url: str) -> tuple[str, Page]:
    status, html = get(base_url, "/sim/")
    assert status == 200
    return html, Page(html)


# -- the tests --------------------------------------------------------------------------------


@pytest.fixture
def tech_cases(client):
    """The cases the technical executor sees (logged in as tech / demo)."""

    def cases() -> list[dict]:
        reply = client.get("/api/v1/cases", as_="tech")
        assert reply.status == 200, reply.body
        return reply["cases"]

    return cases


def test_the_page_switches_modes_and_every_form_needs_its_csrf_token(base_url, local_system):
    html, page = sim_page(base_url)
    assert "С интеграцией (API)" in html and "Без интеграции (как в жизни)" in html
    assert get_json(base_url, "/sim/api/v1/cards") == {"mode": "api", "cards": []}
    forms = re.findall(r"<form method=\"post\".*?</form>", html, flags=re.S)
    assert forms and all('name="csrf_token"' in f for f in forms)

    # From another site: no token, or a made-up one. Nothing changes.
    for csrf in (False, "forged-token"):
        refused(post_form(base_url, "/sim/mode", {"mode": "manual"}, csrf=csrf), 403, "не принята")
        assert local_system.simulator.mode == "api"
    sent = len(local_system.simulator.sent)
    reply = post_form(base_url, "/sim/messages", {**MESSAGE, "text": "Подделка"}, csrf=False)
    refused(reply, 403, "ключа защиты")
    decision = {"external_id": "im-x", "event": "message_withdrawn"}
    refused(post_form(base_url, "/sim/decisions", decision, csrf=False), 403, "ключа защиты")
    assert len(local_system.simulator.sent) == sent
    assert local_system.simulator.decisions == []

    set_mode(base_url, "manual")
    html, page = sim_page(base_url)
    assert ("input", {"type": "radio", "name": "mode", "value": "manual", "checked": None}) in (
        page.tags
    )
    refused(post_form(base_url, "/sim/mode", {"mode": "both"}), 400, "Выберите режим")
    refused(post_form(base_url, "/sim/mode", {}), 400, "Выберите режим")
    assert local_system.simulator.mode == "manual"

    # The forms of a card are protected too.
    number = hand_in(base_url, f"Не горит фонарь на ул. Мира {uuid.uuid4().hex[:6]}")["number"]
    for path, fields in (
        (f"/sim/cards/{number}/drafts", {"draft": "Подделка"}),
        (f"/sim/cards/{number}/decisions", {"decision": "withdrawn"}),
    ):
        refused(post_form(base_url, path, fields, csrf=False), 403, "ключа защиты")
    assert card(base_url, number)["drafts"] == card(base_url, number)["decisions"] == []
    assert card(base_url, number)["status"] == "new"


def test_a_message_becomes_a_card_and_a_letter_but_no_case(base_url, local_system, tech_cases):
    set_mode(base_url, "manual")
    text = (
        "Добрый день! На ул. Ленина напротив дома 12 огромная яма,\n"
        f"за неделю две машины пробили колёса. Когда отремонтируют? ({uuid.uuid4().hex[:8]})"
    )
    sent = len(local_system.simulator.sent)
    before = datetime.now(BARNAUL).replace(microsecond=0)
    new = hand_in(base_url, text)
    after = datetime.now(BARNAUL)
    number = new["number"]
    assert NUMBER.fullmatch(number), number

    # No webhook and no case: the officials will register it by hand.
    local_system.drain()
    assert len(local_system.simulator.sent) == sent
    assert [c for c in tech_cases() if c["text"] == text or c["external_id"] == number] == []

    detected = datetime.fromisoformat(new["detected_at"])
    assert detected.utcoffset() == BARNAUL.utcoffset(detected.replace(tzinfo=None))
    assert before <= detected <= after
    assert new["detected_at_local"] == local(new["detected_at"])
    assert new["text"] == text and new["url"] == MESSAGE["url"]
    assert new["author"]["name"] == "Ирина Петрова"
    profile = new["author"]["url"]
    assert re.fullmatch(r"https://vk\.com/id\d+", profile), profile
    assert (new["topic"], new["location"], new["importance"]) == ("Дороги", "с. Зудилово", "high")
    assert new["status"] == "new" and new["drafts"] == [] and new["decisions"] == []

    (letter,) = letters(base_url, number)
    assert letter["subject"] == f"Инцидент Менеджмент: новое сообщение № {number} (Дороги)"
    assert letter["source"] == local_system.env["MAIL_SENDER"]
    assert letter["body"] == "\n".join(
        [
            "Здравствуйте!",
            "",
            "В системе «Инцидент Менеджмент» на вашу организацию назначено новое сообщение "
            f"№ {number}.",
            "",
            f"Дата обнаружения: {local(new['detected_at'])}",
            "Источник: ВКонтакте",
            "Ссылка на сообщение: https://vk.com/wall-170171414_48213?reply=48220",
            f"Автор: Ирина Петрова ({profile})",
            "Тема: Дороги",
            "Населённый пункт: с. Зудилово",
            "Категория важности: высокая",
            "Куратор: Анна Смирнова (ЦУР Алтайского края)",
            "",
            "Текст сообщения:",
            text,
            "",
            "--",
            f"Перейти к сообщению: {base_url}/sim#{number}",
            "Это письмо отправлено автоматически, отвечать на него не нужно.",
        ]
    )
    assert new["notice"]["body"] == letter["body"]

    # The card as the monitoring system shows it, with the letter to copy.
    html, page = sim_page(base_url)
    assert ("article", {"class": "card", "id": number}) in page.tags
    assert page.card_text[number] == text
    assert page.by_id[f"notice-{number}"] == letter["body"]
    shown = page_text(html)
    for value in (
        f"Сообщение № {number}",
        new["detected_at_local"],
        "ВКонтакте",
        "с. Зудилово",
        "высокая",
        "Анна Смирнова (ЦУР Алтайского края)",
        "Скопировать текст уведомления",
    ):
        assert value in shown, value
    assert ("a", {"href": MESSAGE["url"], "rel": "noopener noreferrer"}) in page.tags
    assert ("a", {"href": profile, "rel": "noopener noreferrer"}) in page.tags

    # No location: its line is left out of the letter.
    bare = hand_in(base_url, f"Где расписание автобусов? {uuid.uuid4().hex[:6]}", location="")
    (letter,) = letters(base_url, bare["number"])
    assert "Населённый пункт" not in letter["body"]
    assert "Категория важности: высокая" in letter["body"].splitlines()


def test_the_curator_returns_then_approves_a_pasted_draft_without_calling_the_api(
    base_url, local_system, tech_cases
):
    set_mode(base_url, "manual")
    text = f"Когда починят освещение на ул. Советской? {uuid.uuid4().hex[:8]}"
    number = hand_in(base_url, text)["number"]
    path = f"/sim/cards/{number}"
    callbacks = len(local_system.simulator.decisions)

    # Nothing to decide on before a draft is in.
    refused(
        post_form(base_url, path + "/decisions", {"decision": "approved"}), 409, "Проект внесён"
    )
    refused(post_form(base_url, path + "/drafts", {"draft": " \n "}), 400, "Вставьте текст")
    assert card(base_url, number)["decisions"] == card(base_url, number)["drafts"] == []

    first = "Освещение восстановят до 10 декабря."
    accepted(post_form(base_url, path + "/drafts", {"draft": first}))
    (draft,) = card(base_url, number)["drafts"]
    assert draft["text"] == first and draft["at_local"] == local(draft["at"])
    assert card(base_url, number)["status"] == "draft"
    refused(post_form(base_url, path + "/drafts", {"draft": "Ещё"}), 409, "уже внесён")

    # A return needs the curator's comment.
    body = refused(
        post_form(base_url, path + "/decisions", {"decision": "returned", "comment": "  "}),
        400,
        "напишите замечания куратора",
    )
    assert "Решение не записано" in page_text(body)
    assert card(base_url, number)["decisions"] == []
    assert letters(base_url, number)[1:] == []

    comment = "Укажите, кто отвечает за ремонт, и точный срок."
    accepted(post_form(base_url, path + "/decisions", {"decision": "returned", "comment": comment}))
    returned = card(base_url, number)
    assert returned["status"] == "returned"
    (decision,) = returned["decisions"]
    assert (decision["decision"], decision["comment"]) == ("returned", comment)
    assert datetime.fromisoformat(decision["at"]).utcoffset() is not None
    _, letter = letters(base_url, number)
    assert letter["subject"] == (
        f"Инцидент Менеджмент: куратор вернул на доработку ответ по сообщению № {number}"
    )
    lines = letter["body"].splitlines()
    assert "Решение куратора: возвращено на доработку" in lines
    assert f"Дата решения: {local(decision['at'])}" in lines
    assert lines[lines.index("Комментарий куратора:") + 1] == comment
    assert f"Перейти к сообщению: {base_url}/sim#{number}" in lines

    # After a return the card takes a new draft; then the curator approves it.
    second = "Освещение восстановит МУП «Первомайское» до 10 декабря, ответственный — Иванов И. И."
    accepted(post_form(base_url, path + "/drafts", {"draft": second}))
    accepted(post_form(base_url, path + "/decisions", {"decision": "approved"}))
    done = card(base_url, number)
    assert done["status"] == "approved"
    assert [d["text"] for d in done["drafts"]] == [first, second]
    assert [(d["decision"], d["comment"]) for d in done["decisions"]] == [
        ("returned", comment),
        ("approved", ""),
    ]
    approved = done["decisions"][-1]
    _, _, letter = letters(base_url, number)
    assert letter["subject"] == (
        f"Инцидент Менеджмент: куратор согласовал ответ по сообщению № {number}"
    )
    assert "Решение куратора: согласовано" in letter["body"].splitlines()
    assert f"Дата решения: {local(approved['at'])}" in letter["body"].splitlines()
    assert "Комментарий куратора:" not in letter["body"]
    refused(post_form(base_url, path + "/decisions", {"decision": "approved"}), 409, "согласован")

    # The history on the card.
    html, _ = sim_page(base_url)
    shown = page_text(html)
    assert f"Решение куратора: возвращено на доработку:{comment}" in shown
    assert f"{local(approved['at'])} · Решение куратора: согласовано" in shown
    assert first in shown and second in shown

    # Withdrawing another message: recorded and e-mailed; the card then takes nothing.
    other = hand_in(base_url, f"Уберите снег у школы {uuid.uuid4().hex[:6]}")["number"]
    accepted(post_form(base_url, f"/sim/cards/{other}/decisions", {"decision": "withdrawn"}))
    assert card(base_url, other)["decisions"][0]["decision"] == "withdrawn"
    _, letter = letters(base_url, other)
    assert letter["subject"] == f"Инцидент Менеджмент: куратор отозвал сообщение № {other}"
    assert "Решение куратора: отозвано" in letter["body"].splitlines()
    refused(post_form(base_url, f"/sim/cards/{other}/drafts", {"draft": "x"}), 409, "отозвано")
    refused(post_form(base_url, "/sim/cards/IM-0000000/drafts", {"draft": "x"}), 404, "не найдено")
    refused(post_form(base_url, path + "/decisions", {"decision": "maybe"}), 400, "Выберите")

    # Not one callback, not one case.
    local_system.drain()
    assert len(local_system.simulator.decisions) == callbacks
    assert not [c for c in tech_cases() if c["external_id"] in (number, other)]


def test_what_a_citizen_typed_is_shown_escaped_whatever_it_is(base_url):
    set_mode(base_url, "manual")
    html_bits = "<script>alert('x')</script> </textarea></pre> & <b>жирный</b> &amp;"
    controls = "\x00\x01\x07\x08\x0b\x0c\x1b[31m\x7f\x85"
    head = f"{html_bits}{controls} конец\r\nвторая строка {uuid.uuid4().hex[:6]} "
    text = head + ("длинный текст " * 2000)[: 20000 - len(head) - 1] + "!"
    assert len(text) == 20000
    evil_author = '"><img src=x onerror=alert(1)>'
    new = hand_in(base_url, text, author=evil_author, topic="<i>Дороги</i>", location="")
    number = new["number"]
    cleaned = re.sub(CONTROL, "", text.replace("\r\n", "\n"))
    assert new["text"] == cleaned and new["author"]["name"] == evil_author

    html, page = sim_page(base_url)
    assert html.rstrip().endswith("</html>")
    assert not CONTROL.search(html)
    assert "<script>alert" not in html and "<img" not in html and "<i>Дороги" not in html
    assert [t for t, _ in page.tags].count("script") == 1  # the page's own copy button
    assert not [t for t, _ in page.tags if t in ("img", "i")]
    assert page.card_text[number] == cleaned
    assert page.by_id[f"notice-{number}"] == new["notice"]["body"]
    shown = page_text(html)
    assert evil_author in shown and "<i>Дороги</i>" in shown

    (letter,) = letters(base_url, number)
    assert letter["subject"] == f"Инцидент Менеджмент: новое сообщение № {number} (<i>Дороги</i>)"
    assert cleaned in letter["body"] and not CONTROL.search(letter["body"])
    assert "Автор: " + evil_author in letter["body"]

    # Too long, a bad link, or nothing at all: a notice in Russian and no card.
    count = len(cards(base_url))
    for fields, notice in (
        ({"text": "я" * 20001}, "длиннее 20 000 знаков"),
        ({"text": "Ссылка", "url": "javascript:alert(1)"}, "http:// или https://"),
        ({"text": "Нет темы", "topic": ""}, "Укажите тему"),
        ({"text": "Важность", "importance": "urgent"}, "Выберите важность"),
        ({"text": "Сеть", "network": "myspace"}, "Выберите соцсеть"),
    ):
        body = refused(
            post_form(base_url, "/sim/messages", {**MESSAGE, **fields}), 400, "не передано"
        )
        assert notice in page_text(body)
    refused(post_form(base_url, "/sim/messages", {}), 400, "Введите текст сообщения")
    assert len(cards(base_url)) == count


def test_with_an_integration_the_page_still_posts_a_signed_webhook(
    base_url, local_system, tech_cases
):
    set_mode(base_url, "api")
    count = len(cards(base_url))
    text = f"На ул. Ленина в с. Зудилово яма, пробили колесо ({uuid.uuid4().hex[:8]})."
    accepted(post_form(base_url, "/sim/messages", {**MESSAGE, "text": text, "url": ""}))
    sent = local_system.simulator.sent[-1]
    assert sent["text"] == text and sent["status"] == 201, sent
    local_system.drain()
    (case,) = [c for c in tech_cases() if c["text"] == text]
    assert case["case_id"] == sent["case_id"]
    assert len(cards(base_url)) == count

    # The withdrawal form of that message posts the signed callback.
    accepted(
        post_form(
            base_url,
            "/sim/decisions",
            {"external_id": sent["external_id"], "event": "message_withdrawn"},
        )
    )
    assert local_system.simulator.decisions[-1]["external_id"] == sent["external_id"]
    assert local_system.simulator.decisions[-1]["status"] == 200
