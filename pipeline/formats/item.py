"""What a structured agency item says about a story, before the engine reads it.

Every reader (NewsML-G2, NITF, ninjs, RSS/Atom, ...) maps its format into one
:class:`Item`; :mod:`pipeline.formats.compose` turns an item into the engine's input
and lays the item's own fields over the engine's reading. ``where`` records, for each
field the format gave, the element or property it came from: the event's provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class FormatError(ValueError):
    """A document (or one item of it) that its format's reader cannot read."""


@dataclass(frozen=True, slots=True)
class Subject:
    """A subject the agency coded: ``code`` as a qcode ("medtop:04000000",
    "subj:15000000", "anpa:s") when it has one, ``name`` as given."""

    code: str | None
    name: str | None


@dataclass(slots=True, kw_only=True)
class Item:
    """One story of a structured document, fields as the format gives them."""

    format: str  # "newsml-g2", "nitf", "ninjs", "rss", "atom", "newsml-1", ...
    guid: str | None = None
    version: str | None = None
    pubstatus: str | None = None  # as in the format: usable, withheld, canceled
    signals: tuple[str, ...] = ()  # "update", "correction"
    urgency: int | None = None  # 1 (flash) .. 9
    headline: str | None = None
    subheadline: str | None = None
    slugline: str | None = None
    byline: str | None = None
    dateline: str | None = None
    located: str | None = None
    language: str | None = None  # as given: "en-US", "es"
    subjects: list[Subject] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    provider: str | None = None  # the agency or provider as the format names it
    first_created: str | None = None  # ISO 8601 as given
    version_created: str | None = None
    embargoed: str | None = None
    body: list[str] = field(default_factory=list)  # paragraphs, markup removed
    ednote: str | None = None
    where: dict[str, str] = field(default_factory=dict)  # field -> element/property


@dataclass(frozen=True, slots=True)
class Malformed:
    """An item of a document that cannot be read: why, and its own bytes so the dead
    letter carries what to fix and resend."""

    error: str
    payload: bytes
    index: int  # 0-based position among the document's items
    guid: str | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A parsed document: its format and its items in order, readable or not."""

    format: str
    items: list[Item | Malformed]
