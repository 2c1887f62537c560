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


# Every shape of the grammar, with invented wording:
# (lede, place as printed, date as printed, agency, region, lede starts)
SHAPES = [
    # place, separator, no agency: needs capitals or a known place, and a sentence after
    (
        "QUITO: The mayor said on Monday that the new tram line would open in the spring.",
        "QUITO",
        None,
        None,
        None,
        "The mayor",
    ),
    (
        "Lima.- El gobierno anunció este lunes un nuevo plan de obras para la capital.",
        "Lima",
        None,
        None,
        None,
        "El gobierno",
    ),
    (
        "Luanda - O Presidente da República defendeu hoje mais investimento nas escolas.",
        "Luanda",
        None,
        None,
        None,
        "O Presidente",
    ),
    (
        "DEN HAAG - De koning ontvangt donderdagmiddag de nieuwe ministers op het paleis.",
        "DEN HAAG",
        None,
        None,
        None,
        "De koning",
    ),
    (
        "Pokhara, Oct 2 ,, The lake city welcomed more foreign walkers this season than ever.",
        "Pokhara",
        "Oct 2",
        None,
        None,
        "The lake",
    ),
    (
        "Tamale, ANGOLA, January 1 - The new council started well, an analyst said on the radio.",
        "Tamale",
        "January 1",
        None,
        "ANGOLA",
        "The new",
    ),
    (
        "SANTIAGO (Chile) - El gobierno anunció este lunes un nuevo plan de obras en el norte.",
        "SANTIAGO",
        None,
        None,
        "Chile",
        "El gobierno",
    ),
    # agency in parentheses after the place, any separator
    (
        "KARACHI (APP): The provincial cabinet approved a new budget for schools on Tuesday.",
        "KARACHI",
        None,
        "APP",
        None,
        "The provincial",
    ),
    (
        "ROMA (ITALPRESS) - Il ministro ha presentato oggi il piano per le ferrovie.",
        "ROMA",
        None,
        "ITALPRESS",
        None,
        "Il ministro",
    ),
    (
        "Wien (APA) - Die Regierung hat am Dienstag ein neues Gesetz vorgestellt.",
        "Wien",
        None,
        "APA",
        None,
        "Die Regierung",
    ),
    (
        "CIUDAD DE MÉXICO (apro).- El jefe de gobierno reconoció que la ciudad necesita agua.",
        "CIUDAD DE MÉXICO",
        None,
        "apro",
        None,
        "El jefe",
    ),
    (
        "GENÈVE (ats) - Le Conseil fédéral a présenté mercredi son plan pour les trains.",
        "GENÈVE",
        None,
        "ats",
        None,
        "Le Conseil",
    ),
    (
        "BRASÍLIA (Reuters) - O Banco Central manteve a taxa de juros nesta quarta-feira.",
        "BRASÍLIA",
        None,
        "Reuters",
        None,
        "O Banco",
    ),
    (
        "CHICAGO (AP) — A storm knocked out power to thousands of homes on Saturday night.",
        "CHICAGO",
        None,
        "AP",
        None,
        "A storm",
    ),
    (
        "LONDON (Reuters) -The fund said on Tuesday that growth would slow next year.",
        "LONDON",
        None,
        "Reuters",
        None,
        "The fund",
    ),
    (
        "Hamburg (dpa/lno). Die Polizei sucht weiter nach dem Fahrer eines Lieferwagens.",
        "Hamburg",
        None,
        "dpa",
        None,
        "Die Polizei",
    ),
    (
        "Rosario (Télam) - El intendente anunció hoy nuevas medidas para los comercios.",
        "Rosario",
        None,
        "Télam",
        None,
        "El intendente",
    ),
    # place, date, agency
    (
        "SANDAKAN (Sabah), May 3 (Bernama) -- Two fishermen were rescued off the coast today.",
        "SANDAKAN",
        "May 3",
        "Bernama",
        "Sabah",
        "Two fishermen",
    ),
    (
        "Pune (Maharashtra) [India], March 3 (ANI): The city police began a drive on speeding.",
        "Pune",
        "March 3",
        "ANI",
        "Maharashtra, India",
        "The city",
    ),
    (
        "Quito, 4 mar (EFE), (Foto: EFE/Nombre Apellido).- El presidente firmó un decreto.",
        "Quito",
        "4 mar",
        "EFE",
        None,
        "El presidente",
    ),
    (
        "LONDON, 29th November (IANS) Britain's inflation rate fell to a two-year low.",
        "LONDON",
        "29th November",
        "IANS",
        None,
        "Britain's",
    ),
    (
        "MADRID, 15 Nov. (EUROPA PRESS) - El Gobierno aprobará el martes la ley de vivienda.",
        "MADRID",
        "15 Nov",
        "Europa Press",
        None,
        "El Gobierno",
    ),
    (
        "MADRID, 5 (EUROPA PRESS) - El Gobierno aprobará el martes el proyecto de ley.",
        "MADRID",
        "5",
        "Europa Press",
        None,
        "El Gobierno",
    ),
    (
        "Lisboa, 04 jun 2020 (Lusa) -- O Governo aprovou hoje um novo plano para as escolas.",
        "Lisboa",
        "04 jun 2020",
        "Lusa",
        None,
        "O Governo",
    ),
    (
        "NEW DELHI, Jan 5 (Xinhua) -- India's central bank kept its key rate on Friday.",
        "NEW DELHI",
        "Jan 5",
        "Xinhua",
        None,
        "India's",
    ),
    (
        "WASHINGTON, Jan. 5 (UPI) -- The Senate passed a stopgap spending bill on Thursday.",
        "WASHINGTON",
        "Jan. 5",
        "UPI",
        None,
        "The Senate",
    ),
    (
        "Kathmandu, Jan 5 (RSS): The government has decided to build a new airport.",
        "Kathmandu",
        "Jan 5",
        "RSS",
        None,
        "The government",
    ),
    (
        "ISLAMABAD, Jan 5 (APP): The prime minister chaired a meeting on the economy.",
        "ISLAMABAD",
        "Jan 5",
        "APP",
        None,
        "The prime",
    ),
    ("Abuja, Jan 5 (NAN)", "Abuja", "Jan 5", "NAN", None, ""),
    (
        "Dakar, 31 déc (APS) – Le chef de l'Etat a salué les efforts du gouvernement.",
        "Dakar",
        "31 déc",
        "APS",
        None,
        "Le chef",
    ),
    (
        "El Cairo, 15 jul (EFE).- Delegaciones de los dos países inician una nueva ronda.",
        "El Cairo",
        "15 jul",
        "EFE",
        None,
        "Delegaciones",
    ),
    (
        "Guadalajara (México), 15 jun (EFE).- La película ganó el premio del jurado.",
        "Guadalajara",
        "15 jun",
        "EFE",
        "México",
        "La película",
    ),
    (
        "Lima, ago. 16 (ANDINA).- El ministro inauguró hoy un nuevo mercado en el sur.",
        "Lima",
        "ago. 16",
        "ANDINA",
        None,
        "El ministro",
    ),
    (
        "Warszawa, 4 czerwca 2020 (PAP) - Rząd przyjął dziś nowy plan dla szkół.",
        "Warszawa",
        "4 czerwca 2020",
        "PAP",
        None,
        "Rząd",
    ),
    (
        "Ankara, 4 Haziran (İLKHA) - Bakanlık bugün yeni bir plan açıkladı.",
        "Ankara",
        "4 Haziran",
        "İLKHA",
        None,
        "Bakanlık",
    ),
    (
        "Paris, 1er mars (AFP) - Le gouvernement a présenté lundi son plan pour l'école.",
        "Paris",
        "1er mars",
        "AFP",
        None,
        "Le gouvernement",
    ),
    (
        "RIO DE JANEIRO, 12 de março de 2024 (Agência Brasil) - O governo anunciou um plano.",
        "RIO DE JANEIRO",
        "12 de março de 2024",
        "Agência Brasil",
        None,
        "O governo",
    ),
    (
        "São Paulo, 3 (AE) - O índice da bolsa subiu hoje pelo terceiro dia seguido.",
        "São Paulo",
        "3",
        "AE",
        None,
        "O índice",
    ),
    (
        "Roma, 20 lug. (askanews) - Il governo ha approvato oggi il nuovo decreto.",
        "Roma",
        "20 lug",
        "askanews",
        None,
        "Il governo",
    ),
    (
        "Berlin (dts Nachrichtenagentur) - Die Bundesregierung will die Förderung verlängern.",
        "Berlin",
        None,
        "dts Nachrichtenagentur",
        None,
        "Die Bundesregierung",
    ),
    (
        "İSTANBUL (İLKHA) - Belediye bugün yeni bir ulaşım planı açıkladı.",
        "İSTANBUL",
        None,
        "İLKHA",
        None,
        "Belediye",
    ),
    (
        "NAIROBI, Kenya (AP) — Kenya's president signed the finance bill on Wednesday.",
        "NAIROBI",
        None,
        "AP",
        "Kenya",
        "Kenya's",
    ),
    (
        "Jakarta, 24 Februari (ANTARA) - Pemerintah akan mengumumkan kebijakan baru.",
        "Jakarta",
        "24 Februari",
        "Antara",
        None,
        "Pemerintah",
    ),
    (
        "WASHINGTON, March 3 /PRNewswire/ -- The company announced a new product line.",
        "WASHINGTON",
        "March 3",
        "PRNewswire",
        None,
        "The company",
    ),
    # an agency printed without parentheses
    (
        "PERTH, Feb 2 AAP - A heatwave is set to grip the west coast this week, they say.",
        "PERTH",
        "Feb 2",
        "AAP",
        None,
        "A heatwave",
    ),
    (
        "Accra, Jan 5, GNA - The cocoa board has raised the price paid to farmers this year.",
        "Accra",
        "Jan 5",
        "GNA",
        None,
        "The cocoa",
    ),
    (
        "Baku. 12 May. REPORT.AZ/ The country's exports of fruit grew by a tenth this spring.",
        "Baku",
        "12 May",
        "REPORT.AZ",
        None,
        "The country's",
    ),
    # a reporter's credit in the tag
    (
        "MOSCOW, March 10, 2004. (RIA Novosti correspondents Ivan Petrov and Oleg Sidorov) - "
        "No big changes are planned.",
        "MOSCOW",
        "March 10, 2004",
        "RIA Novosti",
        None,
        "No big",
    ),
    (
        "BUENOS AIRES, 15 Nov. (Del corresponsal de EUROPA PRESS Pedro Gómez) -",
        "BUENOS AIRES",
        "15 Nov",
        "Europa Press",
        None,
        "",
    ),
    # agency first
    (
        "(ANSA) – ROMA, 20 LUG – Il governo ha approvato oggi il decreto sulle strade.",
        "ROMA",
        "20 LUG",
        "ANSA",
        None,
        "Il governo",
    ),
    (
        "dpa BERLIN. Die Bundesregierung will die Förderung für Wärmepumpen verlängern.",
        "BERLIN",
        None,
        "dpa",
        None,
        "Die Bundesregierung",
    ),
    (
        "Por Ana Pérez, Corresponsal TELAM en Chile.- (Desde Santiago) - El Senado aprobó la ley.",
        "Santiago",
        None,
        "TELAM",
        None,
        "El Senado",
    ),
    (
        "(AGI) - Roma, 3 mar - Il ministro ha presentato oggi il piano per le ferrovie.",
        "Roma",
        "3 mar",
        "AGI",
        None,
        "Il ministro",
    ),
    (
        "(ANSA) ROMA, 20 LUG - Il governo ha approvato oggi il decreto sulle strade.",
        "ROMA",
        "20 LUG",
        "ANSA",
        None,
        "Il governo",
    ),
    # date first, no place
    (
        "23 jun (Reuters) - Oil prices rose on Friday as traders weighed supply worries.",
        "",
        "23 jun",
        "Reuters",
        None,
        "Oil prices",
    ),
    # a masthead before the place, words a page glued to the place
    (
        "LA GACETA, Buenos Aires.- El presidente electo anunció hoy su nuevo gabinete.",
        "Buenos Aires",
        None,
        None,
        None,
        "El presidente",
    ),
    (
        "Mitteilung PolizeiHamburg (dpa/lno) - Die Polizei sucht weiter nach dem Fahrer.",
        "Hamburg",
        None,
        "dpa",
        None,
        "Die Polizei",
    ),
    (
        "ABONNERENDEN HAAG - De koning ontvangt donderdag de nieuwe ministers op het paleis.",
        "DEN HAAG",
        None,
        None,
        None,
        "De koning",
    ),
    # Japanese
    (
        "【ソウル16日聯合】統一部は16日、新しい方針を発表した。",
        "ソウル",
        "16日",
        "聯合",
        None,
        "統一部",
    ),
    ("【北京共同】外務省の報道官は7日の記者会見で述べた。", "北京", None, "共同", None, "外務省"),
    # the agency's tag glued to the lede after "/.": "MOSCOW, June 10. /TASS/.A ..."
    (
        "OMSK, June 3. /TASS/.A new river terminal opened in the city on Monday, officials said.",
        "OMSK",
        "June 3",
        "TASS",
        None,
        "A new river",
    ),
    # a comma before the tag, no space after it: "İZMİR, (DHA)- ..."
    (
        "BURSA, (DHA)- Kentte etkili olan sağanak yağış nedeniyle bazı yollar trafiğe kapandı.",
        "BURSA",
        None,
        "DHA",
        None,
        "Kentte",
    ),
    # agency and date, no place: "(DIRE) 22 Nov. – ..."
    (
        '(DIRE) 14 Mar. – "Il nuovo ponte aprirà a maggio", ha detto il sindaco ai cronisti.',
        "",
        "14 Mar",
        "DIRE",
        None,
        '"Il nuovo',
    ),
    # place, numeric date and agency between slashes: "Baku/14.03.25/Turan: ..."
    (
        "Ganja/02.04.25/Turan: The city council approved a new budget for road repairs on Monday.",
        "Ganja",
        "02.04.25",
        "Turan",
        None,
        "The city",
    ),
    # a site's name before a known agency, no place: "Sharjah 24 – WAM: ..."
    (
        "Coast 24 – WAM: The ministry announced a new programme for coastal schools on Sunday.",
        "",
        None,
        "WAM",
        None,
        "The ministry",
    ),
    # a byline glued in front of the dateline
    (
        "By Jane Doe, Editor of the Emirates News Agency (WAM) DUBAI, 3 May 2023 (WAM) – The port "
        "handled a record number of containers in April, its operator said on Wednesday.",
        "DUBAI",
        "3 May 2023",
        "WAM",
        None,
        "The port",
    ),
    # two names joined by a slash: "Frankfurt/Main (dpa) -"
    (
        "Frankfurt/Main (dpa) - Die Bank hat einen neuen Vorstandschef berufen, hieß es am Montag.",
        "Frankfurt/Main",
        None,
        "dpa",
        None,
        "Die Bank",
    ),
    # a known agency alone, no place: "(Adnkronos) - ..."
    (
        "(Adnkronos) - Piazza Affari ha chiuso la seduta in rialzo, trainata dai titoli bancari.",
        "",
        None,
        "Adnkronos",
        None,
        "Piazza",
    ),
    # a row added for credits reads in a dateline too: "Bonn (KNA) -" (a place in title case)
    (
        "Bonn (KNA) - Die Bischöfe haben mehr Hilfe für Flüchtlinge gefordert, hieß es am Montag.",
        "Bonn",
        None,
        "KNA",
        None,
        "Die Bischöfe",
    ),
    # a numeric day and month (and year) before the tag
    (
        "GENT 12/03 (BELGA) - Le conseil communal a voté mardi soir le budget de la ville.",
        "GENT",
        "12/03",
        "BELGA",
        None,
        "Le conseil",
    ),
    (
        "LIÈGE 05.11.2024 (BELGA) - Le conseil communal a voté mardi le budget de la ville.",
        "LIÈGE",
        "05.11.2024",
        "BELGA",
        None,
        "Le conseil",
    ),
]


