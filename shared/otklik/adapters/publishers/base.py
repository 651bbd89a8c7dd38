"""What every network adapter shares: the pieces of the answer every network needs (the text
with non-photo attachments as links, the author's mention for a post outside the thread).

The Publisher protocol and its result are `otklik.ports.Publisher` and `Published`; the errors
are the HTTP client's (`otklik.httpclient`)."""

from __future__ import annotations

from otklik.domain.values import Attachment, Draft, Message
from otklik.httpclient import File, PermanentError
from otklik.ports import FileStore

# The most a publisher reads of one file (the largest per-network limit is checked at upload).
MAX_FILE_BYTES = 256 * 1024 * 1024


def stored(attachments: tuple[Attachment, ...], kind: str | None = None) -> list[Attachment]:
    """The draft's files in the attachments bucket (of one kind, if given)."""
    return [a for a in attachments if a.key and (kind is None or a.type == kind)]


def photos(attachments: tuple[Attachment, ...]) -> list[Attachment]:
    return stored(attachments, "photo")


def text_with_links(draft: Draft) -> str:
    """The answer's text, with the links a draft stored before files were kept in the bucket
    still carries (never fetched), so the proof attached then (clause 19) is not lost."""
    others = [a.url for a in draft.attachments if not a.key and a.url]
    return "\n".join([draft.text, *others]) if others else draft.text


def read_file(files: FileStore | None, attachment: Attachment, limit: int = MAX_FILE_BYTES) -> File:
    """The file's bytes, from the attachments bucket only; never from a link."""
    if files is None:
        raise PermanentError(
            "Хранилище вложений не настроено: опубликуйте ответ с файлами вручную."
        )
    data = files.read(attachment.key, limit=limit)
    name = attachment.name or attachment.key.rsplit("/", 1)[-1]
    return File(name, data, attachment.content_type or "application/octet-stream")


def refuse_videos(draft: Draft, network: str) -> None:
    """A network whose adapter posts no video: the answer goes to a person, whole."""
    if stored(draft.attachments, "video"):
        raise PermanentError(
            f"{network}: видео к ответу система не публикует — опубликуйте ответ с видео вручную."
        )


def fallback_text(message: Message, text: str, mention: str) -> str:
    """An answer posted on the administration's own page: addressed to the author, with a link
    to their post (clause 15)."""
    return f"{mention}, {text}\n\nОтвет на сообщение: {message.url}"


def author_name(message: Message) -> str:
    return (message.author.name or "").strip() or "Уважаемый житель"
