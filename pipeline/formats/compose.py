"""A structured item -> the engine's input, then the item's fields over its reading.

The engine still reads the body: it strips sign-offs, desk codes, "(More)" and
boilerplate from agency copy whatever format carried it. The text it gets is the
headline and the body paragraphs, the format's dateline put back in front of the
lede when the lede does not print one (so a dateline reads the same in every
format). Then what the format says wins over what the engine inferred (headline,
byline, dateline, language, section from an agency subject code, status), and the
story's ``provenance`` names the element or property each came from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from pipeline.formats import common
from pipeline.formats.item import Item
from pipeline.text import agencies, blocks, dateline, dates, sections, versions
from pipeline.text.engine import story_id as text_id
from pipeline.text.story import Dateline, ItemSubject, Meta, Section, Story
from pipeline.text.story import Item as StoryItem

Reader = Callable[[str, Meta], Story]

# Top-level IPTC codes: Media Topics and the Subject Codes before them share the
# numbers 01000000..17000000, so either names the section outright.
_TOP_LEVEL = {t.code.split(":", 1)[1]: t for t in sections.TOPICS}
_SECTION_SCHEMES = ("medtop", "subj", "iptc")


def engine_text(item: Item) -> str:
    """What the engine reads: headline, then body paragraphs, blank-line separated."""
    body = list(item.body)
    if item.dateline and body and dateline.parse(body[0]) is None:
        printed = item.dateline.rstrip()
        separator = " " if printed[-1:] in "-–—:" else " - "
        body[0] = printed + separator + body[0]
    lines = ([item.headline] if item.headline else []) + body
    return "\n\n".join(lines)


def section_topic(subjects: list) -> tuple[sections.Topic, int] | None:
    """The first subject whose code is a top-level IPTC code, with its index."""
    for index, subject in enumerate(subjects):
        code = subject.code or ""
        scheme, _, number = code.partition(":")
        if scheme in _SECTION_SCHEMES and number in _TOP_LEVEL:
            return _TOP_LEVEL[number], index
    return None


def guid_story_id(guid: str, feed: str | None = None) -> str:
    """The story id of every version of an item the agency named ``guid``, whichever
    format carried it. A URN or URL is unique as it is; a bare number ("10482") is
    taken within its feed."""
    guid = guid.strip()
    key = guid if (":" in guid or "/" in guid) else f"{feed or ''}/{guid}"
    h = hashlib.blake2b(digest_size=12)
    h.update(b"guid\x1f" + key.encode())
    return h.hexdigest()


def read_item(item: Item, meta: Meta, read: Reader, *, index: int = 0) -> Story:
    """The story of ``item``: ``read`` (the engine, or a feed's learned reading) on
    :func:`engine_text`, then :func:`overlay`."""
    story = read(engine_text(item), meta)
    overlay(story, item, index=index)
    return story


def _drop(body: list[str], text: str | None) -> list[str]:
    """The body without paragraphs that only repeat ``text`` (the headline the engine
    took for the lede when nothing else preceded it)."""
    if not text:
        return body
    folded = text.casefold()
    return [p for p in body if p.casefold() != folded]


def overlay(story: Story, item: Item, *, index: int = 0) -> None:
    """Lay the fields ``item`` gives over the engine's reading, in place."""
    where = item.where
    provenance: dict[str, str] = {}
    if item.headline:
        marks = versions.read(item.headline)
        story.headline = marks.stem or item.headline
        story.signals = sorted(set(story.signals) | set(marks.signals))
        story.body = _drop(story.body, item.headline)
        provenance["headline"] = where.get("headline", item.format)
    if item.byline:
        story.byline = item.byline
        story.body = _drop(story.body, item.byline)
        provenance["byline"] = where.get("byline", item.format)
    _overlay_dateline(story, item, provenance)
    lang = common.language(item.language)
    if lang:
        story.language = lang
        provenance["language"] = where.get("language", item.format)
    found = section_topic(item.subjects)
    if found is not None:
        topic, _ = found
        runner = story.section.runner_up
        story.section = Section(
            label=topic.label,
            code=topic.code,
            kicker=story.section.kicker,
            source="format",
            confidence=1.0,
            runner_up=runner if runner is not None and runner.label != topic.label else None,
            model=story.section.model,
        )
        provenance["section"] = where.get("subjects", item.format)
    if item.pubstatus:
        story.pubstatus = "usable" if item.pubstatus == "usable" else "withdrawn"
        provenance["pubstatus"] = where.get("pubstatus", item.format)
    if item.signals:
        story.signals = sorted(set(story.signals) | set(item.signals))
        provenance["signals"] = where.get("signals", item.format)
    if story.agency is None and item.provider:
        name = item.provider.rsplit(":", 1)[-1]
        agency = agencies.canonical(name) or agencies.canonical(item.provider)
        if agency:
            story.agency = agency
            provenance["agency"] = where.get("provider", item.format)
    if item.body:
        provenance["body"] = where.get("body", item.format)
    story.id = text_id(story.agency, story.dateline.text, story.headline, story.body)
    if item.guid:
        story.story_id = guid_story_id(item.guid, story.source.feed)
        provenance["story_id"] = where.get("guid", item.format)
    elif story.headline:  # as the engine names a story, with the format's headline
        story.story_id = versions.story_id(story.agency, story.headline)
    story.word_count = sum(blocks.word_count(p) for p in story.body)
    story.provenance = provenance
    story.item = StoryItem(
        format=item.format,
        guid=item.guid,
        version=item.version,
        pubstatus=item.pubstatus,
        urgency=item.urgency,
        slugline=item.slugline,
        subheadline=item.subheadline,
        located=item.located,
        provider=item.provider,
        first_created=item.first_created,
        version_created=item.version_created,
        embargoed=item.embargoed,
        subjects=[ItemSubject(s.code, s.name) for s in item.subjects],
        keywords=list(item.keywords),
        ednote=item.ednote,
        index=index,
    )


def _overlay_dateline(story: Story, item: Item, provenance: dict[str, str]) -> None:
    """The format's dateline wins as printed; its place is the engine's reading of it,
    else the item's ``located``."""
    where = item.where
    current = story.dateline
    if item.dateline:
        match = dateline.parse(item.dateline.rstrip(" -–—:") + " - x")
        place = (dateline.usual_place(match) or None) if match else None
        if current.text and match and current.text == match.text:
            place = current.place or place
        date = current.date if current.text else None
        if date is None and match is not None and match.date:
            date = match.date
        story.dateline = Dateline(item.dateline, place or current.place, date)
        provenance["dateline"] = where.get("dateline", item.format)
    if item.located and story.dateline.place is None:
        story.dateline = Dateline(story.dateline.text, item.located, story.dateline.date)
        provenance["dateline.place"] = where.get("located", item.format)
    resolved = _resolved_date(story.dateline.text, item.first_created or item.version_created)
    if resolved is not None:
        story.dateline = Dateline(story.dateline.text, story.dateline.place, resolved)
        provenance["dateline.date"] = where.get("created", item.format)


def _resolved_date(printed: str | None, created: str | None) -> str | None:
    """The date of a dateline printing a month and day ("Feb 12") with its year from the
    item's own creation time, which wins over the received time the engine had; None
    when the dateline prints no date or its own year."""
    if not printed or not created:
        return None
    parts = dates.month_day_year(printed)
    if parts is None or parts[2] is not None:
        return None
    try:
        reference = dt.date.fromisoformat(created[:10])
    except ValueError:
        return None
    day = dates.resolve(*parts, reference=reference)
    return day.isoformat() if day else None
