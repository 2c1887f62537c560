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


class _MarksDeleted(dict[int, int | None]):
    """A ``str.translate`` table that deletes combining marks and keeps the rest,
    filled as characters are met: after the first story the lookups stay in C,
    where a generator asked ``unicodedata.combining`` of every character."""

    def __missing__(self, code: int) -> int | None:
        if len(self) >= _MARKS_LIMIT:  # bounded whatever a feed sends
            self.clear()
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_MARKS_LIMIT = 65_536
_WITHOUT_MARKS = _MarksDeleted()


_EDGES = " .:|»>›<‹«-–—•·[]()"  # a label's decoration: bars, arrows, dashes, brackets


def _key(text: str) -> str:
    """Kicker lookup key: lower case, no accents, no edge punctuation, single spaces."""
    plain = text.casefold()
    if not plain.isascii():
        plain = unicodedata.normalize("NFKD", plain).translate(_WITHOUT_MARKS)
    return " ".join(plain.strip(_EDGES).split())


_KICKERS: dict[str, Topic] = {
    _key(kicker): Topic(row["code"], row["label"])
    for row in _TABLE["topic"]
    for kicker in row["kickers"]
}
_NO_TOPIC = frozenset(_key(k) for k in _TABLE["no_topic"]["kickers"])
_NOT_KICKER = frozenset(_key(k) for k in _TABLE["not_kicker"]["lines"])
_NOT_KICKER_WORDS = re.compile(
    r"\b(?:" + "|".join(re.escape(_key(w)) for w in _TABLE["not_kicker"]["phrases"]) + r")\b"
)
_NOT_KICKER_SHAPES = re.compile("|".join(f"(?:{p})" for p in _TABLE["not_kicker"]["patterns"]))
_HOME = frozenset(_key(k) for k in _TABLE["breadcrumb"]["home"])
# Marks that part a breadcrumb's items or decorate a label ("| Política", "Economía »");
# a slash only with spaces around it ("Sci/Tech" is one label)
_CRUMB = re.compile(r"\s*[|»›>•·]\s*|\s+/\s+")
_CLOCK = re.compile(r"\s*[|·•-]?\s*(?:[01]?\d|2[0-3])[:.h][0-5]\d$")
_JOINERS = re.compile(r"\s*(?:&|\+|/|,|\band\b|\by\b|\be\b|\bet\b|\bund\b)\s*")


def kicker_topic(kicker: str) -> Topic | None:
    """The topic a kicker names, or None ("Politics" -> politics, "World" -> None).

    A compound kicker ("Science & Tech", "Business and Markets") names a topic
    when all of its known parts agree on one; a kicker is read as printed
    ("| Política", "Wirtschaft 12:04", "Home > World > Politics", see
    :func:`kicker_label`).
    """
    key = _key(kicker_label(kicker) or kicker)
    topic = _KICKERS.get(key)
    if topic is not None or key in _NO_TOPIC:
        return topic
    found = {_KICKERS[p] for p in _JOINERS.split(key) if p in _KICKERS}
    return found.pop() if len(found) == 1 else None


def kicker_label(line: str) -> str | None:
    """The label a kicker line prints, without its decoration, or None when the
    line is a run of items rather than one label (a menu).

    "| Política", "Economía »", "[Sport]" and "Politics 12:04" print one label;
    a breadcrumb "Home > World > Politics" prints its last item that names a
    topic (else its last item) once its home link is set aside.
    """
    # Asked of most header lines. A clock ends in a digit (before a final "\n", which
    # "$" lets through) and a breadcrumb holds one of its marks: most lines hold
    # neither, and two tests of the end and seven scans cost less than two patterns
    # tried at every space of the line.
    end = line[:-1] if line.endswith("\n") else line
    text = (_CLOCK.sub("", line) if end[-1:].isdecimal() else line).strip(_EDGES)
    crumbs = (
        _CRUMB.split(text)
        if "|" in text
        or "»" in text
        or "›" in text
        or ">" in text
        or "•" in text
        or "·" in text
        or "/" in text
        else [text]
    )
    items = [item.strip(_EDGES) for item in crumbs]
    items = [item for item in items if item]
    if len(items) <= 1:
        return items[0] if items else None
    if _key(items[0]) not in _HOME:
        return None
    rest = items[1:]
    named = [item for item in rest if _KICKERS.get(_key(item)) is not None]
    return (named or rest)[-1]


def is_not_kicker(label: str) -> bool:
    """A short line sites print above a headline that is no section: a tagline
    or slogan, a page label ("Archive"), a stamp ("Updated"), an address.
    See ``[not_kicker]`` in ``data/sections.toml``."""
    key = _key(label)
    if key in _NOT_KICKER or _NOT_KICKER_SHAPES.search(label) is not None:
        return True
    return key not in _KICKERS and _NOT_KICKER_WORDS.search(key) is not None


def is_known_kicker(text: str) -> bool:
    """Whether ``text`` is a section label sites use (topic or place)."""
    key = _key(text)
    return key in _KICKERS or key in _NO_TOPIC
