"""The classic wire framings still sent over lines and FTP: ANPA 1312 and IPTC 7901.

A framed message runs from SOH (after ANPA's two SYN) to ETX: a header of selector
codes, priority, category and keywords before STX, the take's text between STX and
ETX, and (ANPA) a trailer with the agency, desk and time. One story per framed
message; several messages in one payload give one item each. Codes are data
(``data/wire.toml``). Mapped after the ANPA 1312 and IPTC 7901 layouts as Superdesk's
readers take them, not from either standard's text.

ANPA 1312, as AP sends it::

    SYN SYN SOH b0123 US r-a            service, sequence, selector
    u a SI DC1 bc-Glacier-Lake 1st Ld-Writethru 03-04 0412
    STX ^BC-Glacier-Lake,0412<          keyword line
        ^Glacier lake drained ...<      headline
        ^By INVENTED WRITER=            byline, its title
        TAB paragraph ...
    ETX AP-NY-03-04-27 0915GMT EOT

IPTC 7901, as dpa sends it::

    SOH dpa0123 4 i 0310 keywords       source+number, priority, category, words
    slugline lines
    STX headline
    text ...
    ETX
"""

from __future__ import annotations

import functools
import re
import tomllib
from importlib import resources
from typing import Any

from pipeline.formats import common, xmlsafe
from pipeline.formats.item import Document, FormatError, Item, Malformed, Subject

ANPA = "anpa-1312"
IPTC7901 = "iptc-7901"
SYN, SOH, STX, ETX, EOT = "\x16", "\x01", "\x02", "\x03", "\x04"

_ANPA_FIRST = re.compile(r"([a-z])(\d{4})\x1f([a-z0-9 -]*)", re.IGNORECASE)
_ANPA_SECOND = re.compile(
    r"([a-z]) ([a-z])[\x13\x14]?[\x11\x12]? *(?:(?:am|pm|bc|ap)-)?(\S+)\s*(.*?)"
    r"\s*(?:(\d{1,2})-(\d{1,2}))?\s*(\d{0,5})\s*$",
    re.IGNORECASE,
)
_ANPA_TRAILER = re.compile(r"([A-Z]+)-([A-Z]+)-(\d{2})-(\d{2})-(\d{2}) (\d{2})(\d{2}) ?GMT")
_ANPA_KEYWORD_LINE = re.compile(r"[A-Z]{2}-[\w.-]+(?:,\d+)?$", re.IGNORECASE)
_SEVEN_BIT_DASH = re.compile(r"(?<= )_(?= )")
_IPTC_FIRST = re.compile(r"([a-z]*)(\d*) (\S) (\S) (\d*) ?(.*)$", re.IGNORECASE)


@functools.cache
def _table() -> dict[str, Any]:
    with resources.files("pipeline.formats").joinpath("data", "wire.toml").open("rb") as f:
        return tomllib.load(f)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def messages(text: str) -> list[str]:
    """The framed messages of a payload, each from its SOH on."""
    starts = [m.start() for m in re.finditer(SOH, text)]
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)][: len(starts)], strict=True)]


def read(data: bytes, fmt: str) -> Document:
    """One item per framed message (``fmt``: ANPA 1312 or IPTC 7901)."""
    text = _decode(data)
    framed = messages(text)
    if not framed:
        raise FormatError(f"{fmt}: no SOH, no framed message")
    reader = _anpa if fmt == ANPA else _iptc7901
    items: list[Item | Malformed] = []
    for index, message in enumerate(framed):
        try:
            items.append(reader(message))
        except FormatError as error:
            items.append(Malformed(str(error), message.encode("utf-8", "replace"), index))
    return Document(fmt, items)


def _frame(message: str, fmt: str) -> tuple[str, str, str]:
    """Header, text and trailer of one message; a message without STX or ETX was cut
    off in transmission."""
    body_start = message.find(STX)
    if body_start < 0:
        raise FormatError(f"{fmt} message without STX: no text")
    end = message.find(ETX, body_start)
    if end < 0:
        raise FormatError(f"{fmt} message without ETX: the take was cut off")
    header = message[1:body_start].strip(SYN + "\r\n")
    return header, message[body_start + 1 : end], message[end + 1 :].strip(EOT + SYN + "\r\n ")


def _category(letter: str) -> list[Subject]:
    """The category as its ``anpa:`` code, and as a Media Topic when it names one."""
    row = _table()["category"].get(letter.lower())
    if row is None:
        return [Subject(f"anpa:{letter.lower()}", None)]
    out = [Subject(f"anpa:{letter.lower()}", row["name"])]
    if "medtop" in row:
        out.append(Subject(f"medtop:{row['medtop']}", None))
    return out


