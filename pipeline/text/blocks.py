"""Classify every block (line) of a story: section, headline, byline, body, ...

A scraped story has three zones. The lede, usually found by its dateline,
splits the *header* (chrome, kicker, headline, byline, timestamp, caption)
from the *body*; the body ends where sign-offs, editor codes and trailing
chrome (link lists, share bars, tags) begin. Line patterns come from the data
tables; the zones decide what an ambiguous line is ("EFE" before the lede is
a byline, after it a sign-off). When in doubt a line stays body: losing news
text is worse than keeping a line of chrome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.text import agencies, dateline, dates, navigation, sections
from pipeline.text.dateline import DatelineMatch
from pipeline.text.story import BlockKind

# The lede is looked for among the first lines only: past them it is all body.
_MAX_HEADER_LINES = 30
# A line that reads like a paragraph rather than a headline or a link.
_SENTENCE_END = re.compile(r"[.!?…:;][\"”’»)\]]*$")
_PARAGRAPH_WORDS = 25
_LEDE_MIN_WORDS = 12
_HEADLINE_MIN_WORDS = 4
# A name-only byline ("Jane Smith") is two to four capitalised words.
_KICKER_MAX_WORDS = 4
_NAME_ONLY = re.compile(r"[A-ZÀ-Þ][\w.'’\-]+(?:\s[A-ZÀ-Þ][\w.'’\-]+){1,3}")


@dataclass(slots=True)
class Layout:
    """Kinds of the lines of a story and what the zones revealed."""

    kinds: list[BlockKind]
    lede: int | None  # index of the line the body starts with
    dateline: DatelineMatch | None
    agency: str | None  # from the dateline, else a byline, else a sign-off
    kicker: int | None  # index of the section line
    headline: int | None
    byline: int | None
    timestamp: int | None  # index of a header line with a full date printed on the page
    tail_signoff: tuple[int, str] | None  # (index of body line, text without sign-off)


def word_count(line: str) -> int:
    return line.count(" ") + 1


def reads_like_paragraph(line: str) -> bool:
    """Long, or a full sentence: what body paragraphs look like and headlines do not."""
    words = word_count(line)
    return words >= _PARAGRAPH_WORDS or (
        words >= _LEDE_MIN_WORDS and _SENTENCE_END.search(line) is not None
    )


def _has_full_date(line: str) -> bool:
    """A page stamp with a year: "June 15, 2021 | 03:06 am", "Source: X | 2023-12-06"."""
    if not any(c.isdigit() for c in line):
        return False
    parts = dates.month_day_year(line)
    return parts is not None and parts[2] is not None


def _is_chrome(line: str) -> bool:
    return navigation.is_navigation(line) or navigation.starts_link_list(line)


def find_lede(lines: list[str]) -> tuple[int | None, DatelineMatch | None]:
    """Index of the lede and its dateline: the first line with a dateline, else
    the first line that reads like a paragraph and is not chrome or a caption."""
    limit = min(len(lines), _MAX_HEADER_LINES)
    for i in range(limit):
        match = dateline.parse(lines[i])
        if match is not None:
            return i, match
    for i in range(limit):
        line = lines[i]
        if reads_like_paragraph(line) and not (_is_chrome(line) or navigation.is_caption(line)):
            return i, None
    return None, None


def classify(lines: list[str]) -> Layout:
    """Give every line a block kind."""
    kinds: list[BlockKind] = ["body"] * len(lines)
    lede, match = find_lede(lines)
    layout = Layout(
        kinds, lede, match, match.agency if match else None, None, None, None, None, None
    )
    header_end = _classify_header(lines, layout)
    if layout.lede is None:
        layout.lede = header_end if header_end < len(lines) else None
    if layout.lede is not None:
        _classify_body(lines, layout)
    return layout


def _classify_header(lines: list[str], layout: Layout) -> int:
    """Kinds of the lines before the lede; returns where the header ends."""
    kinds = layout.kinds
    end = layout.lede if layout.lede is not None else len(lines)
    content: list[int] = []
    for i in range(end):
        line = lines[i]
        if _is_chrome(line):
            kinds[i] = "navigation"
            if layout.timestamp is None and _has_full_date(line):
                layout.timestamp = i
        elif navigation.is_caption(line):
            kinds[i] = "caption"
        elif agencies.is_agency_byline(line) or navigation.is_byline(line):
            kinds[i] = "byline"
            if layout.byline is None:
                layout.byline = i
                layout.agency = layout.agency or agencies.byline_agency(line)
        else:
            content.append(i)
    if not content:
        return end
    headline = _pick_headline(lines, content)
    layout.headline = headline
    kinds[headline] = "headline"
    before = [i for i in content if i < headline]
    if before:
        layout.kicker = before[-1]
        kinds[before[-1]] = "section"
        for i in before[:-1]:
            kinds[i] = "navigation"  # site name, menus: anything above the kicker
    after = [i for i in content if i > headline]
    if layout.lede is None:
        # No paragraph-like line at all (a flash, a one-liner): the rest is body.
        return after[0] if after else end
    for i in after:
        line = lines[i]
        if _NAME_ONLY.fullmatch(line) and not sections.is_known_kicker(line):
            kinds[i] = "byline"
            layout.byline = i if layout.byline is None else layout.byline
        elif word_count(line) <= _KICKER_MAX_WORDS:
            kinds[i] = "navigation"
        else:
            kinds[i] = "headline"  # a standfirst under the headline
    return end


def _pick_headline(lines: list[str], content: list[int]) -> int:
    """The headline among the header's content lines.

    Headlines run to several words and do not end in a full stop; kickers and
    site names are shorter and standfirsts end in a full stop. So: the first
    such line, else the first line that is not a known section label, else the
    last line.
    """
    for i in content:
        line = lines[i]
        if (
            word_count(line) >= _HEADLINE_MIN_WORDS
            and not line.endswith(".")
            and not sections.is_known_kicker(line)
        ):
            return i
    for i in content:
        if not sections.is_known_kicker(lines[i]):
            return i
    return content[-1]


def _classify_body(lines: list[str], layout: Layout) -> None:
    """Kinds of the lede and the lines after it.

    After a link-list heading, short lines are links; after a sign-off or
    editor codes the story is over and short lines are chrome. A line that
    reads like a paragraph is body wherever it stands.
    """
    kinds = layout.kinds
    assert layout.lede is not None
    in_list = False
    story_over = False
    last_body: int | None = None
    for i in range(layout.lede, len(lines)):
        line = lines[i]
        if i == layout.lede:
            last_body = i
            continue
        signoff_agency = agencies.signoff_agency(line)
        if signoff_agency is not None:
            kinds[i] = "signoff"
            story_over = True
            layout.agency = layout.agency or signoff_agency
        elif agencies.is_codes(line):
            kinds[i] = "editor_codes"
            story_over = True
        elif navigation.starts_link_list(line):
            kinds[i] = "navigation"
            in_list = True
        elif navigation.is_navigation(line):
            kinds[i] = "navigation"
        elif navigation.is_caption(line):
            kinds[i] = "caption"
        elif (in_list or story_over) and not reads_like_paragraph(line):
            kinds[i] = "navigation"
        else:
            in_list = False
            last_body = i
    if last_body is not None:
        text = lines[last_body]
        if last_body == layout.lede and layout.dateline is not None:
            text = text[layout.dateline.end :]
        stripped, agency = agencies.split_tail_signoff(text)
        if agency is not None:
            layout.tail_signoff = (last_body, stripped)
            layout.agency = layout.agency or agency
