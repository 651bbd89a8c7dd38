"""Reading pasted monitoring notices: realistic samples with every field checked, the date
forms officials meet, the labels, and pastes that are not notices at all."""

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otklik.domain import notice
from otklik.domain.notice import MAX_FIELD, NoticeFields, parse_datetime, parse_notice

BARNAUL = ZoneInfo("Asia/Barnaul")
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=BARNAUL)


def at(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BARNAUL)


def parse(raw: str) -> NoticeFields:
    return parse_notice(raw, now=NOW, tz=BARNAUL)


def parse_strictly(raw: str) -> NoticeFields:
    """The parser without its last-resort guard, so that a bug shows as an exception here
    instead of an empty form."""
    return notice._parse(notice._clean_input(raw), NOW, BARNAUL)


# -- samples --------------------------------------------------------------------------------------

# (1) The «Инцидент Менеджмент» e-mail notice, exactly as the simulator sends it.
INCIDENT_MANAGEMENT_EMAIL = """\
Здравствуйте!

В системе «Инцидент Менеджмент» на вашу организацию назначено новое сообщение № IM-4821937.

Дата обнаружения: 02.12.2026 10:15
Источник: ВКонтакте
Ссылка на сообщение: https://vk.com/wall-170171414_48213?reply=48220
Автор: Ирина Петрова (https://vk.com/id52341877)
Тема: Дороги
Населённый пункт: с. Зудилово
Категория важности: высокая
Куратор: Анна Смирнова (ЦУР Алтайского края)

Текст сообщения:
Добрый день! На ул. Ленина напротив дома 12 огромная яма,
за неделю две машины пробили колёса. Когда отремонтируют?

--
Перейти к сообщению: https://im.cur22.ru/incidents/4821937
Это письмо отправлено автоматически, отвечать на него не нужно.
"""

# (2) A «Госуслуги. Решаем вместе» card copied from the browser: labels and values on separate
# lines, buttons and statuses in between; the post itself lives on the ПОС platform.
POS_CARD = """\
Госуслуги. Решаем вместе
Сообщение № 7731204
Статус
На рассмотрении
Категория
Благоустройство
Подкатегория
Уборка снега
Дата создания
2 декабря 2026, 10:15
Заявитель
Пётр Васильев
Адрес
Алтайский край, Первомайский район, с. Сорочий Лог, ул. Школьная, 4
Текст обращения
Третий день не чистят дорогу к школе, дети идут по проезжей части.
Просим принять меры.
Ссылка на сообщение
https://pos.gosuslugi.ru/lkp/messages/7731204/
Приоритет
Обычный
Ответить
Перенаправить
"""

# (3) A card of the monitoring system's web page copied as a table (label, tab, value); the date
# has no year, the post link is under a bare «Ссылка».
CARD_WITHOUT_YEAR = (
    "Инцидент № 4822015\n"
    "Дата обнаружения\t2 декабря в 10:15\n"
    "Соцсеть\tВКонтакте\n"
    "Автор\tСергей Ковалёв, https://vk.com/id7781234\n"
    "Тема\tЖКХ\n"
    "Муниципальное образование\tПервомайский район\n"
    "Населенный пункт\tп. Сибирский\n"
    "Важность\tСредняя\n"
    "Ссылка\thttps://vk.com/wall-201234567_1502?reply=1510&thread=1505\n"
    "Текст\tВ доме 7 по ул. Мира нет горячей воды с пятницы.\n"
    "Управляющая компания трубку не берёт.\n"
    "Куратор\tМария Иванова\n"
)

# (4) A comment in an Odnoklassniki group; the link carries the mailing's utm parameters.
OK_RU_NOTICE = """\
Новое сообщение для вашей организации

Номер: 1190553
Обнаружено: 01.12.2026 в 18:42
Соцсеть: Одноклассники
Автор: Галина Н. (https://ok.ru/profile/571234567890)
Ссылка на комментарий: https://ok.ru/group/54321098765432/topic/155667788990011?utm_source=im&utm_medium=email
Рубрика: Транспорт
Место: с. Логовское
Приоритет: низкий
Содержание: Автобус №112 в Логовское опять не пришёл утром, люди мёрзли на остановке 40 минут.

С уважением,
Система мониторинга
"""

# (5) A Telegram channel post; the link is the value of «Источник», the time is ISO.
TELEGRAM_NOTICE = """\
Сообщение № IM-4823300
Дата и время обнаружения: 2026-12-02 08:03
Источник: https://t.me/barnaul_pervomaysky/8841
Автор: канал «Первомайский район онлайн»
Тема: Образование
Населенный пункт: с. Первомайское
Важность: Высокий
Текст публикации:
В школе №2 с утра не работает отопление, в классах +14.
Родители спрашивают, будут ли отменять занятия.

Ответственный куратор: Олег Денисов
"""

