"""What a line looks like, whatever its words: the evidence beside the rule tables.

Real pages carry chrome no table lists ("Ton opinion", "Postar um comentário",
related headlines, a site's masthead). What tells it from news is its shape: a
paragraph of agency copy is a sentence (or several) of running text, with
lower-case function words and a full stop at the end; chrome is a label, a
link, a headline or a stamp. These tests are cheap (a few string scans) and
work in every script the engine reads; CJK text, which has no spaces, is
measured in characters instead of words.
"""

from __future__ import annotations

import re
from operator import itemgetter

# A sentence ends in . ! ? … (or a colon introducing a quote), maybe closed by
# quotes or brackets; CJK full stops and closing brackets count too.
_ENDERS = ".!?…:;。！？"
_CLOSERS = '"”’»)]」』）'
_CJK_CLOSERS = "」』）"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
# A paragraph is at least this long; below it a terminated line is a short
# paragraph only inside the story, never a lede.
_LEDE_MIN_WORDS = 12
_LONG_WORDS = 25
_CJK_LEDE_CHARS = 40
_CJK_LONG_CHARS = 80
# Separators of menus, listings and title bars: "World | Politics | Sport".
_BAR = re.compile(r"\s[|•·»›]\s")
_URL = re.compile(r"https?://|www\.|\.(?:com|org|net)/|@\w+\.\w")


def words(line: str) -> int:
    return line.count(" ") + 1


def is_cjk(line: str) -> bool:
    """A line in Chinese, Japanese or Korean script (no spaces between words)."""
    # every CJK character is outside ASCII, and ``isascii`` reads a flag: most lines
    # of the Latin-script wires are ASCII and need no search
    return (
        not line.isascii()
        and _CJK.search(line[:40]) is not None
        and line.count(" ") * 8 < len(line)
    )


def ends_sentence(line: str) -> bool:
    """Read off the end of the line (a regex search would scan all of it): an ender,
    then closing quotes or brackets only; or a CJK closing bracket."""
    end = line[:-1] if line.endswith("\n") else line  # a final "\n" is no character of it
    if end and end[-1] in _CJK_CLOSERS:
        return True
    body = end.rstrip(_CLOSERS)
    return body != "" and body[-1] in _ENDERS


def barred(line: str) -> bool:
    """A line of items joined by bars or bullets, or that holds a web address."""
    # every address _URL finds holds a "/", "www." or "@": three scans, not a search
    return _bars(line) >= 1 or (
        ("/" in line or "www." in line or "@" in line) and _URL.search(line) is not None
    )


def _bars(line: str) -> int:
    """How many separators the line holds; most lines hold no bar mark at all, and
    looking for the five is much cheaper than a regex scan of a long paragraph."""
    # the marks of _BAR, spelled out: a generator over them costs more than five scans
    if not ("|" in line or "•" in line or "·" in line or "»" in line or "›" in line):
        return 0
    return len(_BAR.findall(line))


_FIRST = itemgetter(0)


def lower_ratio(line: str) -> float:
    """Share of words that start with a lower-case letter (running text is mostly so)."""
    parts = line.split()
    if not parts:
        return 0.0
    return sum(map(str.islower, map(_FIRST, parts))) / len(parts)


# A teaser cut mid-sentence: "... devem ser cancelados neste…", "... said the..."
_TRUNCATED = re.compile(r"[^\W\d_](?:…|\.\.\.)$")
_ELLIPSES = ("…", "...", "…\n", "...\n")


def is_paragraph(line: str) -> bool:
    """Long enough and sentence-shaped enough to be a lede or any body paragraph
    (a teaser cut off mid-sentence is not)."""
    # a cut teaser ends in an ellipsis (before a final "\n", which "$" lets through):
    # a test of the end, not a search, for every other line
    if line.endswith(_ELLIPSES) and _TRUNCATED.search(line[-4:]) is not None:
        return False
    if is_cjk(line):
        n = len(line)
        return n >= _CJK_LONG_CHARS or (n >= _CJK_LEDE_CHARS and ends_sentence(line))
    n = words(line)
    if n >= _LONG_WORDS:
        return not _bar_list(line) and (ends_sentence(line) or lower_ratio(line) >= 0.3)
    return n >= _LEDE_MIN_WORDS and ends_sentence(line) and lower_ratio(line) >= 0.2


def is_short_sentence(line: str) -> bool:
    """A short paragraph of running text ("He declined to comment."): body inside a story."""
    if is_cjk(line):
        return len(line) >= 12 and ends_sentence(line)
    n = words(line)
    return n >= 3 and ends_sentence(line) and lower_ratio(line) >= 0.3 and not barred(line)


def _bar_list(line: str) -> bool:
    return _bars(line) >= 3


def is_all_caps(line: str) -> bool:
    """Three letters or more, every one a capital ("LANDESZEITUNG ONLINE", "EFE")."""
    if line.isascii():
        # every ASCII letter is cased, so ``isupper`` (one C pass) says "no lower-case
        # letter and at least one capital"; most lines fail it at once
        return line.isupper() and sum(map(str.isalpha, line)) >= 3
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)


_LINK_MARKS = ("•", "»", "›", "→", "▶", "►", "■", "·", "-", "–", "|", ">")
_ABBREVIATION = re.compile(
    r"(?:\b\w{1,3}\.){2,}$|\b(?:[A-Z][a-z]{0,2}|[A-Z]{1,3})\.$"
    # units and words headlines end on: "o 4,1 proc.", "20 mln zł.", "2 Mio.", "vs."
    r"|\b(?i:proc|mln|mld|tys|godz|zł|mio|mrd|mill|bzw|usw|vs|etc)\.$"
)


def link_like(line: str) -> bool:
    """A menu item or teaser link: starts or ends with a bullet, arrow or bar (a closing
    guillemet after an opening one ends a quotation: «La ciudad necesita vivienda»)."""
    if line.startswith(_LINK_MARKS):
        return True
    if line.endswith(("»", "›")):
        return ("«" if line[-1] == "»" else "‹") not in line
    return line.endswith(("→", "...", "…", " -", "|"))


def labelled(line: str) -> tuple[str, str] | None:
    """(label, rest) of a line that is one short label, a bar and a headline's worth of
    words ("Directo | El Gobierno y los sindicatos negocian", "LIVE | ..."); else None."""
    if _bars(line) != 1 or "|" not in line:
        return None
    label, _, rest = line.partition("|")
    label, rest = label.strip(), rest.strip()
    if not label or len(label.split()) > _LABEL_MAX_WORDS:
        return None
    if len(rest.split()) < _LABELLED_MIN_WORDS:
        return None
    return label, rest


_LABEL_MAX_WORDS = 2
_LABELLED_MIN_WORDS = 4


def full_stop(line: str) -> bool:
    """Ends in a sentence's full stop (not an abbreviation's: "EE.UU.", "U.S.", "Jr.")."""
    return line.endswith(".") and _ABBREVIATION.search(line) is None
