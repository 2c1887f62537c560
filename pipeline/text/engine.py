"""The text engine's one call: raw wire copy (+ transport metadata) -> enriched story.

Pure: no Kafka, no files, no network; the only outside input is the clock for
``processed_at``, which callers may pin. Everything else about a story is a
function of its bytes and its received time, so a re-sent copy reads the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Literal

from pipeline.text import blocks, classifier, dates, language, normalise, sections, versions
from pipeline.text.dateline import usual_place
from pipeline.text.features import classifier_text, classifier_words
from pipeline.text.story import (
    Block,
    Dateline,
    Meta,
    RunnerUp,
    Section,
    Source,
    Story,
    iso_utc,
)


class EmptyStory(ValueError):
    """Input with no headline and no body text: nothing a reader could use."""


def enrich(
    raw: bytes | str,
    meta: Meta | None = None,
    *,
    now: dt.datetime | None = None,
    section_model: classifier.SectionModel | Literal["shipped"] | None = "shipped",
    learned: blocks.Learned | None = None,
) -> Story:
    """Read one raw story.

    ``section_model`` is the section classifier: the one shipped in the package by
    default, None for kickers only. ``learned`` is what the story's feed taught:
    the confidence that a line is that feed's chrome (a read-only view of the
    feed's memory; see :mod:`pipeline.text.learned`). Raises
    :class:`~pipeline.text.normalise.DecodeError` for bytes that are not text and
    :class:`EmptyStory` when no headline or body is left; callers dead-letter both
    with the message as the reason.
    """
    meta = meta or Meta()
    lines = normalise.lines(raw)
    if not lines:
        raise EmptyStory("empty story: no text after normalisation")
    layout = blocks.classify(lines, learned)
    kinds = layout.kinds

    body = _body(lines, layout)
    printed_headline = (
        blocks.headline_text(lines[layout.headline]) if layout.headline is not None else ""
    )
    # Version notes sit above or just below the lede; kill notices may end the story.
    marks = versions.read(printed_headline, lines[: (layout.lede or 0) + 3] + lines[-2:])
    headline = marks.stem or None
    if not body and not headline:
        raise EmptyStory(f"no headline or body among {len(lines)} lines (all chrome)")

    tokens = classifier_words(classifier_text(headline or "", body))
    model = classifier.default_model() if section_model == "shipped" else section_model
    prediction = model.predict_words(tokens) if model is not None else None
    if layout.kicker is not None and _menu_item(lines[layout.kicker], layout, prediction):
        kinds[layout.kicker], layout.kicker = "navigation", None
    kicker = lines[layout.kicker] if layout.kicker is not None else None  # as printed
    story_language = language.script_language(
        (headline or "") + " " + (body[0] if body else "")
    ) or language.detect_words(tokens)
    foreign = model is not None and not model.knows(story_language)
    section = _section(kicker, prediction, foreign=foreign)
    dateline = _dateline(lines, layout, meta.received_at)
    return Story(
        id=story_id(layout.agency, dateline.text, headline, body),
        story_id=versions.story_id(layout.agency, headline or _first_words(body)),
        version=1,
        pubstatus=marks.pubstatus,  # type: ignore[arg-type]
        signals=list(marks.signals),
        duplicate=False,
        received_at=meta.received_at,
        processed_at=iso_utc(now or dt.datetime.now(dt.UTC)),
        source=Source(meta.feed, meta.original_id, meta.path),
        agency=layout.agency,
        language=story_language,
        section=section,
        headline=headline,
        byline=lines[layout.byline] if layout.byline is not None else None,
        dateline=dateline,
        body=body,
        editor_codes=layout.tail_codes
        + [
            blocks.codes_in(line) or line
            for line, kind in zip(lines, kinds, strict=True)
            if kind == "editor_codes"
        ],
        blocks=[
            Block(kind, line, why)
            for line, kind, why in zip(lines, kinds, layout.whys, strict=True)
        ],
        word_count=sum(blocks.word_count(p) for p in body),
    )


# Below this probability for the topic a menu item names, the story is not of it.
_MENU_ITEM_MAX_P = 0.1


def _menu_item(
    kicker: str, layout: blocks.Layout, prediction: classifier.Prediction | None
) -> bool:
    """A kicker that merely ends the site's menu ("... World, Sports" above a story on
    hazelnut exports): it names a topic the story's words give almost no chance."""
    if not layout.kicker_in_menu or prediction is None:
        return False
    topic = sections.kicker_topic(kicker)
    if topic is None or prediction.label == topic.label:
        return False
    return dict(prediction.ranked).get(topic.label, 0.0) < _MENU_ITEM_MAX_P


