"""Each format's reader on invented samples: the format detected, every field right,
the same story in text, NITF, NewsML-G2 and ninjs read the same."""

import pytest

from pipeline import formats
from pipeline.formats import compose, sniff
from pipeline.formats.item import Malformed
from pipeline.text import versions
from pipeline.text.engine import enrich
from pipeline.text.story import Meta
from tests.formats.conftest import SAMPLES, sample_files

RECEIVED = "2027-02-12T10:30:00Z"

DETECTED = {
    "tarija-harvest.text": None,
    "tarija-harvest.nitf.xml": sniff.NITF,
    "tarija-harvest.newsml-g2.xml": sniff.NEWSML_G2,
    "message-three-items.newsml-g2.xml": sniff.NEWSML_G2,
    "tarija-harvest.ninjs1.json": sniff.NINJS,
    "tarija-harvest.ninjs2.json": sniff.NINJS,
    "tarija-harvest.ninjs3.json": sniff.NINJS,
    "three-objects.ninjs2.json": sniff.NINJS,
    "wire.rss.xml": sniff.RSS,
    "wire.atom.xml": sniff.ATOM,
    "broken.nitf.xml": sniff.NITF,
    "entities.newsml-g2.xml": sniff.NEWSML_G2,
    "external-entity.nitf.xml": sniff.NITF,
    "release-and-news.newsml-1.xml": sniff.NEWSML_1,
    "glacier-lake.anpa": sniff.ANPA,
    "two-takes.iptc7901": sniff.IPTC7901,
}


@pytest.mark.parametrize("name", sorted(DETECTED))
def test_format_detected_from_the_content(name):
    assert formats.detect((SAMPLES / name).read_bytes()) == DETECTED[name]


def test_every_sample_is_listed():
    assert {p.name for p in sample_files()} == set(DETECTED)
    cited = (SAMPLES / "README.md").read_text()
    assert all(f"`{name}`" in cited for name in DETECTED)


def test_content_type_wins_over_sniffing():
    data = b"<nitf><body><body.head><hedline><hl1>H</hl1></hedline></body.head></body></nitf>"
    assert formats.detect(data, "application/nitf+xml; charset=utf-8") == sniff.NITF
    assert formats.detect(b"plain text", "application/vnd.iptc.g2.newsitem+xml") == "newsml-g2"
    assert formats.detect(b"<html><body>page</body></html>") is None
    assert formats.detect(b'{"text": "a story", "feed": "x"}') is None  # the envelope


def only(name):
    document = formats.read(
        (SAMPLES / name).read_bytes(), formats.detect((SAMPLES / name).read_bytes())
    )
    assert len(document.items) == 1
    return document.items[0]


def story_of(name, received_at=RECEIVED):
    data = (SAMPLES / name).read_bytes()
    fmt = formats.detect(data)
    meta = Meta(received_at=received_at)
    if fmt is None:
        return [enrich(data, meta)]
    return [
        compose.read_item(item, meta, enrich, index=i)
        for i, item in enumerate(formats.read(data, fmt).items)
        if not isinstance(item, Malformed)
    ]


HEADLINE = "Tarija vineyards bring the grape harvest forward after a dry winter"


def test_nitf_fields():
    item = only("tarija-harvest.nitf.xml")
    assert item.guid == "wires-test:20270212:tarija-harvest"
    assert item.version == "2"
    assert item.urgency == 4
    assert item.pubstatus == "usable"
    assert item.headline == HEADLINE
    assert item.subheadline == "Growers expect fewer but sweeter grapes"
    assert item.byline == "By Invented Reporter"  # the byttl title left out
    assert item.dateline == "TARIJA (Bolivia), Feb 12 (EFE)"
    assert item.language == "en"
    assert [s.code for s in item.subjects] == ["subj:04000000", "subj:04001000"]
    assert item.keywords == ["wine", "Bolivia"]
    assert item.first_created == "2027-02-12T09:30:00.000Z"
    assert len(item.body) == 5 and item.body[2].endswith("near the town of Uriondo.")
    assert item.where["headline"] == "nitf:hedline/hl1"


def test_newsml_g2_fields():
    item = only("tarija-harvest.newsml-g2.xml")
    assert item.guid == "urn:newsml:wires-test:20270212:tarija-harvest"
    assert (item.version, item.pubstatus, item.signals) == ("2", "usable", ("update",))
    assert item.urgency == 4
    assert item.headline == HEADLINE
    assert item.subheadline == "Growers expect fewer but sweeter grapes"
    assert item.slugline == "BOLIVIA-WINE/HARVEST"
    assert item.dateline == "TARIJA (Bolivia), Feb 12 (EFE)"
    assert item.located == "Tarija"
    assert item.language == "en-GB"
    # a geoArea subject is a place, not a subject code
    assert [s.code for s in item.subjects] == ["medtop:04000000", "medtop:20000209"]
    assert item.provider == "nprov:EFE"
    assert item.ednote == "Adds quote from grower in paragraph 3"
    assert (item.first_created, item.version_created) == (
        "2027-02-12T09:30:00.000Z",
        "2027-02-12T10:05:00.000Z",
    )
    assert item.body[0].startswith("TARIJA (Bolivia), Feb 12 (EFE).- Growers")
    assert "Tarija harvest" not in " ".join(item.body)  # the XHTML head is no body
    assert item.where["body"] == "newsml-g2:contentSet/inlineXML"


