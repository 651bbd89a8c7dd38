"""The inbox a page at a time over the API (StaffApiFunction on moto): 130+ cases with long
texts come in pages that join to exactly the full inbox, each within its limit and well under
1 MB, texts shortened; a bad limit or cursor is a 422 with a Russian field error, never a 500."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from otklik.bootstrap import deps
from otklik.entrypoints import auth
from otklik.entrypoints.schemas import MessageIn
from otklik.service import cases, inbox

MB = 1024 * 1024
LONG = "Во дворе дома по улице Садовой снова не вывезли мусор, контейнеры переполнены. " * 60


@pytest.fixture(scope="module")
def many(aws) -> Iterator[list[str]]:
    """140 new cases with texts of about 5 000 characters; their ids."""
    d = deps()
    ids = []
    for n in range(140):
        message = MessageIn.model_validate(
            {
                "external_id": f"page-{uuid.uuid4().hex[:16]}",
                "detected_at": datetime.now(UTC).isoformat(),
                "network": "vk",
                "url": f"https://vk.com/wall-88_{uuid.uuid4().int % 10**8}",
                "author": {"id": f"id{n}", "name": "Житель", "url": ""},
                "text": f"{n}. {LONG}"[:4000],
                "topic": "ЖКХ",
                "location": "с. Зудилово",
                "importance": "low",
                "curator": {"id": "c-1", "name": "Куратор"},
            }
        ).to_domain()
        ids.append(cases.receive_message(d, message, datetime.now(UTC)).case.case_id)
    yield ids
    # Closed, they go after every open case: later tests find theirs on the first page.
    tech = d.directory.staff("tech").actor()
    for case_id in ids:
        cases.triage(
            d,
            tech,
            case_id,
            decision="not_processable",
            departments=[],
            reason="Проверка постраничного вывода.",
            now=datetime.now(UTC),
        )


def tech_token() -> str:
    return auth.issue_token("tech", deps().settings.token_secret, datetime.now(UTC).timestamp(), 9)


@pytest.fixture
def get(aws, handler, api_event, lambda_context):
    staff_api = handler("staff_api")
    token = tech_token()

    def call(query: dict | None = None):
        event = api_event(
            "GET", "/api/v1/cases", headers={"authorization": f"Bearer {token}"}, query=query
        )
        answer = staff_api(event, lambda_context)
        return answer["statusCode"], answer["body"]

    return call


def test_pages_join_to_exactly_the_full_inbox(many, get):
    joined, cursor, pages = [], None, 0
    while True:
        status, raw = get({"cursor": cursor} if cursor else None)
        assert status == 200, raw
        assert len(raw.encode()) < MB / 4
        body = json.loads(raw)
        assert len(body["cases"]) <= inbox.DEFAULT_LIMIT
        for summary in body["cases"]:
            assert len(summary["text"]) <= inbox.SUMMARY_TEXT
        joined += [c["case_id"] for c in body["cases"]]
        pages += 1
        cursor = body["cursor"]
        if cursor is None:
            break
        assert len(body["cases"]) == inbox.DEFAULT_LIMIT
    d = deps()
    full = inbox.inbox(d, d.directory.staff("tech").actor(), now=datetime.now(UTC))
    assert joined == [c.case_id for c in full]
    assert len(joined) == len(set(joined)) and set(many) <= set(joined)
    assert pages >= 3

    mine = [s for s in json.loads(get({"limit": "200"})[1])["cases"] if s["case_id"] in many]
    assert mine and all(s["text"].endswith("…") for s in mine)


def test_the_largest_page_is_under_a_megabyte(many, get):
    status, raw = get({"limit": "200"})
    assert status == 200
    body = json.loads(raw)
    assert len(body["cases"]) == 200 or body["cursor"] is None
    assert len(raw.encode()) < MB


def test_the_case_view_keeps_the_whole_text(many, aws, handler, api_event, lambda_context):
    token = tech_token()
    event = api_event(
        "GET", f"/api/v1/cases/{many[0]}", headers={"authorization": f"Bearer {token}"}
    )
    answer = handler("staff_api")(event, lambda_context)
    assert len(json.loads(answer["body"])["text"]) == 4000


@pytest.mark.parametrize("limit", ["0", "201", "-1", "abc", "1.5", "٣", "9" * 40])
def test_a_bad_limit_is_a_russian_422(get, limit):
    status, raw = get({"limit": limit})
    assert status == 422, raw
    error = json.loads(raw)["error"]
    assert error["code"] == "invalid_input"
    assert error["fields"] == {"limit": "целое число от 1 до 200"}


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "a.b",
        "e30.AAAAAAAAAAAAAAAAAAAAAA",
        "ж" * 10,
        "x" * 5000,
        ".",
    ],
)
def test_a_bad_cursor_is_a_422_never_a_500(get, cursor):
    status, raw = get({"cursor": cursor})
    assert status == 422, raw
    error = json.loads(raw)["error"]
    assert error["fields"] == {"cursor": "неверное значение"}


def test_a_cursor_altered_or_signed_elsewhere_is_refused(many, get):
    cursor = json.loads(get({"limit": "5"})[1])["cursor"]
    payload, _, mac = cursor.partition(".")
    assert get({"cursor": cursor, "limit": "5"})[0] == 200
    assert get({"cursor": f"{payload[:-1]}A.{mac}"})[0] == 422
    assert get({"cursor": f"{payload}.{mac[::-1]}"})[0] == 422
