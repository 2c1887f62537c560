"""Decoding and normalisation: bytes in, clean lines out, publisher's typography kept."""

import codecs

import pytest

from pipeline.text import normalise
from pipeline.text.normalise import DecodeError


def test_utf8_with_and_without_bom():
    assert normalise.decode("Bogotá".encode()) == "Bogotá"
    assert normalise.decode(codecs.BOM_UTF8 + "Bogotá".encode()) == "Bogotá"


def test_utf16_with_bom():
    assert normalise.decode("Bogotá\nline".encode("utf-16")) == "Bogotá\nline"


def test_windows_1252_fallback():
    raw = "Bogotá “quoted” – 5€".encode("cp1252")
    assert normalise.decode(raw) == "Bogotá “quoted” – 5€"


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"PNG\x00\x00\x01binary", "binary data"),
        (b"text \x81\x8d\x8f\x90\x9d", "not UTF-8"),
    ],
)
def test_undecodable_bytes_raise_with_reason(raw, message):
    with pytest.raises(DecodeError, match=message):
        normalise.decode(raw)


def test_mojibake_is_repaired_but_curly_quotes_and_dashes_stay():
    broken = "BaÃ­a LogÃ­stica said “yes” — twice"
    assert normalise.repair(broken) == "Baía Logística said “yes” — twice"


def test_clean_text_is_not_sent_to_ftfy(monkeypatch):
    calls = []
    monkeypatch.setattr(normalise.ftfy, "fix_text", lambda *a, **k: calls.append(a) or a[0])
    normalise.repair("Nur-Sultan, Jun 4 (EFE).- “Kazakhstan’s support” — in Almaty, café")
    assert calls == []


def test_nfc():
    decomposed = "Bogota\u0301"
    assert normalise.repair(decomposed) == "Bogotá"


def test_line_endings_spaces_and_invisible_characters():
    raw = "Title\r\nLine\u00a0one  with\tspaces\rSecond\u2028Third\u200b\x0cFourth \u202f end"
    assert normalise.lines(raw) == [
        "Title",
        "Line one with spaces",
        "Second",
        "Third",
        "Fourth end",
    ]


def test_blank_lines_are_dropped():
    assert normalise.lines("\n\n  A  \n\n\n B\n") == ["A", "B"]


def test_hard_wrapped_paragraphs_are_joined():
    raw = (
        "Rail strike halts trains\n\n"
        "BERLIN, March 12 (Reuters) - Train drivers in Germany began a\n"
        "35-hour strike on Tuesday, halting most long-distance and regional\n"
        "services in the latest walkout.\n\n"
        "Deutsche Bahn said it was running an emergency timetable with\n"
        "about 20% of long-distance trains on the network.\n\n"
        "(Reporting by Jane Smith)\n"
    )
    assert normalise.lines(raw) == [
        "Rail strike halts trains",
        "BERLIN, March 12 (Reuters) - Train drivers in Germany began a 35-hour strike on "
        "Tuesday, halting most long-distance and regional services in the latest walkout.",
        "Deutsche Bahn said it was running an emergency timetable with about 20% of "
        "long-distance trains on the network.",
        "(Reporting by Jane Smith)",
    ]


def test_short_line_groups_are_not_joined():
    raw = "Related Articles\nFirst linked headline\nSecond linked headline\n\nBack to top\n"
    assert normalise.lines(raw) == [
        "Related Articles",
        "First linked headline",
        "Second linked headline",
        "Back to top",
    ]


def test_short_paragraphs_of_an_interview_are_not_taken_for_a_wrap():
    # every line under 106 characters, blank lines between: it looks double-spaced
    # and wrapped, but the next line's first word would fit after the long lines
    raw = (
        "Mayor: 'We are open to a deal with the council'\n\n"
        "We spoke to the newly elected mayor of a small town about her first month in office.\n\n"
        "Q: The opposition holds the council. How will you work?\n\n"
        "A: Every decision will go to the council groups first. We want to leave no one out.\n\n"
        "Q: What if the budget fails?\n\n"
        "A: I believe it will pass, because everyone wants roads, water and buses that run.\n"
    )
    assert len(normalise.lines(raw)) == 6


def test_live_blog_entries_are_not_taken_for_a_wrap():
    # the long lines all end a sentence: a wrap breaks lines mid-sentence
    raw = (
        "Live: election night in the capital\n\n"
        "23:15 - The re-elected mayor thanks her supporters and promises four more years.\n\n"
        "22:40 - First projections give the centre-right coalition a narrow win in the capital.\n\n"
        "21:50 - Turnout is expected to be around 54 percent, the broadcasters' estimates say.\n"
    )
    assert len(normalise.lines(raw)) == 4
