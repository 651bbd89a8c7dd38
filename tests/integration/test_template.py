"""`template.yaml` is valid, deployable SAM that matches the code it deploys.

- cfn-lint passes on the template and on its transformed CloudFormation;
- aws-sam-translator transforms it (offline: a stub managed-policy loader, a region set);
- every table equals its pynamodb model (keys, attribute types, indexes, projections);
- every setting `otklik.config` reads is in the functions' environment;
- every function's code and handler exist, every HTTP route is served by its function's
  handler, and every route a handler serves is in the template;
- queues have dead-letter queues and visibility timeouts 6x their consumer's timeout.

cfn-lint and the translator run from `.venv-tools` (built by `make .venv-tools`): the translator
pins pydantic a minor version below the app's, so they cannot live in `.venv`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
from moto import mock_aws

from local.cfn import load
from otklik import bootstrap
from otklik.adapters import tables

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
TOOLS_BIN = ROOT / ".venv-tools" / "bin"
REGION = "eu-central-1"

# The template's logical ids (docs/design.md: keep them) and their code folders.
FUNCTIONS = {
    "IntakeFunction": "intake",
    "RoutingFunction": "routing",
    "DraftSubmissionFunction": "draft_submission",
    "StaffApiFunction": "staff_api",
    "CuratorCallbackFunction": "curator_callback",
    "PublishingFunction": "publishing",
    "SweeperFunction": "sweeper",
    "NotificationFunction": "notifications",
    "MonitoringOutboundFunction": "monitoring_outbound",
}
TABLES = {
    "CasesTable": tables.CaseRecord,
    "AuditTable": tables.AuditRecord,
    "IdempotencyTable": tables.IdempotencyRecord,
    "DirectoryTable": tables.DirectoryRecord,
    "OutboxTable": tables.OutboxRecord,
}
CONSUMERS = {  # queue -> the function that consumes it
    "RoutingQueue": "RoutingFunction",
    "NotificationQueue": "NotificationFunction",
    "PublishingQueue": "PublishingFunction",
    "MonitoringQueue": "MonitoringOutboundFunction",
}
ENVIRONMENT_REFS = {  # variable -> what it must !Ref
    "CASES_TABLE": "CasesTable",
    "AUDIT_TABLE": "AuditTable",
    "IDEMPOTENCY_TABLE": "IdempotencyTable",
    "DIRECTORY_TABLE": "DirectoryTable",
    "OUTBOX_TABLE": "OutboxTable",
    "ROUTING_QUEUE_URL": "RoutingQueue",
    "NOTIFICATION_QUEUE_URL": "NotificationQueue",
    "PUBLISHING_QUEUE_URL": "PublishingQueue",
    "MONITORING_QUEUE_URL": "MonitoringQueue",
    "MONITORING_WEBHOOK_SECRET": "MonitoringWebhookSecret",
    "STAFF_TOKEN_SECRET": "StaffTokenSecret",
    "DISPLAY_TIMEZONE": "DisplayTimezone",
    "MAIL_SENDER": "MailSender",
    "MONITORING_BASE_URL": "MonitoringBaseUrl",
    "REPEAT_WINDOW_DAYS": "RepeatWindowDays",
    "OWN_PAGES": "OwnPages",
}
# Read by config.py but given by the Lambda runtime (region) or only by the local run (endpoint).
NOT_FROM_TEMPLATE = {"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"}
# Set only where another cloud serves the same APIs (deploy/yandex), or only to tune a default
# (the sign-in rule; development secrets are refused in AWS, so the template never allows them).
NOT_FROM_TEMPLATE |= {
    "DYNAMODB_ENDPOINT_URL",
    "SQS_ENDPOINT_URL",
    "SES_ENDPOINT_URL",
    "S3_ENDPOINT_URL",
    "INDEX_PROJECTION",
    "SIGNIN_LOGIN_FAILURES",
    "SIGNIN_CLIENT_FAILURES",
    "SIGNIN_LOCK_MINUTES",
    "OTKLIK_ALLOW_DEV_SECRETS",
}
# Given only to the functions that may touch the drafts' files (least privilege), not globally.
PER_FUNCTION = {"ATTACHMENTS_BUCKET": {"DraftSubmissionFunction", "PublishingFunction"}}
NOT_FROM_TEMPLATE |= set(PER_FUNCTION)
PARAMETERS = {
    "MonitoringWebhookSecret": "test-webhook-secret-0123456789",
    "StaffTokenSecret": "test-token-secret-0123456789abcdef0123456789",
    "StaffPageOrigin": "https://otklik.example.org",
}
ROUTE_404 = "Такого адреса нет."

# Runs in .venv-tools: transforms the template read from stdin, prints CloudFormation JSON.
# `sam package` would replace local CodeUri/ContentUri folders with S3 objects; so does this.
TRANSLATE = r"""
import json, sys
from samtranslator.translator.transform import transform

