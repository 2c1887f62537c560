"""Story versions through the stream: updates, corrections, exact repeats and kills
of one story are numbered by the workers' table and published in one partition."""

from __future__ import annotations

import time

import pytest

from pipeline.config import TOPIC_ENRICHED
from tests.brokerkit import fresh
from tests.stream import harness
from tests.stream.test_restart import TEMPLATE

pytestmark = [pytest.mark.broker, pytest.mark.timeout(180)]

LEDE = (
    "JAKARTA, May 18 (Reuters) - At least {n} people died after a wooden ferry carrying "
    "more than 90 people capsized in rough seas off Indonesia's Sulawesi island, the "
    "search and rescue agency said on Wednesday."
)
VERSIONS = [
    ("original", f"Ferry capsizes off Indonesia's Sulawesi\n{LEDE.format(n=14)}"),
    ("repeat", f"Ferry capsizes off Indonesia's Sulawesi\n{LEDE.format(n=14)}"),
    (
        "update",
        "UPDATE 1-Ferry capsizes off Indonesia's Sulawesi\n(Adds death toll)\n" + LEDE.format(n=21),
    ),
    (
        "correction",
        "CORRECTED-Ferry capsizes off Indonesia's Sulawesi\n"
        "(Corrects death toll in paragraph 1 to 12 from 21)\n" + LEDE.format(n=12),
    ),
    (
        "kill",
        "KILL - Ferry capsizes off Indonesia's Sulawesi\nJAKARTA, May 18 (Reuters) - The story "
        'headlined "Ferry capsizes off Indonesia\'s Sulawesi" is withdrawn. There will be no '
        "substitute story.",
    ),
]


def test_versions_of_one_story(kafka_node, tmp_path):
    """Sent one after the other, as an agency files them, on different raw partitions."""
    with fresh(kafka_node) as broker:
        worker = harness.Worker(broker.bootstrap, tmp_path).start()
        try:
            producer = harness.producer(broker.bootstrap)
            for i, (name, text) in enumerate(VERSIONS):
                harness.send_raw(producer, text.encode(), name, key=f"file-{i}".encode())
                producer.flush()
                events = harness.count_in(broker.bootstrap, TOPIC_ENRICHED, i + 1)
            producer.close()
        finally:
            worker.stop()
    by_name = {e["source"]["original_id"]: e for e in events}
    assert len({e["story_id"] for e in events}) == 1
    assert len({e["_key"] for e in events}) == 1  # one key, so one partition, in order
    got = {
        name: (e["version"], e["duplicate"], e["pubstatus"], e["signals"])
        for name, e in by_name.items()
    }
    assert got == {
        "original": (1, False, "usable", []),
        "repeat": (1, True, "usable", []),
        "update": (2, False, "usable", ["update"]),
        "correction": (3, False, "usable", ["correction"]),
        "kill": (4, False, "withdrawn", []),
    }
    assert by_name["update"]["headline"] == "Ferry capsizes off Indonesia's Sulawesi"


def test_stories_not_seen_for_the_ttl_are_forgotten(kafka_node, tmp_path):
    """With WIRES_VERSIONS_TTL=2, a story re-sent after the TTL (and after traffic on
    every partition) is no longer known: version 1 again, not a duplicate."""
    story = VERSIONS[0][1].encode()
    others = [
        TEMPLATE.format(i=f"filler-{i}").encode() for i in range(80)
    ]  # enough to reach every partition
    with fresh(kafka_node) as broker:
        worker = harness.Worker(broker.bootstrap, tmp_path)
        worker.env["WIRES_VERSIONS_TTL"] = "2"
        worker.start()
        try:
            producer = harness.producer(broker.bootstrap)

            def send(value: bytes, original_id: str) -> None:
                harness.send_raw(producer, value, original_id)
                producer.flush()

            send(story, "first")
            harness.count_in(broker.bootstrap, TOPIC_ENRICHED, 1)
            time.sleep(3)
            for i, value in enumerate(others):
                send(value, f"filler-{i}")
            harness.count_in(broker.bootstrap, TOPIC_ENRICHED, 1 + len(others))
            send(story, "again")
            events = harness.read_until(
                broker.bootstrap, TOPIC_ENRICHED, harness.until_all(["first", "again"])
            )
            producer.close()
        finally:
            worker.stop()
    by_name = {e["source"]["original_id"]: e for e in events}
    assert (by_name["first"]["version"], by_name["first"]["duplicate"]) == (1, False)
    assert (by_name["again"]["version"], by_name["again"]["duplicate"]) == (1, False)
