"""The inbox's search and closed cases over the API (StaffApiFunction on moto): `q` finds a case
by any word of its text, topic, place, author or external id (any case, «ё» = «е»); closed cases
are left out unless `closed=1` or a closed status asks for them; a cursor holds only for the
filters it was issued with; each summary says whose turn it is and which deadline is the
caller's own."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from otklik.bootstrap import deps
from otklik.entrypoints import auth
from otklik.entrypoints.schemas import MessageIn
from otklik.service import cases


def _receive(text: str, author: str = "Житель", topic: str = "ЖКХ") -> str:
    d = deps()
    message = MessageIn.model_validate(
        {
            "external_id": f"search-{uuid.uuid4().hex[:16]}",
            "detected_at": datetime.now(UTC).isoformat(),
            "network": "vk",
            "url": f"https://vk.com/wall-88_{uuid.uuid4().int % 10**8}",
            "author": {"id": f"id{uuid.uuid4().hex[:8]}", "name": author, "url": ""},
            "text": text,
            "topic": topic,
            "location": "с. Зудилово",
            "importance": "low",
            "curator": {"id": "c-1", "name": "Куратор"},
        }
    ).to_domain()
    return cases.receive_message(d, message, datetime.now(UTC)).case.case_id


@pytest.fixture(scope="module")
def found(aws) -> dict[str, str]:
    """A case to find, an open one not to find, and a closed one; their ids by name."""
    word = uuid.uuid4().hex[:10]
    ids = {
        "word": word,
        "wanted": _receive(f"Во дворе разбит фонарь, ЖЁЛТЫЙ {word}, уже неделю.", "Фёдор Ёлкин"),
        "other": _receive("Не вывозят мусор с улицы Садовой."),
        "closed": _receive(f"Закрытое сообщение {word}: нецензурная брань."),
    }
    cases.triage(
        deps(),
        deps().directory.staff("tech").actor(),
        ids["closed"],
        decision="not_processable",
        departments=[],
        reason="Нецензурная брань.",
        now=datetime.now(UTC),
    )
    return ids


@pytest.fixture
def get(aws, handler, api_event, lambda_context):
    staff_api = handler("staff_api")

    def call(query: dict | None = None, login: str = "tech"):
        token = auth.issue_token(
            login, deps().settings.token_secret, datetime.now(UTC).timestamp(), 9
        )
        event = api_event(
            "GET", "/api/v1/cases", headers={"authorization": f"Bearer {token}"}, query=query
        )
        answer = staff_api(event, lambda_context)
        return answer["statusCode"], json.loads(answer["body"])

    return call


def _ids(body: dict) -> set[str]:
    return {c["case_id"] for c in body["cases"]}


def _all(get, query: dict) -> set[str]:
    seen, cursor = set(), None
    while True:
        status, body = get({**query, "limit": "200", **({"cursor": cursor} if cursor else {})})
        assert status == 200, body
        seen |= _ids(body)
        cursor = body["cursor"]
        if cursor is None:
            return seen


@pytest.mark.parametrize(
    "query",
    ["{word}", "желтый {word}", "ЖЁЛТЫЙ", "фонарь желтый", "федор", "ЁЛКИН", "зудилово {word}"],
)
def test_q_finds_the_case_by_any_word_case_and_yo_aside(found, get, query):
    seen = _all(get, {"q": query.format(word=found["word"])})
    assert found["wanted"] in seen
    assert found["other"] not in seen
    assert found["closed"] not in seen  # closed: hidden unless asked for


def test_q_finds_by_external_id_and_topic(found, get):
    d = deps()
    external = d.store().get(found["wanted"]).message.external_id
    assert _all(get, {"q": external.upper()}) & {found["wanted"], found["other"]} == {
        found["wanted"]
    }
    assert found["wanted"] in _all(get, {"q": "жкх"})


def test_closed_cases_are_hidden_unless_asked_for(found, get):
    assert found["closed"] not in _all(get, {})
    assert found["closed"] not in _all(get, {"q": found["word"]})
    with_closed = _all(get, {"q": found["word"], "closed": "1"})
    assert {found["wanted"], found["closed"]} <= with_closed
    assert found["closed"] in _all(get, {"status": "not_processable"})
    assert found["closed"] in _all(get, {"closed": "true"})


def test_a_query_too_long_is_a_russian_422(get):
    status, body = get({"q": "я" * 201})
    assert status == 422, body
    assert body["error"]["fields"] == {"q": "не длиннее 200 символов"}


def test_a_cursor_holds_only_for_its_filters(found, get):
    status, body = get({"limit": "1"})
    assert status == 200 and body["cursor"], body
    cursor = body["cursor"]
    assert get({"limit": "1", "cursor": cursor})[0] == 200
    for other in ({"closed": "1"}, {"q": "мусор"}, {"status": "received"}, {"overdue": "1"}):
        status, refused = get({"limit": "1", "cursor": cursor, **other})
        assert status == 422, (other, refused)
        assert refused["error"]["fields"] == {"cursor": "неверное значение"}


def test_each_summary_says_whose_turn_and_the_callers_own_deadline(found, get):
    status, body = get({"q": found["word"]})
    assert status == 200
    (summary,) = [c for c in body["cases"] if c["case_id"] == found["wanted"]]
    assert summary["turn"] == {
        "role": "technical",
        "departments": [],
        "assignees": [],
        "mine": True,
    }
    assert summary["my_deadline"] == "triage_due"  # T1 is the technical executor's
    assert summary["my_due"] and summary["my_warn_from"]

    status, body = get({"q": found["word"]}, login="resp")
    (summary,) = [c for c in body["cases"] if c["case_id"] == found["wanted"]]
    assert summary["turn"]["mine"] is False
    assert summary["my_deadline"] == "answer_due"  # T2: the responsible executor's
    assert summary["next_deadline"] != "answer_due"  # the most urgent is another's

    status, body = get({"q": found["word"]}, login="head")
    (summary,) = [c for c in body["cases"] if c["case_id"] == found["wanted"]]
    assert summary["my_due"] is None and summary["next_due"]  # the head answers for no timer

    status, body = get({"q": found["word"], "closed": "1"})
    (closed,) = [c for c in body["cases"] if c["case_id"] == found["closed"]]
    assert closed["turn"] is None and closed["my_due"] is None
