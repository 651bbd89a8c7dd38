"""moto's server, one request at a time.

moto's DynamoDB runs `TransactWriteItems` without a lock and rolls a failed transaction back by
restoring a copy of the whole table taken when it began: two transactions at once can wipe out
each other's writes, where real DynamoDB would fail one of them cleanly. Serialising DynamoDB
requests gives the local run and the tests DynamoDB's isolation (moto is bound by the GIL
anyway, so little is lost). `python -m local.moto_server -H HOST -p PORT` runs it in a child
process.
"""

from __future__ import annotations

import argparse
import json
import threading

# The letters the embedded SES accepted, as JSON (local/mailbox.py reads them). moto's own
# `/moto-api/data.json` dumps every table item too: with a few thousand cases that takes longer
# than an official waits for the mailbox page.
MAIL_PATH = "/_otklik/mail"

# Requests that change nothing the local run keeps (local/state.py): everything else counts
# as a change. SQS by its JSON protocol's target; a query-protocol request counts as a change.
_READS = ("Get", "Query", "Scan", "Describe", "List", "BatchGet", "TransactGet")
_SQS_READS = ("ReceiveMessage", "Get", "List")


def serialized(app):
    """A WSGI app that lets one DynamoDB request through at a time, response body included.

    Other services pass freely: an SQS long poll waits inside moto and must not hold the lock.
    The app's `lock` attribute is that lock (the local state's snapshot holds it to read a
    consistent copy), and `changes()` says how many requests that may have changed a table, a
    queue or the mailbox were answered so far (counted once answered).
    """
    lock = threading.Lock()
    count = [0]

    def locked(environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        service, _, action = target.partition(".")
        if service.startswith("DynamoDB"):
            with lock:
                answer = list(app(environ, start_response))
                if not action.startswith(_READS):
                    count[0] += 1
                return answer
        if service == "AmazonSQS" and action.startswith(_SQS_READS):
            return app(environ, start_response)
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD", "OPTIONS"):
            return app(environ, start_response)
        answer = list(app(environ, start_response))
        with lock:
            count[0] += 1
        return answer

    locked.lock = lock
    locked.changes = lambda: count[0]
    return locked


def sent_letters() -> list[dict]:
    """Every plain letter moto's SES (v1 and v2 alike) accepted in this process, oldest first
    within each account and region, in the fields `/moto-api/data.json` gives a `Message`."""
    from moto.ses.models import Message, ses_backends

    return [
        {
            "id": m.id,
            "source": m.source,
            "subject": m.subject,
            "body": m.body,
            "destinations": m.destinations,
        }
        for regions in list(ses_backends.values())
        for backend in list(regions.values())
        for m in list(backend.sent_messages)
        if isinstance(m, Message)
    ]


def with_mailbox(app):
    """`app`, and the letters at MAIL_PATH."""

    def serve(environ, start_response):
        if environ.get("PATH_INFO") != MAIL_PATH or environ.get("REQUEST_METHOD") != "GET":
            return app(environ, start_response)
        body = json.dumps(sent_letters(), ensure_ascii=False).encode("utf-8")
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json; charset=utf-8"),
                ("Content-Length", str(len(body))),
            ],
        )
        return [body]

    return serve


def make_app():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return serialized(with_mailbox(DomainDispatcherApplication(create_backend_app)))


def quiet_handler():
    from moto.moto_server.werkzeug_app import MotoRequestHandler

    class QuietHandler(MotoRequestHandler):
        """No log line per AWS call (the handlers make many)."""

        def log_request(self, *args, **kwargs) -> None:
            pass

    return QuietHandler


def main() -> None:
    from werkzeug.serving import make_server

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    make_server(
        args.host, args.port, make_app(), True, request_handler=quiet_handler()
    ).serve_forever()


if __name__ == "__main__":
    main()
