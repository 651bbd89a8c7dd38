"""The library of answer templates: every official reads it (the draft form offers the fitting
ones), the responsible and the technical executors keep it (`Action.EDIT_TEMPLATES`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from otklik.domain.answer_templates import AnswerTemplate, library, make_template, suitable
from otklik.domain.errors import Forbidden, NotFound
from otklik.domain.roles import Action, Actor
from otklik.service.deps import Deps


def list_templates(
    deps: Deps, *, topic: str | None = None, network: str | None = None
) -> list[AnswerTemplate]:
    """The whole library (the shipped templates first, then the desk's own, each group by
    title), or, given a message's topic or network, the templates that fit it, the most
    specific first."""
    templates = library(deps.directory.answer_templates())
    if topic is None and network is None:
        return templates
    return suitable(templates, topic=topic, network=network)


def save_template(
    deps: Deps,
    actor: Actor,
    template_id: str,
    *,
    title: str,
    text: str,
    kind: str,
    topic: str | None,
    network: str | None,
    now: datetime,
) -> AnswerTemplate:
    """Create or replace a template (a default's id replaces the default)."""
    _require_keeper(actor)
    template = make_template(
        template_id,
        title=title,
        text=text,
        kind=kind,
        topic=topic,
        network=network,
        by=actor.login,
        now=now,
    )
    deps.directory.put_answer_template(template)
    return template


def delete_template(deps: Deps, actor: Actor, template_id: str, *, now: datetime) -> None:
    """Remove a template from the library. It is stored as deleted, never erased: a default
    stays hidden, and every deletion is on record with who made it and when."""
    _require_keeper(actor)
    found = {t.template_id: t for t in list_templates(deps)}.get(template_id)
    if found is None:
        raise NotFound("Шаблон не найден.")
    deps.directory.put_answer_template(
        replace(found, updated_by=actor.login, updated_at=now, deleted=True)
    )


def _require_keeper(actor: Actor) -> None:
    if not actor.may(Action.EDIT_TEMPLATES):
        raise Forbidden("Шаблоны ответов ведут ответственный и технический исполнители.")
