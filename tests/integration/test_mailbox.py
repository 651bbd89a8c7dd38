"""The local run's mailbox (local/mailbox.py): letters sent through SES v1 and v2 come back from
the run's own moto without its whole-state dump (slow once the tables are large), and from a moto
server started by hand through that dump."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer

from local.mailbox import letters, letters_to
from local.moto_server import MAIL_PATH
from local.run import free_port

SENDER = "otklik@otklik.local"


def send_both_ways(endpoint: str, region: str, to: str) -> tuple[str, str]:
    kwargs = {"endpoint_url": endpoint, "region_name": region}
    v1 = boto3.client("ses", **kwargs)
    v1.verify_email_identity(EmailAddress=SENDER)
    first = v1.send_email(
        Source=SENDER,
        Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": "Первое"}, "Body": {"Text": {"Data": "Текст <b>один</b>"}}},
    )["MessageId"]
    second = boto3.client("sesv2", **kwargs).send_email(
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": [to]},
        Content={"Simple": {"Subject": {"Data": "Второе"}, "Body": {"Text": {"Data": "Два"}}}},
    )["MessageId"]
    return first, second


def test_letters_come_from_the_runs_own_moto_without_its_state_dump(aws, monkeypatch):
    endpoint, region = aws.aws.endpoint_url, aws.env["AWS_REGION"]
    to = f"{uuid.uuid4().hex[:8]}@example.ru"
    first, second = send_both_ways(endpoint, region, to)
    dumps = []
    real_open = urllib.request.urlopen

    def watched(url, *args, **kwargs):
        if "/moto-api/data.json" in str(url):
            dumps.append(url)
        return real_open(url, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", watched)

    mine = letters_to(endpoint, to)

    assert [(m["id"], m["subject"], m["source"]) for m in mine] == [
        (first, "Первое", SENDER),
        (second, "Второе", SENDER),
    ]
    assert mine[0]["body"] == "Текст <b>один</b>"
    assert mine[1]["destinations"]["ToAddresses"] == [to]
    assert dumps == []
    assert {m["id"] for m in letters(endpoint)} >= {first, second}


def test_a_moto_server_started_by_hand_still_shows_its_letters():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server._port}"
    try:
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(endpoint + MAIL_PATH, timeout=10)
        assert missing.value.code == 404
        to = f"{uuid.uuid4().hex[:8]}@example.ru"
        first, second = send_both_ways(endpoint, "eu-central-1", to)

        assert [m["id"] for m in letters_to(endpoint, to)] == [first, second]
    finally:
        server.stop()
