"""Parse the dateline off a lede: "Nur-Sultan, Jun 4 (EFE).- Kazakhstan backs ...".

A dateline is read as a grammar, not matched against a list of templates:

    dateline  = place-first | agency-first | date-first | reporter-first | cjk
    place-first   = PLACE REGION* [", " REGION] [DATE] [TAG | BARE] [PHOTO] SEP
    agency-first  = "(" TAG ")" SEP PLACE [", " DATE] SEP  |  KNOWN-AGENCY PLACE SEP
    date-first    = DATE "(" TAG ")" SEP
    reporter-first = "Por NAME, Corresponsal AGENCY en X.-" "(Desde PLACE)" SEP
    cjk           = "【" PLACE [DAY "日"] AGENCY "】"

PLACE is words of letters (capitals or not, accents, hyphens, apostrophes, dots,
particles such as "de"); REGION a group in parentheses or brackets
("SANDAKAN (Sabah)", "Pune (Maharashtra) [India]") or a comma-separated state
("SPRINGFIELD, Ill."); DATE any date of ``dates`` (every month table language);
TAG a short tag in parentheses ("(EFE)", "(dpa/lno)", "(apro)"); BARE an agency
printed without them ("AAP -", "REPORT.AZ/", "/TASS/."); SEP any of
``- – — -- .- : , ,, / .`` or a space after a known agency.

The regular expression only says where the parts are; the decisions are made
on evidence afterwards: a parenthesised group is a region when an agency tag
follows, else the agency; an unknown agency is returned as printed; a dateline
without an agency needs a credible place (capitals or a known place), a real
separator and a lede after it that reads like a sentence.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, replace

from pipeline.text import agencies, dates, places
from pipeline.text.tables import load_table

_DATA = load_table("datelines")


@functools.lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    """Casefolded and without accents, for comparing words against the tables."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_NOT_PLACES = frozenset(map(_fold, _DATA["not_places"]))
_NOT_AGENCIES = frozenset(map(_fold, _DATA["not_agencies"]))
_KNOWN_PLACES = frozenset(map(_fold, _DATA["places"]))
_REGIONS = frozenset(map(_fold, _DATA["regions"]))
_REPORTER = re.compile(
    r"\b(?:" + "|".join(map(re.escape, _DATA["reporter_words"])) + r")\b", re.IGNORECASE
)
_KNOWN_NAME = re.compile(rf"(?<!\w)(?:{agencies.NAMES})(?!\w)", re.IGNORECASE)

_L = r"[^\W\d_]"  # a letter
_U = r"[^\W\d_a-zß-öø-ÿ]"  # a letter that is not lower case (capitals, other scripts)
# "Frankfurt/Main", "Halle/Saale": a slash before a word in title case joins two names
_WORD_TAIL = rf"(?:{_L}|[-'’.](?={_L})|/(?=[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]))*"
_PARTICLE = "(?:" + "|".join(sorted(places.PARTICLES, key=len, reverse=True)) + ")"
# "QUITO", "Nur-Sultan", "N'DJAMENA", "Ciudad de México", "St. John's", "DAR ES SALAAM".
_PLACE = (
    rf"(?:(?:St|Ste|Sta|Sto|Mt|Ft|Pt)\.\s)?{_L}{_WORD_TAIL}"
    rf"(?:\s(?:{_PARTICLE}\s){{0,2}}{_U}{_WORD_TAIL}){{0,4}}"
)
# A state or country after a comma: "Ill.", "Calif.", "N.Y.", "Kenya", "ANGOLA".
_STATE = r"[A-Z][A-Za-z]*\.?(?:\s?[A-Z][A-Za-z]*\.?){0,2}"
_GROUP = r"\s?(?:\([^()]{1,60}\)|\[[^\[\]]{1,40}\])"
# a numeric date or a bare day only before an agency's tag: "BRUXELLES 12/03 (BELGA) -"
_DATE = (
    rf"(?:{dates.DATE}|(?:[0-3]?[0-9][/.][01]?[0-9](?:[/.](?:[0-9]{{4}}|[0-9]{{2}}))?\.?"
    rf"|[0-3]?[0-9])(?=\s?\())(?![^\W\d_])"
)
_TAG = r"\((?P<tag>[^()]{1,80})\)"
# An agency printed without parentheses: "REPORT.AZ/", "/TASS/.", "AAP -", "GNA -".
_BARE = r"(?:[A-Z][A-Z0-9.&-]{1,14}/(?!/)|/[A-Z][A-Za-z]{1,12}/\.?|[A-Z]{2,6}(?=\s?(?:-|–|—|:)))"
_PHOTO = r",\s?\((?i:foto|fotos|photo|photos|imagen|image|bild)\b[^()]{0,80}\)"
_SEP = r"(?P<sep>\s?(?:\.-|\.–|\.—|--|-|–|—|:|,,|/)\s?|\.\s|,\s|\s|$|(?<=/\.)(?=[^\W\d_]))"

