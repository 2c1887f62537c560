"""Classify every block (line) of a story: section, headline, byline, body, ...

A scraped story has three zones. The lede splits the *header* (chrome,
kicker, headline, byline, stamps, captions) from the *body*; the body ends
where the story does: at a sign-off, a credit, editor codes, or the first
line that is not running text and is not followed by more of it (related
headlines, comment boxes, a site's footer).

Two kinds of evidence decide. The rule tables (``data/*.toml``) name lines
that are chrome whatever their neighbours; the *shape* of a line
(:mod:`pipeline.text.shape`: length, sentence end, case, bars and links)
decides the lines no table lists. A line printed twice on one page is a
caption or a title bar, never a paragraph of the story. When in doubt inside
the story a line stays body: losing news text is worse than keeping chrome.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

from pipeline.text import agencies, dateline, dates, navigation, sections, shape
from pipeline.text.dateline import DatelineMatch
from pipeline.text.story import BlockKind, Why

# What a feed taught: the confidence (0-1) that a line is that feed's chrome.
Learned = Callable[[str], float]
_T = TypeVar("_T")
LEARNED_THRESHOLD = 0.5

_HEADLINE_MIN_WORDS = 4
_HEADLINE_MAX_WORDS = 24
# A line this long under a headline-shaped line is its standfirst.
_DECK_MIN_WORDS = 8
# Past this length a line that shares words with the lede is more often a caption.
_SHARING_MAX_WORDS = 18
_KICKER_MAX_WORDS = 4
# A name-only byline ("Jane Smith") is two to four capitalised words.
_NAME_ONLY = re.compile(r"[A-ZÀ-Þ][\w.'’\-]+(?:\s[A-ZÀ-Þ][\w.'’\-]+){1,3}")
# A lede that starts a run of at least this share of the longest run of paragraphs.
_MAIN_RUN_SHARE = 0.5
_STAMP_DIGITS = re.compile(r"\d")
# "Posted on January 10, 2024 by desk", "Mis à jour le 3 mars", "Aktualisiert am ..."
_STAMP_LEAD = re.compile(
    r"(?i:posted|published|updated|last updated|publicado|actualizado|atualizado|publié|"
    r"mis à jour|pubblicato|aggiornato|veröffentlicht|aktualisiert|stand|opublikowano|"
    r"aktualizacja|yayınlanma|güncelleme|data)\b"
)
# The same words anywhere in a dated line: "Ce contenu a été publié le 12 avril 2024".
_STAMP_WORD = re.compile(
    r"(?i:posted|published|updated|publicado|actualizado|atualizado|publié|mis à jour|"
    r"pubblicato|aggiornato|veröffentlicht|aktualisiert|opublikowano|yayınlanma)"
)
# "Hace 7 horas", "Há 26 min", "3 hours ago", "vor 2 Stunden", "2 yıl önce".
_RELATIVE_STAMP = re.compile(
    r"(?i:\b(?:hace|há|ha|il y a|vor|fa)\s\d+\s?\w+"
    r"|\d+\s?(?:min|mins|minutes?|minutos?|hours?|hrs?|h|horas?|ore|days?|días|dias|giorni|"
    r"jours?|stunden|tagen|dakika|saat|gün|yıl|ay)\.?\s(?:ago|atrás|fa|önce|temu))"
)
_CONTENT_WORD = re.compile(r"[^\W\d_]{4,}")
_STEM = 5
# The same words in lower-cased ASCII text, each as its first _STEM letters (the
# group): findall gives the stems, no slicing of each word in Python.
_ASCII_CONTENT_STEM = re.compile(rf"([a-z]{{4,{_STEM}}})[a-z]*")
# A lone "MU" after these is the desk's initials, not a label.
_STORY_END_KINDS = ("body", "signoff", "editor_codes")
# A credit line this close under the lede ("Fonte: Angop") does not end the story.
_EARLY_CREDIT_LINES = 2
# AP's rule ("___") separates the story from notes that are still its text.
_SEPARATOR = re.compile(r"_{3,}")


@dataclass(slots=True)
class Layout:
    """Kinds of the lines of a story and what the zones revealed."""

    kinds: list[BlockKind]
    lede: int | None  # index of the line the body starts with
    dateline: DatelineMatch | None
    agency: str | None  # from the dateline, else a byline, else a sign-off
    kicker: int | None  # index of the section line
    headline: int | None
    byline: int | None
    timestamp: int | None  # index of a header line with a full date printed on the page
    tails: dict[int, str]  # body line -> its text without what was glued to its end
    tail_codes: list[str] = field(default_factory=list)  # codes glued to the last paragraph
    whys: list[Why | None] = field(default_factory=list)  # why each line is not body
    # The kicker ends the site's menu: the highlighted item, or merely the last one.
    kicker_in_menu: bool = False


def word_count(line: str) -> int:
    return line.count(" ") + 1


def reads_like_paragraph(line: str) -> bool:
    """Long, or a full sentence: what body paragraphs look like and headlines do not."""
    return shape.is_paragraph(line)


def _has_full_date(line: str) -> bool:
    """A page stamp with a year: "June 15, 2021 | 03:06 am", "Source: X | 2023-12-06"."""
    # a decimal digit is a digit; ASCII text has no other kind (one search, not a
    # Python loop over the characters)
    if _STAMP_DIGITS.search(line) is None and (
        line.isascii() or not any(c.isdigit() for c in line)
    ):
        return False
    parts = dates.month_day_year(line)
    return parts is not None and parts[2] is not None


def looks_like_stamp(line: str) -> bool:
    """A date or time line in any language: "Senin, 4 Maret 2024 10:12 WIB",
    "Published 9:02 AM EDT, June 3, 2024", "• Mon. Mar 3rd, 2025"."""
    parts = line.split()
    if len(parts) > 14 or (shape.ends_sentence(line) and len(parts) > 6):
        return False
    if _STAMP_DIGITS.search(line) is None:
        return False  # every test below needs a digit: one search, not one per word
    # a word of letters holds no digit: no search for it
    digits = sum(1 for p in parts if not p.isalpha() and _STAMP_DIGITS.search(p))
    if digits and _STAMP_LEAD.match(line):
        return True
    if digits and len(parts) <= 6 and _RELATIVE_STAMP.search(line):
        return True
    # "June 23, 2025 7:41 AM GMT+1 Updated 2 hours ago", "Ce contenu a été publié le ..."
    dated = digits >= 3 or (digits and _STAMP_WORD.search(line))
    if dated and not shape.ends_sentence(line) and _has_full_date(line):
        return True
    # a few words around numbers: the numbers must read as a date's or a time's, side by
    # side or one word apart ("4 Maret 2024 10:12"), not as a headline's figures
    # ("Busunfall auf der A9: 20 Verletzte", "Port plan: 12 berths by 2027")
    at = [i for i, p in enumerate(parts) if _DATE_NUMBER.fullmatch(p)]
    clustered = len(at) >= 2 and all(b - a <= 2 for a, b in itertools.pairwise(at))
    return (clustered and len(parts) - len(at) <= 4) or (digits >= 1 and len(parts) <= 2)


# A date's or a time's number: "2024", "10:12", "03.03.2024", "4.", "3rd,", "9:02", "7pm".
_DATE_NUMBER = re.compile(
    r"[(\[]?[0-9]{1,4}(?:[./:-][0-9]{1,4}){0,2}(?:st|nd|rd|th|º|ª|er|h|am|pm)?[.,)\]|]?",
    re.IGNORECASE,
)


# Not computed yet (None is a value rules return).
_UNSET = object()


def _key(line: str) -> str:
    return line.casefold()


class _Page:
    """The lines of one story with what the tables say of each, computed once."""

    __slots__ = (
        "_caption",
        "_chrome",
        "_ends",
        "_header_kinds",
        "_link_list",
        "_memo",
        "_paragraph",
        "_repeated",
        "folded",
        "learned",
        "lines",
        "n",
    )

    def __init__(self, lines: list[str], learned: Learned | None = None) -> None:
        self.lines = lines
        self.n = len(lines)
        # rule -> its value for each line (_UNSET until asked): a list per rule, so an
        # ask is a dict lookup and an index, not a tuple key built and hashed
        self._memo: dict[Callable[[str], object], list[object]] = {}
        self._header_kinds: list[object] = [_UNSET] * self.n
        # the rules asked of almost every line, each with its own list (None or _UNSET
        # until asked): no lookup of the rule's list per ask
        self._chrome: list[bool | None] = [None] * self.n
        self._link_list: list[bool | None] = [None] * self.n
        self._caption: list[bool | None] = [None] * self.n
        self._paragraph: list[bool | None] = [None] * self.n
        self._ends: list[object] = [_UNSET] * self.n
        self.learned = (
            [learned(line) >= LEARNED_THRESHOLD for line in lines] if learned else [False] * self.n
        )
        keys = [_key(line) for line in lines]
        counts: dict[str, int] = {}
        for k in keys:
            counts[k] = counts.get(k, 0) + 1
        self._repeated = [counts[k] > 1 for k in keys]  # asked of most lines, many times
        # navigation.fold of each line, from its key: the chrome lists match folded text
        self.folded = [k.replace("i\u0307", "i") for k in keys]

    def repeated(self, i: int) -> bool:
        """Line ``i`` is printed more than once on the page (case aside)."""
        return self._repeated[i]

    def test(self, fn: Callable[[str], _T], i: int) -> _T:
        """``fn(line i)``, computed once per story: the rules ask the same of a line
        from the header, the body and the explanations."""
        values = self._memo.get(fn)
        if values is None:
            values = self._memo[fn] = [_UNSET] * self.n
        value = values[i]
        if value is _UNSET:
            value = values[i] = fn(self.lines[i])
        return value  # type: ignore[return-value]

    def link_list(self, i: int) -> bool:
        """Line ``i`` heads a list of links ("Related Articles")."""
        value = self._link_list[i]
        if value is None:
            value = navigation.starts_link_list(self.lines[i], self.folded[i])
            self._link_list[i] = value
        return value

    def is_chrome(self, i: int) -> bool:
        """Line ``i`` is navigation by the chrome tables, or heads a list of links."""
        value = self._chrome[i]
        if value is None:
            value = navigation.is_navigation(self.lines[i], self.folded[i]) or self.link_list(i)
            self._chrome[i] = value
        return value

    def caption(self, i: int) -> bool:
        """Line ``i`` is a photo caption or credit (:func:`navigation.is_caption`)."""
        value = self._caption[i]
        if value is None:
            value = self._caption[i] = navigation.is_caption(self.lines[i])
        return value

    def para(self, i: int) -> bool:
        """Line ``i`` is paragraph-shaped (:func:`shape.is_paragraph`)."""
        value = self._paragraph[i]
        if value is None:
            value = self._paragraph[i] = shape.is_paragraph(self.lines[i])
        return value

    def ends(self, i: int) -> tuple[BlockKind, str | None] | None:
        """Line ``i`` signs the story off (:func:`_ends_story`)."""
        value = self._ends[i]
        if value is _UNSET:
            value = self._ends[i] = _ends_story(self.lines[i])
        return value  # type: ignore[return-value]

    def chrome(self, i: int) -> bool:
        """Chrome by the tables, a stamp, a caption, or what the feed taught."""
        return self.learned[i] or self.rule_chrome(i)

    def rule_chrome(self, i: int) -> bool:
        """Chrome by the tables, a stamp, or a caption: never a paragraph."""
        return (
            self.is_chrome(i)
            or self.caption(i)
            or (not self.para(i) and self.test(looks_like_stamp, i))
        )

    def header_kind(self, i: int) -> BlockKind | None:
        """What line ``i`` is in the header by the tables alone (None: content), from
        the memoised rules: the body and the explanations ask the same of a line."""
        kind = self._header_kinds[i]
        if kind is _UNSET:
            kind = self._header_kinds[i] = self._header_kind(i)
        return kind  # type: ignore[return-value]

    def _header_kind(self, i: int) -> BlockKind | None:
        # header_kind memoises the answer: the two author rules are asked only here
        line = self.lines[i]
        if agencies.is_agency_byline(line):  # before chrome: "Europa Press | 18 ago"
            return "byline"
        if self.is_chrome(i):
            return "navigation"
        if self.caption(i):
            return "caption"
        if navigation.is_byline(line):
            return "byline"
        return None

    def skippable(self, i: int) -> bool:
        """Chrome, or a stray label of one or two words ("Publicité", "ADV")."""
        line = self.lines[i]
        return self.chrome(i) or (word_count(line) <= 2 and not shape.ends_sentence(line))

    def paragraph(self, i: int, *, learned: bool = True) -> bool:
        """A paragraph of the story; with ``learned=False`` by the rules alone."""
        return (
            (self.para(i) or self.test(signed_paragraph, i))
            and not self.repeated(i)
            and not (self.chrome(i) if learned else self.rule_chrome(i))
        )


def signed_paragraph(line: str) -> bool:
    """A paragraph with an agency's sign-off glued to its end ("... Mujica. EFE")."""
    if len(line) < 40:
        return False
    tail = strip_tail(line)
    return tail.cut and (shape.is_paragraph(tail.text) or shape.is_short_sentence(tail.text))


