"""Agency credits, reporting credits, end marks and glued sign-offs (agencies.credit).

Every line here is invented; only the shapes follow what sites print.
"""

import pytest

from pipeline.text import agencies
from pipeline.text.agencies import Credit


@pytest.mark.parametrize(
    "line, agency",
    [
        # a label and the agency, in the eight languages
        ("Source: Anatolia", "Anadolu"),
        ("Source : AFP", "AFP"),
        ("Fuente: EFE", "EFE"),
        ("Fuente: Europa Press", "Europa Press"),
        ("Fonte: Angop", "Angop"),
        ("Fonte: Agência Lusa", "Lusa"),
        ("Quelle: dts Nachrichtenagentur", "dts"),
        ("Kaynak: AA", "Anadolu"),
        ("Kaynak: İHA", "IHA"),
        ("Źródło: PAP", "PAP"),
        ("Fonte: ANSA", "ANSA"),
        ("Source: Xinhua", "Xinhua"),
        ("Fuente: telam.com.ar", "Télam"),
        ("Source: Nepal Wire Service- RSS", "RSS"),
        ("Source: Saudi Press Agency", "SPA"),
        ("Quelle: Nordland Nachrichtenagentur", "Nordland Nachrichtenagentur"),
        ("Fuente: apro", "apro"),
        # a bare line, listed or not
        ("REUTERS", "Reuters"),
        ("XINHUA", "Xinhua"),
        ("BERNAMA", "Bernama"),
        ("MENA", "MENA"),
        ("KPA", "KPA"),
        ("Sputnik", "Sputnik"),
        ("— Bernama", "Bernama"),
        ("- IANS", "IANS"),
        ("(Yonhap)", "Yonhap"),
        ("(Xinhua)", "Xinhua"),
        ("(apro)", "apro"),
        ("(Ntx.)", "Ntx"),
        ("ats/afp", "ATS"),
        ("dpa/lno", "dpa"),
        ("РИА Новости |", "RIA Novosti"),
        ("• Europa Press", "Europa Press"),
        # an agency and when it filed
        ("AFP, Saturday 12 Feb 2011", "AFP"),
        ("EuropaPress - 05/05/2020 10:51", "Europa Press"),
        ("Por EFE martes 3 de marzo, 2020", "EFE"),
        ("(Xinhua News Agency May 2, 2006)", "Xinhua"),
        ("(AA, 14.03.2019)", "Anadolu"),
        # "with information from"
        ("Con información de EFE", "EFE"),
        ("Con información de EFE y AFP", "EFE"),
        ("Com informações da Agência Brasil.", "Agência Brasil"),
        ("*Com informações da Reuters", "Reuters"),
        ("With inputs from PTI", "PTI"),
        ("Mit Material von dpa", "dpa"),
        ("(Con información de Notimex)", "Notimex"),
        ("Com Reuters", "Reuters"),
        ("Daily Wire .com avec AFP - Mis à jour le", "AFP"),
        # copyright and site footers
        ("© Agencia EFE", "EFE"),
        ("© dpa-infocom, dpa:250101-99-123456/2", "dpa"),
        ("(c) 2024 Agence France-Presse", "AFP"),
        ("Copyright 2019YONHAPNEWS. All rights reserved.", "Yonhap"),
        ("Copyright © 2021 Anadolu Agency", "Anadolu"),
        ("Riproduzione riservata © Copyright ANSA", "ANSA"),
        ("desk@aa.com.tr", "Anadolu"),
        (
            "The post Farmers plant early rice first appeared on Agence de presse sénégalaise.",
            "APS",
        ),
    ],
)
def test_credit_lines(line, agency):
    hit = agencies.credit(line)
    # a credit; "signoff" when the agency's own table row already knows the line
    assert hit is not None and hit.kind in ("credit", "signoff") and hit.agency == agency


@pytest.mark.parametrize(
    "line, agency",
    [
        ("(Reporting by Ana Ruiz; Editing by Tom Hale)", "Reuters"),
        ("(Reporting by Ana Ruiz in Lima and Li Wei in Beijing; Writing by Jo Kent)", "Reuters"),
        ("Reporting by Ana Ruiz; Editing by Tom Hale", "Reuters"),
        ("(Reportagem de Carla Souza)", "Reuters"),
        ("(Reportagem de Carla Souza; Edição de Paulo Dias)", "Reuters"),
        ("(Reportaje de Luis Mora; editado por Ana Paz)", "Reuters"),
        ("(Reporte de Luis Mora. Editado en español por Ana Paz)", "Reuters"),
        ("(In Redazione a Roma Marco Bianchi)", "Reuters"),
        ("(Con la collaborazione di Giulia Verdi)", "Reuters"),
        ("Berichterstattung von Hans Klein, bearbeitet von Eva Roth", "Reuters"),
        ("(Rédaction Paul Martin, édité par Jean Dupont)", "Reuters"),
        ("(Redacción: Ana Paz)", None),
        ("(Raporlayan: Ayşe Kaya)", None),
        ("(Opracowanie: Jan Nowak)", None),
    ],
)
def test_reporting_credits(line, agency):
    assert agencies.credit(line) == Credit("reporting", agency)


