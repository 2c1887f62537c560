"""IPTC ninjs (News in JSON) 1.x, 2.x and 3.x in: AP's and dpa's APIs, Superdesk.

The three generations name things differently: 1.x has ``headline``, ``byline``,
``body_text``/``body_html``, ``subject`` (``code`` + ``scheme``); 2.x has
``headlines``, ``by``, ``bodies`` (``role``, ``contenttype``), ``subjects``
(``uri``/``literal``); 3.x writes properties in camelCase (``versionCreated``,
``pubStatus``, ``contentType``, ``embargoedUntil``). The reader takes all three and
records which property gave each field. A JSON array gives one item per object.
"""

from __future__ import annotations

from typing import Any

import orjson

from pipeline.formats import common, xmlsafe
from pipeline.formats.item import Document, FormatError, Item, Malformed, Subject

FORMAT = "ninjs"
# Properties only ninjs has (the JSON envelope of plain text has "text" instead).
MARKERS = frozenset(
    {
        "uri",
        "headlines",
        "headline",
        "bodies",
        "body_text",
        "body_html",
        "bodyText",
        "bodyHtml",
        "versioncreated",
        "versionCreated",
        "ninjsversion",
        "$standard",
        "standard",
    }
)


def looks_like(obj: object) -> bool:
    """A JSON object that reads as ninjs rather than the pipeline's text envelope."""
    if isinstance(obj, list):  # a batch: one readable object names it (others may be bad)
        return any(isinstance(o, dict) and looks_like(o) for o in obj)
    if not isinstance(obj, dict) or isinstance(obj.get("text"), str):
        return False
    return len(MARKERS.intersection(obj)) >= 1


def read(data: bytes) -> Document:
    """Every ninjs object of ``data`` (an object, or an array of them)."""
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise FormatError(f"invalid JSON: {error}") from None
    objects = parsed if isinstance(parsed, list) else [parsed]
    items: list[Item | Malformed] = []
    for index, obj in enumerate(objects):
        try:
            items.append(read_object(obj))
        except FormatError as error:
            guid = obj.get("uri") if isinstance(obj, dict) else None
            items.append(
                Malformed(
                    str(error), orjson.dumps(obj), index, guid if isinstance(guid, str) else None
                )
            )
    return Document(FORMAT, items)


def generation(obj: dict[str, Any]) -> int:
    """1, 2 or 3: from the declared standard when there is one, else the names used."""
    standard = obj.get("standard") or obj.get("$standard")
    declared = standard.get("version") if isinstance(standard, dict) else None
    declared = declared or obj.get("ninjsversion")
    if isinstance(declared, str) and declared[:1] in "123":
        return int(declared[:1])
    schema = obj.get("$schema")
    if isinstance(schema, str) and "ninjs-schema_" in schema:
        head = schema.split("ninjs-schema_", 1)[1][:1]
        if head in "123":
            return int(head)
    if _camel_case(obj):  # 1.x and 2.x write every property in lower case
        return 3
    if any(k in obj for k in ("headlines", "bodies", "subjects", "by")):
        return 2
    return 1


def _camel_case(obj: dict[str, Any]) -> bool:
    """Whether a property of the object, or of an object in one of its lists, is
    written in camelCase (``versionCreated``, ``contentType``): ninjs 3.x."""
    for key, value in obj.items():
        if key[:1] != "$" and key != key.lower():
            return True
        if isinstance(value, list):
            for entry in value[:20]:
                if isinstance(entry, dict) and any(k != k.lower() for k in entry):
                    return True
    return False


def _get(obj: dict[str, Any], *names: str) -> tuple[Any, str | None]:
    for name in names:
        value = obj.get(name)
        if value not in (None, "", [], {}):
            return value, name
    return None, None


def _role_value(entries: object, roles: tuple[str, ...]) -> tuple[dict | None, int]:
    """The first entry of a ninjs list whose role is one of ``roles`` ('' for none),
    else the first entry; with its index."""
    if not isinstance(entries, list):
        return None, -1
    dicts = [(i, e) for i, e in enumerate(entries) if isinstance(e, dict) and e.get("value")]
    for role in roles:
        for i, entry in dicts:
            if (entry.get("role") or "") == role:
                return entry, i
    return (dicts[0][1], dicts[0][0]) if dicts else (None, -1)


