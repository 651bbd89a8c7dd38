"""The library of answer templates: the shipped defaults, changed or hidden by the desk, and
the desk's own; which fit a message, most specific first; what a template may hold; who keeps
the library."""

from __future__ import annotations

import pytest

from local import ROOT
from otklik.domain.answer_templates import (
    TEXT_MAX_LENGTH,
    AnswerTemplate,
    defaults,
    library,
    make_template,
    suitable,
)
from otklik.domain.errors import Forbidden, InvalidInput, NotFound
from otklik.service import answer_templates
from tests.unit.fakes import fake_deps
from tests.unit.test_services import at, who


@pytest.fixture
def deps():
    return fake_deps()


def template(template_id: str, topic=None, network=None, **kw) -> AnswerTemplate:
    return make_template(
        template_id,
        title=kw.get("title", template_id),
        text=kw.get("text", "Здравствуйте, {имя}!"),
        kind=kw.get("kind", "final"),
        topic=topic,
        network=network,
        by="resp",
        now=at(10),
    )


def test_the_defaults_are_the_shipped_four_and_the_page_holds_none_of_its_own():
    assert [t.template_id for t in defaults()] == ["roads", "housing", "interim", "repeat"]
    assert all("{имя}" in t.text and t.default for t in defaults())
    assert "Дороги: ремонт участка" not in (ROOT / "web" / "texts.js").read_text("utf-8")


def test_the_most_specific_templates_come_first():
    general = template("general")
    vk = template("vk-any", network="vk")
    roads = template("roads-any", topic="Дороги")
    roads_vk = template("roads-vk", topic="дороги ", network="vk")
    roads_ok = template("roads-ok", topic="Дороги", network="ok")
    housing = template("housing-only", topic="ЖКХ")
    found = suitable(
        [general, vk, roads, roads_vk, roads_ok, housing], topic="ДОРОГИ", network="vk"
    )

    assert [t.template_id for t in found] == ["roads-vk", "roads-any", "vk-any", "general"]


def test_a_stored_template_replaces_its_default_a_deletion_hides_it_and_the_rest_follow():
    changed = template("roads", topic="Дороги", title="Дороги: свой текст")
    hidden = AnswerTemplate(**{**vars(template("repeat")), "deleted": True})
    own = template("own-a", title="Аварийные работы")

    found = library([changed, hidden, own])

    # the defaults by title, the desk's own after them; the deleted one is gone
    assert [t.template_id for t in found] == ["roads", "housing", "interim", "own-a"]
    assert found[0].title == "Дороги: свой текст"


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("template_id", {"template_id": "Дороги!"}),
        ("template_id", {"template_id": "a" * 41}),
        ("title", {"title": "   "}),
        ("title", {"title": "т" * 121}),
        ("text", {"text": "\x00\x07"}),  # nothing left once control characters go
        ("text", {"text": "я" * (TEXT_MAX_LENGTH + 1)}),
        ("kind", {"kind": "draft"}),
        ("topic", {"topic": "т" * 101}),
        ("network", {"network": "facebook"}),
    ],
)
def test_a_wrong_field_is_named_in_russian(field, overrides):
    values = {
        "template_id": "own",
        "title": "Свой",
        "text": "Текст",
        "kind": "final",
        "topic": None,
        "network": None,
    }
    values.update(overrides)
    template_id = values.pop("template_id")

    with pytest.raises(InvalidInput) as raised:
        make_template(template_id, **values, by="resp", now=at(10))

    assert raised.value.message.startswith("Шаблон не сохранён")
    assert set(raised.value.fields) == {field}


def test_control_and_bidi_characters_go_and_markup_and_formulas_stay_as_typed():
    saved = make_template(
        "own",
        title='=HYPERLINK("http://evil.example","жми")\x1b\u202e',
        text="<b>Здравствуйте</b>, {имя}!\r\n\x00Яма\tбудет\u2067 засыпана.\x07",
        kind="interim",
        topic="  Дороги\x00 ",
        network="telegram",
        by="tech",
        now=at(10),
    )

    assert saved.title == '=HYPERLINK("http://evil.example","жми")'
    assert saved.text == "<b>Здравствуйте</b>, {имя}!\nЯма\tбудет засыпана."
    assert (saved.topic, saved.network, saved.updated_by) == ("Дороги", "telegram", "tech")


@pytest.mark.parametrize("login", ["resp", "tech"])
def test_the_responsible_and_technical_executors_keep_the_library(deps, login):
    answer_templates.save_template(
        deps,
        who(deps, login),
        "roads-vk",
        title="Дороги, ВКонтакте",
        text="{имя}, здравствуйте! Яму засыплем до [срок].",
        kind="final",
        topic="Дороги",
        network="vk",
        now=at(11),
    )

    offered = answer_templates.list_templates(deps, topic="Дороги", network="vk")
    assert [t.template_id for t in offered][:2] == ["roads-vk", "roads"]
    assert offered[0].updated_by == login and offered[0].updated_at == at(11)


@pytest.mark.parametrize("login", ["roads", "popov", "head"])
def test_nobody_else_changes_it(deps, login):
    with pytest.raises(Forbidden):
        answer_templates.save_template(
            deps,
            who(deps, login),
            "x",
            title="x",
            text="x",
            kind="final",
            topic=None,
            network=None,
            now=at(11),
        )
    with pytest.raises(Forbidden):
        answer_templates.delete_template(deps, who(deps, login), "interim", now=at(11))
    assert [t.template_id for t in answer_templates.list_templates(deps)] == [
        t.template_id for t in library([])
    ]


def test_a_deleted_default_stays_hidden_and_the_deletion_is_on_record(deps):
    answer_templates.delete_template(deps, who(deps, "resp"), "interim", now=at(12))

    assert "interim" not in [t.template_id for t in answer_templates.list_templates(deps)]
    [record] = deps.directory.answer_templates()
    assert (record.template_id, record.deleted, record.updated_by) == ("interim", True, "resp")
    with pytest.raises(NotFound):
        answer_templates.delete_template(deps, who(deps, "resp"), "interim", now=at(13))