_PLACE_FIRST = re.compile(
    rf"\s*(?P<place>{_PLACE})"
    rf"(?P<groups>(?:{_GROUP})*)"
    rf"(?:,\s(?P<state>{_STATE})(?=,\s|,?\s?\())?"
    rf"(?:[,.]?\s(?P<date>{_DATE})\.?)?"
    rf"(?:,?\s?{_TAG}\.?|,?\s(?P<bare>{_BARE}))?"
    rf"(?P<photo>{_PHOTO})?"
    rf"{_SEP}"
)
_AGENCY_FIRST = re.compile(
    rf"\s*{_TAG}\s?(?:(?:--|-|–|—|:)\s?|(?={_U}{{2}}))(?P<place>{_PLACE})(?:,\s(?P<date>{_DATE})\.?)?"
    r"(?P<sep>\s?(?:--|-|–|—|:)\s?|\.\s)"
)
# "dpa BERLIN. ...": a known agency printed bare before a place in capitals.
_BARE_FIRST = re.compile(
    rf"\s*(?P<bare>{agencies.NAMES})\s(?P<place>{_U}[^\W\d_a-z]*(?:[\s-]{_U}[^\W\d_a-z]*){{0,3}})"
    r"(?P<sep>\.\s|\s?(?:--|-|–|—|:)\s)"
)
# "(DIRE) 22 Nov. – ...": an agency and a date, no place.
_AGENCY_DATE_FIRST = re.compile(
    rf"\s*{_TAG}\s(?P<date>{dates.DATE})\.?(?P<sep>\s?(?:--|-|–|—|:)\s)"
)
# "Baku/14.03.25/Turan: ...": place, numeric date and agency between slashes.
_SLASHED = re.compile(
    rf"\s*(?P<place>{_PLACE})/(?P<date>[0-3]?[0-9]\.[01]?[0-9]\.(?:[0-9]{{4}}|[0-9]{{2}}))/"
    r"(?P<bare>[^\W\d_][\w.&-]{1,20})(?P<sep>:\s?|\s?(?:--|-|–|—)\s)"
)
_DATE_FIRST = re.compile(rf"\s*(?P<date>{dates.DATE})\s?{_TAG}\.?{_SEP}")
# "(Adnkronos) - ...": a known agency alone, no place and no date.
_AGENCY_ONLY = re.compile(rf"\s*{_TAG}(?P<sep>\s?(?:--|-|–|—|:)\s)")
# "Por NAME, Corresponsal AGENCY en X.- (Desde PLACE) - " and a bare "(Desde PLACE) - ".
_REPORTER_FIRST = re.compile(
    r"\s*(?:Por\s[^,()]{2,60},\s(?i:corresponsal|enviad[oa] especial)\s(?:de\s)?"
    r"(?P<bare>[^\W\d_][\w.&-]{1,20})\s(?:en|a|para)\s[^.()]{2,40}\.?-\s?)?"
    rf"\((?i:desde)\s(?P<place>{_PLACE})\)"
    r"(?P<sep>\s?(?:\.-|--|-|–|—|:)\s?|\.\s)"
)
_CJK_AGENCIES = "|".join(sorted(map(re.escape, _DATA["cjk_agencies"]), key=len, reverse=True))
_CJK = re.compile(
    rf"\s*【(?P<place>[^\s\d【】]{{1,12}}?)(?P<date>[0-9０-９]{{1,2}}日)?(?P<agency>{_CJK_AGENCIES})】\s*"
)
# A lower-case letter followed by a capital inside a word: where a page glued two words.
_CAMEL = re.compile(r"[a-zß-öø-ÿ][A-ZÀ-ÖØ-Þ](?!.*[a-zß-öø-ÿ][A-ZÀ-ÖØ-Þ])")
# A masthead in capitals before the place: "EL DIARIO, Buenos Aires.- ".
_MASTHEAD = re.compile(r"\s*[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ .'’&-]{2,40},\s(?=[^\W\d_])")
# Cheap gate: every dateline shape has one of these marks early in the line, or starts
# with an agency's name ("dpa BERLIN. ..."). Plain substring tests beat a regex here.
_GATE_SPAN = 130


