"""The simulated regional monitoring system, for the local run (mounted at /sim).

A curator's side of the contract: a small Russian page where one hands in a new message (signed
with the webhook secret, as the real system does), sees what the administration sent back —
drafts for review, returned messages, links of published answers — and approves a draft or
returns it for rework with a comment (a signed callback).

It also receives the system's outbound calls: `POST /sim/api/v1/inbound` (what
`otklik.adapters.monitoring.MonitoringClient` sends), checking `X-Signature` with the same HMAC
scheme, and keeps them in memory to show.

Script mode, against a running `make run`:
    python -m local.simulator send --text "Яма на дороге" --topic Дороги
    python -m local.simulator approve --external-id im-... --draft-id ...
    python -m local.simulator return --external-id im-... --draft-id ... --comment "..."
    python -m local.simulator inbound
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, jsonify, redirect, render_template_string, request, url_for

from otklik.api.signing import sign, verify

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
IMPORTANCE = {"high": "высокая", "medium": "средняя", "low": "низкая"}
KINDS_RU = {
    "draft_for_review": "Проект ответа на согласование",
    "return_to_curator": "Возврат: вне компетенции",
    "published": "Ответ опубликован",
}


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
    """A message as the monitoring system delivers it (design.md, the contract)."""
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


# -- the simulator's memory ---------------------------------------------------------------------


@dataclass
class Monitoring:
    """What the simulated system remembers: messages it sent, calls it received, decisions."""

    gateway_url: str = DEFAULT_BASE_URL
    secret: str = DEFAULT_SECRET
    sent: list[dict] = field(default_factory=list)
    inbound: list[dict] = field(default_factory=list)
    decisions: list[dict] = field(default_factory=list)
    notice: dict | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def secrets(self) -> list[str]:
        return [s.strip() for s in self.secret.split(",") if s.strip()]

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
                    "at": datetime.now(LOCAL_TZ).isoformat(timespec="seconds"),
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
            "at": datetime.now(LOCAL_TZ).isoformat(timespec="seconds"),
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
                "received_at": datetime.now(LOCAL_TZ).isoformat(timespec="seconds"),
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


# -- the page -----------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8">
<title>Имитатор системы мониторинга — Отклик</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;
line-height:1.45;color:#1b1b1b}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
label{display:block;margin:.5rem 0 .2rem;font-weight:600}
textarea,input,select{font:inherit;width:100%;box-sizing:border-box;padding:.3rem}
textarea{min-height:6rem}.row{display:flex;gap:1rem}.row>div{flex:1}
button{font:inherit;padding:.4rem 1rem;margin-top:.6rem;cursor:pointer}
.notice{padding:.6rem 1rem;border-radius:.3rem;background:#e8f4ea;border:1px solid #9c9}
.notice.bad{background:#fbeaea;border-color:#d99}
.card{border:1px solid #ddd;border-radius:.3rem;padding:.6rem 1rem;margin:.6rem 0}
.muted{color:#666;font-size:.9rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #eee;padding:.3rem;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;margin:.3rem 0}
</style></head><body>
<h1>Имитатор региональной системы мониторинга</h1>
<p class="muted">Здесь вы — куратор: передаёте сообщения из соцсетей в администрацию и
согласовываете проекты ответов. Запросы подписываются общим секретом, как в настоящей
системе. <a href="/">Страница сотрудников</a></p>
{% if notice %}<div class="notice {{ 'bad' if notice.status >= 300 else '' }}">
<b>{{ notice.title }}</b> — HTTP {{ notice.status }}<pre>{{ notice.body }}</pre></div>{% endif %}

<h2>Новое сообщение</h2>
<p>Примеры: {% for key, ex in examples.items() %}
<a href="{{ url_for('.page', example=key) }}">{{ ex.title }}</a>{{ ", " if not loop.last }}
{% endfor %}</p>
<form method="post" action="{{ url_for('.send_message') }}">
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
{% for n in networks %}<option {{ 'selected' if n == 'vk' }}>{{ n }}</option>{% endfor %}
</select></div>
<div><label for="author">Автор</label>
<input id="author" name="author" value="{{ form.author }}"></div>
<div><label for="url">Ссылка (пусто — сгенерировать)</label>
<input id="url" name="url" value=""></div>
</div>
<button type="submit">Передать в администрацию</button>
</form>

<h2>Проекты ответов на согласовании</h2>
{% for call in reviews %}
<div class="card"><div class="muted">{{ call.received_at }} · сообщение {{ call.external_id }}
· проект {{ call.draft_id }} ({{ call.draft_kind or 'final' }})
{% if not call.verified %}· <b>подпись не прошла проверку</b>{% endif %}</div>
<pre>{{ call.text }}</pre>
{% if call.decided %}<p><b>Решение:</b> {{ 'согласовано' if call.decided == 'draft_approved'
else 'возвращено на доработку' }}</p>
{% else %}
<form method="post" action="{{ url_for('.decide') }}">
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
{% if m.status < 300 %}<form method="post" action="{{ url_for('.decide') }}">
<input type="hidden" name="external_id" value="{{ m.external_id }}">
<button name="event" value="message_withdrawn">Отозвать</button></form>{% endif %}
</td></tr>
{% else %}<tr><td colspan="5" class="muted">Пусто.</td></tr>{% endfor %}</table>
<p class="muted" lang="en">Simulated monitoring system of the local run: send a message,
approve or return drafts; received calls are kept in memory (GET {{ url_for('.inbound_list') }}).
</p>
</body></html>
"""


def blueprint(state: Monitoring) -> Blueprint:
    """The simulator's pages and its receiving endpoint, over `state`."""
    bp = Blueprint("simulator", __name__)

    @bp.get("/")
    def page():
        example = EXAMPLES.get(request.args.get("example", "roads"), EXAMPLES["roads"])
        notice, state.notice = state.notice, None
        inbound = list(reversed(state.calls()))
        return render_template_string(
            PAGE,
            notice=notice,
            examples=EXAMPLES,
            form=example,
            importance=IMPORTANCE,
            networks=NETWORKS,
            reviews=[c for c in inbound if c.get("kind") == "draft_for_review"],
            inbound=inbound,
            sent=list(reversed(state.sent)),
            kinds=KINDS_RU,
        )

    @bp.post("/messages")
    def send_message():
        f = request.form
        message = new_message(
            text=f.get("text", ""),
            topic=f.get("topic", ""),
            location=f.get("location", ""),
            importance=f.get("importance", "medium"),
            network=f.get("network", "vk"),
            url=f.get("url") or None,
            author=f.get("author") or "Житель района",
        )
        status, answer = state.send(message)
        state.notice = _notice("Сообщение передано", status, answer)
        return redirect(url_for(".page"), code=303)

    @bp.post("/decisions")
    def decide():
        f = request.form
        status, answer = state.decide(
            external_id=f.get("external_id", ""),
            event=f.get("event", ""),
            draft_id=f.get("draft_id") or None,
            comment=f.get("comment", ""),
        )
        titles = {
            "draft_approved": "Проект согласован",
            "draft_returned": "Проект возвращён на доработку",
            "message_withdrawn": "Сообщение отозвано",
        }
        state.notice = _notice(titles.get(f.get("event", ""), "Решение"), status, answer)
        return redirect(url_for(".page"), code=303)

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

    return bp


def _notice(title: str, status: int, answer: dict) -> dict:
    return {"title": title, "status": status, "body": json.dumps(answer, ensure_ascii=False)}


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
    elif args.command == "inbound":
        with urllib.request.urlopen(args.base.rstrip("/") + "/sim/api/v1/inbound") as response:
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
