"""The hub: ring buffer, repeats, counts, rate and latency (fake clock, no I/O)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from pipeline import events
from pipeline.web.hub import HEADLINE_CHARS, Hub, percentile, summarise
from pipeline.web.rejects import Rejects

NOW = dt.datetime(2024, 6, 4, 9, 30, 0, tzinfo=dt.UTC).timestamp()


def iso(seconds: float) -> str:
    moment = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def story(
    n: int,
    *,
    agency: str = "EFE",
    section: str | None = "politics",
    language: str = "en",
    processed: float = NOW - 0.5,
    latency: float | None = 0.1,
) -> dict[str, Any]:
    return {
        "id": f"{n:024x}",
        "received_at": None if latency is None else iso(processed - latency),
        "processed_at": iso(processed),
        "agency": agency,
        "language": language,
        "section": {"label": section} if section else None,
        "headline": f"headline {n}",
        "dateline": {"place": "Quito"},
        "body": ["text"],
        "blocks": [],
    }


def hub(**kwargs: Any) -> Hub:
    return Hub(clock=lambda: NOW, **kwargs)


def test_ring_buffer_keeps_the_last_n_in_order() -> None:
    h = hub(capacity=3)
    assert h.add([story(n) for n in range(5)]) == 5
    assert len(h) == 3
    assert [r["headline"] for r in h.recent()] == ["headline 2", "headline 3", "headline 4"]
    assert [r["headline"] for r in h.recent(2)] == ["headline 3", "headline 4"]
    assert h.recent(0) == []
    assert h.get(story(0)["id"]) is None
    assert h.get(story(4)["id"]) == story(4)
    assert h.stats()["total"] == 5  # counts keep everything, the buffer does not


def test_repeats_are_dropped_by_id_even_after_leaving_the_buffer() -> None:
    h = hub(capacity=2)
    h.add([story(1), story(2), story(3)])
    assert h.add([story(1), story(3)]) == 0
    stats = h.stats()
    assert (stats["total"], stats["duplicates"]) == (3, 2)


def test_memory_of_ids_is_bounded() -> None:
    h = hub(capacity=2, seen_limit=3)
    h.add([story(n) for n in range(10)])
    assert h.add([story(0)]) == 1  # long forgotten: counted again, memory stays small
    assert len(h._seen) == 3


def test_events_without_an_id_are_counted_as_invalid() -> None:
    h = hub()
    assert h.add([{"headline": "x"}, {"id": 5}, "nonsense", story(1)]) == 1  # type: ignore[list-item]
    assert h.invalid == 3


def test_counts_per_section_agency_and_language() -> None:
    h = hub()
    h.add([story(1), story(2, agency="AFP"), story(3, agency="AFP", section=None, language="fr")])
    stats = h.stats()
    assert [tuple(pair) for pair in stats["agencies"]] == [("AFP", 2), ("EFE", 1)]
    assert dict(stats["sections"]) == {"politics": 2, "(none)": 1}
    assert dict(stats["languages"]) == {"en": 2, "fr": 1}


def test_pending_rows_are_taken_once_and_capped_to_the_newest() -> None:
    h = hub()
    h.add([story(n) for n in range(5)])
    rows = h.take_pending(2)
    assert [r["headline"] for r in rows] == ["headline 3", "headline 4"]
    assert h.take_pending(2) == []


def test_rate_is_per_second_of_processed_time_over_the_window() -> None:
    h = hub(window=60)
    h.add(
        [
            story(1, processed=NOW - 0.5),
            story(2, processed=NOW - 0.2),
            story(3, processed=NOW - 10.5),
            story(4, processed=NOW - 120),
            story(5, processed=NOW + 30),
        ]
    )  # a clock ahead of ours counts as now
    rate = h.stats()["rate"]
    assert len(rate) == 60
    assert rate[-1] == 2  # the last whole second
    assert rate[-11] == 1
    assert sum(rate) == 3  # 2 minutes old: outside; "now" is not a whole second yet


def test_latency_percentiles_over_the_last_minute() -> None:
    h = hub()
    h.add([story(n, latency=n / 1000) for n in range(1, 101)])
    h.add([story(1000, processed=NOW - 300, latency=50.0)])  # too old to count
    h.add([story(1001, latency=None)])  # no received time: no latency
    latency = h.stats()["latency"]
    assert latency["count"] == 100
    assert round(latency["p50"]) == 50
    assert round(latency["p95"]) == 95


def test_percentile_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 95) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0


def test_summary_row_is_small_and_tolerates_odd_events() -> None:
    event = story(1)
    event["headline"] = "x" * 5000
    row = summarise(event)
    assert set(row) == {
        "id",
        "story_id",
        "version",
        "withdrawn",
        "badges",
        "time",
        "agency",
        "language",
        "section",
        "place",
        "headline",
    }
    assert len(row["headline"]) == HEADLINE_CHARS
    assert row["time"] == event["received_at"]
    odd = {"id": "abc", "section": "politics", "dateline": ["x"], "agency": 7, "headline": None}
    assert summarise(odd) == {
        "id": "abc",
        "story_id": "abc",
        "version": None,
        "withdrawn": False,
        "badges": [],
        "time": None,
        "agency": None,
        "language": None,
        "section": None,
        "place": None,
        "headline": None,
    }


def test_rows_carry_version_badges_and_the_story_id() -> None:
    h = hub()
    kill = {**story(1), "story_id": "cocoa", "version": 3, "pubstatus": "withdrawn"}
    h.add([kill, {**story(2), "version": 2, "signals": ["update"]}])
    first, second = h.recent()
    assert first["story_id"] == "cocoa" and first["version"] == 3 and first["withdrawn"]
    assert first["badges"] == [["killed", "KILLED"]]
    assert second["story_id"] == story(2)["id"]  # no story id: the row is its own story
    assert second["badges"] == [["update", "UPDATE 1"]]


def test_an_exact_repeat_badges_the_row_it_repeats_a_redelivery_does_not() -> None:
    h = hub()
    h.add([story(1)])
    h.take_pending(10)
    assert h.add([story(1)]) == 0  # the same event delivered again
    assert h.take_pending(10) == []
    assert h.add([{**story(1), "duplicate": True}]) == 0
    (row,) = h.take_pending(10)
    assert row["id"] == story(1)["id"] and row["badges"] == [["repeat", "REPEAT"]]
    assert row["repeats"] == 1 and len(h) == 1


def test_rejects_keep_each_dead_letter_once_summarised() -> None:
    letter = orjson.loads(
        events.encode(
            events.DeadLetter.of(
                events.BadMessage(events.EMPTY, "empty message"),
                b" ",
                topic="wires.raw",
                partition=1,
                offset=5,
            )
        )
    )
    rejects = Rejects(capacity=2)
    assert rejects.add([letter, letter, "junk"]) == 1
    assert rejects.add([{**letter, "offset": 6}, {**letter, "offset": 7}]) == 2
    assert rejects.total == 3
    assert [r["where"] for r in rejects.recent()] == ["wires.raw[1]@6", "wires.raw[1]@7"]
    assert [r["id"] for r in rejects.take_pending()] == ["wires.raw[1]@6", "wires.raw[1]@7"]
    assert rejects.take_pending() == []
    assert "payload_base64" not in rejects.recent()[0]
