"""The offline ``enrich`` command: raw story files (or stdin) -> JSON lines.

Same engine and same event as the stream, so a file gives the same story
whichever way it comes. No Kafka: this runs anywhere, instantly. Versions are
numbered among the inputs of one run (an update after its original is version 2).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import BinaryIO, TextIO

from pipeline import versions
from pipeline.events import encode, normalise_time
from pipeline.text.engine import EmptyStory, enrich
from pipeline.text.normalise import DecodeError
from pipeline.text.story import Meta


def run(
    paths: Sequence[str],
    *,
    out: BinaryIO,
    err: TextIO,
    received_at: str | None = None,
    feed: str | None = None,
    stdin: BinaryIO | None = None,
) -> int:
    """Enrich each path ('-' is stdin) in order; 0 when all succeed, else 1."""
    if received_at is not None:
        try:
            received_at = normalise_time(received_at)
        except ValueError:
            print(f"enrich: --received-at {received_at!r} is not an ISO 8601 time", file=err)
            return 2
    failed = 0
    seen: dict[str, dict] = {}  # versions of a story among the inputs of this run
    for path in paths:
        try:
            raw = (stdin or sys.stdin.buffer).read() if path == "-" else _read(path)
            story = enrich(
                raw, Meta(received_at=received_at, feed=feed, path=None if path == "-" else path)
            )
        except (OSError, DecodeError, EmptyStory) as error:
            failed += 1
            print(f"enrich: {'<stdin>' if path == '-' else path}: {_describe(error)}", file=err)
            continue
        version = versions.assign(seen, story.story_id, story.id, story.pubstatus)
        story.version, story.duplicate = version.number, version.duplicate
        out.write(encode(story) + b"\n")
        out.flush()
    return 1 if failed else 0


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _describe(error: Exception) -> str:
    if isinstance(error, OSError):
        return f"cannot read: {error.strerror or error}"
    if isinstance(error, DecodeError):
        return f"cannot decode: {error}"
    return str(error)
