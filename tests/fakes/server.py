"""A real HTTP server on 127.0.0.1 and a free port, in a thread, for the fakes of outside APIs.

Each fake subclasses `FakeServer` and answers `handle(request)`; the base parses the request
(query, url-encoded or JSON or multipart body), records it, serves files registered with
`host_file` at `/files/<name>` (the photos a draft attaches), and plays scripted failures
queued with `fail_next`.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")  # a tiny JPEG header


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    form: dict[str, str] = field(default_factory=dict)  # url-encoded or multipart fields
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)  # name, data, type
    json: object = None

    @property
    def params(self) -> dict:
        """Query and form together (VK and OK take parameters either way)."""
        return {**self.query, **self.form}


@dataclass
class Reply:
    status: int = 200
    body: object = None  # dict/list/str → JSON; bytes as they are
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, self.headers.get("Content-Type", "application/octet-stream")
        return (
            json.dumps(self.body, ensure_ascii=False).encode(),
            "application/json; charset=utf-8",
        )


def parse_request(method: str, target: str, headers: dict[str, str], body: bytes) -> Request:
    parts = urlsplit(target)
    request = Request(method, parts.path, dict(parse_qsl(parts.query)), headers, body)
    content_type = headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        request.form = dict(parse_qsl(body.decode(), keep_blank_values=True))
    elif content_type.startswith("application/json"):
        request.json = json.loads(body or b"null")
    elif content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            data = part.get_payload(decode=True) or b""
            if filename is not None:
                request.files[name] = (filename, data, part.get_content_type())
            else:
                request.form[name] = data.decode()
    return request


class FakeServer:
    """Subclasses implement `handle`; `url` is where the fake listens."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.files: dict[str, bytes] = {}
        self._failures: deque[Callable[[Request], Reply | None]] = deque()
        self._lock = threading.RLock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = parse_request(self.command, self.path, headers, body)
                reply = fake._dispatch(request)
                data, content_type = reply.encoded()
                self.send_response(reply.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    if name.lower() != "content-type":
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve  # http.server's naming

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- what tests use --------------------------------------------------------------------------

    def host_file(self, name: str, content: bytes = JPEG) -> str:
        """Serve `content` at /files/<name>; returns its URL."""
        self.files[name] = content
        return f"{self.url}/files/{name}"

    def fail_next(self, make: Callable[[Request], Reply | None], times: int = 1) -> None:
        """The next `times` requests `make` answers (a Reply) are answered so; None lets a
        request through (and keeps the failure for the next)."""
        for _ in range(times):
            self._failures.append(make)

    def calls(self, path_suffix: str = "") -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith(path_suffix)]

    # -- internals -------------------------------------------------------------------------------

    def _dispatch(self, request: Request) -> Reply:
        if request.method == "GET" and request.path.startswith("/files/"):
            name = request.path.removeprefix("/files/")
            if name in self.files:
                return Reply(200, self.files[name], {"Content-Type": "image/jpeg"})
            return Reply(404, b"not found", {"Content-Type": "text/plain"})
        with self._lock:
            self.requests.append(request)
            if self._failures:
                scripted = self._failures[0](request)
                if scripted is not None:
                    self._failures.popleft()
                    return scripted
            return self.handle(request)

    def handle(self, request: Request) -> Reply:  # pragma: no cover - subclasses answer
        raise NotImplementedError
