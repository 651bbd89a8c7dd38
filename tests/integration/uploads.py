"""Helpers of the tests that attach files: real images and videos, and the browser's upload of
a file straight to the bucket with its presigned POST form (over HTTP, to the moto server)."""

from __future__ import annotations

import struct
import urllib.error
import urllib.request
import uuid
import zlib


def png(width: int = 2, height: int = 2) -> bytes:
    """A real PNG image (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def mp4() -> bytes:
    """The start of an MP4 file: an `ftyp` box (brand isom), then an empty `mdat`."""
    ftyp = b"ftypisom" + b"\x00\x00\x02\x00" + b"isomiso2mp41"
    return struct.pack(">I", 8 + len(ftyp) - 4) + ftyp + struct.pack(">I", 8) + b"mdat"


def post_form(url: str, fields: dict[str, str], filename: str, content: bytes, content_type: str):
    """What the page does: a multipart POST of the signed fields, then the file as `file`.
    Returns (status, body)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        ).encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    body = b"".join(parts)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def upload_confirmed(d, actor, case_id: str, name: str, content: bytes, content_type: str):
    """A file uploaded and confirmed through the service, as the page does: its Attachment."""
    from otklik.clock import now
    from otklik.service import attachments

    started = attachments.start_upload(
        d, actor, case_id, name=name, content_type=content_type, size=len(content), now=now()
    )
    status, body = post_form(started.form.url, started.form.fields, name, content, content_type)
    assert 200 <= status < 300, (status, body)
    return attachments.confirm(d, actor, case_id, started.key, now())
