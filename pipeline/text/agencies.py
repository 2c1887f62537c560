"""News agencies as data: names, sign-offs and editor codes from ``data/agencies.toml``.

Every pattern of every agency is compiled once into a few alternations, so a
line is tested against all agencies in one regex call; a match says which
agency's row it came from. Adding an agency is adding a row to the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.text.tables import load_table

_SENTENCE_END = r"(?<=[.!?…\"”’»)\]])"


@dataclass(frozen=True, slots=True)
class Agency:
    """One row of the agency table."""

    name: str
    names: tuple[str, ...]
    signoff: tuple[str, ...]
    signoff_tail: tuple[str, ...]
    codes: tuple[str, ...]


AGENCIES: tuple[Agency, ...] = tuple(
    Agency(
        name=row["name"],
        names=tuple(row["names"]),
        signoff=tuple(row.get("signoff", ())),
        signoff_tail=tuple(row.get("signoff_tail", ())),
        codes=tuple(row.get("codes", ())),
    )
    for row in load_table("agencies")["agency"]
)

# How an agency is printed -> its canonical name ("agence france-presse" -> "AFP").
_BY_PRINTED: dict[str, str] = {
    printed.casefold(): agency.name for agency in AGENCIES for printed in agency.names
}
# Alternation of every printed name, longest first so "Agencia EFE" beats "EFE".
NAMES = "|".join(
    sorted(map(re.escape, {n for a in AGENCIES for n in a.names}), key=len, reverse=True)
)


def canonical(printed: str) -> str | None:
    """The canonical agency for a printed name, or None when it is not an agency."""
    return _BY_PRINTED.get(printed.strip().casefold())


def _tagged(kind: str, attr: str) -> dict[str, str]:
    """Group name -> agency for one pattern list; groups are ``{kind}{index}``."""
    groups: dict[str, str] = {}
    for index, agency in enumerate(AGENCIES):
        if getattr(agency, attr):
            groups[f"{kind}{index}"] = agency.name
    return groups


def _alternation(kind: str, attr: str) -> re.Pattern[str] | None:
    parts = [
        f"(?P<{kind}{index}>" + "|".join(f"(?:{p})" for p in getattr(agency, attr)) + ")"
        for index, agency in enumerate(AGENCIES)
        if getattr(agency, attr)
    ]
    return re.compile("|".join(parts)) if parts else None


_SIGNOFF = _alternation("s", "signoff")
_SIGNOFF_AGENCY = _tagged("s", "signoff")
_TAIL = re.compile(
    rf"{_SENTENCE_END}\s+(?:"
    + "|".join(
        f"(?P<t{i}>{'|'.join(f'(?:{p})' for p in a.signoff_tail)})"
        for i, a in enumerate(AGENCIES)
        if a.signoff_tail
    )
    + r")\s*$"
)
_TAIL_AGENCY = _tagged("t", "signoff_tail")
_CODES = re.compile("|".join(f"(?:{p})" for a in AGENCIES for p in a.codes))
# "By AFP", "EFE", "Por EFE", "Source: Xinhua", "Reuters staff"
_AGENCY_BYLINE = re.compile(
    rf"(?:(?:By|BY|Por|POR|Source:|Fuente:|From)\s)?(?P<name>{NAMES})"
    r"(?:\s(?:News Agency|staff|Staff|News))?",
    re.IGNORECASE,
)
# "By Jane Smith, Reuters" / "Jane Smith | AFP"
_BYLINE_AGENCY_SUFFIX = re.compile(rf"(?:,|\||/|-|—)\s?(?P<name>{NAMES})\s*$", re.IGNORECASE)


def signoff_agency(line: str) -> str | None:
    """The agency whose sign-off this whole line is, or None."""
    if _SIGNOFF is None:
        return None
    m = _SIGNOFF.fullmatch(line)
    return _SIGNOFF_AGENCY[m.lastgroup] if m is not None and m.lastgroup else None


def split_tail_signoff(paragraph: str) -> tuple[str, str | None]:
    """Split a sign-off glued to the end of a paragraph: (text, agency or None)."""
    m = _TAIL.search(paragraph)
    if m is None or not m.lastgroup:
        return paragraph, None
    return paragraph[: m.start()].rstrip(), _TAIL_AGENCY[m.lastgroup]


_CODES_MAX_CHARS = 60


def is_codes(line: str) -> bool:
    """A whole line of editor or desk codes ("kk-cae/jgb/lap/mc", "PTI SKC RT")."""
    return len(line) <= _CODES_MAX_CHARS and _CODES.fullmatch(line) is not None


def byline_agency(line: str) -> str | None:
    """The agency a byline names ("By AFP", "Jane Smith, Reuters"), or None."""
    m = _AGENCY_BYLINE.fullmatch(line) or _BYLINE_AGENCY_SUFFIX.search(line)
    return canonical(m["name"]) if m is not None else None


def is_agency_byline(line: str) -> bool:
    """A line that is only an agency credit ("By EFE", "AFP", "Source: Xinhua")."""
    return _AGENCY_BYLINE.fullmatch(line) is not None
