"""Site chrome as data: navigation, link lists, captions and bylines (``data/chrome.toml``).

Each list in the table becomes one compiled alternation matched against a whole
line, so one call tests a line against every pattern of its kind; lines longer
than a list's ``max_chars`` (body paragraphs) skip the test altogether.
"""

from __future__ import annotations

import re

from pipeline.text import agencies
from pipeline.text.dates import TIMESTAMP_LINE
from pipeline.text.tables import load_table

_TABLE = load_table("chrome")


def fold(line: str) -> str:
    """Lower case for matching: casefolded, Turkish dotted capitals made plain "i"."""
    return line.casefold().replace("i\u0307", "i")


class _WholeLines:
    """One list of the table, matched against whole lines of at most ``max_chars``.

    A list that ignores case (written in lower case) is matched against the folded
    line: several times faster than a case-insensitive pattern.
    """

    __slots__ = ("folded", "max_chars", "pattern")

    def __init__(self, section: str, *, ignore_case: bool = False) -> None:
        table = _TABLE[section]
        self.pattern = re.compile("|".join(f"(?:{p})" for p in table["lines"]))
        self.max_chars: int = table["max_chars"]
        self.folded = ignore_case

    def matches(self, line: str) -> bool:
        if len(line) > self.max_chars:
            return False
        return self.pattern.fullmatch(fold(line) if self.folded else line) is not None


_NAVIGATION = _WholeLines("navigation", ignore_case=True)
_RELATED = _WholeLines("related", ignore_case=True)
_CAPTION = _WholeLines("caption")
_BYLINE = _WholeLines("byline")
# A credit that ends a line, after a sentence or an opening bracket (not "an AP/NORC poll"),
# looked for in the last _CREDIT_WINDOW characters only.
_CREDIT_ENDING = re.compile(
    r"(?:^|(?<=[.)]\s)|(?<=\())(?:"
    + "|".join(f"(?:{p})" for p in _TABLE["caption"]["endings"])
    + r")$"
)
_CREDIT_WINDOW = 160
_TIMESTAMP_MAX_CHARS = 90
# Lines of punctuation or symbols only: "|", "•", "* * *", "—" (not AP's "___").
_DECORATION = re.compile(r"[^\w_]{1,20}")


def is_navigation(line: str) -> bool:
    """Chrome that stands on its own line: menus, share bars, tags, ads, copyright."""
    return (
        _NAVIGATION.matches(line)
        or is_timestamp(line)
        or is_promo(line)
        or (len(line) <= 20 and _DECORATION.fullmatch(line) is not None)
    )


def is_timestamp(line: str) -> bool:
    """A line that is only a publication date/time ("June 15, 2021 | 03:06 am")."""
    return len(line) <= _TIMESTAMP_MAX_CHARS and TIMESTAMP_LINE.fullmatch(line) is not None


def starts_link_list(line: str) -> bool:
    """A heading such as "Related Articles" after which come links to other stories."""
    return _RELATED.matches(line)


# A photographer and an agency after a caption: "... - Marta Ruiz - Europa Press",
# "... / PAP / Jan Nowak", "... | Reuters".
_NAME = r"[A-ZÀ-Þ][\w.'’-]+(?:\s[A-ZÀ-Þ][\w.'’-]+){0,3}"
_AGENCY_CREDIT = re.compile(
    rf"\s[-–—/|]\s(?:{_NAME}\s[-–—/|]\s(?:{agencies.NAMES})|(?:{agencies.NAMES})\s[-–—/|]\s{_NAME}"
    rf"|(?:{agencies.NAMES}))$"
)
_PIPE_CREDIT = re.compile(r"\s\|\s")
_PHOTO_WORD = re.compile(r"(?i:photo|foto|image|bild|zdjęcie|fot\.)")


def _agency_credit(line: str) -> bool:
    m = _AGENCY_CREDIT.search(line, max(0, len(line) - _CREDIT_WINDOW))
    if m is None:
        return False
    # A bare agency after a dash is a sign-off ("... he said. - EFE"); after a bar it is a credit.
    return m.group(0).count(" ") > 2 or _PIPE_CREDIT.match(m.group(0)) is not None


def is_caption(line: str) -> bool:
    """A photo caption or credit ("(Photo: AP/Hana Herrera)", "File photo. AFP/...")."""
    if _CAPTION.matches(line):
        return True
    if _agency_credit(line):
        return True
    # Every credit ending has a slash, closes a bracket or names a photo: test only
    # lines that could.
    window = max(0, len(line) - _CREDIT_WINDOW)
    could = (
        line.endswith(")")
        or "/" in line[window:]
        or "==" in line[-12:]
        or _PHOTO_WORD.search(line[-24:])
    )
    return bool(could) and _CREDIT_ENDING.search(line, window) is not None


_PROMO = _TABLE["promo"]
# lower-case lists, matched against the folded line (see fold)
_PROMO_KEYWORD = re.compile(r"\b(?:" + "|".join(_PROMO["keywords"]) + ")")
_PROMO_ADDRESS = re.compile(r"\b(?:" + "|".join(_PROMO["address"]) + r")\b")


def is_promo(line: str) -> bool:
    """The site promoting itself to the reader: "Get our weekly newsletter. Sign up here."."""
    if len(line) > _PROMO["max_chars"]:
        return False
    folded = fold(line)
    return _PROMO_KEYWORD.search(folded) is not None and _PROMO_ADDRESS.search(folded) is not None


def is_byline(line: str) -> bool:
    """An author line ("By Jane Smith", "Por Ana Gómez")."""
    return _BYLINE.matches(line)
