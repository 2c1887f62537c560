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
