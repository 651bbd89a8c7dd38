"""A draft's files: what counts as a photo or a video, and how large one may be for a network.

A file is recognised by its first bytes (its magic number), never by its name or the type the
browser declared: a text file called `photo.jpg` is no photo. The size limits are data
(`otklik/data/attachment_limits.json`, whose `_format` cites each network's documentation).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

# How many first bytes `sniff` needs to tell every kind below apart.
SNIFF_BYTES = 64

# The content types a draft may attach, each a photo or a video.
CONTENT_TYPES = {
    "image/jpeg": "photo",
    "image/png": "photo",
    "image/gif": "photo",
    "image/webp": "photo",
    "video/mp4": "video",
    "video/quicktime": "video",
    "video/webm": "video",
}

# ISO base media (MP4, MOV): `....ftyp<brand>`; QuickTime's brand is `qt  `.
_QUICKTIME_BRANDS = (b"qt  ",)


@dataclass(frozen=True)
class Sniffed:
    kind: str  # "photo" | "video"
    content_type: str


def sniff(head: bytes) -> Sniffed | None:
    """What the file beginning with `head` really is, or None if it is no photo or video we
    accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return Sniffed("photo", "image/jpeg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("photo", "image/png")
    if head.startswith((b"GIF87a", b"GIF89a")):
        return Sniffed("photo", "image/gif")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("photo", "image/webp")
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _QUICKTIME_BRANDS:
            return Sniffed("video", "video/quicktime")
        if brand.startswith((b"heic", b"heix", b"mif1", b"avif")):
            return None  # HEIF/AVIF images share the box format; the networks refuse them
        return Sniffed("video", "video/mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):  # EBML: Matroska or WebM
        return Sniffed("video", "video/webm") if b"webm" in head[:SNIFF_BYTES] else None
    return None


def kind_of(content_type: str) -> str | None:
    """ "photo" or "video" for a content type a draft may attach, else None."""
    return CONTENT_TYPES.get((content_type or "").split(";")[0].strip().lower())


@dataclass(frozen=True)
class Limits:
    networks: dict[str, dict[str, int]]
    per_draft: int

    def max_size(self, network: str, kind: str) -> int:
        table = self.networks.get((network or "").lower()) or self.networks["default"]
        return int(table.get(kind) or self.networks["default"][kind])

    @classmethod
    @cache
    def default(cls) -> Limits:
        from importlib import resources  # here, not at import: it pulls in tempfile, inspect

        data = resources.files("otklik.data").joinpath("attachment_limits.json")
        raw = json.loads(data.read_text("utf-8"))
        return cls(networks=raw["networks"], per_draft=int(raw["per_draft"]))


def megabytes(size: int) -> str:
    """`52428800` → «50 МБ» (officials read it)."""
    value = size / (1024 * 1024)
    return f"{value:.0f} МБ" if value >= 10 or value == int(value) else f"{value:.1f} МБ"
