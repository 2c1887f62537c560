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
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson

from pipeline.config import Settings
from pipeline.evaluation import Predictions, per_language_table, per_topic_table, reliability_table
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
TEMPERATURE_DIGITS = 3


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    language: str


def load_rows(folder: Path = TRAIN_DIR) -> list[dict[str, str]]:
    """Every labelled record of ``folder/*.jsonl`` (sorted by file), topics checked."""
    rows = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row["topic"] not in sections.BY_LABEL:
                raise ValueError(f"{path}: unknown topic {row['topic']!r}")
            rows.append(row)
    return rows


def story_text(row: dict[str, str]) -> str:
    """What the model reads of a labelled story: headline and body as the engine reads
    them (no section model: the reading does not depend on it)."""
    story = enrich(f"{row['headline']}\n\n{row['text']}", section_model=None)
    return classifier_text(story.headline or "", story.body)


def load_examples(folder: Path = TRAIN_DIR) -> list[Example]:
    """Every labelled story under ``folder`` (``*.jsonl``), read by the engine."""
    return [
        Example(story_text(row), row["topic"], row.get("lang", "en")) for row in load_rows(folder)
    ]


def _fingerprint(examples: list[Example]) -> str:
    h = hashlib.sha256(
        f"C={C} min_df={MIN_DF} seed={SEED} n={CHAR_N} words={MAX_WORDS} "
        f"calibrated={FOLDS}x{TEMPERATURE_DIGITS}".encode()
    )
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

    # the model's confidence in its answer, out of fold: raw, then calibrated
    raw: list[float] = field(default_factory=list)
    calibrated: list[float] = field(default_factory=list)
    temperature: float = 1.0

    def _render_accuracy(self) -> str:
        lines = [
            f"cross-validation ({FOLDS} folds, seed {SEED}) on {len(self.gold)} stories: "
            f"accuracy {self.accuracy():.3f}",
            per_language_table(self),
            per_topic_table(self.gold, self.predicted),
        ]
        return "\n".join(lines)

    def render(self) -> str:
        lines = [self._render_accuracy()]
        right = [g == p for g, p in zip(self.gold, self.predicted, strict=True)]
        lines.append("reliability before calibration (the model's own probabilities):")
        lines.append(reliability_table(list(zip(self.raw, right, strict=True))))
        lines.append(
            f"reliability after calibration (temperature {self.temperature:.3f}, "
            f"fitted on these out-of-fold scores):"
        )
        lines.append(reliability_table(list(zip(self.calibrated, right, strict=True))))
        return "\n".join(lines)


