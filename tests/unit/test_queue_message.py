"""Queue message bodies are checked by their consumers' dataclasses (no pydantic on the path)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from otklik.entrypoints.batch import QueueMessage


@dataclass(frozen=True, kw_only=True)
class Sample(QueueMessage):
    case_id: str
    recipients: dict
    context: dict = field(default_factory=dict)


def test_the_named_fields_are_read_and_the_rest_kept():
    message = Sample.parse(
        {"message_id": "m-1", "case_id": "c-1", "recipients": {"roles": []}, "url": "https://x"}
    )
    assert (message.message_id, message.case_id, message.context) == ("m-1", "c-1", {})
    assert message.extra == {"url": "https://x"}


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        pytest.param({"message_id": "m", "recipients": {}}, "case_id: missing", id="missing"),
        pytest.param(
            {"message_id": "m", "case_id": 7, "recipients": {}}, "case_id: expected str", id="type"
        ),
        pytest.param(
            {"message_id": "m", "case_id": "c", "recipients": []},
            "recipients: expected dict",
            id="list-for-dict",
        ),
        pytest.param(["m"], "the body is not a JSON object", id="not-an-object"),
        pytest.param({"case_id": "c", "recipients": {}}, "message_id: missing", id="no-id"),
    ],
)
def test_a_malformed_body_is_refused_naming_the_field_not_its_value(body, problem):
    with pytest.raises(ValueError) as refused:
        Sample.parse(body)
    assert problem in str(refused.value)
    assert "7" not in str(refused.value)