class Tail(NamedTuple):
    """A paragraph with what was glued to its end cut off: sign-off, codes, end mark
    (a named tuple: one is made for every body paragraph, and a tuple is cheaper to
    build than a frozen dataclass)."""

    text: str
    agency: str | None
    codes: tuple[str, ...]
    cut: bool


# Desk codes glued after the last sentence or sign-off: "... agrícolas. EFE jm/rcr".
_TAIL_CODES = re.compile(
    r"\s(?P<codes>[A-Za-z][A-Za-z0-9]{0,4}(?:\s?/{1,2}\s?[A-Za-z0-9]{1,5}){1,6}/?)$"
)
# End marks glued to the last sentence: "(end)", "(FIN)", "■", "-0-", "+++".
_TAIL_END = re.compile(
    r"\s?(?:\((?i:end|fin|ende|fine|ends|fim)\)|[■□▪●]|-0-|\+{3}|///"
    r"|(?:\s?\((?i:foto|fotos|vídeo|video|audio|photo|photos)\))+"
    r"|\s[0-3][0-9][/.-][01][0-9][/.-](?:[0-9]{2}){1,2}(?:\s[0-2][0-9]:[0-5][0-9])?)$"
)
# Lower-case desk codes glued after the last sentence: "... mit. dpa ms yyzz n1 kr".
_TAIL_LOWER_CODES = re.compile(r"(?<=[.!?\"”»])\s(?P<codes>[a-z]{2,4}(?:\s[a-z0-9]{1,4}){2,6})$")