def _section(
    kicker: str | None, prediction: classifier.Prediction | None, *, foreign: bool = False
) -> Section:
    """The kicker's topic when it names one, else the model's; the model's best other
    topic as runner-up either way. The model's answer is uncertain below its threshold,
    and always in a language it was not trained on (``foreign``): there it is
    confident about word shapes it never learned, not about the story."""
    topic = sections.kicker_topic(kicker) if kicker else None
    if topic is None and prediction is None:
        return Section(None, None, kicker, None, None, None, None)
    if topic is not None:
        label, source, confidence = topic.label, "kicker", 1.0
    else:
        assert prediction is not None
        label, source, confidence = prediction.label, "model", prediction.confidence
    runner_up = None
    if prediction is not None:
        other, p = next(lp for lp in prediction.ranked if lp[0] != label)
        runner_up = RunnerUp(other, sections.BY_LABEL[other].code, round(p, 4))
    return Section(
        label=label,
        code=sections.BY_LABEL[label].code,
        kicker=kicker,
        source=source,
        confidence=round(confidence, 4),
        runner_up=runner_up,
        model=prediction.model if prediction is not None else None,
        uncertain=source == "model"
        and prediction is not None
        and (prediction.uncertain or foreign),
    )


def _body(lines: list[str], layout: blocks.Layout) -> list[str]:
    """Body paragraphs: body lines with the dateline cut off the lede and a glued
    sign-off cut off the last paragraph."""
    if layout.lede is None:
        return []
    body = []
    for i in range(layout.lede, len(lines)):
        if layout.kinds[i] != "body":
            continue
        text = lines[i]
        if i in layout.tails:
            text = layout.tails[i]
        elif i == layout.lede and layout.dateline is not None:
            text = text[layout.dateline.end :]
        text = text.strip()
        if text:
            body.append(text)
    return body


def _dateline(lines: list[str], layout: blocks.Layout, received_at: str | None) -> Dateline:
    match = layout.dateline
    if match is None:  # no dateline: the date the page prints, if any
        return Dateline(None, None, _date(None, lines, layout, received_at))
    return Dateline(
        text=match.text,
        place=usual_place(match) or None,  # "23 jun (Reuters) -" names no place
        date=_date(match.date, lines, layout, received_at),
    )


def _date(
    printed: str | None, lines: list[str], layout: blocks.Layout, received_at: str | None
) -> str | None:
    """ISO date of the dateline.

    A printed year wins. Without one, the year comes from a full date printed on
    the page (a timestamp line), else from the received time; failing both, the
    date stays as printed. A dateline with no date at all ("CHICAGO (AP) —")
    takes the page's date when there is one.
    """
    page = None
    if layout.timestamp is not None:
        stamp = dates.month_day_year(lines[layout.timestamp])
        if stamp is not None and stamp[2] is not None:
            page = dates.resolve(*stamp, reference=None)
    if printed is None:
        return page.isoformat() if page else None
    reference = page or (_parse_date(received_at) if received_at else None)
    parts = dates.month_day_year(printed)
    if parts is None:
        day = dates.resolve_day(int(printed), reference) if printed.isdigit() else None
        return day.isoformat() if day else printed
    resolved = dates.resolve(*parts, reference=reference)
    return resolved.isoformat() if resolved else printed


def _parse_date(iso: str) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).date()
    except ValueError:
        return None


# Typographic quotes a re-sending site may have straightened.
_ID_FOLD = (
    ("“", '"'),
    ("”", '"'),
    ("„", '"'),
    ("«", '"'),
    ("»", '"'),
    ("‘", "'"),
    ("’", "'"),
    ("‚", "'"),
)


def _fold(text: str) -> str:
    """Casefolded, typographic quotes straightened (whitespace is already single)."""
    for typographic, plain in _ID_FOLD:
        if typographic in text:
            text = text.replace(typographic, plain)
    return text.casefold()


def _first_words(body: list[str]) -> str:
    """What names a story that prints no headline: the start of its lede."""
    return " ".join(body[0].split()[:12]) if body else ""


def story_id(
    agency: str | None, dateline: str | None, headline: str | None, body: list[str]
) -> str:
    """Stable id: the same agency, dateline, headline and body give the same id
    whatever site chrome or whitespace surrounded them."""
    h = hashlib.blake2b(digest_size=12)
    for part in (agency or "", dateline or "", headline or "", "\n".join(body)):
        h.update(_fold(part).encode())
        h.update(b"\x1f")
    return h.hexdigest()
