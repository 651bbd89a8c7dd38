"""The network adapters over real HTTP against local fakes of VK, Telegram and Odnoklassniki
(tests/fakes/, built from each API's public documentation), and the PublishingFunction that
drives them against the embedded AWS: the reply in the same thread, the fallback on the
administration's own page, photos, rate limits and retries, a permanent failure told to the
technical executor within T6, and the proof of publication on the case.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import pytest
import yaml
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from local.cfn import load
from otklik import bootstrap
from otklik.adapters.publishers import build_publishers
from otklik.adapters.publishers.ok import OkPublisher, parse_ok_url, signature
from otklik.adapters.publishers.telegram import TelegramPublisher, parse_telegram_url
from otklik.adapters.publishers.vk import VkPublisher, parse_vk_url, vk_mention
from otklik.bootstrap import deps
from otklik.config import ChannelSettings
from otklik.domain.roles import Actor, Role
from otklik.domain.states import DraftKind
from otklik.domain.values import Attachment, Author, Curator, Draft, Message
from otklik.entrypoints.schemas import MessageIn
from otklik.httpclient import (
    Budget,
    HttpClient,
    PermanentError,
    TemporaryError,
    retry_after_seconds,
    with_retries,
)
from otklik.service import cases
from otklik.service.publishing import Delivery, RetryLater, publish_approved
from tests.fakes.ok import FakeOK
from tests.fakes.server import JPEG, Reply
from tests.fakes.telegram import Chat, FakeTelegram
from tests.fakes.vk import FakeVK
from tests.integration.mail import sent_to
from tests.integration.uploads import png, upload_confirmed

BARNAUL = ZoneInfo("Asia/Barnaul")
ROOT = Path(__file__).resolve().parents[2]
ANSWER = (
    "Ирина, здравствуйте! Ремонт участка ул. Ленина запланирован на май, подрядчик определён. "
    "Спасибо, что сообщили."
)


class Sleeps(list):
    """A stand-in for time.sleep that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def budget(seconds: float = 30.0) -> tuple[Budget, Sleeps]:
    sleeps = Sleeps()
    return Budget(seconds, sleep=sleeps), sleeps


def message(url: str, *, network: str = "vk", author_id: str = "id1") -> Message:
    return Message(
        external_id=f"im-{uuid.uuid4().hex[:8]}",
        detected_at=datetime(2026, 2, 9, 10, 0, tzinfo=BARNAUL),
        network=network,
        url=url,
        author=Author(author_id, "Ирина Петрова", f"https://vk.com/{author_id}"),
        text="Когда отремонтируют дорогу на ул. Ленина?",
        topic="Дороги",
        location="с. Зудилово",
        importance="high",
        curator=Curator("c-1", "Анна Смирнова"),
    )


def draft(*attachments: Attachment, text: str = ANSWER) -> Draft:
    return Draft(
        draft_id=uuid.uuid4().hex,
        kind=DraftKind.FINAL,
        text=text,
        author="roads",
        created_at=datetime(2026, 2, 9, 11, 0, tzinfo=BARNAUL),
        attachments=tuple(attachments),
    )


# The fakes answer on loopback over http, which the real guard refuses
# (tests/integration/test_httpclient.py tests it).
HTTP = HttpClient(timeout=5)


