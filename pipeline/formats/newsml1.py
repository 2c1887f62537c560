"""NewsML 1.2 (``<NewsML>``): still sent by AFP and by press-release wires.

Mapped after the NewsML 1.2 specification and Superdesk's reader: per ``NewsItem``,
``NewsIdentifier`` (``PublicIdentifier`` as guid, ``RevisionId`` and its ``Update``
flag), ``NewsManagement`` (``Status``, ``Urgency``, ``FirstCreated``,
``ThisRevisionCreated``), the ``NewsLines`` (``HeadLine``, ``SubHeadLine``,
``ByLine``, ``DateLine``, ``SlugLine``), ``DescriptiveMetadata`` (``Language``,
``SubjectCode``, keyword ``Property``) and the body: the text ``ContentItem`` of the
component that is not a contact, logo or boilerplate component, as NITF, XHTML or text.
"""

from __future__ import annotations

from lxml import etree

from pipeline.formats import common, nitf, xmlsafe
from pipeline.formats.item import Document, FormatError, Item, Malformed, Subject
from pipeline.formats.xmlsafe import attr, child, children, descendants, local, text_of

FORMAT = "newsml-1"
# Roles of components that travel with a press release but are not its story.
_NOT_THE_STORY = frozenset(
    {"contact", "contacts", "logo", "boilerplate", "about", "photo", "image"}
)


def read(data: bytes) -> Document:
    """Every ``NewsItem`` of a ``NewsML`` document, in order."""
    root = xmlsafe.parse(data)
    if local(root) != "NewsML":
        raise FormatError(f"not NewsML 1.x: root element <{local(root)}>")
    elements = children(root, "NewsItem")
    if not elements:
        raise FormatError("NewsML document without any NewsItem")
    items: list[Item | Malformed] = []
    for index, element in enumerate(elements):
        try:
            items.append(read_item(element, root))
        except FormatError as error:
            guid = text_of(next(iter(descendants(element, "PublicIdentifier")), None))
            items.append(Malformed(str(error), etree.tostring(element), index, guid))
    return Document(FORMAT, items)


def _formal(element: etree._Element | None) -> str | None:
    return attr(element, "FormalName")


def _role(component: etree._Element) -> str:
    return (_formal(child(component, "Role")) or "").casefold()


def _text_items(component: etree._Element) -> list[tuple[etree._Element, str]]:
    """Text content items of ``component`` and its sub-components with their role,
    depth first, skipping the components a press release adds (contacts, logos)."""
    out: list[tuple[etree._Element, str]] = []
    role = _role(component)
    if role in _NOT_THE_STORY:
        return out
    for content in children(component, "ContentItem"):
        media = (_formal(child(content, "MediaType")) or "text").casefold()
        if media == "text" and child(content, "DataContent") is not None:
            out.append((content, role))
    for sub in children(component, "NewsComponent"):
        out.extend(_text_items(sub))
    return out


def _body(component: etree._Element | None) -> tuple[list[str], str, Item | None]:
    if component is None:
        return [], "", None
    for content, role in _text_items(component):
        data = child(content, "DataContent")
        nested = next((e for e in data if local(e) == "nitf"), None) if data is not None else None
        path = "ContentItem/DataContent" + (f"[{role}]" if role else "")
        if nested is not None:
            try:
                item = nitf.read_element(nested)
            except FormatError:
                continue
            if item.body:
                return item.body, path + "/nitf", item
            continue
        html_body = descendants(data, "body")
        if html_body or len(data):
            paragraphs = xmlsafe.paragraphs(html_body[0] if html_body else data)
        else:
            paragraphs = xmlsafe.text_paragraphs(data.text or "")
        if paragraphs:
            return paragraphs, path, None
    return [], "", None


def read_item(element: etree._Element, root: etree._Element | None = None) -> Item:
    """An :class:`Item` from one ``NewsItem``."""
    ident = child(element, "Identification", "NewsIdentifier")
    management = child(element, "NewsManagement")
    component = child(element, "NewsComponent")
    lines = child(component, "NewsLines")
    descriptive = child(component, "DescriptiveMetadata")
    where: dict[str, str] = {}
    took = common.recorder(where, FORMAT)

    guid = text_of(child(ident, "PublicIdentifier"))
    revision = child(ident, "RevisionId")
    version = text_of(revision)
    signals = ("update",) if (attr(revision, "Update") or "N").upper() in ("U", "A") else ()
    status = common.pubstatus(_formal(child(management, "Status")))
    urgency = common.urgency(_formal(child(management, "Urgency")))
    if urgency is None and root is not None:
        urgency = common.urgency(_formal(child(root, "NewsEnvelope", "Priority")))
    headline = text_of(child(lines, "HeadLine"))
    subheadline = text_of(child(lines, "SubHeadLine"))
    byline = text_of(child(lines, "ByLine"))
    dateline = text_of(child(lines, "DateLine"))
    slugline = text_of(child(lines, "SlugLine"))
    lang = _formal(child(descriptive, "Language"))
    subjects = [
        Subject(common.qcode(_formal(s), "subj"), None)
        for code in children(descriptive, "SubjectCode")
        for s in code
        if local(s) in ("Subject", "SubjectMatter", "SubjectDetail") and _formal(s)
    ]
    keywords = [
        attr(p, "Value") or ""
        for p in children(descriptive, "Property")
        if (_formal(p) or "").casefold() == "keyword" and attr(p, "Value")
    ]
    provider = _formal(child(component, "AdministrativeMetadata", "Provider", "Party"))
    body, body_path, nested = _body(component)
    if nested is not None:
        headline = headline or nested.headline
        byline = byline or nested.byline
        dateline = dateline or nested.dateline
    if not (headline or body):
        raise FormatError(f"NewsItem {guid or '(no identifier)'} with neither HeadLine nor text")
    took("guid", guid, "NewsIdentifier/PublicIdentifier")
    took("version", version, "NewsIdentifier/RevisionId")
    took("signals", signals, "RevisionId@Update")
    took("pubstatus", status, "NewsManagement/Status")
    took("urgency", urgency, "NewsManagement/Urgency")
    took("created", text_of(child(management, "FirstCreated")), "NewsManagement/FirstCreated")
    took("headline", headline, "NewsLines/HeadLine")
    took("subheadline", subheadline, "NewsLines/SubHeadLine")
    took("byline", byline, "NewsLines/ByLine")
    took("dateline", dateline, "NewsLines/DateLine")
    took("slugline", slugline, "NewsLines/SlugLine")
    took("language", lang, "DescriptiveMetadata/Language")
    took("subjects", subjects, "DescriptiveMetadata/SubjectCode")
    took("provider", provider, "AdministrativeMetadata/Provider")
    took("body", body, body_path)
    return Item(
        format=FORMAT,
        guid=guid,
        version=version,
        pubstatus=status,
        signals=signals,
        urgency=urgency,
        headline=headline,
        subheadline=subheadline,
        slugline=slugline,
        byline=byline,
        dateline=dateline,
        language=lang,
        subjects=subjects,
        keywords=keywords,
        provider=provider,
        first_created=common.iso_time(text_of(child(management, "FirstCreated"))),
        version_created=common.iso_time(text_of(child(management, "ThisRevisionCreated"))),
        body=body,
        where=where,
    )
