"""The repeat filter that keeps a Kafka client's retries from flooding a log."""

from __future__ import annotations

import logging

from pipeline.serving import RepeatFilter


def test_a_repeated_log_message_passes_once_per_interval_and_says_how_many_were_held():
    flt = RepeatFilter(every=10.0)

    def record(at: float, node: int) -> logging.LogRecord:
        r = logging.LogRecord(
            "aiokafka", logging.ERROR, "x", 1, "Unable connect to %s", (node,), None
        )
        r.created = at
        return r

    passed = [r for r in (record(100 + i * 0.1, i) for i in range(50)) if flt.filter(r)]
    assert len(passed) == 1  # 5 s of retries: one line
    late = record(111.0, 7)
    assert (
        flt.filter(late)
        and late.getMessage() == "Unable connect to 7 (49 like it in the last 10 s)"
    )
