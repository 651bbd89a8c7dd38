"""A draft's files recognised by their first bytes, and the size limits kept as data."""

from __future__ import annotations

import pytest

from otklik.domain.files import Limits, kind_of, megabytes, sniff
from otklik.service.attachments import clean_name

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("head", "kind", "content_type"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "photo", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo", "image/png"),
        (b"GIF89a\x01\x00", "photo", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "photo", "image/webp"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "video", "video/mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00", "video", "video/quicktime"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video", "video/webm"),
    ],
)
def test_photos_and_videos_are_known_by_their_first_bytes(head, kind, content_type):
    found = sniff(head)
    assert (found.kind, found.content_type) == (kind, content_type)


@pytest.mark.parametrize(
    "head",
    [
        b"just some text named photo.jpg",
        b"%PDF-1.7\n",
        b"PK\x03\x04 a zip",
        b"\x00\x00\x00\x18ftypheic\x00\x00",  # HEIF: the networks refuse it
        b"\x1a\x45\xdf\xa3 matroska doctype only",
        b"",
    ],
)
def test_anything_else_is_no_photo_or_video(head):
    assert sniff(head) is None


def test_the_limits_are_the_networks_documented_ones():
    limits = Limits.default()
    assert limits.max_size("telegram", "photo") == 10 * MB  # Bot API sendPhoto upload
    assert limits.max_size("telegram", "video") == 50 * MB  # Bot API, other files
    assert limits.max_size("vk", "photo") == 50 * MB  # dev.vk.com upload
    assert limits.max_size("instagram", "video") == limits.max_size("default", "video")
    assert max(limits.max_size(n, "video") for n in ("vk", "ok", "telegram", "web")) < 300 * MB


def test_content_types_and_sizes_as_officials_read_them():
    assert kind_of("image/PNG; charset=binary") == "photo"
    assert kind_of("video/quicktime") == "video"
    assert kind_of("application/pdf") is None
    assert megabytes(10 * MB) == "10 МБ" and megabytes(256 * MB) == "256 МБ"
    assert clean_name("C:\\Users\\roads\\Фото\\яма\x00.jpg") == "яма.jpg"
    assert clean_name("") == "файл"
