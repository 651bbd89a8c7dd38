"""NotificationFunction: render and send the e-mails the flow's events call for."""

from dataclasses import dataclass, field
from functools import cache

from otklik.adapters.mail import Mailer
from otklik.bootstrap import deps
from otklik.entrypoints.batch import QueueMessage, consume
from otklik.entrypoints.yandex import both_clouds
from otklik.service.notify import deliver


@dataclass(frozen=True, kw_only=True)
class Notification(QueueMessage):
    template: str
    case_id: str
    recipients: dict
    context: dict = field(default_factory=dict)


@cache
def _mailer() -> Mailer:
    return Mailer(deps().settings)


@both_clouds
def lambda_handler(event, context):
    return consume(
        deps(),
        event,
        context,
        Notification,
        lambda n: deliver(
            deps(),
            _mailer(),
            template=n.template,
            case_id=n.case_id,
            wanted=n.recipients,
            context=n.context,
        ),
        consumer="notifications",
    )
