"""The Yandex Cloud deployment (deploy/yandex) names what template.yaml and openapi.yaml name: the
same functions (with their settings), queues and their dead-letter queues, tables (keys and
indexes), buckets and schedule, and every openapi route goes to the function that serves it in
template.yaml. Everything is read from the files (python-hcl2 for the Terraform, PyYAML for the
rest), so a route, queue, table or bucket added to the template shows here as missing on Yandex
Cloud. Also: the packages build, and `make deploy-yandex` says what it lacks instead of failing
with a trace.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import hcl2
import pytest
import yaml

from local.cfn import load

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "yandex"
TEMPLATE = load(ROOT / "template.yaml")
OPENAPI = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
GATEWAY = yaml.safe_load((DEPLOY / "api-gateway.yaml").read_text(encoding="utf-8"))
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def _plain(value):
    """python-hcl2's output without its quoting and bookkeeping."""
    if isinstance(value, dict):
        return {
            _plain(k): _plain(v)
            for k, v in value.items()
            if k not in ("__is_block__", "__comments__", "__inline_comments__")
        }
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def terraform() -> tuple[dict, dict]:
    """(resources by type and name, locals) of every deploy/yandex/*.tf."""
    resources: dict[str, dict] = {}
    local: dict = {}
    for path in sorted(DEPLOY.glob("*.tf")):
        with path.open(encoding="utf-8") as f:
            parsed = _plain(hcl2.load(f))
        for block in parsed.get("resource", []):
            for kind, named in block.items():
                resources.setdefault(kind, {}).update(named)
        for block in parsed.get("locals", []):
            local.update(block)
    return resources, local


RESOURCES, LOCALS = terraform()


def of_type(kind: str) -> dict[str, dict]:
    return {k: v for k, v in TEMPLATE["Resources"].items() if v["Type"] == kind}


def template_functions() -> dict[str, dict]:
    return of_type("AWS::Serverless::Function")


def events(logical_id: str, kind: str) -> list[dict]:
    found = template_functions()[logical_id]["Properties"].get("Events") or {}
    return [e["Properties"] for e in found.values() if e["Type"] == kind]


def unquoted(text: str) -> str:
    return text.strip().strip('"')


# -- functions -------------------------------------------------------------------------------------


def test_the_same_functions():
    assert set(LOCALS["functions"]) == set(template_functions())
    for logical_id, spec in LOCALS["functions"].items():
        props = template_functions()[logical_id]["Properties"]
        assert Path(props["CodeUri"]).name == spec["folder"], logical_id
        assert (ROOT / "functions" / spec["folder"] / "app.py").exists()
        globals_ = TEMPLATE["Globals"]["Function"]
        assert int(spec["timeout"]) == props.get("Timeout", globals_["Timeout"]), logical_id
        assert int(spec["memory"]) == props.get("MemorySize", globals_["MemorySize"]), logical_id
    fn = RESOURCES["yandex_function"]["fn"]
    assert fn["for_each"] == "${local.functions}"
    assert fn["runtime"] == "python312"
    assert fn["entrypoint"] == TEMPLATE["Globals"]["Function"]["Handler"]


def test_every_function_gets_the_settings_the_template_gives_it():
    globals_env = set(TEMPLATE["Globals"]["Function"]["Environment"]["Variables"])
    common = set(LOCALS["common_env"]) | set(LOCALS["yandex_env"]) | set(LOCALS["common_secrets"])
    stored = set(LOCALS["secret_values"])
    missing = {}
    for logical_id, spec in LOCALS["functions"].items():
        props = template_functions()[logical_id]["Properties"]
        wanted = globals_env | set((props.get("Environment") or {}).get("Variables") or {})
        given = common | set(spec["env"]) | set(spec["secrets"])
        if wanted - given:
            missing[logical_id] = sorted(wanted - given)
        assert set(spec["secrets"]) | set(LOCALS["common_secrets"]) <= stored, logical_id
        own = (props.get("Environment") or {}).get("Variables") or {}
        for name in ("QUEUE_MAX_RECEIVES", "PUBLISHING_MAX_RECEIVES"):
            if name in own:
                assert spec["env"][name] == own[name], (logical_id, name)
    assert missing == {}, f"settings of template.yaml missing on Yandex Cloud: {missing}"
    assert LOCALS["yandex_env"]["INDEX_PROJECTION"] == "ALL"
    assert LOCALS["yandex_env"]["AWS_REGION"] == "ru-central1"


# -- queues, triggers, schedule --------------------------------------------------------------------


