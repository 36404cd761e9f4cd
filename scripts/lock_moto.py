"""Write deploy/compose/moto/requirements.txt: the moto server of the stack test, hashed.

The closure of ``moto[s3]`` (SQS needs nothing more) with Flask and flask-cors (moto's
server), every version and hash copied from requirements/dev.txt, so the stack test's SQS/S3
stand-in runs the moto the unit tests use. `make lock` runs it after refreshing dev.txt.

Usage: python scripts/lock_moto.py     (pip resolves the closure with dev.txt's pins)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEV = REPO / "requirements" / "dev.txt"
OUT = REPO / "deploy" / "compose" / "moto" / "requirements.txt"
ROOTS = ["moto[s3]", "flask", "flask-cors"]
HEADER = """\
# The moto server of the stack test (its SQS and S3 stand-in), pinned with sha256 hashes: the
# closure of moto[s3], flask and flask-cors with every version and hash from
# requirements/dev.txt (the moto the tests use). Made by scripts/lock_moto.py (`make lock`).
"""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def blocks(text: str) -> dict[str, tuple[str, str]]:
    """Each pinned entry of a lock: canonical name -> (version, its lines without comments)."""
    found: dict[str, tuple[str, str]] = {}
    for block in re.split(r"(?m)^(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9_.-]+)==([^\s\\]+)", block)
        if match:
            lines = [line for line in block.splitlines() if not line.lstrip().startswith("#")]
            found[canonical(match[1])] = (match[2], "\n".join(lines).rstrip() + "\n")
    return found


def main() -> int:
    pinned = blocks(DEV.read_text())
    with tempfile.TemporaryDirectory() as tmp:
        constraints = Path(tmp) / "constraints.txt"
        constraints.write_text("".join(f"{n}=={v}\n" for n, (v, _) in pinned.items()))
        report = Path(tmp) / "report.json"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--dry-run",
                "--ignore-installed",
                "--quiet",
                "--report",
                str(report),
                "-c",
                str(constraints),
                *ROOTS,
            ],
            check=True,
            env={**os.environ, "PIP_CONSTRAINT": ""},
        )
        wanted = {
            canonical(item["metadata"]["name"]): item["metadata"]["version"]
            for item in json.loads(report.read_text())["install"]
        }
    missing = sorted(set(wanted) - set(pinned))
    if missing:
        print(f"not in {DEV.name}: {', '.join(missing)}", file=sys.stderr)
        return 1
    OUT.write_text(HEADER + "".join(pinned[name][1] for name in sorted(wanted)))
    print(f"locked {OUT.relative_to(REPO)} ({len(wanted)} packages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
