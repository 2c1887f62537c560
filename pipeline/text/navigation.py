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


# Lengths at which a list's alternation drops the patterns that cannot match so long a line.
_WIDTH_STEPS = (0, 16, 24, 32, 48, 64, 96, 128, 192, 256)
# The length step of a line of n characters (the last for longer lines).
_STEP_OF = tuple(max(s for s in _WIDTH_STEPS if s <= n) for n in range(_WIDTH_STEPS[-1] + 1))
# Lists this long are tried by first character and length (shorter ones whole).
_DISPATCH_MIN_PATTERNS = 32
# Distinct first characters whose alternations are kept; cleared when full.
_FIRST_CHAR_LIMIT = 2048
_sre = re._parser  # type: ignore[attr-defined]


def _max_width(pattern: str) -> int:
    """The most characters ``pattern`` can match (huge when unbounded)."""
    return int(_sre.parse(pattern).getwidth()[1])


def _first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of ``pattern`` can start with; None when any may
    (a class, a dot, a case-insensitive group) or the pattern can match nothing."""
    parsed = _sre.parse(pattern)
    if parsed.state.flags & re.IGNORECASE:
        return None
    chars, nullable = _first_of(list(parsed))
    return None if chars is None or nullable else frozenset(chars)


def _first_of(items: list[tuple[object, object]]) -> tuple[set[str] | None, bool]:
    """(possible first characters or None for any, whether ``items`` can match "")."""
    found: set[str] = set()
    for op, av in items:
        if op is _sre.LITERAL:
            return found | {chr(av)}, False  # type: ignore[arg-type]
        if op is _sre.AT:
            continue  # an anchor consumes nothing
        if op is _sre.SUBPATTERN:
            _, add, remove, sub = av  # type: ignore[misc]
            if add or remove:
                return None, False
            chars, nullable = _first_of(list(sub))
        elif op is _sre.BRANCH:
            chars, nullable = set(), False
            for branch in av[1]:  # type: ignore[index]
                part, empty = _first_of(list(branch))
                if part is None:
                    return None, False
                chars |= part
                nullable = nullable or empty
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            low, _, sub = av  # type: ignore[misc]
            chars, nullable = _first_of(list(sub))
            nullable = nullable or low == 0
        elif op is _sre.IN:
            chars, nullable = _class_chars(av), False  # type: ignore[arg-type]
        else:
            return None, False
        if chars is None:
            return None, False
        found |= chars
        if not nullable:
            return found, False
    return found, True


def _class_chars(items: list[tuple[object, object]]) -> set[str] | None:
    """The characters of a small class ("[aá]", "[a-z]"); None for negated or categories."""
    chars: set[str] = set()
    for op, av in items:
        if op is _sre.LITERAL:
            chars.add(chr(av))  # type: ignore[arg-type]
        elif op is _sre.RANGE and av[1] - av[0] < 256:  # type: ignore[index,operator]
            chars.update(chr(c) for c in range(av[0], av[1] + 1))  # type: ignore[index,operator]
        else:
            return None
    return chars


class _WholeLines:
    """One list of the table, matched against whole lines of at most ``max_chars``.

    A list that ignores case (written in lower case) is matched against the folded
    line: several times faster than a case-insensitive pattern. Most patterns are
    labels of a few words starting with a given letter: a line is tested only
    against the patterns that can start with its first character and match as many
    characters as it has, one alternation per (first character, length step),
    compiled when first needed. A short list is cheaper to try whole.
    """

    __slots__ = ("by_first", "dispatch", "folded", "max_chars", "pattern", "patterns")

    def __init__(self, section: str, *, ignore_case: bool = False) -> None:
        table = _TABLE[section]
        lines: list[str] = list(dict.fromkeys(table["lines"]))  # each pattern tried once
        self.pattern = _alternation(lines)
        self.max_chars: int = table["max_chars"]
        self.folded = ignore_case
        # (pattern, the most characters it matches, its possible first characters)
        self.patterns = [(p, _max_width(p), _first_chars(p)) for p in lines]
        self.by_first: dict[tuple[str, int], re.Pattern[str]] = {}
        self.dispatch = len(lines) >= _DISPATCH_MIN_PATTERNS

    def _for(self, first: str, step: int) -> re.Pattern[str]:
        """The alternation of the patterns that can match a line starting with
        ``first`` of at least ``step`` characters."""
        if len(self.by_first) >= _FIRST_CHAR_LIMIT:
            self.by_first.clear()
        pattern = self.by_first[first, step] = _alternation(
            [
                p
                for p, width, starts in self.patterns
                if width >= step and (starts is None or first in starts)
            ]
        )
        return pattern

    def matches(self, line: str, folded: str | None = None) -> bool:
        """``line`` is of this list (``folded``: the line already folded, if at hand)."""
        if len(line) > self.max_chars:
            return False
        text = (folded if folded is not None else fold(line)) if self.folded else line
        if not self.dispatch or not text:
            return self.pattern.fullmatch(text) is not None
        step = _STEP_OF[min(len(text), _WIDTH_STEPS[-1])]
        pattern = self.by_first.get((text[0], step)) or self._for(text[0], step)
        return pattern.fullmatch(text) is not None


_NEVER = re.compile(r"(?!)")


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    """One pattern that matches what any of ``patterns`` does (none: nothing)."""
    if not patterns:
        return _NEVER
    return re.compile("|".join(f"(?:{p})" for p in patterns))


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


def is_navigation(line: str, folded: str | None = None) -> bool:
    """Chrome that stands on its own line: menus, share bars, tags, ads, copyright
    (``folded``: :func:`fold` of the line, when the caller has it)."""
    # folded once for the table and the promo test (longer lines are neither)
    if folded is None and len(line) <= _FOLD_MAX_CHARS:
        folded = fold(line)
    return (
        _NAVIGATION.matches(line, folded)
        or is_timestamp(line)
        or is_promo(line, folded)
        or (len(line) <= 20 and _DECORATION.fullmatch(line) is not None)
    )


_ASCII_DIGIT = re.compile(r"[0-9]")


def is_timestamp(line: str) -> bool:
    """A line that is only a publication date/time ("June 15, 2021 | 03:06 am").

    Every date the stamp grammar reads has a digit: a line without one is not
    tried (most lines).
    """
    return (
        len(line) <= _TIMESTAMP_MAX_CHARS
        and _ASCII_DIGIT.search(line) is not None
        and TIMESTAMP_LINE.fullmatch(line) is not None
    )


def starts_link_list(line: str, folded: str | None = None) -> bool:
    """A heading such as "Related Articles" after which come links to other stories
    (``folded``: :func:`fold` of the line, when the caller has it)."""
    return _RELATED.matches(line, folded)


# A photographer and an agency after a caption: "... - Marta Ruiz - Europa Press",
# "... / PAP / Jan Nowak", "... | Reuters".
_NAME = r"[A-ZÀ-Þ][\w.'’-]+(?:\s[A-ZÀ-Þ][\w.'’-]+){0,3}"
_AGENCY_CREDIT = re.compile(
    rf"\s[-–—/|]\s(?:{_NAME}\s[-–—/|]\s(?:{agencies.NAMES})|(?:{agencies.NAMES})\s[-–—/|]\s{_NAME}"
    rf"|(?:{agencies.NAMES}))$"
)
_PIPE_CREDIT = re.compile(r"\s\|\s")
_PHOTO_WORDS = r"photo|foto|image|bild|zdjęcie|fot\."
_PHOTO_WORD = re.compile(rf"(?i:{_PHOTO_WORDS})")
# The same for ASCII text once lower-cased: a case-sensitive search skips to the words'
# first letters, where a case-insensitive one tries every word at every position.
_PHOTO_WORD_LOWER = re.compile(_PHOTO_WORDS)


def _photo_word(text: str) -> bool:
    """``_PHOTO_WORD`` finds something in ``text``."""
    if text.isascii():  # no "İ" or "ı", which the ignoring case also takes for an "i"
        return _PHOTO_WORD_LOWER.search(text.lower()) is not None
    return _PHOTO_WORD.search(text) is not None


def _agency_credit(line: str) -> bool:
    start = max(0, len(line) - _CREDIT_WINDOW)
    # a credit opens with one of these marks between spaces: most lines hold none
    # near their end (five scans, not a search that stops at every space)
    tail = line[start:]
    if not ("-" in tail or "–" in tail or "—" in tail or "/" in tail or "|" in tail):
        return False
    m = _AGENCY_CREDIT.search(line, start)
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
        line.endswith(")") or "/" in line[window:] or "==" in line[-12:] or _photo_word(line[-24:])
    )
    return bool(could) and _CREDIT_ENDING.search(line, window) is not None


_PROMO = _TABLE["promo"]
_FOLD_MAX_CHARS = max(_NAVIGATION.max_chars, _PROMO["max_chars"])
# lower-case lists, matched against the folded line (see fold)


def _by_first_letter(words: list[str]) -> str:
    """An alternation of ``words`` with the patterns that start with the same plain
    letter grouped under it ("n(?:ewsletters?|ews)"): a search tries a group only
    where its letter is, not every pattern at every word start."""
    groups: dict[str, list[str]] = {}
    others: list[str] = []
    for w in words:
        if w[0].isalpha() and w[1:2] not in ("?", "*", "+", "{"):
            groups.setdefault(w[0], []).append(w[1:])
        else:
            others.append(w)
    parts = [
        f"{re.escape(c)}(?:{'|'.join(f'(?:{r})' for r in rest)})" for c, rest in groups.items()
    ]
    return "|".join([*parts, *(f"(?:{w})" for w in others)])


_PROMO_KEYWORD = re.compile(r"\b(?:" + _by_first_letter(_PROMO["keywords"]) + ")")
_PROMO_ADDRESS = re.compile(r"\b(?:" + _by_first_letter(_PROMO["address"]) + r")\b")


def _for_ascii(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` compiled with ASCII classes, for ASCII text, where it finds the same
    matches (an ASCII character is a word character either way) and tests a word
    boundary faster. Kept as it is when it holds a class the flag changes for ASCII
    text too (\\s takes \\x1c-\\x1f only in Unicode) or ignores case."""
    text = pattern.pattern
    if pattern.flags & re.IGNORECASE or "(?i" in text or _ASCII_CHANGES.search(text):
        return pattern
    return re.compile(text, re.ASCII)


# Escapes whose meaning re.ASCII changes (\\b and \\B mean the same on ASCII text).
_ASCII_CHANGES = re.compile(r"\\[wWdDsS]")


_PROMO_KEYWORD_ASCII = _for_ascii(_PROMO_KEYWORD)
_PROMO_ADDRESS_ASCII = _for_ascii(_PROMO_ADDRESS)


def is_promo(line: str, folded: str | None = None) -> bool:
    """The site promoting itself to the reader: "Get our weekly newsletter. Sign up here."."""
    if len(line) > _PROMO["max_chars"]:
        return False
    if folded is None:
        folded = fold(line)
    if folded.isascii():
        return (
            _PROMO_KEYWORD_ASCII.search(folded) is not None
            and _PROMO_ADDRESS_ASCII.search(folded) is not None
        )
    return _PROMO_KEYWORD.search(folded) is not None and _PROMO_ADDRESS.search(folded) is not None


def is_byline(line: str) -> bool:
    """An author line ("By Jane Smith", "Por Ana Gómez")."""
    return _BYLINE.matches(line)
