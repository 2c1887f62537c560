"""Features of a story for the section classifier: words and their character 4-grams.

Shared by training (scikit-learn calls :func:`features` as its analyzer) and
inference (:mod:`pipeline.text.classifier` maps each distinct word to its
feature ids once and caches it), so both see exactly the same features.
Character n-grams carry the model across inflections and languages
("elecciones"/"electoral", "vaccine"/"vacuna") that whole words miss.
"""

from __future__ import annotations

from pipeline.text.tokens import words

CHAR_N = 4
# Words past this many are not read: the top of a story (headline twice, then the lede
# and the next paragraphs) says what it is about. Reading 250 rather than 600 words
# changed neither cross-validated nor dev-corpus accuracy and halves the cost.
MAX_WORDS = 250


def classifier_text(headline: str, body: list[str]) -> str:
    """What the classifier reads: the headline (twice: it is the densest line) and body."""
    return "\n".join([headline, headline, *body])


def word_features(word: str) -> list[str]:
    """The word itself and the character 4-grams of `` word `` (word boundaries marked)."""
    padded = f" {word} "
    grams = [f"c{padded[i : i + CHAR_N]}" for i in range(len(padded) - CHAR_N + 1)]
    return [f"w{word}", *grams]


def classifier_words(text: str) -> list[str]:
    """The words the classifier reads: the first :data:`MAX_WORDS`."""
    return words(text, MAX_WORDS)


def features(text: str) -> list[str]:
    """Every feature occurrence in ``text`` (the analyzer given to scikit-learn)."""
    out: list[str] = []
    for word in classifier_words(text):
        out.extend(word_features(word))
    return out
