"""Small mappings every reader shares: qcodes, status, signals, languages, numbers."""

from __future__ import annotations

import re
from collections.abc import Callable

# Code-scheme URIs of the IPTC vocabularies agencies use, and their usual aliases.
SCHEMES = {
    "http://cv.iptc.org/newscodes/mediatopic/": "medtop",
    "https://cv.iptc.org/newscodes/mediatopic/": "medtop",
    "http://cv.iptc.org/newscodes/subjectcode/": "subj",
    "https://cv.iptc.org/newscodes/subjectcode/": "subj",
}
_PUBSTATUS = {"usable": "usable", "withheld": "withheld", "canceled": "canceled"}
_PUBSTATUS_ALIASES = {"cancelled": "canceled", "killed": "canceled", "embargoed": "usable"}


Recorder = Callable[[str, object, "str | None"], None]


def recorder(where: dict[str, str], prefix: str) -> Recorder:
    """``took(name, value, path)``: notes in ``where`` that field ``name`` came from
    ``prefix:path`` of the document, when the document gave it a value."""

    def took(name: str, value: object, path: str | None) -> None:
        if value and path:
            where[name] = f"{prefix}:{path}"

    return took


def qcode(value: str | None, scheme: str | None = None) -> str | None:
    """A subject code as a qcode: ``http://cv.iptc.org/newscodes/mediatopic/04000000``,
    ``04000000`` with the mediatopic scheme, or ``medtop:04000000`` all give
    ``medtop:04000000``; an unknown URI stays as it is."""
    if not value:
        return None
    value = value.strip()
    for uri, alias in SCHEMES.items():
        if value.startswith(uri):
            return f"{alias}:{value[len(uri) :].strip('/')}"
    if scheme:
        alias = SCHEMES.get(scheme.rstrip("/") + "/", scheme)
        if ":" not in value:
            return f"{alias}:{value}"
    return value


def pubstatus(value: str | None) -> str | None:
    """``stat:usable``, ``usable``, ``Usable``... as one of usable/withheld/canceled."""
    if not value:
        return None
    word = value.strip().rsplit(":", 1)[-1].casefold()
    return _PUBSTATUS.get(word) or _PUBSTATUS_ALIASES.get(word)


def signal(value: str | None) -> str | None:
    """A NewsML-G2 signal qcode (``sig:update``, ``sig:correction``) as the event's
    signal word; other signals (``sig:atomic``...) are no version marks."""
    if not value:
        return None
    word = value.strip().rsplit(":", 1)[-1].casefold()
    return word if word in ("update", "correction") else None


def urgency(value: object) -> int | None:
    """An urgency 1..9 (from ``3``, ``"3"``, ``"urg:3"``), None otherwise."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().rsplit(":", 1)[-1]
    if not re.fullmatch(r"\d{1,2}", text):
        return None
    number = int(text)
    return number if 1 <= number <= 9 else None


_LANGUAGE = re.compile(r"([A-Za-z]{2})(?:[-_][A-Za-z0-9]{2,8})*")


def language(tag: str | None) -> str | None:
    """The ISO 639-1 code of a BCP 47 tag ("en-US" -> "en"); None for anything else."""
    if not tag:
        return None
    m = _LANGUAGE.fullmatch(tag.strip())
    return m[1].lower() if m else None


def clean(value: object) -> str | None:
    """A string field with its whitespace made single, None when empty or not text."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def iso_time(value: str | None) -> str | None:
    """An ISO 8601 time (extended or basic: ``20261207T101500+0100``) as UTC in the
    events' format; a naive time is taken as UTC; None when it is not a time."""
    import datetime as dt

    if not value:
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        utc = moment.astimezone(dt.UTC)
    except OverflowError:
        return None
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")
