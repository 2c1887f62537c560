"""Run one Faust worker: wait for the broker, make sure the topics exist, enrich.

Several workers with the same ``WIRES_GROUP`` share the partitions of
``wires.raw``; start as many as there are partitions at most.
"""

from __future__ import annotations

import logging
import os
import socket
import time

from prometheus_client import REGISTRY

from pipeline import topics
from pipeline.config import Settings
from pipeline.serving import quiet_repeats, setup_logging

log = logging.getLogger(__name__)

_FIRST_RETRY = 1.0
_MAX_RETRY = 30.0


def wait_for_topics(settings: Settings, *, attempt_timeout: float = 15.0) -> dict[str, int]:
    """Create the pipeline's topics, retrying with backoff until the broker answers."""
    delay = _FIRST_RETRY
    while True:
        try:
            return topics.ensure_topics(settings, timeout=attempt_timeout)
        except topics.TopicError as error:
            log.warning(
                "broker %s not ready (%s); retrying in %.0f s", settings.broker, error, delay
            )
            time.sleep(delay)
            delay = min(delay * 2, _MAX_RETRY)


def run(settings: Settings) -> int:
    """Start a worker in the foreground until SIGTERM or Ctrl-C."""
    from faust.worker import Worker

    from pipeline import model_store
    from pipeline.app import create_app
    from pipeline.metrics import PipelineMetrics, serve

    setup_logging(settings.log_level)
    quiet_repeats()  # a broker away: one line per kind of retry every 10 s
    quiet_repeats(("pipeline.topics",))  # and the topic watch's (pipeline.app)
    # kafka-python serves only the topic checks here (Faust speaks aiokafka): while the
    # broker is away it logs every refused connection; the checks say what matters.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    try:
        version = model_store.load_for_worker(settings)
    except RuntimeError as error:
        log.error("%s", error)
        return 2
    log.info("section model %s", version)
    partitions = wait_for_topics(settings)
    log.info("topics ready on %s: %s", settings.broker, partitions)
    metrics = PipelineMetrics(
        REGISTRY, worker=f"{socket.gethostname()}-{os.getpid()}", group=settings.group
    )
    if settings.metrics_port:
        serve(settings.metrics_port, settings.bind, REGISTRY, metrics.liveness)
        log.info(
            "metrics on http://%s:%s/metrics, liveness on /healthz",
            settings.bind,
            settings.metrics_port,
        )
    app = create_app(settings, metrics=metrics)
    worker = Worker(app, loglevel=settings.log_level.upper(), quiet=True)
    worker.execute_from_commandline()
    return 0
