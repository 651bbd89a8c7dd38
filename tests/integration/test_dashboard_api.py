"""The head of district's dashboard through the staff API against the real store (moto).

April 2031 (used by no other test), read on Tuesday the 15th at 16:00 Barnaul time, the
handlers' clock set there. Four messages, all «Дороги» or ЖКХ:
  Y  Mon 10:00  triaged late at 10:50 (T1 due 10:35: a breach yesterday), ЖКХ, answered by
                11:15 (T2 met)
  R  Mon 14:00  «Дороги» at 14:10, never answered: T2 (Tue 15:00) missed today, never swept
  A  Tue 09:00  «Дороги» at 09:10, answered by 09:45 (T2 met)
  S  Tue 11:00  high importance (clause 24), received 11:05, not yet triaged: T1 (11:35) missed
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from jsonschema import Draft202012Validator

from local import ROOT
from otklik import clock
from otklik.bootstrap import deps
from otklik.service import cases
from otklik.service.reports import build_breaches
from tests.integration.messages import vk_message

BARNAUL = ZoneInfo("Asia/Barnaul")
NOW = datetime(2031, 4, 15, 16, 0, tzinfo=BARNAUL)


def mon(hour: int, minute: int = 0) -> datetime:
    return datetime(2031, 4, 14, hour, minute, tzinfo=BARNAUL)


def tue(hour: int, minute: int = 0) -> datetime:
    return datetime(2031, 4, 15, hour, minute, tzinfo=BARNAUL)


def who(login: str):
    return deps().directory.staff(login).actor()


def arrived(detected: datetime, *, topic: str = "Дороги", importance: str = "medium"):
    message = vk_message("dashboard", detected, topic=topic, importance=importance)
    received = detected + timedelta(minutes=5)
    case = cases.receive_message(deps(), message, received).case
    return cases.route(deps(), case.case_id, received + timedelta(minutes=1))


def accept(case, department: str, now: datetime):
    return cases.triage(
        deps(),
        who("tech"),
        case.case_id,
        decision="accept",
        departments=[department],
        reason="",
        now=now,
    )


def answered(case, executor: str, start: datetime):
    d = deps()
    _, draft_id = cases.submit_draft(
        d, who(executor), case.case_id, text="Ответ жителю", kind="final", attachments=[], now=start
    )
    cases.approve_draft(d, who("resp"), case.case_id, draft_id, start + timedelta(minutes=5))
    cases.curator_decision(
        d,
        external_id=case.message.external_id,
        event="draft_approved",
        draft_id=draft_id,
        comment="",
        now=start + timedelta(minutes=10),
        delivery_key=f"test:{uuid.uuid4().hex}",
    )
    cases.record_publication(
        d,
        who("tech"),
        case.case_id,
        url=f"{case.message.url}?reply=2",
        now=start + timedelta(minutes=15),
    )


@pytest.fixture(scope="module")
def days(aws):
    y = arrived(mon(10))
    accept(y, "housing", mon(10, 50))
    answered(y, "housing", mon(11))
    r = accept(arrived(mon(14)), "roads", mon(14, 10))
    a = accept(arrived(tue(9)), "roads", tue(9, 10))
    answered(a, "roads", tue(9, 30))
    s = arrived(tue(11), importance="high")
    return {"Y": y, "R": r, "A": a, "S": s}


@pytest.fixture
def dashboard(days, handler, api_event, lambda_context, monkeypatch):
    """`dashboard(login)`: (status, body) of GET /api/v1/dashboard at NOW."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    staff = handler("staff_api")

    def get(login: str):
        event = api_event("POST", "/api/v1/auth/login", {"login": login, "password": "demo"})
        token = json.loads(staff(event, lambda_context)["body"])["token"]
        headers = {"authorization": f"Bearer {token}"}
        answer = staff(api_event("GET", "/api/v1/dashboard", headers=headers), lambda_context)
        return answer["statusCode"], json.loads(answer["body"])

    return get


def test_the_answer_is_what_openapi_documents(dashboard):
    status, body = dashboard("head")

    assert status == 200
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    root = {"$ref": "#/components/schemas/Dashboard", "components": spec["components"]}
    validator = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(body)] == []
    assert (body["day"], body["month"]) == ("2031-04-15", "2031-04")
    assert body["generated_at"] == "2031-04-15T16:00:00+07:00"


def test_todays_breach_is_listed_by_name_in_local_time_and_yesterdays_is_not(days, dashboard):
    _, body = dashboard("head")

    listed = {(b["case_id"], b["timer"]): b for b in body["breaches"]}
    missed = listed[(days["R"].case_id, "answer_due")]
    resp_name = deps().directory.staff("resp").name
    logins = {m.login for m in deps().directory.all_staff()}
    assert resp_name in missed["officials"]
    assert not logins & set(missed["officials"])
    assert missed["departments"] == ["Дороги"]
    assert missed["recorded_at"] == "2031-04-15T15:00:00+07:00"
    assert missed["title"] == "публикация ответа (T2)"
    assert (days["S"].case_id, "triage_due") in listed

    yesterday = (days["Y"].case_id, "triage_due")
    month = {(b.case_id, b.timer) for b in build_breaches(deps(), "2031-04", NOW)}
    assert yesterday in month  # a breach of the month all the same
    assert yesterday not in listed


def test_the_significant_message_of_today_is_listed(days, dashboard):
    _, body = dashboard("resp")

    [item] = [c for c in body["significant"] if c["case_id"] == days["S"].case_id]
    assert item["significance"] == "high_importance"
    assert item["received_at"] == "2031-04-15T11:05:00+07:00"
    assert item["status"] == "received"
    others = {days[k].case_id for k in "YRA"}
    assert not others & {c["case_id"] for c in body["significant"]}
    assert body["open_by_status"]["received"] >= 1 and body["open_by_status"]["in_work"] >= 1


def test_each_department_has_its_share_of_answers_on_time(dashboard):
    _, body = dashboard("head")

    rows = {d["name"]: d for d in body["departments"]}
    fields = ("answered", "on_time", "late", "share", "in_work")
    assert tuple(rows["Дороги"][f] for f in fields) == (1, 1, 1, 0.5, 1)
    assert tuple(rows["ЖКХ"][f] for f in fields) == (1, 1, 0, 1.0, 0)


@pytest.mark.parametrize("login", ["roads", "tech"])
def test_other_roles_are_refused_in_russian(dashboard, login):
    status, body = dashboard(login)

    assert status == 403
    assert body["error"]["code"] == "forbidden"
    assert "главе района" in body["error"]["message"]