@pytest.mark.parametrize("lede, place, date, agency, region, starts", SHAPES)
def test_dateline_shapes(lede, place, date, agency, region, starts):
    match = dateline.parse(lede)
    assert match is not None
    # an agency the table lists comes back canonical, any other as printed
    expected = agencies.canonical(agency) or agency if agency else None
    assert (match.place, match.date, match.agency, match.region) == (place, date, expected, region)
    rest = lede[match.end :]
    assert rest.startswith(starts)
    # nothing of the dateline stays glued to the lede
    assert not rest[:1].isspace() and not rest.startswith(("-", "–", "—", ":", ",", ".", "/"))


@pytest.mark.parametrize(
    "lede, printed",
    [
        (
            "Hamburg (dpa/lno). Die Polizei sucht weiter nach dem Fahrer eines Lieferwagens.",
            "dpa/lno",
        ),
        ("ANKARA (AA) - Türkiye and its neighbour signed an energy agreement today.", "AA"),
        ("MADRID, 15 Nov. (EUROPA PRESS) - El Gobierno aprobará el martes la ley.", "EUROPA PRESS"),
        ("KARACHI (APP): The provincial cabinet approved a new budget for schools.", "APP"),
    ],
)
def test_agency_as_printed(lede, printed):
    match = dateline.parse(lede)
    assert match is not None and match.agency_printed == printed


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
        # sentences that start with a capitalised word and a comma or a colon
        "However, the minister said the plan would be reviewed by parliament in the summer.",
        "Sin embargo, el ministro dijo que el plan sería revisado por el parlamento pronto.",
        "In a statement, the company said profits rose 12 percent in the third quarter.",
        "On Monday, March 3 - the day of the vote - turnout was higher than expected here.",
        # labels, captions, credits
        "Photo: A crowd gathers outside the court building in the capital on Monday.",
        "Foto: EFE/Nombre Apellido",
        "Read more: The government plans new taxes on sugary drinks from next year on.",
        "UPDATE: The story has been updated to include comments from the ministry today.",
        "EDITOR'S NOTE: This story contains descriptions that some readers may find hard.",
        "FILE - A man walks past the central bank building in the capital on Tuesday.",
        "ARCHIVO - El presidente habla durante una conferencia de prensa en el palacio.",
        "Washington (file photo) — A view of the dome on a cloudy morning in the city.",
        "Fotos (EFE) - La galería de imágenes del día con lo mejor de la jornada mundial.",
        "POLITICS: The government said on Monday it would raise taxes on sugary drinks.",
        "ÚLTIMA HORA - El Gobierno anunció este lunes un nuevo plan de vivienda joven.",
        "SON DAKİKA - Bakanlık bugün yeni bir plan açıkladı ve tartışmalar başladı.",
        # headlines and menus
        "CHINA: Trade surplus widens in May as exports grow fast again",
        "Berlin - Paris - London: Europe's capitals in pictures",
        "Home - News - World - Asia",
        "Advertisement - Scroll to continue",
        "Share this article: Facebook Twitter WhatsApp Email",
        "Published 9:02 AM EDT, June 3, 2024",
        # parentheses that are no agency
        "The ministry (MoF) said it would publish the new figures on Thursday morning.",
        "The Prime Minister (PM) - speaking in parliament - said the plan would work.",
        "Mr. Smith (R-Texas) — who chairs the committee — said the bill would pass easily.",
        "John Smith (R-Texas) — who chairs the committee — said the bill would pass easily.",
        "Maria (34) - a teacher from the capital - said she would vote for the first time.",
        "The summit in Lima (Peru) ended on Friday with a joint declaration on trade.",
        "Last year: 12,5 % (2023: 11,0 %) - the figure rose again after a weak quarter.",
        # a ticker or an abbreviation in parentheses after a name
        "Apple (AAPL) - Shares of the company rose 3 percent in early trading on Monday.",
        "Jones (Reuters) said the company would appeal against the ruling next week.",
        # a hard-wrapped line that starts inside a sentence
        "Instituto Nacional de Estadística (INE), el paro bajó en el último trimestre del año.",
        # bylines
        "By Jane Doe, Reuters",
        "Por Ana Pérez",
    ],
)
def test_no_dateline(line):
    assert dateline.parse(line) is None


@pytest.mark.parametrize("agency", agencies.AGENCIES, ids=lambda a: a.name)
def test_every_agency_row_is_found_in_a_dateline(agency):
    """Adding an agency is adding a row: each row's names work in a dateline."""
    for printed in agency.names:
        if "(" in printed:  # "Agencia Proceso (apro)": a credit's form, never inside a tag
            continue
        match = dateline.parse(f"LONDON, March 3 ({printed}) - The story begins here today.")
        assert match is not None and match.agency == agency.name, printed
