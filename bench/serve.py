"""`python -m bench.serve --port P --moto-port M`: the local system for the intake load test.

What `make run` serves (moto in this process, the template's tables and queues, the gateway on
127.0.0.1), with the queue consumers and the schedule stopped, so the load test measures the
intake path alone. Prints `ready` when it serves; stops on SIGTERM or when stdin closes.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from bench import common  # noqa: F401  (sets up the path to shared/)
from bench.system import SECRET, TOKEN_SECRET
from local.run import LocalSystem


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--moto-port", type=int, required=True)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    system = LocalSystem(
        port=args.port,
        moto_port=args.moto_port,
        sweep_seconds=24 * 3600,
        shell_settings=False,
        namespace="load",
        overrides={
            "MONITORING_WEBHOOK_SECRET": SECRET,
            "STAFF_TOKEN_SECRET": TOKEN_SECRET,
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        },
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    system.start()
    system.workers.stop()
    print("ready", flush=True)
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    system.stop()


if __name__ == "__main__":
    main()
