"""Dates as wires print them: "Jun 4", "February 11, 2023", "14 nov", page timestamps.

Month names come from ``data/months.toml`` (several languages), so a dateline
in a new language needs a table row, not code. A date without a year is
resolved against a reference (a timestamp printed on the page, or the time the
story was received): the latest such date no more than a day after it, since a
story is not datelined in the future (clocks and time zones allow one day).
"""

from __future__ import annotations

import datetime as dt
import re

from pipeline.text.tables import load_table

_MONTHS: dict[str, int] = {}
for _months in load_table("months").values():
    for _number, _names in _months.items():
        for _name in _names:
            _MONTHS[_name] = int(_number)


def _by_first_letter(names: list[str]) -> str:
    """An alternation of ``names`` grouped under their first letter, longest first
    within each ("j(?:une|uly|un|ul)"): the same matches as the flat alternation
    (names that start with different letters never match at the same place; the
    table's first letters are distinct ignoring case) at a fraction of the cost,
    since a case-insensitive search otherwise tries every name at every position."""
    groups: dict[str, list[str]] = {}
    for name in sorted(map(re.escape, names), key=len, reverse=True):
        groups.setdefault(name[0], []).append(name[1:])
    assert all(c.isalpha() for c in groups), "a month name starts with a letter"
    assert len({c.casefold() for c in groups}) == len(groups), "first letters differ by case only"
    return "|".join(f"{c}(?:{'|'.join(rests)})" for c, rests in groups.items())


# Longest names first so "june" wins over "jun"; a name ends at a word end ("4 martes" is
# no date); an abbreviation may end in ".".
MONTH = "(?i:" + _by_first_letter(list(_MONTHS)) + r")(?![^\W\d_])\.?"
_DAY = r"(?:[12][0-9]|3[01]|0?[1-9])"
# Ordinals as printed: "29th", "1st", "1er", "1º", "1°", "2ª".
_ORDINAL = r"(?:st|nd|rd|th|er|º|°|ª)?"
_YEAR = r"(?:19|20)[0-9]{2}"

# "June 15", "Jan. 5, 2023", "February 11, 2023", "14 nov", "4 de junio de 2023", "5 janvier 2023"
DATE = (
    rf"(?:{MONTH}\s{_DAY}{_ORDINAL}(?![0-9])(?:,?\s{_YEAR})?"
    rf"|{_DAY}{_ORDINAL}\.?(?:\s(?:de|of))?\s{MONTH}(?:,?(?:\sde)?\s{_YEAR})?)"
)
_DATE_PARTS = re.compile(
    rf"(?P<m1>{MONTH})\s(?P<d1>{_DAY}){_ORDINAL}(?![0-9])(?:,?\s(?P<y1>{_YEAR}))?"
    rf"|(?<![0-9:.,])(?P<d2>{_DAY}){_ORDINAL}\.?(?:\s(?:de|of))?\s(?P<m2>{MONTH})"
    rf"(?:,?(?:\sde)?\s(?P<y2>{_YEAR}))?",
    re.IGNORECASE,
)

_WEEKDAY = (
    r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun"
    r"|lunes|martes|miércoles|jueves|viernes|sábado|domingo)\.?,?"
)
_TIME = r"(?:[01]?[0-9]|2[0-3])[:.h][0-5][0-9](?:\s?(?:am|pm|a\.m\.|p\.m\.))?(?:\s?[A-Z]{2,4})?"
_NUMERIC_DATE = r"(?:[0-9]{4}-[01][0-9]-[0-3][0-9]|[0-3]?[0-9][/.][01]?[0-9][/.][0-9]{4})"
_STAMP_LEAD = (
    r"(?:(?:published|posted|updated|last updated|publicado|actualizado|fecha)"
    r"(?:\s(?:on|at|el))?:?\s)?"
)
# A line that is only a date/time stamp: "June 15, 2021 | 03:06 am", "Updated: 2023-03-08 14:05".
TIMESTAMP_LINE = re.compile(
    rf"{_STAMP_LEAD}(?:{_WEEKDAY}\s)?(?:{DATE}|{_NUMERIC_DATE})"
    rf"(?:\s?(?:[|,·•-]|at|a las)?\s?{_TIME})?(?:\s?\([A-Z]{{2,4}}\))?",
    re.IGNORECASE,
)
_ISO_OR_NUMERIC = re.compile(
    r"(?P<y>[0-9]{4})-(?P<m>[01][0-9])-(?P<d>[0-3][0-9])"
    r"|(?P<d2>[0-3]?[0-9])[/.](?P<m2>[01]?[0-9])[/.](?P<y2>[0-9]{4}|[0-9]{2}(?![0-9]))"
)


def month_number(name: str) -> int:
    """The month a printed name stands for ("LUG" -> 7, "Sept." -> 9)."""
    key = name.rstrip(".").lower()
    return _MONTHS.get(key) or _MONTHS[key.replace("i̇", "i")]  # "İ".lower() is "i̇"


def month_day_year(text: str) -> tuple[int, int, int | None] | None:
    """(month, day, year or None) of the first printed date in ``text``."""
    m = _DATE_PARTS.search(text)
    if m is not None:
        month = month_number(m["m1"] or m["m2"])
        day = int(m["d1"] or m["d2"])
        year = m["y1"] or m["y2"]
        return month, day, int(year) if year else None
    n = _ISO_OR_NUMERIC.search(text)
    if n is not None:  # numeric dates are day-first outside ISO: 08/03/2023 is 8 March
        if n["y"]:
            return int(n["m"]), int(n["d"]), int(n["y"])
        year = int(n["y2"])
        return int(n["m2"]), int(n["d2"]), year + 2000 if year < 100 else year
    d = _DAY_MONTH.fullmatch(text)
    if d is not None:  # a dateline's "12/03" (BELGA): day first, the year from the context
        return int(d["m"]), int(d["d"]), None
    return None


# A numeric day and month alone, as a dateline prints them: "12/03", "12.03."
_DAY_MONTH = re.compile(r"(?P<d>[0-3]?[0-9])[/.](?P<m>0?[1-9]|1[0-2])\.?")


# A dateline may be a day ahead of the reference (time zones, a clock just past midnight).
_AHEAD = dt.timedelta(days=1)


def resolve(month: int, day: int, year: int | None, reference: dt.date | None) -> dt.date | None:
    """The calendar date; a missing year makes it the latest such date no more than a
    day after ``reference`` ("May 2" received on 2 December is that year's May 2,
    "Dec 31" received on 1 January is the previous year's)."""
    if year is not None:
        return _date(year, month, day)
    if reference is None:
        return None
    latest = reference + _AHEAD
    for y in range(latest.year, latest.year - 8, -1):  # back to a leap year for "Feb 29"
        d = _date(y, month, day)
        if d is not None and d <= latest:
            return d
    return None


def resolve_day(day: int, reference: dt.date | None) -> dt.date | None:
    """A day of the month printed alone ("MADRID, 3 (EUROPA PRESS) -"): the latest
    such day no more than a day after ``reference``, this month or an earlier one."""
    if reference is None or not 1 <= day <= 31:
        return None
    latest = reference + _AHEAD
    year, month = latest.year, latest.month
    for _ in range(3):  # the 31st may be two months back
        d = _date(year, month, day)
        if d is not None and d <= latest:
            return d
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:  # "Feb 30": printed, but not a date
        return None
