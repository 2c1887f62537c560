"""Dates as printed in datelines and page stamps, and year resolution."""

import datetime as dt

import pytest

from pipeline.text import dates
from pipeline.text.tables import load_table


@pytest.mark.parametrize(
    "printed, parts",
    [
        ("Jun 4", (6, 4, None)),
        ("June 15", (6, 15, None)),
        ("Sept. 3", (9, 3, None)),
        ("February 11, 2023", (2, 11, 2023)),
        ("14 nov", (11, 14, None)),
        ("4 de junio de 2023", (6, 4, 2023)),
        ("10 DIC", (12, 10, None)),
        ("OCT 16", (10, 16, None)),
        ("5 janvier 2024", (1, 5, 2024)),
        ("2023-03-08", (3, 8, 2023)),
        # ordinals
        ("29th November", (11, 29, None)),
        ("March 1st, 2024", (3, 1, 2024)),
        ("1er mars", (3, 1, None)),
        ("1º de junio", (6, 1, None)),
        # every table language, names and abbreviations, any case
        ("20 LUG", (7, 20, None)),
        ("3 GIU", (6, 3, None)),
        ("12 May.", (5, 12, None)),
        ("15 Nov.", (11, 15, None)),
        ("04 jun 2020", (6, 4, 2020)),
        ("ago. 16", (8, 16, None)),
        ("31 déc", (12, 31, None)),
        ("3. März 2024", (3, 3, 2024)),
        ("4 mei 2021", (5, 4, 2021)),
        ("12 mrt", (3, 12, None)),
        ("4 czerwca 2020", (6, 4, 2020)),
        ("4 Haziran 2020", (6, 4, 2020)),
        ("4 MAYIS", (5, 4, None)),
        ("10 Şubat", (2, 10, None)),
        ("24 Februari 2024", (2, 24, 2024)),
        ("3 Ogos", (8, 3, None)),
        ("08/03/2023", (3, 8, 2023)),
    ],
)
def test_month_day_year(printed, parts):
    assert dates.month_day_year(printed) == parts


def test_a_month_name_ends_at_a_word_end():
    assert dates.month_day_year("4 martes") is None
    assert dates.month_day_year("the 3 marines") is None


def test_no_month_name_means_two_months():
    months: dict[str, int] = {}
    for table in load_table("months").values():
        for number, names in table.items():
            for name in names:
                assert months.setdefault(name, int(number)) == int(number), name


@pytest.mark.parametrize(
    "month, day, received, resolved",
    [
        (5, 2, dt.date(2025, 12, 2), dt.date(2025, 5, 2)),  # earlier this year
        (12, 31, dt.date(2025, 1, 1), dt.date(2024, 12, 31)),  # last year
        (1, 2, dt.date(2025, 1, 1), dt.date(2025, 1, 2)),  # a day ahead: time zones
        (1, 3, dt.date(2025, 1, 1), dt.date(2024, 1, 3)),  # two days ahead: last year's
        (12, 2, dt.date(2025, 12, 2), dt.date(2025, 12, 2)),  # the same day
        (2, 29, dt.date(2027, 1, 1), dt.date(2024, 2, 29)),  # back to a leap year
    ],
)
def test_a_date_without_a_year_is_never_more_than_a_day_after_the_reference(
    month, day, received, resolved
):
    assert dates.resolve(month, day, None, received) == resolved


def test_year_comes_from_the_reference():
    ref = dt.date(2022, 1, 2)
    assert dates.resolve(12, 31, None, ref) == dt.date(2021, 12, 31)
    assert dates.resolve(1, 1, None, ref) == dt.date(2022, 1, 1)
    assert dates.resolve(6, 4, 2021, ref) == dt.date(2021, 6, 4)
    assert dates.resolve(6, 4, None, None) is None
    assert dates.resolve(2, 30, None, ref) is None


@pytest.mark.parametrize(
    "line",
    [
        "March 8, 2023",
        "June 15, 2021 | 03:06 am",
        "November 14, 2023 | 07:54 am",
        "Updated: 2023-03-08 14:05",
        "Wednesday, March 8, 2023",
        "Publicado el 14 nov 2023",
    ],
)
def test_timestamp_lines(line):
    assert dates.TIMESTAMP_LINE.fullmatch(line)


@pytest.mark.parametrize("line", ["March 8, 2023 was a good day for the markets", "Mar"])
def test_not_timestamp_lines(line):
    assert not dates.TIMESTAMP_LINE.fullmatch(line)


def test_a_numeric_day_and_month_alone_is_day_first():
    assert dates.month_day_year("12/03") == (3, 12, None)
    assert dates.month_day_year("05.11.") == (11, 5, None)
    assert dates.month_day_year("12/13") is None  # no month 13


def test_a_day_printed_alone_is_the_latest_such_day_by_the_reference():
    ref = dt.date(2026, 3, 14)
    assert dates.resolve_day(3, ref) == dt.date(2026, 3, 3)
    assert dates.resolve_day(15, ref) == dt.date(2026, 3, 15)  # a day ahead: time zones
    assert dates.resolve_day(20, ref) == dt.date(2026, 2, 20)
    assert dates.resolve_day(31, dt.date(2026, 3, 2)) == dt.date(2026, 1, 31)
    assert dates.resolve_day(3, None) is None