def _paragraphs(lines: list[str]) -> list[str]:
    """Take text as paragraphs: an indented (tab) line starts one, as does a line after
    a blank; other lines continue the paragraph they follow."""
    out: list[str] = []
    current: list[str] = []
    for raw in lines:
        line = raw.rstrip()
        starts = raw[:1] in ("\t", " ")
        if not line.strip():
            if current:
                out.append(" ".join(current))
                current = []
            continue
        if starts and current:
            out.append(" ".join(current))
            current = []
        current.append(" ".join(line.split()))
    if current:
        out.append(" ".join(current))
    return out


def _anpa(message: str) -> Item:
    header, text, trailer = _frame(message, ANPA)
    lines = [line for line in header.replace("\r", "").split("\n") if line.strip()]
    where = {}
    first = _ANPA_FIRST.match(lines[0]) if lines else None
    if first is None:
        raise FormatError("ANPA 1312 message without its service and sequence line")
    second = _ANPA_SECOND.match(lines[1]) if len(lines) > 1 else None
    urgency = slug = take = None
    subjects: list[Subject] = []
    if second is not None:
        urgency = _table()["anpa_priority"].get(second[1].lower())
        subjects = _category(second[2])
        slug, take = second[3], second[4] or None
        where.update(urgency="anpa-1312:priority", subjects="anpa-1312:category")
    carets: list[str] = []
    body_lines: list[str] = []
    for raw in text.replace("\r", "").split("\n"):
        if raw.lstrip().startswith("^"):
            carets.append(raw.strip().lstrip("^").rstrip("<=").strip())
        else:
            body_lines.append(raw)
    if carets and _ANPA_KEYWORD_LINE.fullmatch(carets[0]):
        carets = carets[1:]
    headline = carets[0] if carets else None
    byline = next((c for c in carets[1:] if c.lower().startswith("by ")), None)
    # 7-bit copy writes a dash as a spaced underscore: "HUARAZ, Peru (AP) _ Engineers"
    body = [_SEVEN_BIT_DASH.sub("—", p) for p in _paragraphs(body_lines)]
    if not headline and not body:
        raise FormatError("ANPA 1312 take with neither headline nor text")
    agency = created = None
    stamp = _ANPA_TRAILER.search(trailer)
    if stamp is not None:
        agency = stamp[1]
        month, day, year, hour, minute = stamp[3], stamp[4], stamp[5], stamp[6], stamp[7]
        created = common.iso_time(f"20{year}-{month}-{day}T{hour}:{minute}:00Z")
        where.update(provider="anpa-1312:trailer", created="anpa-1312:trailer")
    for name, value, path in (
        ("headline", headline, "text ^headline"),
        ("byline", byline, "text ^byline"),
        ("body", body, "text"),
        ("slugline", slug, "keyword"),
    ):
        if value:
            where[name] = f"anpa-1312:{path}"
    return Item(
        format=ANPA,
        version=take,
        urgency=urgency,
        headline=headline,
        byline=byline,
        slugline=slug,
        subjects=subjects,
        keywords=[k for k in first[3].split() if k],
        provider=agency,
        first_created=created,
        body=body,
        where=where,
    )


def _iptc7901(message: str) -> Item:
    header, text, _ = _frame(message, IPTC7901)
    lines = [line for line in header.replace("\r", "").split("\n") if line.strip()]
    first = _IPTC_FIRST.match(lines[0]) if lines else None
    if first is None:
        raise FormatError("IPTC 7901 message without its source, priority and category line")
    table = _table()["iptc7901"]
    category = table["category_alias"].get(first[4].lower(), first[4].lower())
    source = first[1] or None
    slug = " ".join(line.strip().rstrip("/").strip() for line in lines[1:]) or None
    text_lines = text.replace("\r", "").split("\n")
    # the headline is the rest of the STX line, else the first line of text
    while text_lines and not text_lines[0].strip():
        text_lines.pop(0)
    headline = " ".join(text_lines.pop(0).split()) if text_lines else None
    note_at = next(
        (
            i
            for i, line in enumerate(text_lines)
            if any(m in line.casefold() for m in table["ednote_markers"])
        ),
        None,
    )
    ednote = None
    if note_at is not None:
        ednote = " ".join(" ".join(text_lines[note_at + 1 :]).split()) or None
        text_lines = text_lines[:note_at]
    body = (
        xmlsafe.text_paragraphs("\n".join(text_lines))
        if any(not line.strip() for line in text_lines)
        else _paragraphs(text_lines)
    )
    if not headline and not body:
        raise FormatError("IPTC 7901 take with neither headline nor text")
    where = {
        "urgency": "iptc-7901:priority",
        "subjects": "iptc-7901:category",
        "headline": "iptc-7901:STX line",
    }
    if body:
        where["body"] = "iptc-7901:text"
    if source:
        where["provider"] = "iptc-7901:source"
    if slug:
        where["slugline"] = "iptc-7901:header"
    return Item(
        format=IPTC7901,
        urgency=common.urgency(first[3]),
        headline=headline,
        slugline=slug,
        subjects=_category(category),
        keywords=[k for k in first[6].split() if k],
        provider=source,
        body=body,
        ednote=ednote,
        where=where,
    )
