"""Story versions through the stream: updates, corrections, exact repeats and kills
of one story are numbered by the workers' table and published in one partition."""

from __future__ import annotations

import pytest

from pipeline import feed
from pipeline.broker import EmbeddedBroker
from pipeline.config import TOPIC_ENRICHED, TOPIC_RAW
from tests.stream import harness

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


def test_versions_of_one_story(tmp_path):
    """Sent one after the other, as an agency files them, on different raw partitions."""
    with EmbeddedBroker() as broker:
        worker = harness.Worker(broker.bootstrap, tmp_path).start()
        try:
            producer = harness.producer(broker.bootstrap)
            for i, (name, text) in enumerate(VERSIONS):
                producer.send(
                    TOPIC_RAW,
                    text.encode(),
                    key=f"file-{i}".encode(),
                    headers=feed.headers(
                        feed="test", received_at=harness.RECEIVED_AT, path=None, original_id=name
                    ),
                )
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
