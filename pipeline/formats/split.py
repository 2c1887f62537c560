"""A feed document cut into one document per entry, for a poller to send only the new.

Pure: bytes in, ``(entry id, entry document)`` pairs out. Each piece keeps the feed's
channel (title, language) and one entry, so it reads exactly as that entry of the whole
feed reads; the id is the entry's own (RSS ``guid`` or ``link``, Atom ``id``), else a
hash of the entry's bytes.
"""

from __future__ import annotations

import copy
import hashlib

from lxml import etree

from pipeline.formats import xmlsafe
from pipeline.formats.item import FormatError
from pipeline.formats.xmlsafe import child, children, local, text_of


def _entry_id(entry: etree._Element) -> str:
    for name in ("guid", "id", "link"):
        found = child(entry, name)
        value = text_of(found) or (found.get("href") if found is not None else None)
        if value:
            return value
    return "sha1:" + hashlib.sha1(etree.tostring(entry)).hexdigest()


def entries(data: bytes) -> list[tuple[str, bytes]]:
    """``(id, document)`` for each entry of an RSS or Atom document, in order."""
    root = xmlsafe.parse(data)
    name = local(root)
    if name == "rss":
        parent_path: tuple[str, ...] = ("channel",)
        entry_name = "item"
    elif name == "feed":
        parent_path, entry_name = (), "entry"
    elif name == "RDF":  # RSS 1.0: items are the root's children
        parent_path, entry_name = (), "item"
    else:
        raise FormatError(f"not a feed: <{name}>")
    parent = child(root, *parent_path) if parent_path else root
    if parent is None:
        raise FormatError(f"{name} without {'/'.join(parent_path)}")
    out = []
    for index, entry in enumerate(children(parent, entry_name)):
        piece = copy.deepcopy(root)
        piece_parent = child(piece, *parent_path) if parent_path else piece
        for position, other in enumerate(children(piece_parent, entry_name)):
            if position != index:
                piece_parent.remove(other)
        out.append(
            (_entry_id(entry), etree.tostring(piece, xml_declaration=True, encoding="UTF-8"))
        )
    return out
