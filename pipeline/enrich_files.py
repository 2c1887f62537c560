"""The offline ``enrich`` command: raw story files (or stdin) -> JSON lines.

Same engine and same event as the stream, so a file gives the same story
whichever way it comes. No Kafka: this runs anywhere, instantly. Versions are
numbered among the inputs of one run (an update after its original is version 2).

With a feed name the run learns that feed's chrome as it goes, in input order,
exactly as the stream does (:func:`pipeline.text.learned.read`: each story is read
with what the feed taught so far, then teaches it). ``chrome`` learns over the
inputs and lists what the feed taught.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import BinaryIO, TextIO

from pipeline import formats, versions
from pipeline.events import encode, normalise_time
from pipeline.formats import compose
from pipeline.text import learned
from pipeline.text.engine import EmptyStory, enrich
from pipeline.text.normalise import DecodeError
from pipeline.text.story import Meta, Story

OUTPUT_FORMATS = ("json", "ninjs")


def run(
    paths: Sequence[str],
    *,
    out: BinaryIO,
    err: TextIO,
    received_at: str | None = None,
    feed: str | None = None,
    stdin: BinaryIO | None = None,
    learn: bool = True,
    memories: learned.Memories | None = None,
    output: str = "json",
) -> int:
    """Enrich each path ('-' is stdin) in order; 0 when all succeed, else 1.

    A file in an agency format (NewsML-G2, NITF, ninjs, RSS/Atom...) gives one story
    per item; an item that cannot be read is reported and the others still go out.
    With ``feed`` (and ``learn``) the feed's chrome is learned within the run, into
    ``memories`` when given. ``output`` "ninjs" writes ninjs 2.2 instead of events."""
    if received_at is not None:
        try:
            received_at = normalise_time(received_at)
        except ValueError:
            print(f"enrich: --received-at {received_at!r} is not an ISO 8601 time", file=err)
            return 2
    failed = 0
    seen: dict[str, dict] = {}  # versions of a story among the inputs of this run
    if memories is None and feed and learn:
        memories = learned.Memories()
    if output == "ninjs":
        from pipeline.formats import ninjs_out

    def read(text: bytes | str, meta: Meta) -> Story:
        if memories is not None and feed and learn:
            return learned.read(text, meta, memories)
        return enrich(text, meta)

    for path in paths:
        name = "<stdin>" if path == "-" else path
        try:
            raw = (stdin or sys.stdin.buffer).read() if path == "-" else _read(path)
            meta = Meta(received_at=received_at, feed=feed, path=None if path == "-" else path)
            fmt = formats.detect(raw)
            if fmt is None:
                stories = [read(raw, meta)]
            else:
                stories = []
                for index, entry in enumerate(formats.read(raw, fmt).items):
                    if isinstance(entry, formats.Malformed):
                        failed += 1
                        print(f"enrich: {name}: item {index + 1}: {entry.error}", file=err)
                        continue
                    item_meta = (
                        meta
                        if meta.original_id or not entry.guid
                        else Meta(received_at, feed, entry.guid, meta.path)
                    )
                    try:
                        stories.append(compose.read_item(entry, item_meta, read, index=index))
                    except (DecodeError, EmptyStory) as error:
                        failed += 1
                        print(f"enrich: {name}: item {index + 1}: {_describe(error)}", file=err)
        except (OSError, DecodeError, EmptyStory, formats.FormatError) as error:
            failed += 1
            print(f"enrich: {name}: {_describe(error)}", file=err)
            continue
        for story in stories:
            version = versions.assign(seen, story.story_id, story.id, story.pubstatus)
            story.version, story.duplicate = version.number, version.duplicate
            if output == "ninjs":
                out.write(ninjs_out.dumps(story) + b"\n")
            else:
                out.write(encode(story) + b"\n")
            out.flush()
    return 1 if failed else 0


def chrome(
    paths: Sequence[str],
    *,
    feed: str,
    out: TextIO,
    err: TextIO,
    received_at: str | None = None,
    as_json: bool = False,
    minimum: float = 0.5,
) -> int:
    """Learn ``feed``'s chrome over the inputs (as ``enrich --feed`` does), then list
    the lines it taught: confidence, count of distinct stories, text."""
    import io

    import orjson

    memories = learned.Memories()
    rc = run(
        paths,
        out=io.BytesIO(),
        err=err,
        received_at=received_at,
        feed=feed,
        memories=memories,
    )
    if rc == 2:
        return rc
    memory = memories.memory(learned.feed_name(feed))
    taught = memory.taught(minimum)
    if as_json:
        for t in taught:
            out.write(orjson.dumps(t).decode() + "\n")
    else:
        print(
            f"feed {learned.feed_name(feed)!r}: {memory.stories} stories, "
            f"{len(memory)} lines remembered, {len(taught)} taught as chrome",
            file=out,
        )
        for t in taught:
            print(f"{t.confidence:5.2f} {t.count:5d}  {t.text or '#' + t.fingerprint}", file=out)
    return rc


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _describe(error: Exception) -> str:
    if isinstance(error, OSError):
        return f"cannot read: {error.strerror or error}"
    if isinstance(error, DecodeError):
        return f"cannot decode: {error}"
    return str(error)