_TAIL_WINDOW = 100
# What the tail patterns need, tested before them (most paragraphs hold none): an end
# mark ends in one of these characters (or a date's digit); upper-case codes have a
# slash; lower-case codes end in a letter or digit ("$" also matches before a final "\n").
_TAIL_END_LAST = frozenset(")■□▪●-+/\n")


def strip_tail(text: str) -> Tail:
    """Cut sign-offs, desk codes and end marks glued to the end of a paragraph, in
    any order ("... Meireles. ACL // JMR Lusa/Fim")."""
    agency: str | None = None
    codes: list[str] = []
    cut = False
    for _ in range(4):
        stripped, found = agencies.split_tail_signoff(text)
        if found is not None:
            text, agency, cut = stripped, agency or found, True
            continue
        window = max(0, len(text) - _TAIL_WINDOW)  # end-anchored: never scan the whole text
        last = text[-1:]
        m = _TAIL_END.search(text, window) if last in _TAIL_END_LAST or last.isdigit() else None
        if m is not None and m.start() > 0:
            text, cut = text[: m.start()].rstrip(), True
            continue
        m = None
        if "/" in text[window:]:
            m = _TAIL_CODES.search(text, window)
        if m is None and (last.isdigit() or "a" <= last <= "z" or last == "\n"):
            m = _TAIL_LOWER_CODES.search(text, window)
        if m is not None:
            before = text[: m.start()].rstrip()
            if shape.ends_sentence(before) or agencies.split_tail_signoff(before)[1]:
                codes.insert(0, m["codes"])
                text, cut = before, True
                continue
        break
    return Tail(text, agency, tuple(codes), cut)


