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

from pipeline.text.engine import enrich
from pipeline.text.story import Story

FIELDS = ("body", "headline", "agency", "place", "editor_codes", "kicker", "language", "blocks")
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
