"""XML attacks refused: entity expansion, external entities (files and network),
oversized and over-deep documents; no network access, memory bounded."""

import socket
import tracemalloc

import pytest

from pipeline import formats
from pipeline.formats import xmlsafe
from pipeline.processor import RawMessage, process_all

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<nitf><body><body.head><hedline><hl1>&lol9;</hl1></hedline></body.head></body></nitf>"""

EXTERNAL = {
    "file": b'<?xml version="1.0"?><!DOCTYPE nitf [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b"<nitf><body><body.head><hedline><hl1>&x;</hl1></hedline></body.head></body></nitf>",
    "network": b'<?xml version="1.0"?><!DOCTYPE newsItem [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>'
    b'<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="g"><contentMeta>'
    b"<headline>&x;</headline></contentMeta></newsItem>",
    "parameter": b'<?xml version="1.0"?><!DOCTYPE nitf ['
    b'<!ENTITY % p SYSTEM "http://127.0.0.1:9/d.dtd"> %p;]><nitf/>',
    "dtd": b'<?xml version="1.0"?><!DOCTYPE nitf SYSTEM "http://127.0.0.1:9/nitf.dtd">'
    b"<nitf><body><body.head><hedline><hl1>Title</hl1></hedline></body.head></body></nitf>",
    "rss": b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b"<rss><channel><item><title>&x;</title></item></channel></rss>",
}


@pytest.fixture
def no_network(monkeypatch):
    """Any socket a reader opened would fail the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("a reader opened a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_billion_laughs_is_refused_with_bounded_memory(no_network):
    tracemalloc.start()
    with pytest.raises(formats.FormatError, match="entity declarations"):
        formats.read(LAUGHS, formats.detect(LAUGHS))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


@pytest.mark.parametrize("kind", sorted(EXTERNAL))
def test_external_entities_and_dtds_are_not_fetched(kind, no_network):
    data = EXTERNAL[kind]
    if kind == "dtd":  # a DOCTYPE naming an external DTD: read, the DTD never loaded
        (item,) = formats.read(data, formats.detect(data)).items
        assert item.headline == "Title"
        return
    with pytest.raises(formats.FormatError, match="entity declarations"):
        formats.read(data, formats.detect(data))


def test_a_100_mb_document_is_refused_before_parsing():
    data = (
        b"<nitf><body><body.content><p>"
        + b"x" * (100 * 1024 * 1024)
        + b"</p></body.content></body></nitf>"
    )
    with pytest.raises(formats.FormatError, match="above"):
        formats.read(data, "nitf")
    (outcome,) = process_all(RawMessage(value=data), max_bytes=1_048_576)
    assert outcome.letter.reason == "too_large" and outcome.letter.payload_omitted


def test_limits_of_the_parser_itself_hold():
    deep = b"<nitf>" + b"<p>" * 5000 + b"</p>" * 5000 + b"</nitf>"
    with pytest.raises(formats.FormatError, match="depth"):
        xmlsafe.parse(deep)
    long_text = b"<nitf><p>" + b"x" * (11 * 1024 * 1024) + b"</p></nitf>"
    with pytest.raises(formats.FormatError, match=r"limit|too long"):
        xmlsafe.parse(long_text)