# (6) An Instagram post forwarded by the regional centre, with an offset in the time.
INSTAGRAM_NOTICE = """\
Здравствуйте, коллеги!
Передаём публикацию из Instagram для отработки.

Дата публикации: 2026-12-01T21:10:00+03:00
Ссылка на публикацию: https://www.instagram.com/p/DAbc123XyZ/?igsh=MWx0cHZ1
Пользователь: @pervomay_mama (https://www.instagram.com/pervomay_mama/)
Категория: Здравоохранение
Адрес: с. Боровиха
Категория важности: критичная
Номер сообщения: IM-4819002
Сообщение:
Записаться к педиатру в амбулаторию невозможно уже вторую неделю 😡
Телефон регистратуры не отвечает!!!
Куратор: ЦУР Алтайского края
"""

# (7) «сегодня в 09:05», the post link on the mobile site, the profile under its own label, an
# e-mail subject line that must not become the topic.
TODAY_NOTICE = """\
Тема письма: Новое сообщение в системе мониторинга
Обнаружено: сегодня в 09:05
Соцсеть: ВКонтакте
Автор сообщения: Дмитрий Орлов
Профиль автора: https://vk.com/d.orlov
Ссылка на пост: https://m.vk.com/wall-170171414_48300
Тема: Благоустройство
Населенный пункт: с. Зудилово
Важность: средняя
Текст:
Когда уберут сломанные качели на детской площадке у дома 5 по ул. Весенней?




Уже месяц огорожены лентой.
--
Система «Инцидент Менеджмент»
"""

# (8) A colleague's hand-written forward: no author, no date, the link on a line of its own.
NO_AUTHOR_NO_DATE = """\
Добрый день! Пересылаю сообщение из ВК, прошу взять в работу.
https://vk.com/wall-170171414_48355
Тема: Дороги
Важность: высокая
Текст сообщения: На трассе Барнаул — Новосибирск у поворота на Лесной не горит светофор.
"""

# (9) A forwarded e-mail with its header block: the letter's «Дата» and «Тема» are not the post's.
FORWARDED_EMAIL = """\
-------- Пересылаемое сообщение --------
От: Инцидент Менеджмент <noreply@im.cur22.ru>
Дата: Ср, 2 дек. 2026 г. в 10:20
Кому: press@pervomayadm.ru
Тема: Новое сообщение № IM-4821999

Дата обнаружения: 02.12.2026 10:17 (МСК)
Ссылка на сообщение: https://vk.com/wall-170171414_48299
Автор: Николай Семёнов
Категория: ЖКХ
Важность: средняя
Текст сообщения:
Опять отключили свет на ул. Садовой!
______________
Отправлено из мобильной Почты
"""

# (10) No labels around the links: the author's profile beside the name is not the post, and the
# monitoring system's own page is never the post.
UNLABELLED_LINKS = """\
Ирина Петрова https://vk.com/id52341877 написала в группе администрации:
карточка: https://im.cur22.ru/incidents/4821937
пост: https://vk.com/wall-170171414_48400
"""


