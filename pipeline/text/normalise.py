"""Turn raw wire bytes into clean Unicode lines, cheaply.

Every story passes through here, so the common case (clean UTF-8) costs a few
microseconds: the slow repairs (ftfy for mojibake, NFC) run only when a cheap
check says they are needed. Quotes and dashes are the publisher's and stay.
"""

from __future__ import annotations

import codecs
import itertools
import re
import unicodedata

import ftfy


class DecodeError(ValueError):
    """Raw bytes that are not text in any encoding we accept."""


# A UTF-8 lead byte read as Latin-1/cp1252 followed by a continuation byte read the
# same way: the signature of mojibake ("BaÃ­a", "â€œ"). Clean text almost never has
# it, and when it does ftfy leaves the text alone, so a false alarm only costs time.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
# Line breaks other than \n: \r\n and \r (str.replace, in tidy), Unicode separators,
# vertical tab, form feed.
_ODD_BREAK = re.compile("[\u2028\u2029\x85\x0b\x0c]")
# Spaces other than U+0020: tab, no-break, figure, narrow no-break, ideographic, ...
_ODD_SPACE = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_SPACE_RUN = re.compile(" {2,}")
# Invisible characters that never belong in a story: controls, zero-width, BOM, and
# the bidirectional embeddings, overrides and isolates (U+202A-202E, U+2066-2069): an
# override makes a headline read differently from its bytes. The marks LRM and RLM,
# which Arabic and Hebrew copy uses, stay.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]")
# Any character tidy replaces, and nothing else (not \n, which every story has):
# clean text is scanned once and left alone.
_UNUSUAL = re.compile(
    "[\x00-\x09\x0b\x0c\x0e-\x1f\x7f\r\x85\u00a0\u1680\u2000-\u200d\u2028\u2029\u202f"
    "\u205f\u2060\u3000\ufeff\u202a-\u202e\u2066-\u2069]"
)
_BINARY_HINT = re.compile(b"[\x00-\x08\x0e-\x1f]")
# Every byte but those: what bytes.translate deletes to tell, in one tight loop, whether
# any is left (a regex scan costs several times more).
_NOT_BINARY = bytes(b for b in range(256) if not _BINARY_HINT.match(bytes([b])))
# The ASCII characters _UNUSUAL does not take: the same test for ASCII text.
_ASCII_USUAL = bytes(b for b in range(128) if not _UNUSUAL.match(chr(b)))

_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


def decode(raw: bytes | str) -> str:
    """Decode story bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.

    Legacy 8-bit feeds are common enough to accept; anything with NUL or other
    binary control bytes, or bytes that are neither, raises :class:`DecodeError`
    so the caller can dead-letter the payload instead of guessing.
    """
    if isinstance(raw, str):
        return raw
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as error:
            raise DecodeError(f"invalid UTF-16 ({error.reason} at byte {error.start})") from None
    if raw.translate(None, _NOT_BINARY):
        at = _BINARY_HINT.search(raw).start()  # type: ignore[union-attr]
        raise DecodeError(f"binary data: control byte 0x{raw[at]:02x} at offset {at}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            raise DecodeError(
                f"not UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) and not Windows-1252"
            ) from None


def repair(text: str) -> str:
    """Fix mojibake (only when suspected) and apply NFC (only when needed)."""
    if not text.isascii() and _MOJIBAKE_HINT.search(text):
        text = ftfy.fix_text(text, _FTFY_CONFIG)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def tidy(text: str) -> str:
    """Unify line breaks, make every space a single plain space, drop controls.

    One character-class scan tells whether any fix is needed; clean text pays
    for that scan only.
    """
    if _unusual(text):
        if "\r" in text:  # \r\n, then a lone \r: both a line break
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        for pattern, replacement in ((_ODD_BREAK, "\n"), (_CONTROL, ""), (_ODD_SPACE, " ")):
            text = pattern.sub(replacement, text)
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
    return text


def _unusual(text: str) -> bool:
    """``text`` holds a character tidy replaces."""
    if text.isascii():
        return bool(text.encode("ascii").translate(None, _ASCII_USUAL))
    return _UNUSUAL.search(text) is not None


# Hard-wrapped copy (plain-text wires wrapped at 64-100 columns): no line is
# longer than this, and most lines break near the margin.
_WRAP_MAX_WIDTH = 100
_FULL = 0.75  # a line this close to the margin was broken by the wrap, not by the writer
_MIN_WRAPPED_LINES = 3
# A crawler's page date glued to the first line ("date 2019-12-06 Headline ..."):
# the stamp is a line of its own.
_CRAWL_DATE = re.compile(r"(date [12][0-9]{3}-[01][0-9](?:-[0-3][0-9])?) (?=\S)")
_SENTENCE_END = re.compile(r"[.!?…:;][\"”’»)\]]*$")
# The start of a dateline lede: "BERLIN, March 12 (Reuters) -", "QUITO (EFE) -".
_DATELINE_START = re.compile(
    r"[A-ZÀ-Þ][A-ZÀ-Þ'’.\- ]{2,30}(?:,|\s\(|\s[-–—]|:)"
    r"|[A-ZÀ-Þ][\w'’.\-]+(?:\s[A-ZÀ-Þ][\w'’.\-]+){0,3}\s\([\w/. -]{2,30}\)\s?[-–—:.,]"
    r"|\([A-Za-z]{2,12}\)\s?[-–—]"
)


