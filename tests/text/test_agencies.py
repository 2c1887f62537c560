"""Agency sign-offs, editor codes and bylines, from the agency table."""

import pytest

from pipeline.text import agencies


@pytest.mark.parametrize(
    "line, agency",
    [
        ("EFE", "EFE"),
        ("(c) Agencia EFE", "EFE"),
        ("© EFE 2024", "EFE"),
        ("(Reporting by Amara Mehta; Editing by Raj Nowak)", "Reuters"),
        ("(Additional reporting by Jane Doe in Paris; Writing by John Roe)", "Reuters"),
        ("___", "AP"),
        ("Associated Press writer Olga Diallo in Madrid contributed to this report.", "AP"),
        ("Associated Press writers Ana Ruiz and Li Wei contributed.", "AP"),
        ("Copyright 2024 The Associated Press. All rights reserved.", "AP"),
        ("Enditem", "Xinhua"),
        ("dpa", "dpa"),
        ("(END)", "Yonhap"),
        ("==Kyodo", "Kyodo"),
        ("-- BERNAMA", "Bernama"),
        ("--IANS", "IANS"),
    ],
)
def test_signoff_lines(line, agency):
    assert agencies.signoff_agency(line) == agency


@pytest.mark.parametrize(
    "line",
    [
        "EFE reported that the talks had failed.",
        "(Kazakhstan, a former Soviet republic of about 19 million people, renamed its capital.)",
        "Reporting by the state news agency was limited.",
        "The Associated Press contributed nothing to this dispute, the court said.",
    ],
)
def test_not_signoff_lines(line):
    assert agencies.signoff_agency(line) is None


@pytest.mark.parametrize(
    "paragraph, text, agency",
    [
        ("... in August 1991. EFE", "... in August 1991.", "EFE"),
        ('... slips with it." EFE', '... slips with it."', "EFE"),
        ("... the region.) EFE", "... the region.)", "EFE"),
        ("... into the sea, the JCS said. (END)", "... into the sea, the JCS said.", "Yonhap"),
        ("... across the country. Enditem", "... across the country.", "Xinhua"),
        ("... a source close to EFE", "... a source close to EFE", None),
        ("... told EFE.", "... told EFE.", None),
    ],
)
def test_signoff_glued_to_last_paragraph(paragraph, text, agency):
    assert agencies.split_tail_signoff(paragraph) == (text, agency)


@pytest.mark.parametrize(
    "line",
    [
        "kk-cae/jgb/lap/mc",
        "kos-qh",
        "vm/tcn",
        "bur-co/xbx",
        "uvz-dg-ldw",
        "PTI SKC RT",
        "dpa xy yyzz",
        "arc/rgh",
    ],
)
def test_editor_codes(line):
    assert agencies.is_codes(line)


@pytest.mark.parametrize(
    "line",
    ["Related Articles", "co-operation between the two", "COVID-19", "EFE", "Enditem"],
)
def test_not_editor_codes(line):
    assert not agencies.is_codes(line)


@pytest.mark.parametrize(
    "line, agency",
    [
        ("By AFP", "AFP"),
        ("EFE", "EFE"),
        ("Por EFE", "EFE"),
        ("By Reuters", "Reuters"),
        ("Source: Xinhua", "Xinhua"),
        ("By Jane Smith, Reuters", "Reuters"),
        ("By Jane Smith", None),
    ],
)
def test_byline_agency(line, agency):
    assert agencies.byline_agency(line) == agency


def test_canonical_names():
    assert agencies.canonical("Agence France-Presse") == "AFP"
    assert agencies.canonical("associated press") == "AP"
    assert agencies.canonical("The Daily Planet") is None


def test_byline_first_character_gate_lets_every_byline_shape_through():
    """_byline skips lines whose first character no label or name starts with."""
    for name in agencies._CASED_BYLINE:
        assert name[0] in agencies._BYLINE_FIRST
        assert agencies.is_agency_byline(name), name
    for label in ("By", "BY", "by", "Por", "Von", "Par", "Di", "Przez", "From", "Źródło:"):
        assert label[0] in agencies._BYLINE_FIRST
        assert agencies.is_agency_byline(f"{label} EFE")
