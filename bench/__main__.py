"""`python -m bench` (`make bench`): every benchmark, one after another, each in a fresh
interpreter (they start local systems and patch botocore), then `bench/results.md` whole.

`python -m bench deadlines sweeper` runs only those; `python -m bench text` the text quality
benchmark (`bench/text_quality.py`).
"""

from __future__ import annotations

import subprocess
import sys
import time

from bench import common

# Short names: `python -m bench text` runs bench/text_quality.py.
ALIASES = {"text": "text_quality"}


def main(argv: list[str]) -> int:
    names = [ALIASES.get(n, n) for n in argv] or list(common.ORDER)
    unknown = [n for n in names if n not in common.ORDER]
    if unknown:
        known = ", ".join((*common.ORDER, *ALIASES))
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {known}")
        return 2
    began = time.perf_counter()
    failed = []
    for name in names:
        print(f"\n== bench.{name}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=common.ROOT)
        print(f"== bench.{name}: {time.perf_counter() - started:.0f} s", flush=True)
        if code:
            failed.append(name)
    total = time.perf_counter() - began
    data = common.load()
    common.RESULTS_MD.write_text(common.render(data, total if not argv else None), encoding="utf-8")
    print(f"\n{len(names)} benchmarks in {total:.0f} s; results in bench/results.md")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