def _gated(head: str) -> bool:
    return (
        "(" in head
        or " -" in head
        or "–" in head
        or "—" in head
        or ": " in head
        or ".-" in head
        or "/" in head
        or "[" in head
        or ",," in head
        or "【" in head
        or head.endswith(":")
    )


_AGENCY_WORDS = frozenset(n.split()[0].casefold() for a in agencies.AGENCIES for n in a.names)

# Separators that end a dateline with no agency tag (a comma or a space do not).
_STRONG_SEPS = frozenset(("-", "–", "—", "--", ".-", ".–", ".—", ":", ",,", "/"))
# A lede after a dateline that names no agency must read like a paragraph.
_MIN_WORDS_WITHOUT_AGENCY = 8
_MIN_WORDS_UNENDED = 16
_SENTENCE_END = re.compile(r"[.!?…\"”’»)]\s*$")
_PARTY = re.compile(r"[A-Z]-[A-Z]")  # "(R-Texas)", "(D-N.Y.)": a politician's party
_TAG_WORD = re.compile(r"[^\W\d_][\w.&'’-]*(?:/[\w.&-]+)*")


@dataclass(frozen=True, slots=True)
class DatelineMatch:
    """A dateline found at the start of a line."""

    text: str  # the dateline as printed, without the separator
    place: str  # the place as printed
    date: str | None  # the date as printed
    agency: str | None  # canonical agency name, or as printed when no table lists it
    end: int  # where the lede text starts
    agency_printed: str | None = None  # the agency as printed ("dpa/lno", "Bernama")
    region: str | None = None  # a region printed after the place ("Sabah", "Ill.")


def parse(line: str) -> DatelineMatch | None:
    """The dateline at the start of ``line``, or None."""
    head = line[:_GATE_SPAN]
    if not _gated(head):
        if line.lstrip().split(" ", 1)[0].casefold() not in _AGENCY_WORDS:
            return None
        return _bare_first(line)
    first = line.lstrip()[:1]
    if first == "(":
        return _agency_first(line)
    if first == "【":
        return _cjk(line)
    if first.isdigit():
        return _date_first(line)
    found = _slashed(line) or _place_first(line) or _site_agency(line) or _after_byline(line)
    if found is None and line.lstrip().split(" ", 1)[0].casefold() in _AGENCY_WORDS:
        found = _bare_first(line)
    return found or _reporter_first(line)


def place_line(line: str) -> DatelineMatch | None:
    """A known place on a line of its own above the lede ("ANKARA", "Brasília"): a
    dateline the page printed apart."""
    text = line.strip(" -–—:.,")
    if not text or len(text) > 40 or _fold(text) not in _KNOWN_PLACES:
        return None
    return DatelineMatch(text, text, None, None, 0)


def usual_place(match: DatelineMatch) -> str:
    """The dateline place as normally written ("N'DJAMENA" -> "N'Djamena")."""
    return places.normal_case(match.place)


