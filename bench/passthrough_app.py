"""The baseline for bench/stream.py: a Faust agent that copies wires.raw to an output
topic unchanged, configured exactly like the pipeline's worker (same
``pipeline.app.faust_options``), so the difference between the two is the work
the pipeline does per story. Run: ``python bench/passthrough_app.py`` with
``WIRES_BROKER`` set.
"""

from __future__ import annotations

import faust
from faust.worker import Worker

from pipeline.app import faust_options
from pipeline.config import TOPIC_RAW, from_env

OUT_TOPIC = "bench.passthrough"


def main() -> None:
    settings = from_env()
    app = faust.App(settings.group, **faust_options(settings))
    source = app.topic(TOPIC_RAW, key_serializer="raw", value_serializer="raw")
    sink = app.topic(OUT_TOPIC, key_serializer="raw", value_serializer="raw")

    @app.agent(source, name="passthrough")
    async def passthrough(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await sink.send(key=event.message.key, value=event.message.value)

    Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
