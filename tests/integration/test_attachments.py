"""A draft's files in the attachments bucket, through the API over the embedded AWS: the browser's
presigned upload goes over real HTTP to the moto server, the checks read the stored object.

moto 5.2 does not enforce a presigned POST's policy (neither its signature nor its
`content-length-range`: `moto/s3/responses.py`, `_bucket_response_post`, stores the body as
it comes). So an oversized body is refused here by the server's own check at confirmation, which
reads the stored size with HEAD and never the body; on S3 the storage refuses it first.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import boto3
import pytest

from otklik.bootstrap import deps
from otklik.domain import files as domain_files
from otklik.domain.roles import Actor, Role
from otklik.entrypoints.schemas import MessageIn
from otklik.ports import attachment_key
from otklik.service import cases
from tests.integration.uploads import mp4, png, post_form

BARNAUL = ZoneInfo("Asia/Barnaul")
TECH = Actor("tech", Role.TECHNICAL)
MB = 1024 * 1024


def in_work(network: str = "telegram") -> str:
    """A case accepted for «Дороги»: `roads` may write its draft. Its id."""
    d = deps()
    now = datetime.now(BARNAUL)
    urls = {"telegram": "https://t.me/zudilovo_chat/{n}", "vk": "https://vk.com/wall-1_{n}"}
    body = {
        "external_id": f"att-{uuid.uuid4().hex[:12]}",
        "detected_at": now.isoformat(),
        "network": network,
        "url": urls[network].format(n=uuid.uuid4().int % 10**6),
        "author": {"id": "id1", "name": "Ирина Петрова"},
        "text": "Яма на ул. Ленина, когда засыплют?",
        "attachments": [{"type": "photo", "url": "https://sun9-1.userapi.com/yama.jpg"}],
        "topic": "Дороги",
        "importance": "medium",
        "curator": {"id": "c-1", "name": "Анна Смирнова"},
    }
    case = cases.receive_message(d, MessageIn.model_validate(body).to_domain(), now).case
    cases.triage(
        d, TECH, case.case_id, decision="accept", departments=["roads"], reason="", now=now
    )
    return case.case_id


@pytest.fixture
def api(aws, handler, api_event, lambda_context):
    """`api(login, method, path, body)` → (status, JSON body), through the handlers."""
    tokens: dict[str, str] = {}

    def call(login: str, method: str, path: str, body=None):
        if login not in tokens:
            event = api_event("POST", "/api/v1/auth/login", {"login": login, "password": "demo"})
            tokens[login] = json.loads(handler("staff_api")(event, lambda_context)["body"])["token"]
        event = api_event(method, path, body, headers={"authorization": f"Bearer {tokens[login]}"})
        answer = handler("draft_submission")(event, lambda_context)
        return answer["statusCode"], json.loads(answer["body"] or "null")

    return call


def s3():
    d = deps()
    return boto3.client("s3", region_name=d.settings.region, endpoint_url=d.settings.endpoint_url)


def exists(key: str) -> bool:
    try:
        s3().head_object(Bucket=deps().settings.attachments_bucket, Key=key)
    except s3().exceptions.ClientError:
        return False
    return True


def start(api, case_id: str, name: str, content_type: str, size: int, login: str = "roads"):
    return api(
        login,
        "POST",
        f"/api/v1/cases/{case_id}/attachments",
        {"name": name, "content_type": content_type, "size": size},
    )


def confirm(api, case_id: str, file_id: str, login: str = "roads"):
    return api(login, "POST", f"/api/v1/cases/{case_id}/attachments/{file_id}/confirm")


def uploaded(api, case_id: str, name: str, content: bytes, content_type: str) -> dict:
    status, started = start(api, case_id, name, content_type, len(content))
    assert status == 201, started
    sent, body = post_form(
        started["upload"]["url"], started["upload"]["fields"], name, content, content_type
    )
    assert 200 <= sent < 300, body
    return started


def test_the_local_run_creates_a_private_encrypted_bucket_from_the_template(aws):
    bucket = deps().settings.attachments_bucket
    assert bucket and bucket == aws.created.buckets["AttachmentsBucket"]
    client = s3()
    rules = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    [cors] = client.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert "POST" in cors["AllowedMethods"]
    assert "http://127.0.0.1:*" in cors["AllowedOrigins"]


def test_a_real_png_uploaded_with_the_presigned_form_is_accepted_and_attached(api):
    case_id = in_work()
    image = png()

    started = uploaded(api, case_id, "Яма засыпана.png", image, "image/png")
    status, body = confirm(api, case_id, started["file_id"])

    assert status == 200, body
    assert started["key"] == f"cases/{case_id}/{started['file_id']}"
    assert started["max_size"] == 10 * MB  # a Telegram photo
    fields = started["upload"]["fields"]
    assert fields["key"] == started["key"] and fields["Content-Type"] == "image/png"
    assert {"policy", "x-amz-signature", "x-amz-credential"} <= set(fields)
    policy = json.loads(__import__("base64").b64decode(fields["policy"]))
    assert ["content-length-range", 1, 10 * MB] in policy["conditions"]
    assert body["attachment"] == {
        "type": "photo",
        "url": "",
        "key": started["key"],
        "name": "Яма засыпана.png",
        "size": len(image),
        "content_type": "image/png",
    }

    status, case = api(
        "roads",
        "POST",
        f"/api/v1/cases/{case_id}/drafts",
        {
            "text": "Ирина, здравствуйте! Яму засыпали 10-го, фото прилагаем.",
            "attachments": [{"key": started["key"]}],
        },
    )
    assert status == 201, case
    [draft] = case["drafts"]
    assert draft["attachments"] == [body["attachment"]]


def test_a_video_is_recognised_by_its_first_bytes(api):
    case_id = in_work()
    started = uploaded(api, case_id, "ремонт.mp4", mp4(), "video/mp4")

    status, body = confirm(api, case_id, started["file_id"])

    assert status == 200, body
    assert (body["attachment"]["type"], body["attachment"]["content_type"]) == (
        "video",
        "video/mp4",
    )


def test_text_named_jpg_is_refused_and_deleted(api):
    case_id = in_work()
    started = uploaded(api, case_id, "фото.jpg", b"this is not a photo at all\n" * 10, "image/jpeg")
    assert exists(started["key"])

    status, body = confirm(api, case_id, started["file_id"])

    assert status == 422
    assert "не фото" in body["error"]["message"] and "удалён" in body["error"]["message"]
    assert not exists(started["key"])
    # …and it cannot be attached.
    status, body = api(
        "roads",
        "POST",
        f"/api/v1/cases/{case_id}/drafts",
        {"text": "Ответ", "attachments": [{"key": started["key"]}]},
    )
    assert status == 422


def test_a_declared_300_mb_upload_is_refused_before_anything_is_stored(api):
    case_id = in_work("vk")  # VK's video limit is the largest: 256 MB

    status, body = start(api, case_id, "ролик.mp4", "video/mp4", 300 * MB)

    assert status == 422
    assert "слишком большой" in body["error"]["message"]
    assert "256 МБ" in body["error"]["message"]
    listed = s3().list_objects_v2(
        Bucket=deps().settings.attachments_bucket, Prefix=f"cases/{case_id}/"
    )
    assert listed.get("KeyCount", 0) == 0


def test_a_type_that_is_no_photo_or_video_is_refused_at_start(api):
    status, body = start(api, in_work(), "акт.pdf", "application/pdf", 1000)
    assert status == 422 and "только фото" in body["error"]["message"]


def test_a_body_larger_than_signed_is_refused_by_the_storage_or_at_confirmation(api, monkeypatch):
    small = domain_files.Limits(networks={"default": {"photo": 1000, "video": 1000}}, per_draft=10)
    monkeypatch.setattr(domain_files.Limits, "default", classmethod(lambda cls: small))
    case_id = in_work()
    declared = 500
    status, started = start(api, case_id, "big.png", "image/png", declared)
    assert status == 201 and started["max_size"] == 1000
    body = png(200, 200) + b"\0" * 5000  # over the signed content-length-range
    assert len(body) > 1000

    sent, _ = post_form(
        started["upload"]["url"], started["upload"]["fields"], "big.png", body, "image/png"
    )
    if sent >= 400:  # S3 (and an emulator that enforces the policy): EntityTooLarge
        assert not exists(started["key"])
        return
    # moto stored it: the server's check reads the size with HEAD, never the body.
    reads = []
    store = deps().files
    original = store.read_start
    monkeypatch.setattr(store, "read_start", lambda *a, **k: reads.append(a) or original(*a, **k))
    status, answer = confirm(api, case_id, started["file_id"])
    assert status == 422 and "слишком большой" in answer["error"]["message"]
    assert reads == []
    assert not exists(started["key"])


def test_a_draft_with_a_link_or_another_cases_file_is_refused(api):
    case_id, other = in_work(), in_work()
    foreign = uploaded(api, other, "чужое.png", png(), "image/png")
    assert confirm(api, other, foreign["file_id"])[0] == 200

    for attachment in (
        {"type": "photo", "url": "https://example.org/photo.jpg"},
        {"type": "photo", "url": "http://127.0.0.1:4566/moto-api/data.json"},  # loopback
        {"type": "photo", "url": "http://10.0.0.5/photo.jpg"},  # a private address
        {"type": "photo", "url": "http://169.254.169.254/latest/meta-data/"},  # the metadata
        {"type": "photo", "url": "http://[::1]/photo.jpg"},
        {"key": foreign["key"]},
        {"key": f"cases/{case_id}/never-uploaded"},
    ):
        status, body = api(
            "roads",
            "POST",
            f"/api/v1/cases/{case_id}/drafts",
            {"text": "Ирина, здравствуйте! Ответ.", "attachments": [attachment]},
        )
        assert status == 422, (attachment, body)
        assert "attachments.0" in body["error"]["fields"]
    # Another case's file cannot be confirmed through this case either.
    assert confirm(api, case_id, foreign["file_id"])[0] == 404


def test_an_executor_of_another_department_cannot_start_an_upload(api):
    case_id = in_work()

    status, body = start(api, case_id, "фото.png", "image/png", 100, login="housing")

    assert status == 404, body
    assert deps().keys.seen(attachment_key(f"cases/{case_id}/x")) is None
