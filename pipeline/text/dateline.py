"""Parse the dateline off a lede: "Nur-Sultan, Jun 4 (EFE).- Kazakhstan backs ...".

The shapes of datelines are templates in ``data/agencies.toml``; this module
fills in what a place, a date, an agency and a separator look like, compiles
them once and returns where the dateline ends so the lede can be cut there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.text import agencies, dates, places
from pipeline.text.tables import load_table

# A place: words of letters joined by spaces, hyphens, apostrophes or dots
# ("Nur-Sultan", "N'DJAMENA", "St. John's", "Ciudad de México"); at most ~50 chars.
_PLACE = r"[^\W\d_](?:[^\W\d_]|[-'’](?=[^\W\d_])|\.?\s(?=[^\W\d_])|\.(?=[^\W\d_])){0,50}"
# A US state or region after the city: "Ill.", "Calif.", "N.Y.", "Texas".
_REGION = r"[A-Z][A-Za-z]*\.?(?:\s?[A-Z][A-Za-z]*\.?){0,2}"
_SEPARATOR = r"(?:\s?(?:\.-|\.–|--|-|–|—|:)\s?|\.\s|\s)"
# A lede with a dateline that names no agency must read like a paragraph.
_MIN_WORDS_WITHOUT_AGENCY = 12


@dataclass(frozen=True, slots=True)
class DatelineMatch:
    """A dateline found at the start of a line."""

    text: str  # the dateline as printed, without the separator
    place: str  # the place as printed
    date: str | None  # the date as printed
    agency: str | None  # canonical agency name
    end: int  # where the lede text starts


def _compile(template: str) -> re.Pattern[str]:
    filled = (
        template.replace("{place}", _PLACE)
        .replace("{region}", _REGION)
        .replace("{date}", dates.DATE)
        .replace("{agency}", f"(?i:{agencies.NAMES})")
        .replace("{sep}", _SEPARATOR)
    )
    return re.compile(filled)


_TEMPLATES: tuple[re.Pattern[str], ...] = tuple(
    _compile(row["pattern"]) for row in load_table("agencies")["dateline"]
)
# Cheap gate: a dateline has an agency in brackets or slashes, or a dash, early on.
_GATE = re.compile(r"^.{1,90}?(?:\(|/|\s-|\s–|\s—)")


def parse(line: str) -> DatelineMatch | None:
    """The dateline at the start of ``line``, or None."""
    if _GATE.match(line) is None:
        return None
    for pattern in _TEMPLATES:
        m = pattern.match(line)
        if m is None:
            continue
        agency = agencies.canonical(m["agency"]) if "agency" in m.re.groupindex else None
        if agency is None and len(line.split()) < _MIN_WORDS_WITHOUT_AGENCY:
            continue
        return DatelineMatch(
            text=line[: m.end()].rstrip(" -–—:.").rstrip() or line[: m.end()].strip(),
            place=m["place"].strip(),
            date=m["date"],
            agency=agency,
            end=m.end(),
        )
    return None


def usual_place(match: DatelineMatch) -> str:
    """The dateline place as normally written ("N'DJAMENA" -> "N'Djamena")."""
    return places.normal_case(match.place)
