"""Proof of publication and a publication that failed (clause 15), in the pure domain.

Publishing keeps a copy of the original post and of the reply as published (with the network's
answer when the system posted it); a publication the network adapter gave up on is recorded with
its reason, leaves the case approved with T6 running, and tells the technical executor.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from otklik import codec
from otklik.domain import events as ev
from otklik.domain.case import Case
from otklik.domain.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from otklik.domain.roles import Role
from otklik.domain.states import DraftKind, Status
from otklik.domain.values import Attachment, PostCopy, Publication, PublicationFailure, Receipt
from otklik.service.notify import _Blank, render
from otklik.service.outbox import messages_for

LINK = "https://vk.com/wall-170171414_52107?reply=52999&thread=52110"
PHOTO = Attachment("photo", "https://files.example.org/road-fixed.jpg")


@pytest.fixture
def approved(make_message, policy, local, tech, roads, resp, curator):
    """A case the curator approved on Monday 2026-02-09 at 11:40 (T6 ends at 12:10)."""

    def make(kind: DraftKind = DraftKind.FINAL) -> Case:
        at = local(2026, 2, 9, 10, 5)
        case = Case.receive(make_message(), now=at, policy=policy, case_id="case-1")
        case.accept(tech, departments=["roads"], now=at + timedelta(minutes=10), policy=policy)
        draft = case.submit_draft(
            roads,
            text="Ирина, здравствуйте! Ремонт запланирован на май.",
            kind=kind,
            attachments=[PHOTO],
            now=at + timedelta(minutes=30),
        )
        case.approve_draft(
            resp, draft_id=draft.draft_id, now=at + timedelta(minutes=60), policy=policy
        )
        case.curator_approve(
            curator, draft_id=draft.draft_id, now=local(2026, 2, 9, 11, 40), policy=policy
        )
        case.pull_events()
        return case

    return make


# -- proof of publication ----------------------------------------------------------------------


def test_the_system_keeps_the_original_and_the_reply_with_the_networks_answer(
    approved, system, policy, local
):
    case = approved()
    draft = case.current_draft
    at = local(2026, 2, 9, 11, 42)
    receipt = Receipt("52999", "wall.createComment", True, "[id1|Ирина Петрова], " + draft.text)

    case.publish(system, url=LINK, now=at, policy=policy, receipt=receipt)

    message = case.message
    assert case.publications == [
        Publication(
            draft_id=draft.draft_id,
            kind=DraftKind.FINAL,
            network="vk",
            url=LINK,
            published_at=at,
            by="system",
            text="[id1|Ирина Петрова], " + draft.text,
            attachments=(PHOTO,),
            original=PostCopy(
                message.url,
                message.text,
                message.author,
                message.detected_at,
                message.attachments,
            ),
            response_id="52999",
            method="wall.createComment",
            in_thread=True,
        )
    ]
    assert case.status is Status.ANSWERED
    # The rest of the step is as it always was: the same timeline entry and event.
    assert case.timeline[-1].details == {
        "draft_id": draft.draft_id,
        "kind": DraftKind.FINAL,
        "url": LINK,
    }
    assert case.pull_events() == [
        ev.AnswerPublished("case-1", at, draft.draft_id, DraftKind.FINAL, LINK)
    ]


def test_a_publication_by_hand_keeps_the_draft_text_and_no_network_answer(
    approved, tech, policy, local
):
    case = approved()

    case.publish(tech, url=LINK, now=local(2026, 2, 9, 11, 50), policy=policy)

    [proof] = case.publications
    assert (proof.by, proof.text) == ("tech", case.current_draft.text)
    assert (proof.response_id, proof.method, proof.in_thread) == (None, None, None)
    assert proof.original.text == case.message.text


def test_an_interim_and_a_final_answer_each_keep_their_proof(
    approved, system, policy, local, resp, curator
):
    case = approved(DraftKind.INTERIM)
    case.publish(
        system,
        url=LINK,
        now=local(2026, 2, 9, 11, 45),
        policy=policy,
        receipt=Receipt("1", "wall.createComment"),
    )
    final = case.submit_draft(
        resp, text="Ремонт выполнен.", kind=DraftKind.FINAL, now=local(2026, 2, 12, 10, 0)
    )
    case.approve_draft(resp, draft_id=final.draft_id, now=local(2026, 2, 12, 10, 5), policy=policy)
    case.curator_approve(
        curator, draft_id=final.draft_id, now=local(2026, 2, 12, 10, 10), policy=policy
    )
    case.publish(
        system,
        url=LINK + "&x=2",
        now=local(2026, 2, 12, 10, 12),
        policy=policy,
        receipt=Receipt("2", "wall.createComment"),
    )

    assert [(p.kind, p.response_id) for p in case.publications] == [
        (DraftKind.INTERIM, "1"),
        (DraftKind.FINAL, "2"),
    ]
    assert case.status is Status.ANSWERED


# -- a publication that failed -----------------------------------------------------------------


def test_a_failed_publication_keeps_the_case_approved_with_t6_running(approved, system, local):
    case = approved()
    draft = case.current_draft
    version = case.version
    at = local(2026, 2, 9, 11, 45)
    reason = "ВКонтакте: User authorization failed (код 5)"

    assert case.publication_failed(system, draft_id=draft.draft_id, reason=reason, now=at)

    assert case.status is Status.APPROVED
    assert case.timers["publish_due"].running  # a person publishes within T6 now
    assert case.deadlines()["publish_due"] == local(2026, 2, 9, 12, 10)
    assert case.publication_failure == PublicationFailure(draft.draft_id, "vk", reason, at)
    assert case.version == version + 1
    entry = case.timeline[-1]
    assert (entry.action, entry.actor, entry.role) == ("publication_failed", "system", Role.SYSTEM)
    assert entry.details == {"draft_id": draft.draft_id, "network": "vk", "reason": reason}
    assert case.pull_events() == [ev.PublicationFailed("case-1", at, draft.draft_id, "vk", reason)]


def test_a_failure_is_recorded_once_per_draft(approved, system, local):
    case = approved()
    draft_id = case.current_draft.draft_id
    case.publication_failed(
        system, draft_id=draft_id, reason="Ошибка 5", now=local(2026, 2, 9, 11, 45)
    )
    case.pull_events()
    version = case.version

    again = case.publication_failed(
        system, draft_id=draft_id, reason="Ошибка 5 снова", now=local(2026, 2, 9, 11, 50)
    )

    assert again is False
    assert case.version == version and case.pull_events() == []
    assert case.publication_failure.reason == "Ошибка 5"


def test_publishing_after_a_failure_clears_it(approved, system, tech, policy, local):
    case = approved()
    case.publication_failed(
        system,
        draft_id=case.current_draft.draft_id,
        reason="Ошибка 5",
        now=local(2026, 2, 9, 11, 45),
    )

    case.publish(tech, url=LINK, now=local(2026, 2, 9, 12, 0), policy=policy)

    assert case.publication_failure is None
    assert case.timers["publish_due"].outcome.value == "met"


@pytest.mark.parametrize("who", ["tech", "resp", "roads", "curator", "head"])
def test_only_the_system_records_a_failed_publication(approved, actors, local, who):
    case = approved()
    with pytest.raises(Forbidden):
        case.publication_failed(
            actors[who],
            draft_id=case.current_draft.draft_id,
            reason="Ошибка",
            now=local(2026, 2, 9, 11, 45),
        )


def test_a_failure_needs_an_approved_case_a_known_draft_and_a_reason(
    approved, system, tech, policy, local
):
    case = approved()
    draft_id = case.current_draft.draft_id
    at = local(2026, 2, 9, 11, 45)
    with pytest.raises(NotFound):
        case.publication_failed(system, draft_id="no-such-draft", reason="Ошибка", now=at)
    with pytest.raises(InvalidInput):
        case.publication_failed(system, draft_id=draft_id, reason="  ", now=at)
    case.publish(tech, url=LINK, now=at, policy=policy)
    with pytest.raises(InvalidTransition):
        case.publication_failed(system, draft_id=draft_id, reason="Ошибка", now=at)


# -- storage, the outbox and the letter ------------------------------------------------------


def test_the_proof_and_the_failure_survive_storage(approved, system, policy, local):
    case = approved()
    case.publication_failed(
        system,
        draft_id=case.current_draft.draft_id,
        reason="Ошибка 6",
        now=local(2026, 2, 9, 11, 45),
    )
    failed = codec.case_from_dict(codec.case_to_dict(case))
    assert failed.publication_failure == case.publication_failure

    case.publish(
        system,
        url=LINK,
        now=local(2026, 2, 9, 11, 47),
        policy=policy,
        receipt=Receipt("52999", "wall.post", False, "[id1|Ирина], …"),
    )
    stored = codec.case_from_dict(codec.case_to_dict(case))

    assert stored.publications == case.publications
    assert stored.publication_failure is None
    assert stored == case


def test_a_case_stored_before_proofs_existed_still_loads(approved):
    document = codec.case_to_dict(approved())
    del document["publications"], document["publication_failure"]

    case = codec.case_from_dict(document)

    assert (case.publications, case.publication_failure) == ([], None)


def test_a_failed_publication_emails_the_technical_executor(approved, system, local):
    case = approved()
    case.publication_failed(
        system,
        draft_id=case.current_draft.draft_id,
        reason="Ошибка 5",
        now=local(2026, 2, 9, 11, 45),
    )
    [event] = case.pull_events()

    [(queue, body)] = messages_for(event, case)

    assert queue == "notification"
    assert body["template"] == "publication_failed"
    assert body["recipients"] == {"roles": ["technical"], "departments": [], "logins": []}
    assert body["context"]["reason"] == "Ошибка 5"


def test_the_letter_says_why_and_what_to_do_in_russian():
    subject, body = render(
        "publication_failed",
        {
            "case": {"topic": "Дороги", "title": "Дороги (№ im-1)", "ref": "№ im-1", "url": None},
            "message": {"network": "ВКонтакте", "url": "https://vk.com/wall-1_2"},
            "deadlines": _Blank({"publish_due": "9 февраля 2026, 12:10"}),
            "reason": "Токен VK_ACCESS_TOKEN недействителен",
        },
    )
    assert subject == "Ответ не опубликован автоматически: Дороги (№ im-1)"
    assert "Причина: Токен VK_ACCESS_TOKEN недействителен" in body
    assert "Опубликовать до: 9 февраля 2026, 12:10" in body
    assert "вручную" in body and "https://vk.com/wall-1_2" in body