class MemoryFiles:
    """`otklik.ports.FileStore`'s reading side in memory: the attachments bucket as the
    publishers see it (the function's tests below use the real bucket on moto)."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.reads: list[str] = []

    def put(self, name: str, content: bytes = JPEG, *, kind: str = "photo") -> Attachment:
        key = f"cases/test/{uuid.uuid4().hex}"
        self.data[key] = content
        types = {"photo": "image/jpeg", "video": "video/mp4"}
        return Attachment(kind, key=key, name=name, size=len(content), content_type=types[kind])

    def read(self, key: str, *, limit: int) -> bytes:
        self.reads.append(key)
        return self.data[key]


FILES = MemoryFiles()


# -- the shared helper ------------------------------------------------------------------------


def test_retry_after_is_read_as_seconds_or_an_http_date():
    now = datetime(2026, 2, 9, 10, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds("Mon, 09 Feb 2026 10:00:30 GMT", now=now) == 30
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None


def test_retries_wait_what_the_other_side_asked_then_give_up_past_the_budget():
    calls = []

    def flaky():
        calls.append(1)
        raise TemporaryError("busy", retry_after=3)

    b, sleeps = budget(7)
    with pytest.raises(TemporaryError):
        with_retries(flaky, b, attempts=5)
    assert sleeps == [3, 3]  # a third wait of 3 s would pass the 7 s budget
    assert len(calls) == 3


# -- VK ---------------------------------------------------------------------------------------


@pytest.fixture
def vk():
    with FakeVK() as fake:
        yield fake


def vk_publisher(fake: FakeVK, **overrides) -> VkPublisher:
    return VkPublisher(
        access_token=overrides.get("token", fake.token),
        group_id=str(fake.group_id),
        http=HTTP,
        api_url=f"{fake.url}/method",
        files=FILES,
    )


@pytest.mark.parametrize(
    ("url", "kind", "owner", "item", "reply_to", "thread"),
    [
        ("https://vk.com/wall-170171414_52107", "wall", -170171414, 52107, None, None),
        ("https://vk.com/wall-1_2?reply=3", "wall", -1, 2, 3, None),
        ("https://vk.com/wall-1_2?reply=5&thread=3", "wall", -1, 2, 5, 3),
        ("https://vk.com/zudilovo?w=wall-1_2", "wall", -1, 2, None, None),
        ("https://m.vk.com/wall123_45", "wall", 123, 45, None, None),
        ("https://vk.com/topic-1_2?post=3", "board", -1, 2, 3, None),
    ],
)
def test_vk_links_name_their_thread(url, kind, owner, item, reply_to, thread):
    target = parse_vk_url(url)
    assert (target.kind, target.owner_id, target.item_id) == (kind, owner, item)
    assert (target.reply_to, target.thread) == (reply_to, thread)


def test_vk_links_elsewhere_name_no_thread():
    assert parse_vk_url("https://example.org/wall-1_2") is None
    assert parse_vk_url("https://vk.com/zudilovo") is None


def test_vk_mentions_use_the_markup_of_their_kind():
    assert vk_mention(Author("id1", "Ирина")) == "[id1|Ирина]"
    assert vk_mention(Author("123", "Ирина")) == "[id123|Ирина]"
    assert vk_mention(Author("-5", "ТОС [Центр]")) == "[club5|ТОС Центр]"
    assert vk_mention(Author("ivan_p", "Иван")) == "[ivan_p|Иван]"
    assert vk_mention(Author("", "Иван", "https://vk.com/ivan.p")) == "[ivan.p|Иван]"


def test_vk_answer_goes_as_the_communitys_reply_to_the_comment_with_its_photo(vk):
    vk.add_post(-170171414, 52107, comments=[52110])
    photo = FILES.put("yama-fixed.jpg", b"\xff\xd8 a photo of the repaired road")
    # A link of a draft stored before files were kept: shown as a link, never fetched.
    answer = draft(photo, Attachment("video", "https://vk.com/video-1_2"))

    published = vk_publisher(vk).publish(
        message("https://vk.com/wall-170171414_52107?reply=52110"), answer, budget=budget()[0]
    )

    comment = vk.method_calls("wall.createComment")[0]
    assert comment["owner_id"] == "-170171414" and comment["post_id"] == "52107"
    assert comment["reply_to_comment"] == "52110"
    assert comment["from_group"] == str(vk.group_id)
    assert comment["message"].startswith("[id1|Ирина Петрова], Ирина, здравствуйте!")
    assert comment["message"].endswith("https://vk.com/video-1_2")  # an old link: as a link
    assert comment["guid"] == answer.draft_id
    assert (comment["v"], comment["access_token"]) == ("5.199", vk.token)
    [saved] = vk.saved_photos
    assert comment["attachments"] == f"photo{saved['owner_id']}_{saved['id']}"
    assert list(vk.uploads.values()) == [b"\xff\xd8 a photo of the repaired road"]
    assert photo.key in FILES.reads  # the bytes came from the bucket
    upload = vk.calls("/upload/wall")[0]
    assert upload.files["photo"][0] == "yama-fixed.jpg"
    comment_id = int(published.receipt.response_id)
    assert published.url == f"https://vk.com/wall-170171414_52107?reply={comment_id}&thread=52110"
    assert (published.receipt.method, published.receipt.in_thread) == ("wall.createComment", True)
    assert vk.walls[(-170171414, 52107)].comments[comment_id]["reply_to_comment"] == 52110


def test_vk_answer_to_a_board_topic_goes_to_that_topic(vk):
    vk.add_topic(170171414, 39)

    published = vk_publisher(vk).publish(
        message("https://vk.com/topic-170171414_39?post=7"), draft(), budget=budget()[0]
    )

    [call] = vk.method_calls("board.createComment")
    assert (call["group_id"], call["topic_id"], call["from_group"]) == ("170171414", "39", "1")
    assert call["message"].startswith("[id1|Ирина Петрова], ")
    assert (
        published.url == f"https://vk.com/topic-170171414_39?post={published.receipt.response_id}"
    )


@pytest.mark.parametrize("closed_with", [212, 213])
def test_vk_closed_comments_fall_back_to_a_post_on_the_administrations_wall(vk, closed_with):
    vk.add_post(-42, 7, closed_with=closed_with)
    photo = FILES.put("proof.jpg")
    post_url = "https://vk.com/wall-42_7"

    published = vk_publisher(vk).publish(
        message(post_url, author_id="id777"), draft(photo), budget=budget()[0]
    )

    [post] = vk.own_posts
    assert post["owner_id"] == f"-{vk.group_id}" and post["from_group"] == "1"
    assert post["message"].startswith("[id777|Ирина Петрова], Ирина, здравствуйте!")
    assert post["message"].endswith(f"Ответ на сообщение: {post_url}")
    assert post["attachments"].startswith("photo-")
    assert published.url == f"https://vk.com/wall-{vk.group_id}_{post['id']}"
    assert published.receipt.in_thread is False
    assert published.receipt.method == "wall.post"
    assert published.receipt.text == post["message"]


def test_vk_a_link_without_a_thread_is_answered_on_the_administrations_wall(vk):
    published = vk_publisher(vk).publish(
        message("https://vk.com/zudilovo"), draft(), budget=budget()[0]
    )
    assert published.receipt.in_thread is False and len(vk.own_posts) == 1


def test_vk_too_many_requests_and_flood_control_are_retried_with_backoff(vk, monkeypatch):
    import random

    monkeypatch.setattr(random, "random", lambda: 0.0)  # no jitter: the backoff is exact
    vk.add_post(-1, 2)
    vk.fail_with(6, method="wall.createComment", times=2)  # Too many requests per second
    vk.fail_with(9, method="wall.createComment")  # Flood control
    b, sleeps = budget()

    published = vk_publisher(vk).publish(message("https://vk.com/wall-1_2"), draft(), budget=b)

    assert published.receipt.in_thread is True
    assert len(vk.method_calls("wall.createComment")) == 4
    assert sleeps[:2] == [1.0, 1.0]  # error 6: the next second
    assert sleeps[2] == 2.0  # error 9, third attempt: 0.5 s doubled twice


def test_vk_a_rate_limit_that_outlasts_the_budget_is_left_to_the_queue(vk):
    vk.add_post(-1, 2)
    vk.fail_with(6, times=10)

    with pytest.raises(TemporaryError) as raised:
        vk_publisher(vk).publish(message("https://vk.com/wall-1_2"), draft(), budget=budget(0)[0])

    assert raised.value.retry_after == 1.0 and raised.value.code == 6


def test_vk_server_errors_are_retried(vk):
    vk.add_post(-1, 2)
    vk.fail_next(lambda r: Reply(502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"}))

    published = vk_publisher(vk).publish(
        message("https://vk.com/wall-1_2"), draft(), budget=budget()[0]
    )

    assert published.receipt.method == "wall.createComment"


def test_vk_a_revoked_token_is_a_permanent_failure_that_says_what_to_do(vk):
    vk.add_post(-1, 2)

    with pytest.raises(PermanentError) as raised:
        vk_publisher(vk, token="revoked").publish(
            message("https://vk.com/wall-1_2"), draft(), budget=budget()[0]
        )

    assert raised.value.code == 5
    assert "VK_ACCESS_TOKEN" in raised.value.reason
    assert len(vk.requests) == 1  # not retried


def test_vk_a_repeated_delivery_does_not_comment_twice(vk):
    vk.add_post(-1, 2)
    answer = draft()
    publisher = vk_publisher(vk)

    first = publisher.publish(message("https://vk.com/wall-1_2"), answer, budget=budget()[0])
    again = publisher.publish(message("https://vk.com/wall-1_2"), answer, budget=budget()[0])

    assert first.url == again.url  # VK's guid: "to avoid repeated comments"
    assert len(vk.walls[(-1, 2)].comments) == 1


# -- Telegram -------------------------------------------------------------------------------------


@pytest.fixture
def tg():
    with FakeTelegram() as fake:
        yield fake


def tg_publisher(fake: FakeTelegram, *, token: str | None = None, fallback: str | None = None):
    return TelegramPublisher(
        bot_token=token or fake.token,
        http=HTTP,
        api_url=fake.url,
        fallback_chat_id=fallback,
        files=FILES,
    )


@pytest.mark.parametrize(
    ("url", "chat", "message_id", "thread", "comment_of"),
    [
        ("https://t.me/zudilovo_chat/123", "@zudilovo_chat", 123, None, None),
        ("https://t.me/zudilovo_chat/7/123", "@zudilovo_chat", 123, 7, None),
        ("https://t.me/c/1987654321/45", -1001987654321, 45, None, None),
        ("https://t.me/c/1987654321/3/45", -1001987654321, 45, 3, None),
        ("https://t.me/pervomaisky_news/10?comment=77", "@pervomaisky_news", 77, None, 10),
        ("https://t.me/s/pervomaisky_news/10", "@pervomaisky_news", 10, None, None),
    ],
)
def test_telegram_links_name_their_chat_and_message(url, chat, message_id, thread, comment_of):
    target = parse_telegram_url(url)
    assert (target.chat, target.message_id, target.thread_id) == (chat, message_id, thread)
    assert target.comment_of == comment_of


def test_telegram_links_elsewhere_name_no_message():
    assert parse_telegram_url("https://t.me/zudilovo_chat") is None
    assert parse_telegram_url("https://vk.com/wall-1_2") is None


def test_telegram_answer_is_a_reply_to_the_message(tg):
    tg.add_chat(Chat(-100555, username="zudilovo_chat"), 123)

    published = tg_publisher(tg).publish(
        message("https://t.me/zudilovo_chat/123", network="telegram"), draft(), budget=budget()[0]
    )

    [(method, payload)] = tg.sent()
    assert method == "sendMessage"
    assert payload == {
        "chat_id": "@zudilovo_chat",
        "reply_parameters": {"message_id": 123},
        "text": ANSWER,
    }
    assert published.url == f"https://t.me/zudilovo_chat/{published.receipt.response_id}"
    assert published.receipt.in_thread is True


def test_telegram_answer_in_a_private_forum_topic_keeps_the_topic(tg):
    tg.add_chat(Chat(-1001987654321), 45)

    published = tg_publisher(tg).publish(
        message("https://t.me/c/1987654321/3/45", network="telegram"), draft(), budget=budget()[0]
    )

    payload = tg.sent("sendMessage")[0][1]
    assert (payload["chat_id"], payload["message_thread_id"]) == (-1001987654321, 3)
    assert published.url == f"https://t.me/c/1987654321/{published.receipt.response_id}"


def test_telegram_comment_under_a_channel_post_is_answered_in_its_discussion_group(tg):
    tg.add_chat(Chat(-1001, type="channel", username="pervomaisky_news", linked_chat_id=-1002))
    tg.add_chat(Chat(-1002, title="Обсуждение"), 77)

    published = tg_publisher(tg).publish(
        message("https://t.me/pervomaisky_news/10?comment=77", network="telegram"),
        draft(),
        budget=budget()[0],
    )

    assert [m for m, _ in tg.sent()] == ["getChat", "sendMessage"]
    assert tg.sent("sendMessage")[0][1]["chat_id"] == -1002
    assert published.url == (
        f"https://t.me/pervomaisky_news/10?comment={published.receipt.response_id}"
    )


def test_telegram_photos_go_with_the_answer(tg):
    tg.add_chat(Chat(-100555, username="zudilovo_chat"), 123)
    one = FILES.put("1.jpg", JPEG + b"one")
    two = FILES.put("2.mp4", b"\x00\x00\x00\x18ftypmp42 two", kind="video")
    url = "https://t.me/zudilovo_chat/123"

    single = tg_publisher(tg).publish(
        message(url, network="telegram"), draft(one), budget=budget()[0]
    )
    album = tg_publisher(tg).publish(
        message(url, network="telegram"), draft(one, two), budget=budget()[0]
    )

    # The bytes from the bucket are uploaded (multipart): Telegram never gets a link of ours.
    photo = tg.sent("sendPhoto")[0][1]
    assert photo["caption"] == ANSWER and "photo" not in photo
    assert json.loads(photo["reply_parameters"]) == {"message_id": 123}
    media = json.loads(tg.sent("sendMediaGroup")[0][1]["media"])
    assert media == [
        {"type": "photo", "media": "attach://file1", "caption": ANSWER},
        {"type": "video", "media": "attach://file2"},
    ]
    assert tg.uploads == [
        ("photo", "1.jpg", JPEG + b"one"),
        ("file1", "1.jpg", JPEG + b"one"),
        ("file2", "2.mp4", b"\x00\x00\x00\x18ftypmp42 two"),
    ]
    assert (single.receipt.method, album.receipt.method) == ("sendPhoto", "sendMediaGroup")


def test_telegram_a_long_answer_is_sent_as_text_and_its_photos_follow_as_a_reply(tg):
    tg.add_chat(Chat(-100555, username="zudilovo_chat"), 123)
    long_text = "Подробный ответ. " * 80  # over the 1024-character caption

    published = tg_publisher(tg).publish(
        message("https://t.me/zudilovo_chat/123", network="telegram"),
        draft(FILES.put("1.jpg"), text=long_text.strip()),
        budget=budget()[0],
    )

    assert [m for m, _ in tg.sent()] == ["sendMessage", "sendPhoto"]
    photo = tg.sent("sendPhoto")[0][1]
    assert json.loads(photo["reply_parameters"]) == {
        "message_id": int(published.receipt.response_id)
    }


def test_telegram_flood_control_waits_the_retry_after_it_names(tg):
    tg.add_chat(Chat(-100555, username="zudilovo_chat"), 123)
    tg.flood(retry_after=3)
    b, sleeps = budget()

    tg_publisher(tg).publish(
        message("https://t.me/zudilovo_chat/123", network="telegram"), draft(), budget=b
    )

    assert sleeps == [3.0]
    assert len(tg.sent("sendMessage")) == 2


def test_telegram_a_long_flood_wait_is_left_to_the_queue_with_its_retry_after(tg):
    tg.add_chat(Chat(-100555, username="zudilovo_chat"), 123)
    tg.flood(retry_after=35)

    with pytest.raises(TemporaryError) as raised:
        tg_publisher(tg).publish(
            message("https://t.me/zudilovo_chat/123", network="telegram"),
            draft(),
            budget=budget(10)[0],
        )

    assert (raised.value.retry_after, raised.value.code) == (35, 429)


def test_telegram_a_group_turned_supergroup_is_followed(tg):
    tg.add_chat(Chat(-100555, type="group", migrated_to=-100777), 5)
    tg.add_chat(Chat(-100777), 5)

    published = tg_publisher(tg).publish(
        message("https://t.me/c/555/5", network="telegram"), draft(), budget=budget()[0]
    )

    assert [p["chat_id"] for _, p in tg.sent("sendMessage")] == [-100555, -100777]
    assert published.url == f"https://t.me/c/777/{published.receipt.response_id}"


def test_telegram_without_access_to_the_chat_the_answer_goes_to_the_own_channel(tg):
    tg.add_chat(Chat(-100555, username="closed_chat", member=False), 123)
    tg.add_chat(Chat(-100999, type="channel", username="pervomaisky_admin"))
    url = "https://t.me/closed_chat/123"

    published = tg_publisher(tg, fallback="@pervomaisky_admin").publish(
        message(url, network="telegram"), draft(), budget=budget()[0]
    )

    posted = tg.sent("sendMessage")[-1][1]
    assert posted["chat_id"] == "@pervomaisky_admin" and "reply_parameters" not in posted
    assert posted["text"].startswith("Ирина Петрова (https://vk.com/id1), Ирина, здравствуйте!")
    assert posted["text"].endswith(f"Ответ на сообщение: {url}")
    assert published.url == f"https://t.me/pervomaisky_admin/{published.receipt.response_id}"
    assert published.receipt.in_thread is False


def test_telegram_a_deleted_message_without_an_own_channel_is_a_permanent_failure(tg):
    tg.add_chat(Chat(-100555, username="zudilovo_chat"))  # message 123 is gone

    with pytest.raises(PermanentError) as raised:
        tg_publisher(tg).publish(
            message("https://t.me/zudilovo_chat/123", network="telegram"),
            draft(),
            budget=budget()[0],
        )

    assert "message to be replied not found" in raised.value.reason
    assert "TELEGRAM_FALLBACK_CHAT_ID" in raised.value.reason


def test_telegram_a_wrong_token_is_permanent(tg):
    tg.add_chat(Chat(-100555, username="zudilovo_chat"), 123)

    with pytest.raises(PermanentError) as raised:
        tg_publisher(tg, token="1:wrong").publish(
            message("https://t.me/zudilovo_chat/123", network="telegram"),
            draft(),
            budget=budget()[0],
        )

    assert raised.value.code == 401 and "TELEGRAM_BOT_TOKEN" in raised.value.reason
    assert "1:wrong" not in raised.value.reason  # the token never shows in a reason


def test_telegram_an_answer_over_the_message_limit_is_refused_before_sending(tg):
    with pytest.raises(PermanentError):
        tg_publisher(tg).publish(
            message("https://t.me/zudilovo_chat/123", network="telegram"),
            draft(text="а" * 4097),
            budget=budget()[0],
        )
    assert tg.requests == []


# -- Odnoklassniki ----------------------------------------------------------------------------


@pytest.fixture
def ok():
    with FakeOK() as fake:
        yield fake


def ok_publisher(fake: FakeOK, *, secret: str | None = None, token: str | None = None):
    return OkPublisher(
        access_token=token or fake.access_token,
        application_key=fake.application_key,
        application_secret_key=secret or fake.secret_key,
        group_id=fake.group_id,
        http=HTTP,
        api_url=f"{fake.url}/fb.do",
        files=FILES,
    )


def test_ok_signature_matches_the_published_example():
    # The server-server example of the aiookru client's documentation (konstantintogoi.github.io
    # /aiookru/api): secret b1a2b897... = MD5(access_token + application_secret_key).
    sig = signature(
        {"application_key": "ABCDEFGHIGKLMNOPK", "format": "json", "method": "events.get"},
        "-s-84W-s3egarWUsbkq-IWTucuedzTKT8VUXIA.s4Xx8IW7",
        "ABC123DEF456GHI789JKL123",
    )
    assert sig == "232c8eb921951c4dba9b72606f9ddb4c"


@pytest.mark.parametrize(
    ("url", "entity_type", "entity_id"),
    [
        (
            "https://ok.ru/group/53038939046008/topic/154033475270516",
            "GROUP_TOPIC",
            "154033475270516",
        ),
        ("https://ok.ru/pervomaisky/topic/154033475270516", "GROUP_TOPIC", "154033475270516"),
        ("https://ok.ru/profile/57512345678/statuses/154212345678", "USER_STATUS", "154212345678"),
    ],
)
def test_ok_links_name_their_discussion(url, entity_type, entity_id):
    target = parse_ok_url(url)
    assert (target.entity_type, target.entity_id) == (entity_type, entity_id)


def test_ok_answer_is_the_groups_official_comment_in_the_topic(ok):
    ok.add_topic("154033475270516")
    url = "https://ok.ru/group/53038939046008/topic/154033475270516"
    photo = Attachment("photo", "https://files.example.org/road.jpg")  # an old draft's link

    published = ok_publisher(ok).publish(
        message(url, network="ok"), draft(photo), budget=budget()[0]
    )

    [call] = ok.method_calls("discussions.addDiscussionComment")
    assert (call["entityId"], call["entityType"], call["as_admin"]) == (
        "154033475270516",
        "GROUP_TOPIC",
        "true",
    )
    assert call["comment"] == f"{ANSWER}\n{photo.url}"  # a link stays a link, never fetched
    assert call["format"] == "json" and call["application_key"] == ok.application_key
    [comment] = ok.topics["154033475270516"].comments
    assert comment["as_admin"] is True
    assert (published.url, published.receipt.response_id) == (url, comment["id"])


def test_ok_a_closed_topic_falls_back_to_a_topic_in_the_administrations_group(ok):
    ok.add_topic("111", closed=True)
    url = "https://ok.ru/group/1/topic/111"

    published = ok_publisher(ok).publish(message(url, network="ok"), draft(), budget=budget()[0])

    [topic] = ok.posted_topics
    media = topic["attachment"]["media"]
    assert media[0]["text"].endswith(f"Ответ на сообщение: {url}")
    assert media[1] == {"type": "link", "url": url}
    assert published.url == f"https://ok.ru/group/{ok.group_id}/topic/{topic['id']}"
    assert (published.receipt.method, published.receipt.in_thread) == ("mediatopic.post", False)


def test_ok_a_link_naming_no_topic_is_answered_in_the_administrations_group_with_its_photos(ok):
    url = "https://ok.ru/zudilovo"  # no topic to comment on
    one = FILES.put("1.jpg", JPEG + b"1")
    two = FILES.put("2.jpg", JPEG + b"2")

    published = ok_publisher(ok).publish(
        message(url, network="ok"), draft(one, two), budget=budget()[0]
    )

    [upload] = ok.calls("/upload/photos")
    assert sorted(upload.files) == ["pic1", "pic2"]
    assert [upload.files[p][1] for p in ("pic1", "pic2")] == [JPEG + b"1", JPEG + b"2"]
    [topic] = ok.posted_topics
    media = topic["attachment"]["media"]
    assert media[0]["type"] == "text"
    assert media[0]["text"].startswith("Ирина Петрова, Ирина, здравствуйте!")
    assert media[0]["text"].endswith(f"Ответ на сообщение: {url}")
    assert media[1] == {"type": "link", "url": url}
    assert [p["id"] in ok.photo_tokens for p in media[2]["list"]] == [True, True]
    assert topic["attachment"]["onBehalfOfGroup"] == "true"
    assert published.url == f"https://ok.ru/group/{ok.group_id}/topic/{topic['id']}"
    assert (published.receipt.method, published.receipt.in_thread) == ("mediatopic.post", False)


def test_ok_photos_of_a_comment_are_left_to_a_person_not_dropped_or_linked(ok):
    ok.add_topic("222")

    with pytest.raises(PermanentError, match="вручную"):
        ok_publisher(ok).publish(
            message("https://ok.ru/group/1/topic/222", network="ok"),
            draft(FILES.put("1.jpg")),
            budget=budget()[0],
        )
    assert ok.method_calls("discussions.addDiscussionComment") == []


def test_vk_does_not_post_an_answer_without_its_video(vk):
    vk.add_post(-170171414, 52107)

    with pytest.raises(PermanentError, match="видео"):
        vk_publisher(vk).publish(
            message("https://vk.com/wall-170171414_52107"),
            draft(FILES.put("clip.mp4", b"\x00\x00\x00\x18ftypmp42", kind="video")),
            budget=budget()[0],
        )
    assert vk.method_calls("wall.createComment") == []


def test_ok_flood_and_service_errors_are_retried(ok):
    ok.add_topic("111")
    ok.fail_with(8)  # FLOOD_BLOCKED
    ok.fail_with(2)  # SERVICE
    b, sleeps = budget()

    ok_publisher(ok).publish(
        message("https://ok.ru/group/1/topic/111", network="ok"), draft(), budget=b
    )

    assert len(sleeps) == 2
    assert len(ok.topics["111"].comments) == 1


@pytest.mark.parametrize(
    ("override", "code", "hint"),
    [
        ({"secret": "wrong-secret"}, 104, "OK_APPLICATION_SECRET_KEY"),
        ({"token": "expired"}, 102, "OK_ACCESS_TOKEN"),
    ],
)
def test_ok_bad_credentials_are_permanent(ok, override, code, hint):
    ok.add_topic("111")

    with pytest.raises(PermanentError) as raised:
        ok_publisher(ok, **override).publish(
            message("https://ok.ru/group/1/topic/111", network="ok"), draft(), budget=budget()[0]
        )

    assert raised.value.code == code and hint in raised.value.reason
    assert len(ok.requests) == 1


# -- which adapters exist --------------------------------------------------------------------


def channels(**env) -> ChannelSettings:
    base = {f: None for f in ChannelSettings.__dataclass_fields__}
    base.update(
        vk_api_url="https://api.vk.com/method",
        vk_api_version="5.199",
        telegram_api_url="https://api.telegram.org",
        ok_api_url="https://api.ok.ru/fb.do",
        http_timeout_seconds=8.0,
        retry_budget_seconds=8.0,
        publishing_max_receives=5,
        publishing_handover_minutes=10,
    )
    base.update(env)
    return ChannelSettings(**base)


def test_without_tokens_every_network_is_published_by_hand():
    assert build_publishers(channels()) == {}


def test_each_network_gets_its_adapter_only_with_all_its_credentials():
    found = build_publishers(
        channels(
            vk_access_token="t",
            vk_group_id="1",
            telegram_bot_token="1:x",
            ok_access_token="t",
            ok_application_key="k",  # no secret key, no group: OK stays manual
        )
    )
    assert sorted(found) == ["telegram", "vk"]
    assert build_publishers(channels(vk_access_token="t")) == {}  # a token without a group


def test_channel_settings_read_their_environment(monkeypatch):
    monkeypatch.setenv("VK_ACCESS_TOKEN", " vk1.a.token ")
    monkeypatch.setenv("VK_GROUP_ID", "170171414")
    monkeypatch.setenv("PUBLISHING_MAX_RECEIVES", "4")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    settings = ChannelSettings.from_env()
    assert (settings.vk_access_token, settings.vk_configured) == ("vk1.a.token", True)
    assert settings.telegram_configured is False
    assert settings.publishing_max_receives == 4
    assert settings.handover == timedelta(minutes=10)


# -- the PublishingFunction against the embedded AWS ------------------------------------------

STAFF = {
    "tech": Actor("tech", Role.TECHNICAL),
    "resp": Actor("resp", Role.RESPONSIBLE),
    "roads": Actor("roads", Role.EXECUTOR, department="roads"),
}


def approved_case(url: str, network: str, *, files=(), now: datetime | None = None):
    """A case the curator approved just now (or at `now`): (case id, draft id). `files`:
    (name, bytes, content type) uploaded to the attachments bucket and attached to the draft."""
    d = deps()
    now = now or datetime.now(BARNAUL)
    body = {
        "external_id": f"pub-{uuid.uuid4().hex[:12]}",
        "detected_at": now.isoformat(),
        "network": network,
        "url": url,
        "author": {"id": "id1", "name": "Ирина Петрова", "url": "https://vk.com/id1"},
        "text": "Когда отремонтируют дорогу на ул. Ленина? Ямы по колено.",
        "attachments": [{"type": "photo", "url": "https://sun9-1.userapi.com/yama.jpg"}],
        "topic": "Дороги",
        "location": "с. Зудилово",
        "importance": "medium",
        "curator": {"id": "c-1", "name": "Анна Смирнова"},
    }
    message_in = MessageIn.model_validate(body)
    case = cases.receive_message(d, message_in.to_domain(), now).case
    cases.triage(
        d,
        STAFF["tech"],
        case.case_id,
        decision="accept",
        departments=["roads"],
        reason="",
        now=now,
    )
    attachments = [
        upload_confirmed(d, STAFF["roads"], case.case_id, name, content, content_type)
        for name, content, content_type in files
    ]
    _, draft_id = cases.submit_draft(
        d,
        STAFF["roads"],
        case.case_id,
        text=ANSWER,
        kind="final",
        attachments=attachments,
        now=now,
    )
    cases.approve_draft(d, STAFF["resp"], case.case_id, draft_id, now)
    cases.curator_decision(
        d,
        external_id=body["external_id"],
        event="draft_approved",
        draft_id=draft_id,
        comment="",
        now=now,
        delivery_key=f"callback:{uuid.uuid4().hex}",
    )
    return case.case_id, draft_id


def sqs_event(case_id: str, draft_id: str, *, receive_count: int = 1, message: dict | None = None):
    body = {"message_id": uuid.uuid4().hex, "case_id": case_id, "draft_id": draft_id}
    record = message or {
        "MessageId": body["message_id"],
        "ReceiptHandle": "",
        "Body": body,
        "Attributes": {"ApproximateReceiveCount": str(receive_count)},
    }
    payload = record["Body"] if isinstance(record["Body"], str) else json.dumps(record["Body"])
    return {
        "Records": [
            {
                "messageId": record["MessageId"],
                "receiptHandle": record["ReceiptHandle"],
                "body": payload,
                "attributes": {
                    "SentTimestamp": "0",
                    "SenderId": "test",
                    "ApproximateFirstReceiveTimestamp": "0",
                    **record["Attributes"],
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-central-1:123456789012:publishing",
                "awsRegion": "eu-central-1",
            }
        ]
    }


def failed(handler, event: dict, context) -> list[str]:
    """The message ids the PublishingFunction handed back to the queue. Powertools raises when
    every record of a batch failed (Lambda then returns the whole batch): all of them."""
    try:
        answer = handler("publishing")(event, context)
    except BatchProcessingError:
        return [r["messageId"] for r in event["Records"]]
    return [f["itemIdentifier"] for f in answer["batchItemFailures"]]


@pytest.fixture
def vk_env(aws, monkeypatch):
    with FakeVK() as fake:
        monkeypatch.setenv("VK_ACCESS_TOKEN", fake.token)
        monkeypatch.setenv("VK_GROUP_ID", str(fake.group_id))
        monkeypatch.setenv("VK_API_URL", f"{fake.url}/method")
        yield fake


@pytest.fixture
def tg_env(aws, monkeypatch):
    with FakeTelegram() as fake:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
        monkeypatch.setenv("TELEGRAM_API_URL", fake.url)
        yield fake


def test_the_function_posts_the_answer_and_keeps_the_proof_with_the_case(
    vk_env, handler, api_event, lambda_context, monkeypatch
):
    # Nothing is fetched but the network's API: a GET of any other address fails the test.
    request = HttpClient.request

    def api_only(self, method, url, **kwargs):
        assert method != "GET" or url.startswith(vk_env.url), f"fetched {url}"
        return request(self, method, url, **kwargs)

    monkeypatch.setattr(HttpClient, "request", api_only)
    post = uuid.uuid4().int % 10**6
    vk_env.add_post(-170171414, post, comments=[post + 3])
    image = png(3, 3)
    url = f"https://vk.com/wall-170171414_{post}?reply={post + 3}"
    case_id, draft_id = approved_case(url, "vk", files=[("fixed.png", image, "image/png")])

    answer = handler("publishing")(sqs_event(case_id, draft_id), lambda_context)

    assert answer == {"batchItemFailures": []}
    case = deps().store().get(case_id)
    [comment_id] = vk_env.walls[(-170171414, post)].comments.keys() - {post + 3}
    link = f"https://vk.com/wall-170171414_{post}?reply={comment_id}&thread={post + 3}"
    assert case.status.value == "answered"
    assert case.drafts[-1].published_url == link
    assert case.timers["publish_due"].outcome.value == "met"
    [proof] = case.publications
    assert (proof.by, proof.url, proof.response_id) == ("system", link, str(comment_id))
    assert (proof.method, proof.in_thread) == ("wall.createComment", True)
    assert proof.text.startswith("[id1|Ирина Петрова], Ирина, здравствуйте!")
    [attached] = proof.attachments
    assert (attached.type, attached.name, attached.size) == ("photo", "fixed.png", len(image))
    assert attached.key.startswith(f"cases/{case_id}/") and attached.url == ""
    # The network got the bytes read from the bucket.
    assert list(vk_env.uploads.values()) == [image]
    assert proof.original.url == url
    assert proof.original.text.startswith("Когда отремонтируют дорогу")
    assert proof.original.attachments[0].url == "https://sun9-1.userapi.com/yama.jpg"
    assert case.timeline[-1].action == "published" and case.timeline[-1].actor == "system"

    # The case view shows the proof, in the officials' time zone.
    login = api_event("POST", "/api/v1/auth/login", {"login": "tech", "password": "demo"})
    token = json.loads(handler("staff_api")(login, lambda_context)["body"])["token"]
    view = handler("staff_api")(
        api_event("GET", f"/api/v1/cases/{case_id}", headers={"authorization": f"Bearer {token}"}),
        lambda_context,
    )
    shown = json.loads(view["body"])
    assert shown["publications"][0]["url"] == link
    assert shown["publications"][0]["response_id"] == str(comment_id)
    assert shown["publications"][0]["published_at"].endswith("+07:00")
    assert shown["publications"][0]["original"]["detected_at"].endswith("+07:00")
    assert shown["publication_failure"] is None


def test_a_permanent_failure_leaves_the_case_approved_and_tells_the_technical_executor(
    vk_env, own_queues, monkeypatch, handler, lambda_context
):
    sqs, made = own_queues("NOTIFICATION_QUEUE_URL")
    monkeypatch.setenv("VK_ACCESS_TOKEN", "revoked-token")
    post = uuid.uuid4().int % 10**6
    vk_env.add_post(-170171414, post)
    case_id, draft_id = approved_case(f"https://vk.com/wall-170171414_{post}", "vk")
    tech = deps().directory.staff("tech")
    before = len(sent_to(tech.email))

    for _ in range(2):  # a redelivery changes nothing more, nor posts
        answer = handler("publishing")(sqs_event(case_id, draft_id), lambda_context)
        assert answer == {"batchItemFailures": []}
    assert len(vk_env.method_calls("wall.createComment")) == 1

    case = deps().store().get(case_id)
    assert case.status.value == "approved"
    assert "publish_due" in case.deadlines()  # T6 still runs: a person publishes now
    assert case.publication_failure.draft_id == draft_id
    assert "VK_ACCESS_TOKEN" in case.publication_failure.reason
    assert [e.action for e in case.timeline].count("publication_failed") == 1
    assert case.publications == []
    letters = sqs.receive_message(
        QueueUrl=made["NOTIFICATION_QUEUE_URL"], MaxNumberOfMessages=10, AttributeNames=["All"]
    )["Messages"]
    failure = [m for m in letters if json.loads(m["Body"])["template"] == "publication_failed"]
    assert len(failure) == 1  # once, however often the publication is retried
    notify = sqs_event(case_id, draft_id, message=failure[0])
    assert handler("notifications")(notify, lambda_context) == {"batchItemFailures": []}
    [letter] = sent_to(tech.email)[before:]
    assert letter["subject"].startswith("Ответ не опубликован автоматически")
    assert "VK_ACCESS_TOKEN" in letter["body"] and "вручную" in letter["body"]
    assert case.message.url in letter["body"]

    # The technical executor publishes by hand: the failure is cleared, the proof kept.
    cases.record_publication(
        deps(),
        STAFF["tech"],
        case_id,
        url=f"https://vk.com/wall-170171414_{post}?reply=9",
        now=datetime.now(BARNAUL),
    )
    case = deps().store().get(case_id)
    assert case.publication_failure is None
    assert (case.publications[0].by, case.publications[0].response_id) == ("tech", None)


@pytest.fixture
def own_queues(aws, monkeypatch):
    """`own_queues("PUBLISHING_QUEUE_URL", ...)`: queues of this test's own in place of the
    shared ones, so it receives exactly its messages; (sqs client, {variable: url})."""
    sqs = boto3.client("sqs", endpoint_url=aws.aws.endpoint_url, region_name="eu-central-1")
    made: dict[str, str] = {}

    def make(*variables: str):
        for variable in variables:
            name = f"otklik-integration-{variable.lower()[:12]}-{uuid.uuid4().hex[:8]}"
            made[variable] = sqs.create_queue(QueueName=name)["QueueUrl"]
            monkeypatch.setenv(variable, made[variable])
        bootstrap.reset()
        return sqs, made

    yield make
    monkeypatch.undo()
    bootstrap.reset()
    for url in made.values():
        sqs.delete_queue(QueueUrl=url)


def receive(sqs, url: str) -> list[dict]:
    answer = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
    )
    return answer.get("Messages", [])


def test_a_rate_limited_publication_comes_back_when_the_network_asked_and_then_succeeds(
    own_queues, tg_env, monkeypatch, handler, lambda_context
):
    sqs, made = own_queues("PUBLISHING_QUEUE_URL")
    queue = made["PUBLISHING_QUEUE_URL"]
    monkeypatch.setenv("CHANNEL_RETRY_BUDGET_SECONDS", "0")  # no waiting inside the Lambda
    chat = uuid.uuid4().int % 10**9
    tg_env.add_chat(Chat(int(f"-100{chat}")), 41)
    case_id, draft_id = approved_case(f"https://t.me/c/{chat}/41", "telegram")
    tg_env.flood(retry_after=2)
    [first] = receive(sqs, queue)  # the curator's approval put it there

    assert failed(handler, sqs_event(case_id, draft_id, message=first), lambda_context) == [
        first["MessageId"]
    ]
    assert deps().store().get(case_id).status.value == "approved"
    assert receive(sqs, queue) == []  # not before the 2 s Telegram asked for...
    time.sleep(2.3)
    [again] = receive(sqs, queue)  # ...but then, not after the queue's own 30 s
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"

    answer = handler("publishing")(sqs_event(case_id, draft_id, message=again), lambda_context)

    assert answer == {"batchItemFailures": []}
    case = deps().store().get(case_id)
    assert case.status.value == "answered"
    assert case.publications[0].url.startswith(f"https://t.me/c/{chat}/")


def test_the_last_delivery_gives_up_and_tells_the_technical_executor(
    tg_env, monkeypatch, handler, lambda_context
):
    monkeypatch.setenv("CHANNEL_RETRY_BUDGET_SECONDS", "0")
    chat = uuid.uuid4().int % 10**9
    tg_env.add_chat(Chat(int(f"-100{chat}")), 41)
    case_id, draft_id = approved_case(f"https://t.me/c/{chat}/41", "telegram")
    tg_env.flood(retry_after=35, times=5)

    answers = [
        failed(handler, sqs_event(case_id, draft_id, receive_count=n), lambda_context)
        for n in (1, 5)
    ]

    assert answers[0]  # back to the queue
    assert answers[1] == []  # the fifth delivery: not to the dead-letter queue
    case = deps().store().get(case_id)
    assert case.status.value == "approved"
    assert "Too Many Requests" in case.publication_failure.reason
    assert "попытки исчерпаны" in case.publication_failure.reason


def test_a_retry_that_would_come_too_late_for_t6_hands_over_at_once(vk_env):
    # Approved at 10:00 of a working Tuesday: T6 ends at 10:30; the hand-over is 10 minutes.
    approved_at = datetime(2030, 11, 5, 10, 0, tzinfo=BARNAUL)
    post = uuid.uuid4().int % 10**6
    vk_env.add_post(-170171414, post)
    case_id, draft_id = approved_case(
        f"https://vk.com/wall-170171414_{post}", "vk", now=approved_at
    )
    assert deps().store().get(case_id).timers["publish_due"].due == approved_at + timedelta(
        minutes=30
    )
    vk_env.fail_with(6, times=20)
    publishers = build_publishers(ChannelSettings.from_env())
    delivery = Delivery(receive_count=1, budget_seconds=0)

    with pytest.raises(RetryLater):  # 10:05: a retry in a second leaves plenty of T6
        publish_approved(
            deps(),
            publishers,
            case_id=case_id,
            draft_id=draft_id,
            now=approved_at + timedelta(minutes=5),
            delivery=delivery,
        )
    outcome = publish_approved(
        deps(),
        publishers,
        case_id=case_id,
        draft_id=draft_id,
        now=approved_at + timedelta(minutes=21),
        delivery=delivery,
    )

    assert outcome.status == "failed"
    assert "повтор не успевает до срока публикации" in outcome.reason
    assert deps().store().get(case_id).publication_failure is not None


def test_a_slow_network_cannot_hold_the_delivery_past_its_time(vk_env):
    """Every call to VK answers after 0.8 s; the answer with three photos needs eight calls
    (6.4 s), and the function has 2 s left: the delivery gives up in time, posts nothing, and
    the queue brings the message back."""
    post = uuid.uuid4().int % 10**6
    vk_env.add_post(-170171414, post)
    photos = [(f"{n}.png", png(3, 3), "image/png") for n in range(3)]
    case_id, draft_id = approved_case(f"https://vk.com/wall-170171414_{post}", "vk", files=photos)

    def slowly(request):
        time.sleep(0.8)
        return None  # then answered as VK answers

    vk_env.fail_next(slowly, times=50)
    delivery = Delivery(receive_count=1, budget_seconds=8, deadline_seconds=2)
    started = time.monotonic()

    with pytest.raises(RetryLater):
        publish_approved(
            deps(),
            build_publishers(ChannelSettings.from_env(), deps().files),
            case_id=case_id,
            draft_id=draft_id,
            now=datetime.now(BARNAUL),
            delivery=delivery,
        )

    assert time.monotonic() - started < 4
    assert vk_env.method_calls("wall.createComment") == []
    assert deps().store().get(case_id).status.value == "approved"


def test_a_redelivery_after_a_crash_records_the_post_without_posting_again(
    vk_env, monkeypatch, handler, lambda_context
):
    from otklik.service import publishing

    post = uuid.uuid4().int % 10**6
    vk_env.add_post(-170171414, post)
    case_id, draft_id = approved_case(f"https://vk.com/wall-170171414_{post}", "vk")

    def crash(*args, **kwargs):
        raise RuntimeError("the Lambda died after posting")

    with monkeypatch.context() as patch:
        patch.setattr(publishing, "_record", crash)
        assert failed(handler, sqs_event(case_id, draft_id), lambda_context)
    assert deps().store().get(case_id).status.value == "approved"

    answer = handler("publishing")(sqs_event(case_id, draft_id, receive_count=2), lambda_context)

    assert answer == {"batchItemFailures": []}
    assert len(vk_env.method_calls("wall.createComment")) == 1
    case = deps().store().get(case_id)
    [comment_id] = vk_env.walls[(-170171414, post)].comments
    assert case.publications[0].response_id == str(comment_id)


def test_a_network_without_an_adapter_is_left_to_the_technical_executor(
    vk_env, handler, lambda_context
):
    case_id, draft_id = approved_case("https://ok.ru/group/1/topic/2", "ok")

    answer = handler("publishing")(sqs_event(case_id, draft_id), lambda_context)

    assert answer == {"batchItemFailures": []}
    case = deps().store().get(case_id)
    assert (case.status.value, case.publication_failure) == ("approved", None)
    assert vk_env.requests == []


def test_an_answer_published_by_hand_meanwhile_is_not_posted_again(vk_env, handler, lambda_context):
    post = uuid.uuid4().int % 10**6
    vk_env.add_post(-170171414, post)
    case_id, draft_id = approved_case(f"https://vk.com/wall-170171414_{post}", "vk")
    cases.record_publication(
        deps(),
        STAFF["tech"],
        case_id,
        url=f"https://vk.com/wall-170171414_{post}?reply=1",
        now=datetime.now(BARNAUL),
    )

    answer = handler("publishing")(sqs_event(case_id, draft_id), lambda_context)

    assert answer == {"batchItemFailures": []}
    assert vk_env.requests == []


# -- the template and the contract -------------------------------------------------------------

TEMPLATE = load(ROOT / "template.yaml")


def test_the_publishing_function_gets_the_channels_and_gives_up_on_the_queues_last_delivery():
    function = TEMPLATE["Resources"]["PublishingFunction"]["Properties"]
    variables = function["Environment"]["Variables"]
    redrive = TEMPLATE["Resources"]["PublishingQueue"]["Properties"]["RedrivePolicy"]
    assert int(variables["PUBLISHING_MAX_RECEIVES"]) == redrive["maxReceiveCount"]
    for name in (
        "VK_ACCESS_TOKEN",
        "VK_GROUP_ID",
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_FALLBACK_CHAT_ID",
        "OK_ACCESS_TOKEN",
        "OK_APPLICATION_KEY",
        "OK_APPLICATION_SECRET_KEY",
        "OK_GROUP_ID",
    ):
        assert name in variables, name
    statements = [s for p in function["Policies"] if "Statement" in p for s in p["Statement"]]
    actions = {
        a
        for s in statements
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    assert "sqs:ChangeMessageVisibility" in actions
    sends = {
        p["SQSSendMessagePolicy"]["QueueName"]["Fn::GetAtt"][0]
        for p in function["Policies"]
        if "SQSSendMessagePolicy" in p
    }
    assert {"MonitoringQueue", "NotificationQueue"} <= sends  # published / failed


def test_channel_secrets_are_no_echo_parameters_without_a_value_in_the_template():
    parameters = TEMPLATE["Parameters"]
    for name in (
        "VkAccessToken",
        "TelegramBotToken",
        "OkAccessToken",
        "OkApplicationSecretKey",
        "MonitoringOutboundSecret",
    ):
        assert parameters[name]["NoEcho"] is True
        assert parameters[name].get("Default", "") == ""
    outbound = TEMPLATE["Resources"]["MonitoringOutboundFunction"]["Properties"]
    assert outbound["Environment"]["Variables"]["MONITORING_OUTBOUND_SECRET"] == {
        "Ref": "MonitoringOutboundSecret"
    }
    # Tokens reach only the function that posts.
    for logical_id, resource in TEMPLATE["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function" and logical_id != "PublishingFunction":
            own = (resource["Properties"].get("Environment") or {}).get("Variables") or {}
            assert "VK_ACCESS_TOKEN" not in own, logical_id
    assert "VK_ACCESS_TOKEN" not in TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]


def test_the_case_view_with_a_proof_and_a_failure_matches_the_contract():
    from jsonschema import Draft202012Validator

    from otklik.domain.calendar import WorkingCalendar
    from otklik.domain.case import Case
    from otklik.domain.policy import SlaPolicy
    from otklik.domain.roles import SYSTEM_ACTOR
    from otklik.domain.values import Receipt
    from otklik.entrypoints.views import case_detail

    policy = SlaPolicy(WorkingCalendar())
    at = datetime(2030, 11, 5, 10, 0, tzinfo=BARNAUL)
    case = Case.receive(message("https://vk.com/wall-1_2?reply=3"), now=at, policy=policy)
    case.accept(STAFF["tech"], departments=["roads"], now=at, policy=policy)
    d = case.submit_draft(STAFF["roads"], text=ANSWER, kind=DraftKind.FINAL, now=at)
    case.approve_draft(STAFF["resp"], draft_id=d.draft_id, now=at, policy=policy)
    curator = Actor("c-1", Role.CURATOR)
    case.curator_approve(curator, draft_id=d.draft_id, now=at, policy=policy)
    case.publication_failed(SYSTEM_ACTOR, draft_id=d.draft_id, reason="Ошибка 5", now=at)
    failed_view = case_detail(case, BARNAUL, policy, STAFF["tech"])
    case.publish(
        SYSTEM_ACTOR,
        url="https://vk.com/wall-1_2?reply=9",
        now=at,
        policy=policy,
        receipt=Receipt("9", "wall.createComment", True, "[id1|Ирина], …"),
    )
    published_view = case_detail(case, BARNAUL, policy, STAFF["tech"])

    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    validator = Draft202012Validator(
        {"$ref": "#/components/schemas/CaseDetail", "components": spec["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    for view in (failed_view, published_view):
        assert [e.message for e in validator.iter_errors(view)] == []
    schemas = spec["components"]["schemas"]
    assert set(published_view["publications"][0]) == set(schemas["Publication"]["properties"])
    assert set(published_view["publications"][0]["original"]) == set(
        schemas["PostCopy"]["properties"]
    )
    assert set(failed_view["publication_failure"]) == set(
        schemas["PublicationFailure"]["properties"]
    )