SAMPLES = {
    "incident-management-email": (
        INCIDENT_MANAGEMENT_EMAIL,
        NoticeFields(
            url="https://vk.com/wall-170171414_48213?reply=48220",
            network="vk",
            text=(
                "Добрый день! На ул. Ленина напротив дома 12 огромная яма,\n"
                "за неделю две машины пробили колёса. Когда отремонтируют?"
            ),
            author_name="Ирина Петрова",
            author_url="https://vk.com/id52341877",
            detected_at=at(2026, 12, 2, 10, 15),
            topic="Дороги",
            location="с. Зудилово",
            importance="high",
            external_id="IM-4821937",
            curator_name="Анна Смирнова (ЦУР Алтайского края)",
        ),
    ),
    "pos-card": (
        POS_CARD,
        NoticeFields(
            url="https://pos.gosuslugi.ru/lkp/messages/7731204/",
            network="web",
            text=(
                "Третий день не чистят дорогу к школе, дети идут по проезжей части.\n"
                "Просим принять меры."
            ),
            author_name="Пётр Васильев",
            author_url=None,
            detected_at=at(2026, 12, 2, 10, 15),
            topic="Благоустройство",
            location="Алтайский край, Первомайский район, с. Сорочий Лог, ул. Школьная, 4",
            importance="medium",
            external_id="7731204",
            curator_name=None,
        ),
    ),
    "card-without-year": (
        CARD_WITHOUT_YEAR,
        NoticeFields(
            url="https://vk.com/wall-201234567_1502?reply=1510&thread=1505",
            network="vk",
            text=(
                "В доме 7 по ул. Мира нет горячей воды с пятницы.\n"
                "Управляющая компания трубку не берёт."
            ),
            author_name="Сергей Ковалёв",
            author_url="https://vk.com/id7781234",
            detected_at=at(2026, 12, 2, 10, 15),
            topic="ЖКХ",
            location="п. Сибирский",
            importance="medium",
            external_id="4822015",
            curator_name="Мария Иванова",
        ),
    ),
    "ok-ru": (
        OK_RU_NOTICE,
        NoticeFields(
            url=(
                "https://ok.ru/group/54321098765432/topic/155667788990011"
                "?utm_source=im&utm_medium=email"
            ),
            network="ok",
            text=(
                "Автобус №112 в Логовское опять не пришёл утром, люди мёрзли на остановке 40 минут."
            ),
            author_name="Галина Н.",
            author_url="https://ok.ru/profile/571234567890",
            detected_at=at(2026, 12, 1, 18, 42),
            topic="Транспорт",
            location="с. Логовское",
            importance="low",
            external_id="1190553",
            curator_name=None,
        ),
    ),
    "telegram": (
        TELEGRAM_NOTICE,
        NoticeFields(
            url="https://t.me/barnaul_pervomaysky/8841",
            network="telegram",
            text=(
                "В школе №2 с утра не работает отопление, в классах +14.\n"
                "Родители спрашивают, будут ли отменять занятия."
            ),
            author_name="канал «Первомайский район онлайн»",
            author_url=None,
            detected_at=at(2026, 12, 2, 8, 3),
            topic="Образование",
            location="с. Первомайское",
            importance="high",
            external_id="IM-4823300",
            curator_name="Олег Денисов",
        ),
    ),
    "instagram": (
        INSTAGRAM_NOTICE,
        NoticeFields(
            url="https://www.instagram.com/p/DAbc123XyZ/?igsh=MWx0cHZ1",
            network="instagram",
            text=(
                "Записаться к педиатру в амбулаторию невозможно уже вторую неделю 😡\n"
                "Телефон регистратуры не отвечает!!!"
            ),
            author_name="@pervomay_mama",
            author_url="https://www.instagram.com/pervomay_mama/",
            detected_at=at(2026, 12, 2, 1, 10),  # 21:10 Moscow is 01:10 next day in Barnaul
            topic="Здравоохранение",
            location="с. Боровиха",
            importance="high",
            external_id="IM-4819002",
            curator_name="ЦУР Алтайского края",
        ),
    ),
    "today": (
        TODAY_NOTICE,
        NoticeFields(
            url="https://m.vk.com/wall-170171414_48300",
            network="vk",
            text=(
                "Когда уберут сломанные качели на детской площадке у дома 5 по ул. Весенней?\n"
                "\n\n"  # four blank lines in the paste become two
                "Уже месяц огорожены лентой."
            ),
            author_name="Дмитрий Орлов",
            author_url="https://vk.com/d.orlov",
            detected_at=at(2026, 12, 2, 9, 5),
            topic="Благоустройство",
            location="с. Зудилово",
            importance="medium",
            external_id=None,
            curator_name=None,
        ),
    ),
    "no-author-no-date": (
        NO_AUTHOR_NO_DATE,
        NoticeFields(
            url="https://vk.com/wall-170171414_48355",
            network="vk",
            text="На трассе Барнаул — Новосибирск у поворота на Лесной не горит светофор.",
            author_name=None,
            author_url=None,
            detected_at=None,
            topic="Дороги",
            location=None,
            importance="high",
            external_id=None,
            curator_name=None,
        ),
    ),
    "forwarded-email": (
        FORWARDED_EMAIL,
        NoticeFields(
            url="https://vk.com/wall-170171414_48299",
            network="vk",
            text="Опять отключили свет на ул. Садовой!",
            author_name="Николай Семёнов",
            author_url=None,
            detected_at=at(2026, 12, 2, 14, 17),  # 10:17 Moscow time
            topic="ЖКХ",
            location=None,
            importance="medium",
            external_id="IM-4821999",
            curator_name=None,
        ),
    ),
    "unlabelled-links": (
        UNLABELLED_LINKS,
        NoticeFields(url="https://vk.com/wall-170171414_48400", network="vk"),
    ),
}


