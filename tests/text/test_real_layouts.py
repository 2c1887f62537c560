"""Shapes real pages have that our own corpus lacked (wording invented; docs/layouts.md).

Each test is one layout: the zones of the story (where the headline is, where the
story ends) must come out right however the page dresses it.
"""

import pytest

from pipeline.text import blocks, normalise, shape
from pipeline.text.engine import enrich

LEDE = (
    "KARACHI: The provincial government on Monday approved a plan to dredge the old "
    "fishing harbour, officials said, ending a dispute that had idled the port for months."
)
BODY = [
    "The work will start in March and is expected to take two years, the ports minister "
    "told reporters after a cabinet meeting in the city.",
    "Fishermen's groups welcomed the decision but said compensation for lost catches "
    "should be paid before the dredgers arrive.",
]


def read(*lines: str):
    return enrich("\n".join(lines), section_model=None)


def kinds(*lines: str) -> list[str]:
    return blocks.classify(normalise.lines("\n".join(lines))).kinds


def test_menus_before_the_lede_are_not_the_headline():
    menu = [f"Menu item {i}" for i in range(31)]
    story = read("Skip to content", *menu, "Harbour dredging plan approved", LEDE, *BODY)
    assert story.headline == "Harbour dredging plan approved"
    assert story.body[0].startswith("The provincial government")
    assert len(story.body) == 3


def test_no_headline_printed_gives_null():
    story = read("Home", "News", "3 hours ago", LEDE, *BODY)
    assert story.headline is None
    assert len(story.body) == 3


@pytest.mark.parametrize(
    "decoy",
    [
        "Your web browser is no longer supported. Please update it to read this site.",
        "Published 9:02 AM EDT, June 3, 2024",
        "• Mon. Mar 3rd, 2025",
        "Posted on January 10, 2024 by desk",
        "Senin, 4 Maret 2024 10:12 WIB",
    ],
)
def test_notices_and_stamps_are_not_headlines(decoy):
    story = read("Harbour dredging plan approved", decoy, LEDE, *BODY)
    assert story.headline == "Harbour dredging plan approved"


@pytest.mark.parametrize("label", ["Directo", "EN VIVO", "DIRETTA", "Live"])
def test_a_label_before_a_bar_is_not_the_headline_nor_hides_it(label):
    story = read(f"{label} | Harbour dredging plan approved after long dispute", LEDE, *BODY)
    assert story.headline == "Harbour dredging plan approved after long dispute"
    assert story.body[0].startswith("The provincial government")


def test_a_topic_label_before_a_bar_stays_a_kicker():
    story = read("Politics | Harbour dredging plan approved after long dispute", LEDE, *BODY)
    assert story.headline != "Harbour dredging plan approved after long dispute"


def test_a_headline_quoting_in_guillemets_is_no_teaser_link():
    story = read("Entrevista: «El puerto necesita dragado ya»", LEDE, *BODY)
    assert story.headline == "Entrevista: «El puerto necesita dragado ya»"
    assert shape.link_like("Más noticias »") and not shape.link_like("«Dragado ya»")


def test_a_stamp_under_the_headline_dates_a_story_without_a_dateline():
    lede = LEDE.removeprefix("KARACHI: ")
    story = read("Harbour dredging plan approved", "Published 9:02 AM EDT, June 3, 2024", lede)
    assert story.headline == "Harbour dredging plan approved"
    assert (story.dateline.text, story.dateline.date) == (None, "2024-06-03")
    story = read("Harbour dredging plan approved", lede, *BODY)
    assert story.dateline.date is None


@pytest.mark.parametrize(
    "headline",
    [
        "Harbour fees up 0,8% in 2025, port says",
        "Dredger hits pier 4: 20 hurt",
        "Port plan: 12 berths by 2027",
    ],
)
def test_headlines_with_figures_are_no_stamps(headline):
    assert read(headline, LEDE, *BODY).headline == headline


@pytest.mark.parametrize("headline", ["Opłaty portowe wzrosną o 4,1 proc.", "Hafen: Umsatz 2 Mio."])
def test_a_headline_ending_on_a_unit_abbreviation_is_kept(headline):
    assert read(headline, LEDE, *BODY).headline == headline


