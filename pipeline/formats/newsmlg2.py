"""NewsML-G2 (``newsItem``, ``newsMessage``): the IPTC's format most agencies send.

Mapped after the NewsML-G2 2.35 specification's listings and Superdesk's reader:
``newsItem@guid``/``@version``/``@xml:lang``; ``itemMeta`` (``pubStatus``,
``signal``, ``provider``, ``versionCreated``, ``firstCreated``, ``embargoed``,
``edNote``); ``contentMeta`` (``urgency``, ``headline`` and its ``hdl:sub`` role,
``slugline``, ``dateline``, ``located``, ``by``/``creator``, ``language``,
``subject``, ``keyword``); the body from ``contentSet/inlineXML`` (XHTML or NITF) or
``inlineData``. A ``newsMessage`` gives one result per ``newsItem`` of its
``itemSet``; ``packageItem``s only group items by reference and carry no story.
"""

from __future__ import annotations

from lxml import etree

from pipeline.formats import common, nitf, xmlsafe
from pipeline.formats.item import Document, FormatError, Item, Malformed, Subject
from pipeline.formats.xmlsafe import attr, child, children, descendants, local, text_of

FORMAT = "newsml-g2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def read(data: bytes) -> Document:
    """Every news item of a ``newsItem`` or ``newsMessage`` document, in order."""
    root = xmlsafe.parse(data)
    name = local(root)
    if name == "newsItem":
        elements = [root]
    elif name == "newsMessage":
        elements = [e for s in children(root, "itemSet") for e in children(s, "newsItem")]
        if not elements:
            raise FormatError("newsMessage without any newsItem in its itemSet")
    elif name == "packageItem":
        raise FormatError("a packageItem only groups items by reference: no story of its own")
    else:
        raise FormatError(f"not a NewsML-G2 news item or message: <{name}>")
    items: list[Item | Malformed] = []
    for index, element in enumerate(elements):
        try:
            items.append(read_item(element))
        except FormatError as error:
            items.append(
                Malformed(str(error), etree.tostring(element), index, attr(element, "guid"))
            )
    return Document(FORMAT, items)


def _headlines(meta: etree._Element | None) -> tuple[str | None, str | None]:
    """The main headline (no role, or a role not naming a sub/short headline) and the
    sub-headline (``role="hdl:sub"`` or ``hdl:subheadline``)."""
    main = sub = None
    for element in children(meta, "headline"):
        role = (attr(element, "role") or "").rsplit(":", 1)[-1].casefold()
        text = text_of(element)
        if not text:
            continue
        if role.startswith("sub"):
            sub = sub or text
        elif role in ("", "main", "headline", "long") and main is None:
            main = text
    if main is None:
        other = [text_of(e) for e in children(meta, "headline") if text_of(e)]
        main = other[0] if other and other[0] != sub else None
    return main, sub


