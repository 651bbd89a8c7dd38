"""The channels' HTTP client against a real HTTP server on loopback: a download stops at its
size limit without reading the rest, redirects are not followed, multipart is what a server
parses, and a refused connection is told apart from a timeout."""

from __future__ import annotations

import socket
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from otklik.httpclient import (
    FetchGuard,
    File,
    HttpClient,
    PermanentError,
    TemporaryError,
    Unreachable,
)

# The test server is on loopback over http: what the real guard refuses (tested below).
LOOPBACK = FetchGuard(schemes=("http", "https"), allow_private=True)

MB = 1024 * 1024


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.sent = 0  # bytes of the endless body written before the client hung up
        self.received: dict = {}

        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/endless.jpg":  # no Content-Length: only streaming can stop it
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.end_headers()
                    try:
                        for _ in range(300):  # 300 MB if nobody stops reading
                            self.wfile.write(b"\xff" * MB)
                            outer.sent += MB
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                elif self.path == "/declared.jpg":
                    self.send_response(200)
                    self.send_header("Content-Length", str(300 * MB))
                    self.end_headers()
                elif self.path == "/slow.jpg":  # a byte every 0.2 s: each read is quick
                    self.send_response(200)
                    self.end_headers()
                    try:
                        for _ in range(100):
                            self.wfile.write(b"\xff")
                            self.wfile.flush()
                            time.sleep(0.2)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                elif self.path == "/moved":
                    self.send_response(302)
                    self.send_header("Location", "http://127.0.0.1:1/secret")
                    self.end_headers()
                else:
                    body = b"\x89PNG small"
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers["Content-Length"])
                raw = self.rfile.read(length)
                message = BytesParser(policy=HTTP).parsebytes(
                    f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + raw
                )
                outer.received = {
                    part.get_param("name", header="content-disposition"): (
                        part.get_filename(),
                        part.get_content_type(),
                        part.get_payload(decode=True),
                    )
                    for part in message.iter_parts()
                }
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def server():
    running = Server()
    yield running
    running.shutdown()
    running.server_close()


def test_a_download_stops_at_its_limit_without_reading_the_rest(server):
    client = HttpClient(timeout=10, fetch_guard=LOOPBACK)
    with pytest.raises(PermanentError) as refused:
        client.download(f"{server.url}/endless.jpg", limit=2 * MB)
    assert "больше 2 МБ" in refused.value.reason
    assert server.sent < 100 * MB  # it hung up long before the 300 MB were written


def test_a_declared_size_over_the_limit_is_refused_before_reading(server):
    with pytest.raises(PermanentError):
        HttpClient(fetch_guard=LOOPBACK).download(f"{server.url}/declared.jpg", limit=2 * MB)


def test_a_small_file_is_downloaded_whole(server):
    got = HttpClient(fetch_guard=LOOPBACK).download(f"{server.url}/photo.png")
    assert (got.name, got.content, got.content_type) == ("photo.png", b"\x89PNG small", "image/png")


def test_a_redirect_is_answered_not_followed(server):
    answer = HttpClient().request("GET", f"{server.url}/moved")
    assert answer.status == 302
    assert answer.headers["location"] == "http://127.0.0.1:1/secret"


def test_a_multipart_body_is_what_a_server_parses(server):
    HttpClient().request(
        "POST",
        f"{server.url}/upload",
        form={"caption": "Ремонт выполнен", "flag": True},
        files={"photo": File("яма.jpg", b"\xff\xd8data", "image/jpeg")},
    )
    assert server.received["caption"][2].decode() == "Ремонт выполнен"
    assert server.received["flag"][2] == b"1"
    assert server.received["photo"] == ("яма.jpg", "image/jpeg", b"\xff\xd8data")


def test_a_refused_connection_is_told_apart():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(Unreachable) as failed:
        HttpClient(timeout=2).request("GET", f"http://127.0.0.1:{port}/")
    assert failed.value.refused
    assert not failed.value.inline  # left to the queue's pause


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/photo.jpg",
        "https://localhost/photo.jpg",
        "https://10.0.0.7/photo.jpg",
        "https://192.168.1.1/photo.jpg",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/photo.jpg",
        "https://[::ffff:127.0.0.1]/photo.jpg",
        "https://0.0.0.0/photo.jpg",
        "http://files.example.org/photo.jpg",
        "ftp://files.example.org/photo.jpg",
    ],
)
def test_a_photo_at_this_machine_a_private_address_or_not_https_is_refused(url):
    with pytest.raises(PermanentError) as refused:
        HttpClient(timeout=2).download(url)
    assert "Вложение" in refused.value.reason or "Адрес" in refused.value.reason


def test_a_photo_on_loopback_is_refused_before_any_request(server):
    with pytest.raises(PermanentError):
        HttpClient().download(f"{server.url.replace('http', 'https')}/photo.png")
    assert server.sent == 0


def test_a_slow_server_cannot_hold_a_download_past_its_deadline(server):
    began = time.monotonic()
    with pytest.raises(TemporaryError) as late:
        HttpClient(timeout=10, fetch_guard=LOOPBACK).download(f"{server.url}/slow.jpg", seconds=1)
    assert time.monotonic() - began < 3
    assert not late.value.inline  # left to the queue, not retried within this delivery
