"""Score the text engine against gold readings (``NAME.txt`` + ``NAME.gold.json``).

Used by ``make eval`` (printed figures) and by the corpus test (thresholds), so
both measure the same thing. The gold format is the one of the dev corpus:
agency, headline, kicker, dateline place/date, body, editor_codes, blocks.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.text import sections
from pipeline.text.engine import enrich
from pipeline.text.story import Story

FIELDS = (
    "body",
    "headline",
    "agency",
    "place",
    "editor_codes",
    "kicker",
    "language",
    "blocks",
    "whole",
)
# A story read whole: every field a reader relies on right at once.
WHOLE = ("body", "headline", "agency", "place", "editor_codes")
# Kinds that must never reach the body.
STRIPPED_KINDS = ("navigation", "signoff", "editor_codes", "caption", "byline", "section")


def _ws(text: str) -> str:
    return " ".join(text.split())


@dataclass(slots=True)
class StoryScore:
    name: str
    right: dict[str, bool]
    leaked: list[str]  # gold non-body lines found in the body


@dataclass(slots=True)
class ReadingReport:
    stories: list[StoryScore] = field(default_factory=list)
    kinds: Counter[tuple[str, str]] = field(default_factory=Counter)  # (gold, got) per block

    def rate(self, name: str) -> float:
        return sum(s.right[name] for s in self.stories) / max(1, len(self.stories))

    @property
    def leaks(self) -> list[tuple[str, str]]:
        return [(s.name, line) for s in self.stories for line in s.leaked]

    def failures(self, name: str) -> list[str]:
        return [s.name for s in self.stories if not s.right[name]]

    def block_accuracy(self) -> float:
        total = sum(self.kinds.values())
        return sum(n for (g, p), n in self.kinds.items() if g == p) / max(1, total)

    def render(self) -> str:
        lines = [f"Text engine on {len(self.stories)} gold stories"]
        for name in FIELDS:
            wrong = self.failures(name)
            detail = f"  wrong: {', '.join(wrong)}" if wrong else ""
            lines.append(f"  {name:<13} {self.rate(name):6.1%}{detail}")
        lines.append(
            f"  block kinds   {self.block_accuracy():6.1%} of {sum(self.kinds.values())} blocks"
        )
        lines.append(f"  lines of chrome/sign-off/codes left in a body: {len(self.leaks)}")
        lines.append("  block confusion (gold -> got), off-diagonal only:")
        off = [(g, p, n) for (g, p), n in sorted(self.kinds.items()) if g != p]
        lines.extend(f"    {g:>12} -> {p:<12} {n}" for g, p, n in off)
        if not off:
            lines.append("    none")
        return "\n".join(lines)


def gold_pairs(folder: Path) -> list[tuple[Path, dict]]:
    """(story file, gold reading) for every ``*.gold.json`` in ``folder``."""
    pairs = []
    for gold in sorted(folder.glob("*.gold.json")):
        pairs.append(
            (
                gold.with_name(gold.name.removesuffix(".gold.json") + ".txt"),
                json.loads(gold.read_text(encoding="utf-8")),
            )
        )
    return pairs


def score_story(name: str, story: Story, gold: dict) -> tuple[StoryScore, list[tuple[str, str]]]:
    body = [_ws(p) for p in story.body]
    blocks_gold = [(b["kind"], _ws(b["text"])) for b in gold["blocks"]]
    blocks_got = [(b.kind, _ws(b.text)) for b in story.blocks]
    right = {
        "body": body == [_ws(p) for p in gold["body"]],
        "headline": story.headline == gold["headline"],
        "agency": story.agency == gold["agency"],
        "place": story.dateline.place == gold["dateline"]["place"],
        "editor_codes": story.editor_codes == gold["editor_codes"],
        "kicker": story.section.kicker == gold["kicker"],
        "language": story.language == gold["language"],
        "blocks": blocks_got == blocks_gold,
    }
    right["whole"] = all(right[name] for name in WHOLE)
    stripped = {text for kind, text in blocks_gold if kind in STRIPPED_KINDS}
    leaked = [p for p in body if p in stripped]
    if len(blocks_got) == len(blocks_gold):
        kind_pairs = [(g[0], p[0]) for g, p in zip(blocks_gold, blocks_got, strict=True)]
    else:  # different segmentation: count every gold block as missed
        kind_pairs = [(g[0], "(unaligned)") for g in blocks_gold]
    return StoryScore(name, right, leaked), kind_pairs


def score_reading(pairs: Iterable[tuple[Path, dict]]) -> ReadingReport:
    report = ReadingReport()
    for path, gold in pairs:
        story = enrich(path.read_bytes())
        score, kind_pairs = score_story(path.stem, story, gold)
        report.stories.append(score)
        report.kinds.update(kind_pairs)
    return report


def per_topic_table(gold: list[str], predicted: list[str]) -> str:
    """Per-topic recall/precision and the confusion table (rows: gold, columns: predicted)."""
    labels = [t.label for t in sections.TOPICS]
    short = {t.label: f"{i + 1:>2}" for i, t in enumerate(sections.TOPICS)}
    pairs = Counter(zip(gold, predicted, strict=True))
    lines = [f"  {'#':>2} {'topic':<42} {'n':>4} {'recall':>7} {'precision':>9}  misses went to"]
    for label in labels:
        n = sum(c for (g, _), c in pairs.items() if g == label)
        hits = pairs[(label, label)]
        said = sum(c for (_, p), c in pairs.items() if p == label)
        recall = f"{hits / n:.2f}" if n else "-"
        precision = f"{hits / said:.2f}" if said else "-"
        misses = sorted(((c, p) for (g, p), c in pairs.items() if g == label != p), reverse=True)
        went = ", ".join(f"#{short.get(p, p).strip()} x{c}" for c, p in misses)
        row = f"  {short[label]} {label:<42} {n:>4} {recall:>7} {precision:>9}  {went}"
        lines.append(row.rstrip())
    lines.append("  confusion (rows gold, columns predicted, by topic #):")
    width = max([2, *(len(str(c)) for c in pairs.values())])  # 100 or more stays aligned
    lines.append("     " + " ".join(f"{short[label]:>{width}}" for label in labels))
    for g in labels:
        if any(pairs[(g, p)] for p in labels):
            cells = " ".join(f"{pairs[(g, p)] or '.':>{width}}" for p in labels)
            lines.append(f"  {short[g]} {cells}")
    return "\n".join(lines)


CALIBRATION_BINS = 10


def calibration(
    pairs: Iterable[tuple[float, bool]], bins: int = CALIBRATION_BINS
) -> tuple[float, list[tuple[float, float, float, int]]]:
    """Expected calibration error of (confidence, right) pairs over equal-width
    bins, and the reliability table: (bin's low edge, mean confidence, share
    right, count) for each non-empty bin. A model whose 0.8 is right 80% of the
    time has an error near 0."""
    filled: dict[int, list[tuple[float, bool]]] = {}
    for p, ok in pairs:
        filled.setdefault(min(bins - 1, int(p * bins)), []).append((p, ok))
    total = sum(len(rows) for rows in filled.values())
    error, table = 0.0, []
    for b in sorted(filled):
        rows = filled[b]
        confidence = sum(p for p, _ in rows) / len(rows)
        right = sum(ok for _, ok in rows) / len(rows)
        error += len(rows) / total * abs(confidence - right)
        table.append((b / bins, confidence, right, len(rows)))
    return error, table


def reliability_table(pairs: list[tuple[float, bool]], bins: int = CALIBRATION_BINS) -> str:
    """The reliability table as text, ECE first."""
    error, table = calibration(pairs, bins)
    lines = [f"  ECE ({bins} bins) {error:.3f}; confidence bin: mean confidence, right, n"]
    lines += [
        f"    {low:.1f}-{low + 1 / bins:.1f}: {conf:.3f} {right:.3f} {n:>5}"
        for low, conf, right, n in table
    ]
    return "\n".join(lines)


@dataclass(slots=True)
class Predictions:
    """Gold and predicted section labels, with each story's language."""

    gold: list[str] = field(default_factory=list)
    predicted: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)

    def accuracy(self, language: str | None = None) -> float:
        pairs = [
            (g, p)
            for g, p, lang in zip(self.gold, self.predicted, self.languages, strict=True)
            if language in (None, lang)
        ]
        return sum(g == p for g, p in pairs) / max(1, len(pairs))

    def majority(self, language: str | None = None) -> float:
        """What always answering the commonest gold topic would score (the baseline)."""
        gold = Counter(
            g for g, lang in zip(self.gold, self.languages, strict=True) if language in (None, lang)
        )
        return max(gold.values(), default=0) / max(1, gold.total())


