"""Benchmark the section classifier: microseconds per 500-word story on one core.

Run: make bench (or .venv/bin/python bench/classifier.py). Stories are the gold
stories' headline and body, each extended to exactly 500 words with the text of
the next story, read once to warm the per-word feature cache (as a running
worker is), then classified in a loop.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pipeline.text.classifier import default_model
from pipeline.text.engine import enrich
from pipeline.text.features import classifier_text

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
WORDS = 500
TARGET_US = 200.0


def stories(words: int = WORDS) -> list[str]:
    texts = []
    for path in sorted(DATA.glob("*/*.txt")):
        story = enrich(path.read_bytes())
        texts.append(classifier_text(story.headline or "", story.body))  # some print none
    out = []
    for i, text in enumerate(texts):
        tokens = text.split()
        j = i
        while len(tokens) < words:
            j = (j + 1) % len(texts)
            tokens += texts[j].split()
        out.append(" ".join(tokens[:words]))
    return out


def main() -> int:
    t0 = time.perf_counter()
    model = default_model()
    load_ms = (time.perf_counter() - t0) * 1000
    if model is None:
        print("section classifier: no model; run `python -m pipeline train`")
        return 1
    docs = stories()
    cold_start = time.perf_counter()
    for doc in docs:
        model.predict(doc)
    cold_us = (time.perf_counter() - cold_start) / len(docs) * 1e6
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for doc in docs:
            model.predict(doc)
        best = min(best, (time.perf_counter() - start) / len(docs) * 1e6)
    verdict = "met" if best < TARGET_US else "NOT met"
    print(
        f"section classifier ({model.version}, {len(model.index):,} features): "
        f"model load {load_ms:.0f} ms"
    )
    print(
        f"  {len(docs)} stories of {WORDS} words: {best:.0f} us/story warm "
        f"({1e6 / best:,.0f} stories/s), {cold_us:.0f} us/story on first sight"
    )
    print(f"  target under {TARGET_US:.0f} us per {WORDS}-word story: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
