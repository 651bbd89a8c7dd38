"""Build the Cloud Functions packages: `deploy/yandex/build/<folder>.zip` for every folder of
`functions/`, each holding the handler's `app.py`, the shared `otklik` package vendored beside it
and a `requirements.txt` (shared/requirements.txt and the function's own), which Cloud Functions
installs when it builds the version (https://yandex.cloud/ru/docs/functions/lang/python/dependencies).

    python3 deploy/yandex/build.py            # prints each package and its size

Standard library only: `make deploy-yandex` runs it with the system Python.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(__file__).resolve().parent / "build"
# Cloud Functions takes a package up to this size directly (larger ones go through Object
# Storage): https://yandex.cloud/ru/docs/functions/concepts/limits
DIRECT_UPLOAD_LIMIT = 3_500_000
SKIP = {"__pycache__"}


def requirements(folder: Path) -> str:
    lines: list[str] = []
    for source in (ROOT / "shared" / "requirements.txt", folder / "requirements.txt"):
        if source.exists():
            for line in source.read_text(encoding="utf-8").splitlines():
                text = line.split("#", 1)[0].strip()
                if text and not text.startswith("-") and text not in lines:
                    lines.append(text)
    return "\n".join(lines) + "\n"


def package(folder: Path, target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    out = target / f"{folder.name}.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        # A fixed date: the same sources give the same bytes (and the same user_hash).
        def add(path: Path, name: str) -> None:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())

        add(folder / "app.py", "app.py")
        shared = ROOT / "shared"
        for path in sorted((shared / "otklik").rglob("*")):
            if path.is_file() and not SKIP & set(path.parts) and path.suffix != ".pyc":
                add(path, path.relative_to(shared).as_posix())
        info = zipfile.ZipInfo("requirements.txt", date_time=(2020, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        zf.writestr(info, requirements(folder))
    return out


def build(target: Path = BUILD) -> list[Path]:
    return [package(f, target) for f in sorted((ROOT / "functions").iterdir()) if f.is_dir()]


def main() -> int:
    for out in build():
        size = out.stat().st_size
        print(f"{out.relative_to(ROOT)}  {size / 1024:.0f} KiB")
        if size > DIRECT_UPLOAD_LIMIT:
            print(f"{out.name} is larger than {DIRECT_UPLOAD_LIMIT} bytes", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
