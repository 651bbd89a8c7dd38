"""E-mail through the SES v2 API: Amazon SES, Yandex Cloud Postbox (the same API, its own
endpoint: `SES_ENDPOINT_URL=https://postbox.cloud.yandex.net`, region ru-central1), moto's
SES in the local run and the tests (moto keeps v2 letters with the v1 ones).

Postbox takes `SendEmail` of the SES v2 API (postbox/aws-compatible-api/api-ref/send-email,
https://yandex.cloud/ru/docs/postbox/aws-compatible-api/api-ref/send-email); the v1 API's
`SendEmail` it does not have, which is why this is v2 everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import boto3

from otklik.config import Settings


@dataclass
class Mailer:
    settings: Settings

    @cached_property
    def _client(self):
        return boto3.client(
            "sesv2", region_name=self.settings.region, endpoint_url=self.settings.endpoint("ses")
        )

    def send(self, to: str, subject: str, body: str) -> None:
        self._client.send_email(
            FromEmailAddress=self.settings.mail_sender,
            Destination={"ToAddresses": [to]},
            Content={
                "Simple": {
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
                }
            },
        )