@pytest.mark.parametrize(("raw", "expected"), SAMPLES.values(), ids=SAMPLES.keys())
def test_sample(raw, expected):
    fields = parse(raw)
    assert fields == expected
    if fields.detected_at is not None:
        assert fields.detected_at.tzinfo is BARNAUL


@pytest.mark.parametrize(
    ("raw", "missing"),
    [
        (INCIDENT_MANAGEMENT_EMAIL, []),
        (NO_AUTHOR_NO_DATE, ["author_name", "detected_at"]),
        (UNLABELLED_LINKS, ["text", "author_name", "detected_at", "topic", "importance"]),
        ("", ["url", "text", "author_name", "detected_at", "topic", "importance"]),
    ],
)
def test_missing_names_the_required_fields_not_read(raw, missing):
    assert parse(raw).missing() == missing


def test_a_simulator_letter_without_a_link_takes_the_network_from_its_source():
    raw = INCIDENT_MANAGEMENT_EMAIL.replace(
        "Ссылка на сообщение: https://vk.com/wall-170171414_48213?reply=48220\n", ""
    ).replace("Источник: ВКонтакте", "Источник: Одноклассники")
    fields = parse(raw)
    assert (fields.url, fields.network) == (None, "ok")
    assert fields.missing() == ["url"]


def test_the_paste_may_come_with_windows_line_ends_and_no_break_spaces():
    raw = INCIDENT_MANAGEMENT_EMAIL.replace("\n", "\r\n").replace("Дороги", "Дороги\u00a0")
    assert parse(raw) == SAMPLES["incident-management-email"][1]


