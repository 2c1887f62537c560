"""The agencies' own formats in: detect a raw message's format and read its items.

``detect(data, content_type)`` names the format (None: plain text or the JSON
envelope, read as before); ``read(data, fmt)`` gives a :class:`Document` of
:class:`Item` s (or :class:`Malformed` ones); :func:`compose.read_item` turns an
item into the engine's story with the format's fields laid over. Pure functions:
bytes in, values out; no file, socket or clock.
"""

from __future__ import annotations

from pipeline.formats.item import Document, FormatError, Item, Malformed, Subject
from pipeline.formats.sniff import FORMATS, detect

__all__ = ["FORMATS", "Document", "FormatError", "Item", "Malformed", "Subject", "detect", "read"]


# Above any agency document (a news message of a hundred items is a few MB), below
# what would let one document hold the reader's memory: refused before parsing. The
# worker's own story limit (WIRES_MAX_STORY_BYTES) refuses sooner.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024


def read(data: bytes, fmt: str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> Document:
    """The items of ``data`` in format ``fmt`` (one of :data:`FORMATS`); raises
    :class:`FormatError` when the document as a whole cannot be read, or is over
    ``max_bytes``."""
    if len(data) > max_bytes:
        raise FormatError(f"{fmt} document of {len(data)} bytes, above {max_bytes}")
    from pipeline.formats import sniff as d

    if fmt == d.NEWSML_G2:
        from pipeline.formats import newsmlg2

        return newsmlg2.read(data)
    if fmt == d.NITF:
        from pipeline.formats import nitf

        return nitf.read(data)
    if fmt == d.NINJS:
        from pipeline.formats import ninjs

        return ninjs.read(data)
    if fmt in (d.RSS, d.ATOM):
        from pipeline.formats import feeds

        return feeds.read(data, fmt)
    if fmt == d.NEWSML_1:
        from pipeline.formats import newsml1

        return newsml1.read(data)
    if fmt in (d.ANPA, d.IPTC7901):
        from pipeline.formats import wire

        return wire.read(data, fmt)
    raise FormatError(f"no reader for format {fmt!r}")