# ---------------------------------------------------------------- the shapes


def _place_first(line: str) -> DatelineMatch | None:
    found = _place_first_at(line, 0)
    if found is None:
        # "EL DIARIO, Buenos Aires.- ...": a masthead in capitals before a known place
        prefix = _MASTHEAD.match(line)
        if prefix is not None:
            found = _place_first_at(line, prefix.end())
            if found is not None and _fold(found.place) not in _KNOWN_PLACES:
                found = None
    return found


# What a group after the place holds: "(Chile)", "[Reuters]".
_BRACKETED = re.compile(r"[(\[]([^()\[\]]+)[)\]]")


def _place_first_at(line: str, pos: int) -> DatelineMatch | None:
    m = _PLACE_FIRST.match(line, pos)
    if m is None:
        return None
    place, date, sep = _unglued(m["place"]), m["date"], m["sep"].strip()
    regions = _BRACKETED.findall(m["groups"])
    printed = m["tag"] if m["tag"] is not None else m["bare"]
    # "WASHINGTON (Reuters) -": with no tag after it, the last group in parentheses is
    # the tag, unless it names a region ("SANTIAGO (Chile) -").
    last_is_tag = (
        bool(regions)
        and m["groups"].rstrip()[-1] == ")"
        and _fold(regions[-1].strip()) not in _REGIONS
    )
    if printed is None and last_is_tag and date is None and m["state"] is None:
        printed = regions.pop()
    if m["state"]:
        regions.append(m["state"])
    if printed is None:
        agency = None
        if not _credible_without_agency(place, date, sep, line, m.end()):
            return None
    else:
        agency = _agency(printed, bare=m["bare"] is not None)
        if agency is None or not _sep_ok_after_agency(agency, sep, m, date, place):
            return None
    if not _place_ok(place, agency):
        return None
    text_end = m.start("photo") if m["photo"] is not None else m.start("sep")
    return _match(line, m, place, date, agency, text_end, regions)


# "Sharjah 24 – WAM: ...": a site's name, then a known agency, no place.
_SITE_AGENCY = re.compile(
    rf"\s*{_U}[\w.]*(?:\s[\w.]+){{0,3}}\s[-–—]\s(?P<bare>{agencies.NAMES}):\s"
)
# "By NAME, Director-General of the X (WAM) ABU DHABI, 14 May 2022 (WAM) – ..."
_BYLINE_START = re.compile(r"\s*(?:By|Por|Par|Von|Di)\s")
_BYLINE_END = re.compile(rf"\)\s(?={_U}{{2}})")


def _site_agency(line: str) -> DatelineMatch | None:
    m = _SITE_AGENCY.match(line)
    if m is None or not _lede_ok(line, m.end()):
        return None
    agency = _agency(m["bare"], bare=True)
    return _match(line, m, "", None, agency, m.end() - 2, []) if agency else None


def _after_byline(line: str) -> DatelineMatch | None:
    """A dateline behind a byline glued to the lede."""
    if _BYLINE_START.match(line) is None:
        return None
    for m in _BYLINE_END.finditer(line, 0, _GATE_SPAN):
        found = _place_first_at(line, m.end())
        if found is not None and found.agency is not None:
            return replace(found, text=found.text[m.end() :].strip())
    return None


def _slashed(line: str) -> DatelineMatch | None:
    return _bare_shape(line, _SLASHED.match(line), need_agency=True)


def _agency_first(line: str) -> DatelineMatch | None:
    m = _AGENCY_FIRST.match(line)
    if m is not None:
        agency = _agency(m["tag"], bare=False)
        if agency is not None and _place_ok(m["place"], agency):
            return _match(line, m, m["place"], m["date"], agency, m.start("sep"), [])
    m = _AGENCY_DATE_FIRST.match(line)
    if m is not None:
        agency = _agency(m["tag"], bare=False)
        if agency is not None and _lede_ok(line, m.end()):
            return _match(line, m, "", m["date"], agency, m.start("sep"), [])
    m = _REPORTER_FIRST.match(line)
    if m is not None:
        return _reporter(line, m)
    m = _AGENCY_ONLY.match(line)
    if (
        m is not None
        and agencies.canonical(m["tag"].strip()) is not None
        and _lede_ok(line, m.end())
    ):
        agency = _agency(m["tag"], bare=False)
        return _match(line, m, "", None, agency, m.start("sep"), []) if agency else None
    return None


