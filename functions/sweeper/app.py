"""SweeperFunction: every 5 minutes, warn and escalate deadlines, re-drive the outbox.

"Now" is the scheduled event's `time`, so a retried or delayed invocation judges the deadlines
as of its schedule, and tests and `make invoke` can replay any moment.
"""

from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from otklik.bootstrap import deps
from otklik.entrypoints.yandex import both_clouds
from otklik.service.sweep import sweep

logger = Logger(service="otklik-sweeper")


@both_clouds
def lambda_handler(event, context):
    raw = (event or {}).get("time")
    now = datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else datetime.now(UTC)
    report = sweep(deps(), now)
    summary = {
        "now": now.isoformat(),
        "examined": report.examined,
        "escalations": len(report.escalations),
        "relayed": report.relayed,
        "conflicts": report.conflicts,
        "failures": len(report.failures),
    }
    logger.info("sweep done", extra=summary)
    return summary