# -- dates ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("02.12.2026 10:15", at(2026, 12, 2, 10, 15)),
        ("02.12.2026, 10:15", at(2026, 12, 2, 10, 15)),
        ("2.12.26 10:15", at(2026, 12, 2, 10, 15)),
        ("02.12.2026 в 10:15", at(2026, 12, 2, 10, 15)),
        ("02.12.2026 - 10:15", at(2026, 12, 2, 10, 15)),
        ("2026-12-02 10:15", at(2026, 12, 2, 10, 15)),
        ("2026-12-02T10:15:00+07:00", at(2026, 12, 2, 10, 15)),
        ("2026-12-02T10:15:00+03:00", at(2026, 12, 2, 14, 15)),
        ("2026-12-02T03:15:00Z", at(2026, 12, 2, 10, 15)),
        ("2026-12-02T10:15:00.123+0700", at(2026, 12, 2, 10, 15)),
        ("2 декабря 2026, 10:15", at(2026, 12, 2, 10, 15)),
        ("2 декабря 2026 г. в 10:15", at(2026, 12, 2, 10, 15)),
        ("2 декабря 2026 года в 10:15", at(2026, 12, 2, 10, 15)),
        ("Ср, 2 дек. 2026 г., 10:15", at(2026, 12, 2, 10, 15)),
        ("2 дек 2026 10:15", at(2026, 12, 2, 10, 15)),
        ("2 Декабря в 10:15", at(2026, 12, 2, 10, 15)),
        ("02.12 10:15", at(2026, 12, 2, 10, 15)),
        ("сегодня в 10:15", at(2026, 12, 2, 10, 15)),
        ("Сегодня, 10:15", at(2026, 12, 2, 10, 15)),
        ("вчера, 09:40", at(2026, 12, 1, 9, 40)),
        ("вчера в 23:59", at(2026, 12, 1, 23, 59)),
        ("02.12.2026 10:15:30", at(2026, 12, 2, 10, 15, 30)),
        ("02.12.2026 10.15", at(2026, 12, 2, 10, 15)),
        ("02.12 10.15", at(2026, 12, 2, 10, 15)),
        ("10:15 02.12.2026", at(2026, 12, 2, 10, 15)),
        ("10:15, 2 декабря 2026", at(2026, 12, 2, 10, 15)),
        ("02.12.2026 06:15 МСК", at(2026, 12, 2, 10, 15)),
        ("02.12.2026 03:15 (UTC)", at(2026, 12, 2, 10, 15)),
        ("02.12.2026 06:15 GMT+3", at(2026, 12, 2, 10, 15)),
        ("02.12.2026 10:15 +07:00", at(2026, 12, 2, 10, 15)),
        # every month, full and abbreviated, with or without a dot
        ("5 января 2026 10:00", at(2026, 1, 5, 10, 0)),
        ("5 янв. 2026 10:00", at(2026, 1, 5, 10, 0)),
        ("5 февраля 2026 10:00", at(2026, 2, 5, 10, 0)),
        ("5 фев 2026 10:00", at(2026, 2, 5, 10, 0)),
        ("5 марта 2026 10:00", at(2026, 3, 5, 10, 0)),
        ("5 мар. 2026 10:00", at(2026, 3, 5, 10, 0)),
        ("5 апреля 2026 10:00", at(2026, 4, 5, 10, 0)),
        ("5 апр 2026 10:00", at(2026, 4, 5, 10, 0)),
        ("5 мая 2026 10:00", at(2026, 5, 5, 10, 0)),
        ("5 май 2026 10:00", at(2026, 5, 5, 10, 0)),
        ("5 июня 2026 10:00", at(2026, 6, 5, 10, 0)),
        ("5 июн. 2026 10:00", at(2026, 6, 5, 10, 0)),
        ("5 июля 2026 10:00", at(2026, 7, 5, 10, 0)),
        ("5 июл 2026 10:00", at(2026, 7, 5, 10, 0)),
        ("5 августа 2026 10:00", at(2026, 8, 5, 10, 0)),
        ("5 авг. 2026 10:00", at(2026, 8, 5, 10, 0)),
        ("5 сентября 2026 10:00", at(2026, 9, 5, 10, 0)),
        ("5 сен 2026 10:00", at(2026, 9, 5, 10, 0)),
        ("5 сент. 2026 10:00", at(2026, 9, 5, 10, 0)),
        ("5 октября 2026 10:00", at(2026, 10, 5, 10, 0)),
        ("5 окт 2026 10:00", at(2026, 10, 5, 10, 0)),
        ("5 ноября 2026 10:00", at(2026, 11, 5, 10, 0)),
        ("5 ноя 2026 10:00", at(2026, 11, 5, 10, 0)),
        ("5 нояб. 2026 10:00", at(2026, 11, 5, 10, 0)),
        ("5 декабря 2026 10:00", at(2026, 12, 5, 10, 0)),
        ("5 дек. 2026 10:00", at(2026, 12, 5, 10, 0)),
        # no year: the nearest, at most a day ahead of now (2 December 2026, 12:00)
        ("3 декабря в 11:59", at(2026, 12, 3, 11, 59)),
        ("3 декабря в 12:01", at(2025, 12, 3, 12, 1)),
        ("30 декабря в 10:00", at(2025, 12, 30, 10, 0)),
        ("1 июня в 10:00", at(2026, 6, 1, 10, 0)),
        ("01.06 10:00", at(2026, 6, 1, 10, 0)),
        # a date without a time, an invalid date or time, a time alone: nothing
        ("02.12.2026", None),
        ("2 декабря 2026", None),
        ("сегодня", None),
        ("10:15", None),
        ("31.02.2026 10:00", None),
        ("29.02.2026 10:00", None),
        ("02.13.2026 10:00", None),
        ("02.12.2026 25:00", None),
        ("02.12.2026 10:60", None),
        ("02.12.2026 24:00", None),
        ("2 брюмера 2026 10:15", None),
        ("10.15", None),
        ("02.12.20261 10:15", None),
        ("", None),
        ("дата неизвестна", None),
    ],
)
def test_parse_datetime(value, expected):
    moment = parse_datetime(value, now=NOW, tz=BARNAUL)
    assert moment == expected
    if expected is not None:
        assert moment.tzinfo is BARNAUL


def test_a_date_without_a_year_read_in_january_is_last_december():
    now = datetime(2027, 1, 2, 9, 0, tzinfo=BARNAUL)
    assert parse_datetime("30 декабря в 10:00", now=now, tz=BARNAUL) == at(2026, 12, 30, 10, 0)
    assert parse_datetime("30.12 10:00", now=now, tz=BARNAUL) == at(2026, 12, 30, 10, 0)


def test_29_february_without_a_year_is_the_last_leap_day():
    assert parse_datetime("29 февраля в 10:00", now=NOW, tz=BARNAUL) == at(2024, 2, 29, 10, 0)


def test_relative_days_count_in_the_administrations_zone():
    # 20:00 UTC on 1 December is already 03:00 on 2 December in Barnaul
    now = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
    assert parse_datetime("сегодня в 01:30", now=now, tz=BARNAUL) == at(2026, 12, 2, 1, 30)
    assert parse_datetime("вчера в 01:30", now=now, tz=BARNAUL) == at(2026, 12, 1, 1, 30)


