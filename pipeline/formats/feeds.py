"""RSS 2.0 and Atom entries in, one story per entry, through feedparser.

feedparser is imported when a feed comes (it is only needed then) and always gets
the bytes, never a string it could take for an address to fetch. The document is
checked for entity declarations first, as every XML document is here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import warnings
from typing import Any

from pipeline.formats import common, xmlsafe
from pipeline.formats.item import Document, FormatError, Item, Malformed, Subject


def _iso(parsed: Any) -> str | None:
    if not parsed:
        return None
    moment = dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# Where each field sits in an RSS item or an Atom entry (the event's provenance).
_WHERE = {
    "rss": {
        "guid": "item/guid",
        "headline": "item/title",
        "byline": "item/author",
        "body": "item/description",
        "content": "item/content:encoded",
        "subjects": "item/category",
        "language": "channel/language",
    },
    "atom": {
        "guid": "entry/id",
        "headline": "entry/title",
        "byline": "entry/author",
        "body": "entry/summary",
        "content": "entry/content",
        "subjects": "entry/category",
        "language": "feed@xml:lang",
    },
}


def read(data: bytes, fmt: str) -> Document:
    """Every entry of an RSS or Atom document (``fmt`` is "rss" or "atom")."""
    xmlsafe.refuse_declarations(data)
    import feedparser  # lazily: only feeds need it

    try:
        parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=False)
    except ValueError as error:  # e.g. "embedded null character": not a feed it can read
        raise FormatError(f"unreadable {fmt} feed: {error}") from error
    if parsed.get("bozo") and not parsed.entries:
        raise FormatError(f"unreadable {fmt} feed: {parsed.get('bozo_exception')}")
    feed = parsed.feed
    language = feed.get("language")
    provider = common.clean(feed.get("title"))
    items: list[Item | Malformed] = []
    for index, entry in enumerate(parsed.entries):
        try:
            with warnings.catch_warnings():  # its updated/published fallback warns
                warnings.simplefilter("ignore", DeprecationWarning)
                items.append(_entry(entry, fmt, language, provider))
        except FormatError as error:
            payload = repr(dict(entry)).encode("utf-8", "replace")[:4096]
            items.append(Malformed(str(error), payload, index, entry.get("id")))
    return Document(fmt, items)


def _entry(entry: Any, fmt: str, language: str | None, provider: str | None) -> Item:
    where: dict[str, str] = {}
    names = _WHERE[fmt]
    headline = common.clean(entry.get("title"))
    contents = entry.get("content") or []
    body: list[str] = []
    body_where = None
    for content in contents:
        value = content.get("value") or ""
        body = (
            xmlsafe.html_paragraphs(value)
            if "html" in (content.get("type") or "")
            else xmlsafe.text_paragraphs(value)
        )
        if body:
            body_where = names["content"]
            break
    if not body and entry.get("summary"):
        body = xmlsafe.html_paragraphs(entry["summary"])
        body_where = names["body"]
    if not headline and not body:
        raise FormatError(
            f"{fmt} entry {entry.get('id') or entry.get('link') or '(no id)'} "
            "with neither title nor text"
        )
    tags = [t for t in entry.get("tags") or [] if t.get("term")]
    guid = entry.get("id") or entry.get("link")
    byline = common.clean(entry.get("author"))
    for name, value, path in (
        ("guid", guid, names["guid"] if entry.get("id") else "link"),
        ("headline", headline, names["headline"]),
        ("byline", byline, names["byline"]),
        ("body", body, body_where),
        ("subjects", tags, names["subjects"]),
        ("language", language, names["language"]),
        (
            "created",
            entry.get("published_parsed") or entry.get("updated_parsed"),
            ("item/pubDate" if fmt == "rss" else "entry/published"),
        ),
        ("provider", provider, "channel/title" if fmt == "rss" else "feed/title"),
    ):
        if value and path:
            where[name] = f"{fmt}:{path}"
    return Item(
        format=fmt,
        guid=guid,
        headline=headline,
        byline=byline,
        language=common.clean(language),
        subjects=[
            Subject(
                common.qcode(t.get("term"), t.get("scheme")),
                common.clean(t.get("label")) or common.clean(t.get("term")),
            )
            for t in tags
        ],
        provider=provider,
        first_created=_iso(entry.get("published_parsed")),
        version_created=_iso(entry.get("updated_parsed")),
        body=body,
        where=where,
    )
