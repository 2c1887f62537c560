"""The enriched story (event schema ``wires.enriched/1``) and the metadata that comes in.

Plain dataclasses: orjson serialises them directly, in field order, so the
dataclass *is* the wire format. ``schema/wires.enriched-1.json`` describes the
same shape for consumers; a test keeps the two in step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

SCHEMA = "wires.enriched/1"

BlockKind = Literal[
    "section", "headline", "byline", "body", "caption", "signoff", "editor_codes", "navigation"
]
BLOCK_KINDS: tuple[BlockKind, ...] = (
    "section",
    "headline",
    "byline",
    "body",
    "caption",
    "signoff",
    "editor_codes",
    "navigation",
)


def iso_utc(moment: dt.datetime) -> str:
    """``2026-11-27T20:52:57.123Z``: the one timestamp format of every event."""
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Meta:
    """What the transport knows about a story: never derived from its text."""

    received_at: str | None = None  # ISO 8601, UTC
    feed: str | None = None
    original_id: str | None = None
    path: str | None = None


@dataclass(slots=True)
class Source:
    feed: str | None
    original_id: str | None
    path: str | None


@dataclass(slots=True)
class RunnerUp:
    label: str
    code: str
    confidence: float  # the model's probability


@dataclass(slots=True)
class Section:
    label: str | None  # IPTC Media Topic top-level label
    code: str | None  # IPTC Media Topic code, "medtop:11000000"
    kicker: str | None  # the section label printed above the headline
    source: Literal["kicker", "model", "format"] | None
    confidence: float | None  # 1.0 from a kicker or the format, else the model's probability
    runner_up: RunnerUp | None  # the model's best other topic
    model: str | None  # version of the section model that was consulted
    # the model decided with a calibrated probability under 0.5: a guess, not a fact
    uncertain: bool = False


@dataclass(slots=True)
class Dateline:
    text: str | None  # as printed: "Nur-Sultan, Jun 4 (EFE)"
    place: str | None  # as normally written: "Nur-Sultan"
    date: str | None  # ISO date, or month and day as printed when the year is unknown


# Why a block is what it is: a rule table named it, its shape and place decided,
# or its feed taught it (a line printed in many different stories of one feed).
Why = Literal["rule", "shape", "learned"]


@dataclass(slots=True)
class Block:
    kind: BlockKind
    text: str
    why: Why | None = None  # None for body


@dataclass(slots=True)
class ItemSubject:
    code: str | None  # a qcode: "medtop:04000000", "subj:15000000", "anpa:s"
    name: str | None


@dataclass(slots=True, kw_only=True)
class Item:
    """What a structured agency format (NewsML-G2, NITF, ninjs...) said of the story
    beyond the engine's fields: its own identifiers, status and codes."""

    format: str  # "newsml-g2", "nitf", "ninjs-2", "rss", "anpa-1312", ...
    guid: str | None = None
    version: str | None = None  # the agency's own version number, as given
    pubstatus: str | None = None  # usable, withheld, canceled (NewsML-G2 / ninjs)
    urgency: int | None = None  # 1 (flash) .. 9
    slugline: str | None = None
    subheadline: str | None = None
    located: str | None = None
    provider: str | None = None
    first_created: str | None = None
    version_created: str | None = None
    embargoed: str | None = None
    subjects: list[ItemSubject] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    ednote: str | None = None
    index: int = 0  # position among the items of its message


@dataclass(slots=True, kw_only=True)
class Story:
    """One enriched wire story: the ``wires.enriched/1`` event."""

    schema: str = SCHEMA
    id: str  # this text: agency, dateline, headline and body
    story_id: str  # every version of the story: agency and headline stem
    version: int  # 1 for the first version seen, then 2, 3, ...
    pubstatus: Literal["usable", "withdrawn"]
    signals: list[str]  # "update", "correction" (NewsML-G2 signals)
    duplicate: bool  # an exact repeat of the version already seen
    received_at: str | None
    processed_at: str
    source: Source
    agency: str | None
    language: str | None
    section: Section
    headline: str | None  # null when the page prints none
    byline: str | None
    dateline: Dateline
    body: list[str]
    editor_codes: list[str]
    blocks: list[Block]
    word_count: int
    # Set for a story read from a structured format: the format's item, and for each
    # field the format gave (headline, dateline, section...) where in it it was.
    item: Item | None = None
    provenance: dict[str, str] = field(default_factory=dict)
