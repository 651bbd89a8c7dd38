"""What every network adapter shares: the Publisher interface, its result, its errors, and the
pieces of the answer every network needs (the text with non-photo attachments as links, the
author's mention for a post outside the thread)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from otklik.domain.model import Attachment, Draft, Message, Receipt

if TYPE_CHECKING:
    from otklik.adapters.publishers.http import Budget


class PublishError(Exception):
    """The answer did not go out. `reason` is Russian: the technical executor reads it."""

    permanent = False

    def __init__(
        self, reason: str, *, retry_after: float | None = None, code: int | str | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.code = code


class TemporaryError(PublishError):
    """Worth trying again: a rate limit, a 5xx, a timeout. `retry_after` is the wait the other
    side asked for, if it said; `inline=False` leaves the retry to the queue."""

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        code: int | str | None = None,
        inline: bool = True,
    ) -> None:
        super().__init__(reason, retry_after=retry_after, code=code)
        self.inline = inline


class PermanentError(PublishError):
    """Trying again cannot help (a revoked token, a deleted post, a refused request): a person
    has to publish the answer."""

    permanent = True


class ReplyImpossible(PermanentError):
    """Replying in the post's own thread is impossible (comments closed, no access to the chat):
    clause 15's fallback applies — post from the administration's own page with a link."""


@dataclass(frozen=True)
class Published:
    """Where the answer went: its link, and the network's answer (the proof of publication)."""

    url: str
    receipt: Receipt


class Publisher(Protocol):
    network: str

    def publish(self, message: Message, draft: Draft, *, budget: Budget) -> Published:
        """Post `draft` as the answer to `message`, in its thread where possible.

        Raises `TemporaryError` (retry later) or `PermanentError` (publish by hand)."""


def photos(attachments: tuple[Attachment, ...]) -> list[Attachment]:
    return [a for a in attachments if a.type == "photo"]


def text_with_links(draft: Draft) -> str:
    """The answer's text, with the attachments a network cannot carry (video, documents, links)
    as links below it, so the proof the executor attached (clause 19) is not lost."""
    others = [a.url for a in draft.attachments if a.type != "photo"]
    return "\n".join([draft.text, *others]) if others else draft.text


def fallback_text(message: Message, text: str, mention: str) -> str:
    """An answer posted on the administration's own page: addressed to the author, with a link
    to their post (clause 15)."""
    return f"{mention}, {text}\n\nОтвет на сообщение: {message.url}"


def author_name(message: Message) -> str:
    return (message.author.name or "").strip() or "Уважаемый житель"
