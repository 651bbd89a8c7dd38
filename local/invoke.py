"""`python -m local.invoke <Function> <event.json>` / `make invoke FUNCTION=... EVENT=...`:
run one handler in this process on one event, against the same services as `make run`.

It expects `make run`'s moto server at 127.0.0.1:5000 (or `AWS_ENDPOINT_URL`); if none is up
it starts a temporary one for this invocation. Tables and queues are created if missing and the
demo directory seeded. A stored sample event signed by the monitoring system (`X-Signature`)
is signed again with the local secret and the current time, or it would be refused as stale;
`Authorization: Bearer <token from POST /api/v1/auth/login as LOGIN>` gets a token of LOGIN.
The handler's result is printed as JSON on stdout; its logs go to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import time
from pathlib import Path

from local import cfn
from local.lambdas import functions
from local.run import LocalSystem


def resign(event: dict, secret: str) -> bool:
    """Sign an HTTP event's body again if it carries a monitoring-system signature."""
    from otklik.signing import sign

    headers = event.get("headers")
    if not isinstance(headers, dict):
        return False
    name = next((k for k in headers if k.lower() == "x-signature"), None)
    if name is None:
        return False
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        import base64

        raw = base64.b64decode(body)
    else:
        raw = body.encode("utf-8")
    headers[name] = sign(raw, secret.split(",")[0].strip(), int(time.time()))
    return True


TOKEN_HINT = re.compile(r"^Bearer <token from POST /api/v1/auth/login as (\w+)>$")


def fill_token(event: dict) -> str | None:
    """Replace a sample event's `Bearer <token from POST /api/v1/auth/login as LOGIN>` with a
    real token of LOGIN (signed with the local run's secret); returns the login."""
    from otklik.entrypoints.auth import issue_token

    headers = event.get("headers")
    if not isinstance(headers, dict):
        return None
    name = next((k for k in headers if k.lower() == "authorization"), None)
    hint = TOKEN_HINT.match(str(headers.get(name) or ""))
    if hint is None:
        return None
    token = issue_token(
        hint[1],
        os.environ["STAFF_TOKEN_SECRET"],
        time.time(),
        int(os.environ.get("STAFF_TOKEN_TTL_MINUTES") or 600),
    )
    headers[name] = f"Bearer {token}"
    return hint[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.invoke", description=__doc__)
    parser.add_argument("function", help="logical id, e.g. IntakeFunction (or functions/<dir>)")
    parser.add_argument("event", help="event JSON file, or - for stdin")
    parser.add_argument(
        "--no-resign", action="store_true", help="keep the event's X-Signature as it is"
    )
    args = parser.parse_args(argv)

    template = cfn.load()
    known = functions(template)
    function = known.get(args.function) or next(
        (f for f in known.values() if f.code_dir.name == Path(args.function).name), None
    )
    if function is None:
        print(
            f"Нет такой функции / no function {args.function!r}; есть / known: "
            + ", ".join(sorted(known)),
            file=sys.stderr,
        )
        return 2
    raw = sys.stdin.read() if args.event == "-" else Path(args.event).read_text("utf-8")
    event = json.loads(raw)

    system = LocalSystem(endpoint_url=os.environ.get("AWS_ENDPOINT_URL"), template=template)
    with contextlib.redirect_stdout(sys.stderr):
        system.prepare()
        if system.aws.server is not None:
            print(
                "make run не запущен: временный moto, данные не сохранятся. / "
                "make run is not up: a temporary moto server, nothing is kept.",
            )
        if not args.no_resign and resign(event, os.environ["MONITORING_WEBHOOK_SECRET"]):
            print("X-Signature подписан заново / re-signed with the local secret.")
        login = fill_token(event)
        if login:
            print(f"Токен для {login} / a bearer token of {login} filled in.")
        try:
            result = function.invoke(event, region=os.environ["AWS_REGION"])
        finally:
            system.aws.stop()  # only stops a moto server this command started
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
