"""An enriched event as IPTC ninjs 2.2, what Superdesk and other editorial systems read.

One function per mapping, the table of the README as code:

| event | ninjs 2.2 |
|---|---|
| ``item.guid`` (else ``urn:wires:story:`` + ``story_id``) | ``uri`` (every version shares it) |
| ``version`` | ``version`` (a string) |
| ``processed_at`` | ``versioncreated`` |
| ``item.first_created``, else ``received_at`` | ``firstcreated`` |
| ``item.embargoed`` | ``embargoed`` |
| ``pubstatus`` usable / withdrawn | ``pubstatus`` usable / canceled |
| ``item.urgency`` | ``urgency`` |
| ``language`` | ``language`` |
| ``headline``, ``item.subheadline`` | ``headlines`` (roles ``main``, ``sub``) |
| ``byline`` | ``by`` |
| ``item.slugline`` | ``slugline`` |
| ``dateline.place`` | ``located`` |
| ``section``, the item's other codes | ``subjects`` (URIs, ``creator``, ``confidence`` %) |
| ``body`` joined by blank lines | ``bodies`` (``main``, ``text/plain``, word count) |
| ``agency`` | ``infosources`` |
| ``id``, ``story_id`` | ``altids`` (roles ``wires:id``, ``wires:story_id``) |
| ``item.ednote`` | ``ednote`` |
"""

from __future__ import annotations

from typing import Any

import orjson

from pipeline.formats.common import SCHEMES

VERSION = "2.2"
SCHEMA_URI = "http://www.iptc.org/std/ninjs/ninjs-schema_2.2.json"
_URIS = {alias: uri for uri, alias in reversed(list(SCHEMES.items()))}
_PUBSTATUS = {"usable": "usable", "withdrawn": "canceled"}


def _as_event(event: Any) -> dict[str, Any]:
    return event if isinstance(event, dict) else orjson.loads(orjson.dumps(event))


def uri(event: dict[str, Any]) -> str:
    """The agency's guid when it is a URI (a ninjs uri must be), else the story id's."""
    guid = (event.get("item") or {}).get("guid")
    if isinstance(guid, str) and ":" in guid and " " not in guid:
        return guid
    return f"urn:wires:story:{event['story_id']}"


def subject_uri(code: str | None) -> str | None:
    """``medtop:04000000`` -> ``http://cv.iptc.org/newscodes/mediatopic/04000000``."""
    if not code or ":" not in code:
        return None
    scheme, _, number = code.partition(":")
    base = _URIS.get(scheme)
    return base + number if base else (code if code.startswith(("http:", "https:")) else None)


def subjects(event: dict[str, Any]) -> list[dict[str, Any]]:
    """The section first (who chose it, how sure), then the item's other codes."""
    out: list[dict[str, Any]] = []
    section = event.get("section") or {}
    seen = set()
    if section.get("code"):
        entry: dict[str, Any] = {"name": section["label"], "rel": "about"}
        link = subject_uri(section["code"])
        entry["uri" if link else "literal"] = link or section["code"]
        entry["creator"] = {"format": "agency", "kicker": "kicker", "model": "wires:model"}.get(
            section.get("source") or "", "wires"
        )
        if section.get("confidence") is not None:
            entry["confidence"] = round(100 * section["confidence"])
        out.append(entry)
        seen.add(section["code"])
    for subject in (event.get("item") or {}).get("subjects") or []:
        code = subject.get("code")
        if code in seen or not (code or subject.get("name")):
            continue
        seen.add(code)
        entry = {"name": subject["name"]} if subject.get("name") else {}
        link = subject_uri(code)
        if link:
            entry["uri"] = link
        elif code:
            entry["literal"] = code
        entry["creator"] = "agency"
        out.append(entry)
    return out


def headlines(event: dict[str, Any]) -> list[dict[str, str]]:
    out = [{"role": "main", "value": event["headline"]}] if event.get("headline") else []
    sub = (event.get("item") or {}).get("subheadline")
    if sub:
        out.append({"role": "sub", "value": sub})
    return out


def bodies(event: dict[str, Any]) -> list[dict[str, Any]]:
    text = "\n\n".join(event.get("body") or [])
    if not text:
        return []
    return [
        {
            "role": "main",
            "contenttype": "text/plain",
            "value": text,
            "wordcount": event.get("word_count") or 0,
            "charcount": len(text),
        }
    ]


def to_ninjs(event: Any) -> dict[str, Any]:
    """The ninjs 2.2 object of an event (a ``wires.enriched/1`` dict or a Story)."""
    event = _as_event(event)
    item = event.get("item") or {}
    out: dict[str, Any] = {
        "uri": uri(event),
        "standard": {"name": "ninjs", "version": VERSION, "schema": SCHEMA_URI},
        "type": "text",
        "representationtype": "full",
        "version": str(event.get("version") or 1),
        "versioncreated": event["processed_at"],
    }
    optional: dict[str, Any] = {
        "firstcreated": item.get("first_created") or event.get("received_at"),
        "embargoed": item.get("embargoed"),
        "pubstatus": _PUBSTATUS.get(event.get("pubstatus") or "", "usable"),
        "urgency": item.get("urgency"),
        "language": event.get("language"),
        "headlines": headlines(event),
        "by": event.get("byline"),
        "slugline": item.get("slugline"),
        "located": (event.get("dateline") or {}).get("place"),
        "subjects": subjects(event),
        "bodies": bodies(event),
        "infosources": [{"name": event["agency"]}] if event.get("agency") else [],
        "altids": [
            {"role": "wires:id", "value": event["id"]},
            {"role": "wires:story_id", "value": event["story_id"]},
        ],
        "ednote": item.get("ednote"),
    }
    out.update({k: v for k, v in optional.items() if v not in (None, "", [])})
    return out


def dumps(event: Any) -> bytes:
    """:func:`to_ninjs` as one line of JSON."""
    return orjson.dumps(to_ninjs(event))
