"""The engine end to end: the founding story, ids, metadata and bad input."""

import datetime as dt
from pathlib import Path

import pytest

from pipeline.text.engine import EmptyStory, enrich, story_id
from pipeline.text.normalise import DecodeError
from pipeline.text.story import Meta

SEED = Path(__file__).parents[1] / "data" / "seed" / "000_17591c5e07849a73.txt"


@pytest.fixture(scope="module")
def seed():
    return enrich(SEED.read_bytes())


def test_seed_story(seed):
    assert seed.section.label == "politics"
    assert seed.section.kicker == "Politics"
    assert seed.section.source == "kicker"
    assert seed.section.code == "medtop:11000000"
    assert seed.headline == "Kazakhstan endorses Guterres for second term as UN chief"
    assert seed.agency == "EFE"
    assert seed.dateline.place == "Nur-Sultan"
    assert seed.dateline.text == "Nur-Sultan, Jun 4 (EFE)"
    assert seed.dateline.date == "Jun 4"  # no year printed and no received time
    assert len(seed.body) == 11
    assert seed.body[0].startswith("Kazakhstan backs Antonio Guterres")
    assert seed.body[-1].endswith("in August 1991.")
    assert not seed.body[-1].endswith("EFE")
    assert seed.editor_codes == ["kk-cae/jgb/lap/mc"]
    navigation = [b.text for b in seed.blocks if b.kind == "navigation"]
    assert navigation == ["Related Articles", "Back to top button"]
    assert seed.language == "en"
    assert seed.word_count == sum(len(p.split()) for p in seed.body)


def test_received_time_resolves_the_dateline_year():
    story = enrich(SEED.read_bytes(), Meta(received_at="2021-06-04T09:30:00.000Z"))
    assert story.dateline.date == "2021-06-04"
    assert story.received_at == "2021-06-04T09:30:00.000Z"


def test_page_timestamp_resolves_the_year_before_received_time():
    raw = (
        "Kicker headline for the story\nJune 15, 2021 | 03:06 am\n"
        "NUR-SULTAN, June 15 (Reuters) - Kazakhstan's lower house approved a bill on Tuesday."
    )
    story = enrich(raw, Meta(received_at="2026-01-01T00:00:00Z"))
    assert story.dateline.date == "2021-06-15"


def test_metadata_and_processing_time():
    now = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
    story = enrich(SEED.read_bytes(), Meta(feed="efe-en", original_id="x1", path="a.txt"), now=now)
    assert (story.source.feed, story.source.original_id, story.source.path) == (
        "efe-en",
        "x1",
        "a.txt",
    )
    assert story.processed_at == "2026-11-27T12:00:00.000Z"


def test_same_story_in_other_chrome_gets_the_same_id(seed):
    text = SEED.read_text(encoding="utf-8")
    resent = "Skip to content\nHome » Politics\n" + text.replace("\n\n", "\r\n").replace(
        "Back to top button", "Share this:\nTags: UN, Kazakhstan"
    )
    resent = resent.replace("’", "'")
    assert enrich(resent.encode("utf-8")).id == seed.id


def test_a_changed_body_changes_the_id(seed):
    text = SEED.read_text(encoding="utf-8").replace("450 nuclear tests", "456 nuclear tests")
    assert enrich(text).id != seed.id


def test_story_id_is_deterministic():
    assert story_id("EFE", "X, Jun 4 (EFE)", "H", ["a", "b"]) == story_id(
        "EFE", "X, Jun 4 (EFE)", "H", ["a", "b"]
    )
    assert len(story_id(None, None, "", [])) == 24


@pytest.mark.parametrize("raw", [b"", b"   \n\n\t", "\u200b\n"])
def test_empty_input(raw):
    with pytest.raises(EmptyStory):
        enrich(raw)


def test_only_chrome_is_empty():
    with pytest.raises(EmptyStory, match="all chrome"):
        enrich("Skip to content\nShare this:\nBack to top button")


def test_binary_input():
    with pytest.raises(DecodeError):
        enrich(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_spanish_story():
    raw = (
        "Deportes\nLa Cañada gana el Abierto\nBuenos Aires, 10 dic (EFE).- La Cañada se "
        "consagró este sábado campeón del Abierto Argentino de Polo de Palermo, tras vencer "
        "en un alargue a La Dolfina en la cancha uno del Campo Argentino.\nEFE\nmc-rzk/wal"
    )
    story = enrich(raw)
    assert story.language == "es"
    assert story.section.label == "sport"
    assert story.agency == "EFE"
    assert story.dateline.date == "10 dic"
    assert [b.kind for b in story.blocks] == [
        "section",
        "headline",
        "body",
        "signoff",
        "editor_codes",
    ]


def test_undated_dateline_takes_the_date_printed_on_the_page():
    raw = (
        "Storm dumps two feet of snow on Denver\nMarch 15, 2023 | 6:02 pm\n"
        "DENVER (AP) — A spring storm dumped up to two feet of snow on the Denver area on "
        "Wednesday, closing roads and grounding hundreds of flights."
    )
    assert enrich(raw).dateline.date == "2023-03-15"


def test_year_from_a_metadata_line_in_the_header():
    raw = (
        "Vietnam's coffee exports rise 8%\nSource: Xinhua | 2023-12-06 16:40:12 | Editor: Wang\n"
        "HANOI, Dec. 6 (Xinhua) -- Vietnam's coffee exports rose 8 percent in the first 11 "
        "months of the year, the ministry said on Wednesday."
    )
    assert enrich(raw).dateline.date == "2023-12-06"


def test_a_decorated_kicker_decides_and_is_kept_as_printed():
    body = (
        "QUITO, 4 mar (EFE).- El Gobierno de Ecuador presentó este martes un proyecto de "
        "ley para reformar el código electoral antes de los comicios del próximo año."
    )
    for printed in ("| Política", "Política 12:04", "Inicio > Mundo > Política"):
        section = enrich(f"{printed}\nEl Gobierno presenta la reforma electoral\n{body}").section
        assert (section.kicker, section.source, section.label) == (printed, "kicker", "politics")
    tagline = enrich(f"La voz de los Andes\nEl Gobierno presenta la reforma electoral\n{body}")
    assert tagline.section.kicker is None and tagline.section.source == "model"
