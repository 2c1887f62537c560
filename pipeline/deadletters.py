"""Rejected stories for people: a dead letter (``wires.deadletter/1``) read back as a
short, safe summary, for ``tail --deadletter``, the dashboard and ``feed``.

A rejected story used to vanish into a log line and a counter. Its dead letter
keeps the reason and the payload; this module says which file or feed it came
from and shows the start of it. The preview is untrusted text: terminal escapes,
other control characters and bidi or invisible characters are removed, and a
payload that is mostly not text says so instead of printing noise.
"""

from __future__ import annotations

import base64
import binascii
import re
import sys
from collections.abc import Mapping
from typing import Any, TextIO

import orjson

from pipeline import events, tail
from pipeline.config import TOPIC_DEADLETTER, Settings

PREVIEW_CHARS = 120
ERROR_CHARS = 300
# An envelope is looked into for its feed and id only up to this size.
_ENVELOPE_BYTES = 64 * 1024

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)")


def safe_text(text: object, limit: int = PREVIEW_CHARS) -> str:
    """``text`` on one line with no terminal escapes, controls or invisible characters,
    cut to ``limit`` characters (an ellipsis says it was cut)."""
    if not isinstance(text, str):
        return ""
    clean = _SPACES.sub(" ", _UNSAFE.sub("", _ESCAPE.sub("", text))).strip()
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def preview(text: object, size: int | None = None, limit: int = PREVIEW_CHARS) -> str:
    """A safe preview of a payload's start; ``(binary, N bytes)`` when a tenth or more
    of it is undecodable or control characters."""
    if not isinstance(text, str) or not text.strip():
        return "(empty)" if not size else f"({size} bytes of blank space)"
    bare = _ESCAPE.sub("", text)  # terminal escapes are removed, not counted as binary
    noise = sum(1 for c in bare if c == "\ufffd" or (ord(c) < 32 and c not in "\t\r\n"))
    if noise * 10 >= max(len(bare), 1):
        return f"(binary, {size if size is not None else len(text)} bytes)"
    return safe_text(text, limit)


def _envelope(letter: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON envelope the payload was, when it was a small one (else ``{}``)."""
    data = letter.get("payload_base64")
    if not isinstance(data, str) or not data or len(data) > _ENVELOPE_BYTES * 4 // 3 + 4:
        return {}
    try:
        payload = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return {}
    if payload.lstrip()[:1] != b"{":
        return {}
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def summarise(letter: Mapping[str, Any]) -> dict[str, Any]:
    """What a person needs of a dead letter: reason, time, feed, name, size, error,
    where the original is, and a safe preview. Every text field is safe to print."""
    headers = letter.get("headers") if isinstance(letter.get("headers"), dict) else {}
    envelope = _envelope(letter)

    def first(*values: object) -> str | None:
        for value in values:
            if isinstance(value, str) and value:
                return value
        return None

    size = letter.get("payload_bytes")
    size = size if isinstance(size, int) and not isinstance(size, bool) else None
    reason = first(letter.get("reason")) or "unknown"
    where = [letter.get(k) for k in ("topic", "partition", "offset")]
    return {
        "reason": safe_text(reason, 40),
        "time": first(letter.get("failed_at")),
        "feed": events.clean_feed(first(headers.get(events.HEADER_FEED), envelope.get("feed"))),
        "name": safe_text(
            first(
                headers.get(events.HEADER_ID),
                envelope.get("id"),
                headers.get(events.HEADER_PATH),
                envelope.get("path"),
                letter.get("key"),
            ),
            200,
        )
        or None,
        "path": safe_text(first(headers.get(events.HEADER_PATH), envelope.get("path")), 500)
        or None,
        "bytes": size,
        "error": safe_text(letter.get("error"), ERROR_CHARS),
        "preview": preview(letter.get("payload_preview"), size),
        "where": "{}[{}]@{}".format(*where) if all(w is not None for w in where) else None,
    }


def format_line(letter: Mapping[str, Any]) -> str:
    """``23:04:05  undecodable     inbox      binary.bin  (1200 B)  error — preview``"""
    row = summarise(letter)
    stamp = (row["time"] or "")[11:19]
    size = f"({row['bytes']} B)" if row["bytes"] is not None else ""
    return (
        f"{stamp:8}  {row['reason']:<18} {(row['feed'] or '-')[:12]:<12} "
        f"{row['name'] or '-'} {size}  {row['error']} — {row['preview']}"
    )


def tail_deadletters(
    settings: Settings,
    *,
    out: TextIO = sys.stdout,
    from_beginning: bool = False,
    count: int | None = None,
    as_json: bool = False,
    idle_timeout: float | None = None,
) -> int:
    """``tail --deadletter``: print dead letters until ``count``, silence, or Ctrl-C."""
    consumer = tail.assigned_consumer(settings, TOPIC_DEADLETTER, from_beginning=from_beginning)
    return tail.print_events(
        consumer,
        (lambda letter: orjson.dumps(summarise(letter)).decode()) if as_json else format_line,
        out=out,
        accept=lambda letter: isinstance(letter, dict),
        count=count,
        idle_timeout=idle_timeout,
    )