def _bare_first(line: str) -> DatelineMatch | None:
    return _bare_shape(line, _BARE_FIRST.match(line), need_agency=False)


def _bare_shape(line: str, m: re.Match[str] | None, *, need_agency: bool) -> DatelineMatch | None:
    """A place with an agency printed bare ("dpa BERLIN.", "Baku/14.03.25/Turan:"),
    and a date when the shape has one."""
    if m is None or not _lede_ok(line, m.end()):
        return None
    agency = _agency(m["bare"], bare=True)
    if (need_agency and agency is None) or not _place_ok(m["place"], agency):
        return None
    date = m.groupdict().get("date")
    return _match(line, m, m["place"], date, agency, m.start("sep"), [])


def _date_first(line: str) -> DatelineMatch | None:
    m = _DATE_FIRST.match(line)
    if m is None:
        return None
    agency = _agency(m["tag"], bare=False)
    if agency is None or not (m["sep"].strip() or agency[0] != agency[1]):
        return None
    return _match(line, m, "", m["date"], agency, m.end("tag") + 1, [])


def _reporter_first(line: str) -> DatelineMatch | None:
    if not line.lstrip().startswith("Por "):
        return None
    m = _REPORTER_FIRST.match(line)
    return _reporter(line, m) if m is not None else None


def _reporter(line: str, m: re.Match[str]) -> DatelineMatch | None:
    agency = _agency(m["bare"], bare=True) if m["bare"] else None
    if agency is None and m["bare"]:
        agency = (m["bare"], m["bare"])
    return _match(line, m, m["place"], None, agency, m.start("sep"), [])


def _cjk(line: str) -> DatelineMatch | None:
    m = _CJK.match(line)
    if m is None:
        return None
    printed = m["agency"]
    agency = (agencies.canonical(printed) or printed, printed)
    return DatelineMatch(
        text=m.group().strip(),
        place=m["place"],
        date=m["date"],
        agency=agency[0],
        end=m.end(),
        agency_printed=printed,
    )


# ---------------------------------------------------------------- evidence


def _match(
    line: str,
    m: re.Match[str],
    place: str,
    date: str | None,
    agency: tuple[str, str] | None,
    text_end: int,
    regions: list[str],
) -> DatelineMatch:
    start = len(line) - len(line.lstrip())
    return DatelineMatch(
        text=line[start:text_end].rstrip(" ,."),
        place=place.strip(),
        date=date.rstrip(".") if date else None,
        agency=agency[0] if agency else None,
        end=m.end(),
        agency_printed=agency[1] if agency else None,
        region=", ".join(r.strip() for r in regions) or None,
    )


def _agency(printed: str, *, bare: bool) -> tuple[str, str] | None:
    """(canonical or printed name, as printed) when ``printed`` is an agency tag."""
    tag = printed.strip().strip("/").rstrip(".").strip()
    if not tag:
        return None
    known = agencies.canonical(tag)
    if known is not None:
        return known, tag
    folded = _fold(tag)
    if folded in _NOT_AGENCIES or ":" in tag or _PARTY.match(tag):
        return None
    head = tag.split("/")[0].strip()
    if head != tag and (known := agencies.canonical(head)) is not None:
        return known, tag  # "dpa/lno", "EFE/Name"
    reporter = _REPORTER.search(tag)
    if reporter is not None:
        # "RIA Novosti correspondents Name Name", "Del corresponsal de EUROPA PRESS Name"
        inner = _KNOWN_NAME.search(tag)
        if inner is not None:
            return agencies.canonical(inner.group()) or inner.group(), inner.group()
        before = tag[: reporter.start()].strip()
        if before and _looks_like_agency(before):
            return before, before
        return None
    if bare or _looks_like_agency(tag):
        return tag, tag
    return None