def test_the_same_queues_each_with_its_dead_letter_queue_and_trigger():
    queues = of_type("AWS::SQS::Queue")
    consumed = {
        q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]: name
        for name, q in queues.items()
        if "RedrivePolicy" in q["Properties"]
    }
    main = set(consumed.values())
    assert set(LOCALS["queues"]) == main
    assert {q["dead_letter_queue"] for q in LOCALS["queues"].values()} == set(consumed)
    assert set(queues) == main | set(consumed)
    consumers = {
        e["Queue"]["Fn::GetAtt"][0]: logical_id
        for logical_id in template_functions()
        for e in events(logical_id, "SQS")
    }
    for name, spec in LOCALS["queues"].items():
        props = queues[name]["Properties"]
        assert consumed[spec["dead_letter_queue"]] == name
        assert int(spec["visibility"]) == props["VisibilityTimeout"], name
        assert int(LOCALS["max_receive_count"]) == props["RedrivePolicy"]["maxReceiveCount"]
        assert spec["consumer"] == consumers[name], name
    queue = RESOURCES["yandex_message_queue"]["queue"]
    assert "dead_letter[each.key].arn" in queue["redrive_policy"]
    assert "local.max_receive_count" in queue["redrive_policy"]
    assert RESOURCES["yandex_message_queue"]["dead_letter"]["for_each"] == "${local.queues}"
    trigger = RESOURCES["yandex_function_trigger"]["queue"]
    assert trigger["for_each"] == "${local.queues}"
    assert trigger["message_queue"][0]["batch_size"] == "1"  # no partial batch failure
    assert "queue[each.key].arn" in trigger["message_queue"][0]["queue_id"]
    assert "each.value.consumer" in trigger["function"][0]["id"]


def test_the_sweeper_runs_every_five_minutes():
    scheduled = [k for k in template_functions() if events(k, "Schedule")]
    assert scheduled == ["SweeperFunction"]
    assert events("SweeperFunction", "Schedule")[0]["Schedule"] == "rate(5 minutes)"
    timers = {name: t for name, t in RESOURCES["yandex_function_trigger"].items() if "timer" in t}
    assert len(timers) == 1
    (timer,) = timers.values()
    assert timer["timer"][0]["cron_expression"] == "0/5 * ? * * *"
    assert 'fn["SweeperFunction"]' in timer["function"][0]["id"]
    fields = timer["timer"][0]["cron_expression"].split()
    assert len(fields) == 6 and "?" in (fields[2], fields[4])  # the documented cron format


# -- tables and buckets ----------------------------------------------------------------------------


def _keys(schema: list[dict]) -> tuple:
    return tuple(sorted((k["AttributeName"], k["KeyType"]) for k in schema))


def test_the_same_tables_with_every_index_projecting_all():
    tables = of_type("AWS::DynamoDB::Table")
    ours = RESOURCES["aws_dynamodb_table"]
    assert set(ours) == set(tables)
    for name, table in tables.items():
        props, tf = table["Properties"], ours[name]
        keys = {(tf["hash_key"], "HASH")}
        if "range_key" in tf:
            keys.add((tf["range_key"], "RANGE"))
        assert tuple(sorted(keys)) == _keys(props["KeySchema"]), name
        attributes = {(a["name"], a["type"]) for a in tf.get("attribute", [])}
        assert attributes == {
            (a["AttributeName"], a["AttributeType"]) for a in props["AttributeDefinitions"]
        }, name
        indexes = {}
        for index in tf.get("global_secondary_index", []):
            schema = {(index["hash_key"], "HASH"), (index["range_key"], "RANGE")}
            indexes[index["name"]] = tuple(sorted(schema))
            assert index["projection_type"] == "ALL", (name, index["name"])
        assert indexes == {
            i["IndexName"]: _keys(i["KeySchema"]) for i in props.get("GlobalSecondaryIndexes") or []
        }, name
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            assert tf["ttl"][0]["attribute_name"] == ttl["AttributeName"], name
        else:
            assert "ttl" not in tf, name
        assert tf["billing_mode"] == "PAY_PER_REQUEST"
    env = LOCALS["common_env"]
    for name in tables:
        variable = re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()  # CasesTable → CASES_TABLE
        assert env[variable] == f"${{aws_dynamodb_table.{name}.name}}", variable


def test_the_same_buckets():
    assert set(RESOURCES["yandex_storage_bucket"]) == set(of_type("AWS::S3::Bucket"))


# -- the API gateway ------------------------------------------------------------------------------


