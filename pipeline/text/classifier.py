"""The section classifier at inference: a linear model over word and 4-gram features.

Trained by :mod:`pipeline.training` (scikit-learn: TF-IDF + logistic regression)
and exported to ``data/sections-model.npz``: the feature vocabulary, IDF weights,
coefficients and intercepts. Inference needs only numpy: each distinct word's
feature ids are computed once and cached (as the bytes of an int32 array, so a
story's ids are one ``bytes.join``), so a story costs one pass over its words, a
sort, a gather and a small matrix product.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from pipeline.text.features import classifier_words, word_features

MODEL_FILE = "sections-model.npz"
# Below this calibrated probability the section is a guess, and the event says so.
UNCERTAIN_BELOW = 0.5
_CACHE_LIMIT = 200_000  # distinct words remembered; cleared when full


@dataclass(frozen=True, slots=True)
class Prediction:
    """Topic labels ranked by probability, best first."""

    ranked: tuple[tuple[str, float], ...]
    model: str

    @property
    def label(self) -> str:
        return self.ranked[0][0]

    @property
    def confidence(self) -> float:
        return self.ranked[0][1]

    @property
    def uncertain(self) -> bool:
        """The model is more likely wrong than right (calibrated probability < 0.5)."""
        return self.confidence < UNCERTAIN_BELOW


class SectionModel:
    """A trained section model, loaded from an ``.npz`` export."""

    def __init__(self, path: Path | str) -> None:
        with np.load(path, allow_pickle=False) as data:
            vocabulary = data["features"].tolist()
            self.idf = data["idf"].astype(np.float64)
            self.coef = data["coef"].astype(np.float64)  # (features, labels)
            self.intercept = data["intercept"].astype(np.float64)
            self.labels: tuple[str, ...] = tuple(data["labels"].tolist())
            self.version = str(data["version"])
            # The languages of its training stories (None: a model exported before
            # they were recorded): elsewhere its confidence means nothing.
            self.languages: frozenset[str] | None = (
                frozenset(data["languages"].tolist()) if "languages" in data.files else None
            )
            self.sublinear_tf = bool(data["sublinear_tf"])
            # fitted out of fold at training time (an older export has none: 1)
            self.temperature = float(data["temperature"]) if "temperature" in data else 1.0
        self._inverse_temperature = 1.0 / self.temperature
        self.index = {feature: i for i, feature in enumerate(vocabulary)}
        # What a story's gather reads: each feature's IDF weight beside its
        # coefficients, one row (one gather, and the weight comes in the cache lines
        # of its row: these rows are seldom in cache when a story has been read), in
        # float32 when that holds the same numbers (half the memory traffic); widened
        # after the gather.
        self._rows = _narrowest(np.hstack([self.idf[:, None], self.coef]))
        # word -> the int32 bytes of its feature ids: joining bytes is several times
        # faster than concatenating small arrays
        self._ids: dict[str, bytes] = {}

    def _word_ids(self, word: str) -> bytes:
        """Feature ids of one word (itself and its 4-grams), computed once per word."""
        ids = self._ids.get(word)
        if ids is None:
            if len(self._ids) >= _CACHE_LIMIT:
                self._ids.clear()
            index = self.index
            ids = np.array(
                [index[f] for f in word_features(word) if f in index], np.int32
            ).tobytes()
            self._ids[word] = ids
        return ids

    def probabilities(self, tokens: list[str]) -> np.ndarray:
        """Probability of each label (in ``self.labels`` order) for a story's words
        (:func:`pipeline.text.features.classifier_words`).

        The same numbers as the scikit-learn pipeline (sublinear TF x IDF, L2 norm,
        softmax of the linear scores divided by the calibration temperature, so a
        story given 0.8 is right about 80% of the time), computed on the few features present: the
        feature ids of every word occurrence are sorted, and the run lengths are
        the term frequencies.
        """
        cache = self._ids
        try:
            joined = b"".join(map(cache.__getitem__, tokens))
        except KeyError:  # a word not seen before: compute its ids once
            joined = b"".join(map(self._word_ids, tokens))
        ids = np.frombuffer(joined, np.int32).copy()
        ids.sort()
        if ids.size == 0:
            z = self.intercept.copy()
        else:
            first = np.empty(ids.size, bool)
            first[0] = True
            np.not_equal(ids[1:], ids[:-1], out=first[1:])
            starts = first.nonzero()[0]  # the method: no wrappers around flatnonzero
            features = ids.take(starts)
            tf = np.empty(starts.size, np.float64)  # run lengths (np.diff is slower)
            np.subtract(starts[1:], starts[:-1], out=tf[:-1])
            tf[-1] = ids.size - starts[-1]
            if self.sublinear_tf:
                np.log(tf, out=tf)  # in place, here and below: no new array per step
                tf += 1.0
            rows = self._rows.take(features, axis=0).astype(np.float64)  # take: fast gather
            x = tf
            x *= rows[:, 0]
            x /= math.sqrt(x @ x)  # the same correctly rounded root, without a numpy scalar
            z = x @ rows[:, 1:]
            z += self.intercept
        if self.temperature != 1.0:
            z *= self._inverse_temperature
        z -= np.maximum.reduce(z)  # the ufunc: no wrapper around max
        np.exp(z, out=z)
        z /= z.sum()
        return z

    def predict(self, text: str) -> Prediction:
        """Ranked labels for a text (headline and body, see ``classifier_text``)."""
        return self.predict_words(classifier_words(text))

    def knows(self, language: str | None) -> bool:
        """Whether the model was trained on stories in ``language`` (unknown: yes)."""
        return self.languages is None or language is None or language in self.languages

    def predict_words(self, tokens: list[str]) -> Prediction:
        probabilities = self.probabilities(tokens).tolist()
        ranked = sorted(zip(self.labels, probabilities, strict=True), key=lambda lp: -lp[1])
        return Prediction(ranked=tuple(ranked), model=self.version)


def _narrowest(values: np.ndarray) -> np.ndarray:
    """``values`` as float32 when that holds every one of them exactly, else as they are."""
    narrow = values.astype(np.float32)
    return narrow if np.array_equal(narrow.astype(np.float64), values) else values


_installed: SectionModel | None = None


def install_model(model: SectionModel | None) -> None:
    """Make ``model`` the one :func:`default_model` gives (None: the shipped one again).

    A worker calls this once, before its first story, with a model retrained on the
    stream (:mod:`pipeline.model_store`): a model changes on restart, never mid-stream.
    """
    global _installed
    _installed = model


def default_model() -> SectionModel | None:
    """The installed model, else the one shipped in the package (None if untrained)."""
    return _installed if _installed is not None else shipped_model()


@functools.cache
def shipped_model() -> SectionModel | None:
    """The model shipped in the package, or None if it has not been trained yet."""
    path = resources.files("pipeline.text").joinpath("data", MODEL_FILE)
    if not path.is_file():
        return None
    return SectionModel(Path(str(path)))
