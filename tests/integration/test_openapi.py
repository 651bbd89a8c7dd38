"""`openapi.yaml` describes exactly what the handlers serve (docs/design.md, "The contract").

The document must be valid OpenAPI 3.1; its routes must be the routes the Powertools resolvers of
`functions/*/app.py` register, with the request body each handler parses; its request-body
schemas must agree with the pydantic models; its examples must be valid; and the case views the
handlers return must have the documented fields and no others.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

import pytest
import yaml
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver, Route
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from otklik import config
from otklik.domain.calendar import WorkingCalendar
from otklik.domain.case import Case
from otklik.domain.policy import SlaPolicy
from otklik.domain.reports import breaches
from otklik.domain.roles import SYSTEM_ACTOR, Actor, Role
from otklik.domain.states import DraftKind
from otklik.domain.values import Attachment, Author, Curator, Message
from otklik.entrypoints import schemas
from otklik.entrypoints.views import case_detail, case_summary
from otklik.service.reports import breach_view

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi.yaml"
FUNCTIONS = ROOT / "functions"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# The pydantic models of the request bodies, each documented under the same name.
BODY_MODELS = (
    "MessageIn",
    "CallbackIn",
    "LoginIn",
    "TriageIn",
    "ContributionIn",
    "DraftIn",
    "UploadIn",
    "RejectIn",
    "PublicationIn",
)
# Schema keywords that must agree between a pydantic model and its documented schema.
CONSTRAINTS = ("minLength", "maxLength", "minItems", "maxItems", "format")

Routes = dict[tuple[str, str], Route]


# -- loading ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def _import_by_path(app_py: Path) -> ModuleType:
    name = f"_openapi_test_handler_{app_py.parent.name}"
    module_spec = importlib.util.spec_from_file_location(name, app_py)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def _settings_env_names() -> set[str]:
    """Every environment variable `Settings.from_env` reads."""
    return set(re.findall(r'"([A-Z][A-Z0-9_]+)"', inspect.getsource(config.Settings.from_env)))


@pytest.fixture(scope="module")
def resolvers() -> dict[str, ApiGatewayResolver]:
    """The HTTP resolver of every function, imported with no deployment settings at all."""
    found = {}
    reads_before = config.settings.cache_info()
    with pytest.MonkeyPatch.context() as mp:
        for name in _settings_env_names() | {k for k in os.environ if k.startswith("AWS_")}:
            mp.delenv(name, raising=False)
        for app_py in sorted(FUNCTIONS.glob("*/app.py")):
            app = getattr(_import_by_path(app_py), "app", None)
            if isinstance(app, ApiGatewayResolver):
                found[app_py.parent.name] = app
    reads_after = config.settings.cache_info()
    assert (reads_after.hits, reads_after.misses) == (reads_before.hits, reads_before.misses), (
        "importing a handler read the settings; they must be read lazily, on first use"
    )
    assert found, "no function registers HTTP routes"
    return found


@pytest.fixture(scope="module")
def served(resolvers: dict[str, ApiGatewayResolver]) -> Routes:
    """(METHOD, /openapi/{style}/path) → the Powertools route, over every function."""
    routes: Routes = {}
    for function, app in resolvers.items():
        # Powertools 3 keeps a resolver's routes in these two lists (api_gateway.py).
        registered = app._static_routes + app._dynamic_routes
        for route in registered:
            key = (route.method.upper(), re.sub(r"<(\w+)>", r"{\1}", route.path))
            assert key not in routes, f"{key} is registered twice (again in {function})"
            routes[key] = route
    return routes


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield (method.upper(), path), item[method]


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _resolve(ref: str, document: dict) -> dict:
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


# -- (a) the document ------------------------------------------------------------------------


def test_document_is_valid_openapi_3_1(spec: dict) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec)


# -- (b) the routes --------------------------------------------------------------------------


def test_documented_routes_are_exactly_the_served_routes(spec: dict, served: Routes) -> None:
    documented = {key for key, _ in _operations(spec)}
    assert sorted(documented - served.keys()) == [], "documented but not served"
    assert sorted(served.keys() - documented) == [], "served but not documented"


def _parsed_model(route: Route) -> str | None:
    """The pydantic model the handler parses its body with (`http.parse(app, Model)`)."""
    found = re.findall(r"\bparse\(\s*app\s*,\s*(\w+)", inspect.getsource(route.func))
    assert len(found) <= 1, f"{route.func.__name__} parses several bodies: {found}"
    return found[0] if found else None


def test_each_route_documents_the_body_its_handler_parses(spec: dict, served: Routes) -> None:
    wrong = {}
    for key, operation in _operations(spec):
        if key not in served:
            continue  # reported by the route test
        body = operation.get("requestBody")
        documented = (
            _ref_name(body["content"]["application/json"]["schema"]["$ref"]) if body else None
        )
        parsed = _parsed_model(served[key])
        if documented != parsed:
            wrong[key] = {"documented": documented, "handler parses": parsed}
    assert wrong == {}


def test_path_parameters_are_documented(spec: dict) -> None:
    for (method, path), operation in _operations(spec):
        params = spec["paths"][path].get("parameters", []) + operation.get("parameters", [])
        params = [_resolve(p["$ref"], spec) if "$ref" in p else p for p in params]
        in_path = {p["name"] for p in params if p["in"] == "path"}
        assert in_path == set(re.findall(r"{(\w+)}", path)), (method, path)


# -- (c) request bodies agree with the pydantic models --------------------------------------


def _flatten(schema: dict, document: dict, path: str = "", out: dict | None = None) -> dict:
    """{field path: the keywords that matter} of a schema, following $refs, array items and
    nullable unions, so a pydantic schema and an OpenAPI one compare key by key."""
    out = {} if out is None else out
    while "$ref" in schema:  # OpenAPI 3.1 allows siblings of $ref (e.g. a default)
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**_resolve(schema["$ref"], document), **siblings}
    branches = schema.get("anyOf") or schema.get("oneOf") or [schema]
    types: set[str] = set()
    enum: set = set()
    nullable = False
    merged: dict = {}
    for branch in branches:
        if "$ref" in branch:
            branch = _resolve(branch["$ref"], document)
        declared = branch.get("type", [])
        for t in [declared] if isinstance(declared, str) else declared:
            if t == "null":
                nullable = True
            else:
                types.add(t)
        for value in branch.get("enum", []):
            if value is None:
                nullable = True
            else:
                enum.add(value)
        merged.update({k: v for k, v in branch.items() if k in (*CONSTRAINTS, "items")})
        merged.update({k: branch[k] for k in ("properties", "required") if k in branch})
    entry = {
        "type": sorted(types),
        "nullable": nullable,
        "enum": sorted(enum),
        **{k: merged.get(k) for k in CONSTRAINTS},
    }
    if "default" in schema:
        entry["default"] = schema["default"]
    if "properties" in merged:
        entry["properties"] = sorted(merged["properties"])
        entry["required"] = sorted(merged.get("required", []))
        for name, sub in merged["properties"].items():
            _flatten(sub, document, f"{path}.{name}" if path else name, out)
    if "items" in merged:
        _flatten(merged["items"], document, f"{path}[]", out)
    out[path or "<body>"] = entry
    return out


@pytest.mark.parametrize("name", BODY_MODELS)
def test_request_body_schema_matches_the_pydantic_model(spec: dict, name: str) -> None:
    pydantic_schema = getattr(schemas, name).model_json_schema()
    expected = _flatten(pydantic_schema, pydantic_schema)
    documented = _flatten(spec["components"]["schemas"][name], spec)
    assert sorted(documented) == sorted(expected)
    diff = {}
    for field, entry in expected.items():
        shown = dict(documented[field])
        # A default pydantic declares must be documented; OpenAPI may add ones pydantic leaves
        # implicit (`default_factory=list` is documented as `default: []`).
        if "default" not in entry:
            shown.pop("default", None)
        if shown != entry:
            diff[field] = {"openapi.yaml": shown, "pydantic": entry}
    assert diff == {}


@pytest.mark.parametrize("name", BODY_MODELS)
def test_required_fields_and_enums_match_the_pydantic_model(spec: dict, name: str) -> None:
    """Required fields and enum values, checked on their own so a failure names the field."""
    pydantic_schema = getattr(schemas, name).model_json_schema()
    expected = _flatten(pydantic_schema, pydantic_schema)
    documented = _flatten(spec["components"]["schemas"][name], spec)
    for field, entry in expected.items():
        assert field in documented, f"{name}.{field} is not documented"
        assert documented[field].get("required") == entry.get("required"), f"{name}.{field}"
        assert documented[field]["enum"] == entry["enum"], f"{name}.{field}"


# -- (d) examples ------------------------------------------------------------------------------


def _validator(schema: dict, spec: dict) -> Draft202012Validator:
    root = {**schema, "components": spec["components"]}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _media_examples(media: dict) -> list:
    found = [media["example"]] if "example" in media else []
    return found + [e["value"] for e in media.get("examples", {}).values()]


def _all_examples(spec: dict):
    """(where, schema, example) for every example of a body or of a component schema."""
    for (method, path), operation in _operations(spec):
        bodies = [("request", operation.get("requestBody", {}))]
        for status, response in operation["responses"].items():
            if "$ref" in response:
                response = _resolve(response["$ref"], spec)
            bodies.append((status, response))
        for label, body in bodies:
            for media in body.get("content", {}).values():
                for example in _media_examples(media):
                    yield f"{method} {path} {label}", media["schema"], example
    for name, schema in spec["components"]["schemas"].items():
        if "example" in schema:
            ref = f"#/components/schemas/{name}"
            yield ref, {"$ref": ref}, schema["example"]


def test_examples_match_their_schemas(spec: dict) -> None:
    errors = []
    for where, schema, example in _all_examples(spec):
        for error in _validator(schema, spec).iter_errors(example):
            errors.append(f"{where}: {error.json_path}: {error.message}")
    assert errors == []


def test_request_examples_are_accepted_by_the_pydantic_models(spec: dict) -> None:
    checked = 0
    for _, operation in _operations(spec):
        body = operation.get("requestBody")
        if not body:
            continue
        media = body["content"]["application/json"]
        model = getattr(schemas, _ref_name(media["schema"]["$ref"]))
        for example in _media_examples(media):
            model.model_validate(example)
            checked += 1
    for name in BODY_MODELS:
        if "example" in spec["components"]["schemas"][name]:
            getattr(schemas, name).model_validate(spec["components"]["schemas"][name]["example"])
            checked += 1
    assert checked >= len(BODY_MODELS)


# -- (e) the case views ------------------------------------------------------------------------


def _properties(schema: dict, spec: dict) -> dict | None:
    """The properties an object schema documents, through $refs and allOf; None if free-form."""
    if "$ref" in schema:
        return _properties(_resolve(schema["$ref"], spec), spec)
    found = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        found.update(_properties(part, spec) or {})
    return found or None


def _undocumented(instance, schema: dict, spec: dict, path: str = "$") -> list[str]:
    if "$ref" in schema:
        schema = _resolve(schema["$ref"], spec)
    if isinstance(instance, dict):
        props = _properties(schema, spec)
        if props is None:
            return []
        extra = [f"{path}.{k}" for k in instance if k not in props]
        for key, value in instance.items():
            if key in props:
                extra += _undocumented(value, props[key], spec, f"{path}.{key}")
        return extra
    if isinstance(instance, list) and "items" in schema:
        return [
            e
            for i, v in enumerate(instance)
            for e in _undocumented(v, schema["items"], spec, f"{path}[{i}]")
        ]
    return []


@pytest.fixture(scope="module")
def lived_case() -> tuple[Case, SlaPolicy]:
    """A joint case that went through most steps, so every list in the view has an entry."""
    policy = SlaPolicy(WorkingCalendar())
    tz = policy.calendar.tz
    now = datetime(2027, 3, 5, 16, 1, tzinfo=tz)
    message = Message(
        external_id="im-123",
        detected_at=datetime(2027, 3, 5, 16, 0, tzinfo=tz),
        network="vk",
        url="https://vk.com/wall-1_2?reply=3",
        author=Author("id1", "Мария Иванова", "https://vk.com/id1"),
        text="Когда отремонтируют дорогу на ул. Центральной?",
        topic="Дороги",
        location="с. Зудилово",
        importance="high",
        curator=Curator("c-1", "Елена Смирнова"),
        attachments=(Attachment("photo", "https://vk.com/photo1_456"),),
    )
    tech = Actor("tech", Role.TECHNICAL)
    resp = Actor("resp", Role.RESPONSIBLE)
    roads = Actor("roads", Role.EXECUTOR, department="roads")
    curator = Actor("c-1", Role.CURATOR)

    def later(minutes: int) -> datetime:
        return now + timedelta(minutes=minutes)

    case = Case.receive(message, now=now, policy=policy)
    case.propose_routing(SYSTEM_ACTOR, departments=["roads"], flags=[], now=later(1))
    case.accept(tech, departments=["roads", "housing"], now=later(2), policy=policy)
    case.contribute(roads, text="Ремонт в мае.", now=later(3))
    case.escalate(
        SYSTEM_ACTOR,
        timer="contribution_due:housing",
        kind="breach",
        level=0,
        notified=["housing"],
        now=later(3),
        policy=policy,
    )
    rejected = case.submit_draft(resp, text="Черновик.", kind=DraftKind.FINAL, now=later(4))
    case.reject_draft(resp, draft_id=rejected.draft_id, comment="Уточните сроки.", now=later(5))
    draft = case.submit_draft(resp, text="Ремонт в мае.", kind=DraftKind.INTERIM, now=later(6))
    case.approve_draft(resp, draft_id=draft.draft_id, now=later(7), policy=policy)
    case.curator_approve(curator, draft_id=draft.draft_id, now=later(8), policy=policy)
    case.publish(tech, url="https://vk.com/wall-1_2?reply=4", now=later(9), policy=policy)
    return case, policy


def _views(lived_case) -> list[tuple[str, dict]]:
    case, policy = lived_case
    tz = ZoneInfo("Asia/Barnaul")
    resp = Actor("resp", Role.RESPONSIBLE)
    detail = case_detail(case, tz, policy, resp)
    found = breaches([case], case.received_at, case.received_at + timedelta(days=1))
    assert found, "the lived case should have a breach"
    fresh = Case.receive(case.message, now=case.received_at, policy=policy)
    return [
        ("CaseSummary", case_summary(case, tz, policy)),
        ("CaseSummary", case_summary(fresh, tz, policy)),
        ("CaseDetail", detail),
        ("CaseDetail", case_detail(fresh, tz, policy, Actor("tech", Role.TECHNICAL))),
        ("DraftCreated", {"draft_id": case.drafts[-1].draft_id, **detail}),
        ("BreachList", {"month": "2027-03", "breaches": [breach_view(b, tz) for b in found]}),
    ]


def test_case_views_match_their_schemas(spec: dict, lived_case) -> None:
    errors = []
    for name, view in _views(lived_case):
        schema = {"$ref": f"#/components/schemas/{name}"}
        errors += [
            f"{name} {e.json_path}: {e.message}" for e in _validator(schema, spec).iter_errors(view)
        ]
        errors += [f"{name}: undocumented field {p}" for p in _undocumented(view, schema, spec)]
    assert errors == []


def test_case_views_use_every_deadline_name_of_the_contract(spec: dict) -> None:
    documented = set(spec["components"]["schemas"]["Deadlines"]["properties"])
    contract = {
        "triage_due",
        "send_to_curator_due",
        "answer_due",
        "curator_decision_due",
        "rework_due",
        "publish_due",
        "final_answer_due",
    }
    assert documented == contract
