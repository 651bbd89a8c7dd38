"""The sign-in form in a real browser: the server's own words on a wrong password (401) and on
too many of them (429), with the login kept as typed; a 401 on any other request still ends the
session (issue 16, item 1). And the month's breach report (item 5) opens as a page.

The system of this module locks a login at its 3rd wrong password (`SIGNIN_LOGIN_FAILURES`),
so the lock is reached in a few clicks.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.run import LocalSystem, free_port
from tests.e2e.conftest import TOKEN_SECRET, WEBHOOK_SECRET

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

WRONG = "Неверный логин или пароль."
LOCKED = "Слишком много неудачных попыток входа. Повторите через 15 минут."
ENDED = "Сеанс завершён. Войдите снова."


@pytest.fixture(scope="module")
def local_system() -> Iterator[LocalSystem]:
    system = LocalSystem(
        port=free_port(),
        moto_port=free_port(),
        sweep_seconds=24 * 3600,
        shell_settings=False,
        namespace="e2e-signin",
        overrides={
            "MONITORING_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STAFF_TOKEN_SECRET": TOKEN_SECRET,
            "DISPLAY_TIMEZONE": "Asia/Barnaul",
            "SIGNIN_LOGIN_FAILURES": "3",
            "SIGNIN_LOCK_MINUTES": "15",
        },
    )
    try:
        system.start()
        yield system
    finally:
        system.stop()


@pytest.fixture
def page(browser, base_url) -> Iterator:
    context = browser.new_context(locale="ru-RU", timezone_id="Asia/Barnaul")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base_url + "/")
    expect(page.get_by_role("heading", level=1, name="Вход для сотрудников")).to_be_visible()
    yield page
    context.close()
    assert not errors, errors


def try_password(page, login: str, password: str) -> None:
    page.get_by_label("Логин").fill(login)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()


def test_a_wrong_password_shows_the_servers_message_and_keeps_the_login(page):
    try_password(page, "roads", "not-the-password")
    expect(page.locator(".login .form-error")).to_contain_text(WRONG)
    expect(page.locator(".login")).not_to_contain_text(ENDED)
    expect(page.get_by_label("Логин")).to_have_value("roads")
    expect(page.get_by_label("Пароль")).to_be_focused()
    # and the right password then signs in from the same form
    page.get_by_label("Пароль").fill("demo")
    page.get_by_role("button", name="Войти").click()
    expect(page.get_by_role("heading", level=1, name="Входящие")).to_be_visible()


def test_too_many_wrong_passwords_show_the_wait_and_keep_the_login(page):
    for _ in range(2):
        try_password(page, "housing", "wrong")
        expect(page.locator(".login .form-error")).to_contain_text(WRONG)
    page.get_by_label("Пароль").fill("wrong")
    page.get_by_role("button", name="Войти").click()
    expect(page.locator(".login .form-error")).to_contain_text(LOCKED)
    expect(page.get_by_label("Логин")).to_have_value("housing")
    # the lock holds even the right password, with the same words
    page.get_by_label("Пароль").fill("demo")
    page.get_by_role("button", name="Войти").click()
    expect(page.locator(".login .form-error")).to_contain_text(LOCKED)
    expect(page.get_by_label("Логин")).to_have_value("housing")
    expect(page.locator(".login")).not_to_contain_text(ENDED)


def test_a_refused_token_on_any_other_request_still_ends_the_session(page):
    try_password(page, "tech", "demo")
    expect(page.get_by_role("heading", level=1, name="Входящие")).to_be_visible()
    page.evaluate("sessionStorage.setItem('otklik.token', 'forged-or-expired')")
    page.get_by_role("button", name="Обновить", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Вход для сотрудников")).to_be_visible()
    expect(page.locator(".login")).to_contain_text(ENDED)


def test_the_head_opens_the_breach_report_as_a_page(page, base_url):
    try_password(page, "head", "demo")
    expect(page.get_by_role("heading", level=1, name="Входящие")).to_be_visible()
    month = page.get_by_label("Месяц").input_value()
    link = page.get_by_role("link", name="Нарушения сроков (п. 22)")
    expect(link).to_have_attribute("href", f"/api/v1/reports/breaches?month={month}&format=html")
    with page.context.expect_page() as opened:
        link.click()
    report = opened.value
    report.wait_for_load_state()
    expect(report.locator("h1")).to_contain_text("Нарушения сроков регламента")
    report.close()
