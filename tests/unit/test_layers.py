"""The package's imports point one way, as the README's import diagram draws them.

The diagram (README, "Imports") lists the layers top to bottom, one line each; modules on one line
are siblings that do not import each other. Every import in `shared/otklik` — at module level or
inside a function, but not under `if TYPE_CHECKING:` — must go to its own module's package or a
lower line, and the module graph must have no cycle. The handlers (`functions/*/app.py`) stand
above the diagram and may import any layer.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "shared" / "otklik"


def diagram() -> list[list[str]]:
    """The layers of the README's diagram, top first."""
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("### Imports", 1)[1]
    block = section.split("```", 2)[1]
    layers = []
    for line in block.splitlines():
        names = re.findall(r"\botklik(?:\.\w+)*", line.split("#")[0])
        if names:
            layers.append(names)
    return layers


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The otklik modules `path` imports (each `from a import b` as `a.b` when b is a module)."""
    tree = ast.parse(path.read_text("utf-8"))
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for n in ast.walk(node))
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("otklik"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("otklik"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if _is_module(candidate) else node.module)
    return found


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def modules() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str, layers: list[list[str]]) -> tuple[int, str] | None:
    """(line, the diagram's name) of the longest diagram name that `module` is or is inside."""
    best = None
    for line, names in enumerate(layers):
        for name in names:
            if (module == name or module.startswith(name + ".")) and (
                best is None or len(name) > len(best[1])
            ):
                best = (line, name)
    return best


def test_the_diagram_names_every_module_of_the_package():
    layers = diagram()
    assert len(layers) >= 5, layers
    unplaced = [m for m in modules() if m != "otklik" and layer_of(m, layers) is None]
    assert unplaced == []


def test_no_module_imports_a_layer_above_it_or_a_sibling():
    layers = diagram()
    wrong = []
    for module, imported in modules().items():
        here = layer_of(module, layers)
        if here is None:
            continue
        for target in imported:
            there = layer_of(target, layers)
            if there is None or there[1] == here[1]:
                continue  # the package itself, or within one layer's own package
            if there[0] <= here[0]:
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_the_module_graph_has_no_cycle():
    graph = modules()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [node])
    assert cycles == []


@pytest.mark.parametrize("layer", ["otklik.domain", "otklik.service", "otklik.ports"])
def test_the_inner_layers_import_no_aws_client(layer):
    """Domain code and the use cases reach AWS only through the ports."""
    base = PACKAGE.joinpath(*layer.split(".")[1:])
    files = sorted(base.rglob("*.py")) if base.is_dir() else [base.with_suffix(".py")]
    offenders = []
    for path in files:
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in ("boto3", "pynamodb")
            ]
    assert offenders == []
