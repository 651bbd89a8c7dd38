"""Clause 20 screening on word forms (`otklik.domain.screening`).

The examples here are the unit tests' own: none is a line of `bench/data/messages.jsonl`
(checked below), so the benchmark measures the rules on text they were not written against.
One analyzer serves the whole module (it is the process's, built on first use).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from otklik.domain import screening
from otklik.domain.screening import CATEGORIES, Flag, Lexicon, categories, screen

ROOT = Path(__file__).resolve().parents[2]


def cats(text: str) -> list[str]:
    return categories(screen(text))


def words(text: str, category: str) -> tuple[str, ...]:
    return next((f.words for f in screen(text) if f.category == category), ())


# --- clean: the traps of substring filters ------------------------------------------------

CLEAN = [
    "Бродячие коровы опять на мосту у Повалихи, водители сигналят по полчаса.",
    "Стадо коров каждое утро перегораживает дорогу к ферме.",
    "Козёл соседа забодал ребёнка, кто отвечает за выпас?",
    "Купили в сельпо мандарины — половина гнилые, верните деньги.",
    "Свиньи у фермера сбежали и роют огороды на Заречной.",
    "Главный инженер Баранов третий день не отвечает на звонки.",
    "Отдел ведёт Ослова Мария, она обещала перезвонить.",
    "На трассе у Бобровки сбили лося, туша так и лежит.",
    "Переход у рынка опасный, кого-нибудь обязательно собьют.",
    "Здесь кто-нибудь убьётся на льду, посыпьте песком.",
    "Током может убить ребёнка: щиток во дворе открыт.",
    "Сосулька упадёт и убьёт кого-нибудь у входа в аптеку.",
    "Вы ответите на письмо жителей до собрания?",
    "Застрахуйтесь сами, раз нам ничего не платите за затопление.",
    "Закопаем канаву у дома сами, дайте только щебень.",
    "Мы сожжём сухую траву на своём участке, это законно?",
    "Блинная на углу закрылась, работы в селе нет.",
    "Употребляют алкоголь прямо на детской площадке.",
    "Хлебозавод закрыли, учебный год начался без ремонта.",
    "Шлюз на плотине течёт, мудрёная схема оплаты за воду.",
    "Вы что, коров не видели на трассе?",
    "Рейс отменили, пассажиров бросили на морозе как скот.",
    "Живём как свиньи в грязи, канализация течёт во двор.",
    "Ваших детей возят на автобусе, а наших в Журавлях нет.",
    "Крысы бегают по подвалу больницы, вызовите дезинсекцию.",
    "У детей в лагере нашли гниды, родителям не сообщили.",
    "Собака-сука ощенилась под крыльцом школы, заберите щенков.",
    "Пожалейте пенсионеров, верните автобус до райцентра.",
    "Закопают миллионы в эту площадь, а дорогу не сделают.",
    "Хоть убей, не понимаю, куда делись деньги на ремонт.",
    "Доберусь до прокуратуры, если до мая не сделаете водопровод.",
    "Вы ответите перед судом за то, что затопили подвал.",
    "Знаю, где живёт наш депутат: у его дома дорогу сделали первой.",
    "Ваша машина тоже сядет на брюхо на этой дороге, проверьте сами.",
    "Подумайте о наших детях, им зимой ходить по обочине.",
    "Объём работ огромный, подъезд к школе не расчищен, съезд разбит.",
    "Вебинар для родителей перенесли, веб-камера в классе не работает.",
    "Ребята, спасибо, дорогу к хутору прогрейдировали.",
    "Блин, опять свет отключили, холодильник потёк.",
    "Охренели с тарифами, офигеть можно.",
    "Дорога убитая, подвеску убили за месяц.",
    "Овцы, козы, коровы — всё по трассе ходит, уберите!",
    "Глава, бараны опять на трассе у Зудилово, нужен знак.",
    "Аманда из районного центра тоже жаловалась на свет.",
    "Повесьте объявление о графике отключения воды.",
]


@pytest.mark.parametrize("text", CLEAN)
def test_traps_are_clean(text):
    assert screen(text) == [], text


# --- obscene: prefixes, disguises ---------------------------------------------------------

PREFIXES = {
    "на": "Нахуя нам такой мост без перил?",
    "по": "Им совершенно похуй, что дети ходят по трассе.",
    "о": "Охуевшие чиновники опять подняли тариф.",
    "за": "Заебись вы работаете, неделю без воды.",
    "до": "Доебался мастер до бабушки со счётчиком.",
    "у": "Какой уебан поставил мусорку у окон?",
    "вы": "Выблядки разрисовали остановку.",
    "от": "Отпиздили бы того, кто так кладёт асфальт.",
    "раз": "Разъебали грейдером весь тротуар.",
    "рас": "Распиздели все деньги на плитку.",
    "съ": "Съебите уже из кабинетов к людям.",
    "при": "Приебались со своими проверками к фермерам.",
    "пере": "Переебать бы эту дорогу заново.",
    "недо": "Недоёбки из подрядчика опять всё бросили.",
    "ни": "Нихера нет, ниху я вижу — нихуя не сделано.",
}


@pytest.mark.parametrize("prefix", sorted(PREFIXES))
def test_each_prefix_form_is_obscene(prefix):
    assert "obscene" in cats(PREFIXES[prefix]), PREFIXES[prefix]


DISGUISES = {
    "latin look-alikes": "Дорога — xyйня полная.",
    "latin inside a word": "Вы там совсем охуeли?",
    "latin capitals": "XУЙ вам, а не ремонт.",
    "a latin letter for a letter": "Пизdец с отоплением.",
    "digit": "П1здец какой-то с водой.",
    "digits 6 and 3": "6ля, опять пи3дец с мусором.",
    "asterisk": "Опять п*здец с автобусом.",
    "asterisk with a prefix": "Нах*й нам этот ремонт.",
    "two asterisks": "Бл**ь, света нет.",
    "at sign": "Бл@ть, опять отключили.",
    "dollar": "Ра$пиздяи из водоканала опять копают.",
    "dots": "Х.у.й вам, а не автобус.",
    "dashes": "Б-л-я-т-ь, опять вода ржавая.",
    "underscores": "П_и_з_д_е_ц у вас в поликлинике.",
    "spaces": "Х у й н я, а не ремонт.",
    "a split pair": "Бл ять, автобус не пришёл.",
    "repeated letters": "Хуууууйня эти ваши отчёты.",
    "transliteration": "pizdec s dorogami",
    "zero-width character": "Пиз\u200bдец с водой.",
    "combining accent": "Пи\u0301здец с водой.",
    "fullwidth letters": "Ｘуйня, а не мост.",
    "ё": "Ёбаный стыд, а не больница.",
}


@pytest.mark.parametrize("kind", sorted(DISGUISES))
def test_each_disguise_is_seen_through(kind):
    assert "obscene" in cats(DISGUISES[kind]), DISGUISES[kind]


def test_the_words_are_reported_as_they_appear():
    assert words("Вы там совсем ох*ели, б.л.я?", "obscene") == ("ох*ели", "б.л.я")
    assert words("Х у й вам", "obscene") == ("Х у й",)
    assert words("Дебииилы, когда снег уберёте?", "insult") == ("Дебииилы",)
    assert words("Мы знаем, где ты живёшь.", "threat") == ("знаем, где ты живёшь",)
    assert screen("Козлы, когда уберёте?") == [Flag("insult", ("Козлы",))]


def test_a_word_is_reported_once():
    assert words("Пиздец. Опять пиздец. Пиздец!", "obscene") == ("Пиздец", "пиздец")


# --- insults ------------------------------------------------------------------------------

INSULTS = [
    "Идиоты, кто же зимой кладёт асфальт?",
    "Дебилы из водоканала снова перекопали улицу.",
    "Уроды, верните фельдшера в село!",
    "Мрази, последние деньги у стариков забираете.",
    "Вы просто твари, людей за людей не считаете.",
    "Какой-то придурок перекрыл въезд во двор.",
    "Ну и дура эта специалистка из соцзащиты.",
    "Кретины, зачем знак посреди тротуара?",
    "Д.е.б.и.л.ы, кто так чистит снег?",
    "С*ки, вернут рейс или нет?",
]


@pytest.mark.parametrize("text", INSULTS)
def test_insults(text):
    assert "insult" in cats(text), text


ADDRESSED = {
    "second person": "Вы там все козлы, что ли?",
    "«ты и …»": "Ну ты и скотина, Семёныч, обещал и не сделал.",
    "an official before": "Администрация у нас — сплошные бараны.",
    "an official after a dash": "Депутаты — свиньи, зажрались совсем.",
    "from the administration": "Козлы из администрации опять про нас забыли.",
    "vocative with a question": "Бараны, кто так грейдирует?",
    "vocative with a 2nd-person verb": "Свиньи, когда мусор вывезете?",
    "vocative at the end": "Когда дорогу сделаете, козлы?",
    "a lone exclamation": "Скоты!",
    "«эй»": "Эй, ослы, снег почистите!",
    "hyphenated": "Чиновники-свиньи зажрались.",
    "an adjective of officialdom": "Крысы кабинетные, приезжайте посмотреть.",
    "a collective noun": "Вся наша дума — стадо баранов.",
}


@pytest.mark.parametrize("case", sorted(ADDRESSED))
def test_livestock_words_insult_only_when_said_to_people(case):
    assert "insult" in cats(ADDRESSED[case]), ADDRESSED[case]


def test_surnames_and_places_are_not_insults():
    assert screen("Спасибо депутату Свиньину и главе Козлову за мост.") == []
    assert screen("Быков обещал, что к осени будет свет.") == []
    assert screen("В деревне Козлово нет связи, идиотская ситуация.") == []


# --- threats ------------------------------------------------------------------------------

THREATS_WITH_VERBS = [
    "Придушу тебя, если ещё раз отключишь воду.",
    "Зарежем всех в сельсовете.",
    "Спалю твою дачу, глава.",
    "Я вас пристрелю, если закроете школу.",
    "Убью этого мастера при встрече.",
    "Перестрелять бы вас всех.",
    "Я бы этого начальника зарыл.",
    "Вас за такое урою.",
    "Взорвите эту контору, мужики!",
    "Вы пожалеете об этом.",
    "Ты ещё ответишь за это.",
    "Поплатишься за нашу дорогу.",
]


@pytest.mark.parametrize("text", THREATS_WITH_VERBS)
def test_threats_with_listed_verbs(text):
    assert "threat" in cats(text), text


THREATS_WITHOUT_VERBS = [
    "Знаю где ты живешь.",
    "Твоя семья ответит за это.",
    "Вам не поздоровится, глава.",
    "Гроб готовьте.",
    "Тебе крышка.",
    "Я тебе шею сверну.",
    "Мы знаем, где учатся ваши дети.",
    "С вашими детьми может что-нибудь случиться.",
    "Твой дом сгорит, если не сделаешь дорогу.",
    "Доберёмся до тебя, не сомневайся.",
    "За вами придут ночью.",
    "Мало не покажется никому из вас.",
]


@pytest.mark.parametrize("text", THREATS_WITHOUT_VERBS)
def test_threats_without_listed_verbs(text):
    assert "threat" in cats(text), text


STREET_HAZARDS = [
    "На этом переходе кого-нибудь задавят, поставьте светофор.",
    "Скоро кого-нибудь убьют на этом повороте, нужен отбойник.",
    "Водители вас убьют на этой трассе без тротуара, если пойдёте пешком.",
    "Провод оборван, током убьёт кого-нибудь.",
    "Машину убили за неделю на вашей дороге.",
    "Эта очередь в поликлинику меня убивает.",
    "Ваших бы детей в эту холодную школу, посмотрели бы мы.",
    "Сами повесим табличку и прибьём почтовый ящик.",
    "Сожжём листья во дворе, раз контейнеров нет.",
    "Ответите вы наконец на наше письмо?",
    "Не убью же я их, в самом деле, пишу вам.",
]


@pytest.mark.parametrize("text", STREET_HAZARDS)
def test_street_hazards_and_complaints_are_not_threats(text):
    assert "threat" not in cats(text), text


def test_several_categories_at_once():
    assert cats("Суки, я вас всех перестреляю, б.л.я!") == ["obscene", "insult", "threat"]


# --- hostile input ------------------------------------------------------------------------

HOSTILE = [
    "",
    " \t\n",
    "\x00\x01\x02\x1b[31mхуй\x7f\x9f",
    "<script>alert('пиздец')</script><b>дорога</b><img src=x onerror=1>",
    "&lt;b&gt;&#1093;&#1091;&#1081;&nbsp;&amp;&quot;",
    '=HYPERLINK("http://x","бля")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|'",
    "\ud800\udfff одиночные суррогаты",
    "\u202eреверс\u202c текст \u200f",
    "🐄🐖💩🤬" * 50,
    "*" * 5000,
    "@" * 5000,
    "х" * 30_000,
    "а*б" * 3000,
    "бл" + "*" * 100 + "ть",
    "https://vk.com/wall-1_2?utm_source=хуй www.пиздец.рф",
    "1.2.3.4.5.6.7.8.9.0" * 100,
    "- - - - " * 1000,
    "ё" * 100 + " Ё" * 100,
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_never_raises(text):
    result = screen(text)
    assert all(isinstance(f, Flag) and f.category in CATEGORIES for f in result)


def test_not_a_string_is_read_as_text():
    assert screen(None) == []  # type: ignore[arg-type]


def test_twenty_thousand_characters_are_screened_quickly():
    sentence = (
        "Дорога на Советской разбита, коровы на трассе, ваши дети ходят по обочине, "
        "Козлов обещал, <b>х*й</b> \u200bсделают, знаем, где вы живёте. "
    )
    text = (sentence * 200)[:20_000]
    began = time.perf_counter()
    found = categories(screen(text))
    assert time.perf_counter() - began < 5
    assert found == ["obscene", "threat"]


# --- the API and the data -----------------------------------------------------------------


def test_categories_in_canonical_order_each_once():
    flags = [Flag("threat", ("убью",)), Flag("obscene", ("бля",)), Flag("threat", ("урою",))]
    assert categories(flags) == ["obscene", "threat"]
    assert categories([]) == []


def test_the_lexicon_is_data():
    raw = json.loads((ROOT / "shared/otklik/data/clause20_words.json").read_text("utf-8"))
    assert {"_format", *CATEGORIES} <= set(raw)
    raw["insult"]["lemmas"].append("бюрократ")
    custom = Lexicon.from_dict(raw)
    assert categories(screen("Бюрократ!", custom)) == ["insult"]
    assert screen("Бюрократ!") == []


def test_the_analyzer_is_built_once_and_not_at_import():
    assert screening.analyzer() is screening.analyzer()
    code = (
        "import sys; sys.path.insert(0, 'shared');"
        "import otklik.domain.screening, otklik.domain.draft_checks;"
        "print('pymorphy3' in sys.modules, otklik.domain.screening._analyzer is None)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "True"]


def test_unit_examples_are_not_bench_data():
    bench = {
        json.loads(line)["text"]
        for line in (ROOT / "bench/data/messages.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    }
    ours = [
        *CLEAN,
        *PREFIXES.values(),
        *DISGUISES.values(),
        *INSULTS,
        *ADDRESSED.values(),
        *THREATS_WITH_VERBS,
        *THREATS_WITHOUT_VERBS,
        *STREET_HAZARDS,
    ]
    assert not bench.intersection(ours)
