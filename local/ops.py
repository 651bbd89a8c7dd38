"""The local run's ops page, /ops: each dead-letter queue with its messages and the reasons their
consumers gave (`otklik.entrypoints.batch`), as `make redrive` lists them; /ops/api is the same
as JSON. Bodies are not shown (they may hold a citizen's data): their fields are, by name.
Listing leaves every message in its queue; `make redrive QUEUE=<queue> MOVE=1` moves them back.
"""

from __future__ import annotations

import json
import time

import boto3
from flask import Blueprint, Response
from markupsafe import escape

from local.redrive import list_dead_letters
from local.resources import Created

PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Очереди недоставленных — Отклик</title>
<style>
 body {{ font-family: system-ui, sans-serif; margin: 1.5rem; max-width: 1000px; }}
 table {{ border-collapse: collapse; width: 100%; margin: .4rem 0 1.2rem; }}
 th, td {{ border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; font-size: 14px;
          vertical-align: top; }}
 .empty {{ color: #2a7a2a; }} .count {{ color: #b00020; }}
</style></head><body>
<h1>Очереди недоставленных сообщений</h1>
<p>Сообщения, которые обработчики не смогли обработать, с причиной. Вернуть их в очередь:
<code>make redrive QUEUE=&lt;очередь&gt; MOVE=1</code>.
<a href="/">Страница сотрудников</a> · <a href="/sim">Имитатор мониторинга</a> ·
<a href="/mail">Письма</a></p>
{queues}
</body></html>
"""


def dead_letter_queues(created: Created) -> list[str]:
    return sorted(q for q in created.queues if q.endswith("DeadLetterQueue"))


def snapshot(sqs, created: Created, prefix: str) -> dict[str, list[dict]]:
    """Each dead-letter queue's messages (their summaries), left in place."""
    return {
        logical_id: [m.summary() for m in list_dead_letters(sqs, logical_id, prefix)]
        for logical_id in dead_letter_queues(created)
    }


def _prefix(created: Created) -> str:
    """The name prefix the local run gave its queues (`<prefix><logical id>`)."""
    logical_id, url = next(iter(created.queues.items()))
    return url.rsplit("/", 1)[-1].removesuffix(logical_id)


def render(queues: dict[str, list[dict]]) -> str:
    parts = []
    now = time.time()
    for logical_id, letters in queues.items():
        if not letters:
            parts.append(f"<h2>{escape(logical_id)} <span class='empty'>— пусто</span></h2>")
            continue
        rows = "".join(
            "<tr>"
            f"<td>{escape(m['message_id'])}</td><td>{escape(m['case_id'] or '—')}</td>"
            f"<td>{_age(now, m['sent_at'])}</td><td>{m['receive_count']}</td>"
            f"<td>{escape(m['reason'])}</td><td>{escape(', '.join(m['fields']) or '—')}</td>"
            "</tr>"
            for m in letters
        )
        parts.append(
            f"<h2>{escape(logical_id)} <span class='count'>— {len(letters)}</span></h2>"
            "<table><tr><th>Сообщение</th><th>Карточка</th><th>Возраст</th><th>Получено раз</th>"
            f"<th>Причина</th><th>Поля</th></tr>{rows}</table>"
        )
    return PAGE.format(queues="".join(parts) or "<p>Очередей нет.</p>")


def _age(now: float, sent_at: float | None) -> str:
    if not sent_at:
        return "?"
    minutes = max(0, int((now - sent_at) // 60))
    return f"{minutes // 60} ч {minutes % 60} мин" if minutes >= 60 else f"{minutes} мин"


def blueprint(created: Created, *, endpoint_url: str | None, region: str) -> Blueprint:
    ops = Blueprint("ops", __name__)
    sqs = boto3.client("sqs", endpoint_url=endpoint_url, region_name=region)
    prefix = _prefix(created)

    @ops.get("/")
    def page():
        return Response(
            render(snapshot(sqs, created, prefix)), content_type="text/html; charset=utf-8"
        )

    @ops.get("/api")
    def as_json():
        return Response(
            json.dumps(snapshot(sqs, created, prefix), ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )

    return ops
