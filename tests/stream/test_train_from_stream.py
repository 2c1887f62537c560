"""Issue 14, learning from the stream: every story whose printed kicker named its section
is a real label. ``train --from-stream`` reads them off ``wires.enriched``, retrains on
them plus the shipped data, and a worker started afterwards decides sections with the
new model version (never one changed under a running worker)."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from pipeline import model_store
from pipeline.config import TOPIC_ENRICHED, Settings
from pipeline.text.classifier import shipped_model
from tests.stream import harness

pytestmark = [pytest.mark.broker, pytest.mark.timeout(300)]

NO_KICKER = (
    "Harbour board approves dredging plan after long delay\n\n"
    "PORTO NUEVO, Mar 3 (EFE).- The harbour board approved on Tuesday a plan to dredge "
    "the main channel so that larger container ships can call at the port, after two "
    "years of studies and objections from fishermen.\n\n"
    "The works will cost about 40 million euros and take eighteen months, the board said.\n"
)


def test_kicker_labels_on_the_stream_retrain_the_model_a_restarted_worker_uses(
    fresh_broker, tmp_path: Path
) -> None:
    bootstrap = fresh_broker.bootstrap
    group = harness.settings(bootstrap).group
    worker = harness.Worker(bootstrap, tmp_path).start()
    try:
        harness.wait_group(bootstrap, group, 1)
        sent = harness.feed_files(bootstrap, harness.SAMPLES)
        before = harness.count_in(bootstrap, TOPIC_ENRICHED, sent)
    finally:
        worker.stop()
    shipped = shipped_model().version
    assert {e["section"]["model"] for e in before} == {shipped}
    labelled = collections.Counter(
        e["section"]["label"] for e in before if e["section"]["source"] == "kicker"
    )
    assert sum(labelled.values()) >= 10, labelled  # the samples print their kickers

    env = {**os.environ, "WIRES_BROKER": bootstrap, "WIRES_DATA_DIR": str(tmp_path / "worker")}
    trained = subprocess.run(
        [sys.executable, "-m", "pipeline", "train", "--from-stream", "--per-topic", "50"],
        env=env,
        cwd=harness.ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert trained.returncode == 0, trained.stderr[-3000:]
    report = trained.stdout
    # The collected labels, topic by topic, as the stream holds them.
    assert f"{sum(labelled.values())} kicker-labelled stories" in report
    for label, n in labelled.items():
        assert f"{n:5d}  {label}" in report, report
    path = model_store.chosen_path(Settings(data_dir=str(tmp_path / "worker")))
    assert path is not None and path.is_file()
    version = path.stem
    assert version.startswith("sections-") and version != shipped
    assert f"workers load {version}" in report

    producer = harness.producer(bootstrap)
    try:
        harness.send_raw(producer, NO_KICKER.encode(), "no-kicker")
        producer.flush(30)
    finally:
        producer.close()
    worker = harness.Worker(bootstrap, tmp_path).start()  # the same data directory
    try:
        harness.wait_group(bootstrap, group, 1)
        events = harness.read_until(bootstrap, TOPIC_ENRICHED, harness.until_all(["no-kicker"]))
    finally:
        worker.stop()
    (after,) = [e for e in events if e["source"]["original_id"] == "no-kicker"]
    assert after["section"]["source"] == "model"
    assert after["section"]["model"] == version, orjson.dumps(after["section"])
