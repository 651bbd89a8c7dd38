"""What every benchmark shares: where the results go, how a section and its summary look.

Each benchmark (`python -m bench.<name>`) measures one thing and saves one section: its
markdown and its summary rows (figure, measured, target, met or missed). `bench/results.json`
keeps the latest section of each benchmark and `bench/results.md` is rendered from it, so one
benchmark can be re-run alone and the file stays whole. `python -m bench` runs them all.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _path in (ROOT / "shared", ROOT):  # the domain package lives in shared/ (a Lambda layer)
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

RESULTS_MD = ROOT / "bench" / "results.md"
RESULTS_JSON = ROOT / "bench" / "results.json"

# The order of the sections in results.md (and of the runs in `python -m bench`).
ORDER = ("deadlines", "imports", "lifecycle", "sweeper", "intake", "text_quality")


@dataclass
class Row:
    figure: str
    measured: str
    target: str = ""
    met: bool | None = None  # None: a figure without a target


@dataclass
class Section:
    key: str
    title: str
    markdown: str
    rows: list[Row] = field(default_factory=list)
    seconds: float = 0.0  # how long the benchmark took
    date: str = field(default_factory=lambda: f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


def machine() -> str:
    return (
        f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()}; "
        f"{platform.python_implementation()} {platform.python_version()}"
    )


def verdict(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "—"}[met]


def save(section: Section) -> None:
    """Store one section and re-render results.md from every stored section."""
    data = load()
    data[section.key] = asdict(section)
    RESULTS_JSON.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", "utf-8")
    RESULTS_MD.write_text(render(data), encoding="utf-8")


def load() -> dict:
    try:
        return json.loads(RESULTS_JSON.read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def render(data: dict, total_seconds: float | None = None) -> str:
    sections = [data[k] for k in ORDER if k in data]
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`; one benchmark alone: "
        "`python -m bench.<name>`). Every figure is measured, in one run of its benchmark, on "
        f"this machine: {machine()}. Targets and what closes a miss: `docs/performance.md`.",
        "",
    ]
    if total_seconds is not None:
        lines += [f"Whole run (`python -m bench`): {total_seconds:.0f} s.", ""]
    lines += ["## Summary", "", "| figure | measured | target | |", "|---|---|---|---|"]
    for section in sections:
        for row in section["rows"]:
            lines.append(
                f"| {row['figure']} | {row['measured']} | {row['target'] or '—'} | "
                f"{verdict(row['met'])} |"
            )
    for section in sections:
        lines += [
            "",
            f"## {section['title']}",
            "",
            f"_Measured {section['date']}, in {section['seconds']:.0f} s; "
            f"`python -m bench.{section['key']}`._",
            "",
            section["markdown"].rstrip(),
        ]
    return "\n".join(lines) + "\n"


def median(values) -> float:
    return statistics.median(values)


def percentile(values, p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def table(header: list[str], rows: list[list], align: str | None = None) -> str:
    """A markdown table; `align` is one character per column, l or r (default: l then r)."""
    align = align or "l" + "r" * (len(header) - 1)
    marks = ["---:" if a == "r" else "---" for a in align]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(marks) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)
