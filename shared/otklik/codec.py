"""Domain values as JSON and back, by their types: the one codec of the aggregate.

`to_plain` turns any domain value (dataclasses field by field, enums by value, times as ISO 8601,
tuples and lists as lists) into JSON-ready data; with a time zone it writes every time in it, which
is how the API shows a case to officials. `from_plain` reads such data back, guided by the type
hints of the dataclass it is asked for. Storage keeps the aggregate whole as one document
(`case_to_dict`), so that a state change is one conditional write; a field a document stored
before it existed is left at its default.
"""

from __future__ import annotations

import types
from dataclasses import fields, is_dataclass
from datetime import datetime, tzinfo
from enum import Enum
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from otklik.domain.case import Case
from otklik.domain.policy import Deadline
from otklik.domain.timers import timer_key

T = TypeVar("T")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def to_plain(value, tz: tzinfo | None = None):
    """JSON-ready data of a domain value; times in `tz` when given, else as they are. Fields
    that take no part in a value's equality (the case's unsent events) are left out."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name), tz) for f in fields(value) if f.compare}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return (value.astimezone(tz) if tz is not None else value).isoformat()
    if isinstance(value, list | tuple):
        return [to_plain(v, tz) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v, tz) for k, v in value.items()}
    return value


def from_plain(kind: type[T], data) -> T:
    """The value of type `kind` that `to_plain` wrote as `data`."""
    if data is None:
        return None
    origin, args = get_origin(kind), get_args(kind)
    if origin in (Union, types.UnionType):
        return from_plain(next(a for a in args if a is not type(None)), data)
    if is_dataclass(kind):
        hints = _hints(kind)
        present = {f.name: f for f in fields(kind) if f.init and f.name in data}
        return kind(**{name: from_plain(hints[name], data[name]) for name in present})
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(data)
    if kind is datetime:
        return datetime.fromisoformat(data)
    if origin is tuple:
        return tuple(from_plain(args[0], v) for v in data)
    if origin is list:
        return [from_plain(args[0], v) for v in data]
    if origin is dict and args:
        return {k: from_plain(args[1], v) for k, v in data.items()}
    return data  # str, int, float, bool, and free-form dicts (a timeline entry's details)


@cache
def _hints(kind: type) -> dict[str, Any]:
    return get_type_hints(kind)


def case_to_dict(case: Case) -> dict:
    """The stored document: the case's fields, its timers and contributions as lists."""
    doc = to_plain(case)
    doc["timers"] = list(doc["timers"].values())
    doc["contributions"] = list(doc["contributions"].values())
    return doc


def case_from_dict(doc: dict) -> Case:
    doc = dict(doc)
    doc["timers"] = {
        timer_key(Deadline(t["deadline"]), t.get("department")): t for t in doc.get("timers") or ()
    }
    doc["contributions"] = {c["department"]: c for c in doc.get("contributions") or ()}
    return from_plain(Case, doc)
