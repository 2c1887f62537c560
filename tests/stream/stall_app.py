"""The real worker (``pipeline.worker.run``) with an engine that hangs on one story,
as an engine stuck in a pathological pattern would: the event loop stops, the
metrics thread keeps answering. Run by tests/stream/test_liveness.py as
``python stall_app.py`` with the worker's usual ``WIRES_*`` environment.

The only changes: a story containing ``STALL-HERE`` blocks the loop for ten minutes,
and the loop-stall threshold is ``STALL_AFTER`` seconds (default 3) so the test need
not wait 30 s.
"""

from __future__ import annotations

import functools
import os
import sys
import time

from pipeline import app, config, liveness, metrics, worker

_process_all = app.process_all


def hanging_process_all(message, **kwargs):  # type: ignore[no-untyped-def]
    if message.value and b"STALL-HERE" in message.value:
        time.sleep(600)  # the whole event loop with it
    return _process_all(message, **kwargs)


app.process_all = hanging_process_all
metrics.Liveness = functools.partial(  # type: ignore[misc]
    liveness.Liveness, loop_stall=float(os.environ.get("STALL_AFTER", "3"))
)

if __name__ == "__main__":
    sys.exit(worker.run(config.from_env()))
