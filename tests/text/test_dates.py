"""Dates as printed in datelines and page stamps, and year resolution."""

import datetime as dt

import pytest

from pipeline.text import dates


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
        ("08/03/2023", (3, 8, 2023)),
    ],
)
def test_month_day_year(printed, parts):
    assert dates.month_day_year(printed) == parts


def test_year_comes_from_nearest_fit_to_the_reference():
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