class NoManagedPolicies:
    # The translator looks managed policies up in IAM only for names it must turn into ARNs;
    # this template names none, so an empty map keeps it offline.
    def load(self):
        return {}

fragment = json.load(sys.stdin)
for resource in fragment.get("Resources", {}).values():
    properties = resource.get("Properties") or {}
    for key in ("CodeUri", "ContentUri"):
        if isinstance(properties.get(key), str):
            properties[key] = "s3://otklik-artifacts/" + properties[key].strip("/") + ".zip"
parameters = json.loads(sys.argv[1])
json.dump(transform(fragment, parameters, NoManagedPolicies()), sys.stdout)
"""


# -- reading the template ---------------------------------------------------------------------

_TEMPLATE = load(TEMPLATE)


def resources(kind: str, template: dict = _TEMPLATE) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def function_setting(logical_id: str, key: str):
    """A function's property, falling back to Globals.Function (as SAM does)."""
    own = _TEMPLATE["Resources"][logical_id]["Properties"]
    return own.get(key, _TEMPLATE.get("Globals", {}).get("Function", {}).get(key))


def http_routes() -> list[tuple[str, str, str]]:
    """(function logical id, METHOD, path) of every HttpApi event."""
    found = []
    for logical_id, function in resources("AWS::Serverless::Function").items():
        for event in (function["Properties"].get("Events") or {}).values():
            if event["Type"] == "HttpApi":
                props = event["Properties"]
                found.append((logical_id, props["Method"].upper(), props["Path"]))
    return sorted(found)


