"""SIGKILL ``python -m pipeline ingest`` while a client posts stories one by one: every
story answered 202 must be on ``wires.raw``. Stories without an answer may or may not be
there (the client must re-send them; consumers drop repeats by story id)."""

from __future__ import annotations

import http.client
import random
import signal
import threading
import uuid
from pathlib import Path

import orjson
import pytest

from pipeline import events
from pipeline.broker import EmbeddedBroker
from tests.ingest.helpers import (
    TOKENS,
    IngestProcess,
    envelope,
    header,
    ndjson,
    post,
    read_all,
    read_at,
    wait_connected,
)

pytestmark = [pytest.mark.broker, pytest.mark.timeout(180)]


def _request(url: str, run: str, n: int) -> tuple[list[str], bytes, str, dict[str, str]]:
    """The n-th request of the client: text, a JSON envelope or an NDJSON batch of three."""
    ids = [f"{run}-{n}-{i}" for i in range(3 if n % 3 == 2 else 1)]
    if n % 3 == 0:
        return ids, f"Story {n} of the run.".encode(), "text/plain", {"X-Wires-Id": ids[0]}
    if n % 3 == 1:
        return ids, envelope(f"Story {n} of the run.", id=ids[0]), "application/json", {}
    lines = [envelope(f"Story {n}.{i} of the run.", id=story_id) for i, story_id in enumerate(ids)]
    return ids, ndjson(*lines), "application/x-ndjson", {}


def _id_of(record: object) -> str | None:
    if record.value[:1] == b"{":  # type: ignore[attr-defined]
        return orjson.loads(record.value).get("id")  # type: ignore[attr-defined]
    return header(record, events.HEADER_ID)


def test_every_202_survives_a_sigkill(broker: EmbeddedBroker, tmp_path: Path):
    env = {"WIRES_BROKER": broker.bootstrap, "WIRES_INGEST_TOKENS": TOKENS}
    env |= {
        "WIRES_LOG_LEVEL": "warning",
        "WIRES_INGEST_RATE": "100000",
        "WIRES_INGEST_BURST": "1000",
    }
    ingest = IngestProcess(env, tmp_path / "ingest.log")
    run = f"kill-{uuid.uuid4().hex[:8]}"
    acked: list[tuple[list[str], list[dict]]] = []
    unacked: list[str] = []
    try:
        url = ingest.url()
        wait_connected(url)
        killer = threading.Timer(
            random.uniform(0.5, 1.5), ingest.proc.send_signal, [signal.SIGKILL]
        )
        killer.start()
        for n in range(100_000):
            ids, body, content_type, headers = _request(url, run, n)
            try:
                reply = post(url, body, content_type, headers=headers, timeout=20)
            except (OSError, http.client.HTTPException):
                unacked.extend(ids)  # no answer: the service died under this request
                break
            assert reply.status == 202, reply.body
            acked.append((ids, reply.json()["stories"]))
        killer.join()
    finally:
        code = ingest.stop()
    assert code == -signal.SIGKILL
    assert acked, "killed before the first answer: nothing to check"

    # Every acknowledged story is where the 202 said, with the id it was sent with.
    places = [place for _, stories in acked for place in stories]
    records = read_at(broker.bootstrap, places)
    assert [_id_of(r) for r in records] == [i for ids, _ in acked for i in ids]

    on_topic = {_id_of(r) for r in read_all(broker.bootstrap)}
    landed_anyway = [i for i in unacked if i in on_topic]
    print(
        f"\ningest SIGKILLed after {len(acked)} requests answered 202 ({len(places)} stories, "
        f"all on wires.raw); {len(unacked)} stories unanswered, {len(landed_anyway)} of them "
        f"on wires.raw anyway"
    )
