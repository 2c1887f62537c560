"""NITF 3.x (``<nitf>``): the News Industry Text Format as EFE, AP and archives send it.

Mapped after the NITF 3.6 schema: ``docdata/doc-id@id-string`` (guid),
``du-key@version``, ``urgency@ed-urg``, ``docdata@management-status``,
``date.issue``/``date.release``/``date.expire``, ``key-list/keyword``,
``tobject.subject@tobject.subject.refnum`` (IPTC subject codes), ``body.head``
(``hedline/hl1``, ``hl2``, ``byline``, ``dateline``, ``distributor``) and the
paragraphs of ``body.content``.
"""

from __future__ import annotations

from lxml import etree

from pipeline.formats import common, xmlsafe
from pipeline.formats.item import Document, FormatError, Item, Malformed, Subject
from pipeline.formats.xmlsafe import attr, child, descendants, local, text_of

FORMAT = "nitf"


def read(data: bytes) -> Document:
    """The one story of an NITF document."""
    root = xmlsafe.parse(data)
    if local(root) != "nitf":
        raise FormatError(f"not NITF: root element <{local(root)}>")
    try:
        item = read_element(root)
    except FormatError as error:
        return Document(FORMAT, [Malformed(str(error), data, 0)])
    return Document(FORMAT, [item])


def read_element(root: etree._Element, *, where_prefix: str = "nitf") -> Item:
    """An :class:`Item` from an ``<nitf>`` element (also NITF inside NewsML-G2)."""
    head = child(root, "head")
    docdata = child(head, "docdata")
    body = child(root, "body")
    body_head = child(body, "body.head")
    where: dict[str, str] = {}
    took = common.recorder(where, where_prefix)

    doc_id = attr(child(docdata, "doc-id"), "id-string")
    du_key = child(docdata, "du-key")
    version = attr(du_key, "version")
    urgency = common.urgency(attr(child(docdata, "urgency"), "ed-urg"))
    status = common.pubstatus(attr(docdata, "management-status"))
    hedline = child(body_head, "hedline")
    headline = text_of(child(hedline, "hl1")) or text_of(child(head, "title"))
    subheadline = text_of(child(hedline, "hl2"))
    byline_el = child(body_head, "byline")
    byline = _byline(byline_el)
    dateline = text_of(child(body_head, "dateline"))
    located = text_of(child(child(body_head, "dateline"), "location")) or text_of(
        child(docdata, "evloc")
    )
    subjects = [
        Subject(
            common.qcode(attr(s, "tobject.subject.refnum"), "subj"),
            attr(s, "tobject.subject.type") or attr(s, "tobject.subject.matter"),
        )
        for s in descendants(child(head, "tobject"), "tobject.subject")
        if attr(s, "tobject.subject.refnum")
    ]
    keywords = [k for k in (attr(e, "key") for e in descendants(docdata, "keyword")) if k]
    paragraphs = xmlsafe.paragraphs(child(body, "body.content"))
    lang = attr(root, "{http://www.w3.org/XML/1998/namespace}lang") or attr(
        head, "{http://www.w3.org/XML/1998/namespace}lang"
    )
    if not headline and not paragraphs:
        raise FormatError("NITF item with neither hedline nor body.content text")
    distributor = text_of(child(body_head, "distributor"))
    copyright_holder = attr(child(docdata, "doc.copyright"), "holder")
    ednote = attr(child(docdata, "ed-msg"), "info")
    took("guid", doc_id, "docdata/doc-id@id-string")
    took("created", attr(child(docdata, "date.issue"), "norm"), "docdata/date.issue@norm")
    took("version", version, "docdata/du-key@version")
    took("urgency", urgency, "docdata/urgency@ed-urg")
    took("pubstatus", status, "docdata@management-status")
    took("headline", headline, "hedline/hl1" if text_of(child(hedline, "hl1")) else "head/title")
    took("subheadline", subheadline, "hedline/hl2")
    took("byline", byline, "body.head/byline")
    took("dateline", dateline, "body.head/dateline")
    took("located", located, "dateline/location")
    took("subjects", subjects, "tobject/tobject.subject")
    took("language", lang, "@xml:lang")
    took("body", paragraphs, "body.content")
    took("provider", distributor or copyright_holder, "distributor")
    return Item(
        format=FORMAT,
        guid=doc_id,
        version=version,
        pubstatus=status,
        urgency=urgency,
        headline=headline,
        subheadline=subheadline,
        byline=byline,
        dateline=dateline,
        located=located,
        language=lang,
        subjects=subjects,
        keywords=keywords,
        provider=distributor or copyright_holder,
        first_created=common.iso_time(attr(child(docdata, "date.issue"), "norm")),
        embargoed=common.iso_time(attr(child(docdata, "date.release"), "norm")),
        body=paragraphs,
        ednote=ednote,
        where=where,
    )


def _byline(element: etree._Element | None) -> str | None:
    """The byline as printed: "By Ana Ruiz", its title (``byttl``) left out."""
    if element is None:
        return None
    parts = [element.text or ""]
    for sub in element:
        if local(sub) != "byttl":
            parts.append("".join(sub.itertext()))
        parts.append(sub.tail or "")
    text = " ".join("".join(parts).split()).strip(" ,;")
    return text or None
