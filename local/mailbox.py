"""The local run's mailbox: the e-mails the system sent through the embedded SES, readable at
/mail. moto keeps every letter it accepted; its data API hands them over."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from flask import Blueprint, Response, request
from markupsafe import escape

from local.moto_server import MAIL_PATH

PAGE = """<!doctype html>
<html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Отправленные письма — Отклик</title>
<style>
 body {{ font-family: system-ui, sans-serif; margin: 1.5rem; max-width: 900px; }}
 article {{ border: 1px solid #ccc; border-radius: 6px; padding: .6rem 1rem; margin: .8rem 0; }}
 pre {{ white-space: pre-wrap; font: inherit; }}
 .to {{ color: #555; font-size: 14px; }}
</style></head><body>
<h1>Отправленные письма</h1>
<p>Письма, которые система отправила через SES (локальный запуск, moto). Новые сверху.
<a href="/">Страница сотрудников</a> · <a href="/sim">Имитатор мониторинга</a></p>
<form><label>Получатель: <input name="to" value="{to}"></label> <button>Показать</button></form>
{letters}
</body></html>
"""


def letters(endpoint: str) -> list[dict]:
    """Every letter the embedded SES accepted, oldest first.

    The local run's moto answers at MAIL_PATH; a moto server started by hand has only its
    whole-state dump, which is slow once the tables are large."""
    base = endpoint.rstrip("/")
    try:
        with urllib.request.urlopen(base + MAIL_PATH, timeout=30) as r:
            return json.load(r)
    except urllib.error.HTTPError as refused:
        if refused.code != 404:
            raise
    with urllib.request.urlopen(f"{base}/moto-api/data.json", timeout=60) as r:
        return json.load(r).get("ses", {}).get("Message", [])


def letters_to(endpoint: str, address: str = "") -> list[dict]:
    """The letters to `address` (every letter if it is empty), oldest first."""
    return [
        m
        for m in letters(endpoint)
        if not address or address in m["destinations"].get("ToAddresses", [])
    ]


def blueprint(endpoint: str) -> Blueprint:
    mail = Blueprint("mailbox", __name__)

    @mail.get("/")
    def inbox():
        wanted = request.args.get("to", "").strip()
        shown = letters_to(endpoint, wanted)[::-1]
        items = (
            "".join(
                f"<article><h2>{escape(m['subject'])}</h2>"
                f"<p class='to'>Кому: {escape(', '.join(m['destinations'].get('ToAddresses', [])))}"
                f" · от {escape(m['source'])}</p><pre>{escape(m['body'])}</pre></article>"
                for m in shown
            )
            or "<p>Писем нет.</p>"
        )
        return Response(
            PAGE.format(to=escape(wanted), letters=items), content_type="text/html; charset=utf-8"
        )

    @mail.get("/api")
    def as_json():
        return Response(
            json.dumps(letters(endpoint), ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )

    return mail