# -- labels and values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field", "value"),
    [
        ("Ссылка на сообщение: https://vk.com/wall-1_2", "url", "https://vk.com/wall-1_2"),
        ("ССЫЛКА НА ПУБЛИКАЦИЮ: https://vk.com/wall-1_2", "url", "https://vk.com/wall-1_2"),
        ("Ссылка на пост: https://t.me/chan/5", "url", "https://t.me/chan/5"),
        (
            "Ссылка на комментарий: https://ok.ru/group/1/topic/2",
            "url",
            "https://ok.ru/group/1/topic/2",
        ),
        ("Ссылка: https://vk.com/wall-1_2", "url", "https://vk.com/wall-1_2"),
        ("URL: https://vk.com/wall-1_2", "url", "https://vk.com/wall-1_2"),
        ("Источник: https://vk.com/wall-1_2", "url", "https://vk.com/wall-1_2"),
        ("Ссылка на пост:\nhttps://vk.com/wall-1_2", "url", "https://vk.com/wall-1_2"),
        ("Ссылка на пост: vk.com/wall-1_2.", "url", "https://vk.com/wall-1_2"),
        ("Ссылка на пост: «https://vk.com/wall-1_2».", "url", "https://vk.com/wall-1_2"),
        ("Ссылка: https://barnaul.info/news/12", "url", "https://barnaul.info/news/12"),
        # a monitoring page under a bare «Ссылка» is not the post, under «на сообщение» it is
        ("Ссылка: https://im.cur22.ru/incidents/1", "url", None),
        (
            "Ссылка на сообщение: https://im.cur22.ru/incidents/1",
            "url",
            "https://im.cur22.ru/incidents/1",
        ),
        ("Перейти к сообщению: https://vk.com/wall-1_2", "url", "https://vk.com/wall-1_2"),
        ("Подробнее: https://crm.example.ru/vk.com/wall-1_2", "url", None),
        ("Ссылка: не указана", "url", None),
        ("Текст сообщения: яма", "text", "яма"),
        ("Текст публикации: яма", "text", "яма"),
        ("Текст: яма", "text", "яма"),
        ("Сообщение: яма", "text", "яма"),
        ("Содержание: яма", "text", "яма"),
        (
            "Текст:\n  первая строка  \n\tвторая строка\n\nТема: Дороги",
            "text",
            "первая строка\n\tвторая строка",
        ),
        ("Текст: одна\nС уважением, администрация", "text", "одна"),
        ("Текст: одна\n—\nподпись", "text", "одна"),
        ("Текст: — Когда починят?\n— Никогда.", "text", "— Когда починят?\n— Никогда."),
        ("Текст:", "text", None),
        ("Автор: Ирина Петрова", "author_name", "Ирина Петрова"),
        ("Автор сообщения: Ирина Петрова", "author_name", "Ирина Петрова"),
        ("Пользователь: Ирина Петрова", "author_name", "Ирина Петрова"),
        ("Заявитель: Ирина Петрова", "author_name", "Ирина Петрова"),
        ("Автор: Ирина Петрова (https://vk.com/id123)", "author_url", "https://vk.com/id123"),
        ("Автор: Ирина Петрова, https://vk.com/id123", "author_name", "Ирина Петрова"),
        ("Автор: Ирина Петрова, https://vk.com/id123", "author_url", "https://vk.com/id123"),
        ("Автор: Ирина Петрова (vk.com/id123)", "author_url", "https://vk.com/id123"),
        ("Автор: https://vk.com/id123", "author_name", None),
        ("Автор: https://vk.com/id123", "author_url", "https://vk.com/id123"),
        ("Автор: https://vk.com/id123", "url", None),
        ("Дата обнаружения: 02.12.2026 10:15", "detected_at", at(2026, 12, 2, 10, 15)),
        ("Обнаружено: 02.12.2026 10:15", "detected_at", at(2026, 12, 2, 10, 15)),
        ("Дата и время обнаружения: 02.12.2026 10:15", "detected_at", at(2026, 12, 2, 10, 15)),
        ("Дата публикации: 02.12.2026 10:15", "detected_at", at(2026, 12, 2, 10, 15)),
        ("Дата создания: 02.12.2026 10:15", "detected_at", at(2026, 12, 2, 10, 15)),
        ("Дата: 02.12.2026 10:15", "detected_at", at(2026, 12, 2, 10, 15)),
        ("Дата: 02.12.2026", "detected_at", None),
        (
            "Дата публикации: 02.12.2026 09:50\nДата обнаружения: 02.12.2026 10:15",
            "detected_at",
            at(2026, 12, 2, 10, 15),
        ),
        ("Тема: Дороги", "topic", "Дороги"),
        ("Категория: Дороги", "topic", "Дороги"),
        ("Рубрика: Дороги", "topic", "Дороги"),
        ("Тема письма: Дороги", "topic", None),
        ("Населённый пункт: с. Зудилово", "location", "с. Зудилово"),
        ("Населенный пункт: с. Зудилово", "location", "с. Зудилово"),
        ("Муниципальное образование: Первомайский район", "location", "Первомайский район"),
        ("Адрес: ул. Ленина, 12", "location", "ул. Ленина, 12"),
        ("Место: у школы", "location", "у школы"),
        ("Адрес: ул. Ленина, 12\nНаселённый пункт: с. Зудилово", "location", "с. Зудилово"),
        ("Важность: высокая", "importance", "high"),
        ("Категория важности: Высокий", "importance", "high"),
        ("Приоритет: критичная", "importance", "high"),
        ("Важность: средняя", "importance", "medium"),
        ("Важность: обычная", "importance", "medium"),
        ("Важность: низкая", "importance", "low"),
        ("Важность: НИЗКИЙ", "importance", "low"),
        ("Важность: неизвестно", "importance", None),
        ("№: IM-1234567", "external_id", "IM-1234567"),
        ("№ 1234567", "external_id", "1234567"),
        ("Номер: 1234567", "external_id", "1234567"),
        ("Номер сообщения: IM-1234567", "external_id", "IM-1234567"),
        ("Инцидент №: 1234567", "external_id", "1234567"),
        ("ID: 1234567", "external_id", "1234567"),
        ("Поступило сообщение № IM-1234567.", "external_id", "IM-1234567"),
        ("Зарегистрирован инцидент № 1234567, срок 30 минут.", "external_id", "1234567"),
        ("Текст: Дом № 12, моё обращение № 45 без ответа", "external_id", None),
        ("Куратор: Анна Смирнова", "curator_name", "Анна Смирнова"),
        ("Ответственный куратор: Анна Смирнова", "curator_name", "Анна Смирнова"),
        ("Источник: ВКонтакте", "network", "vk"),
        ("Соцсеть: Одноклассники", "network", "ok"),
        ("Источник: Telegram", "network", "telegram"),
        ("Социальная сеть: Инстаграм", "network", "instagram"),
        ("Источник: Сайт", "network", "web"),
        ("Источник: YouTube", "network", "other"),
        ("Источник: ВКонтакте (комментарий)", "network", "vk"),
        ("Источник: Другое", "network", "other"),
        ("Источник: неизвестно", "network", None),
        # the link decides the network even when a label names another
        ("Соцсеть: Одноклассники\nСсылка: https://vk.com/wall-1_2", "network", "vk"),
        # labels in any case, with bullets, and with the value after a tab
        ("  • ТЕМА: Дороги", "topic", "Дороги"),
        ("Тема\tДороги", "topic", "Дороги"),
        ("Тема:\tДороги", "topic", "Дороги"),
        ("Тема\n\nДороги", "topic", "Дороги"),
        ("Тема\nВажность\nвысокая", "topic", None),
    ],
)
def test_label(raw, field, value):
    assert getattr(parse(raw), field) == value


