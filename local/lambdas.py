"""The template's functions, run in this process the way Lambda runs them.

Each handler module is imported from its file (`functions/<dir>/app.py`; every one is named
`app.py`, so each gets a unique module name) the first time it is invoked, never before: the
environment must be set first. Like one Lambda instance, a function handles one event at a time
(a lock per function). On top of that, an HTTP event runs under one lock for the whole process:
Powertools' resolvers keep the current event on a class they all share (`BaseRouter`), so two
HTTP functions running at once in one process would read each other's requests. In AWS each
function is a process of its own, so nothing there needs it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from local import ROOT, cfn

FUNCTION_TYPES = ("AWS::Serverless::Function",)


@dataclass
class LambdaContext:
    """What Lambda passes as `context` (Powertools reads these attributes)."""

    function_name: str
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    timeout_seconds: int = 30
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    region: str = "eu-central-1"
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:123456789012:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[{self.function_version}]{self.aws_request_id[:8]}"

    def get_remaining_time_in_millis(self) -> int:
        left = self.timeout_seconds - (time.monotonic() - self._started)
        return max(0, int(left * 1000))


@dataclass
class Function:
    """One function of the template: where its code is and what triggers it."""

    logical_id: str
    code_dir: Path
    handler: str  # "app.lambda_handler"
    timeout: int = 30
    memory: int = 512
    events: dict[str, dict] = field(default_factory=dict)
    # Handler modules are imported once per namespace: a new local system (a test's) gets
    # fresh modules, as a new deployment gets cold starts, so no module-level cache leaks.
    namespace: str = ""

    @property
    def module_file(self) -> Path:
        module, _, _ = self.handler.rpartition(".")
        return self.code_dir / (module.replace(".", "/") + ".py")

    @property
    def available(self) -> bool:
        return self.module_file.exists()

    def load(self):
        """The handler callable, importing its module on first use."""
        module = load_module(self.module_file, self.namespace)
        return getattr(module, self.handler.rpartition(".")[2])

    def invoke(self, event: Mapping, *, region: str = "eu-central-1") -> Any:
        """Run the handler on one event, one invocation at a time, like a Lambda instance."""
        handler = self.load()
        context = LambdaContext(
            self.logical_id,
            memory_limit_in_mb=self.memory,
            timeout_seconds=self.timeout,
            region=region,
        )
        shared = _HTTP_LOCK if _is_http(event) else contextlib.nullcontext()
        with shared, lock_of(self.module_file, self.namespace):
            return handler(dict(event), context)

    def events_of(self, *types: str) -> list[dict]:
        """Properties of this function's events of the given types (e.g. "HttpApi", "SQS")."""
        return [
            e.get("Properties") or {}
            for e in self.events.values()
            if isinstance(e, dict) and e.get("Type") in types
        ]


_HTTP_LOCK = threading.RLock()


def _is_http(event: Mapping) -> bool:
    return "routeKey" in event or "httpMethod" in event


_modules: dict[tuple[str, Path], ModuleType] = {}
_locks: dict[tuple[str, Path], threading.RLock] = {}
_registry_lock = threading.Lock()


def lock_of(path: Path, namespace: str = "") -> threading.RLock:
    """One lock per handler module: one invocation at a time, like one Lambda instance."""
    key = (namespace, Path(path).resolve())
    with _registry_lock:
        return _locks.setdefault(key, threading.RLock())


def load_module(path: Path, namespace: str = "") -> ModuleType:
    """A handler module, imported once per namespace from its file, under a unique name."""
    path = Path(path).resolve()
    with lock_of(path, namespace):
        module = _modules.get((namespace, path))
        if module is None:
            rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else Path(path.name)
            name = "_".join(("otklik_fn", namespace, *rel.with_suffix("").parts))
            name = re.sub(r"\W", "_", name.replace("__", "_"))
            module = _modules[(namespace, path)] = import_by_path(path, name)
        return module


def import_by_path(path: Path, name: str) -> ModuleType:
    """Import a handler module from its file; its own folder is on the path while it imports
    (as in Lambda, where the function's code is the task root)."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    folder = str(path.parent)
    sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)
    return module


def functions(
    template: Mapping | None = None, root: Path = ROOT, *, namespace: str = ""
) -> dict[str, Function]:
    """Every function of the template by logical id (Globals applied)."""
    template = template if template is not None else cfn.load()
    defaults = (template.get("Globals") or {}).get("Function") or {}
    found = {}
    for logical_id, resource in cfn.resources(template, *FUNCTION_TYPES).items():
        properties = {**defaults, **(resource.get("Properties") or {})}
        code_uri = properties.get("CodeUri")
        if not isinstance(code_uri, str):
            continue  # code from S3 or elsewhere: not runnable here
        found[logical_id] = Function(
            logical_id=logical_id,
            code_dir=(root / code_uri).resolve(),
            handler=str(properties.get("Handler") or "app.lambda_handler"),
            timeout=_int(properties.get("Timeout"), 30),
            memory=_int(properties.get("MemorySize"), 512),
            events=properties.get("Events") or {},
            namespace=namespace,
        )
    return found


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def by_dir(name: str, template: Mapping | None = None) -> Function:
    """The function whose code is `functions/<name>/` (tests name functions that way too)."""
    for function in functions(template).values():
        if function.code_dir.name == name:
            return function
    raise KeyError(f"no function with code in functions/{name}/")


def handler_from_path(path: Path | str, name: str = "lambda_handler", namespace: str = ""):
    """The handler of a handler file, imported by path under a unique module name."""
    return getattr(load_module(Path(path), namespace), name)
