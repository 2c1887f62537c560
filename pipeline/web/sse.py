"""Server-Sent Events framing (https://html.spec.whatwg.org/#server-sent-events).

A field value must not contain a line break: one inside ``data`` starts a new
``data:`` line (the browser joins them back with ``\\n``), and ``event``/``id`` are
single tokens, so a stray CR or LF there is an error, not something to pass on.
"""

from __future__ import annotations

import re

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def frame(data: str, *, event: str | None = None, id: str | None = None) -> bytes:
    """One event: optional ``event:`` and ``id:`` lines, ``data:`` lines, a blank line."""
    lines: list[str] = []
    for name, value in (("event", event), ("id", id)):
        if value is not None:
            if _LINE_BREAK.search(value) or "\0" in value:
                raise ValueError(f"SSE {name} must be one line without NUL: {value!r}")
            lines.append(f"{name}: {value}")
    lines.extend(f"data: {line}" for line in _LINE_BREAK.split(data))
    return ("\n".join(lines) + "\n\n").encode()


def retry(milliseconds: int) -> bytes:
    """Tell the browser how long to wait before it reconnects."""
    return f"retry: {int(milliseconds)}\n\n".encode()


def comment(text: str = "") -> bytes:
    """A comment line: ignored by the browser, keeps proxies from closing an idle stream."""
    return (": " + _LINE_BREAK.sub(" ", text) + "\n\n").encode()
