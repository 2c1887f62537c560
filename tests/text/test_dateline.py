"""Datelines of every agency shape: place, date and agency cut off the lede."""

import pytest

from pipeline.text import agencies, dateline

CASES = [
    # (lede, dateline text, place as printed, usual place, date, agency, lede starts)
    (
        "Nur-Sultan, Jun 4 (EFE).- Kazakhstan backs Antonio Guterres for a second term.",
        "Nur-Sultan, Jun 4 (EFE)",
        "Nur-Sultan",
        "Nur-Sultan",
        "Jun 4",
        "EFE",
        "Kazakhstan backs",
    ),
    (
        "Ciudad de México, 14 nov (EFE).- La Cámara de Diputados aprobó este martes una reforma.",
        "Ciudad de México, 14 nov (EFE)",
        "Ciudad de México",
        "Ciudad de México",
        "14 nov",
        "EFE",
        "La Cámara",
    ),
    (
        "NUR-SULTAN, June 15 (Reuters) - Kazakhstan's lower house of parliament approved a bill.",
        "NUR-SULTAN, June 15 (Reuters)",
        "NUR-SULTAN",
        "Nur-Sultan",
        "June 15",
        "Reuters",
        "Kazakhstan's",
    ),
    (
        "N'DJAMENA, February 11, 2023 (AFP) - Chad's army said on Saturday it had killed rebels.",
        "N'DJAMENA, February 11, 2023 (AFP)",
        "N'DJAMENA",
        "N'Djamena",
        "February 11, 2023",
        "AFP",
        "Chad's army",
    ),
    (
        "DAR ES SALAAM (AP) — Seventeen people were killed and 28 injured when a bus collided.",
        "DAR ES SALAAM (AP)",
        "DAR ES SALAAM",
        "Dar es Salaam",
        None,
        "AP",
        "Seventeen",
    ),
    (
        "SPRINGFIELD, Ill. (AP) — Illinois lawmakers approved a budget early Saturday morning.",
        "SPRINGFIELD, Ill. (AP)",
        "SPRINGFIELD",
        "Springfield",
        None,
        "AP",
        "Illinois",
    ),
    (
        "MOMBASA, Kenya, March 5 (Reuters) - Prices at Kenya's weekly tea auction fell again.",
        "MOMBASA, Kenya, March 5 (Reuters)",
        "MOMBASA",
        "Mombasa",
        "March 5",
        "Reuters",
        "Prices",
    ),
    (
        "HAMBURG, August 22 (Xinhua) -- Container throughput at the port of Hamburg fell 6.1%.",
        "HAMBURG, August 22 (Xinhua)",
        "HAMBURG",
        "Hamburg",
        "August 22",
        "Xinhua",
        "Container",
    ),
    (
        "Berlin (dpa) - Germany's transport minister said on Tuesday that talks would go on.",
        "Berlin (dpa)",
        "Berlin",
        "Berlin",
        None,
        "dpa",
        "Germany's",
    ),
    (
        "New Delhi, Jan 5 (PTI) The Reserve Bank of India on Friday kept its key rate unchanged.",
        "New Delhi, Jan 5 (PTI)",
        "New Delhi",
        "New Delhi",
        "Jan 5",
        "PTI",
        "The Reserve",
    ),
    (
        "SEOUL, March 14 (Yonhap) -- North Korea fired a short-range ballistic missile Thursday.",
        "SEOUL, March 14 (Yonhap)",
        "SEOUL",
        "Seoul",
        "March 14",
        "Yonhap",
        "North Korea",
    ),
    (
        "(ANSA) - ROME, OCT 16 - Premier Giorgia Meloni said Monday that the budget would help.",
        "(ANSA) - ROME, OCT 16",
        "ROME",
        "Rome",
        "OCT 16",
        "ANSA",
        "Premier",
    ),
    (
        "TOKYO, Feb. 22 (Kyodo) -- Tokyo stocks surged Thursday, with the Nikkei at a record.",
        "TOKYO, Feb. 22 (Kyodo)",
        "TOKYO",
        "Tokyo",
        "Feb. 22",
        "Kyodo",
        "Tokyo stocks",
    ),
    (
        "ANKARA (AA) - Türkiye and Azerbaijan on Wednesday signed an energy agreement in Ankara.",
        "ANKARA (AA)",
        "ANKARA",
        "Ankara",
        None,
        "Anadolu",
        "Türkiye",
    ),
    (
        "La Habana, 15 mar (Prensa Latina) El canciller cubano denunció hoy las nuevas medidas.",
        "La Habana, 15 mar (Prensa Latina)",
        "La Habana",
        "La Habana",
        "15 mar",
        "Prensa Latina",
        "El canciller",
    ),
    (
        "MOSCOW, January 5. /TASS/. Russia's central bank kept its key rate unchanged at 16%.",
        "MOSCOW, January 5. /TASS/",
        "MOSCOW",
        "Moscow",
        "January 5",
        "TASS",
        "Russia's",
    ),
    (
        "New Delhi [India], Jan 5 (ANI): Prime Minister said on Friday that the scheme worked.",
        "New Delhi [India], Jan 5 (ANI)",
        "New Delhi",
        "New Delhi",
        "Jan 5",
        "ANI",
        "Prime",
    ),
    (
        "WASHINGTON — The Senate voted on Thursday to extend funding for federal agencies by six "
        "weeks, averting a shutdown.",
        "WASHINGTON",
        "WASHINGTON",
        "Washington",
        None,
        None,
        "The Senate",
    ),
]


@pytest.mark.parametrize("lede, text, place, usual, date, agency, starts", CASES)
def test_dateline(lede, text, place, usual, date, agency, starts):
    match = dateline.parse(lede)
    assert match is not None
    assert (match.text, match.place, match.date, match.agency) == (text, place, date, agency)
    assert dateline.usual_place(match) == usual
    assert lede[match.end :].startswith(starts)


@pytest.mark.parametrize(
    "line",
    [
        "Police - who arrived late - said nothing.",  # a dash, but no capitals dateline
        "UK - EU trade deal talks resume",  # a headline: too short to be a lede
        "The government said (Reuters reported) that",
        "Kazakhstan endorses Guterres for second term as UN chief",
        "",
    ],
)
def test_no_dateline(line):
    assert dateline.parse(line) is None


@pytest.mark.parametrize("agency", agencies.AGENCIES, ids=lambda a: a.name)
def test_every_agency_row_is_found_in_a_dateline(agency):
    """Adding an agency is adding a row: each row's names work in a dateline."""
    for printed in agency.names:
        match = dateline.parse(f"LONDON, March 3 ({printed}) - The story begins here today.")
        assert match is not None and match.agency == agency.name, printed