def _ends_story(line: str) -> tuple[BlockKind, str | None] | None:
    """(kind, agency) when a whole line signs the story off: sign-off, credit, end mark, codes."""
    agency = agencies.signoff_agency(line)
    if agency is not None:
        return "signoff", agency
    if codes_in(line) is not None:
        return "editor_codes", None
    found = agencies.credit(line)
    if found is not None:
        return "signoff", found.agency
    return None


# Desk codes of any agency: "SMM // JNM", "AC/te/APA", "aw/ mhr/", "kt.ahm",
# "dpa ms yyzz n1 kr", "MKA MAH", "dpa:240509-99-972860/2".
_CODES_SHAPES = re.compile(
    r"[A-Za-z0-9]{1,5}(?:\s?/{1,2}\s?[A-Za-z0-9]{1,5}){1,6}/?"
    r"|[a-z]{1,4}(?:\.[a-z]{1,4}){1,3}"
    r"|[a-z]{2,4}(?:\s[a-z0-9]{1,4}){2,6}"
    r"|[A-Z]{2,4}(?:\s[A-Z]{2,4}){1,3}"
    r"|[a-z]{2,5}:[0-9]{6}-[0-9]{2}-[0-9]{3,9}(?:/[0-9]+)?"
)
# An end mark before the codes, or codes in brackets before a time stamp:
# "(FIN) NDP/RQM", "(Tar/ Dire) 11:55 22-11-18".
_MARKED_CODES = re.compile(
    r"\((?i:fin|end|ende|fim|fine)\)\s(?P<a>.+)|\((?P<b>[^()]{2,24})\)(?:\s[0-9:./-]+){1,3}"
)
_CODES_MAX_CHARS = 40
_FIRST_TOKEN = re.compile(r"[^\s/.:]+")
# Labels of site chrome that look like codes: ad markers, "TOP".
_NOT_CODES = frozenset({"ADV", "PUB", "AD", "ADS", "TOP", "NEW", "PDF", "RSS", "FAQ", "AQI"})


def looks_like_codes(line: str) -> bool:
    """A short line of desk or editor codes, whatever the agency (after the lede only);
    not an agency's own mark ("Lusa/Fim", "EFE")."""
    if len(line) > _CODES_MAX_CHARS or _CODES_SHAPES.fullmatch(line) is None:
        return False
    first = _FIRST_TOKEN.match(line)
    return (
        ("/" in line or agencies.canonical(line) is None)
        and line.upper() not in _NOT_CODES
        and (
            first is None
            or agencies.canonical(first[0]) is None
            or _LOWER_CODES.fullmatch(line) is not None  # dpa's "dpa ms yyzz n1 kr"
        )
    )


_LOWER_CODES = re.compile(r"[a-z]{2,4}(?:\s[a-z0-9]{1,4}){3,6}")


def codes_in(line: str) -> str | None:
    """The desk codes a line holds (the whole line, or the codes of "(FIN) NDP/RQM")."""
    if agencies.is_codes(line) or looks_like_codes(line):
        return line
    m = _MARKED_CODES.fullmatch(line) if line.startswith("(") else None  # both shapes open so
    if m is not None:
        codes = m["a"] or m["b"]
        if looks_like_codes(codes):
            return codes
    return None


_LONE_CODE = re.compile(r"[A-Z]{2,3}")


def find_lede(lines: list[str]) -> tuple[int | None, DatelineMatch | None]:
    """Index of the lede and its dateline (see :func:`_find_lede`)."""
    return _find_lede(_Page(lines))