@cache
def handler_module(logical_id: str) -> ModuleType:
    """A function's app.py, imported under a name of its own (every handler is `app`)."""
    code_uri = _TEMPLATE["Resources"][logical_id]["Properties"]["CodeUri"]
    path = ROOT / code_uri / "app.py"
    spec = importlib.util.spec_from_file_location(f"otklik_function_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the tools virtualenv -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tools() -> Path:
    """.venv-tools/bin, built on first use (`make test` builds it beforehand)."""
    if not (TOOLS_BIN / "cfn-lint").exists():
        build = subprocess.run(
            ["make", "-s", ".venv-tools"], cwd=ROOT, capture_output=True, text=True, timeout=900
        )
        if build.returncode != 0:
            pytest.fail(f"`make .venv-tools` failed:\n{build.stdout}\n{build.stderr}")
    return TOOLS_BIN


@pytest.fixture(scope="session")
def transformed(tools: Path) -> dict:
    """The template as plain CloudFormation, transformed by aws-sam-translator."""
    env = {**os.environ, "AWS_DEFAULT_REGION": REGION}
    result = subprocess.run(
        [str(tools / "python"), "-c", TRANSLATE, json.dumps(PARAMETERS)],
        input=json.dumps(_TEMPLATE),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, f"aws-sam-translator failed:\n{result.stderr[-5000:]}"
    return json.loads(result.stdout)


def cfn_lint(tools: Path, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(tools / "cfn-lint"), "--", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )


# -- validity -------------------------------------------------------------------------------------


def test_cfn_lint_passes_on_the_template_without_warnings(tools):
    result = cfn_lint(tools, TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_passes_on_the_transformed_template(tools, transformed, tmp_path):
    path = tmp_path / "transformed.json"
    path.write_text(json.dumps(transformed), encoding="utf-8")
    result = cfn_lint(tools, path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_template_transforms_to_plain_cloudformation(transformed):
    kinds = {r["Type"] for r in transformed["Resources"].values()}
    assert not [k for k in kinds if k.startswith("AWS::Serverless::")]
    assert "Transform" not in transformed
    functions = resources("AWS::Lambda::Function", transformed)
    assert set(functions) == set(FUNCTIONS)
    for logical_id, function in functions.items():
        props = function["Properties"]
        assert props["Runtime"] == "python3.11", logical_id
        assert props["Handler"] == "app.lambda_handler", logical_id
        assert len(props["Layers"]) == 1, logical_id
        variables = props["Environment"]["Variables"]
        assert set(ENVIRONMENT_REFS) <= set(variables), logical_id


def test_each_queue_feeds_its_consumer_with_partial_batch_failures(transformed):
    mappings = resources("AWS::Lambda::EventSourceMapping", transformed).values()
    wired = {m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]: m["Properties"] for m in mappings}
    assert set(wired) == set(CONSUMERS)
    for queue, consumer in CONSUMERS.items():
        props = wired[queue]
        assert props["FunctionName"] == {"Ref": consumer}
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        declared = _TEMPLATE["Resources"][consumer]["Properties"]["Events"]
        (sqs,) = [e for e in declared.values() if e["Type"] == "SQS"]
        assert props["BatchSize"] == sqs["Properties"]["BatchSize"]


def test_the_sweeper_runs_every_five_minutes(transformed):
    rules = list(resources("AWS::Events::Rule", transformed).values())
    assert len(rules) == 1
    props = rules[0]["Properties"]
    assert props["ScheduleExpression"] == "rate(5 minutes)"
    assert props["State"] == "ENABLED"
    assert [t["Arn"] for t in props["Targets"]] == [{"Fn::GetAtt": ["SweeperFunction", "Arn"]}]


def test_the_transformed_api_has_exactly_the_templates_routes_and_cors(transformed):
    api = transformed["Resources"]["StaffHttpApi"]["Properties"]["Body"]
    served = sorted(
        (
            re.search(r"\$\{(\w+)\.Arn\}", op["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"])[
                1
            ],
            method.upper(),
            path,
        )
        for path, operations in api["paths"].items()
        for method, op in operations.items()
    )
    assert served == http_routes()
    cors = api["x-amazon-apigateway-cors"]
    assert {"Fn::Sub": "https://${StaffPageDistribution.DomainName}"} in cors["allowOrigins"]
    assert {
        "Fn::If": ["HasStaffPageOrigin", PARAMETERS["StaffPageOrigin"], {"Ref": "AWS::NoValue"}]
    } in cors["allowOrigins"]
    assert {"authorization", "content-type"} <= set(cors["allowHeaders"])
    assert {"GET", "POST"} <= set(cors["allowMethods"])


# -- tables against the pynamodb models -----------------------------------------------------------


def _keys(schema: list[dict]) -> set[tuple[str, str]]:
    return {(k["AttributeName"], k["KeyType"]) for k in schema}


def _projection(projection: dict) -> tuple[str, tuple[str, ...]]:
    return projection["ProjectionType"], tuple(sorted(projection.get("NonKeyAttributes", ())))


def schema_of_model(model) -> dict:
    schema = model._get_schema()
    return {
        "attributes": {
            (a["AttributeName"], a["AttributeType"]) for a in schema["attribute_definitions"]
        },
        "keys": _keys(schema["key_schema"]),
        "global": {
            i["index_name"]: (_keys(i["key_schema"]), _projection(i["projection"]))
            for i in schema.get("global_secondary_indexes", [])
        },
        "local": {
            i["index_name"]: (_keys(i["key_schema"]), _projection(i["projection"]))
            for i in schema.get("local_secondary_indexes", [])
        },
    }


def schema_of_table(props: dict) -> dict:
    return {
        "attributes": {
            (a["AttributeName"], a["AttributeType"]) for a in props["AttributeDefinitions"]
        },
        "keys": _keys(props["KeySchema"]),
        "global": {
            i["IndexName"]: (_keys(i["KeySchema"]), _projection(i["Projection"]))
            for i in props.get("GlobalSecondaryIndexes", [])
        },
        "local": {
            i["IndexName"]: (_keys(i["KeySchema"]), _projection(i["Projection"]))
            for i in props.get("LocalSecondaryIndexes", [])
        },
    }


def test_every_model_has_a_table_and_every_table_a_model():
    assert set(resources("AWS::DynamoDB::Table")) == set(TABLES)
    assert set(TABLES.values()) == set(tables.ALL_MODELS)


@pytest.mark.parametrize("logical_id", sorted(TABLES))
def test_table_matches_its_pynamodb_model(logical_id):
    props = _TEMPLATE["Resources"][logical_id]["Properties"]
    assert schema_of_table(props) == schema_of_model(TABLES[logical_id])


@pytest.mark.parametrize("logical_id", sorted(TABLES))
def test_table_is_on_demand_encrypted_and_recoverable(logical_id):
    props = _TEMPLATE["Resources"][logical_id]["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert "TableName" not in props  # CloudFormation names it: stacks can live side by side


def test_idempotency_keys_expire_on_the_models_ttl_attribute():
    ttl = _TEMPLATE["Resources"]["IdempotencyTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl["Enabled"] is True
    attribute = tables.IdempotencyRecord.get_attributes()[ttl["AttributeName"]]
    assert attribute.attr_type == "N"  # DynamoDB TTL reads epoch seconds in a Number


# -- environment ------------------------------------------------------------------------------


# Settings with a fixed set of values get one of them from the recording below; the rest "1".
_ONE_OF = {"INDEX_PROJECTION": "ALL", "OWN_PAGES": "https://vk.com/club1"}


class _RecordingEnviron(dict):
    """os.environ stand-in that answers every name and remembers which were asked."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return _ONE_OF.get(key, "1")

    def __getitem__(self, key):
        return self.get(key)

    def __contains__(self, key) -> bool:
        self.asked.add(key)
        return True


def settings_read_from_environment(monkeypatch) -> set[str]:
    from otklik import config

    recording = _RecordingEnviron()
    with monkeypatch.context() as patch:
        patch.setattr(config.os, "environ", recording)
        patch.setattr(config.os, "getenv", recording.get)
        config.Settings.from_env()
    return recording.asked


def test_functions_get_every_setting_config_reads(monkeypatch):
    asked = settings_read_from_environment(monkeypatch)
    assert "CASES_TABLE" in asked  # the recording works
    given = set(_TEMPLATE["Globals"]["Function"]["Environment"]["Variables"])
    assert asked - NOT_FROM_TEMPLATE <= given


def test_the_attachments_bucket_is_private_and_only_its_users_reach_it():
    bucket = _TEMPLATE["Resources"]["AttachmentsBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    [cors] = bucket["CorsConfiguration"]["CorsRules"]
    assert "POST" in cors["AllowedMethods"] and "GET" not in cors["AllowedMethods"]
    for name, functions in PER_FUNCTION.items():
        for logical_id in FUNCTIONS:
            own = _TEMPLATE["Resources"][logical_id]["Properties"].get("Environment") or {}
            given = name in (own.get("Variables") or {})
            assert given == (logical_id in functions), (name, logical_id)
    actions = {}
    for logical_id in FUNCTIONS:
        policies = _TEMPLATE["Resources"][logical_id]["Properties"].get("Policies") or []
        for policy in policies:
            for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
                if "AttachmentsBucket" in json.dumps(statement.get("Resource")):
                    found = statement["Action"]
                    actions[logical_id] = sorted([found] if isinstance(found, str) else found)
    assert actions == {
        "DraftSubmissionFunction": ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        "PublishingFunction": ["s3:GetObject"],
    }


def test_environment_points_at_the_right_resources_and_parameters():
    variables = _TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    for name, target in ENVIRONMENT_REFS.items():
        assert variables[name] == {"Ref": target}, name
    parameters = _TEMPLATE["Parameters"]
    assert parameters["DisplayTimezone"]["Default"] == "Asia/Barnaul"
    for secret in ("MonitoringWebhookSecret", "StaffTokenSecret"):
        assert parameters[secret]["NoEcho"] is True
        assert "Default" not in parameters[secret]  # never a secret in the template


def test_no_function_overrides_the_shared_environment():
    for logical_id in FUNCTIONS:
        own = _TEMPLATE["Resources"][logical_id]["Properties"].get("Environment") or {}
        assert not set(own.get("Variables") or {}) & set(ENVIRONMENT_REFS), logical_id


# -- functions, layer and handlers ----------------------------------------------------------------


def test_the_template_has_exactly_the_designed_functions():
    assert set(resources("AWS::Serverless::Function")) == set(FUNCTIONS)


def test_the_shared_layer_is_built_from_shared():
    layer = _TEMPLATE["Resources"]["SharedLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Properties"]["ContentUri"].rstrip("/") == "shared"
    assert layer["Metadata"]["BuildMethod"] == "python3.11"
    assert (ROOT / "shared" / "requirements.txt").is_file()
    assert (ROOT / "shared" / "otklik" / "__init__.py").is_file()
    assert _TEMPLATE["Globals"]["Function"]["Layers"] == [{"Ref": "SharedLayer"}]
    assert _TEMPLATE["Globals"]["Function"]["Runtime"] == "python3.11"


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_code_exists_with_a_lambda_handler(logical_id):
    props = _TEMPLATE["Resources"][logical_id]["Properties"]
    assert props["CodeUri"] == f"functions/{FUNCTIONS[logical_id]}/"
    assert function_setting(logical_id, "Handler") == "app.lambda_handler"
    assert (ROOT / props["CodeUri"] / "app.py").is_file()
    assert callable(getattr(handler_module(logical_id), "lambda_handler", None))


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_policies_are_scoped(logical_id):
    """SAM policy templates on named resources, or statements without wildcards."""
    for policy in function_setting(logical_id, "Policies") or []:
        assert isinstance(policy, dict), f"{logical_id}: managed policy {policy!r}"
        if "Statement" in policy:
            for statement in policy["Statement"]:
                actions = statement["Action"]
                actions = actions if isinstance(actions, list) else [actions]
                assert not [a for a in actions if a == "*" or a.endswith(":*")], logical_id
                assert statement["Resource"] != "*", logical_id
        else:
            ((name, args),) = policy.items()
            assert name.endswith("Policy"), name
            assert all(v not in ("*", "") for v in args.values()), (logical_id, name)


# What a SAM policy template allows on its table (the AWS SAM policy templates list).
_SAM_TABLE_POLICIES = {
    "DynamoDBReadPolicy": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"},
    "DynamoDBCrudPolicy": {
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    },
}


def table_actions(logical_id: str, table: str) -> set[str]:
    """The DynamoDB actions a function's policies allow on one table of the template."""
    allowed: set[str] = set()
    for policy in function_setting(logical_id, "Policies") or []:
        if "Statement" in policy:
            for statement in policy["Statement"]:
                if statement["Resource"] == {"Fn::GetAtt": [table, "Arn"]}:
                    actions = statement["Action"]
                    allowed |= set(actions if isinstance(actions, list) else [actions])
            continue
        ((name, args),) = policy.items()
        if args.get("TableName") == {"Ref": table}:
            allowed |= _SAM_TABLE_POLICIES.get(name, set())
    return allowed


def test_the_staff_api_may_write_the_directory_as_its_adapter_does():
    """A rehashed password and a saved or removed answer template are `PutItem`s on the
    directory (`otklik.adapters.directory.Directory.put_staff`, `put_answer_template`); moto
    does not check IAM, so without this the routes would pass here and answer 500 on AWS."""
    allowed = table_actions("StaffApiFunction", "DirectoryTable")
    assert {"dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"} <= allowed
    assert not allowed & {"dynamodb:DeleteItem", "dynamodb:UpdateItem"}


# -- HTTP routes against the handlers --------------------------------------------------------------

SAMPLE_IDS = {
    "case_id": "3f2a9c1e5b7d4e8f9a0b1c2d3e4f5a6b",
    "draft_id": "8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f",
    "file_id": "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
    "template_id": "roads",
}


def synthetic_event(method: str, route: str) -> dict:
    """An HTTP API v2 event for a route: no body, no credentials."""
    path = re.sub(r"\{(\w+)\}", lambda m: SAMPLE_IDS[m[1]], route)
    return {
        "version": "2.0",
        "routeKey": f"{method} {route}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "api.example.org", "content-type": "application/json"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "test",
            "domainName": "api.example.org",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "pytest",
            },
            "requestId": "test",
            "routeKey": f"{method} {route}",
            "stage": "$default",
            "timeEpoch": 0,
        },
        "pathParameters": {k: SAMPLE_IDS[k] for k in re.findall(r"\{(\w+)\}", route)},
        "isBase64Encoded": False,
    }


@pytest.fixture
def offline_settings(monkeypatch):
    """Settings that resolve, inside moto: a route that touched AWS would fail, not leak."""
    for name in ENVIRONMENT_REFS:
        monkeypatch.setenv(name, f"test-{name.lower()}")
    monkeypatch.setenv("REPEAT_WINDOW_DAYS", "30")
    monkeypatch.setenv("OWN_PAGES", "https://vk.com/club1")
    monkeypatch.setenv("DISPLAY_TIMEZONE", "Asia/Barnaul")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    # moto in this process has no endpoint on localhost: the test values are allowed as secrets
    monkeypatch.setenv("OTKLIK_ALLOW_DEV_SECRETS", "1")
    bootstrap.reset()
    with mock_aws():
        yield
    bootstrap.reset()


@pytest.mark.parametrize(
    ("logical_id", "method", "route"), http_routes(), ids=[f"{m} {r}" for _, m, r in http_routes()]
)
def test_route_is_served_by_its_functions_handler(offline_settings, logical_id, method, route):
    response = handler_module(logical_id).lambda_handler(synthetic_event(method, route), None)
    body = response.get("body") or ""
    error = json.loads(body).get("error", {}) if body.startswith("{") else {}
    is_route_404 = response["statusCode"] == 404 and error.get("message") == ROUTE_404
    assert not is_route_404, f"{logical_id} does not serve {method} {route}"
    assert response["statusCode"] < 500, response


@pytest.mark.parametrize(
    "logical_id", sorted({f for f, _, _ in http_routes()}), ids=lambda logical_id: logical_id
)
def test_every_route_a_handler_serves_is_in_the_template(logical_id):
    app = getattr(handler_module(logical_id), "app", None)
    routes = getattr(app, "_static_routes", None)
    assert routes is not None, f"{logical_id}: its resolver's routes cannot be read"
    served = {
        (r.method, re.sub(r"<(\w+)>", r"{\1}", r.path))
        for r in [*routes, *getattr(app, "_dynamic_routes", [])]
    }
    declared = {(m, p) for f, m, p in http_routes() if f == logical_id}
    assert served - declared == set(), f"{logical_id} serves routes missing from template.yaml"


# -- queues -----------------------------------------------------------------------------------


def test_every_queue_has_a_dead_letter_queue_keeping_messages_14_days():
    queues = resources("AWS::SQS::Queue")
    main = {k: v for k, v in queues.items() if "DeadLetter" not in k}
    assert set(main) == set(CONSUMERS)
    for logical_id, queue in main.items():
        redrive = queue["Properties"]["RedrivePolicy"]
        dlq = logical_id.replace("Queue", "DeadLetterQueue")
        assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [dlq, "Arn"]}
        assert redrive["maxReceiveCount"] == 5
        assert queues[dlq]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
        retention = queue["Properties"].get("MessageRetentionPeriod", 4 * 24 * 3600)
        assert retention < 14 * 24 * 3600  # a dead letter keeps its age: the DLQ must outlast


@pytest.mark.parametrize(("queue", "consumer"), sorted(CONSUMERS.items()))
def test_visibility_timeout_is_six_times_the_consumers_timeout(queue, consumer):
    visibility = _TEMPLATE["Resources"][queue]["Properties"]["VisibilityTimeout"]
    assert visibility == 6 * function_setting(consumer, "Timeout")
    (event,) = [
        e
        for e in _TEMPLATE["Resources"][consumer]["Properties"]["Events"].values()
        if e["Type"] == "SQS"
    ]
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": [queue, "Arn"]}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert isinstance(event["Properties"]["BatchSize"], int)


def test_outputs_name_the_api_tables_and_queues():
    outputs = _TEMPLATE["Outputs"]
    assert "ApiUrl" in outputs
    for logical_id in [*TABLES, *CONSUMERS]:
        name = logical_id + ("Name" if logical_id.endswith("Table") else "Url")
        assert outputs[name]["Value"] == {"Ref": logical_id}


# -- dead letters (tests/integration/test_dead_letters.py has the rest) --------------------------


@pytest.mark.parametrize(("queue", "consumer"), sorted(CONSUMERS.items()))
def test_the_transformed_role_of_a_consumer_sends_only_to_its_own_dead_letter_queue(
    transformed, queue, consumer
):
    role = transformed["Resources"][f"{consumer}Role"]["Properties"]
    dlqs = {q.replace("Queue", "DeadLetterQueue") for q in CONSUMERS}
    reached = set()
    for policy in role.get("Policies") or []:
        for statement in policy["PolicyDocument"]["Statement"]:
            text = json.dumps(statement.get("Resource"))
            reached |= {d for d in dlqs if f'"{d}"' in text}
    assert reached == {queue.replace("Queue", "DeadLetterQueue")}
