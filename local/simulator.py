"""The simulated regional monitoring system, for the local run (mounted at /sim).

It works in one of two modes, switched on its page (the default comes from `$SIMULATOR_MODE`,
`api` or `manual`; unset: `api`):

«С интеграцией (API)» (`api`, the default) — the curator's side of the contract. One hands in a
new message (a webhook signed with the shared secret, as the contract describes), sees what the
administration sent back — drafts for review, returned messages, links of published answers —
and approves a draft or returns it for rework with a comment (a signed callback). It also
receives the system's outbound calls: `POST /sim/api/v1/inbound` (what
`otklik.adapters.monitoring.MonitoringClient` sends), checking `X-Signature` with the same HMAC
scheme, and keeps them in memory to show (`GET /sim/api/v1/inbound`).

«Без интеграции (как в жизни)» (`manual`) — as the real systems work: «Инцидент Менеджмент» of
the regional ЦУР and the Госуслуги platform ПОС publish no API for districts. A message handed
in becomes a card on the page (number IM-1234567, link, text, author, topic, location,
importance, curator, time of detection) and an e-mail notice to the technical executor
(`$SIMULATOR_NOTIFY_TO`, default tech@otklik.local), sent from `$MAIL_SENDER` through the same
SES the system uses, so it shows at /mail; the card offers the letter's text to copy. Nothing
goes to Otklik: the officials register the message there by hand. The curator's side is played
on the card by hand too: paste the draft the officials entered («Проект внесён»), then approve
it, return it for rework with a comment, or withdraw the message. Each decision is kept on the
card (with the drafts, as a history) and e-mailed to the technical executor — again with no call
to the API. `GET /sim/api/v1/cards` shows the mode and the cards as JSON.

Every form of the page carries a per-process CSRF token, checked on each POST (the JSON endpoint
`/sim/api/v1/inbound` is HMAC-signed instead). A bad or missing field answers the page with a
notice in Russian.

Script mode, against a running `make run` (it talks to the API as the integration does):
    python -m local.simulator send --text "Яма на дороге" --topic Дороги
    python -m local.simulator approve --external-id im-... --draft-id ...
    python -m local.simulator return --external-id im-... --draft-id ... --comment "..."
    python -m local.simulator inbound
    python -m local.simulator cards
"""

from __future__ import annotations

import argparse
import copy
import hmac
import itertools
import json
import os
import sys
import threading
import time
import unicodedata
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from secrets import randbelow, token_urlsafe
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, jsonify, redirect, render_template_string, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from local.run import MAIL_SENDER as LOCAL_MAIL_SENDER
from otklik.signing import sign, verify

DEFAULT_BASE_URL = "http://127.0.0.1:3000"
DEFAULT_SECRET = "dev-secret"
LOCAL_TZ = ZoneInfo(os.environ.get("DISPLAY_TIMEZONE") or "Asia/Barnaul")

CURATOR = {"id": "c-1", "name": "Анна Смирнова (ЦУР Алтайского края)"}

EXAMPLES = {
    "roads": {
        "title": "Яма на ул. Ленина (Дороги)",
        "text": (
            "Добрый день! На ул. Ленина в с. Зудилово напротив дома 12 огромная яма, "
            "за неделю уже две машины пробили колёса. Когда отремонтируют дорогу? "
            "Фото приложила."
        ),
        "topic": "Дороги",
        "location": "с. Зудилово",
        "importance": "high",
        "author": "Ирина Петрова",
    },
    "heating": {
        "title": "Нет отопления (ЖКХ)",
        "text": (
            "В доме № 5 по ул. Школьной в с. Первомайское третий день нет отопления, "
            "в квартирах +14, дети болеют. Управляющая компания трубку не берёт. "
            "Куда обращаться?"
        ),
        "topic": "ЖКХ",
        "location": "с. Первомайское",
        "importance": "high",
        "author": "Николай Сергеевич Орлов",
    },
    "garbage": {
        "title": "Не вывозят мусор (Благоустройство)",
        "text": (
            "Во дворе дома 3 по ул. Советской в с. Баюновские Ключи вторую неделю не вывозят "
            "мусор, контейнеры переполнены, вокруг бродят собаки."
        ),
        "topic": "Благоустройство",
        "location": "с. Баюновские Ключи",
        "importance": "medium",
        "author": "Елена Кравченко",
    },
}

NETWORKS = ("vk", "ok", "telegram", "instagram", "web", "other")
NETWORK_NAMES = {
    "vk": "ВКонтакте",
    "ok": "Одноклассники",
    "telegram": "Telegram",
    "instagram": "Instagram",
    "web": "Сайт",
    "other": "Другое",
}
IMPORTANCE = {"high": "высокая", "medium": "средняя", "low": "низкая"}
KINDS_RU = {
    "draft_for_review": "Проект ответа на согласование",
    "return_to_curator": "Возврат: вне компетенции",
    "published": "Ответ опубликован",
}

MODES = {"api": "С интеграцией (API)", "manual": "Без интеграции (как в жизни)"}
SYSTEM_NAME = "Инцидент Менеджмент"
NOTIFY_TO = "tech@otklik.local"  # the technical executor of the demo directory (local.seed)
# A card's life: no draft yet → a draft entered → approved, or returned (then a new draft), or
# withdrawn at any time.
CARD_STATUSES = {
    "new": "ждёт проект ответа",
    "draft": "проект ответа на согласовании",
    "returned": "проект возвращён на доработку",
    "approved": "ответ согласован",
    "withdrawn": "сообщение отозвано",
}
DECISIONS = {
    "approved": "согласовано",
    "returned": "возвращено на доработку",
    "withdrawn": "отозвано",
}
DECISION_SUBJECTS = {
    "approved": "куратор согласовал ответ по сообщению № {number}",
    "returned": "куратор вернул на доработку ответ по сообщению № {number}",
    "withdrawn": "куратор отозвал сообщение № {number}",
}
DECISION_LEADS = {
    "approved": "Куратор {curator} согласовал ответ администрации по сообщению № {number}.",
    "returned": (
        "Куратор {curator} вернул на доработку ответ администрации по сообщению № {number}."
    ),
    "withdrawn": "Куратор {curator} отозвал сообщение № {number}.",
}
# The limits of the contract (openapi.yaml), so what is pasted into Otklik fits there too.
TEXT_MAX = 20000
LINE_MAX = 500
URL_MAX = 2083
COMMENT_MAX = 5000


