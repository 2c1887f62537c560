"""XML for agency documents, parsed so a document cannot reach out or blow up.

Entity declarations are refused outright (billion laughs, external entities), the
parser resolves no entity, loads no DTD, touches no network and keeps libxml2's
limits on depth and text size (``huge_tree`` off). Also the markup-to-paragraphs
helpers every reader shares: block elements become paragraphs, inline ones run on.
"""

from __future__ import annotations

import re

from lxml import etree, html

from pipeline.formats.item import FormatError

# A DTD with declarations: entities (expansion, external files) and nothing a news
# item needs. A plain <!DOCTYPE nitf ...> without an internal subset is fine.
_DECLARATION = re.compile(rb"<!DOCTYPE[^>\[]*\[|<!ENTITY", re.IGNORECASE)
_PROLOG_SPAN = 4096


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
    )


def refuse_declarations(data: bytes) -> None:
    """Raise :class:`FormatError` for a document that declares entities or a DTD
    subset: what entity-expansion and external-entity attacks need."""
    if _DECLARATION.search(data[:_PROLOG_SPAN]) or b"<!ENTITY" in data:
        raise FormatError("XML with a DTD subset or entity declarations is refused")


def parse(data: bytes) -> etree._Element:
    """The root element of ``data``, parsed safely (see the module docstring)."""
    refuse_declarations(data)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        raise FormatError(f"not well-formed XML: {error}") from None
    if root is None:
        raise FormatError("no root element")
    return root


def local(element: etree._Element) -> str:
    """The tag without its namespace ("newsItem")."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def children(element: etree._Element | None, name: str) -> list[etree._Element]:
    """Direct children named ``name`` whatever their namespace."""
    if element is None:
        return []
    return [child for child in element if local(child) == name]


def child(element: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element down ``path`` (local names), or None."""
    for name in path:
        if element is None:
            return None
        found = children(element, name)
        element = found[0] if found else None
    return element


def descendants(element: etree._Element | None, name: str) -> list[etree._Element]:
    """Every element below ``element`` named ``name`` whatever its namespace."""
    if element is None:
        return []
    return [e for e in element.iter() if local(e) == name]


def text_of(element: etree._Element | None) -> str | None:
    """All the text inside ``element``, whitespace made single; None when empty."""
    if element is None:
        return None
    text = " ".join("".join(element.itertext()).split())
    return text or None


def attr(element: etree._Element | None, name: str) -> str | None:
    if element is None:
        return None
    value = element.get(name)
    return value.strip() if value and value.strip() else None


# Elements that start a paragraph of their own (XHTML, NITF and NewsML 1 bodies).
BLOCKS = frozenset(
    {
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "blockquote",
        "pre",
        "tr",
        "hl1",
        "hl2",
        "dd",
        "dt",
        "section",
        "article",
        "figcaption",
    }
)
# Elements whose text is not story copy.
SKIPPED = frozenset({"script", "style", "head", "title", "media", "img", "object", "iframe"})


def paragraphs(element: etree._Element | None) -> list[str]:
    """The paragraphs of a markup body: one per block element (or ``<br>``-separated
    run), inline markup flattened, whitespace made single."""
    if element is None:
        return []
    out: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = " ".join("".join(current).split())
        if text:
            out.append(text)
        current.clear()

    def walk(node: etree._Element) -> None:
        name = local(node).lower()
        if name in SKIPPED:
            if node.tail:
                current.append(node.tail)
            return
        block = name in BLOCKS
        if block or name == "br":
            flush()
        if node.text and name != "br":
            current.append(node.text)
        for sub in node:
            walk(sub)
        if block:
            flush()
        if node.tail:
            current.append(node.tail)

    if element.text:
        current.append(element.text)
    for sub in element:
        walk(sub)
    flush()
    return out


def html_paragraphs(markup: str) -> list[str]:
    """:func:`paragraphs` of an HTML fragment (a ninjs ``body_html``, an RSS
    description), parsed by libxml2's HTML parser with the network off; text without
    any markup is split at blank lines."""
    if "<" not in markup:
        return text_paragraphs(markup)
    parser = html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
    try:
        root = html.fragment_fromstring(markup, create_parent="div", parser=parser)
    except (etree.ParserError, ValueError):
        return text_paragraphs(re.sub(r"<[^>]*>", " ", markup))
    return paragraphs(root)


def text_paragraphs(text: str) -> list[str]:
    """Plain text split at blank lines, each paragraph's whitespace made single (one
    paragraph a line when the text has no blank line but several lines)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    return [" ".join(p.split()) for p in parts if p.strip()]