def test_an_agency_sign_off_in_parentheses_credits_it_and_leaves_the_body():
    story = read("Bolsa fecha em alta", *BODY, "(Estadão Conteúdo)")
    assert story.agency == "Estadão Conteúdo" and story.body == BODY


def test_headline_above_its_standfirst_wins():
    deck = "The provincial cabinet backs a two-year plan to reopen the idled fishing port"
    story = read("Harbour dredging plan approved", deck, LEDE, *BODY)
    assert story.headline == "Harbour dredging plan approved"


def test_caption_between_headline_and_lede_is_not_the_headline():
    caption = "Boats moored in the old harbour of the city. — Harbour News photo"
    story = read("Harbour dredging plan approved", caption, LEDE, *BODY)
    assert story.headline == "Harbour dredging plan approved"
    assert caption not in story.body


def test_story_ends_at_related_headlines_without_a_list_heading():
    related = [
        "Provincial budget sets aside funds for coastal roads",
        "Fish prices climb as boats stay in port",
        "Port workers end strike after pay deal",
    ]
    story = read("Harbour dredging plan approved", LEDE, *BODY, "Comments", *related)
    assert story.body[-1] == BODY[-1]
    assert not set(related) & set(story.body)


def test_teasers_after_a_heading_are_not_body():
    teasers = [
        "LATEST",
        "Farmers count losses after hailstorm",
        "Growers in the valley said the storm destroyed half of the apple harvest...",
        "City council approves new bus lanes",
        "The council voted to add twelve kilometres of bus lanes by next year...",
    ]
    story = read("Harbour dredging plan approved", LEDE, *BODY, *teasers)
    assert story.body[-1] == BODY[-1]


def test_story_goes_on_after_an_ad_label_between_paragraphs():
    story = read("Harbour dredging plan approved", LEDE, BODY[0], "Publicité", BODY[1])
    assert story.body[-1] == BODY[1]


def test_paragraph_printed_twice_is_a_caption():
    caption = (
        "Fishing boats wait in the harbour on Monday as the dredging plan was announced "
        "by the provincial government"
    )
    story = read("Harbour dredging plan approved", caption, caption, LEDE, *BODY)
    assert caption not in story.body and len(story.body) == 3


@pytest.mark.parametrize(
    ("tail", "codes"),
    [
        (" EFE jm/rcr", ["jm/rcr"]),
        (" (end)", []),
        (" ■", []),
        (" dpa ms yyzz n1 kr", ["dpa ms yyzz n1 kr"]),
        (" EFE (foto)(vídeo)", []),
    ],
)
def test_glued_sign_offs_codes_and_end_marks_are_cut(tail, codes):
    story = read("Harbour dredging plan approved", LEDE, BODY[0], BODY[1] + tail)
    assert story.body[-1] == BODY[1]
    assert story.editor_codes == codes


@pytest.mark.parametrize("line", ["SMM // JNM", "AC/te/APA", "kt.ahm", "(FIN) NDP/RQM", "MKA MAH"])
def test_desk_codes_of_any_agency(line):
    story = read("Harbour dredging plan approved", LEDE, *BODY, line, "Related News")
    assert story.body[-1] == BODY[-1]
    assert len(story.editor_codes) == 1


def test_newsletter_promo_is_chrome():
    promo = "Get the week's port news in your inbox with our weekly newsletter. Sign up here."
    story = read("Harbour dredging plan approved", LEDE, *BODY, promo)
    assert promo not in story.body


@pytest.mark.parametrize(
    "promo",
    [
        "Zapisz się na poranny przegląd portowy i otrzymuj go codziennie rano.",
        "Wyrażam zgodę na przetwarzanie moich danych osobowych w celach marketingowych.",
        "I agree to the processing of my personal data for the port newsletter.",
        "Acepto el tratamiento de mis datos personales para recibir el boletín.",
    ],
)
def test_sign_up_and_consent_lines_in_other_languages_are_chrome(promo):
    story = read("Harbour dredging plan approved", LEDE, *BODY, promo)
    assert promo not in story.body


