"""Which format a raw message is in, from its content type and its first bytes.

Cheap and pure: a look at the root element's name (after any XML prolog), a JSON
object's properties or a wire take's control characters; the reader of the format
then parses it for real. ``None`` means plain text (or the pipeline's JSON
envelope): the engine reads it as it always did.
"""

from __future__ import annotations

import re

import orjson

from pipeline.formats import ninjs

NEWSML_G2 = "newsml-g2"
NEWSML_1 = "newsml-1"
NITF = "nitf"
NINJS = "ninjs"
RSS = "rss"
ATOM = "atom"
ANPA = "anpa-1312"
IPTC7901 = "iptc-7901"
FORMATS = (NEWSML_G2, NEWSML_1, NITF, NINJS, RSS, ATOM, ANPA, IPTC7901)

CONTENT_TYPES = {
    "application/vnd.iptc.g2.newsitem+xml": NEWSML_G2,
    "application/vnd.iptc.g2.newsmessage+xml": NEWSML_G2,
    "application/vnd.iptc.g2.packageitem+xml": NEWSML_G2,
    "application/nitf+xml": NITF,
    "application/ninjs+json": NINJS,
    "application/rss+xml": RSS,
    "application/atom+xml": ATOM,
    "application/x-anpa-1312": ANPA,
    "application/x-iptc-7901": IPTC7901,
}
ROOTS = {
    "newsItem": NEWSML_G2,
    "newsMessage": NEWSML_G2,
    "packageItem": NEWSML_G2,
    "NewsML": NEWSML_1,
    "nitf": NITF,
    "rss": RSS,
    "RDF": RSS,
    "feed": ATOM,
}
# The first element after the XML declaration, comments, PIs and a DOCTYPE.
_ROOT = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>\s*)*"
    rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)",
    re.DOTALL,
)
_SNIFF = 8192
SOH, STX, ETX, SYN = b"\x01", b"\x02", b"\x03", b"\x16"
# IPTC 7901 headers start with a two-letter source and a service id after SOH;
# ANPA 1312 takes start with SYN SYN SOH, or SOH then a service letter and 4 digits.
_ANPA_HEAD = re.compile(rb"\A(?:\x16\x16)?\x01[a-zA-Z]\d{4}\x1f")


def detect(data: bytes | str | None, content_type: str | None = None) -> str | None:
    """One of :data:`FORMATS`, or None for plain text and the JSON envelope."""
    if not data:
        return None
    if isinstance(data, str):
        data = data.encode("utf-8", "replace")
    kind = (content_type or "").split(";", 1)[0].strip().casefold()
    if kind in CONTENT_TYPES:
        return CONTENT_TYPES[kind]
    head = data[:_SNIFF]
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start[:1] in (SOH, SYN):
        return ANPA if _ANPA_HEAD.match(start) else IPTC7901
    if start[:1] == b"<":
        m = _ROOT.match(head)
        return ROOTS.get(m[1].decode("ascii")) if m else None
    if start[:1] in (b"{", b"["):
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError:
            return None  # the envelope's reader says what is wrong with it
        return NINJS if ninjs.looks_like(obj) else None
    return None