def _find_lede(page: _Page) -> tuple[int | None, DatelineMatch | None]:
    """The first line with a dateline that opens running text; else the start of the
    main run of paragraphs (promo blurbs above the story are shorter runs)."""
    lines = page.lines
    for i in range(page.n):
        match = dateline.parse(lines[i])
        if match is None or page.repeated(i):
            continue
        rest = lines[i][match.end :]
        if shape.is_paragraph(rest) or shape.is_short_sentence(rest):
            return i, match
        if not rest.strip(" -–—:.,"):  # a dateline on a line of its own
            for j in range(i + 1, min(page.n, i + 4)):
                if page.paragraph(j, learned=False):  # the dateline lede: rules only
                    return j, _detached(match)
    runs = _runs(page)
    if not runs:
        return None, None
    longest = max(words for _, words in runs)
    for start, words in runs:
        if words >= longest * _MAIN_RUN_SHARE:
            return start, None
    return runs[0][0], None


def _detached(match: DatelineMatch) -> DatelineMatch:
    """A dateline printed on its own line: nothing to cut from the lede."""
    return DatelineMatch(match.text, match.place, match.date, match.agency, 0)


def _runs(page: _Page) -> list[tuple[int, int]]:
    """(first line, words) of each run of paragraphs; chrome lines inside do not break one."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    total = 0
    for i in range(page.n):
        if page.paragraph(i):
            if start is None:
                start, total = i, 0
            total += (
                word_count(page.lines[i])
                if not shape.is_cjk(page.lines[i])
                else len(page.lines[i]) // 3
            )
        elif start is not None and not page.chrome(i) and _breaks_run(page.lines[i]):
            runs.append((start, total))
            start = None
        elif start == i - 1 and looks_like_stamp(page.lines[i]):
            # a stamp under a lone paragraph sets it apart: a standfirst, not the lede
            runs.append((start, total))
            start = None
    if start is not None:
        runs.append((start, total))
    return runs


def _breaks_run(line: str) -> bool:
    """A headline-like line between two runs of paragraphs parts them; a credit,
    a label or a stray word ("Fonte: X", "Anzeige") does not."""
    return word_count(line) >= _HEADLINE_MIN_WORDS and ":" not in line


def classify(lines: list[str], learned: Learned | None = None) -> Layout:
    """Give every line a block kind (and the reason it is not body).

    ``learned`` is what the story's feed taught (see :mod:`pipeline.text.learned`):
    strong evidence that a line is chrome, which turns would-be body text and
    standfirsts into navigation. It never renames what the rules named: the lede
    after a dateline, the headline, the kicker, a byline, a sign-off, editor codes
    and captions are chosen by the rules alone and stay what they are.
    """
    page = _Page(lines, learned)
    kinds: list[BlockKind] = ["body"] * len(lines)
    lede, match = _find_lede(page)
    apart = None
    if lede is not None and match is None and lede > 0:
        # "ANKARA" on its own line right above an undated lede
        match = dateline.place_line(lines[lede - 1])
        apart = lede - 1 if match is not None else None
    layout = Layout(kinds, lede, match, match.agency if match else None, None, None, None, None, {})
    layout.whys = [None] * len(lines)
    header_end = _classify_header(page, layout)
    if layout.lede is None:
        layout.lede = header_end if header_end < len(lines) else None
    if layout.lede is not None:
        if apart is not None:
            layout.kinds[apart] = "navigation"
        elif match is not None and match.end == 0:
            _mark_detached_dateline(page, layout)
        _classify_body(page, layout)
        _page_copyright(page, layout)
    if layout.timestamp is None:
        layout.timestamp = _page_stamp(page, layout)
    _explain(page, layout)
    return layout


def _page_stamp(page: _Page, layout: Layout) -> int | None:
    """The first dated line of the header that the headline rules set aside
    ("Published 9:02 AM EDT, June 3, 2024" under the headline): the page's date."""
    end = layout.lede if layout.lede is not None else page.n
    for i in range(end):
        if layout.kinds[i] in ("navigation", "byline") and _has_full_date(page.lines[i]):
            return i
    return None


def _page_copyright(page: _Page, layout: Layout) -> None:
    """An agency's copyright right after its story signs it ("(c) Agencia EFE"); a
    dated one, or one in the site's footer, is the site's ("© 2024 AFP")."""
    kinds = layout.kinds
    assert layout.lede is not None
    for i in range(layout.lede + 1, page.n):
        line = page.lines[i]
        if kinds[i] not in ("signoff", "caption") or not _COPYRIGHT.search(line):
            continue
        if kinds[i] == "caption" and not _RESERVED.search(line):
            continue  # a photographer's credit
        if _YEAR.search(line) or kinds[i - 1] == "navigation":
            kinds[i] = "navigation"


