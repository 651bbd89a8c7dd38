"""The drafts' files in the attachments bucket (S3, or an S3-compatible store): the port
`otklik.ports.FileStore`.

The browser uploads a file straight to the bucket with a presigned POST whose policy names the
object key, its Content-Type and a `content-length-range`: S3 refuses a larger body
(EntityTooLarge) before storing anything. The functions then read only what they need: the
size (HEAD), the first bytes (a ranged GET) to recognise the file, the whole file to publish.
"""

from __future__ import annotations

from functools import cached_property

from botocore.exceptions import ClientError

from otklik.httpclient import PermanentError, TemporaryError
from otklik.ports import StoredFile, UploadForm

_MISSING = ("404", "NoSuchKey", "NotFound")


class S3FileStore:
    def __init__(self, bucket: str, *, region: str, endpoint_url: str | None = None) -> None:
        self.bucket = bucket
        self.region = region
        self.endpoint_url = endpoint_url

    @cached_property
    def _s3(self):
        import boto3  # the handlers that never touch files never build an S3 client
        from botocore.config import Config

        if self.endpoint_url:  # an emulator: path-style, at its own address
            endpoint, style = self.endpoint_url, "path"
        else:  # the bucket's regional address, which the page's CSP names
            endpoint, style = f"https://s3.{self.region}.amazonaws.com", "virtual"
        return boto3.client(
            "s3",
            region_name=self.region,
            endpoint_url=endpoint,
            config=Config(signature_version="s3v4", s3={"addressing_style": style}),
        )

    def upload_form(
        self, key: str, *, content_type: str, max_size: int, expires: int
    ) -> UploadForm:
        form = self._s3.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, max_size],
            ],
            ExpiresIn=expires,
        )
        return UploadForm(form["url"], dict(form["fields"]))

    def head(self, key: str) -> StoredFile | None:
        try:
            answer = self._s3.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _missing(error):
                return None
            raise
        return StoredFile(int(answer["ContentLength"]), answer.get("ContentType") or "")

    def read_start(self, key: str, length: int) -> bytes:
        try:
            answer = self._s3.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{length - 1}")
        except ClientError as error:
            if _missing(error) or error.response["Error"].get("Code") == "InvalidRange":
                return b""
            raise
        return answer["Body"].read(length)

    def read(self, key: str, *, limit: int) -> bytes:
        try:
            answer = self._s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _missing(error):
                raise PermanentError(f"Вложения нет в хранилище: {key}") from None
            raise TemporaryError(f"Хранилище вложений недоступно: {_code(error)}") from None
        if int(answer.get("ContentLength") or 0) > limit:
            answer["Body"].close()
            raise PermanentError(f"Вложение больше {limit} байт: {key}")
        data = answer["Body"].read(limit + 1)
        if len(data) > limit:
            raise PermanentError(f"Вложение больше {limit} байт: {key}")
        return data

    def delete(self, key: str) -> None:
        self._s3.delete_object(Bucket=self.bucket, Key=key)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code") or "")


def _missing(error: ClientError) -> bool:
    status = str(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or "")
    return _code(error) in _MISSING or status == "404"
