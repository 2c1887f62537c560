"""Minimal pass-through Faust app for the restart tests, run as a worker subprocess.

Sends every value of ``RESTART_IN`` unchanged to ``RESTART_OUT``. It also counts values
in a small table: with a table, Faust starts its fetcher for changelog recovery before
it resumes the stream partitions, which is the path where the recovery race (issue
#596, see pipeline/workarounds.py) loses messages; without a table we never saw it.

Configured by environment variables only, so the test starts it with
``python restart_app.py worker``. ``RESTART_DELAY`` (seconds per message) slows it so
that it commits (every second) well before the backlog is done.
``RESTART_WORKAROUND=0`` skips :func:`pipeline.workarounds.install`, to show that the
test fails without it.
"""

from __future__ import annotations

import asyncio
import os

import faust

from pipeline import workarounds
from pipeline.config import Settings

BROKER = os.environ["RESTART_BROKER"]
TOPIC_IN = os.environ["RESTART_IN"]
TOPIC_OUT = os.environ["RESTART_OUT"]
GROUP = os.environ["RESTART_GROUP"]
DATADIR = os.environ["RESTART_DATADIR"]
PARTITIONS = int(os.environ.get("RESTART_PARTITIONS", "4"))
DELAY = float(os.environ.get("RESTART_DELAY", "0"))  # seconds per message

# Group timings that join in ~3.5 s on Tansu (measured), whatever the defaults are.
FAST = Settings(
    broker=BROKER,
    partitions=PARTITIONS,
    session_timeout=3.0,
    heartbeat_interval=0.5,
    rebalance_timeout=3.0,
)

if os.environ.get("RESTART_WORKAROUND", "1") == "1":
    workarounds.install()

app = faust.App(
    GROUP,
    broker=f"kafka://{BROKER}",
    datadir=DATADIR,
    key_serializer="raw",
    value_serializer="raw",
    autodiscover=False,
    web_enabled=False,
    **workarounds.faust_settings(FAST),
)
source = app.topic(TOPIC_IN, value_type=bytes)
sink = app.topic(TOPIC_OUT, value_type=bytes)
seen = app.Table("seen", default=int, partitions=PARTITIONS)


@app.agent(source)
async def passthrough(stream: faust.StreamT[bytes]) -> None:
    async for value in stream:
        seen[value] += 1
        await sink.send(value=value)
        if DELAY:
            await asyncio.sleep(DELAY)


if __name__ == "__main__":
    app.main()
