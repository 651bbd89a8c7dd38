"""Issue 16, items 3 and 11 on the staff page: a message that reached us after its deadlines
passed says so, and another author's message about the same place and topic is offered to the
technical executor as a possible repeat, with the link to the earlier case."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.usefixtures("consumers_never_fail")


def deliver(client, local_system, post: dict) -> str:
    reply = client.deliver(post)
    assert reply.status == 201, reply.body
    local_system.drain()
    return reply["case_id"]


def test_a_late_arrival_and_a_possible_repeat_are_shown_to_the_technical_executor(
    staff, client, local_system, message
):
    place = f"ул. Лесная, д. {uuid.uuid4().int % 900 + 100}"  # a place no other test uses
    detected = datetime.now(UTC) - timedelta(days=30)  # T2 and T3 long past on arrival
    earlier = deliver(
        client,
        local_system,
        message(
            detected_at=detected.isoformat(timespec="seconds"),
            location=place,
            text="Не вывозят мусор у дома.",
        ),
    )
    similar = deliver(
        client,
        local_system,
        message(location=place.replace("ул. Лесная, д.", "Лесная улица,"), text="Опять мусор."),
    )
    earlier_ref = client.get(f"/api/v1/cases/{earlier}", as_="tech")["external_id"]

    tech = staff("tech")
    tech.goto_case(earlier)
    warnings = tech.page.locator(".warnings")
    expect(warnings).to_contain_text("Поступило с опозданием")
    expect(warnings).to_contain_text("до его поступления")

    tech.goto_case(similar)
    warnings = tech.page.locator(".warnings")
    expect(warnings).to_contain_text(
        f"Похоже на повтор сообщения № {earlier_ref} (то же место и тема) — проверьте (п. 18)."
    )
    expect(warnings).not_to_contain_text("Поступило с опозданием")
    warnings.get_by_role("link", name=f"№ {earlier_ref}").click()
    expect(tech.page).to_have_url(re.compile(f"#/case/{earlier}$"))
    assert client.get(f"/api/v1/cases/{similar}", as_="tech")["repeat_of"] is None
