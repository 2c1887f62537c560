"""Train the section classifier from the labelled stories in ``data/sections/train``.

``python -m pipeline train`` rebuilds ``pipeline/text/data/sections-model.npz``
reproducibly (fixed seed, sorted input) and prints cross-validated accuracy per
topic. Needs scikit-learn (the ``train`` extra); inference does not.

Each training story is read by the text engine first, so the model learns from
exactly what it will see in the stream: headline and body, dateline and
sign-offs removed.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.evaluation import Predictions, per_topic_table
from pipeline.text import sections
from pipeline.text.classifier import MODEL_FILE
from pipeline.text.engine import enrich
from pipeline.text.features import CHAR_N, MAX_WORDS, classifier_text, features

TRAIN_DIR = Path("data/sections/train")
MODEL_PATH = Path(__file__).parent / "text" / "data" / MODEL_FILE
SEED = 13
FOLDS = 5
C = 20.0
MIN_DF = 2


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    language: str


def load_examples(folder: Path = TRAIN_DIR) -> list[Example]:
    """Every labelled story under ``folder`` (``*.jsonl``), read by the engine."""
    examples = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row["topic"] not in sections.BY_LABEL:
                raise ValueError(f"{path}: unknown topic {row['topic']!r}")
            story = enrich(f"{row['headline']}\n\n{row['text']}")
            examples.append(
                Example(
                    classifier_text(story.headline, story.body), row["topic"], row.get("lang", "en")
                )
            )
    return examples


def _fingerprint(examples: list[Example]) -> str:
    h = hashlib.sha256(f"C={C} min_df={MIN_DF} seed={SEED} n={CHAR_N} words={MAX_WORDS}".encode())
    for e in examples:
        h.update(e.label.encode() + b"\x1f" + e.text.encode() + b"\x1e")
    return h.hexdigest()[:10]


def make_estimator():  # -> sklearn Pipeline (imported lazily: training only)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(analyzer=features, sublinear_tf=True, min_df=MIN_DF, dtype=np.float64),
        LogisticRegression(C=C, max_iter=5000, random_state=SEED),
    )


@dataclass(slots=True)
class CrossValidation(Predictions):
    """Out-of-fold predictions of the training stories."""

    def render(self) -> str:
        lines = [
            f"cross-validation ({FOLDS} folds, seed {SEED}) on {len(self.gold)} stories: "
            f"accuracy {self.accuracy():.3f} (en {self.accuracy('en'):.3f}, "
            f"es {self.accuracy('es'):.3f})"
        ]
        lines.append(per_topic_table(self.gold, self.predicted))
        return "\n".join(lines)


def cross_validate(examples: list[Example]) -> CrossValidation:
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    texts = [e.text for e in examples]
    labels = [e.label for e in examples]
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    predicted = cross_val_predict(make_estimator(), texts, labels, cv=folds)
    return CrossValidation(labels, list(predicted), [e.language for e in examples])


def export(estimator, path: Path, version: str) -> None:
    """Write the fitted pipeline as plain arrays (see :mod:`pipeline.text.classifier`)."""
    vectorizer, model = estimator[0], estimator[-1]
    vocabulary = vectorizer.vocabulary_
    features_in_order = sorted(vocabulary, key=vocabulary.__getitem__)
    np.savez_compressed(
        path,
        features=np.array(features_in_order),
        idf=vectorizer.idf_.astype(np.float32),
        coef=model.coef_.T.astype(np.float32),
        intercept=model.intercept_.astype(np.float32),
        labels=np.array(model.classes_),
        version=np.array(version),
        sublinear_tf=np.array(vectorizer.sublinear_tf),
    )


def train(folder: Path = TRAIN_DIR, out: Path = MODEL_PATH, *, validate: bool = True) -> str:
    """Fit on every example, export to ``out``; returns the report text."""
    examples = load_examples(folder)
    counts = Counter((e.label, e.language) for e in examples)
    report = [
        f"training data: {len(examples)} stories in {folder} "
        f"({sum(c for (_, lang), c in counts.items() if lang == 'es')} Spanish)"
    ]
    if validate:
        report.append(cross_validate(examples).render())
    # One BLAS thread: more threads sum in another order, and the exported model would
    # differ in its last bits from one machine (or CI setting) to the next.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        estimator = make_estimator().fit([e.text for e in examples], [e.label for e in examples])
    version = f"sections-{_fingerprint(examples)}"
    export(estimator, out, version)
    report.append(
        f"model {version}: {len(estimator[0].vocabulary_)} features, "
        f"{out.stat().st_size / 1e6:.2f} MB -> {out}"
    )
    return "\n".join(report)
