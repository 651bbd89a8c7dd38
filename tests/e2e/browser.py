"""The staff page in a real browser: Debian's Chromium driven by Playwright (no `playwright
install`: `make test` installs the browser with apt), one official signed in on it, and the
page's data files as the generator writes them."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import expect

WEB = Path(__file__).resolve().parents[2] / "web"

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class Staff:
    """One official on the staff page."""

    def __init__(
        self,
        browser,
        base_url: str,
        login: str,
        *,
        width: int = 1280,
        height: int = 900,
        timezone: str = "Asia/Barnaul",
    ) -> None:
        self.base_url = base_url
        self.login = login
        # The browser's own time zone must not matter: the page counts in the calendar's.
        self.context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="ru-RU",
            timezone_id=timezone,
            accept_downloads=True,
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(base_url + "/")
        self.page.get_by_label("Логин").fill(login)
        self.page.get_by_label("Пароль").fill("demo")
        self.page.get_by_role("button", name="Войти").click()
        expect(self.page.get_by_role("heading", level=1, name="Входящие")).to_be_visible()
        expect(self.page.locator("#inbox-list")).not_to_contain_text("Загрузка")

    # -- the inbox

    def rows(self):
        return self.page.locator("table.inbox tbody tr")

    def row(self, case_id: str):
        return self.page.locator(f'table.inbox tr[data-case-id="{case_id}"]')

    def inbox(self) -> None:
        self.page.get_by_role("link", name="Входящие", exact=True).click()
        expect(self.page.get_by_role("heading", level=1, name="Входящие")).to_be_visible()
        expect(self.page.locator("#inbox-list")).not_to_contain_text("Загрузка")

    # -- a case

    def open_case(self, case_id: str) -> None:
        self.row(case_id).locator("a.case-link").click()
        expect(self.page.locator("#actions")).to_be_visible()

    def goto_case(self, case_id: str) -> None:
        self.page.goto(f"{self.base_url}/#/case/{case_id}")

    @property
    def status(self):
        return self.page.locator(".case-head .badge")

    @property
    def actions(self):
        return self.page.locator("#actions")

    @property
    def flash(self):
        return self.page.locator("#flash")

    def form(self, action: str):
        return self.page.locator(f'form[data-action="{action}"]')

    def refresh(self) -> None:
        self.page.get_by_role("button", name="Обновить", exact=True).click()

    def close(self) -> None:
        self.context.close()


# -- the page's data ---------------------------------------------------------------------------


def build_data():
    """`web/build_data.py` as a module (it is a script, not part of a package)."""
    spec = importlib.util.spec_from_file_location("build_data", WEB / "build_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def page_data() -> dict[str, dict]:
    """`web/calendar.json` and `web/vocabulary.json`, regenerated from the server's code first
    (the script rewrites only a file that changed), by file name: what the page will load."""
    subprocess.run([sys.executable, str(WEB / "build_data.py")], check=True, cwd=WEB.parent)
    return {
        name: json.loads((WEB / name).read_text("utf-8"))
        for name in ("calendar.json", "vocabulary.json")
    }
