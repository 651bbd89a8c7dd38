"""Issue 16, extras, on the staff page in Chromium against the whole local system.

The printable case card: «Распечатать карточку» prints, and on paper there is the case alone —
its line «Карточка сообщения № … · распечатано …» in the server's time zone, the post with its
link written out, the deadlines with their due times — without the top bar, the actions, the
buttons or the live countdowns. The alerts of new and due work: a message new in the inbox, a
deadline passed, each told once in the alerts strip with a link to its case, counted (in
Russian plural forms) in the strip and in front of the window's title, and as a system
notification where the browser allows them; the permission is asked only on the button, and
signing out stops it all.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import BARNAUL
from tests.e2e.test_staff_page import deliver

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.usefixtures("consumers_never_fail")

POLL_MS = 500

# window.print and the browser's notifications, recorded instead of shown
RECORD_PRINT = "window.printed = 0; window.print = () => { window.printed += 1; };"
FAKE_NOTIFICATIONS = """
window.notes = [];
window.asked = 0;
class FakeNotification {
  constructor(title, options) { window.notes.push([title, options.body]); }
  close() {}
  static requestPermission() {
    window.asked += 1;
    FakeNotification.permission = "granted";
    return Promise.resolve("granted");
  }
}
FakeNotification.permission = "%s";
window.Notification = FakeNotification;
"""


def reload_with(official, script: str) -> None:
    """The page again, with `script` run before its modules (and the session kept)."""
    official.context.add_init_script(script)
    official.page.reload()
    expect(official.page.get_by_role("heading", level=1, name="Входящие")).to_be_visible()


def polls(page) -> int:
    return int(page.locator("#alerts").get_attribute("data-polls") or 0)


def wait_polls(page, at_least: int) -> None:
    page.wait_for_function(
        "n => Number(document.getElementById('alerts').dataset.polls || 0) >= n",
        arg=at_least,
        timeout=15000,
    )


def new_forms(count: int) -> str:
    n = count % 100
    one = n % 10 == 1 and n != 11
    return f"{count}\u00a0{'новое' if one else 'новых'}"


# ------------------------------------------------------------------ the printed card --------


def test_the_case_card_prints_the_case_without_the_page_around_it(
    staff, client, local_system, message
):
    tag = uuid.uuid4().hex[:8]
    post = message(text=f"Яма у дома {tag}, проезда нет.")
    case_id = deliver(client, local_system, post)
    detail = client.get(f"/api/v1/cases/{case_id}", as_="tech").body
    # a browser in another time zone: the card says the time of the server's display zone
    tech = staff("tech", timezone="Europe/Moscow")
    page = tech.page
    reload_with(tech, RECORD_PRINT)
    tech.goto_case(case_id)
    expect(tech.actions).to_be_visible()
    head = page.locator(".print-head")
    expect(head).to_be_hidden()  # on screen the card is the case view

    page.get_by_role("button", name="Распечатать карточку").click()
    assert page.evaluate("window.printed") == 1

    page.emulate_media(media="print")
    expect(head).to_be_visible()
    expect(head).to_contain_text(f"Карточка сообщения № {detail['external_id']} · распечатано ")
    printed = re.search(r"распечатано (\d{2}\.\d{2}\.\d{4} \d{2}:\d{2})$", head.inner_text())
    assert printed, head.inner_text()
    at = datetime.strptime(printed[1], "%d.%m.%Y %H:%M").replace(tzinfo=BARNAUL)
    assert abs(at - datetime.now(BARNAUL)) < timedelta(minutes=2)

    for hidden in ("#topbar", "#actions", "#flash", ".crumbs", "#refresh", "#print-card"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("button:visible")).to_have_count(0)
    expect(page.locator(".post-text")).to_be_visible()
    expect(page.locator(".post-text")).to_have_text(post["text"])
    expect(page.locator(".post-author")).to_contain_text("Ирина Петрова")
    expect(page.locator(".case-head .badge")).to_be_visible()
    link = page.locator(".post a", has_text="Открыть публикацию в соцсети")
    written = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert post["url"] in written
    rows = page.locator(".timers tbody tr")
    expect(rows.first).to_be_visible()
    due = detail["timers"][0]["due"]
    local_due = datetime.fromisoformat(due).astimezone(BARNAUL).strftime("%d.%m.%Y %H:%M")
    expect(page.locator(".timers")).to_contain_text(local_due)
    expect(page.locator(".timers .countdown").first).to_be_hidden()
    running = page.locator(".timers td:has(> .countdown)").first
    assert running.evaluate("td => getComputedStyle(td, '::after').content") == '"идёт"'
    expect(page.locator(".timeline")).to_be_visible()
    # no table wider than the paper
    assert page.evaluate(
        "() => [...document.querySelectorAll('table')]"
        ".every(t => t.scrollWidth <= t.parentElement.clientWidth + 1)"
    )

    page.emulate_media(media="screen")
    expect(head).to_be_hidden()
    expect(tech.actions).to_be_visible()


# ------------------------------------------------------------------ alerts ------------------


def test_a_new_message_is_announced_once_with_a_link_that_opens_it(
    staff, client, local_system, message
):
    tech = staff("tech")
    page = tech.page
    reload_with(tech, FAKE_NOTIFICATIONS % "granted" + f"window.OTKLIK_ALERT_POLL_MS = {POLL_MS};")
    wait_polls(page, 1)  # the inbox as it was at sign-in: nothing of it is «новое»
    listed = page.locator("#alerts-list")
    expect(listed).not_to_contain_text("Новое сообщение")
    expect(page.locator("#notify-on")).to_have_count(0)  # already allowed: nothing to ask

    tag = uuid.uuid4().hex[:8]
    case_id = deliver(client, local_system, message(text=f"Новая яма {tag}"))
    text = f"Новое сообщение: Дороги, с. Зудилово — Ирина Петрова: Новая яма {tag}"
    notice = listed.locator("a.alert-link", has_text=text)
    expect(notice).to_be_visible(timeout=POLL_MS * 10)
    expect(notice).to_have_attribute("href", f"#/case/{case_id}")
    expect(page.locator("#alerts [role=status]")).to_have_attribute("aria-live", "polite")

    shown = listed.locator("li").count()
    expect(page.locator("#alerts-count")).to_have_text(new_forms(shown))
    expect(page).to_have_title(re.compile(rf"^\({shown}\) Входящие — Отклик$"))
    assert ["Отклик", text] in page.evaluate("window.notes")

    wait_polls(page, polls(page) + 2)  # told once, not at every reading
    expect(notice).to_have_count(1)
    assert [n for n in page.evaluate("window.notes") if n[1] == text] == [["Отклик", text]]

    notice.click()
    expect(page).to_have_url(re.compile(rf"#/case/{case_id}$"))
    expect(tech.actions).to_be_visible()
    expect(notice).to_have_count(0)  # read
    expect(page).to_have_title(
        re.compile(rf"^{'' if shown == 1 else re.escape(f'({shown - 1}) ')}Дороги — ")
    )
    assert page.evaluate("window.asked") == 0

    page.get_by_role("button", name="Выйти").click()
    expect(page.get_by_role("heading", name="Вход для сотрудников")).to_be_visible()
    # signed out by the button, not by a reading that met the revoked token
    expect(page.get_by_role("status").filter(has_text="Вы вышли из системы.")).to_be_visible()
    readings: list[str] = []
    page.on("request", lambda r: readings.append(r.url) if "/api/v1/cases" in r.url else None)
    expect(page.locator("#alerts")).to_be_hidden()
    expect(listed.locator("li")).to_have_count(0)
    expect(page).to_have_title("Вход — Отклик")
    page.wait_for_timeout(POLL_MS * 4)
    assert readings == []


def test_a_passed_deadline_is_told_once_and_the_counter_speaks_russian(
    staff, client, local_system, message
):
    tag = uuid.uuid4().hex[:8]
    detected = datetime.now(UTC) - timedelta(days=30)  # its deadlines passed long ago
    case_id = deliver(
        client,
        local_system,
        message(detected_at=detected.isoformat(timespec="seconds"), text=f"Старая яма {tag}"),
    )
    tech = staff("tech")
    page = tech.page
    reload_with(tech, FAKE_NOTIFICATIONS % "default" + f"window.OTKLIK_ALERT_POLL_MS = {POLL_MS};")
    wait_polls(page, 1)
    late = page.locator(f'#alerts-list li.alert-late[data-case-id="{case_id}"]')
    title = f"Дороги, с. Зудилово — Ирина Петрова: Старая яма {tag}"
    # already passed at sign-in: told at the first reading, and not as «новое»
    expect(late).to_have_count(1)
    expect(late.locator("a")).to_have_text(re.compile(rf"^Срок истёк: .+ — {re.escape(title)}$"))
    expect(page.locator("#alerts-list")).not_to_contain_text(f"Новое сообщение: {title}")
    wait_polls(page, polls(page) + 2)
    expect(late).to_have_count(1)

    # the browser's permission: asked on the button only, which then goes
    assert page.evaluate("window.asked") == 0
    assert page.evaluate("window.notes") == []  # not allowed: no system notification
    page.get_by_role("button", name="Включить уведомления браузера").click()
    expect(page.locator("#notify-on")).to_have_count(0)
    assert page.evaluate("window.asked") == 1

    shown = page.locator("#alerts-list li").count()
    expect(page.locator("#alerts-count")).to_have_text(new_forms(shown))
    late.get_by_role("button", name=re.compile(r"^Скрыть: Срок истёк")).click()
    expect(late).to_have_count(0)
    expect(page.locator("#alerts-list li")).to_have_count(shown - 1)
    if shown > 1:
        expect(page.locator("#alerts-count")).to_have_text(new_forms(shown - 1))
        expect(page).to_have_title(re.compile(rf"^\({shown - 1}\) "))
        page.get_by_role("button", name="Скрыть все").click()
    expect(page.locator("#alerts-list li")).to_have_count(0)
    expect(page.locator("#alerts-count")).to_be_hidden()
    expect(page).to_have_title("Входящие — Отклик")

    forms = page.evaluate(
        """async () => {
          const alerts = await import(new URL("alerts.js", location.href).href);
          return [1, 2, 5, 11, 21, 22].map((n) => [alerts.countText(n), alerts.countLabel(n)]);
        }"""
    )
    nb = "\u00a0"
    assert forms == [
        [f"1{nb}новое", f"1{nb}новое уведомление"],
        [f"2{nb}новых", f"2{nb}новых уведомления"],
        [f"5{nb}новых", f"5{nb}новых уведомлений"],
        [f"11{nb}новых", f"11{nb}новых уведомлений"],
        [f"21{nb}новое", f"21{nb}новое уведомление"],
        [f"22{nb}новых", f"22{nb}новых уведомления"],
    ]