def _looks_like_agency(tag: str) -> bool:
    """A short name: "APP", "NAN", "Télam", "apro", "ats", "RIA Novosti"."""
    words = tag.split()
    if len(words) > 3 or len(tag) > 30 or any(c.isdigit() for c in tag):
        return False
    if len(words) == 1 and tag.isalpha() and tag.islower():
        return 2 <= len(tag) <= 8  # "apro", "ats", "dpa"
    if words[0].isalpha() and words[0].islower() and len(words[0]) <= 5:
        words = words[1:]  # "dts Nachrichtenagentur"
    return all(_TAG_WORD.fullmatch(w) and not w[0].islower() for w in words)


def _unglued(place: str) -> str:
    """The place out of words a page glued to it: "Pressemitteilung PolizeiHamburg" is
    Hamburg, "SUBSCRIBEDEN HAAG" is Den Haag (only when that leaves a known place)."""
    folded = _fold(place)
    if folded in _KNOWN_PLACES:
        return place
    glued = _CAMEL.search(place)
    if glued is not None and _fold(place[glued.end() - 1 :]) in _KNOWN_PLACES:
        return place[glued.end() - 1 :]
    if place.isupper():  # "SUBSCRIBEDEN HAAG": try the tails that start inside a word
        for start in range(4, len(place) - 3):
            glued_tail = place[start - 1].isalpha() and place[start].isalpha()
            if glued_tail and _fold(place[start:]) in _KNOWN_PLACES:
                return place[start:]
    return place


def _place_ok(place: str, agency: tuple[str, str] | None = None) -> bool:
    """Not a label ("UPDATE", "Photo"); a place whose first word is an article or a
    title ("The Ministry", "Mr Smith") needs a known agency ("El Cairo, 15 jul (EFE)")."""
    folded = _fold(place.strip())
    if folded in _KNOWN_PLACES:
        return True
    if folded in _NOT_PLACES:
        return False
    known = agency is not None and agencies.canonical(agency[1]) is not None
    return known or folded.split()[0] not in _NOT_PLACES


def _strong_place(place: str) -> bool:
    """Capitals ("QUITO") or a place the table knows ("Luanda")."""
    letters = [c for c in place if c.isalpha()]
    return (len(letters) >= 3 and place.isupper()) or _fold(place.strip()) in _KNOWN_PLACES


def _lede_ok(line: str, end: int) -> bool:
    """What follows the dateline reads like the start of a paragraph."""
    rest = line[end:].strip()
    words = len(rest.split())
    if words < _MIN_WORDS_WITHOUT_AGENCY:
        return False
    first = rest[:1]
    if not (first.isupper() or first.isdigit() or first in "\"“«'‘¿¡(„"):
        return False
    return words >= _MIN_WORDS_UNENDED or _SENTENCE_END.search(rest) is not None


def _credible_without_agency(place: str, date: str | None, sep: str, line: str, end: int) -> bool:
    if sep not in _STRONG_SEPS:
        return False
    if not (_strong_place(place) or (date is not None and not date.isdigit())):
        return False
    return _lede_ok(line, end)


def _sep_ok_after_agency(
    agency: tuple[str, str], sep: str, m: re.Match[str], date: str | None, place: str
) -> bool:
    """Evidence for a tag after a place.

    A known agency may be followed by any separator, or by a bare space when a date or
    a credible place comes with it ("New Delhi, Jan 5 (PTI) The ..."). An unknown one
    needs a date or a credible place ("Hanoi (VNA)", "KARACHI (APP)", not
    "Apple (AAPL) -"), and the lede after it does not start in lower case.
    """
    rest = m.string[m.end() :].lstrip()
    credible = date is not None or _strong_place(place) or not rest
    if agencies.canonical(agency[1]) is not None:
        return bool(sep) or credible
    return credible and not rest[:1].islower()