def read_item(element: etree._Element) -> Item:
    """An :class:`Item` from one ``newsItem`` element."""
    item_meta = child(element, "itemMeta")
    meta = child(element, "contentMeta")
    where: dict[str, str] = {}
    took = common.recorder(where, FORMAT)

    item_class = attr(child(item_meta, "itemClass"), "qcode") or ""
    if item_class and item_class.rsplit(":", 1)[-1] not in ("text", "composite"):
        raise FormatError(f"news item of class {item_class}: no text story")
    guid = attr(element, "guid")
    version = attr(element, "version")
    status = common.pubstatus(attr(child(item_meta, "pubStatus"), "qcode"))
    signals = tuple(
        s for s in (common.signal(attr(e, "qcode")) for e in children(item_meta, "signal")) if s
    )
    provider_el = child(item_meta, "provider")
    provider = text_of(child(provider_el, "name")) or attr(provider_el, "literal")
    provider = provider or attr(provider_el, "qcode") or attr(provider_el, "uri")
    headline, subheadline = _headlines(meta)
    byline = text_of(child(meta, "by")) or text_of(child(child(meta, "creator"), "name"))
    located = text_of(child(child(meta, "located"), "name"))
    subjects = [
        Subject(attr(s, "qcode") or attr(s, "uri") or attr(s, "literal"), text_of(child(s, "name")))
        for s in children(meta, "subject")
        if (attr(s, "type") or "").rsplit(":", 1)[-1] != "geoArea"
    ]
    lang = attr(child(meta, "language"), "tag") or attr(element, XML_LANG)
    body, body_path, nested = _body(child(element, "contentSet"))
    if nested is not None:  # NITF inside: its fields fill what contentMeta left out
        headline = headline or nested.headline
        subheadline = subheadline or nested.subheadline
        byline = byline or nested.byline
    if not (headline or body):
        raise FormatError(f"news item {guid or '(no guid)'} with neither headline nor body")
    took("guid", guid, "newsItem@guid")
    if child(item_meta, "firstCreated") is not None:
        took("created", True, "itemMeta/firstCreated")
    elif child(meta, "contentCreated") is not None:
        took("created", True, "contentMeta/contentCreated")
    elif child(item_meta, "versionCreated") is not None:
        took("created", True, "itemMeta/versionCreated")
    took("version", version, "newsItem@version")
    took("pubstatus", status, "itemMeta/pubStatus")
    took("signals", signals, "itemMeta/signal")
    took("provider", provider, "itemMeta/provider")
    took("urgency", common.urgency(text_of(child(meta, "urgency"))), "contentMeta/urgency")
    took("headline", headline, "contentMeta/headline")
    took("subheadline", subheadline, "contentMeta/headline[@role=hdl:sub]")
    took("slugline", text_of(child(meta, "slugline")), "contentMeta/slugline")
    took("byline", byline, "contentMeta/by" if child(meta, "by") is not None else "creator")
    took("dateline", text_of(child(meta, "dateline")), "contentMeta/dateline")
    took("located", located, "contentMeta/located")
    took("subjects", subjects, "contentMeta/subject")
    took(
        "language",
        lang,
        "contentMeta/language@tag" if child(meta, "language") is not None else "newsItem@xml:lang",
    )
    took("body", body, body_path)
    if nested is not None:
        for name, path in nested.where.items():
            where.setdefault(name, f"{FORMAT}:inlineXML/{path}")
    return Item(
        format=FORMAT,
        guid=guid,
        version=version,
        pubstatus=status,
        signals=signals,
        urgency=common.urgency(text_of(child(meta, "urgency"))),
        headline=headline,
        subheadline=subheadline,
        slugline=text_of(child(meta, "slugline")),
        byline=byline,
        dateline=text_of(child(meta, "dateline")),
        located=located,
        language=lang,
        subjects=subjects,
        keywords=[k for k in (text_of(e) for e in children(meta, "keyword")) if k],
        provider=provider,
        first_created=common.iso_time(text_of(child(item_meta, "firstCreated")))
        or common.iso_time(text_of(child(meta, "contentCreated"))),
        version_created=common.iso_time(text_of(child(item_meta, "versionCreated"))),
        embargoed=common.iso_time(text_of(child(item_meta, "embargoed"))),
        body=body,
        ednote=text_of(child(item_meta, "edNote")),
        where=where,
    )


def _body(content_set: etree._Element | None) -> tuple[list[str], str, Item | None]:
    """Body paragraphs from the first inlineXML (XHTML ``<body>``, or NITF, whose item
    is returned too) or inlineData; with the path it came from."""
    for inline in children(content_set, "inlineXML"):
        nested_nitf = next((e for e in inline if local(e) == "nitf"), None)
        if nested_nitf is not None:
            try:
                nested = nitf.read_element(nested_nitf, where_prefix="nitf")
            except FormatError:
                continue
            return nested.body, "contentSet/inlineXML/nitf", nested
        html_body = descendants(inline, "body")
        paragraphs = xmlsafe.paragraphs(html_body[0] if html_body else inline)
        if paragraphs:
            return paragraphs, "contentSet/inlineXML", None
    for inline in children(content_set, "inlineData"):
        text = "".join(inline.itertext())
        content_type = (attr(inline, "contenttype") or "").casefold()
        paragraphs = (
            xmlsafe.html_paragraphs(text)
            if "html" in content_type
            else xmlsafe.text_paragraphs(text)
        )
        if paragraphs:
            return paragraphs, "contentSet/inlineData", None
    return [], "", None
