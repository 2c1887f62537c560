"""Block classification, one kind at a time, on small inline stories."""

from pipeline.text import blocks, normalise, sections

LEDE = (
    "LONDON, March 3 (Reuters) - The government said on Tuesday it would raise the "
    "minimum wage by 6% from April, the largest increase in a decade."
)
BODY = (
    "Unions welcomed the move but said it did not go far enough to offset the rise in "
    "the cost of living over the past two years."
)


def kinds(text: str) -> list[tuple[str, str]]:
    lines = normalise.lines(text)
    layout = blocks.classify(lines)
    return list(zip(layout.kinds, lines, strict=True))


def kind_of(text: str, line: str) -> str:
    return {text_: kind for kind, text_ in kinds(text)}[line]


def story(*before: str, after: tuple[str, ...] = ()) -> str:
    return "\n".join([*before, LEDE, BODY, *after])


def test_section_and_headline():
    k = kinds(story("Business", "UK raises minimum wage by 6%"))
    assert k[:2] == [("section", "Business"), ("headline", "UK raises minimum wage by 6%")]


def test_unknown_short_kicker_is_section_when_a_longer_headline_follows():
    k = kinds(story("Offbeat news", "Man finds 1971 message in a bottle on the beach"))
    assert [kind for kind, _ in k[:2]] == ["section", "headline"]


def test_lone_short_headline_is_headline():
    assert kinds(story("Wage rise"))[0] == ("headline", "Wage rise")


def test_lines_above_the_kicker_are_navigation():
    k = kinds(story("Daily Planet", "Menu", "Business", "UK raises minimum wage by 6%"))
    assert [kind for kind, _ in k[:4]] == ["navigation", "navigation", "section", "headline"]


def test_bylines():
    for line in (
        "By Jane Smith",
        "By AFP",
        "EFE",
        "Por Ana Gómez y Luis Pérez",
        "By Jane Smith, Reuters",
    ):
        assert kind_of(story("UK raises minimum wage by 6%", line), line) == "byline", line


def test_name_only_byline_under_headline():
    assert kind_of(story("UK raises minimum wage by 6%", "Jane Smith"), "Jane Smith") == "byline"


def test_standfirst_under_headline_is_headline():
    text = story("UK raises minimum wage", "The increase takes effect in April for 2.7 million")
    assert kind_of(text, "The increase takes effect in April for 2.7 million") == "headline"


def test_captions():
    for line in (
        "(Photo: AP/Hana Herrera)",
        "File photo. AFP/Tomasz Ferrari",
        "Photo: Reuters",
        "Workers protest in London, March 2, 2024. REUTERS/Jane Doe",
        "Protesters march in central London. (AP Photo/Kin Cheung)",
    ):
        assert kind_of(story("UK raises minimum wage by 6%", line), line) == "caption", line


def test_caption_inside_the_body():
    line = "(Photo: EFE/John Larsen)"
    assert kind_of(story("Headline here now", after=(line, BODY + " More.")), line) == "caption"


def test_timestamp_and_header_chrome_are_navigation():
    for line in (
        "June 15, 2021 | 03:06 am",
        "Skip to content",
        "News > World > Europe",
        "Home > World > Europe",  # a breadcrumb to no topic: a menu
        "News | Sport | Weather",
    ):
        assert kind_of(story(line, "UK raises minimum wage by 6%"), line) == "navigation", line


HEADLINE = "UK raises minimum wage by 6%"


def test_kickers_as_printed_above_or_below_the_headline():
    for line, label in (
        ("| Politics", "Politics"),
        ("Politics |", "Politics"),
        ("» Economía", "Economía"),
        ("— Sport —", "Sport"),
        ("[Business]", "Business"),
        ("Wirtschaft 12:04", "Wirtschaft"),
        ("Política | 14:30", "Política"),
        ("Home » Politics", "Politics"),
        ("Home > World > Politics", "Politics"),
        ("Inicio / Economía / Europa", "Economía"),
    ):
        for text in (story(line, HEADLINE), story(HEADLINE, line)):
            layout = blocks.classify(normalise.lines(text))
            assert layout.kicker is not None, (line, text.index(line))
            assert layout.kinds[layout.kicker] == "section"
            assert sections.kicker_label(normalise.lines(text)[layout.kicker]) == label