def out_of_fold_scores(examples: list[Example]) -> np.ndarray:
    """Each story's linear scores (one column per topic, sorted labels) from a model
    fitted on the other folds: what the model says of stories it did not see."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    texts = [e.text for e in examples]
    labels = [e.label for e in examples]
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    with threadpool_limits(limits=1):
        return cross_val_predict(
            make_estimator(), texts, labels, cv=folds, method="decision_function"
        )


def softmax(scores: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = scores / temperature
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, gold: np.ndarray) -> float:
    """The temperature that makes the out-of-fold probabilities most likely (lowest
    log loss): one number, so it cannot change which topic wins, only how sure the
    model says it is. Rounded so a rebuild elsewhere gives the same number."""
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(gold))

    def loss(log_t: float) -> float:
        p = softmax(scores, math.exp(log_t))
        return float(-np.log(np.maximum(p[rows, gold], 1e-300)).mean())

    found = minimize_scalar(loss, bounds=(math.log(0.01), math.log(100.0)), method="bounded")
    return round(math.exp(found.x), TEMPERATURE_DIGITS)


def calibrate(examples: list[Example]) -> CrossValidation:
    """Cross-validate: out-of-fold answers, and the temperature fitted on them."""
    labels = sorted({e.label for e in examples})
    scores = out_of_fold_scores(examples)
    gold = np.array([labels.index(e.label) for e in examples])
    temperature = fit_temperature(scores, gold)
    raw, calibrated = softmax(scores), softmax(scores, temperature)
    return CrossValidation(
        [e.label for e in examples],
        [labels[i] for i in scores.argmax(axis=1)],
        [e.language for e in examples],
        raw=raw.max(axis=1).tolist(),
        calibrated=calibrated.max(axis=1).tolist(),
        temperature=temperature,
    )


cross_validate = calibrate


def export(
    estimator, path: Path, version: str, temperature: float = 1.0, languages: Iterable[str] = ()
) -> None:
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
        temperature=np.array(temperature, np.float64),
        languages=np.array(sorted(set(languages)), dtype=str),
    )


def train(folder: Path = TRAIN_DIR, out: Path = MODEL_PATH, *, validate: bool = True) -> str:
    """Fit on every example, export to ``out``; returns the report text."""
    examples = load_examples(folder)
    return fit_and_export(examples, out, validate=validate, where=str(folder))[1]


def fit_and_export(
    examples: list[Example], out: Path, *, validate: bool = True, where: str = ""
) -> tuple[str, str]:
    """Fit on ``examples`` and write the model to ``out``: (its version, the report)."""
    counts = Counter(e.language for e in examples)
    languages = ", ".join(f"{lang} {n}" for lang, n in counts.most_common())
    report = [f"training data: {len(examples)} stories in {where} ({languages})"]
    # The temperature is fitted out of fold even without the report: the shipped
    # model's confidence is the calibrated one.
    validation = calibrate(examples)
    if validate:
        report.append(validation.render())
    # One BLAS thread: more threads sum in another order, and the exported model would
    # differ in its last bits from one machine (or CI setting) to the next.
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        estimator = make_estimator().fit([e.text for e in examples], [e.label for e in examples])
    version = f"sections-{_fingerprint(examples)}"
    export(estimator, out, version, validation.temperature, (e.language for e in examples))
    report.append(
        f"model {version}: {len(estimator[0].vocabulary_)} features, "
        f"temperature {validation.temperature:.3f}, "
        f"{out.stat().st_size / 1e6:.2f} MB -> {out}"
    )
    return version, "\n".join(report)


# -- learning from the stream --------------------------------------------------------

PER_TOPIC = 300  # kicker-labelled stories kept per topic, the newest


def examples_from_events(events: Iterable[dict], per_topic: int = PER_TOPIC) -> list[Example]:
    """Training examples from enriched events whose section a printed kicker decided:
    each such story is a real label, free. One per story (its latest version), exact
    repeats and kills left out, at most the newest ``per_topic`` of each topic."""
    latest: dict[str, dict] = {}
    for event in events:
        section = event.get("section") or {}
        if section.get("source") != "kicker" or section.get("label") not in sections.BY_LABEL:
            continue
        if event.get("duplicate") or event.get("pubstatus") in ("canceled", "withdrawn"):
            continue
        if not event.get("body"):
            continue
        latest[event.get("story_id") or event.get("id")] = event
    by_topic: dict[str, list[Example]] = {}
    for event in latest.values():
        label = event["section"]["label"]
        text = classifier_text(event.get("headline") or "", event["body"])
        by_topic.setdefault(label, []).append(Example(text, label, event.get("language") or "en"))
    kept = [e for label in sorted(by_topic) for e in by_topic[label][-per_topic:]]
    return kept


def read_enriched(settings: Settings, *, wait: float = 30.0) -> list[dict]:
    """Every event on ``wires.enriched`` now (what retention still holds), to its end."""
    from pipeline import tail, workarounds
    from pipeline.config import TOPIC_ENRICHED

    consumer, tps = tail.assign_all(settings, TOPIC_ENRICHED, wait=wait)
    try:
        ends = workarounds.end_offsets(consumer, tps, tansu=settings.tansu)
        consumer.seek_to_beginning(*tps)
        found: list[dict] = []
        while any(consumer.position(tp) < ends[tp] for tp in tps):
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    try:
                        found.append(orjson.loads(record.value))
                    except orjson.JSONDecodeError:
                        continue
        return found
    finally:
        consumer.close()


def train_from_stream(
    settings: Settings, *, folder: Path = TRAIN_DIR, per_topic: int = PER_TOPIC
) -> str:
    """Retrain on the shipped data plus the kicker-labelled stories of the stream; the
    model goes to ``WIRES_DATA_DIR/models/`` and becomes the one workers load on their
    next start (:mod:`pipeline.model_store`). Returns the report."""
    from pipeline import model_store

    streamed = examples_from_events(read_enriched(settings), per_topic)
    counts = Counter(e.label for e in streamed)
    report = [
        f"from {settings.broker} wires.enriched: {len(streamed)} kicker-labelled stories"
        + "".join(f"\n  {n:5d}  {label}" for label, n in sorted(counts.items()))
    ]
    if not streamed:
        report.append("nothing to learn: no story with a kicker on the stream; no new model")
        return "\n".join(report)
    directory = model_store.models_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / "training.npz"
    version, fitted = fit_and_export(
        load_examples(folder) + streamed,
        partial,
        validate=False,
        where=f"{folder} + the stream",
    )
    final = directory / f"{version}.npz"
    partial.replace(final)
    model_store.publish(settings, final)
    report.append(fitted.replace(str(partial), str(final)))
    report.append(f"workers load {version} when they next start (restart them to use it)")
    return "\n".join(report)
