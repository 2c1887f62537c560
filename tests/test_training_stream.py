"""Which enriched events become training examples (issue 14, learning from the stream)."""

from __future__ import annotations

from pipeline.training import examples_from_events


def event(story: str, label: str, *, source: str = "kicker", **extra: object) -> dict:
    return {
        "id": f"{story}-{extra.get('version', 1)}",
        "story_id": story,
        "headline": f"Headline of {story}",
        "body": [f"Body of {story}."],
        "language": "es",
        "section": {"label": label, "source": source},
        **extra,
    }


def test_only_kicker_labels_once_per_story_newest_per_topic() -> None:
    events = [
        event("a", "politics"),
        event("a", "politics", version=2),  # the story's latest version counts, once
        event("b", "politics", source="model"),  # the model's own guess: no label
        event("c", "sport", duplicate=True),  # an exact repeat
        event("d", "sport", pubstatus="canceled"),  # a kill
        event("e", "sport", body=[]),  # nothing to learn from
        event("f", "not a media topic"),
        *(event(f"s{n}", "sport") for n in range(5)),
    ]
    examples = examples_from_events(events, per_topic=3)
    by_label = {}
    for example in examples:
        by_label.setdefault(example.label, []).append(example.text)
    assert sorted(by_label) == ["politics", "sport"]
    assert len(by_label["politics"]) == 1
    assert by_label["sport"] == [
        f"Headline of s{n}\nHeadline of s{n}\nBody of s{n}." for n in (2, 3, 4)
    ]
    assert {e.language for e in examples} == {"es"}