def _snake(logical_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", logical_id.removesuffix("Function")).lower()


def test_every_openapi_route_goes_to_the_function_that_serves_it():
    served = {
        (e["Method"].lower(), e["Path"]): logical_id
        for logical_id in template_functions()
        for e in events(logical_id, "HttpApi")
    }
    wanted = {
        (method, path)
        for path, ops in OPENAPI["paths"].items()
        for method in ops
        if method in METHODS
    }
    routed, problems = {}, []
    for path, ops in GATEWAY["paths"].items():
        for method, op in ops.items():
            integration = op["x-yc-apigateway-integration"]
            if integration["type"] != "cloud_functions":
                continue
            variable = re.fullmatch(r"\$\{(\w+)_function_id\}", integration["function_id"])
            assert variable, (method, path)
            routed[(method, path)] = variable[1]
            assert integration["payload_format_version"] == "1.0", (method, path)
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            if declared != set(re.findall(r"\{(\w+)\}", path)):
                problems.append(f"{method.upper()} {path}: path parameters {sorted(declared)}")
            expected = OPENAPI["paths"].get(path, {}).get(method, {}).get("operationId")
            if op.get("operationId") != expected:
                problems.append(f"{method.upper()} {path}: operationId {op.get('operationId')}")
    missing = sorted(f"{m.upper()} {p}" for m, p in wanted - set(routed))
    extra = sorted(f"{m.upper()} {p}" for m, p in set(routed) - wanted)
    assert (missing, extra) == ([], []), f"api-gateway.yaml: missing {missing}, extra {extra}"
    wrong = sorted(
        f"{m.upper()} {p}: {routed[(m, p)]}, template {served.get((m, p))}"
        for m, p in routed
        if _snake(served.get((m, p), "?")) != routed[(m, p)]
    )
    assert wrong == [] and problems == [], wrong + problems


def test_the_gateway_is_given_each_function_it_routes_to_and_the_staff_page():
    gateway_tf = (DEPLOY / "gateway.tf").read_text(encoding="utf-8")
    spec = (DEPLOY / "api-gateway.yaml").read_text(encoding="utf-8")
    variables = set(re.findall(r"\$\{(\w+)\}", spec))
    passed = dict(re.findall(r"^\s+(\w+)\s+=\s+(.+)$", gateway_tf, re.M))
    assert variables <= set(passed), sorted(variables - set(passed))
    for variable in variables:
        if variable.endswith("_function_id"):
            logical_id = next(
                k for k in template_functions() if f"{_snake(k)}_function_id" == variable
            )
            assert passed[variable] == f'yandex_function.fn["{logical_id}"].id', variable
    assert "StaffPageBucket" in passed["page_bucket"]
    storage = [
        op["x-yc-apigateway-integration"]
        for ops in GATEWAY["paths"].values()
        for op in ops.values()
        if op["x-yc-apigateway-integration"]["type"] == "object_storage"
    ]
    assert {s["object"] for s in storage} == {"index.html", "{file}"}
    assert GATEWAY["paths"]["/{file+}"]["get"]["x-yc-apigateway-integration"]["error_object"]


# -- packages and `make deploy-yandex` ------------------------------------------------------------


def test_every_function_package_builds_with_the_shared_package_vendored(tmp_path):
    sys.path.insert(0, str(DEPLOY))
    try:
        import build
    finally:
        sys.path.remove(str(DEPLOY))
    built = {p.stem: p for p in build.build(tmp_path)}
    assert set(built) == {spec["folder"] for spec in LOCALS["functions"].values()}
    shared = [
        line.split("#")[0].strip()
        for line in (ROOT / "shared" / "requirements.txt").read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    for folder, path in built.items():
        assert path.stat().st_size < build.DIRECT_UPLOAD_LIMIT, folder
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            assert {"app.py", "requirements.txt", "otklik/__init__.py"} <= names, folder
            assert "otklik/entrypoints/yandex.py" in names
            assert not any("__pycache__" in n for n in names)
            assert zf.read("requirements.txt").decode().split() == shared
            assert zf.read("app.py") == (ROOT / "functions" / folder / "app.py").read_bytes()


def _bin(tmp_path: Path, *tools: str) -> Path:
    """A PATH of only `tools` (links to the real ones)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in tools:
        real = os.path.realpath(sys.executable) if tool == "python3" else shutil.which(tool)
        assert real, tool
        (bindir / tool).symlink_to(real)
    return bindir


def _make(bindir: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("YC_", "TF_VAR_"))}
    return subprocess.run(
        ["make", "-s", "--no-print-directory", "deploy-yandex"],
        cwd=ROOT,
        env={**clean, "PATH": str(bindir), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_deploy_without_terraform_says_so(tmp_path):
    result = _make(_bin(tmp_path, "make", "id", "python3"))
    assert result.returncode != 0
    assert "terraform is not installed" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("missing", ["YC_TOKEN", "YC_CLOUD_ID", "YC_FOLDER_ID"])
def test_deploy_without_credentials_says_which(tmp_path, missing):
    bindir = _bin(tmp_path, "make", "id", "python3")
    fake = bindir / "terraform"
    fake.write_text("#!/bin/sh\necho terraform must not run >&2\nexit 99\n")
    fake.chmod(0o755)
    env = {
        "YC_TOKEN": "t",
        "YC_CLOUD_ID": "b1g",
        "YC_FOLDER_ID": "b1g",
        "TF_VAR_monitoring_webhook_secret": "s",
        "TF_VAR_staff_token_secret": "s",
        "TF_VAR_mail_sender": "otklik@example.org",
    }
    del env[missing]
    result = _make(bindir, **env)
    assert result.returncode == 2, result.stderr
    assert f"{missing} is not set" in result.stderr
    assert "terraform is not installed" not in result.stderr
    assert "must not run" not in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
