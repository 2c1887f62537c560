"""What an editor must see of a story's version, as short badges: one definition for
the dashboard rows, the story view and ``tail``.

The event says it in fields (``version``, ``pubstatus``, ``signals``, ``duplicate``,
see :class:`pipeline.text.story.Story`); three rows reading "Cocoa futures hit
record" hide that one is a kill notice and one an update. The badges, most
important first:

- ``KILLED``: ``pubstatus`` is ``withdrawn`` (a kill or withdrawal notice); the
  story must not be used.
- ``CORRECTION``: the version corrects an earlier one (the ``correction`` signal).
- ``UPDATE n`` (neither of the above): the n-th version after the first
  (``version`` 2 is ``UPDATE 1``, as agencies number them); a version 1 marked as
  an update (the original was never seen here) is a bare ``UPDATE``.
- ``REPEAT``: an exact repeat of a version already seen (``duplicate``).

Events are untrusted input: a field of the wrong type counts as absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

BadgeKind = Literal["killed", "correction", "update", "repeat"]


def _version(event: Mapping[str, Any]) -> int | None:
    value = event.get("version")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def withdrawn(event: Mapping[str, Any]) -> bool:
    """Whether the story is a kill or withdrawal notice (``pubstatus: withdrawn``)."""
    return event.get("pubstatus") == "withdrawn"


def badges(event: Mapping[str, Any]) -> list[tuple[BadgeKind, str]]:
    """``(kind, text)`` of each badge the event earns, most important first."""
    signals = event.get("signals")
    signals = [s for s in signals if isinstance(s, str)] if isinstance(signals, list) else []
    version = _version(event)
    out: list[tuple[BadgeKind, str]] = []
    if withdrawn(event):
        out.append(("killed", "KILLED"))
    if "correction" in signals:
        out.append(("correction", "CORRECTION"))
    if withdrawn(event) or "correction" in signals:
        pass  # the stronger badge says it; the version number is shown beside it
    elif version is not None and version > 1:
        out.append(("update", f"UPDATE {version - 1}"))
    elif "update" in signals:
        out.append(("update", "UPDATE"))
    if event.get("duplicate") is True:
        out.append(("repeat", "REPEAT"))
    return out


def label(event: Mapping[str, Any]) -> str:
    """The badges as text for a terminal: ``[KILLED] [REPEAT]``, or ``""``."""
    return " ".join(f"[{text}]" for _, text in badges(event))
