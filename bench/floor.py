"""Offline enrich against the floor, as one ratio measured in one run (issue 18).

Run: make bench (or .venv/bin/python bench/floor.py [--stories N]).

The floor is what any enricher must do at least: read each file, decode it, NFC,
split it into lines, tidy whitespace and write one JSON line per story (the steps of
the workplace's floor script, written here so the bench needs nothing outside the
repository). Both run as fresh processes over the same files, start-up included,
as a user would run ``python -m pipeline enrich DIR/*.txt``. The aim is enrich
within 3 times the floor's time.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
AIM = 3.0

FLOOR = r"""
import json, re, sys, unicodedata
space = re.compile(r"[ \t\u00a0]+")
out = sys.stdout
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        text = unicodedata.normalize("NFC", f.read().decode("utf-8", "replace"))
    lines = [space.sub(" ", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    out.write(json.dumps({"headline": lines[0], "body": lines[1:]}, ensure_ascii=False) + "\n")
"""


def write_stories(folder: Path, n: int) -> list[str]:
    """``n`` story files: the gold stories under tests/data, cycled, each made distinct."""
    sources = [p.read_bytes() for p in sorted(DATA.glob("*/*.txt"))]
    paths = []
    for i in range(n):
        path = folder / f"story-{i:05d}.txt"
        path.write_bytes(sources[i % len(sources)] + f"\nReference {i}.\n".encode())
        paths.append(str(path))
    return paths


def timed(argv: list[str]) -> float:
    """Best of three wall-clock runs of ``argv``, output discarded."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_stories(Path(tmp), args.stories)
        floor = timed([sys.executable, "-c", FLOOR, *paths])
        enrich = timed([sys.executable, "-m", "pipeline", "enrich", *paths])
    ratio = enrich / floor
    print(f"offline enrich over {args.stories:,} stories (fresh processes, best of 3):")
    print(f"  floor (read, decode, NFC, lines, JSON)  {floor:6.2f} s")
    print(f"  python -m pipeline enrich               {enrich:6.2f} s")
    print(
        f"  enrich / floor {ratio:.1f} (aim {AIM:.0f} or less: "
        f"{'met' if ratio <= AIM else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
