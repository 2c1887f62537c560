"""Version badges (pipeline.badges) and the tail line that carries them."""

from __future__ import annotations

from pipeline import badges
from pipeline.tail import format_line


def event(**fields: object) -> dict:
    return {"version": 1, "pubstatus": "usable", "signals": [], "duplicate": False, **fields}


def test_each_kind_of_version_gets_its_badge() -> None:
    assert badges.badges(event()) == []
    assert badges.badges(event(version=2, signals=["update"])) == [("update", "UPDATE 1")]
    assert badges.badges(event(version=4)) == [("update", "UPDATE 3")]
    assert badges.badges(event(signals=["update"])) == [("update", "UPDATE")]  # original unseen
    assert badges.badges(event(version=2, signals=["correction"])) == [("correction", "CORRECTION")]
    assert badges.badges(event(version=3, pubstatus="withdrawn")) == [("killed", "KILLED")]
    assert badges.badges(event(version=2, duplicate=True)) == [
        ("update", "UPDATE 1"),
        ("repeat", "REPEAT"),
    ]


def test_fields_of_the_wrong_type_count_as_absent() -> None:
    hostile = {"version": "9", "pubstatus": ["withdrawn"], "signals": "correction"}
    assert badges.badges(hostile) == []
    assert badges.badges({"version": True, "duplicate": 1}) == []
    assert badges.label({}) == ""


def test_tail_shows_received_time_version_and_badges() -> None:
    line = format_line(
        {
            **event(version=3, pubstatus="withdrawn"),
            "received_at": "2026-12-07T21:04:05.000Z",
            "processed_at": "2026-12-07T21:04:09.000Z",
            "agency": "Reuters",
            "section": {"label": "arts"},
            "dateline": {"place": "Abidjan"},
            "headline": "KILL - Cocoa futures hit record",
        }
    )
    assert line.split()[:5] == ["21:04:05", "v3", "Reuters", "arts", "Abidjan"]
    assert line.endswith("[KILLED] KILL - Cocoa futures hit record")
    repeat = format_line({**event(duplicate=True), "processed_at": "2026-12-07T21:00:00.000Z"})
    assert repeat.startswith("21:00:00  v1 ")
    assert repeat.endswith("[REPEAT] (no headline)")
