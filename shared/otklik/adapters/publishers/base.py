"""What every network adapter shares: the pieces of the answer every network needs (the text
with non-photo attachments as links, the author's mention for a post outside the thread).

The Publisher protocol and its result are `otklik.ports.Publisher` and `Published`; the errors
are the HTTP client's (`otklik.httpclient`)."""

from __future__ import annotations

from otklik.domain.values import Attachment, Draft, Message


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