# -- talking to the API ---------------------------------------------------------------------------


def post_signed(
    base_url: str,
    path: str,
    payload: dict,
    secret: str,
    *,
    delivery_id: str | None = None,
    timeout: float = 30.0,
) -> tuple[int, dict]:
    """POST a JSON body signed as the monitoring system signs it; (status, parsed answer)."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Signature": sign(body, secret.split(",")[0].strip(), int(time.time())),
    }
    if delivery_id:
        headers["X-Delivery-Id"] = delivery_id
    req = urllib.request.Request(
        base_url.rstrip("/") + path, data=body, method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as error:
        return error.code, _json(error.read())


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {"raw": raw.decode("utf-8", "replace")}
    return value if isinstance(value, dict) else {"value": value}


def new_message(
    *,
    text: str,
    topic: str,
    location: str = "",
    importance: str = "medium",
    network: str = "vk",
    url: str | None = None,
    author: str = "Житель района",
    author_id: str | None = None,
    external_id: str | None = None,
    detected_at: datetime | None = None,
) -> dict:
    """A message as the monitoring system delivers it (docs/design.md, the contract)."""
    post = uuid.uuid4().int % 100000
    author_id = author_id or f"id{uuid.uuid4().int % 10**9}"
    return {
        "external_id": external_id or f"im-{uuid.uuid4().hex[:12]}",
        "detected_at": (detected_at or datetime.now(LOCAL_TZ)).isoformat(timespec="seconds"),
        "network": network,
        "url": url or f"https://vk.com/wall-170171414_{post}?reply={post + 7}",
        "author": {"id": author_id, "name": author, "url": f"https://vk.com/{author_id}"},
        "text": text,
        "attachments": [],
        "topic": topic,
        "location": location,
        "importance": importance,
        "curator": dict(CURATOR),
    }


# -- without an integration: cards and letters --------------------------------------------------


class FormError(ValueError):
    """A form the page cannot take; its message (in Russian) is shown on the page."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def now_iso() -> str:
    return datetime.now(LOCAL_TZ).isoformat(timespec="seconds")


def local_time(value: str | datetime) -> str:
    """«02.12.2026 10:15»: a moment in the display time zone, as the monitoring system shows it."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(LOCAL_TZ).strftime("%d.%m.%Y %H:%M")


def clean_text(value: str | None) -> str:
    """Text as a person typed it: line ends as \\n and no control characters but tabs."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\u2028", "\n").replace("\u2029", "\n")
    return "".join(c for c in value if c in "\n\t" or unicodedata.category(c) != "Cc").strip()


def clean_line(value: str | None) -> str:
    """One line of text: whitespace of any kind (line ends too) folded into single spaces."""
    return " ".join(clean_text(value).split())