def _body(obj: dict[str, Any]) -> tuple[list[str], str | None]:
    """Body paragraphs and the property they came from: plain text first (it is the
    copy as filed), markup when that is all there is."""
    bodies = obj.get("bodies")
    if isinstance(bodies, list):
        entries = [b for b in bodies if isinstance(b, dict) and isinstance(b.get("value"), str)]
        for entry in entries:
            kind = (entry.get("contenttype") or entry.get("contentType") or "text/plain").casefold()
            if "html" not in kind and "xml" not in kind:
                return xmlsafe.text_paragraphs(entry["value"]), f"bodies[{entry.get('role') or ''}]"
        for entry in entries:
            return xmlsafe.html_paragraphs(entry["value"]), f"bodies[{entry.get('role') or ''}]"
    for name in ("body_text", "bodyText"):
        if isinstance(obj.get(name), str) and obj[name].strip():
            return xmlsafe.text_paragraphs(obj[name]), name
    for name in ("body_html", "bodyHtml", "body_xhtml"):
        if isinstance(obj.get(name), str) and obj[name].strip():
            return xmlsafe.html_paragraphs(obj[name]), name
    return [], None


def _subjects(obj: dict[str, Any]) -> tuple[list[Subject], str | None]:
    value, name = _get(obj, "subjects", "subject")
    if not isinstance(value, list):
        return [], None
    out = []
    for entry in value:
        if not isinstance(entry, dict):
            continue
        code = common.qcode(
            entry.get("uri") or entry.get("literal") or entry.get("code"), entry.get("scheme")
        )
        if code or entry.get("name"):
            out.append(
                Subject(code if isinstance(code, str) else None, common.clean(entry.get("name")))
            )
    return out, name


def read_object(obj: object) -> Item:
    """An :class:`Item` from one ninjs object."""
    if not isinstance(obj, dict):
        raise FormatError(f"a ninjs item must be a JSON object, not {type(obj).__name__}")
    if obj.get("type") not in (None, "text", "composite"):
        raise FormatError(f"ninjs item of type {obj.get('type')!r}: no text story")
    gen = generation(obj)
    fmt = f"{FORMAT}-{gen}"
    where: dict[str, str] = {}
    took = common.recorder(where, fmt)

    entry, index = _role_value(obj.get("headlines"), ("main", ""))
    headline = common.clean(entry["value"]) if entry else common.clean(obj.get("headline"))
    headline_prop = f"headlines[{index}]" if entry else "headline"
    sub, sub_index = _role_value(obj.get("headlines"), ("sub", "subheadline"))
    subheadline = common.clean(sub["value"]) if sub and sub is not entry else None
    body, body_prop = _body(obj)
    if not headline and not body:
        raise FormatError(
            f"ninjs item {obj.get('uri') or '(no uri)'} with neither headline nor body"
        )
    byline, by_prop = _get(obj, "by", "byline")
    version, version_prop = _get(obj, "version")
    status, status_prop = _get(obj, "pubstatus", "pubStatus")
    urgency = common.urgency(obj.get("urgency"))
    located, located_prop = _get(obj, "located")
    language, language_prop = _get(obj, "language")
    slugline, _ = _get(obj, "slugline")
    subjects, subjects_prop = _subjects(obj)
    provider = _provider(obj)
    guid = obj.get("uri") if isinstance(obj.get("uri"), str) else None
    took("guid", guid, "uri")
    _, created_prop = _get(obj, "firstcreated", "firstCreated", "versioncreated", "versionCreated")
    took("created", created_prop, created_prop)
    took("version", version, version_prop)
    took("pubstatus", status, status_prop)
    took("urgency", urgency, "urgency")
    took("headline", headline, headline_prop)
    took("subheadline", subheadline, f"headlines[{sub_index}]")
    took("byline", byline, by_prop)
    took("located", located, located_prop)
    took("language", language, language_prop)
    took("subjects", subjects, subjects_prop)
    took("body", body, body_prop)
    took("slugline", slugline, "slugline")
    took("provider", provider, "infosources" if "infosources" in obj else "copyrightholder")
    keywords = obj.get("keywords")
    return Item(
        format=fmt,
        guid=guid,
        version=str(version) if version is not None else None,
        pubstatus=common.pubstatus(status if isinstance(status, str) else None),
        urgency=urgency,
        headline=headline,
        subheadline=subheadline,
        slugline=common.clean(slugline),
        byline=common.clean(byline),
        located=common.clean(located),
        language=common.clean(language),
        subjects=subjects,
        keywords=[k for k in keywords if isinstance(k, str)] if isinstance(keywords, list) else [],
        provider=provider,
        first_created=common.iso_time(_text(_get(obj, "firstcreated", "firstCreated")[0])),
        version_created=common.iso_time(_text(_get(obj, "versioncreated", "versionCreated")[0])),
        embargoed=common.iso_time(_text(_get(obj, "embargoed", "embargoedUntil")[0])),
        body=body,
        ednote=common.clean(_get(obj, "ednote", "edNote")[0]),
        where=where,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _provider(obj: dict[str, Any]) -> str | None:
    sources, _ = _get(obj, "infosources", "infoSources", "infosource")
    if isinstance(sources, list):
        for source in sources:
            if isinstance(source, dict) and common.clean(source.get("name")):
                return common.clean(source.get("name"))
    holder, _ = _get(obj, "copyrightholder", "copyrightHolder")
    return common.clean(holder)
