"""Dateline places in their usual spelling: "N'DJAMENA" is N'Djamena.

Wires print datelines in capitals (Reuters, AFP, AP, Xinhua). Readers and
downstream systems want the place as it is normally written, so an all-capitals
place is re-cased: title case with the particles of place names kept low
("Dar es Salaam", "Port-au-Prince"), and a table of names that rule gets wrong
("McAllen", "KwaZulu") generated from GeoNames by ``scripts/build_places.py``.
A place printed in mixed case is left exactly as printed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources

# Lower-case inside a place name (never as its first word).
_PARTICLES = frozenset(
    (
        "de",
        "del",
        "della",
        "dei",
        "des",
        "di",
        "da",
        "das",
        "do",
        "dos",
        "du",
        "la",
        "las",
        "le",
        "les",
        "los",
        "el",
        "al",
        "en",
        "es",
        "et",
        "y",
        "e",
        "au",
        "aux",
        "sur",
        "sous",
        "upon",
        "on",
        "of",
        "the",
        "van",
        "von",
        "der",
        "den",
        "ter",
        "ten",
        "zu",
        "am",
        "im",
        "an",
    )
)
PARTICLES = _PARTICLES
_PIECE = re.compile(r"([^\s\-'’]+)([\s\-'’]*)")


def normal_case(place: str) -> str:
    """The usual spelling of ``place`` if it is printed in capitals, else ``place``."""
    if not place.isupper():
        return place
    known = _exceptions().get(place)
    if known is not None:
        return known
    # Turkish dotted capitals: "KOCAELİ" -> "Kocaeli", "İZMİR" -> "İzmir"
    return unicodedata.normalize("NFC", title_case(place).replace("i\u0307", "i"))


def title_case(place: str) -> str:
    """Title-case a capitalised place name, keeping particles and elisions right."""
    out: list[str] = []
    previous_word, previous_sep = "", ""
    for index, (word, sep) in enumerate(_PIECE.findall(place)):
        lower = word.lower()
        if index and previous_sep[-1:] in "'’":
            # N'Djamena, L'Aquila, but St. John's
            piece = lower.capitalize() if len(previous_word) == 1 else lower
        elif index and lower in _PARTICLES:
            piece = lower
        else:
            piece = lower.capitalize()
        out.append(piece)
        out.append(sep)
        previous_word, previous_sep = word, sep
    return "".join(out)


@functools.cache
def _exceptions() -> dict[str, str]:
    table = resources.files("pipeline.text").joinpath("data", "places.tsv")
    pairs: dict[str, str] = {}
    for line in table.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            printed, usual = line.split("\t")
            pairs[printed] = usual
    return pairs