def web_address(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def message_fields(form) -> dict:
    """The arguments of `new_message` from the page's form, checked; FormError lists what is
    wrong."""
    text = clean_text(form.get("text"))
    topic = clean_line(form.get("topic"))
    location = clean_line(form.get("location"))
    author = clean_line(form.get("author")) or "Житель района"
    url = clean_line(form.get("url"))
    importance = form.get("importance") or "medium"
    network = form.get("network") or "vk"
    problems = []
    if not text:
        problems.append("Введите текст сообщения.")
    elif len(text) > TEXT_MAX:
        problems.append(f"Текст сообщения длиннее {TEXT_MAX:,} знаков.".replace(",", " "))
    if not topic:
        problems.append("Укажите тему сообщения.")
    for title, value in (("Тема", topic), ("Населённый пункт", location), ("Автор", author)):
        if len(value) > LINE_MAX:
            problems.append(f"{title}: не больше {LINE_MAX} знаков.")
    if importance not in IMPORTANCE:
        problems.append("Выберите важность: высокая, средняя или низкая.")
    if network not in NETWORKS:
        problems.append("Выберите соцсеть из списка.")
    if url and (len(url) > URL_MAX or not web_address(url)):
        problems.append("Ссылка на сообщение должна начинаться с http:// или https://.")
    if problems:
        raise FormError("\n".join(problems))
    return {
        "text": text,
        "topic": topic,
        "location": location,
        "importance": importance,
        "network": network,
        "url": url or None,
        "author": author,
    }


def _footer(card: dict) -> list[str]:
    return [
        "--",
        f"Перейти к сообщению: {card['link']}",
        "Это письмо отправлено автоматически, отвечать на него не нужно.",
    ]


def message_letter(card: dict) -> tuple[str, str]:
    """The e-mail notice of a new message: (subject, body). Otklik's paste parser reads this
    shape: keep it."""
    number, author = card["number"], card["author"]
    name, profile = author.get("name") or "", author.get("url") or ""
    fields = (
        ("Дата обнаружения", local_time(card["detected_at"])),
        ("Источник", NETWORK_NAMES.get(card["network"], card["network"])),
        ("Ссылка на сообщение", card["url"]),
        ("Автор", f"{name} ({profile})" if name and profile else name or profile),
        ("Тема", card["topic"]),
        ("Населённый пункт", card["location"]),
        ("Категория важности", IMPORTANCE.get(card["importance"], card["importance"])),
        ("Куратор", card["curator"].get("name", "")),
    )
    lines = [
        "Здравствуйте!",
        "",
        f"В системе «{SYSTEM_NAME}» на вашу организацию назначено новое сообщение № {number}.",
        "",
        *(f"{title}: {value}" for title, value in fields if value),
        "",
        "Текст сообщения:",
        card["text"],
        "",
        *_footer(card),
    ]
    return f"{SYSTEM_NAME}: новое сообщение № {number} ({card['topic']})", "\n".join(lines)


def decision_letter(card: dict, decision: dict) -> tuple[str, str]:
    """The e-mail notice of a curator's decision on a card: (subject, body)."""
    kind, number = decision["decision"], card["number"]
    curator = card["curator"].get("name") or "куратор"
    lines = [
        "Здравствуйте!",
        "",
        DECISION_LEADS[kind].format(curator=curator, number=number),
        "",
        f"Решение куратора: {DECISIONS[kind]}",
        f"Дата решения: {local_time(decision['at'])}",
        f"Тема: {card['topic']}",
        f"Ссылка на сообщение: {card['url']}",
        "",
    ]
    if decision["comment"]:
        lines += ["Комментарий куратора:", decision["comment"], ""]
    lines += _footer(card)
    return f"{SYSTEM_NAME}: {DECISION_SUBJECTS[kind].format(number=number)}", "\n".join(lines)


def public_card(card: dict) -> dict:
    """A card as the page and `GET /sim/api/v1/cards` show it: its fields, the names of its
    codes and the local times."""
    view = copy.deepcopy(card)
    view["detected_at_local"] = local_time(card["detected_at"])
    view["network_name"] = NETWORK_NAMES.get(card["network"], card["network"])
    view["importance_name"] = IMPORTANCE.get(card["importance"], card["importance"])
    view["status_name"] = CARD_STATUSES[card["status"]]
    for entry in (*view["drafts"], *view["decisions"], *view["letters"]):
        entry["at_local"] = local_time(entry["at"])
    return view


def _history(card: dict) -> list[dict]:
    entries = [{"kind": "draft", **d} for d in card["drafts"]]
    entries += [{"kind": "decision", **d} for d in card["decisions"]]
    return sorted(entries, key=lambda e: e["n"])


# -- the simulator's memory ---------------------------------------------------------------------


def _mode_from_env() -> str:
    mode = (os.environ.get("SIMULATOR_MODE") or "api").strip().lower()
    return mode if mode in MODES else "api"


def _env(*names: str, default: str | None = None) -> str | None:
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    return default


@dataclass
class Monitoring:
    """What the simulated system remembers: its mode; messages it sent, calls it received and
    decisions it posted (with an integration); cards, drafts, decisions and letters (without).

    Without an integration it e-mails through SES at `endpoint_url` (the local run's embedded
    AWS: `$AWS_ENDPOINT_URL`), from `mail_sender` to `notify_to`."""

    gateway_url: str = DEFAULT_BASE_URL
    secret: str = DEFAULT_SECRET
    mode: str = field(default_factory=_mode_from_env)
    sent: list[dict] = field(default_factory=list)
    inbound: list[dict] = field(default_factory=list)
    decisions: list[dict] = field(default_factory=list)
    cards: list[dict] = field(default_factory=list)
    notice: dict | None = None
    notify_to: str = field(default_factory=lambda: _env("SIMULATOR_NOTIFY_TO", default=NOTIFY_TO))
    mail_sender: str = field(default_factory=lambda: _env("MAIL_SENDER", default=LOCAL_MAIL_SENDER))
    endpoint_url: str | None = field(default_factory=lambda: _env("AWS_ENDPOINT_URL"))
    region: str = field(
        default_factory=lambda: _env("AWS_REGION", "AWS_DEFAULT_REGION", default="eu-central-1")
    )
    csrf_token: str = field(default_factory=lambda: token_urlsafe(32))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _mail_lock: threading.Lock = field(default_factory=threading.Lock)
    _ses: object | None = None
    _order: itertools.count = field(default_factory=lambda: itertools.count(1))

    def secrets(self) -> list[str]:
        return [s.strip() for s in self.secret.split(",") if s.strip()]

    def csrf_ok(self, token: str | None) -> bool:
        return hmac.compare_digest((token or "").encode(), self.csrf_token.encode())

    def set_mode(self, mode: str | None) -> None:
        if mode not in MODES:
            raise FormError("Выберите режим: с интеграцией (API) или без интеграции.")
        self.mode = mode

    # -- with an integration ----------------------------------------------------------------

    def send(self, message: dict) -> tuple[int, dict]:
        status, answer = post_signed(
            self.gateway_url, "/api/v1/monitoring/messages", message, self.secret
        )
        with self._lock:
            self.sent.append(
                {
                    "external_id": message["external_id"],
                    "case_id": answer.get("case_id"),
                    "status": status,
                    "answer": answer,
                    "text": message["text"],
                    "topic": message["topic"],
                    "at": now_iso(),
                }
            )
        return status, answer

    def decide(
        self, *, external_id: str, event: str, draft_id: str | None, comment: str = ""
    ) -> tuple[int, dict]:
        payload = {
            "external_id": external_id,
            "event": event,
            "draft_id": draft_id,
            "comment": comment,
            "at": now_iso(),
        }
        status, answer = post_signed(
            self.gateway_url,
            "/api/v1/monitoring/callbacks",
            payload,
            self.secret,
            delivery_id=uuid.uuid4().hex,
        )
        with self._lock:
            self.decisions.append({**payload, "status": status, "answer": answer})
            if status < 300:
                for call in self.inbound:
                    if call.get("draft_id") == draft_id and call.get("kind") == "draft_for_review":
                        call["decided"] = event
        return status, answer

    def receive(self, payload: dict, *, request_id: str | None, verified: bool) -> dict:
        with self._lock:
            key = request_id or payload.get("request_id")
            for call in self.inbound:
                if key and call.get("request_id") == key:
                    call["deliveries"] += 1
                    return call
            call = {
                **payload,
                "request_id": key,
                "verified": verified,
                "deliveries": 1,
                "decided": None,
                "received_at": now_iso(),
            }
            self.inbound.append(call)
            return call

    def calls(self, kind: str | None = None, external_id: str | None = None) -> list[dict]:
        with self._lock:
            return [
                dict(c)
                for c in self.inbound
                if (kind is None or c.get("kind") == kind)
                and (external_id is None or c.get("external_id") == external_id)
            ]

    # -- without an integration -------------------------------------------------------------

    def create_card(self, fields: dict, *, page_url: str) -> dict:
        """A new message as a card (number IM-…) and its e-mail notice; no call to the API."""
        with self._lock:
            taken = {c["number"] for c in self.cards}
            number = f"IM-{randbelow(9_000_000) + 1_000_000}"
            while number in taken:
                number = f"IM-{randbelow(9_000_000) + 1_000_000}"
            card = {
                "number": number,
                **new_message(**fields, external_id=number),
                "link": f"{page_url}#{number}",
                "status": "new",
                "created_at": now_iso(),
                "drafts": [],
                "decisions": [],
                "letters": [],
            }
            subject, body = message_letter(card)
            card["notice"] = {"to": self.notify_to, "subject": subject, "body": body}
            self.cards.append(card)
        return self._mail_for(card, subject, body)

    def enter_draft(self, number: str, text: str | None) -> dict:
        """«Проект внесён»: the draft the officials entered, pasted by the curator."""
        text = clean_text(text)
        if not text:
            raise FormError("Вставьте текст проекта ответа администрации.")
        if len(text) > TEXT_MAX:
            raise FormError(f"Проект ответа длиннее {TEXT_MAX:,} знаков.".replace(",", " "))
        with self._lock:
            card = self._card(number)
            if card["status"] == "draft":
                raise FormError("Проект уже внесён и ждёт решения куратора.", 409)
            if card["status"] in ("approved", "withdrawn"):
                raise FormError(f"Проект не принят: {CARD_STATUSES[card['status']]}.", 409)
            card["drafts"].append({"n": next(self._order), "text": text, "at": now_iso()})
            card["status"] = "draft"
            return copy.deepcopy(card)

    def decide_card(self, number: str, decision: str | None, comment: str | None) -> dict:
        """The curator's decision on a card, recorded and e-mailed; no callback to the API."""
        if decision not in DECISIONS:
            raise FormError("Выберите решение куратора: согласовать, вернуть или отозвать.")
        comment = clean_text(comment)
        if decision == "returned" and not comment:
            raise FormError("Чтобы вернуть проект на доработку, напишите замечания куратора.")
        if len(comment) > COMMENT_MAX:
            raise FormError(f"Замечания длиннее {COMMENT_MAX:,} знаков.".replace(",", " "))
        with self._lock:
            card = self._card(number)
            status = card["status"]
            if status == "withdrawn":
                raise FormError("Сообщение уже отозвано.", 409)
            if decision != "withdrawn" and status != "draft":
                raise FormError(
                    "Ответ уже согласован."
                    if status == "approved"
                    else "Согласовывать пока нечего: сначала вставьте проект ответа "
                    "администрации и нажмите «Проект внесён».",
                    409,
                )
            entry = {
                "n": next(self._order),
                "decision": decision,
                "decision_name": DECISIONS[decision],
                "comment": comment,
                "at": now_iso(),
                "draft": len(card["drafts"]) if status == "draft" else None,
            }
            card["decisions"].append(entry)
            card["status"] = decision
            subject, body = decision_letter(card, entry)
        return self._mail_for(card, subject, body)

    def card_list(self) -> list[dict]:
        with self._lock:
            return [public_card(c) for c in self.cards]

    def _card(self, number: str) -> dict:
        for card in self.cards:
            if card["number"] == number:
                return card
        raise FormError(f"Сообщение № {number} не найдено.", 404)

    def _mail_for(self, card: dict, subject: str, body: str) -> dict:
        letter = self.mail(subject, body)
        with self._lock:
            card["letters"].append(letter)
            return copy.deepcopy(card)

    # -- e-mail -----------------------------------------------------------------------------

    def mail(self, subject: str, body: str) -> dict:
        """Send one letter to the technical executor; what happened, to keep on the card."""
        from botocore.exceptions import BotoCoreError, ClientError

        letter = {"to": self.notify_to, "subject": subject, "at": now_iso(), "sent": False}
        try:
            self._ses_client().send_email(
                Source=self.mail_sender,
                Destination={"ToAddresses": [self.notify_to]},
                Message={
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
                },
            )
            letter["sent"] = True
        except (BotoCoreError, ClientError) as error:
            letter["error"] = str(error)
        return letter

    def _ses_client(self):
        with self._mail_lock:
            if self._ses is None:
                import boto3

                session = boto3.session.Session(region_name=self.region)
                if self.endpoint_url:  # an emulator: moto takes mail only from verified senders
                    from local.resources import verify_sender

                    verify_sender(session, self.endpoint_url, self.mail_sender)
                self._ses = session.client("ses", endpoint_url=self.endpoint_url)
            return self._ses


# -- the page -----------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Имитатор системы мониторинга — Отклик</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;
line-height:1.45;color:#1b1b1b}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
h3{font-size:1.05rem;margin:.3rem 0}h4{font-size:1rem;margin:.8rem 0 .2rem}
label{display:block;margin:.5rem 0 .2rem;font-weight:600}
textarea,input,select{font:inherit;width:100%;box-sizing:border-box;padding:.3rem}
textarea{min-height:6rem}.row{display:flex;gap:1rem}.row>div{flex:1}
label.choice{display:inline-block;font-weight:normal;margin-right:1.5rem}
label.choice input{width:auto}
button{font:inherit;padding:.4rem 1rem;margin-top:.6rem;cursor:pointer}
.notice{padding:.6rem 1rem;border-radius:.3rem;background:#e8f4ea;border:1px solid #9c9}
.notice.bad{background:#fbeaea;border-color:#d99}
.card{border:1px solid #ddd;border-radius:.3rem;padding:.6rem 1rem;margin:.6rem 0}
.card:target{border-color:#36c;box-shadow:0 0 0 2px #cde}
.muted{color:#666;font-size:.9rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #eee;padding:.3rem;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:.3rem 0}
pre.text,ol.history pre{font:inherit}
pre.text{max-height:20rem;overflow:auto;background:#fafafa;padding:.4rem}
dl.fields{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.4rem 0}
dl.fields dt{color:#555}dl.fields dd{margin:0;overflow-wrap:anywhere}
.status{font-weight:normal;font-size:.9rem;background:#eef;border-radius:.3rem;padding:0 .4rem}
ol.history{padding-left:1.2rem}textarea.copy{min-height:10rem;font-size:.9rem}
</style></head><body>
{% macro csrf_field() %}<input type="hidden" name="csrf_token" value="{{ csrf_token }}">\
{% endmacro %}
<h1>Имитатор региональной системы мониторинга</h1>
{% if mode == 'manual' %}
<p class="muted">Режим «Без интеграции (как в жизни)»: как «{{ system_name }}» в ЦУР или
платформа обратной связи Госуслуг. Сообщение появляется здесь карточкой, а техническому
исполнителю ({{ notify_to }}) приходит письмо; в «Отклик» его вносят вручную. Решения куратора
записываются только в карточке и приходят письмом — в API ничего не отправляется.
<a href="/">Страница сотрудников</a> · <a href="/mail">Отправленные письма</a></p>
{% else %}
<p class="muted">Здесь вы — куратор: передаёте сообщения из соцсетей в администрацию и
согласовываете проекты ответов. Запросы подписываются общим секретом, как в настоящей
системе. <a href="/">Страница сотрудников</a></p>
{% endif %}
{% if notice %}<div class="notice {{ 'bad' if notice.bad else '' }}" role="status">
<b>{{ notice.title }}</b>{% if notice.status %} — HTTP {{ notice.status }}{% endif %}
{% if notice.body %}<pre>{{ notice.body }}</pre>{% endif %}</div>{% endif %}

<h2>Режим работы</h2>
<form method="post" action="{{ url_for('.set_mode') }}">{{ csrf_field() }}
{% for value, title in modes.items() %}<label class="choice"><input type="radio" name="mode"
value="{{ value }}" {{ 'checked' if value == mode }}> {{ title }}</label>{% endfor %}
<button type="submit">Переключить режим</button>
</form>

<h2>Новое сообщение</h2>
<p>Примеры: {% for key, ex in examples.items() %}
<a href="{{ url_for('.page', example=key) }}">{{ ex.title }}</a>{{ ", " if not loop.last }}
{% endfor %}</p>
<form method="post" action="{{ url_for('.send_message') }}">{{ csrf_field() }}
<label for="text">Текст сообщения</label>
<textarea id="text" name="text" required>{{ form.text }}</textarea>
<div class="row">
<div><label for="topic">Тема</label>
<input id="topic" name="topic" value="{{ form.topic }}" required></div>
<div><label for="location">Населённый пункт</label>
<input id="location" name="location" value="{{ form.location }}"></div>
<div><label for="importance">Важность</label><select id="importance" name="importance">
{% for value, title in importance.items() %}<option value="{{ value }}"
{{ 'selected' if value == form.importance }}>{{ title }}</option>{% endfor %}</select></div>
</div>
<div class="row">
<div><label for="network">Соцсеть</label><select id="network" name="network">
{% for n, title in networks.items() %}<option value="{{ n }}"
{{ 'selected' if n == (form.network or 'vk') }}>{{ title }}</option>{% endfor %}
</select></div>
<div><label for="author">Автор</label>
<input id="author" name="author" value="{{ form.author }}"></div>
<div><label for="url">Ссылка (пусто — сгенерировать)</label>
<input id="url" name="url" value="{{ form.url or '' }}"></div>
</div>
<button type="submit">Передать в администрацию</button>
{% if mode == 'manual' %}<span class="muted">— появится карточкой ниже, техническому
исполнителю уйдёт письмо</span>{% endif %}
</form>

{% if mode == 'manual' or cards %}
<h2>Сообщения в системе «{{ system_name }}»</h2>
{% for c in cards %}
<article class="card" id="{{ c.number }}">
<h3>Сообщение № {{ c.number }} <span class="status">{{ c.status_name }}</span></h3>
<dl class="fields">
<dt>Дата обнаружения</dt><dd>{{ c.detected_at_local }}</dd>
<dt>Источник</dt><dd>{{ c.network_name }}</dd>
<dt>Ссылка на сообщение</dt><dd>{% if c.url.startswith(('http://', 'https://')) %}<a
href="{{ c.url }}" rel="noopener noreferrer">{{ c.url }}</a>{% else %}{{ c.url }}{% endif %}</dd>
<dt>Автор</dt><dd>{% if c.author.url and c.author.url.startswith(('http://', 'https://')) %}<a
href="{{ c.author.url }}" rel="noopener noreferrer">{{ c.author.name }}</a>{% else %}{{
c.author.name }}{% endif %}</dd>
<dt>Тема</dt><dd>{{ c.topic }}</dd>
{% if c.location %}<dt>Населённый пункт</dt><dd>{{ c.location }}</dd>{% endif %}
<dt>Категория важности</dt><dd>{{ c.importance_name }}</dd>
<dt>Куратор</dt><dd>{{ c.curator.name }}</dd>
</dl>
<h4>Текст сообщения</h4>
<pre class="text">{{ c.text }}</pre>
{% for letter in c.letters %}<p class="muted">{{ letter.at_local }} · {% if letter.sent %}письмо
«{{ letter.subject }}» отправлено на {{ letter.to }}{% else %}<b>письмо «{{ letter.subject }}»
не отправлено</b>: {{ letter.error }}{% endif %}</p>{% endfor %}
<label for="notice-{{ c.number }}">Скопировать текст уведомления</label>
<textarea id="notice-{{ c.number }}" class="copy" readonly>{{ c.notice.body }}</textarea>
<button type="button" data-copy="notice-{{ c.number }}">Скопировать</button>

<h4>Куратор</h4>
{% if c.history %}<ol class="history">{% for e in c.history %}<li>
{% if e.kind == 'draft' %}{{ e.at_local }} · проект ответа администрации внесён:
<pre>{{ e.text }}</pre>
{% else %}{{ e.at_local }} · <b>Решение куратора: {{ e.decision_name }}</b>{% if e.comment
%}:<pre>{{ e.comment }}</pre>{% endif %}{% endif %}</li>
{% endfor %}</ol>{% else %}<p class="muted">Проект ответа ещё не внесён.</p>{% endif %}
{% if c.status in ('new', 'returned') %}
<form method="post" action="{{ url_for('.enter_draft', number=c.number) }}">{{ csrf_field() }}
<label for="draft-{{ c.number }}">Проект ответа администрации</label>
<textarea id="draft-{{ c.number }}" name="draft" required
placeholder="Вставьте ответ, который администрация внесла в систему">{{
kept.draft if kept and kept.number == c.number else '' }}</textarea>
<button type="submit">Проект внесён</button>
</form>
{% elif c.status == 'draft' %}
<form method="post" action="{{ url_for('.decide_card', number=c.number) }}">{{ csrf_field() }}
<button name="decision" value="approved">Согласовать</button>
<label for="comment-{{ c.number }}">Замечания (обязательны для возврата)</label>
<textarea id="comment-{{ c.number }}" name="comment" placeholder="Что исправить в ответе">{{
kept.comment if kept and kept.number == c.number else '' }}</textarea>
<button name="decision" value="returned">Вернуть на доработку</button>
</form>
{% endif %}
{% if c.status != 'withdrawn' %}
<form method="post" action="{{ url_for('.decide_card', number=c.number) }}">{{ csrf_field() }}
<button name="decision" value="withdrawn">Отозвать сообщение</button>
</form>
{% endif %}
</article>
{% else %}<p class="muted">Пока ничего не передано.</p>{% endfor %}
{% endif %}

{% if mode == 'api' or reviews or inbound or sent %}
<h2>Проекты ответов на согласовании</h2>
{% for call in reviews %}
<div class="card"><div class="muted">{{ call.received_at }} · сообщение {{ call.external_id }}
· проект {{ call.draft_id }} ({{ call.draft_kind or 'final' }})
{% if not call.verified %}· <b>подпись не прошла проверку</b>{% endif %}</div>
<pre>{{ call.text }}</pre>
{% if call.decided %}<p><b>Решение:</b> {{ 'согласовано' if call.decided == 'draft_approved'
else 'возвращено на доработку' }}</p>
{% else %}
<form method="post" action="{{ url_for('.decide') }}">{{ csrf_field() }}
<input type="hidden" name="external_id" value="{{ call.external_id }}">
<input type="hidden" name="draft_id" value="{{ call.draft_id }}">
<button name="event" value="draft_approved">Согласовать</button>
<label for="comment-{{ call.draft_id }}">Замечания (для возврата)</label>
<textarea id="comment-{{ call.draft_id }}" name="comment"
placeholder="Что исправить в ответе"></textarea>
<button name="event" value="draft_returned">Вернуть на доработку</button>
</form>{% endif %}</div>
{% else %}<p class="muted">Пока ничего не поступало.</p>{% endfor %}

<h2>Что прислала администрация</h2>
<table><tr><th>Когда</th><th>Что</th><th>Сообщение</th><th>Подробности</th></tr>
{% for call in inbound %}<tr><td>{{ call.received_at }}</td>
<td>{{ kinds.get(call.kind, call.kind) }}</td><td>{{ call.external_id }}</td>
<td>{% if call.url %}<a href="{{ call.url }}">{{ call.url }}</a>{% endif %}
{{ call.reason or '' }}{% if call.deliveries > 1 %} (доставлено {{ call.deliveries }} раз)
{% endif %}</td></tr>
{% else %}<tr><td colspan="4" class="muted">Пусто.</td></tr>{% endfor %}</table>

<h2>Переданные сообщения</h2>
<table><tr><th>Когда</th><th>external_id</th><th>Ответ API</th><th>Текст</th><th></th></tr>
{% for m in sent %}<tr><td>{{ m.at }}</td><td>{{ m.external_id }}</td>
<td>{{ m.status }} {{ m.answer.status or (m.answer.error and m.answer.error.message) or '' }}
</td><td>{{ m.text[:120] }}</td><td>
{% if m.status < 300 %}<form method="post" action="{{ url_for('.decide') }}">{{ csrf_field() }}
<input type="hidden" name="external_id" value="{{ m.external_id }}">
<button name="event" value="message_withdrawn">Отозвать</button></form>{% endif %}
</td></tr>
{% else %}<tr><td colspan="5" class="muted">Пусто.</td></tr>{% endfor %}</table>
{% endif %}
<p class="muted" lang="en">Simulated monitoring system of the local run, mode {{ mode }}:
send a message, approve or return drafts; received calls and cards are kept in memory
(GET {{ url_for('.inbound_list') }}, GET {{ url_for('.cards_list') }}).</p>
<script>
document.addEventListener("click", function (event) {
  var id = event.target.getAttribute && event.target.getAttribute("data-copy");
  var area = id && document.getElementById(id);
  if (!area) return;
  area.select();
  if (navigator.clipboard) { navigator.clipboard.writeText(area.value); }
  else { document.execCommand("copy"); }
});
</script>
</body></html>
"""


CSRF_REFUSED = (
    "Форма отклонена: в ней нет действующего ключа защиты. Откройте страницу имитатора заново "
    "и отправьте форму ещё раз."
)


def blueprint(state: Monitoring) -> Blueprint:
    """The simulator's pages and its receiving endpoint, over `state`."""
    bp = Blueprint("simulator", __name__)

    def render(
        *, notice: dict | None = None, status: int = 200, form: dict | None = None, kept=None
    ):
        if form is None:
            form = EXAMPLES.get(request.args.get("example", "roads"), EXAMPLES["roads"])
        inbound = list(reversed(state.calls()))
        cards = []
        for card in reversed(state.card_list()):
            card["history"] = _history(card)
            cards.append(card)
        html = render_template_string(
            PAGE,
            mode=state.mode,
            modes=MODES,
            csrf_token=state.csrf_token,
            system_name=SYSTEM_NAME,
            notify_to=state.notify_to,
            notice=notice,
            examples=EXAMPLES,
            form=form,
            kept=kept,
            importance=IMPORTANCE,
            networks=NETWORK_NAMES,
            cards=cards,
            reviews=[c for c in inbound if c.get("kind") == "draft_for_review"],
            inbound=inbound,
            sent=list(reversed(state.sent)),
            kinds=KINDS_RU,
        )
        return html, status, {"Content-Type": "text/html; charset=utf-8"}

    def refused(title: str, error: FormError, **kwargs):
        return render(notice=_bad(title, str(error)), status=error.status, **kwargs)

    def back_to(anchor: str | None = None):
        return redirect(url_for(".page", _anchor=anchor), code=303)

    @bp.before_request
    def check_csrf():
        # Every form of the page carries the token; the signed JSON endpoint is checked by HMAC.
        if request.method != "POST" or request.endpoint == f"{bp.name}.inbound":
            return None
        if state.csrf_ok(request.form.get("csrf_token")):
            return None
        return render(notice=_bad("Форма не принята", CSRF_REFUSED), status=403)

    @bp.errorhandler(RequestEntityTooLarge)
    def too_large(_):
        return render(notice=_bad("Форма не принята", "Слишком большая форма."), status=413)

    @bp.get("/")
    def page():
        notice, state.notice = state.notice, None
        return render(notice=notice)

    @bp.post("/mode")
    def set_mode():
        try:
            state.set_mode(request.form.get("mode"))
        except FormError as error:
            return refused("Режим не изменён", error)
        state.notice = _good(f"Режим: {MODES[state.mode]}")
        return back_to()

    @bp.post("/messages")
    def send_message():
        f = request.form
        if state.mode == "manual":
            try:
                fields = message_fields(f)
            except FormError as error:
                kept = {k: f.get(k, "") for k in ("text", "topic", "location", "author", "url")}
                kept |= {"importance": f.get("importance"), "network": f.get("network")}
                return refused("Сообщение не передано", error, form=kept)
            card = state.create_card(fields, page_url=url_for(".page", _external=True).rstrip("/"))
            state.notice = _mailed(f"Сообщение № {card['number']} в системе", card)
            return back_to(card["number"])
        message = new_message(
            text=f.get("text", ""),
            topic=f.get("topic", ""),
            location=f.get("location", ""),
            importance=f.get("importance", "medium"),
            network=f.get("network", "vk"),
            url=f.get("url") or None,
            author=f.get("author") or "Житель района",
        )
        try:
            status, answer = state.send(message)
        except OSError as error:  # URLError, a refused connection, a timeout
            return render(notice=_unreachable("Сообщение не передано", error), status=502)
        state.notice = _notice("Сообщение передано", status, answer)
        return back_to()

    @bp.post("/cards/<number>/drafts")
    def enter_draft(number: str):
        draft = request.form.get("draft", "")
        try:
            state.enter_draft(number, draft)
        except FormError as error:
            return refused("Проект не внесён", error, kept={"number": number, "draft": draft})
        state.notice = _good(
            f"Проект ответа по сообщению № {number} внесён",
            "Согласуйте его, верните на доработку с замечаниями или отзовите сообщение.",
        )
        return back_to(number)

    @bp.post("/cards/<number>/decisions")
    def decide_card(number: str):
        comment = request.form.get("comment", "")
        try:
            card = state.decide_card(number, request.form.get("decision"), comment)
        except FormError as error:
            return refused(
                "Решение не записано", error, kept={"number": number, "comment": comment}
            )
        name = card["decisions"][-1]["decision_name"]
        state.notice = _mailed(f"Решение куратора по сообщению № {number}: {name}", card)
        return back_to(number)

    @bp.post("/decisions")
    def decide():
        f = request.form
        try:
            status, answer = state.decide(
                external_id=f.get("external_id", ""),
                event=f.get("event", ""),
                draft_id=f.get("draft_id") or None,
                comment=f.get("comment", ""),
            )
        except OSError as error:
            return render(notice=_unreachable("Решение не передано", error), status=502)
        titles = {
            "draft_approved": "Проект согласован",
            "draft_returned": "Проект возвращён на доработку",
            "message_withdrawn": "Сообщение отозвано",
        }
        state.notice = _notice(titles.get(f.get("event", ""), "Решение"), status, answer)
        return back_to()

    @bp.post("/api/v1/inbound")
    def inbound():
        body = request.get_data(cache=True)
        verified = verify(request.headers.get("X-Signature"), body, state.secrets(), time.time())
        if not verified:
            return jsonify(
                {"error": {"code": "unauthorized", "message": "Неверная подпись.", "fields": {}}}
            ), 401
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not payload.get("kind"):
            return jsonify(
                {"error": {"code": "bad_json", "message": "Ожидается JSON с kind.", "fields": {}}}
            ), 400
        call = state.receive(
            payload, request_id=request.headers.get("X-Request-Id"), verified=verified
        )
        return jsonify({"received": True, "request_id": call["request_id"]}), 200

    @bp.get("/api/v1/inbound")
    def inbound_list():
        return jsonify(
            {
                "inbound": state.calls(
                    request.args.get("kind") or None, request.args.get("external_id") or None
                )
            }
        )

    @bp.get("/api/v1/cards")
    def cards_list():
        return jsonify({"mode": state.mode, "cards": state.card_list()})

    return bp


def _notice(title: str, status: int, answer: dict) -> dict:
    return {
        "title": title,
        "status": status,
        "bad": status >= 300,
        "body": json.dumps(answer, ensure_ascii=False),
    }


def _unreachable(title: str, error: OSError) -> dict:
    reason = getattr(error, "reason", None) or error
    return _bad(title, f"API «Отклика» не ответил: {reason}")


def _good(title: str, body: str = "") -> dict:
    return {"title": title, "status": None, "bad": False, "body": body}


def _bad(title: str, body: str) -> dict:
    return {"title": title, "status": None, "bad": True, "body": body}


def _mailed(title: str, card: dict) -> dict:
    """The notice after a letter about `card`: sent, or why not."""
    letter = card["letters"][-1]
    if letter["sent"]:
        return _good(title, f"Письмо «{letter['subject']}» отправлено на {letter['to']}.")
    return _bad(title, f"Письмо «{letter['subject']}» не отправлено: {letter.get('error', '')}")


# -- script mode --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.simulator",
        description="Имитатор системы мониторинга / the simulated monitoring system",
    )
    parser.add_argument("--base", default=os.environ.get("OTKLIK_URL", DEFAULT_BASE_URL))
    parser.add_argument(
        "--secret", default=os.environ.get("MONITORING_WEBHOOK_SECRET", DEFAULT_SECRET)
    )
    commands = parser.add_subparsers(dest="command", required=True)

    send = commands.add_parser("send", help="передать новое сообщение / post a new message")
    send.add_argument("--text", required=True)
    send.add_argument("--topic", required=True)
    send.add_argument("--location", default="")
    send.add_argument("--importance", choices=sorted(IMPORTANCE), default="medium")
    send.add_argument("--network", choices=NETWORKS, default="vk")
    send.add_argument("--url")
    send.add_argument("--author", default="Житель района")
    send.add_argument("--external-id")
    send.add_argument("--detected-at", help="ISO 8601 with offset; default: now")

    for name, help_text in (
        ("approve", "согласовать проект / approve a draft"),
        ("return", "вернуть проект на доработку / return a draft for rework"),
        ("withdraw", "отозвать сообщение / withdraw a message"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--external-id", required=True)
        if name != "withdraw":
            sub.add_argument("--draft-id", required=True)
        sub.add_argument("--comment", default="", required=name == "return")

    commands.add_parser("inbound", help="что прислала администрация / calls received")
    commands.add_parser("cards", help="карточки режима без интеграции / cards of the manual mode")

    args = parser.parse_args(argv)
    if args.command == "send":
        message = new_message(
            text=args.text,
            topic=args.topic,
            location=args.location,
            importance=args.importance,
            network=args.network,
            url=args.url,
            author=args.author,
            external_id=args.external_id,
            detected_at=datetime.fromisoformat(args.detected_at) if args.detected_at else None,
        )
        status, answer = post_signed(args.base, "/api/v1/monitoring/messages", message, args.secret)
    elif args.command in ("inbound", "cards"):
        url = f"{args.base.rstrip('/')}/sim/api/v1/{args.command}"
        with urllib.request.urlopen(url) as response:
            status, answer = response.status, _json(response.read())
    else:
        event = {
            "approve": "draft_approved",
            "return": "draft_returned",
            "withdraw": "message_withdrawn",
        }[args.command]
        payload = {
            "external_id": args.external_id,
            "event": event,
            "draft_id": getattr(args, "draft_id", None),
            "comment": args.comment,
            "at": datetime.now(LOCAL_TZ).isoformat(timespec="seconds"),
        }
        status, answer = post_signed(
            args.base,
            "/api/v1/monitoring/callbacks",
            payload,
            args.secret,
            delivery_id=uuid.uuid4().hex,
        )
    print(f"HTTP {status}")
    print(json.dumps(answer, ensure_ascii=False, indent=2))
    return 0 if status < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