def test_a_known_kicker_right_above_the_lede_without_a_headline():
    for kicker in ("Economy", "Covid-19"):
        layout = blocks.classify(normalise.lines(story(kicker)))
        assert layout.headline is None and layout.kicker == 0, kicker


def test_taglines_stamps_and_addresses_are_no_kicker():
    for line in (
        "The voice of the valley",
        "Tu diario, tu voz",
        "Since 1887",
        "Jornalismo independente",
        "Archive",
        "Actualisé",
        "Springfield, IL 62701",
    ):
        layout = blocks.classify(normalise.lines(story("Daily Planet", line, HEADLINE)))
        assert layout.kicker is None, line
        assert kind_of(story("Daily Planet", line, HEADLINE), line) == "navigation", line


def test_in_body_navigation():
    for line in (
        "Advertisement",
        "READ ALSO: Chad army says 23 rebels killed",
        "Lea también: El Gobierno aprueba el presupuesto",
        "Story continues below",
    ):
        text = story("UK raises minimum wage by 6%", after=(line, BODY + " Again."))
        assert kind_of(text, line) == "navigation", line


def test_signoffs_and_codes_after_the_body():
    k = kinds(
        story(
            "UK raises minimum wage by 6%",
            after=("(Reporting by Jane Smith; Editing by John Doe)", "jd/kk"),
        )
    )
    assert k[-2:] == [
        ("signoff", "(Reporting by Jane Smith; Editing by John Doe)"),
        ("editor_codes", "jd/kk"),
    ]


def test_related_list_is_navigation_until_a_paragraph():
    text = story(
        "UK raises minimum wage by 6%",
        after=(
            "Related Articles",
            "Chad army says 23 rebels killed near Libyan border",
            "Hamburg port container traffic falls 6% as Asia trade cools",
            "Back to top button",
        ),
    )
    assert [k for k, _ in kinds(text)[-4:]] == ["navigation"] * 4


def test_short_lines_after_the_signoff_are_navigation():
    text = story(
        "UK raises minimum wage by 6%",
        after=("EFE", "Most Viewed This Week", "Another headline from the site"),
    )
    assert [k for k, _ in kinds(text)[-3:]] == ["signoff", "navigation", "navigation"]


def test_paragraph_after_the_signoff_stays_body():
    para = (
        "This story has been corrected to show that the increase takes effect in April, "
        "not in March as previously reported."
    )
    text = story("UK raises minimum wage by 6%", after=("___", para))
    assert kind_of(text, para) == "body"


def test_body_paragraphs_that_mention_chrome_words_survive():
    paragraphs = (
        "Related to the case, a former aide pleaded guilty last year to making false statements.",
        "According to a statement posted on the ministry's website, the plan costs $10 million.",
        "EFE reported that the share of the vote was the lowest since the party was founded.",
        "Advertisement spending fell 4% last year, the industry association said on Monday.",
        "Share prices of the company rose 3.8% in afternoon trading in Sao Paulo on Friday.",
        "(Kazakhstan, a former Soviet republic of about 19 million people, renamed its capital.)",
    )
    text = story("UK raises minimum wage by 6%", after=paragraphs)
    for para in paragraphs:
        assert kind_of(text, para) == "body", para


def test_lede_without_dateline_is_the_first_paragraph():
    second = "The survey team said it would return next year with a remotely operated vehicle."
    text = "\n".join(["Skip to content", "World", "Scientists map a deep coral reef", BODY, second])
    layout = blocks.classify(normalise.lines(text))
    assert layout.lede == 3 and layout.dateline is None and layout.kicker == 1


def test_flash_without_body():
    k = kinds("URGENT: Earthquake of magnitude 7.1 strikes off Japan's northeast coast - JMA")
    assert k == [
        (
            "headline",
            "URGENT: Earthquake of magnitude 7.1 strikes off Japan's northeast coast - JMA",
        )
    ]


def test_short_story_without_paragraphs_keeps_its_text():
    k = kinds("Markets close higher\nThe FTSE 100 rose 1.2% on Friday.\nThe pound was flat.")
    assert [kind for kind, _ in k] == ["headline", "body", "body"]


def test_agency_falls_back_to_byline_then_signoff():
    lines = normalise.lines(f"Headline of the story\nBy AFP\n{BODY}\n{BODY}")
    assert blocks.classify(lines).agency == "AFP"
    lines = normalise.lines(f"Headline of the story\n{BODY}\n{BODY} Enditem")
    assert blocks.classify(lines).agency == "Xinhua"
