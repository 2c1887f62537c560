"""IPTC Media Topics (top level) and the kicker wordings that name them.

The table is ``data/sections.toml``. A kicker names a topic only when the table
says so; places ("World", "Asia") and page labels ("News") name none, and then
the section classifier decides from the text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from pipeline.text.tables import load_table


@dataclass(frozen=True, slots=True)
class Topic:
    """One IPTC Media Topic: its official top-level label and code."""

    code: str
    label: str


_TABLE = load_table("sections")
TOPICS: tuple[Topic, ...] = tuple(Topic(row["code"], row["label"]) for row in _TABLE["topic"])
BY_LABEL: dict[str, Topic] = {t.label: t for t in TOPICS}


def _key(text: str) -> str:
    """Kicker lookup key: lower case, no accents, no edge punctuation, single spaces."""
    plain = text.casefold()
    if not plain.isascii():
        decomposed = unicodedata.normalize("NFKD", plain)
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.strip(" .:|»>›-–—•·").split())


_KICKERS: dict[str, Topic] = {
    _key(kicker): Topic(row["code"], row["label"])
    for row in _TABLE["topic"]
    for kicker in row["kickers"]
}
_NO_TOPIC = frozenset(_key(k) for k in _TABLE["no_topic"]["kickers"])
_JOINERS = re.compile(r"\s*(?:&|\+|/|,|\band\b|\by\b|\be\b|\bet\b|\bund\b)\s*")


def kicker_topic(kicker: str) -> Topic | None:
    """The topic a kicker names, or None ("Politics" -> politics, "World" -> None).

    A compound kicker ("Science & Tech", "Business and Markets") names a topic
    when all of its known parts agree on one.
    """
    key = _key(kicker)
    topic = _KICKERS.get(key)
    if topic is not None or key in _NO_TOPIC:
        return topic
    found = {_KICKERS[p] for p in _JOINERS.split(key) if p in _KICKERS}
    return found.pop() if len(found) == 1 else None


def is_known_kicker(text: str) -> bool:
    """Whether ``text`` is a section label sites use (topic or place)."""
    key = _key(text)
    return key in _KICKERS or key in _NO_TOPIC
