"""Advice on a draft answer (`otklik.domain.draft_checks`): each finding when it should be
given and not when it should not, and every message in Russian, naming what to fix.

The drafts here are the unit tests' own, apart from `bench/data/drafts.jsonl` (checked below).
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from otklik.domain.draft_checks import CODES, Finding, Phrases, check
from otklik.domain.values import Attachment

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 3, 2)
PHOTO = [("photo", "https://files.example/p.jpg")]

# A good final answer: addressed by name, a measure done and one planned, a date, a photo.
GOOD = (
    "Галина, здравствуйте! Яму у остановки на Школьной засыпали щебнем вчера, асфальт "
    "положим до 15 мая. Фото прикладываем."
)
GOOD_INTERIM = (
    "Галина, здравствуйте! Запросили у подрядчика график ремонта моста. Окончательный ответ "
    "дадим до 12 марта."
)
DRAFTS = []  # every draft of this module, for the overlap check at the end


def run(text: str, **kwargs) -> list[Finding]:
    DRAFTS.append(text)
    args = {
        "kind": "final",
        "attachments": PHOTO,
        "network": "vk",
        "author_name": "Галина Ивановна Петрова",
        "repeat_of": False,
        "today": TODAY,
    }
    args.update(kwargs)
    return check(text, **args)


def codes(text: str, **kwargs) -> list[str]:
    return [f.code for f in run(text, **kwargs)]


def warnings(text: str, **kwargs) -> list[str]:
    return [f.code for f in run(text, **kwargs) if f.severity == "warning"]


def the(code: str, text: str, **kwargs) -> Finding:
    return next(f for f in run(text, **kwargs) if f.code == code)


def test_a_good_answer_has_no_warning():
    assert warnings(GOOD) == []
    assert warnings(GOOD_INTERIM, kind="interim", attachments=[]) == []


# --- no_address ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "opening",
    ["Галина, здравствуйте!", "Уважаемая Галина Ивановна!", "Добрый день, Галина.", "Галине —"],
)
def test_any_form_of_the_first_name_addresses_the_author(opening):
    assert "no_address" not in codes(f"{opening} Яму засыпали вчера.")


def test_a_greeting_without_the_known_name_is_not_enough():
    finding = the("no_address", "Здравствуйте! Яму засыпали вчера.")
    assert finding.severity == "warning"
    assert "Галина, здравствуйте!" in finding.message


def test_without_a_name_a_greeting_is_the_address():
    assert "no_address" not in codes("Добрый день! Яму засыпали вчера.", author_name="dom_12")
    finding = the("no_address", "Яму засыпали вчера.", author_name="dom_12")
    assert "«Здравствуйте!»" in finding.message


def test_a_latin_name_and_one_pymorphy_does_not_know():
    assert "no_address" not in codes("Сергей, яму засыпали вчера.", author_name="Sergey_P")
    assert "Сергей" in the("no_address", "Яму засыпали вчера.", author_name="Sergey_P").message
    assert "no_address" not in codes("Зарине спасибо, яму засыпали вчера.", author_name="Зарина")


# --- no_measure ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "measure",
    [
        "Трубу на Садовой заменили.",
        "Трубу на Садовой заменим.",
        "Труба на Садовой будет заменена.",
        "Будем менять трубу на Садовой.",
        "Планируем заменить трубу на Садовой.",
        "Бригаду направим на Садовую.",
        "Деньги на ремонт выделены.",
    ],
)
def test_a_past_or_future_action_with_its_object_is_a_measure(measure):
    assert "no_measure" not in codes(f"Галина, здравствуйте! {measure} Срок — 5 марта.")


@pytest.mark.parametrize(
    "no_measure",
    [
        "Ваш вопрос рассмотрен.",
        "Необходимо заменить трубу.",  # a need, not a commitment
        "Мы обязательно всё сделаем.",  # no object
        "Ваше обращение направили в водоканал.",  # forwarding the message is no measure
        "Примем все меры.",
    ],
)
def test_no_measure(no_measure):
    finding = the("no_measure", f"Галина, здравствуйте! {no_measure} Срок — 5 марта.")
    assert finding.severity == "warning"
    assert "сделано или будет сделано" in finding.message


# --- no_date ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "term",
    [
        "10 декабря",
        "до 20 июня",
        "в течение недели",
        "в течение трёх рабочих дней",
        "завтра до 12:00",
        "к концу месяца",
        "в срок до 1 апреля",
        "в пятницу",
        "до среды",
        "12.03.2026",
        "на следующей неделе",
        "в апреле",
        "в 2027 году",
        "во II квартале",
        "через две недели",
    ],
)
def test_any_day_date_or_term(term):
    assert "no_date" not in codes(f"Галина, здравствуйте! Трубу заменим {term}.")


def test_no_date_names_the_vague_term():
    finding = the("no_date", "Галина, здравствуйте! Трубу заменим в ближайшее время.")
    assert finding.severity == "warning"
    assert "«в ближайшее время» — не срок" in finding.message
    assert "до 20 июня" in finding.message


def test_work_already_done_needs_no_term():
    assert "no_date" not in codes("Галина, здравствуйте! Трубу уже заменили.")


# --- no_final_date ------------------------------------------------------------------------


def test_an_interim_answer_names_the_date_of_the_final_one():
    interim = "Галина, здравствуйте! Запросили у подрядчика график ремонта моста."
    finding = the("no_final_date", interim, kind="interim", attachments=[])
    assert "п. 16" in finding.message
    assert "no_final_date" not in codes(
        interim + " Ответим окончательно до 12 марта.", kind="interim", attachments=[]
    )
    # a date that is not the final answer's
    mixed = interim + " Подрядчик приедет 5 марта."
    assert "не сказано, что это срок" in the("no_final_date", mixed, kind="interim").message
    assert "no_final_date" not in codes(GOOD)  # a final answer needs none


# --- date_in_past -------------------------------------------------------------------------


def test_a_term_already_past():
    finding = the("date_in_past", "Галина, здравствуйте! Трубу заменим до 20 февраля.")
    assert "«до 20 февраля»" in finding.message and "02.03.2026" in finding.message
    assert "date_in_past" not in codes("Галина, здравствуйте! Трубу заменим до 20 мая.")
    # a date without a year long behind today is next year's
    assert "date_in_past" not in codes("Галина, здравствуйте! Асфальт положим до 1 октября.")
    assert "date_in_past" in codes("Галина, здравствуйте! Заменим до 01.02.2026.")


# --- repeat_without_progress ---------------------------------------------------------------


def test_a_repeat_says_what_was_done_since():
    plain = "Галина, здравствуйте! Трубу заменим до 20 мая."
    finding = the("repeat_without_progress", plain, repeat_of=True)
    assert "п. 18" in finding.message and "С прошлого ответа мы" in finding.message
    assert "repeat_without_progress" not in codes(plain)  # not a repeat
    progress = (
        "Галина, здравствуйте! С тех пор мы заменили 30 метров трубы, остальное заменим до 20 мая."
    )
    assert "repeat_without_progress" not in codes(progress, repeat_of=True)
    assert "repeat_without_progress" not in codes(
        "Галина, здравствуйте! Трубу уже заменили, воду дадим 5 марта.", repeat_of=True
    )


def test_a_repeat_that_only_repeats_the_earlier_answer():
    text = "Галина, здравствуйте! Как мы уже сообщали, ремонт включён в план на 2027 год."
    assert "repeat_without_progress" in codes(text, repeat_of=True)


# --- boilerplate --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phrase",
    [
        "Ваше обращение принято к сведению.",
        "Ваша жалоба принята к сведению.",
        "Вопрос на контроле.",
        "Держим ситуацию на контроле.",
        "Обращение будет рассмотрено в установленном порядке.",
        "Вопрос рассматривается.",
        "Проводится необходимая работа.",
        "Ведётся работа с подрядчиком.",
        "Будут приняты все необходимые меры.",
        "В рамках компетенции администрации.",
        "В соответствии с Федеральным законом № 131-ФЗ.",
        "Согласно ст. 14 закона о местном самоуправлении.",
    ],
)
def test_boilerplate_instead_of_substance_is_a_warning(phrase):
    finding = the("boilerplate", f"Галина, здравствуйте! {phrase}")
    assert finding.severity == "warning"
    assert "что сделано или будет сделано и когда" in finding.message


def test_boilerplate_beside_substance_is_advice():
    text = "Галина, здравствуйте! Ваше обращение рассмотрено: трубу заменим до 20 мая."
    finding = the("boilerplate", text)
    assert finding.severity == "info"
    assert "«рассмотрено»" in finding.message
    assert "boilerplate" not in codes(GOOD)


# --- photos_promised and no_proof ---------------------------------------------------------


@pytest.mark.parametrize(
    "promise", ["Фото прикладываем.", "Прилагаем фотоотчёт.", "См. фото.", "На фото — результат."]
)
def test_photos_promised_but_not_attached(promise):
    text = f"Галина, здравствуйте! Яму засыпали вчера. {promise}"
    finding = the("photos_promised", text, attachments=[])
    assert finding.severity == "warning" and "не приложены" in finding.message
    assert "photos_promised" not in codes(text)  # a photo is attached
    video = [("video", "https://files.example/v.mp4")]
    assert "photos_promised" not in codes(text, attachments=video)
    assert "photos_promised" not in codes(text, attachments=[Attachment("photo", "x")])


def test_done_work_without_a_photo_is_advice():
    text = "Галина, здравствуйте! Яму засыпали вчера."
    assert the("no_proof", text, attachments=[]).severity == "info"
    assert "no_proof" not in codes(text)
    assert "no_proof" not in codes("Галина, здравствуйте! Яму засыплем завтра.", attachments=[])


# --- too_long and too_formal ----------------------------------------------------------------


def test_too_long_for_the_network():
    body = "Галина, здравствуйте! Яму засыпали вчера. " + "Подробности о ремонте. " * 60
    finding = the("too_long", body)
    assert "«ВКонтакте»" in finding.message and "1\u00a0200" in finding.message
    assert "too_long" not in codes(body, network="web")  # 3,000 there
    assert "too_long" in codes(body * 3, network="web")
    assert "too_long" not in codes(GOOD)


def test_too_formal_for_a_social_network():
    text = "Галина, здравствуйте! Настоящим сообщаем, что яму засыпали вчера."
    finding = the("too_formal", text)
    assert "«Настоящим сообщаем»" in finding.message and "п. 19" in finding.message
    assert "too_formal" not in codes(text, network="web")  # one marker is tolerated there
    formal = text + " Доводим до вашего сведения, что асфальт положим до 20 мая."
    assert "too_formal" in codes(formal, network="web")


# --- clause20_in_draft --------------------------------------------------------------------


def test_clause20_words_in_our_own_draft():
    text = "Галина, здравствуйте! Не пишите, что мы тут дебилы: яму засыпали вчера."
    finding = the("clause20_in_draft", text)
    assert finding.severity == "warning" and "«дебилы»" in finding.message
    assert "оскорбительные" in finding.message
    assert "clause20_in_draft" not in codes(GOOD)
    assert "clause20_in_draft" not in codes(
        "Галина, здравствуйте! Коров с трассы у Логовского уберут хозяева до пятницы."
    )


# --- every message, the API, the data -------------------------------------------------------

EVERYTHING = "Здравствуйте! Ваше обращение принято к сведению, фото прикладываем, идиоты. " * 30


def test_every_finding_at_once_in_order_and_in_russian():
    findings = run(EVERYTHING, kind="interim", attachments=[], repeat_of=True)
    found = [f.code for f in findings]
    assert found == sorted(found, key=CODES.index)
    assert {
        "clause20_in_draft",
        "no_address",
        "no_measure",
        "no_final_date",
        "repeat_without_progress",
        "boilerplate",
        "photos_promised",
        "too_long",
    } <= set(found)
    for f in findings:
        assert f.severity in ("warning", "info")
        letters = re.findall(r"[A-Za-zА-Яа-яЁё]", f.message)
        cyrillic = [c for c in letters if not c.isascii()]
        assert len(cyrillic) / len(letters) > 0.95, f.message


def test_hostile_drafts_never_raise():
    for text in ["", "   ", "\x00\x1b<script>", "=CMD()", "*" * 5000, "я" * 30_000, None]:
        findings = check(text, kind="final", network="nowhere", today=TODAY)  # type: ignore[arg-type]
        assert findings and all(isinstance(f, Finding) for f in findings)


def test_the_phrases_are_data():
    raw = json.loads((ROOT / "shared/otklik/data/draft_phrases.json").read_text("utf-8"))
    assert "_format" in raw and {"vk", "web", "default"} <= set(raw["networks"])
    raw["boilerplate"].append("работаем над этим")
    custom = Phrases.from_dict(raw)
    text = "Галина, здравствуйте! Работаем над этим."
    assert "boilerplate" in [f.code for f in check(text, kind="final", network="vk",
                                                     author_name="Галина", today=TODAY,
                                                     phrases=custom)]  # fmt: skip
    assert "boilerplate" not in codes(text)


def test_unit_drafts_are_not_bench_data():
    bench = {
        json.loads(line)["text"]
        for line in (ROOT / "bench/data/drafts.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    }
    assert not bench.intersection([*DRAFTS, GOOD, GOOD_INTERIM])