@pytest.mark.parametrize(
    "line, agency",
    [
        ("(end)", None),
        ("(END)", "Yonhap"),
        ("-0-", None),
        ("-30-", None),
        ("(fin)", None),
        ("(FIN)", None),
        ("(FIN) ABC/XYZ", None),
        ("-- más --", None),
        ("ENDS", None),
        ("(Ende)", None),
        ("(SON)", None),
        ("/gr", None),
        ("/ends", None),
        ("Enditem", "Xinhua"),
        ("■", None),
        ("###", None),
    ],
)
def test_end_marks(line, agency):
    assert agencies.credit(line) == Credit("end", agency)


@pytest.mark.parametrize(
    "line",
    [
        "(This is an unedited and auto-generated story from a syndicated news feed.)",
        "(Only the headline of this report may have been reworked by our staff; "
        "the rest of the content is auto-generated from a syndicated feed.)",
        "Esta notícia foi traduzida por um tradutor automático",
        "Esta noticia fue traducida automáticamente.",
        "Questo articolo è stato tradotto automaticamente.",
        "Dieser Artikel wurde maschinell übersetzt.",
        "Cet article a été traduit automatiquement.",
        "Bu haber otomatik olarak çevrilmiştir.",
        "Ten artykuł został przetłumaczony automatycznie.",
    ],
)
def test_machine_notices(line):
    hit = agencies.credit(line)
    assert hit is not None and hit.kind == "machine"


def test_table_signoffs_are_signoffs():
    assert agencies.credit("-- BERNAMA") == Credit("signoff", "Bernama")
    assert agencies.credit("==Kyodo") == Credit("signoff", "Kyodo")
    line = "Associated Press writer Olga Diallo in Madrid contributed to this report."
    assert agencies.credit(line) == Credit("signoff", "AP")


@pytest.mark.parametrize(
    "line",
    [
        # ordinary sentences, some naming an agency
        "EFE reported that the talks had failed.",
        "Reporting by the state news agency was limited.",
        "Source: the ministry did not say how many had been arrested last week.",
        "Source: Ministry of Health",
        "The minister spoke with AFP on Tuesday.",
        "She told Reuters the plan would cost $3 million.",
        "(Kazakhstan, a former Soviet republic of about 19 million people, renamed its capital.)",
        "Con información de la alcaldía, los vecinos reclamaron el agua.",
        # parentheses that are not agencies
        "(2019)",
        "(UN)",
        "(EU)",
        "(R-Texas)",
        "(D-N.Y.)",
        "(AP Photo/Jane Roe)",
        "(file photo)",
        "(video)",
        "(Updated)",
        "(PHOTOS)",
        "(Laughter)",
        # capitals that are chrome or places
        "TE RECOMENDAMOS",
        "LO MÁS LEÍDO",
        "SUSCRIBITE",
        "NEWSLETTER",
        "RELATED",
        "ANKARA",
        "BUENOS AIRES",
        "NATO",
        # copyright of a site, not an agency
        "© RIPRODUZIONE RISERVATA",
        "Copyright 2024 The Daily Planet. All rights reserved.",
        "info@dailyplanet.example",
        "The price (c) was set by the board.",
        # menu words that are only spelled like an agency
        "App",
        "Spa",
        "RSS",
        "Related Articles",
        "",
    ],
)
def test_not_credits(line):
    assert agencies.credit(line) is None


