"""Version numbering (pure) and versions in the offline command."""

import subprocess
import sys

import orjson

from pipeline import versions
from pipeline.versions import Version
from tests.stream.test_versions_stream import VERSIONS


def test_numbering_repeats_and_withdrawal():
    store: dict = {}
    assert versions.assign(store, "s", "a", "usable") == Version(1, False)
    assert versions.assign(store, "s", "b", "usable") == Version(2, False)
    assert versions.assign(store, "s", "a", "usable") == Version(1, True)  # an older repeat
    assert versions.assign(store, "s", "c", "withdrawn") == Version(3, False)
    assert store["s"]["s"] == "withdrawn" and store["s"]["v"] == 3
    assert versions.assign(store, "other", "a", "usable") == Version(1, False)


def test_only_the_last_texts_are_remembered():
    store: dict = {}
    for i in range(versions.MAX_REMEMBERED + 2):
        versions.assign(store, "s", f"text-{i}", "usable")
    assert len(store["s"]["seen"]) == versions.MAX_REMEMBERED
    assert versions.assign(store, "s", "text-0", "usable") == Version(
        versions.MAX_REMEMBERED + 3, False
    )


def test_offline_command_numbers_versions_among_its_inputs(tmp_path):
    paths = []
    for name, text in VERSIONS:
        path = tmp_path / f"{len(paths)}-{name}.txt"
        path.write_text(text)
        paths.append(str(path))
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "enrich", *paths],
        capture_output=True,
        check=True,
        timeout=60,
    )
    events = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [(e["version"], e["duplicate"], e["pubstatus"]) for e in events] == [
        (1, False, "usable"),
        (1, True, "usable"),
        (2, False, "usable"),
        (3, False, "usable"),
        (4, False, "withdrawn"),
    ]
    assert len({e["story_id"] for e in events}) == 1


def test_expiry_forgets_old_stories_of_one_partition_a_few_at_a_time():
    store: dict = {}
    for i in range(10):
        versions.assign(store, f"old-{i}", "a", "usable", now=0.0, partition=1)
    versions.assign(store, "fresh", "a", "usable", now=95.0, partition=1)
    versions.assign(store, "other-partition", "a", "usable", now=0.0, partition=2)
    expiry = versions.Expiry(ttl=50.0, interval=10.0, budget=4)
    forgotten = [expiry.step(store, 1, now=100.0) for _ in range(3)]  # 11 keys, 4 a call
    assert sum(forgotten) == 10 and max(forgotten) <= 4
    assert expiry.step(store, 1, now=100.0) == 0  # listed again only after the interval
    assert set(store) == {"fresh", "other-partition"}
    assert expiry.step(store, 1, now=140.0) == 0  # relisted: "fresh" is only 45 s old
    assert expiry.step(store, 1, now=151.0) == 1  # relisted again: now it is 56 s old
    assert set(store) == {"other-partition"}
    assert versions.assign(store, "old-0", "a", "usable") == Version(1, False)  # starts again


def test_a_raw_message_read_again_differently_is_a_repeat_of_its_first_reading():
    # The reading can change between two deliveries of one message (the feed's learned
    # chrome is behind after a crash): its raw digest still marks it as seen.
    store: dict = {}
    raw = versions.raw_digest(b"LONDON (Reuters) - The same bytes.\nBack to top")
    assert versions.raw_digest("LONDON (Reuters) - The same bytes.\nBack to top") == raw
    assert versions.assign(store, "s", "read-1", "usable", raw=raw) == Version(1, False)
    assert versions.assign(store, "s", "read-2", "usable", raw=raw) == Version(1, True)
    # another message of the story is a new version, and a repeat by either mark
    other = versions.raw_digest(b"LONDON (Reuters) - Updated bytes.")
    assert versions.assign(store, "s", "read-3", "usable", raw=other) == Version(2, False)
    assert versions.assign(store, "s", "read-1", "usable", raw=other) == Version(1, True)
    assert versions.assign(store, "s", "read-4", "usable", raw=other) == Version(2, True)
    # without digests (an older worker upstream) the text alone decides, as before
    assert versions.assign(store, "s", "read-5", "usable") == Version(3, False)
