"""`python -m local` / `make run`: the whole system on this machine.

Starts (or finds) the embedded AWS, creates the template's tables and queues, seeds the demo
directory, runs the queue consumers and the sweeper's schedule in threads, and serves the HTTP
API, the staff page and the simulated monitoring system until Ctrl-C.

Where AWS is:
- `AWS_ENDPOINT_URL` unset: moto server in this process on 127.0.0.1:5000 (or a moto server
  already listening there, e.g. `moto_server -p 5000`);
- `AWS_ENDPOINT_URL=http://...`: that endpoint (LocalStack, a separate moto server);
- `AWS_ENDPOINT_URL=` (empty): real AWS with the ambient credentials.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from local import ROOT, cfn, resources, state
from local.resources import Created

log = logging.getLogger("otklik.local")

HOST = "127.0.0.1"
PORT = 3000
MOTO_PORT = 5000
REGION = "eu-central-1"
WEBHOOK_SECRET = "dev-secret"
MAIL_SENDER = "otklik@otklik.local"
DEV_TOKEN_SECRET = "dev-token-secret-of-the-local-run-only"


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def is_moto(endpoint: str) -> bool:
    """Whether a moto server answers at `endpoint` (its dashboard API)."""
    try:
        with urllib.request.urlopen(endpoint.rstrip("/") + "/moto-api/", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Embedded:
    """Where AWS is for this run, and the moto server we started, if any."""

    endpoint_url: str | None
    server: object | None = None

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


class MotoProcess:
    """A moto server in a child process. Its state is its own: moto's in-process backends are
    shared with (and reset by) every `mock_aws` in the same process, so a test session that
    mixes both keeps its long-lived server in a child."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local.moto_server", "-H", self.host, "-p", str(self.port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not port_open(self.host, self.port, timeout=0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"moto server did not start on {self.host}:{self.port}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


def start_aws(
    endpoint_url: str | None = None,
    *,
    host: str = HOST,
    port: int = MOTO_PORT,
    isolated: bool = False,
) -> Embedded:
    """Start moto unless told to use an endpoint (or real AWS, with ""): in this process, or
    in a child process if `isolated`."""
    if endpoint_url == "":
        return Embedded(None)  # real AWS
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        if parts.hostname not in (host, "localhost") or parts.port != port:
            return Embedded(endpoint_url)  # LocalStack or another server: use it as it is
    if port_open(host, port):
        url = f"http://{host}:{port}"
        if is_moto(url):
            return Embedded(url)  # a moto server is already there (another `make run`?)
        raise RuntimeError(
            f"Порт {port} занят, и это не moto. / Port {port} is taken by something else: "
            "stop it or set AWS_ENDPOINT_URL."
        )
    server = MotoProcess(host, port) if isolated else quiet_moto(host, port)
    server.start()
    return Embedded(f"http://{host}:{port}", server)


def quiet_moto(host: str, port: int):
    """moto's threaded server in this process, quiet and one request at a time."""
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    from local.moto_server import make_app, quiet_handler

    class QuietMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:
            self._server = make_server(
                self._ip_address, self._port, self.app, True, request_handler=quiet_handler()
            )
            self._server_ready_event.set()
            self._server.serve_forever()

    server = QuietMotoServer(ip_address=host, port=port, verbose=False)
    server.app = make_app()  # with its DynamoDB lock and its count of changes (local/state.py)
    return server


def base_environment(*, gateway_url: str, region: str = REGION) -> dict[str, str]:
    """Settings of the local run (`otklik.config`); values already in the environment win,
    so a developer may set their own secret or sender."""
    return {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "MONITORING_WEBHOOK_SECRET": WEBHOOK_SECRET,
        # Fixed for the local run, so `make invoke` accepts a token `make run` issued.
        "STAFF_TOKEN_SECRET": DEV_TOKEN_SECRET,
        "MONITORING_BASE_URL": gateway_url.rstrip("/") + "/sim",
        "STAFF_PAGE_URL": gateway_url.rstrip("/") + "/",  # the letters link to the cases here
        # the demo administration's pages (clause 15's fallback), as the simulator's posts name
        "OWN_PAGES": "https://vk.com/club170171414 https://t.me/zudilovo_adm https://ok.ru/group/5412",
        "MAIL_SENDER": MAIL_SENDER,
        "DISPLAY_TIMEZONE": "Asia/Barnaul",
        "POWERTOOLS_SERVICE_NAME": "otklik",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }


def aws_environment(endpoint_url: str | None) -> dict[str, str | None]:
    """Where AWS is; None removes a variable. The embedded AWS gets dummy credentials whatever
    the shell has, so a developer's real ones never go near it."""
    if not endpoint_url:
        return {"AWS_ENDPOINT_URL": None}  # real AWS, ambient credentials
    return {
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }


@dataclass
class LocalSystem:
    """Everything of the local run, started and stopped as one (also by the e2e tests).

    Settings already in the shell's environment win over the local defaults
    (`shell_settings`, for `make run`); `overrides` win over both (tests pass theirs here and
    switch `shell_settings` off, so nothing of the session's environment leaks in). `stop()`
    puts the environment back as it was.
    """

    host: str = HOST
    port: int = PORT
    endpoint_url: str | None = None  # None: in-process moto; "": real AWS
    moto_port: int = MOTO_PORT
    isolated_moto: bool = False  # moto in a child process (see MotoProcess)
    shell_settings: bool = True
    # Names of tables and queues start with this: default $LOCAL_RESOURCE_PREFIX or "otklik-",
    # and "otklik-<namespace>-" for a namespaced system: moto's in-process state is one per
    # process, so two systems in one test session keep apart by name.
    prefix: str | None = None
    sweep_seconds: float | None = None
    overrides: Mapping[str, str] = field(default_factory=dict)
    namespace: str = ""
    # Where the run keeps its state between runs (local/state.py); None keeps nothing (the
    # tests' systems). `reset_state` forgets what was kept before starting.
    state_dir: Path | None = None
    reset_state: bool = False
    keeper: object | None = None
    restored: dict | None = None
    template: dict | None = None
    env: dict[str, str] = field(default_factory=dict)
    created: Created | None = None
    aws: Embedded | None = None
    workers: object | None = None
    simulator: object | None = None
    app: object | None = None
    _server: object | None = None
    _thread: threading.Thread | None = None
    _saved_env: dict[str, str | None] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- start -------------------------------------------------------------------------------

    def prepare(self) -> None:
        """AWS, resources, directory, environment: everything but the threads."""
        self.template = self.template or cfn.load()
        folder = None
        if self.state_dir is not None:
            from local.state import Folder

            folder = Folder(self.state_dir)
            folder.acquire()  # before anything starts: two runs never share a state folder
            if self.reset_state:
                folder.clear()
        try:
            self._prepare(folder)
        except BaseException:
            if folder is not None and self.keeper is None:
                folder.release()
            raise

    def _prepare(self, folder) -> None:
        self.aws = start_aws(
            self.endpoint_url, host=self.host, port=self.moto_port, isolated=self.isolated_moto
        )
        endpoint = self.aws.endpoint_url
        env = base_environment(gateway_url=self.url)
        if self.shell_settings:
            env = {k: os.environ.get(k) or v for k, v in env.items()}
        env.update(aws_environment(endpoint))
        env.update(self.overrides)
        self._apply(env)
        region = os.environ["AWS_REGION"]
        if self.prefix is None:
            self.prefix = (
                f"otklik-{self.namespace}-"
                if self.namespace
                else os.environ.get("LOCAL_RESOURCE_PREFIX") or resources.DEFAULT_PREFIX
            )
        self.created = resources.create(
            endpoint_url=endpoint,
            region=region,
            template=self.template,
            prefix=self.prefix,
            mail_sender=os.environ["MAIL_SENDER"],
        )
        defaults = resources.template_defaults(self.template, self.created.resolver)
        extra = {
            k: v for k, v in defaults.items() if not (self.shell_settings and os.environ.get(k))
        }
        extra = {k: v for k, v in extra.items() if k not in env}
        self._apply({**extra, **self.created.env})
        self.env = {k: v for k, v in {**env, **extra, **self.created.env}.items() if v}
        if folder is not None:
            keeper = self._keeper(folder, region)
            if keeper is None:
                folder.release()
            else:
                # an unreadable snapshot stops the start here and is left as it is
                self.restored = keeper.restore()
                self.keeper = keeper

        from otklik import bootstrap

        bootstrap.reset()
        from local.seed import seed

        seed()
        if self.keeper is not None:
            self.restored["relayed"] = relay_outbox()

    def _keeper(self, folder, region: str):
        """The keeper of the state, if AWS is the embedded moto of this process."""
        import boto3

        from local.state import Keeper

        app = getattr(self.aws.server, "app", None)
        if app is None or not hasattr(app, "changes"):
            log.warning(
                "Состояние не сохраняется: AWS не встроенный (%s). / State is not kept: "
                "AWS is not this run's embedded moto.",
                self.aws.endpoint_url or "AWS",
            )
            return None
        account = next(iter(self.created.queue_arns.values())).split(":")[4]
        return Keeper(
            folder=folder,
            tables=dict(self.created.tables),
            queues=dict(self.created.queues),
            account=account,
            region=region,
            lock=app.lock,
            changes=app.changes,
            buckets=dict(getattr(self.created, "buckets", None) or {}),
            s3=boto3.client("s3", region_name=region, endpoint_url=self.aws.endpoint_url),
        )

    def start(self, *, block: bool = False) -> None:
        """Prepare, start the consumers and the schedule, and serve HTTP (here if `block`)."""
        from werkzeug.serving import make_server

        from local.gateway import create_app
        from local.mailbox import blueprint as mailbox
        from local.simulator import Monitoring, blueprint
        from local.workers import Workers

        self.prepare()
        region = os.environ["AWS_REGION"]
        self.workers = Workers.from_template(
            self.created,
            template=self.template,
            endpoint_url=self.aws.endpoint_url,
            region=region,
            sweep_seconds=self.sweep_seconds,
            namespace=self.namespace,
        )
        self.simulator = Monitoring(
            gateway_url=self.url, secret=os.environ["MONITORING_WEBHOOK_SECRET"]
        )
        self.app = create_app(
            self.template,
            region=region,
            simulator=blueprint(self.simulator),
            mailbox=mailbox(self.aws.endpoint_url) if self.aws.endpoint_url else None,
            namespace=self.namespace,
        )
        from local.ops import blueprint as ops

        # /ops: each dead-letter queue's messages with their reasons (local/ops.py)
        self.app.register_blueprint(
            ops(self.created, endpoint_url=self.aws.endpoint_url, region=region),
            url_prefix="/ops",
        )
        if self.keeper is not None:
            keep_after_requests(self.app, self.keeper)
            self.workers.after_work = self.keeper.save
        self._server = make_server(self.host, self.port, self.app, threaded=True)
        self.workers.start()
        if self.keeper is not None:
            self.keeper.start()
        if block:
            self._server.serve_forever()
        else:
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="gateway", daemon=True
            )
            self._thread.start()

    def drain(self, timeout: float = 30.0) -> int:
        return self.workers.drain(timeout)

    # -- stop --------------------------------------------------------------------------------

    def stop(self) -> None:
        if self.workers is not None:
            self.workers.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._thread is not None:
            self._thread.join(10)
        if self.keeper is not None:
            try:
                self.keeper.stop()  # the last snapshot, before the embedded AWS goes
            except Exception:
                log.exception("saving the local state failed")
            self.keeper = None
        if self.aws is not None:
            self.aws.stop()
        self._restore()
        with contextlib.suppress(Exception):
            from otklik import bootstrap

            bootstrap.reset()

    def _apply(self, env: Mapping[str, str | None]) -> None:
        """Set (None: remove) variables, remembering what was there for `stop`."""
        for key, value in env.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def _restore(self) -> None:
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_env.clear()


def relay_outbox() -> int:
    """Send every outbox record left (a run that died between a commit and its relay): a
    message may go twice, never be lost; consumers drop a repeated message id."""
    from otklik.adapters.queues import QueueSender, relay, stale_outbox
    from otklik.config import settings

    now = datetime.now(UTC) + timedelta(minutes=1)
    return relay(stale_outbox(now, older_than=timedelta(0)), QueueSender(settings()))


MUTATING = ("POST", "PUT", "PATCH", "DELETE")


def keep_after_requests(app, keeper) -> None:
    """Save the state after every mutating request, before its answer goes out."""
    from flask import request

    from local.gateway import json_response

    @app.after_request
    def keep(response):
        if request.method in MUTATING:
            try:
                keeper.save()
            except Exception:
                log.exception("saving the local state failed")
                return json_response(
                    500,
                    {
                        "error": {
                            "code": "state_not_saved",
                            "message": "Состояние локального запуска не сохранено (см. журнал).",
                            "fields": {},
                        }
                    },
                )
        return response


def banner(system: LocalSystem) -> str:
    aws = system.aws.endpoint_url or "настоящий AWS / real AWS"
    consumers = ", ".join(
        f"{c.queue_id}→{c.function.logical_id}" for c in system.workers.runnable()
    )
    skipped = [c.function.logical_id for c in system.workers.consumers if not c.function.available]
    sweep = system.workers.sweep_seconds
    lines = [
        "",
        "Отклик — локальный запуск / Otklik, local run",
        "",
        f"  Страница сотрудников / staff page:        {system.url}/",
        f"  Имитатор мониторинга / monitoring sim:    {system.url}/sim",
        f"  Отправленные письма / sent e-mails:        {system.url}/mail",
        f"  Недоставленные / dead letters:            {system.url}/ops/",
        f"  API:                                      {system.url}/api/v1/...",
        f"  AWS (DynamoDB, SQS, SES):                 {aws}",
        f"  Очереди / queue consumers:                {consumers or '—'}",
        f"  Проверка сроков / sweeper:                каждые / every {sweep:g} s",
        f"  Состояние / state:                        {_state_line(system)}",
        "",
        "  Вход / logins: tech, resp, roads, housing, head — пароль / password: demo",
        "  Начните с имитатора: передайте сообщение, затем войдите как tech.",
        "  Start in the simulator: send a message, then sign in as tech.",
        "  Ctrl-C — остановить / to stop.",
        "",
    ]
    if skipped:
        lines.insert(-1, f"  Нет кода (пропущены) / no handler yet: {', '.join(skipped)}")
    return "\n".join(lines)


def _state_line(system: LocalSystem) -> str:
    if system.keeper is None:
        return "не сохраняется / not kept"
    restored = system.restored or {}
    return (
        f"{system.keeper.folder.path} (восстановлено / restored: "
        f"{restored.get('items', 0)} items, {restored.get('messages', 0)} messages, "
        f"{restored.get('mail', 0)} e-mails, {restored.get('objects', 0)} files; "
        "`make reset` — начать заново / to start clean)"
    )


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default=os.environ.get("LOCAL_HOST", HOST))
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOCAL_PORT", PORT)))
    parser.add_argument("--moto-port", type=int, default=MOTO_PORT)
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="where the run keeps its data between runs "
        "(default: $OTKLIK_STATE_DIR or .otklik/ in the repository)",
    )
    parser.add_argument("--reset", action="store_true", help="forget the kept data, start clean")
    parser.add_argument(
        "--no-state", action="store_true", help="keep nothing: every run starts empty"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("botocore", "boto3", "pynamodb", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly as Ctrl-C

    if port_open(args.host, args.port):
        print(
            f"Порт {args.port} занят: локальный запуск уже идёт? / "
            f"Port {args.port} is taken: is a local run already up?",
            file=sys.stderr,
        )
        return 1
    system = LocalSystem(
        host=args.host,
        port=args.port,
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL"),
        moto_port=args.moto_port,
        state_dir=None if args.no_state else (args.state_dir or state.default_dir()),
        reset_state=args.reset,
    )
    try:
        system.start()
        print(banner(system), flush=True)
        while system._thread.is_alive():
            system._thread.join(0.5)
    except KeyboardInterrupt:
        print("\nОстанавливаю… / stopping…", flush=True)
    except (FileNotFoundError, RuntimeError) as error:
        print(f"Ошибка / error: {error}", file=sys.stderr)
        return 1
    finally:
        system.stop()
    return 0