def per_language_table(p: Predictions) -> str:
    """Top-1 per language beside its majority-class baseline (always the commonest topic)."""
    counts = Counter(p.languages)
    lines = [f"  {'lang':<4} {'n':>4} {'top-1':>6} {'majority':>8}"]
    lines += [
        f"  {lang:<4} {counts[lang]:>4} {p.accuracy(lang):>6.2f} {p.majority(lang):>8.2f}"
        for lang in sorted(counts)
    ]
    return "\n".join(lines)


@dataclass(slots=True)
class SectionReport(Predictions):
    """Section labels on gold stories read without their kicker line."""

    names: list[str] = field(default_factory=list)
    # stories whose topic-naming kicker did not decide the label
    kicker_misses: list[str] = field(default_factory=list)

    def render(self) -> str:
        wrong = [
            f"{n} ({g} -> {p})"
            for n, g, p in zip(self.names, self.gold, self.predicted, strict=True)
            if g != p
        ]
        lines = [
            f"Section classifier on {len(self.gold)} gold stories, kicker line removed: "
            f"top-1 {self.accuracy():.3f}",
            per_language_table(self),
            per_topic_table(self.gold, self.predicted),
            "  wrong: " + ("; ".join(wrong) if wrong else "none"),
            f"  with the kicker kept, topic-naming kickers that did not decide the label: "
            f"{len(self.kicker_misses)}",
        ]
        return "\n".join(lines)


def score_sections(pairs: Iterable[tuple[Path, dict]]) -> SectionReport:
    """Classify every gold story with its kicker line removed (the model decides), and
    check that, with the kicker kept, a kicker that names a topic always wins."""
    from pipeline.text.sections import kicker_topic

    report = SectionReport()
    for path, gold in pairs:
        if not gold.get("section"):
            continue
        raw = path.read_bytes().decode("utf-8")
        kicker_lines = {_ws(b["text"]) for b in gold["blocks"] if b["kind"] == "section"}
        without = "\n".join(line for line in raw.splitlines() if _ws(line) not in kicker_lines)
        story = enrich(without)
        report.names.append(path.stem)
        report.gold.append(gold["section"])
        report.predicted.append(story.section.label or "-")
        report.languages.append(gold["language"])
        topic = kicker_topic(gold["kicker"]) if gold.get("kicker") else None
        if topic is not None and enrich(raw).section.label != topic.label:
            report.kicker_misses.append(path.stem)
    return report