@pytest.mark.parametrize(
    ("raw", "url"),
    [
        # the first social-network link outside the citizen's text
        (
            "Новое сообщение: https://vk.com/wall-1_2 и https://t.me/chan/5",
            "https://vk.com/wall-1_2",
        ),
        ("https://barnaul.info/news/12\nhttps://t.me/chan/5", "https://t.me/chan/5"),
        # profiles, groups and channels are not posts
        (
            "https://vk.com/id123 https://vk.com/club1 https://vk.com/wall-1_2",
            "https://vk.com/wall-1_2",
        ),
        ("https://vk.com/club1?w=wall-1_2", "https://vk.com/club1?w=wall-1_2"),
        ("https://t.me/chan", None),
        ("https://ok.ru/profile/1", None),
        ("https://ok.ru/group/1/topic/2", "https://ok.ru/group/1/topic/2"),
        ("https://www.instagram.com/someone/", None),
        ("https://www.instagram.com/reel/Cx1/", "https://www.instagram.com/reel/Cx1/"),
        # the monitoring systems' own pages
        ("https://pos.gosuslugi.ru/lkp/messages/1", None),
        ("https://incident.example.ru/vk/wall-1_2", None),
        # a link quoted in the citizen's text is not taken for the post
        ("Текст: похоже на https://vk.com/wall-5_6", None),
        # a web page is the post only when labelled
        ("https://barnaul.info/news/12", None),
    ],
)
def test_unlabelled_post_link(raw, url):
    assert parse(raw).url == url


