"""A small Server-Sent Events parser for the tests, written from the spec, not from
``pipeline.web.sse``, so the two check each other."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Message:
    event: str = "message"
    data: str = ""
    id: str | None = None
    retry: int | None = None
    data_lines: list[str] = field(default_factory=list)


def parse_lines(lines: Iterable[str]) -> list[Message]:
    """Messages in ``lines`` (line breaks already stripped); ``retry`` alone counts too."""
    out: list[Message] = []
    current = Message()
    touched = False
    for line in lines:
        if line == "":
            if current.data_lines or current.retry is not None:
                current.data = "\n".join(current.data_lines)
                out.append(current)
            current, touched = Message(), False
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        touched = True
        if name == "event":
            current.event = value
        elif name == "data":
            current.data_lines.append(value)
        elif name == "id":
            current.id = value
        elif name == "retry" and value.isdigit():
            current.retry = int(value)
    assert not touched, "stream ended inside a message"
    return out


def parse(raw: bytes) -> list[Message]:
    text = raw.decode().replace("\r\n", "\n").replace("\r", "\n")
    return parse_lines(text.split("\n")[:-1])
