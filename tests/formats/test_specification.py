"""The IPTC's own NewsML-G2 listings (../shared/formats/newsml-g2; skipped without
them) read by the reader, each field checked against the listing's own element."""

import pytest
from lxml import etree

from pipeline import formats
from pipeline.formats.item import Malformed
from tests.formats.conftest import shared

NAR = {"n": "http://iptc.org/std/nar/2006-10-01/"}


def listing(prefix):
    folder = shared("newsml-g2")
    (path,) = folder.glob(f"{prefix}_*.xml")
    return path.read_bytes(), etree.fromstring(path.read_bytes())


def first(tree, xpath):
    found = tree.xpath(xpath, namespaces=NAR)
    value = found[0] if found else None
    if isinstance(value, str):
        return " ".join(value.split())
    return " ".join("".join(value.itertext()).split()) if value is not None else None


@pytest.mark.parametrize("prefix", ["LISTING_1", "LISTING_2"])
def test_news_item_listings(prefix):
    data, tree = listing(prefix)
    assert formats.detect(data) == "newsml-g2"
    (item,) = formats.read(data, "newsml-g2").items
    assert item.guid == first(tree, "/n:newsItem/@guid")
    assert item.version == first(tree, "/n:newsItem/@version")
    assert item.headline == first(tree, "//n:contentMeta/n:headline")
    assert item.slugline == first(tree, "//n:contentMeta/n:slugline")
    assert item.language == (
        first(tree, "//n:contentMeta/n:language/@tag") or first(tree, "/n:newsItem/@xml:lang")
    )
    assert item.located == first(tree, "//n:contentMeta/n:located/n:name")
    assert [s.code for s in item.subjects] == tree.xpath(
        "//n:contentMeta/n:subject/@qcode", namespaces=NAR
    )
    assert item.pubstatus == first(tree, "//n:itemMeta/n:pubStatus/@qcode").split(":")[1]
    assert item.version_created[:10] == first(tree, "//n:itemMeta/n:versionCreated")[:10]
    paragraphs = tree.xpath("//n:inlineXML//*[local-name()='p']", namespaces=NAR)
    assert len(item.body) == len(paragraphs)
    if prefix == "LISTING_1":  # the embargoed item: its note, signal and embargo read
        assert item.signals == ("update",)
        assert item.ednote == first(tree, "//n:itemMeta/n:edNote")
        assert item.embargoed[:10] == first(tree, "//n:itemMeta/n:embargoed")[:10]
    else:
        assert item.where["body"] == "newsml-g2:contentSet/inlineXML/nitf"


def test_news_message_listing_gives_one_result_per_item():
    data, tree = listing("LISTING_24")
    items = formats.read(data, "newsml-g2").items
    guids = tree.xpath("//n:itemSet/n:newsItem/@guid", namespaces=NAR)
    assert [i.guid for i in items] == guids
    # the listing's items are placeholders ("....."): each is a malformed item
    assert all(isinstance(i, Malformed) for i in items)


def test_package_and_fragment_listings():
    data, _ = listing("LISTING_6")
    with pytest.raises(formats.FormatError, match="packageItem"):
        formats.read(data, formats.detect(data))
    fragment, _ = listing("LISTING_28")  # a contentMeta fragment, no document
    assert formats.detect(fragment) is None