def lines(raw: bytes | str) -> list[str]:
    """Decoded, repaired, tidied non-empty lines of a raw story, in order.

    Hard-wrapped copy is reflowed first, so a paragraph is one line whatever
    column the sender wrapped it at.
    """
    text = tidy(repair(decode(raw)))
    raw_lines = text.split("\n")
    out = reflow(raw_lines)
    if out is None:
        out = [line for line in map(str.strip, raw_lines) if line]
    if out and (glued := _CRAWL_DATE.match(out[0])) is not None:
        out[0:1] = [glued[1], out[0][glued.end() :]]
    return out


def reflow(raw_lines: list[str]) -> list[str] | None:
    """Paragraphs of hard-wrapped copy, or None when the copy is not wrapped.

    Wrapped copy has most lines near one margin. A paragraph ends at a blank
    line (unless every line is followed by one: double-spaced copy), at a short
    line that ends a sentence, or before an indented line or a dateline. A
    group of short lines between blank lines (a menu, a list) stays as it is.
    """
    items = [(line.strip(), line.startswith(" ")) for line in raw_lines]
    texts = [t for t, _ in items if t]
    if len(texts) < _MIN_WRAPPED_LINES:
        return None
    lengths = sorted(map(len, texts))
    if lengths[-1] > _WRAP_MAX_WIDTH and lengths[-2] > _WRAP_MAX_WIDTH:
        return None
    width = lengths[min(len(lengths) - 1, int(len(lengths) * 0.9))]
    full = sum(1 for n in lengths if n >= width * _FULL)
    if full < max(_MIN_WRAPPED_LINES, len(texts) * 0.35):
        return None
    if _writer_breaks(texts, width):
        return None
    groups: list[list[tuple[str, bool]]] = [[]]
    for t, indented in items:
        if t:
            groups[-1].append((t, indented))
        elif groups[-1]:
            groups.append([])
    groups = [g for g in groups if g]
    if len(groups) >= len(texts) * 0.8:  # double-spaced: blank lines mean nothing
        groups = [[item for g in groups for item in g]]
    out: list[str] = []
    for group in groups:
        if _wrapped(group, width):
            out.extend(_paragraphs(group, width))
        else:
            out.extend(t for t, _ in group)
    return out


def _writer_breaks(texts: list[str], width: int) -> bool:
    """Short paragraphs, not a wrap: after half or more of the long lines the next
    line's first word would have fitted within the margin, which a wrap never leaves
    ("Soru: ...?" under a 93-character answer in an interview), or every long line
    ends a sentence (a wrap breaks lines mid-sentence: a live blog's entries do not)."""
    breaks = [(a, b) for a, b in itertools.pairwise(texts) if len(a) >= width * _FULL]
    if not breaks:
        return False
    fits = sum(1 for a, b in breaks if len(a) + 1 + len(b.split(" ", 1)[0]) <= width)
    ends = sum(1 for a, _ in breaks if _SENTENCE_END.search(a))
    return fits * 2 >= len(breaks) or (len(breaks) >= 2 and ends == len(breaks))


def _wrapped(group: list[tuple[str, bool]], width: int) -> bool:
    if len(group) < 2:
        return False
    fills = [len(t) >= width * _FULL for t, _ in group[:-1]]
    return all(fills) or (len(group) >= _MIN_WRAPPED_LINES and sum(fills) >= len(fills) * 0.35)


def _paragraphs(group: list[tuple[str, bool]], width: int) -> list[str]:
    """The paragraphs of one wrapped group. In copy that indents its paragraphs,
    short lines above the first indent (slug, headline) stand alone."""
    out: list[str] = []
    current: list[str] = []
    indents = sum(1 for _, indented in group if indented) >= 2
    seen_indent = False
    for t, indented in group:
        if indents and seen_indent and not indented and not current:
            # no indent after a finished paragraph: a sign-off, codes, a stamp
            out.append(t)
            continue
        short = len(t) < width * _FULL
        if (
            indents
            and current
            and not indented
            and short
            and _SENTENCE_END.search(current[-1])
            and not _SENTENCE_END.search(t)
        ):
            # a short unindented line that ends no sentence after one that did:
            # the story's sign-off or codes ("dpa ms yyzz n1 kr"), not its text
            out.append(" ".join(current))
            out.append(t)
            current = []
            continue
        if current and (indented or _DATELINE_START.match(t)):
            out.append(" ".join(current))
            current = []
        current.append(t)
        seen_indent = seen_indent or indented
        if short and (_SENTENCE_END.search(t) or (indents and not seen_indent)):
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return out