@pytest.mark.parametrize("generation", [1, 2, 3])
def test_ninjs_fields_in_each_generation(generation):
    item = only(f"tarija-harvest.ninjs{generation}.json")
    assert item.format == f"ninjs-{generation}"
    assert item.guid == "urn:newsml:wires-test:20270212:tarija-harvest"
    assert (item.version, item.pubstatus, item.urgency) == ("2", "usable", 4)
    assert item.headline == HEADLINE
    assert item.byline == "By Invented Reporter"
    assert item.located == "Tarija"
    assert item.language == "en"
    assert item.subjects[0].code == "medtop:04000000"
    assert item.version_created == "2027-02-12T10:05:00.000Z"
    assert len(item.body) == 5 and item.body[-1] == "lmr/jgb/sc"
    if generation == 3:
        assert item.embargoed == "2027-02-12T12:00:00.000Z"
        assert item.where["pubstatus"] == "ninjs-3:pubStatus"


FORMATS_OF_TARIJA = [
    "tarija-harvest.nitf.xml",
    "tarija-harvest.newsml-g2.xml",
    "tarija-harvest.ninjs1.json",
    "tarija-harvest.ninjs2.json",
    "tarija-harvest.ninjs3.json",
]


@pytest.mark.parametrize("name", FORMATS_OF_TARIJA)
def test_the_same_story_reads_the_same_in_every_format(name):
    (text,) = story_of("tarija-harvest.text")
    (story,) = story_of(name)
    assert story.headline == text.headline == HEADLINE
    assert story.body == text.body and len(story.body) == 4  # desk codes stripped
    assert story.editor_codes == text.editor_codes == ["lmr/jgb/sc"]
    assert story.dateline == text.dateline
    assert story.dateline.date == "2027-02-12" and story.dateline.place == "Tarija"
    assert (story.section.label, story.section.code) == (text.section.label, text.section.code)
    assert story.section.source == "format" and text.section.source == "kicker"
    assert story.language == text.language == "en"
    assert story.agency == text.agency == "EFE"
    assert story.id == text.id  # the same text, whichever format carried it


def test_the_same_guid_is_one_story_in_every_format():
    ids = {story_of(name)[0].story_id for name in FORMATS_OF_TARIJA if "nitf" not in name}
    assert len(ids) == 1


def test_provenance_says_where_each_field_came_from():
    (story,) = story_of("tarija-harvest.newsml-g2.xml")
    assert story.provenance["headline"] == "newsml-g2:contentMeta/headline"
    assert story.provenance["dateline"] == "newsml-g2:contentMeta/dateline"
    assert story.provenance["section"] == "newsml-g2:contentMeta/subject"
    assert story.provenance["language"] == "newsml-g2:contentMeta/language@tag"
    assert story.provenance["story_id"] == "newsml-g2:newsItem@guid"
    assert "agency" not in story.provenance  # the engine read it from the dateline
    assert story.item.guid == "urn:newsml:wires-test:20270212:tarija-harvest"
    assert story.item.version == "2" and story.item.urgency == 4
    assert story.signals == ["update"]


def test_news_message_items_in_order_one_malformed():
    data = (SAMPLES / "message-three-items.newsml-g2.xml").read_bytes()
    document = formats.read(data, "newsml-g2")
    first, second, third = document.items
    assert first.headline and third.headline
    assert isinstance(second, Malformed) and second.index == 1
    assert "neither headline nor body" in second.error
    assert b"empty-item" in second.payload
    ferry, museum = story_of("message-three-items.newsml-g2.xml")
    assert ferry.headline == "Island ferry adds a night crossing for hospital staff"
    assert ferry.body[-1].endswith("as the day fare.")  # "(More)" stripped
    assert ferry.dateline.text == "KIEL, March 4 (dpa)" and ferry.agency == "dpa"
    assert ferry.section.label == "society"
    assert museum.language == "de" and museum.dateline.place == "Lübeck"
    assert museum.pubstatus == "withdrawn" and museum.signals == ["correction"]
    assert museum.item.pubstatus == "canceled" and museum.item.index == 2
    assert len(museum.body) == 2  # inlineData split at its blank line


def test_ninjs_array_with_a_bad_object():
    document = formats.read((SAMPLES / "three-objects.ninjs2.json").read_bytes(), "ninjs")
    assert [type(i).__name__ for i in document.items] == ["Item", "Malformed", "Item"]
    boat, wind = story_of("three-objects.ninjs2.json")
    assert boat.language == "es" and boat.section.label == "science and technology"
    assert boat.body[-1].startswith("La embarcación") and boat.editor_codes == ["xm/aa"]
    assert wind.agency == "Reuters" and wind.dateline.place == "Lisbon"
    assert wind.body[-1] == "Construction is due to start next year."  # credits stripped