_COPYRIGHT = re.compile(r"©|\([cC]\)|(?i:copyright|all rights reserved)")
_RESERVED = re.compile(r"(?i:rights reserved|derechos reservados|direitos reservados|riservat)")
_YEAR = re.compile(r"(?<![\d-])(?:19|20)\d\d(?![\d-])")


def _explain(page: _Page, layout: Layout) -> None:
    """Why each line that is not body is what it is: learned, a rule table, or shape."""
    for i, kind in enumerate(layout.kinds):
        if kind == "body" or layout.whys[i] is not None:
            continue
        line = page.lines[i]
        # chrome first: the body asked it of the lines below the lede, where the
        # header's other rules (agency bylines, author lines) were never asked
        if (
            kind in ("signoff", "editor_codes", "caption")
            or page.is_chrome(i)
            or page.header_kind(i)
        ):
            layout.whys[i] = (
                "shape" if kind == "editor_codes" and not agencies.is_codes(line) else "rule"
            )
        elif page.learned[i] and kind == "navigation":
            layout.whys[i] = "learned"
        else:
            layout.whys[i] = "shape"


def _mark_detached_dateline(page: _Page, layout: Layout) -> None:
    assert layout.lede is not None
    for i in range(layout.lede - 1, max(-1, layout.lede - 4), -1):
        if dateline.parse(page.lines[i]) is not None:
            layout.kinds[i] = "navigation"
            return


def _classify_header(page: _Page, layout: Layout) -> int:
    """Kinds of the lines before the lede; returns where the header ends."""
    lines, kinds = page.lines, layout.kinds
    end = layout.lede if layout.lede is not None else len(lines)
    content: list[int] = []
    for i in range(end):
        line = lines[i]
        kind = page.header_kind(i)
        # learned lines stay content: the headline is chosen by the rules alone
        if (
            kind is None
            and page.test(looks_like_stamp, i)
            and not page.para(i)
            and not sections.is_known_kicker(_KICKER_TIME.sub("", line))
        ):
            kind = "navigation"
        if kind == "navigation" and _decorated_kicker(line):
            kind = None  # "Política | 12:04", "Home > World > Politics": chrome-shaped
        if kind is None and page.ends(i) is not None:
            kind = "byline"
        if kind is None:
            content.append(i)
            continue
        kinds[i] = kind
        if kind in ("navigation", "byline") and layout.timestamp is None and _has_full_date(line):
            layout.timestamp = i
        if kind == "byline" and layout.byline is None:
            layout.byline = i
            layout.agency = layout.agency or agencies.byline_agency(line) or _credit_agency(line)
    if not content:
        return end
    if layout.lede is None:
        # No paragraph-like line at all (a flash, a one-liner): headline, then body.
        headline = _first_headline(lines, content)
        layout.headline = headline
        kinds[headline] = "headline"
        after = [i for i in content if i > headline]
        for i in content:
            if i < headline:
                kinds[i] = "navigation"
        return after[0] if after else end
    headline = _pick_headline(page, content, end)
    if headline is None:
        for i in content:
            kinds[i] = "navigation"
        if _is_kicker_below(lines[content[-1]]) and _is_kicker(page, content[-1], end):
            layout.kicker = content[-1]  # a kicker right above an undated or dated lede
            kinds[content[-1]] = "section"
        return end
    layout.headline = headline
    kinds[headline] = "headline"
    before = [i for i in content if i < headline]
    for i in before:
        kinds[i] = "navigation"  # site name, menus, promos: anything above the headline
    for i in range(headline):
        if kinds[i] == "byline":  # an agency's name above its headline is a masthead
            kinds[i] = "navigation"
    if layout.byline is not None and layout.byline < headline:
        layout.byline = next((i for i in range(headline, end) if kinds[i] == "byline"), None)
    if before and _is_kicker(page, before[-1], headline):
        layout.kicker = before[-1]
        kinds[before[-1]] = "section"
        layout.kicker_in_menu = _in_menu(page, before[-1]) and not page.repeated(before[-1])
    for i in (i for i in content if i > headline):
        line = lines[i]
        if layout.kicker is None and _is_kicker_below(line):
            layout.kicker = i  # "Politics" printed under the headline
            kinds[i] = "section"
        elif _NAME_ONLY.fullmatch(line) and not sections.is_known_kicker(line):
            kinds[i] = "byline"
            layout.byline = i if layout.byline is None else layout.byline
        elif page.learned[i] or word_count(line) <= _KICKER_MAX_WORDS or page.repeated(i):
            kinds[i] = "navigation"
        else:
            kinds[i] = "headline"  # a standfirst under the headline
    return end


def _is_credit(line: str) -> bool:
    """A credit line ("Source: Anatolia", "Fonte: Angop") rather than a sign-off:
    sites print it under the lede as often as after the story."""
    found = agencies.credit(line)
    return found is not None and found.kind == "credit"


def _credit_agency(line: str) -> str | None:
    found = _ends_story(line)
    return found[1] if found is not None else None


