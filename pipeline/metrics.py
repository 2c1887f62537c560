"""Prometheus metrics of a worker, created once against an injected registry.

The stream agent reports each outcome with :meth:`PipelineMetrics.observe`; a
timer sets consumer lag. Names follow Prometheus conventions (``_total``
counters, ``_seconds`` and ``_bytes`` base units); deploy/ dashboards and alert
rules use exactly these names (a test checks them against this module).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, make_wsgi_app

from pipeline import __version__
from pipeline.liveness import Liveness
from pipeline.processor import DeadLettered, Outcome
from pipeline.text.learned import MAX_FEEDS

OTHER_FEEDS = "_other"  # the feed label once MAX_FEEDS feeds have one

# Text engine time: tens of microseconds to a few milliseconds.
ENGINE_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1.0)
# Received -> enriched: milliseconds when flowing, seconds to minutes on a backlog.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


class PipelineMetrics:
    """Every metric a worker exports."""

    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        worker: str,
        group: str,
        liveness: Liveness | None = None,
    ) -> None:
        self.registry = registry
        self.liveness = liveness or Liveness()
        self.received = Counter(
            "wires_stories_received", "Raw messages read from wires.raw.", registry=registry
        )
        self.enriched = Counter(
            "wires_stories_enriched",
            "Stories enriched and published, by agency and section.",
            ["agency", "section"],
            registry=registry,
        )
        self.deadlettered = Counter(
            "wires_stories_deadlettered",
            "Raw messages sent to wires.deadletter, by reason.",
            ["reason"],
            registry=registry,
        )
        self.duplicates = Counter(
            "wires_stories_duplicate",
            "Enriched events that repeat the latest version exactly.",
            registry=registry,
        )
        self.blocks_stripped = Counter(
            "wires_blocks_stripped",
            "Blocks kept out of story bodies, by kind.",
            ["kind"],
            registry=registry,
        )
        self.blocks_stripped_why = Counter(
            "wires_blocks_stripped_by_reason",
            "Blocks kept out of story bodies, by reason (rule, shape, learned).",
            ["why"],
            registry=registry,
        )
        self.learned_stripped = Counter(
            "wires_learned_stripped",
            f"Blocks stripped because their feed taught them, by feed (at most {MAX_FEEDS} "
            f"feed labels, then {OTHER_FEEDS!r}).",
            ["feed"],
            registry=registry,
        )
        self._feed_labels: set[str] = set()
        self.bytes_in = Counter("wires_bytes_in", "Bytes of raw messages read.", registry=registry)
        self.bytes_out = Counter(
            "wires_bytes_out",
            "Bytes of enriched and dead-letter events published.",
            registry=registry,
        )
        self.engine_seconds = Histogram(
            "wires_engine_seconds",
            "Text engine time per message.",
            buckets=ENGINE_BUCKETS,
            registry=registry,
        )
        self.latency_seconds = Histogram(
            "wires_latency_seconds",
            "From received_at to the enriched event being produced.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "wires_consumer_lag",
            "Messages in wires.raw not yet processed, per partition.",
            ["partition"],
            registry=registry,
        )
        self.offsets_reset = Counter(
            "wires_offsets_reset",
            "Committed offsets found outside the log on assignment: past_end (read again"
            " from the start) or before_start (expired unprocessed).",
            ["topic", "partition", "why"],
            registry=registry,
        )
        self.topics_recreated = Counter(
            "wires_topics_recreated",
            "Pipeline topics a running worker found missing and created again (a broker"
            " that came back empty, a deleted topic).",
            ["topic"],
            registry=registry,
        )
        self.up = Gauge(
            "wires_worker_up",
            "1 while the worker's event loop turns and it gets through its backlog.",
            registry=registry,
        )
        self.loop_age = Gauge(
            "wires_loop_heartbeat_age_seconds",
            "Seconds since the worker's event loop last beat (every second when well).",
            registry=registry,
        )
        self.processed_age = Gauge(
            "wires_last_processed_age_seconds",
            "Seconds since the worker last finished a message (or since it started).",
            registry=registry,
        )
        self.info = Info("wires_worker", "Worker version and identity.", registry=registry)
        self.info.info({"version": __version__, "worker": worker, "group": group})
        self.up.set_function(lambda: float(self.liveness.status().healthy))
        self.loop_age.set_function(lambda: self.liveness.status().loop_age)
        self.processed_age.set_function(lambda: self.liveness.status().processed_age)
        self._lag_partitions: set[int] = set()

    def observe(self, outcome: Outcome, raw_bytes: int) -> None:
        """Count one raw message through the text engine."""
        self.liveness.processed()
        self.received.inc()
        self.bytes_in.inc(raw_bytes)
        if isinstance(outcome, DeadLettered):
            self.deadlettered.labels(outcome.letter.reason).inc()
            self.bytes_out.inc(len(outcome.value))
            return
        self.engine_seconds.observe(outcome.engine_seconds)
        learned = 0
        for block in outcome.story.blocks:
            if block.kind != "body":
                self.blocks_stripped.labels(block.kind).inc()
                self.blocks_stripped_why.labels(block.why or "shape").inc()
                learned += block.why == "learned"
        if learned:
            self.learned_stripped.labels(self._feed_label(outcome.feed)).inc(learned)

    def _feed_label(self, feed: str | None) -> str:
        """The feed as a label value: label cardinality stays within the feed cap."""
        feed = feed or "-"
        if feed not in self._feed_labels:
            if len(self._feed_labels) >= MAX_FEEDS:
                return OTHER_FEEDS
            self._feed_labels.add(feed)
        return feed

    def published(self, event: dict, size: int, *, now: dt.datetime | None = None) -> None:
        """Count one enriched event published, and its latency since it was received."""
        section = (event.get("section") or {}).get("label")
        self.enriched.labels(event.get("agency") or "unknown", section or "unknown").inc()
        self.bytes_out.inc(size)
        if event.get("duplicate"):
            self.duplicates.inc()
        received_at = event.get("received_at")
        if received_at:
            received = dt.datetime.fromisoformat(received_at.replace("Z", "+00:00"))
            moment = now or dt.datetime.now(dt.UTC)
            self.latency_seconds.observe(max(0.0, (moment - received).total_seconds()))

    def offset_reset(self, topic: str, partition: int, committed: int, now: int, why: str) -> None:
        """Count a committed offset found outside the log (a workarounds listener)."""
        self.offsets_reset.labels(topic, str(partition), why).inc()

    def topic_recreated(self, topic: str) -> None:
        self.topics_recreated.labels(topic).inc()

    def set_lag(self, lag: dict[int, int]) -> None:
        """Lag per partition now assigned; partitions no longer assigned are dropped."""
        for partition in self._lag_partitions - lag.keys():
            self.consumer_lag.remove(str(partition))
        for partition, value in lag.items():
            self.consumer_lag.labels(str(partition)).set(value)
        self._lag_partitions = set(lag)
        self.liveness.set_lag(sum(lag.values()))


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass  # a scrape every few seconds is not news


def metrics_app(registry: CollectorRegistry, liveness: Liveness) -> Callable:
    """WSGI: ``/healthz`` from :class:`Liveness` (200 or 503 with the reason as JSON),
    anything else the Prometheus exposition."""
    metrics = make_wsgi_app(registry)

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/healthz":
            return metrics(environ, start_response)
        status = liveness.status()
        body = orjson.dumps(
            {
                "status": "ok" if status.healthy else "stalled",
                "reason": status.reason,
                "loop_heartbeat_age_seconds": round(status.loop_age, 3),
                "last_processed_age_seconds": round(status.processed_age, 3),
                "lag": status.lag,
            }
        )
        code = "200 OK" if status.healthy else "503 Service Unavailable"
        start_response(code, [("Content-Type", "application/json")])
        return [body]

    return app


def serve(port: int, addr: str, registry: CollectorRegistry, liveness: Liveness) -> int:
    """Serve :func:`metrics_app` from a daemon thread; returns the port (``0`` picks one)."""
    server = make_server(
        addr, port, metrics_app(registry, liveness), _Server, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, daemon=True, name="metrics").start()
    return int(server.server_port)
