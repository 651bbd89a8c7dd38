"""Cold import of each function's handler module against a bare `import boto3` (the floor).

Each measurement is a fresh interpreter (a subprocess) that times one import in itself with
`time.perf_counter`, so interpreter start-up is left out of both sides. A function's module is
imported the way the Lambda runtime does it: `functions/<dir>/app.py` by path, with its folder
and the shared layer (`shared/`) on the path, and with none of the deployment's environment
variables set (handlers read their settings on first use, not at import). The runs are
interleaved round-robin and each figure is the median of RUNS; bytecode is compiled by a warm-up
run first, as pip compiles the layer's packages.

Where a function is heavier than the floor, `-X importtime` of one more run names the packages
it imports beyond what `import boto3` imports, by their own (self) import time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import defaultdict

from bench import common

RUNS = 9
TARGET = 1.3  # times the bare boto3 import
FUNCTIONS = sorted(p.parent.name for p in (common.ROOT / "functions").glob("*/app.py"))

IMPORT_FUNCTION = r"""
import importlib.util, sys, time
root, name = sys.argv[1], sys.argv[2]
sys.path[:0] = [f"{root}/functions/{name}", f"{root}/shared"]
began = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", f"{root}/functions/{name}/app.py")
module = importlib.util.module_from_spec(spec)
sys.modules["app"] = module
spec.loader.exec_module(module)
assert callable(module.lambda_handler)
print(time.perf_counter() - began)
"""
IMPORT_BOTO3 = r"""
import time
began = time.perf_counter()
import boto3
print(time.perf_counter() - began)
"""


def clean_env() -> dict[str, str]:
    """No deployment settings, no AWS variables: what a handler module sees at import."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}
    return {k: v for k, v in os.environ.items() if k in keep}


def run(code: str, *args: str, importtime: bool = False) -> subprocess.CompletedProcess:
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run(
        [sys.executable, *flags, "-c", code, *args],
        capture_output=True,
        text=True,
        env=clean_env(),
        cwd=common.ROOT,
        check=True,
        timeout=60,
    )


def timed(code: str, *args: str) -> float:
    return float(run(code, *args).stdout.strip().splitlines()[-1])


def import_profile(code: str, *args: str) -> dict[str, int]:
    """Self import time in µs of each module, from `-X importtime`."""
    found = {}
    for line in run(code, *args, importtime=True).stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if match:
            found[match.group(4)] = int(match.group(1))
    return found


def package_of(module: str) -> str:
    top = module.split(".")[0]
    if top == "otklik":
        return ".".join(module.split(".")[:3])  # otklik.<layer>.<module>
    return top


def beyond_boto3(profile: dict[str, int], floor: set[str]) -> list[tuple[str, float]]:
    """Self import time (ms) by package of the modules `import boto3` does not import."""
    by_package: dict[str, int] = defaultdict(int)
    for module, micros in profile.items():
        if module not in floor:
            by_package[package_of(module)] += micros
    return sorted(((p, us / 1000) for p, us in by_package.items()), key=lambda x: -x[1])


def main() -> common.Section:
    root = str(common.ROOT)
    jobs = {"boto3": (IMPORT_BOTO3,)} | {f: (IMPORT_FUNCTION, root, f) for f in FUNCTIONS}
    for job in jobs.values():  # warm-up: compiles bytecode, fills the page cache
        run(*job)
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(RUNS):
        for name, job in jobs.items():
            samples[name].append(timed(*job))
    floor_ms = common.median(samples["boto3"]) * 1000
    floor_modules = set(import_profile(IMPORT_BOTO3))
    results = []
    for name in FUNCTIONS:
        ms = common.median(samples[name]) * 1000
        extra = beyond_boto3(import_profile(IMPORT_FUNCTION, root, name), floor_modules)
        results.append((name, ms, ms / floor_ms, extra))
        print(
            f"{name:22s} {ms:6.0f} ms  {ms / floor_ms:4.2f}x  "
            + ", ".join(f"{p} {t:.0f}" for p, t in extra[:5])
        )
    print(f"{'import boto3':22s} {floor_ms:6.0f} ms")
    return section(floor_ms, samples["boto3"], results)


def section(floor_ms: float, floor_samples: list[float], results) -> common.Section:
    met = [r for r in results if r[2] <= TARGET]
    spread = f"{min(floor_samples) * 1000:.0f}-{max(floor_samples) * 1000:.0f} ms"
    lines = [
        f"Median of {RUNS} fresh interpreters each (runs interleaved); the floor, a bare "
        f"`import boto3`: **{floor_ms:.0f} ms** (range {spread}). Target: each function "
        f"≤ {TARGET}× the floor (≤ {floor_ms * TARGET:.0f} ms).",
        "",
        common.table(
            [
                "function (`functions/<dir>/app.py`)",
                "cold import",
                "× boto3",
                "",
                "largest imports beyond boto3's (own import time)",
            ],
            [
                [
                    f"`{name}`",
                    f"{ms:.0f} ms",
                    f"{ratio:.2f}×",
                    common.verdict(ratio <= TARGET),
                    ", ".join(f"{p} {t:.0f} ms" for p, t in extra[:6]),
                ]
                for name, ms, ratio, extra in results
            ],
            "lrrll",
        ),
        "",
        "The last column adds up the self time, in that run's `-X importtime`, of the modules "
        "each package brings that `import boto3` alone does not import (`otklik.*` by module); "
        "`asyncio` comes in through `aws_lambda_powertools.event_handler`. These are single "
        "runs, so they are indicative: the cold import column is the measured figure.",
    ]
    rows = [
        common.Row(
            "Cold import, worst function vs bare `import boto3`",
            f"{max(r[2] for r in results):.2f}× ({max(results, key=lambda r: r[2])[0]}: "
            f"{max(r[1] for r in results):.0f} vs {floor_ms:.0f} ms); "
            f"{len(met)} of {len(results)} functions ≤ {TARGET}×",
            f"each ≤ {TARGET}×",
            len(met) == len(results),
        )
    ]
    return common.Section("imports", "2. Cold import of each function", "\n".join(lines), rows)


if __name__ == "__main__":
    began = time.perf_counter()
    result = main()
    result.seconds = time.perf_counter() - began
    common.save(result)
