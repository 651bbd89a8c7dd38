"""E-mail through SES (moto's SES in the local run)."""

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
            "ses", region_name=self.settings.region, endpoint_url=self.settings.endpoint_url
        )

    def send(self, to: str, subject: str, body: str) -> None:
        self._client.send_email(
            Source=self.settings.mail_sender,
            Destination={"ToAddresses": [to]},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
            },
        )
