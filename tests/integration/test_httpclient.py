"""The channels' HTTP client against a real HTTP server on loopback: redirects are not followed,
multipart is what a server parses, and a refused connection is told apart from a timeout. (The
client downloads nothing: a draft's files are read from the project's own bucket.)"""

from __future__ import annotations

import socket
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from otklik.httpclient import (
    File,
    HttpClient,
    Unreachable,
)

MB = 1024 * 1024


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.received: dict = {}

        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/moved":
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