@pytest.mark.parametrize(
    "paragraph, text, agency",
    [
        ("... the new bridge. EFE", "... the new bridge.", "EFE"),
        ("... la nueva planta. (Notimex)", "... la nueva planta.", "Notimex"),
        ("... à Genève. (ats)", "... à Genève.", "ATS"),
        ("... in the capital. - IANS", "... in the capital.", "IANS"),
        ("... on Friday. — Bernama", "... on Friday.", "Bernama"),
        ("... the two leaders said. (Yonhap)", "... the two leaders said.", "Yonhap"),
        ("... w przyszłym tygodniu. /PAP/", "... w przyszłym tygodniu.", "PAP"),
        ("... on Tuesday. /TASS/.", "... on Tuesday.", "TASS"),
        ('... dedi." (İLKHA)', '... dedi."', "İLKHA"),
        ("... de la ciudad. (apro)", "... de la ciudad.", "apro"),
        ("... in the region. (MENA)", "... in the region.", "MENA"),
        ("... al final del día. (EFE)", "... al final del día.", "EFE"),
        ("... la settimana prossima. (ANSA).", "... la settimana prossima.", "ANSA"),
        ("... no porto. (Reportagem de Carla Souza)", "... no porto.", "Reuters"),
        (
            "... of the vote. (Reporting by Ana Ruiz; Editing by Tom Hale)",
            "... of the vote.",
            "Reuters",
        ),
        ("... across the country. Enditem", "... across the country.", "Xinhua"),
        ("... the JCS said. (END)", "... the JCS said.", "Yonhap"),
        # no sign-off
        ("... a source close to EFE", "... a source close to EFE", None),
        ("... told EFE.", "... told EFE.", None),
        ("... said the head of the agency. (UN)", "... said the head of the agency. (UN)", None),
        ("... won the race (2019).", "... won the race (2019).", None),
        ("... said Sen. Jane Roe. (R-Texas)", "... said Sen. Jane Roe. (R-Texas)", None),
        ("... at the scene. (AP Photo/Jane Roe)", "... at the scene. (AP Photo/Jane Roe)", None),
        ("... the gallery. (Photos)", "... the gallery. (Photos)", None),
        ("... in Brussels. (EU)", "... in Brussels. (EU)", None),
        ("... the end of an era. ■", "... the end of an era. ■", None),  # no agency: tail_credit
    ],
)
def test_split_tail_signoff_any_agency(paragraph, text, agency):
    assert agencies.split_tail_signoff(paragraph) == (text, agency)


@pytest.mark.parametrize(
    "paragraph, text, kind",
    [
        ("... the end of an era. ■", "... the end of an era.", "end"),
        ("... fell 3% in May. (FIN)", "... fell 3% in May.", "end"),
        ("... on the island. -0-", "... on the island.", "end"),
        ("... on Friday. (END)", "... on Friday.", "signoff"),
    ],
)
def test_tail_credit_end_marks(paragraph, text, kind):
    stripped, hit = agencies.tail_credit(paragraph)
    assert stripped == text and hit is not None and hit.kind == kind


@pytest.mark.parametrize(
    "printed, name",
    [
        ("AA", "Anadolu"),
        ("Anadolu", "Anadolu"),
        ("Anatolia", "Anadolu"),
        ("Anadolu Ajansı", "Anadolu"),
        ("共同", "Kyodo"),
        ("共同通信", "Kyodo"),
        ("聯合", "Yonhap"),
        ("聯合ニュース", "Yonhap"),
        ("연합뉴스", "Yonhap"),
        ("dpa/lno", "dpa"),
        ("dpa-AFX", "dpa"),
        ("Keystone-ATS", "ATS"),
        ("ats", "ATS"),
        ("rtn/ots", "ots"),
        ("Agencia Proceso", "apro"),
        ("Télam", "Télam"),
        ("telam.com.ar", "Télam"),
        ("Agencia Brasil", "Agência Brasil"),
        ("ΑΠΕ-ΜΠΕ", "ANA-MPA"),
        ("Efe", "EFE"),
        ("EuropaPress", "Europa Press"),
        ('РИА "Новости"', "RIA Novosti"),
        ("ILKHA", "İLKHA"),
        ("MENA", "MENA"),
        ("Nordland Wire", "Nordland Wire"),  # unknown: as printed
    ],
)
def test_alias(printed, name):
    assert agencies.alias(printed) == name


def test_canonical_stays_none_for_unknown_names():
    assert agencies.canonical("Nordland Wire") is None
    assert agencies.canonical("dailyplanet.example") is None


def test_every_credit_row_is_known_to_datelines_too():
    """The rows added for credits ("Fuente: Télam", "(Adnkronos)") read in datelines and
    bylines as well: "(Adnkronos) -", "Wien (APA) -", "Bonn (KNA) -"."""
    assert [a.name for a in agencies.ROWS if not a.dateline] == []
    for name in ("Adnkronos", "APA", "KNA", "Estadão Conteúdo", "Télam", "PAP"):
        assert agencies.canonical(name) == name


@pytest.mark.parametrize(
    "line, agency",
    [
        ("(Xinhua)", "Xinhua"),
        ("• Europa Press - 05/05/2020 10:51", "Europa Press"),
        ("Por EFE viernes 6 de marzo, 2020", "EFE"),
        ("By AFP", "AFP"),
    ],
)
def test_header_credits_are_agency_bylines(line, agency):
    assert agencies.is_agency_byline(line)
    assert agencies.byline_agency(line) == agency


@pytest.mark.parametrize(
    "line", ["App", "Spa", "Reuters reported on Monday that talks had failed."]
)
def test_not_agency_bylines(line):
    assert not agencies.is_agency_byline(line)


@pytest.mark.parametrize("line", ["kw/ mhr/", "ako/ jpn/ par/"])
def test_pap_editor_codes(line):
    assert agencies.is_codes(line)
