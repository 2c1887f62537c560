"""The embedded broker of ``make run`` and the tests: Apache Kafka, or Tansu on request.

- :class:`KafkaBroker` (:mod:`pipeline.broker.kafka`): one real Apache Kafka KRaft node,
  durable on its data directory. The default, and what :data:`EmbeddedBroker` names.
- :class:`KafkaCluster`: N Kafka nodes on loopback, for the fault tests.
- :class:`TansuBroker` (:mod:`pipeline.broker.tansu`): memory only, NOT durable; for a
  machine with no Java.

Every one is a context manager with ``bootstrap``, ``running``, ``client_env()``,
``start()`` and ``stop()``; the Kafka ones also ``kill()`` and ``restart()`` on the same
data directory.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TextIO

from pipeline.broker.common import (
    EMBEDDED_GROUP_TIMINGS,
    HOST,
    BrokerError,
    free_port,
    metadata_ready,
    port_holder,
    port_is_free,
    port_open,
    wait_port_free,
)
from pipeline.broker.kafka import KafkaBroker, KafkaCluster, KafkaNode
from pipeline.broker.tansu import TansuBroker

EmbeddedBroker = KafkaBroker
KINDS = ("kafka", "tansu")

__all__ = [
    "EMBEDDED_GROUP_TIMINGS",
    "HOST",
    "KINDS",
    "BrokerError",
    "EmbeddedBroker",
    "KafkaBroker",
    "KafkaCluster",
    "KafkaNode",
    "TansuBroker",
    "free_port",
    "make_broker",
    "metadata_ready",
    "port_holder",
    "port_is_free",
    "port_open",
    "run_foreground",
    "wait_port_free",
]

NOT_DURABLE = "Tansu keeps everything in memory: NOT durable, a restart loses every story"


def make_broker(
    kind: str = "kafka", data_dir: str | os.PathLike[str] | None = None, port: int | None = None
) -> KafkaBroker | TansuBroker:
    """The embedded broker of ``kind``: Kafka on ``data_dir`` (kept), or Tansu."""
    if kind == "kafka":
        return KafkaBroker(data_dir, port=port)
    if kind == "tansu":
        return TansuBroker(port)
    raise BrokerError(f"unknown broker kind {kind!r}: one of {', '.join(KINDS)}")


def run_foreground(
    port: int = 9092,
    *,
    kind: str = "kafka",
    data_dir: str | os.PathLike[str] | None = None,
    out: TextIO | None = None,
) -> int:
    """Run a broker until Ctrl-C or SIGTERM; backs ``python -m pipeline broker``.

    Prints the bootstrap address so a second terminal can copy it into ``WIRES_BROKER``.
    Returns the process exit code: 0 after a requested stop, 1 if the broker died.
    """
    stream = out if out is not None else sys.stdout
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with make_broker(kind, data_dir, port) as broker:
            print(f"broker ready: {broker.bootstrap}", file=stream, flush=True)
            for name, value in broker.client_env().items():
                print(f"  export {name}={value}", file=stream, flush=True)
            if isinstance(broker, KafkaBroker):
                print(f"  Apache Kafka, data in {Path(broker.data_dir)}", file=stream, flush=True)
            else:
                print(f"  {NOT_DURABLE}", file=stream, flush=True)
            print(f"  log: {broker.log_path}  (Ctrl-C to stop)", file=stream, flush=True)
            while not stop.wait(0.5):
                if not broker.running:
                    print(f"broker exited:\n{broker.log_tail()}", file=stream, flush=True)
                    return 1
            print("stopping broker...", file=stream, flush=True)
        print("broker stopped", file=stream, flush=True)
        return 0
    except BrokerError as exc:
        print(f"error: {exc}", file=stream, flush=True)
        return 1
    finally:
        for sig, handler in previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(sig, handler)
