"""Which language a story is written in, from its function words.

News copy is a third function words, so counting them over the first hundred
or so words tells English from Spanish (and four more) in microseconds.
"""

from __future__ import annotations

import re

from pipeline.text.tables import load_table
from pipeline.text.tokens import words

_LANGS_OF: dict[str, set[str]] = {}
for _lang, _stopwords in load_table("languages").items():
    for _word in _stopwords:
        _LANGS_OF.setdefault(_word, set()).add(_lang)
# A word shared by k languages gives each of them 1/k of a vote.
_WORDS: dict[str, tuple[tuple[str, float], ...]] = {
    w: tuple((lang, 1 / len(ls)) for lang in sorted(ls)) for w, ls in _LANGS_OF.items()
}

_SAMPLE_WORDS = 80
_MIN_HITS = 3


# Scripts that name their language (or its usual one in news copy) outright.
_SCRIPTS = (
    (re.compile("[\u3040-\u30ff]"), "ja"),  # kana
    (re.compile("[\uac00-\ud7af]"), "ko"),  # hangul
    (re.compile("[\u0400-\u04ff]"), "ru"),  # Cyrillic (Serbian and Ukrainian below)
    (re.compile("[\u0370-\u03ff]"), "el"),
    (re.compile("[\u0600-\u06ff]"), "ar"),
    (re.compile("[\u0590-\u05ff]"), "he"),
    (re.compile("[\u4e00-\u9fff]"), "zh"),  # Han without kana
)
# Any of those scripts: one scan tells whether the seven are worth trying (Latin text).
_ANY_SCRIPT = re.compile("|".join(pattern.pattern for pattern, _ in _SCRIPTS))
_CYRILLIC_OF = (("ђћџљњј", "sr"), ("іїєґ", "uk"), ("ъ", "bg"))
_SCRIPT_SAMPLE = 400


def script_language(text: str) -> str | None:
    """The language a non-Latin script gives away, or None for Latin text."""
    sample = text[:_SCRIPT_SAMPLE]
    if sample.isascii() or _ANY_SCRIPT.search(sample) is None:
        return None
    for pattern, lang in _SCRIPTS:
        if pattern.search(sample) is not None:
            if lang == "ru":
                for letters, other in _CYRILLIC_OF:
                    if any(c in sample for c in letters):
                        return other if other != "bg" or "ы" not in sample else "ru"
            return lang
    return None


def detect(text: str) -> str | None:
    """ISO 639-1 code of the language of ``text``, or None when it cannot tell."""
    return detect_words(words(text, _SAMPLE_WORDS))


def detect_words(tokens: list[str]) -> str | None:
    """:func:`detect` on words already split by :func:`pipeline.text.tokens.words`."""
    votes: dict[str, float] = {}
    table = _WORDS
    # the function words among the sample, in order (most words are none)
    for shares in [table[t] for t in tokens[:_SAMPLE_WORDS] if t in table]:
        for lang, weight in shares:
            votes[lang] = votes.get(lang, 0.0) + weight
    ranked = [*sorted(votes.items(), key=lambda kv: kv[1], reverse=True), ("", 0), ("", 0)]
    (best, hits), (_, second) = ranked[0], ranked[1]
    if hits < _MIN_HITS or hits == second:
        return None
    return best