def test_news_about_personal_data_is_no_promo():
    line = "The regulator said port operators must protect the personal data they hold."
    assert line in read("Harbour dredging plan approved", LEDE, *BODY[:1], line).body


def test_hard_wrapped_copy_without_blank_lines_is_reflowed():
    text = (
        "Harbour dredging plan approved\n"
        "   KARACHI, March 3 (APP): The provincial government on Monday approved\n"
        "a plan to dredge the old fishing harbour, officials said, ending a long\n"
        "dispute that had idled the port for several months this year.\n"
        "   The work will start in March and is expected to take two years, the\n"
        "ports minister told reporters after a cabinet meeting in the city on\n"
        "Monday afternoon.\n"
    )
    story = enrich(text, section_model=None)
    assert story.headline == "Harbour dredging plan approved"
    assert len(story.body) == 2
    assert story.body[1].endswith("Monday afternoon.")


def test_crawler_date_glued_to_the_first_line_is_cut():
    story = read("date 2021-03-04 Harbour dredging plan approved", LEDE, *BODY)
    assert story.headline == "Harbour dredging plan approved"


def test_line_shapes():
    assert shape.is_paragraph(LEDE)
    assert not shape.is_paragraph("Harbour dredging plan approved")
    assert shape.is_cjk("統一部は16日、北朝鮮の労働新聞が論評を掲載したことについて述べた。")
    assert not shape.full_stop("Venezuela accuses EE.UU.") and shape.full_stop("It ended.")
    assert shape.link_like("• Read more") and shape.link_like("Full version →")


def test_every_stripped_block_says_why():
    story = read("Skip to content", "Harbour dredging plan approved", LEDE, *BODY, "SMM // JNM")
    whys = {b.text: b.why for b in story.blocks}
    assert whys["Skip to content"] == "rule"
    assert whys["SMM // JNM"] == "shape"
    assert all(b.why is None for b in story.blocks if b.kind == "body")


def test_learned_chrome_is_navigation_but_never_the_lede():
    tagline = "The Harbour Ledger brings you independent reporting from the coast every day."
    learned = {tagline: 0.9, LEDE: 0.9}
    story = enrich(
        "\n".join(["Harbour dredging plan approved", LEDE, BODY[0], tagline, BODY[1]]),
        section_model=None,
        learned=lambda line: learned.get(line, 0.0),
    )
    assert tagline not in story.body and len(story.body) == 3
    assert {b.text: b.why for b in story.blocks}[tagline] == "learned"


def test_a_place_printed_alone_above_the_lede_is_the_dateline():
    raw = (
        "Ministry denies report on talks with neighbours\n"
        "12.01.2015 - Update : 12.01.2015\n"
        "ANKARA\n"
        "The foreign ministry on Monday denied a newspaper report that it had held secret "
        "talks with two neighbouring countries, calling the claims baseless.\n"
        "A spokesman said the ministry would take legal action against the newspaper.\n"
    )
    story = enrich(raw)
    assert story.dateline.place == "Ankara"
    assert story.body[0].startswith("The foreign ministry")
    assert "ANKARA" not in story.body


def test_a_tag_glued_mid_story_stays_as_printed_and_a_broken_bracket_goes():
    raw = (
        "Minister: reforms come first\n"
        "Reforms come first, the finance minister said on Sunday, adding that he would not "
        "delay the new tax law whatever it cost his party.\n"
        '"The country comes first, not the party," the minister said.(ANA-MPA)\n'
        "He said that talks with the opposition would continue this week in parliament and "
        "that he expected a first vote on the law before the summer recess began.\n"
        '"We can differ, but we are not enemies," he said, urging the opposition to back a '
        "quick vote that would show investors the country was serious.(\n"
    )
    story = enrich(raw)
    assert story.body[1].endswith("said.(ANA-MPA)")
    assert story.body[-1].endswith("was serious.")
    assert story.agency == "ANA-MPA"
