"""Kicker wordings -> IPTC Media Topics."""

import pytest

from pipeline.text import sections


@pytest.mark.parametrize(
    "kicker, label",
    [
        ("Politics", "politics"),
        ("Política", "politics"),
        ("POLITICA", "politics"),
        ("Business", "economy, business and finance"),
        ("Markets", "economy, business and finance"),
        ("Sports", "sport"),
        ("Deportes", "sport"),
        ("Sport", "sport"),
        ("Tech", "science and technology"),
        ("Science", "science and technology"),
        ("Salud", "health"),
        ("Health", "health"),
        ("Offbeat", "human interest"),
        ("Judiciales", "crime, law and justice"),
        ("Crime", "crime, law and justice"),
        ("Medio ambiente", "environment"),
        ("Cultura", "arts, culture, entertainment and media"),
        ("Education", "education"),
        ("Lifestyle", "lifestyle and leisure"),
        ("Economy", "economy, business and finance"),
        ("Weather", "weather"),
        ("Religion", "religion"),
        ("Labour", "labour"),
        ("Society", "society"),
        ("Science & Tech", "science and technology"),
        ("Business and Markets", "economy, business and finance"),
        ("Politics:", "politics"),
        ("| Política", "politics"),
        ("Wirtschaft 12:04", "economy, business and finance"),
        ("Home > World > Politics", "politics"),
        ("• Deportes", "sport"),
    ],
)
def test_kicker_names_topic(kicker, label):
    topic = sections.kicker_topic(kicker)
    assert topic is not None and topic.label == label


@pytest.mark.parametrize(
    "kicker",
    [
        "World",
        "Asia",
        "Americas",
        "Middle East",
        "UK",
        "Mundo",
        "Internacional",
        "News",
        "Latest",
        "Nachrichten",
        "Health and Sport",
    ],
)
def test_kicker_names_no_topic(kicker):
    assert sections.kicker_topic(kicker) is None


def test_seventeen_iptc_topics_with_codes():
    assert len(sections.TOPICS) == 17
    assert len({t.code for t in sections.TOPICS}) == 17
    assert sections.BY_LABEL["politics"].code == "medtop:11000000"
    assert sections.BY_LABEL["weather"].code == "medtop:17000000"
    assert all(t.code.startswith("medtop:") and len(t.code) == 15 for t in sections.TOPICS)


@pytest.mark.parametrize(
    "line, label",
    [
        ("| Política", "Política"),
        ("Política |", "Política"),
        ("» Economía", "Economía"),
        ("Economía »", "Economía"),
        ("• Deportes", "Deportes"),
        ("(Cultura)", "Cultura"),
        ("Politics 12:04", "Politics"),
        ("Wirtschaft 14h30", "Wirtschaft"),
        ("Sport | 09:15", "Sport"),
        ("Home > World > Politics", "Politics"),
        ("Home › Politics › Europe", "Politics"),  # the item that names a topic
        ("Inicio / Mundo", "Mundo"),  # no item names one: the last
        ("Sci/Tech", "Sci/Tech"),  # one label, not a breadcrumb
        ("Covid-19", "Covid-19"),
    ],
)
def test_kicker_label_as_printed(line, label):
    assert sections.kicker_label(line) == label


def test_a_menu_is_no_kicker_label():
    assert sections.kicker_label("News | Sport | Weather") is None
    assert sections.kicker_label("World » Europe") is None
    assert sections.kicker_label("| |") is None


@pytest.mark.parametrize(
    "label",
    [
        "The voice of the valley",
        "Your news, your way",
        "La voz de Navarra",
        "Tu diario, tu voz",
        "Since 1887",
        "Desde 1921",
        "Le journal de Lyon",
        "Ihre Zeitung",
        "Archive",
        "Updated",
        "Actualizado",
        "Publicidad",
        "Springfield, IL 62701",
        "28013 Madrid",
    ],
)
def test_taglines_page_labels_and_addresses_are_not_kickers(label):
    assert sections.is_not_kicker(label)


@pytest.mark.parametrize("label", ["Politics", "Economía", "World", "Offbeat news", "Covid-19"])
def test_kickers_are_not_taglines(label):
    assert not sections.is_not_kicker(label)