def _is_kicker(page: _Page, i: int, headline: int) -> bool:
    """A short label right above the headline (only chrome between them), as
    printed: "Wirtschaft 12:04", "| Política", "Home > World > Politics"."""
    line = page.lines[i]
    label = sections.kicker_label(line)
    if label is None or word_count(label) > _KICKER_MAX_WORDS or shape.ends_sentence(label):
        return False
    known = sections.is_known_kicker(label)
    if (looks_like_stamp(label) and not known) or shape.barred(label):
        return False  # "Covid-19" is a kicker sites print, not a stamp
    if sections.is_not_kicker(label):
        return False
    if label != _KICKER_TIME.sub("", line) and not known:
        return False  # only a label sites use is read through bars and arrows
    if _is_caps(line) and not known:
        return False  # a masthead or a promo in capitals ("LANDESZEITUNG ONLINE")
    between = range(i + 1, headline)
    if any(sections.is_not_kicker(page.lines[j]) for j in between):
        return False  # the site's name above its tagline or address
    return all(page.rule_chrome(j) for j in between)


def _decorated_kicker(line: str) -> bool:
    """A label that names a topic inside bars, a time or a breadcrumb, which the
    chrome tables read as a menu."""
    label = sections.kicker_label(line)
    return label is not None and label != line and sections.kicker_topic(label) is not None


def _is_kicker_below(line: str) -> bool:
    """A label that names a topic printed between the headline and the story."""
    label = sections.kicker_label(line)
    return label is not None and sections.kicker_topic(label) is not None


_KICKER_TIME = re.compile(r"\s(?:[01]?\d|2[0-3])[:.][0-5]\d$")
_MENU_MIN_ITEMS = 4
_HOME = re.compile(r"(?i:home|inicio|portada|accueil|start|anasayfa|início|strona główna)")


def _in_menu(page: _Page, i: int) -> bool:
    """Line ``i`` ends a run of at least four short labels (a menu; a breadcrumb
    "Home / Politics / Europe" is shorter once its home link is set aside)."""
    items = 0
    for j in range(i, -1, -1):
        line = page.lines[j]
        if _HOME.fullmatch(line):
            continue
        if word_count(line) > 3 or shape.ends_sentence(line) or _is_caps(line):
            break
        items += 1
    return items >= _MENU_MIN_ITEMS


_is_caps = shape.is_all_caps


def _content_words(text: str) -> set[str]:
    """Words of four letters or more, cut to five: "francês" and "francesa" meet."""
    if text.isascii():
        # ASCII folds letter for letter and its letters are a-z: fold once, not each
        # word, and scan for a range, not for Unicode categories
        return set(_ASCII_CONTENT_STEM.findall(text.lower()))
    return {w.casefold()[:_STEM] for w in _CONTENT_WORD.findall(text)}


def _headline_shaped(page: _Page, i: int) -> bool:
    """A few words, no sentence's full stop, no bullets, bars, links or stamps (the
    header already asked the page's memo whether line ``i`` is a paragraph or a stamp)."""
    line = page.lines[i]
    if shape.is_cjk(line):
        return 6 <= len(line) <= 90 and not page.para(i)
    n = word_count(line)
    if n < 2 or n > _HEADLINE_MAX_WORDS or page.test(looks_like_stamp, i):
        return False
    unlabelled = headline_text(line)
    if unlabelled != line:  # "Directo | headline": the words after the label decide
        line, n = unlabelled, word_count(unlabelled)
    if shape.barred(line) or shape.link_like(line) or sections.is_known_kicker(line):
        return False
    if _decorated_kicker(line):
        return False
    if shape.full_stop(line) or _NAME_ONLY.fullmatch(line):
        return False
    return not (shape.is_all_caps(line) and n < 3)


def headline_text(line: str) -> str:
    """A headline line without the label printed before it ("Directo | ...", "LIVE |
    ..."); a label that names a topic is a kicker, left to the kicker rules."""
    labelled = shape.labelled(line)
    if labelled is None or sections.kicker_topic(labelled[0]) is not None:
        return line
    return labelled[1]


def _pick_headline(page: _Page, content: list[int], lede: int) -> int | None:
    """The headline among the header's content lines, looked for upwards from the lede.

    A headline is a line of a few words that does not end like a sentence. The
    nearest such line above the lede that shares a word with it wins; failing
    that, the nearest of at least four words; a line that merely extends an
    earlier one ("Headline 150 150 admin") gives way to it. None when no line
    qualifies.
    """
    lines = page.lines
    lede_words = _content_words(" ".join(lines[lede : lede + 3]))
    candidates = [
        i
        for i in reversed(content)
        if _headline_shaped(page, i) and not (page.repeated(i) and word_count(lines[i]) > 12)
    ]
    chosen = None
    for i in candidates:
        n = word_count(lines[i])
        if 3 <= n <= _SHARING_MAX_WORDS and _content_words(lines[i]) & lede_words:
            chosen = i
            break
    if chosen is None:
        for i in candidates:
            if shape.is_cjk(lines[i]) or word_count(lines[i]) >= _HEADLINE_MIN_WORDS:
                chosen = i
                break
            if all(page.rule_chrome(j) or page.header_kind(j) for j in range(i + 1, lede)):
                chosen = i  # a short headline right above the lede
                break
    if chosen is None:
        return None
    for j in content:
        if j < chosen and len(lines[j]) >= 20 and lines[chosen].startswith(lines[j]):
            return j
    above = _headline_above(page, content, chosen, lede_words)
    return above if above is not None else chosen


