"""The channels' HTTP client against a real HTTP server on loopback: redirects are not followed,
multipart is what a server parses, a refused connection is told apart from a timeout, and no
server can hold a request past its time (slow to answer, trickling its body, or sending
hundreds of megabytes). (The
client downloads nothing: a draft's files are read from the project's own bucket.)"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from otklik.httpclient import (
    MAX_ANSWER_BYTES,
    Budget,
    File,
    HttpClient,
    OutOfTime,
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
                if self.path == "/slow":  # the answer comes after 5 s
                    time.sleep(5)
                if self.path == "/trickle":  # 100 bytes, one every 0.2 s: 20 s in all
                    self.send_response(200)
                    self.send_header("Content-Length", "100")
                    self.end_headers()
                    for _ in range(100):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(0.2)
                    return
                if self.path == "/huge":  # 300 MB announced and sent as fast as it goes
                    self.send_response(200)
                    self.send_header("Content-Length", str(300 * MB))
                    self.end_headers()
                    with contextlib.suppress(OSError):  # the client hangs up early
                        for _ in range(300):
                            self.wfile.write(b"\0" * MB)
                    return
                if self.path in ("/slow-headers", "/slow-trailer"):  # a line every 0.3 s
                    self._trickle_lines()
                    return
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

            def _trickle_lines(self):
                """Headers, or a chunked body's trailer, one line just before each read
                would time out: 18 s in all."""
                out = self.wfile
                out.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
                if self.path == "/slow-trailer":
                    out.write(b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n")
                with contextlib.suppress(OSError):  # the client hangs up early
                    for _ in range(60):
                        out.write(b"X-Slow: 1\r\n")
                        out.flush()
                        time.sleep(0.3)
                    out.write(b"\r\n")

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


def test_a_slow_answer_is_cut_at_the_deliverys_time_left(server):
    budget = Budget(8, limit=1.5)  # the function has 1.5 s left for this delivery
    started = time.monotonic()
    with pytest.raises(Unreachable):
        HttpClient(timeout=8).request("GET", f"{server.url}/slow", budget=budget)
    assert time.monotonic() - started < 4  # the server answers only after 5 s


@pytest.mark.parametrize("path", ["/slow-headers", "/slow-trailer"])
def test_headers_or_a_trailer_sent_a_line_at_a_time_are_cut_at_the_time_left(server, path):
    """Each line comes before a read would time out: only a deadline over the whole request
    ends it."""
    started = time.monotonic()
    with pytest.raises(Unreachable, match="вовремя"):
        HttpClient(timeout=8).request("GET", server.url + path, budget=Budget(8, limit=2))
    assert time.monotonic() - started < 5  # the server would take 18 s


def test_a_body_trickled_a_byte_at_a_time_is_cut_at_the_timeout(server):
    started = time.monotonic()
    with pytest.raises(Unreachable, match=r"вовремя|timed out"):
        HttpClient(timeout=1.5).request("GET", f"{server.url}/trickle")
    assert time.monotonic() - started < 8  # the whole body would take 20 s


def test_an_answer_of_300_mb_is_refused_before_it_is_read(server):
    with pytest.raises(Unreachable, match="ответ больше"):
        HttpClient(timeout=30).request("GET", f"{server.url}/huge")
    assert MAX_ANSWER_BYTES < 300 * MB


def test_no_request_starts_once_the_deliverys_time_is_up(server):
    clock = iter([0.0, 10.0, 10.0, 10.0]).__next__
    budget = Budget(8, limit=5, clock=clock)
    with pytest.raises(OutOfTime) as failed:
        HttpClient().request("GET", f"{server.url}/moved", budget=budget)
    assert not failed.value.inline  # left to the queue


def test_a_wait_leaves_time_for_the_request_it_waits_for():
    """A retry that could not be made after its wait is not waited for: the network's own
    error (and the wait it asked for) goes to the queue instead of an 'out of time'."""
    slept: list[float] = []
    budget = Budget(8, limit=2, sleep=slept.append, clock=lambda: 0.0)
    assert not budget.wait(1.8)  # 0.2 s would be left for the retried request
    assert budget.wait(1.0)
    assert slept == [1.0]
