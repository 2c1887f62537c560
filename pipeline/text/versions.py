"""What a headline and its notes say about a story's version (``data/versions.toml``).

Agencies mark updates, corrections, repeats and kills on the headline
("UPDATE 2-", "CORRECTED-", "KILL - ") and in short notes ("(Corrects name in
paragraph 4)"). This module strips the markers to get the headline stem, which
with the agency names the story across all its versions, and reads the
NewsML-G2-style signals and publication status. Numbering versions needs
memory of earlier ones: that is :mod:`pipeline.versions`, outside the engine.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.text.tables import load_table

USABLE = "usable"
WITHDRAWN = "withdrawn"

_TABLE = load_table("versions")
_MARKERS = [
    (row["pattern"], row.get("signal", ""), row.get("pubstatus")) for row in _TABLE["marker"]
]
# A marker counts only when a separator follows it: "Update on talks" is a headline.
_MARKER = re.compile(
    "(?:"
    + "|".join(f"(?P<m{i}>{pattern})" for i, (pattern, _, _) in enumerate(_MARKERS))
    + r")(?=\s*[-–—:|])",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"\s*(?:-|–|—|:|\|)\s*")
_NOTES = [
    (re.compile(row["pattern"], re.IGNORECASE), row.get("signal", ""), row.get("pubstatus"))
    for row in _TABLE["note"]
]


@dataclass(frozen=True, slots=True)
class VersionMarks:
    """The version information printed on a story."""

    stem: str  # the headline without its markers
    signals: tuple[str, ...]  # "update", "correction"
    pubstatus: str  # "usable" or "withdrawn"


def read(headline: str, lines: Iterable[str] = ()) -> VersionMarks:
    """Markers at the start of ``headline`` and version notes among ``lines``."""
    signals: list[str] = []
    pubstatus = USABLE
    stem = headline
    while True:
        m = _MARKER.match(stem)
        if m is None or not m.lastgroup:
            break
        rest = stem[m.end() :]
        separator = _SEPARATOR.match(rest)
        if separator is None or not rest[separator.end() :]:
            break  # a bare marker with nothing after it stays the headline
        _, signal, status = _MARKERS[int(m.lastgroup[1:])]
        signals.append(signal)
        pubstatus = status or pubstatus
        stem = rest[separator.end() :]
    for line in lines:
        # Every note is in brackets or speaks of the "story": skip the rest cheaply.
        if len(line) > 400 or not (line.startswith("(") or "story" in line.lower()):
            continue
        for pattern, signal, status in _NOTES:
            if pattern.search(line):
                signals.append(signal)
                pubstatus = status or pubstatus
    unique = tuple(dict.fromkeys(s for s in signals if s))
    return VersionMarks(stem=stem, signals=unique, pubstatus=pubstatus)


_NOT_WORD = re.compile(r"[^\w\s]")


def story_id(agency: str | None, stem: str) -> str:
    """The id every version of a story shares: agency and normalised headline stem."""
    normal = " ".join(_NOT_WORD.sub(" ", stem.casefold()).split())
    return hashlib.blake2b(f"{agency or ''}\x1f{normal}".encode(), digest_size=12).hexdigest()
