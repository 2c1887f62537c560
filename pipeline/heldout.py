"""The held-out set: labelled stories the section model was never trained on.

``data/sections/heldout/*.jsonl`` has the schema of the training data (topic, lang,
headline, text) but stories written in styles the training set lacks, in the eight
languages of the wires. ``make eval`` classifies them exactly as training reads a
story (the text engine, then the model on headline and body, no kicker) and prints
top-1/top-2, per-topic, per-language figures with the confusion and reliability tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.evaluation import Predictions, per_language_table, per_topic_table, reliability_table
from pipeline.text.classifier import SectionModel, default_model
from pipeline.training import load_rows, story_text

__all__ = ["HeldoutReport", "load_rows", "score_heldout"]

HELDOUT_DIR = Path("data/sections/heldout")


@dataclass(slots=True)
class HeldoutReport(Predictions):
    """The model's answers on the held-out stories: best, runner-up, confidence."""

    second: list[str] = field(default_factory=list)
    confidence: list[float] = field(default_factory=list)
    model: str = ""
    folder: str = str(HELDOUT_DIR)

    def top2(self) -> float:
        hits = sum(
            g in (p, s) for g, p, s in zip(self.gold, self.predicted, self.second, strict=True)
        )
        return hits / max(1, len(self.gold))

    def render(self) -> str:
        right = [g == p for g, p in zip(self.gold, self.predicted, strict=True)]
        return "\n".join(
            [
                f"held-out set ({self.folder}, model {self.model}) on {len(self.gold)} stories: "
                f"top-1 {self.accuracy():.3f}, top-2 {self.top2():.3f}",
                per_language_table(self),
                per_topic_table(self.gold, self.predicted),
                "reliability (the model's calibrated confidence):",
                reliability_table(list(zip(self.confidence, right, strict=True))),
            ]
        )


def score_heldout(folder: Path = HELDOUT_DIR, model: SectionModel | None = None) -> HeldoutReport:
    """Classify every held-out story as training reads it: engine, then the model."""
    model = model or default_model()
    if model is None:
        raise RuntimeError("no section model: run `make train`")
    report = HeldoutReport(model=model.version, folder=str(folder))
    for row in load_rows(folder):
        ranked = model.predict(story_text(row)).ranked
        report.gold.append(row["topic"])
        report.predicted.append(ranked[0][0])
        report.second.append(ranked[1][0])
        report.confidence.append(ranked[0][1])
        report.languages.append(row["lang"])
    return report