# -- hostile pastes -------------------------------------------------------------------------------


def test_an_empty_paste_gives_an_empty_form():
    assert parse("") == NoticeFields()
    assert parse("   \n\n\t") == NoticeFields()


def test_something_that_is_not_text_gives_an_empty_form():
    assert parse(None) == NoticeFields()  # type: ignore[arg-type]
    assert parse(b"\xd0\x90\xd0\xb2\xd1\x82\xd0\xbe\xd1\x80") == NoticeFields()  # type: ignore[arg-type]


def test_control_characters_are_dropped():
    raw = (
        "Автор:\x00 Ирина\x07 Петрова\x1b\n"
        "Текст: яма\x7f\u200b на\x0c дороге\ud800\n"
        "Тема: Дороги\x85"
    )
    fields = parse(raw)
    assert fields.author_name == "Ирина Петрова"
    assert fields.text == "яма на дороге"
    assert fields.topic == "Дороги"


def test_every_field_is_capped():
    long = "я" * (MAX_FIELD + 5000)
    fields = parse(f"Автор: {long}\nТема: {long}\nТекст:\n{long}\n{long}")
    assert len(fields.author_name) == MAX_FIELD
    assert len(fields.topic) == MAX_FIELD
    assert len(fields.text) == MAX_FIELD


def test_html_does_not_break_the_parser():
    raw = (
        '<html><body><p>Автор: <b>Ирина</b></p><a href="https://vk.com/wall-1_2">пост</a>'
        "<script>alert('Текст: x')</script></body></html>"
    )
    fields = parse(raw)
    assert fields.url == "https://vk.com/wall-1_2"
    assert isinstance(fields, NoticeFields)


HOSTILE = {
    "random-200k": "".join(
        random.Random(856).choice("аб в\n:\t.,-—№0123456789https://vk.com/wall_")
        for _ in range(200_000)
    ),
    "random-unicode-200k": "".join(
        chr(random.Random(7).randrange(0, 0x3000)) for _ in range(200_000)
    ),
    "one-long-line": "Текст: " + "а" * 200_000,
    "colons": ":" * 200_000,
    "newlines": "\n" * 200_000,
    "labels-alone": "Текст\n" * 30_000,
    "label-lines": "Автор\nТема\n" * 30_000,
    "long-link": "https://vk.com/" + "a" * 200_000,
    "many-links": "https://vk.com/id1 " * 10_000,
    "digits": "Дата: " + "1" * 200_000,
    "date-like": "Дата: " + "02.12.2026 " * 20_000,
    "times": "Дата: " + "10:15 " * 30_000,
    "relative": "Дата: " + "вчера в " * 25_000,
    "numbers": "сообщение № " * 15_000,
    "dashes": "--\n" * 60_000,
    "html": "<div>" * 40_000,
    "mail-headers": "От: a\nКому: b\nТема: c\nДата: d\n" * 10_000,
}


@pytest.mark.parametrize("raw", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_read_without_raising_and_fields_stay_bounded(raw):
    fields = parse_strictly(raw)
    assert isinstance(fields, NoticeFields)
    for value in (fields.text, fields.author_name, fields.topic, fields.location, fields.url):
        assert value is None or len(value) <= MAX_FIELD


PIECES = [
    *"Автор:Текст\tДата\n№ 0123456789.,-—()https://vk.com/wall_",
    *("\x00", "\r", "\u2028", "\ud800", "вчера", "сегодня", "декабря", "г.", " в "),
    *("Ссылка на пост: ", "Тема: ", "Важность: ", "Автор: ", "Текст:\n", "--\n", "От: ", "Кому: "),
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=120).map("".join))
def test_no_paste_makes_the_parser_raise(raw):
    fields = parse_strictly(raw)
    assert fields.detected_at is None or fields.detected_at.tzinfo is BARNAUL
    assert fields.network in (None, "vk", "ok", "telegram", "instagram", "web", "other")
    assert fields.importance in (None, "high", "medium", "low")


def test_now_and_tz_are_not_read_from_the_machine():
    # the same paste read at another "now" gives the other day: nothing reads the clock
    later = NOW + timedelta(days=1)
    fields = parse_notice("Обнаружено: сегодня в 09:05", now=later, tz=BARNAUL)
    assert fields.detected_at == at(2026, 12, 3, 9, 5)
