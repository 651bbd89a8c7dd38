"""E-mail notifications through the queue and SES (moto): who gets which Russian letter, and a
bad message failing alone instead of taking its batch down."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from otklik.bootstrap import deps
from otklik.domain.roles import Role
from otklik.entrypoints.schemas import MessageIn
from otklik.service import cases
from otklik.service.notify import render
from tests.integration.mail import sent_to

BARNAUL = ZoneInfo("Asia/Barnaul")


def new_case(importance: str = "medium", topic: str = "Дороги"):
    body = {
        "external_id": f"notify-{uuid.uuid4().hex[:10]}",
        "detected_at": datetime(2030, 11, 5, 9, 0, tzinfo=BARNAUL).isoformat(),
        "network": "telegram",
        "url": f"https://t.me/zudilovo/{uuid.uuid4().int % 10**6}",
        "author": {"id": f"u{uuid.uuid4().int % 10**8}", "name": "Ольга Петрова"},
        "text": "Третий день нет отопления в доме на ул. Мира, 5.",
        "topic": topic,
        "location": "с. Зудилово",
        "importance": importance,
        "curator": {"id": "c-1", "name": "Куратор"},
    }
    now = datetime(2030, 11, 5, 9, 5, tzinfo=BARNAUL)
    return cases.receive_message(deps(), MessageIn.model_validate(body).to_domain(), now).case


def test_a_new_message_reaches_the_technical_executor_by_email(aws, drain):
    case = new_case()
    tech = deps().directory.staff_with(Role.TECHNICAL)[0]
    before = len(sent_to(tech.email))

    drain()

    letters = sent_to(tech.email)[before:]
    mine = [m for m in letters if case.message.url in m["body"]]
    assert len(mine) == 1
    assert mine[0]["subject"].startswith("Новое сообщение из открытых источников")
    assert "Распределить до:" in mine[0]["body"]


def test_a_high_importance_message_is_reported_to_the_head_at_once(aws, drain):
    case = new_case(importance="high")
    head = deps().directory.staff_with(Role.HEAD)[0]

    drain()

    mine = [m for m in sent_to(head.email) if case.message.url in m["body"]]
    assert len(mine) == 1
    assert "Доклад главе района" in mine[0]["subject"]
    assert deps().store().get(case.case_id).significance == "high_importance"


TEMPLATES = sorted(
    p.name.removesuffix(".txt")
    for p in resources.files("otklik").joinpath("templates/email").iterdir()
    if p.name.endswith(".txt")
)


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_letter_renders_in_russian_without_gaps(aws, template):
    from otklik.service.notify import _Blank, department_names, letter_context

    case = new_case()
    detail = letter_context(
        case,
        deps().display_tz,
        departments=department_names(deps()),
        staff_page_url="https://otklik.example.org/",
    )
    subject, body = render(
        template,
        {
            "case": detail,
            "detail": detail,
            "message": detail["message"],
            "deadlines": _Blank(detail["deadlines"]),
            "event": _Blank({"comment": "Уточните сроки", "timer": "answer_due"}),
            "timer_title": "публикация ответа (T2)",
            "due": detail["deadlines"]["answer_due"],
            "reason": "surge",
        },
    )

    assert subject and any("а" <= ch <= "я" for ch in subject.lower())
    assert case.message.external_id in subject  # different cases, different subjects
    assert "None" not in subject + body
    assert "{{" not in body
    assert f"https://otklik.example.org/#/case/{case.case_id}" in body
    assert not re.search(r"\d{4}-\d\d-\d\dT", subject + body)  # no ISO times
    assert not re.search(r"\b(vk|telegram|high|medium|low|roads|housing)\b", subject + body)


@pytest.fixture
def staff_page(aws, monkeypatch):
    """The deployment says where the staff page is: letters link to the case on it."""
    from otklik import bootstrap

    monkeypatch.setenv("STAFF_PAGE_URL", "https://otklik.example.org/staff")
    bootstrap.reset()
    yield "https://otklik.example.org/staff/"
    monkeypatch.delenv("STAFF_PAGE_URL")
    bootstrap.reset()


def test_letters_name_codes_in_russian_with_local_times_and_a_link(aws, drain, staff_page):
    d = deps()
    case = new_case(importance="high")
    drain()  # routing
    cases.triage(
        d,
        d.directory.staff("tech").actor(),
        case.case_id,
        decision="accept",
        departments=["roads", "housing"],
        reason="",
        now=datetime(2030, 11, 5, 9, 10, tzinfo=BARNAUL),
    )
    names = {x.id: x.name for x in d.directory.departments()}
    link = f"{staff_page}#/case/{case.case_id}"

    drain()

    tech = d.directory.staff("tech")
    new = [m for m in sent_to(tech.email) if case.message.url in m["body"]]
    assert len(new) == 1
    letter = new[0]
    assert letter["subject"] == (
        f"Новое сообщение из открытых источников: Дороги, с. Зудилово "
        f"(№ {case.message.external_id})"
    )
    body = letter["body"]
    assert "Соцсеть: Telegram; важность: высокая" in body
    assert "Обнаружено: 5 ноября 2030, 09:00" in body
    assert "Распределить до: 5 ноября 2030, 09:35" in body  # 30 working minutes from 09:05
    assert f"Открыть сообщение в «Отклике»: {link}" in body
    head = d.directory.staff_with(Role.HEAD)[0]
    [significant] = [m for m in sent_to(head.email) if link in m["body"]]
    assert "Соцсеть: Telegram" in significant["body"]
    assert case.message.external_id in significant["subject"]
    joint = [m for m in sent_to(d.directory.staff("resp").email) if link in m["body"]]
    joint = [m for m in joint if m["subject"].startswith("Совместный ответ")]
    assert len(joint) == 1
    assert f"({names['roads']}, {names['housing']})" in joint[0]["body"]
    assert "roads" not in joint[0]["body"] and "housing" not in joint[0]["body"]
    everything = "".join(m["subject"] + m["body"] for m in [*sent_to(tech.email), significant])
    assert ".000" not in everything and "+07:00" not in everything


def test_two_cases_on_one_topic_get_different_subjects(aws, drain):
    first, second = new_case(), new_case()
    tech = deps().directory.staff_with(Role.TECHNICAL)[0]

    drain()

    subjects = {
        m["subject"]
        for m in sent_to(tech.email)
        if first.message.url in m["body"] or second.message.url in m["body"]
    }
    assert len(subjects) == 2


def test_a_malformed_message_goes_to_the_dead_letter_queue_with_its_reason(
    aws, handler, lambda_context
):
    import boto3

    case = new_case()
    good = {
        "message_id": uuid.uuid4().hex,
        "template": "new_message",
        "case_id": case.case_id,
        "recipients": {"roles": ["technical"]},
        "context": {"event": {}},
    }
    queue_arn = aws.created.queue_arns["NotificationQueue"]
    event = {
        "Records": [
            _record("bad-1", "not json at all", queue_arn),
            _record("bad-2", json.dumps({"template": "new_message"}), queue_arn),  # no case, no id
            _record("good-1", json.dumps(good), queue_arn),
        ]
    }
    tech = deps().directory.staff_with(Role.TECHNICAL)[0]
    before = len(sent_to(tech.email))

    result = handler("notifications")(event, lambda_context)

    assert result == {"batchItemFailures": []}  # nothing left to retry in vain
    assert len(sent_to(tech.email)) == before + 1
    sqs = boto3.client(
        "sqs", endpoint_url=deps().settings.endpoint_url, region_name=deps().settings.region
    )
    dead = sqs.receive_message(
        QueueUrl=aws.created.queues["NotificationDeadLetterQueue"],
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
    )
    bodies = {
        m["Body"]: m["MessageAttributes"]["reason"]["StringValue"] for m in dead.get("Messages", [])
    }
    assert "not json at all" in bodies
    assert bodies["not json at all"].startswith("malformed message")
    assert "case_id" in bodies[json.dumps({"template": "new_message"})]


def test_a_failing_step_is_reported_alone_for_a_retry(aws, handler, lambda_context):
    missing = {
        "message_id": uuid.uuid4().hex,
        "template": "new_message",
        "case_id": "no-such-case",
        "recipients": {"roles": ["technical"]},
        "context": {"event": {}},
    }
    case = new_case()
    good = {**missing, "message_id": uuid.uuid4().hex, "case_id": case.case_id}

    result = handler("notifications")(
        {
            "Records": [
                _record("missing-case", json.dumps(missing)),
                _record("fine", json.dumps(good)),
            ]
        },
        lambda_context,
    )

    assert result == {"batchItemFailures": [{"itemIdentifier": "missing-case"}]}


def test_a_redelivered_notification_is_not_sent_twice(aws, handler, lambda_context):
    case = new_case()
    body = json.dumps(
        {
            "message_id": uuid.uuid4().hex,
            "template": "assigned",
            "case_id": case.case_id,
            "recipients": {"logins": ["roads"]},
            "context": {"event": {}},
        }
    )
    roads = deps().directory.staff("roads")
    before = len(sent_to(roads.email))

    for delivery in ("first", "again"):
        result = handler("notifications")({"Records": [_record(delivery, body)]}, lambda_context)
        assert result == {"batchItemFailures": []}

    assert len(sent_to(roads.email)) == before + 1


def _record(
    message_id: str, body: str, arn: str = "arn:aws:sqs:eu-central-1:123456789012:notifications"
) -> dict:
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "0",
            "SenderId": "test",
            "ApproximateFirstReceiveTimestamp": "0",
        },
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": "eu-central-1",
    }


def test_a_message_detected_long_before_it_reached_us_is_late_on_arrival(aws, drain):
    """Issue 16, item 3: its T2 and T3 passed before receipt; the accountable officials get
    one letter saying so, the head none, and the breach report names nobody for them."""
    from datetime import timedelta

    from otklik.service import reports
    from otklik.service.sweep import sweep

    d = deps()
    body = {
        "external_id": f"late-{uuid.uuid4().hex[:10]}",
        "detected_at": datetime(2030, 10, 28, 9, 0, tzinfo=BARNAUL).isoformat(),
        "network": "telegram",
        "url": f"https://t.me/zudilovo/{uuid.uuid4().int % 10**6}",
        "author": {"id": f"u{uuid.uuid4().int % 10**8}", "name": "Ольга Петрова"},
        "text": "Третий день нет отопления в доме на ул. Мира, 5.",
        "topic": "Дороги",
        "location": "с. Зудилово",
        "importance": "medium",
        "curator": {"id": "c-1", "name": "Куратор"},
    }
    now = datetime(2030, 11, 5, 9, 5, tzinfo=BARNAUL)
    case = cases.receive_message(d, MessageIn.model_validate(body).to_domain(), now).case
    assert case.arrived_late == ("answer_due", "send_to_curator_due")

    sweep(d, now + timedelta(minutes=1))
    sweep(d, now + timedelta(hours=3))  # long after any escalation would have gone
    drain()

    resp = d.directory.staff_with(Role.RESPONSIBLE)[0]
    head = d.directory.staff_with(Role.HEAD)[0]
    url = case.message.url
    [letter] = [
        m
        for m in sent_to(resp.email)
        if url in m["body"] and m["subject"].startswith("Нарушен срок: публикация ответа")
    ]
    assert (
        "Сообщение поступило с опозданием: срок истёк до его поступления "
        "(обнаружено 28 октября 2030, 09:00, поступило 5 ноября 2030, 09:05)." in letter["body"]
    )
    head_breaches = [
        m for m in sent_to(head.email) if url in m["body"] and "Нарушен срок" in m["subject"]
    ]
    assert not any("публикация ответа" in m["subject"] for m in head_breaches)
    assert not any("направление проекта" in m["subject"] for m in head_breaches)

    found = [
        b
        for b in reports.build_breaches(d, "2030-11", now + timedelta(hours=3))
        if b.case_id == case.case_id
    ]
    late = {b.timer: b for b in found if b.before_receipt}
    assert set(late) == {"answer_due", "send_to_curator_due"}
    assert all(b.officials == () for b in late.values())
    page = reports.to_breaches_html(d, "2030-11", found, d.display_tz, now=now)
    assert "никто: поступило с опозданием, срок истёк до поступления" in page