def _headline_above(page: _Page, content: list[int], deck: int, lede_words: set[str]) -> int | None:
    """The headline right above a standfirst that was taken for it: a headline-shaped
    line of four words or more, only chrome between, sharing a word with the story."""
    lines = page.lines
    above = [i for i in content if i < deck]
    if not above or word_count(lines[deck]) < _DECK_MIN_WORDS:
        return None
    i = above[-1]
    line = lines[i]
    if not all(page.rule_chrome(j) or page.header_kind(j) for j in range(i + 1, deck)):
        return None
    if not _headline_shaped(page, i) or word_count(line) < _HEADLINE_MIN_WORDS:
        return None
    if _is_caps(line):
        return None  # a masthead
    story_words = lede_words | _content_words(lines[deck])
    # an agency's name is no shared subject ("Artigos de Lusa no nosso arquivo")
    own = {w.casefold()[:_STEM] for w in _CONTENT_WORD.findall(line) if not agencies.canonical(w)}
    return i if own & story_words else None


def _first_headline(lines: list[str], content: list[int]) -> int:
    for i in content:
        line = lines[i]
        if (
            word_count(line) >= _HEADLINE_MIN_WORDS
            and not line.endswith(".")
            and not sections.is_known_kicker(line)
        ):
            return i
    for i in content:
        if not sections.is_known_kicker(lines[i]):
            return i
    return content[-1]


def _resumes(page: _Page, i: int) -> bool:
    """After line ``i`` (not running text), does the story go on? Yes when the next
    non-chrome line is a paragraph followed by more text, a sign-off or the end."""
    j = i + 1
    while j < page.n and page.skippable(j):
        if page.repeated(j) and not page.chrome(j) and page.lines[j].strip("-–—•·|"):
            return False  # a section label printed again: the next story of a listing
        j += 1
    if j >= page.n or not page.paragraph(j):
        return False
    k = j + 1
    while k < page.n and page.skippable(k):
        k += 1
    if k >= page.n:
        return True
    nxt = page.lines[k]
    return page.paragraph(k) or shape.is_short_sentence(nxt) or page.ends(k) is not None


def _classify_body(page: _Page, layout: Layout) -> None:
    """Kinds of the lede and the lines after it (see the module docstring)."""
    lines, kinds = page.lines, layout.kinds
    assert layout.lede is not None
    story_over = False
    last_body = layout.lede
    for i in range(layout.lede + 1, page.n):
        line = lines[i]
        ends = page.ends(i)
        if ends is None and _LONE_CODE.fullmatch(line) and kinds[i - 1] in _STORY_END_KINDS:
            lone = line not in _NOT_CODES and agencies.canonical(line) is None
            ends = ("editor_codes", None) if lone else None
        if ends is not None:
            kinds[i] = ends[0]
            layout.agency = layout.agency or ends[1]
            if _SEPARATOR.fullmatch(line) is None:
                early = i - layout.lede <= _EARLY_CREDIT_LINES
                story_over = story_over or not (_is_credit(line) and early and _resumes(page, i))
        elif page.link_list(i):
            kinds[i] = "navigation"
            story_over = story_over or not _resumes(page, i)
        elif page.is_chrome(i):
            kinds[i] = "navigation"
        elif page.caption(i):
            kinds[i] = "caption"
        elif page.learned[i]:
            kinds[i] = "navigation"
        elif page.repeated(i):
            kinds[i] = "caption" if page.para(i) else "navigation"
        elif story_over:
            kinds[i] = "navigation"
        elif page.para(i) or shape.is_short_sentence(line) or page.test(signed_paragraph, i):
            last_body = i
            if _tail_agency(layout, i, line):
                # the story ends at a glued sign-off, unless more of it follows
                # (some sites sign every few paragraphs: those stay as printed)
                story_over = not _resumes(page, i)
                if not story_over:
                    del layout.tails[i]
        else:
            kinds[i] = "navigation"
            story_over = not _resumes(page, i)
    if last_body not in layout.tails:
        _tail_agency(layout, last_body, lines[last_body])


def _tail_agency(layout: Layout, i: int, text: str) -> bool:
    """Cut what is glued to the end of paragraph ``i``; True when something was
    (the story ends there)."""
    if i == layout.lede and layout.dateline is not None:
        text = text[layout.dateline.end :]
    broken = text.endswith(".(")  # a bracket the page broke off after the last sentence
    tail = strip_tail(text[:-1] if broken else text)
    if not tail.cut and not broken:
        return False
    layout.tails[i] = tail.text
    layout.tail_codes += tail.codes
    layout.agency = layout.agency or tail.agency
    return True