def test_rss_entries():
    glacier, library = story_of("wire.rss.xml")
    assert glacier.headline == "Glacier lake drained to protect Andean valley town"
    assert glacier.item.guid == "wires-test-1001" and glacier.item.format == "rss"
    assert glacier.dateline.place == "Huaraz" and glacier.dateline.date == "2027-03-04"
    assert glacier.section.label == "environment"  # the category's Media Topic code
    assert glacier.body[-1].endswith("the regional government said.")  # content:encoded
    assert not any("All rights reserved" in p for p in glacier.body)
    assert glacier.byline == "By Invented Writer"
    assert library.body == [
        "The central library will open until 10 p.m. on weekdays from May, the council "
        "decided on Thursday."
    ]
    assert library.item.first_created == "2027-03-04T10:00:00.000Z"


def test_atom_entries():
    jazz, port = story_of("wire.atom.xml")
    assert jazz.language == "fr" and jazz.agency == "AFP"
    assert jazz.section.label == "arts, culture, entertainment and media"
    assert jazz.editor_codes == ["abc/def/ghi"]
    assert jazz.item.guid == "urn:uuid:7d1e4a2c-0000-4000-8000-000000000002"
    assert port.body == ["Les travaux commenceront en septembre et dureront deux ans."]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("broken.nitf.xml", "not well-formed XML"),
        ("entities.newsml-g2.xml", "entity declarations is refused"),
        ("external-entity.nitf.xml", "entity declarations is refused"),
    ],
)
def test_unreadable_documents_are_refused(name, message):
    data = (SAMPLES / name).read_bytes()
    with pytest.raises(formats.FormatError, match=message):
        formats.read(data, formats.detect(data))


def test_newsml_1_press_release_and_news_item():
    release, news = story_of("release-and-news.newsml-1.xml")
    assert release.headline == "Invented Robotics opens a repair training centre in Porto"
    assert release.item.subheadline == "Two hundred technicians a year to be trained"
    # the text component among a logo and a contact component; the contact left out
    assert len(release.body) == 2 and not any("Media contact" in p for p in release.body)
    assert release.dateline.place == "Porto" and release.dateline.date == "2027-03-04"
    assert release.section.label == "economy, business and finance"
    assert release.item.guid == "urn:newsml:release-wire.example:20270304:PR-88123:1"
    assert release.item.keywords == ["robotics"] and release.item.urgency == 5  # envelope's
    assert news.signals == ["update"] and news.item.version == "2" and news.item.urgency == 3
    assert news.language == "fr" and news.agency == "AFP"
    assert news.section.label == "science and technology"
    assert news.editor_codes == ["abc/def"] and len(news.body) == 2
    assert news.item.first_created == "2027-03-04T09:00:00.000Z"
    assert news.provenance["headline"] == "newsml-1:NewsLines/HeadLine"


def test_anpa_1312_take():
    (story,) = story_of("glacier-lake.anpa")
    assert story.headline == "Glacier lake drained to protect Andean valley town"
    assert story.byline == "By INVENTED WRITER"
    assert story.dateline.text == "HUARAZ, Peru (AP)" and story.agency == "AP"
    assert story.body[0].startswith("Engineers began draining")  # the 7-bit dash read
    assert story.body[-1] == "The work will take three weeks, the regional government said."
    item = story.item
    assert (item.urgency, item.slugline, item.version) == (3, "Glacier-Lake", "1st Ld-Writethru")
    assert [s.code for s in item.subjects] == ["anpa:i"]  # international: the model decides
    assert story.section.source == "model"
    assert item.first_created == "2027-03-04T09:15:00.000Z" and item.provider == "AP"
    # no guid: named as the engine names a story, from the format's headline
    assert story.story_id == versions.story_id("AP", story.headline)
    assert "story_id" not in story.provenance


def test_iptc_7901_takes_one_cut_off():
    data = (SAMPLES / "two-takes.iptc7901").read_bytes()
    first, second = formats.read(data, "iptc-7901").items
    assert not isinstance(first, Malformed)
    assert isinstance(second, Malformed) and "without ETX" in second.error
    assert second.payload.startswith(b"\x01dpa0232")
    (story,) = story_of("two-takes.iptc7901")
    assert story.headline == "Aufsteiger gewinnt das Derby in letzter Minute"
    assert story.body == [
        "Der Aufsteiger hat das Derby am Samstag mit 2:1 gewonnen. Das Siegtor fiel in der "
        "Nachspielzeit.",
        "Vor 9000 Zuschauern war die Partie lange ausgeglichen.",
    ]
    assert story.editor_codes == ["dpa xy yyzz"]
    assert story.item.ednote == "Korrigiert die Zuschauerzahl im zweiten Absatz"
    assert story.section.label == "sport" and story.section.source == "format"
    assert (story.item.urgency, story.item.slugline) == (4, "Fussball/Regionalliga")
    assert story.language == "de" and story.agency == "dpa"
