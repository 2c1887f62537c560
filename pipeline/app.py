"""The stream app: ``wires.raw`` -> text engine -> versions -> ``wires.enriched``.

Two agents per worker. ``enrich`` runs the text engine on each raw story and
sends it to ``GROUP-stories`` keyed by story id (or to ``wires.deadletter``);
``version`` numbers the versions of each story with a table partitioned like
that topic and publishes to ``wires.enriched`` (and as ninjs 2.2 to ``wires.ninjs``),
still keyed by story id, so a story's versions stay in one partition in order. Several workers (same
``WIRES_GROUP``) share the partitions. Delivery is at least once: Faust flushes
the producer before it commits an offset, so a crash re-processes a few
messages and never loses one; consumers drop repeats by ``id``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import ssl
from typing import Any

import faust
import orjson
from faust.exceptions import ProducerSendError

from pipeline import events, learning, versions, workarounds
from pipeline.config import TOPIC_DEADLETTER, TOPIC_ENRICHED, TOPIC_NINJS, TOPIC_RAW, Settings
from pipeline.formats import ninjs_out
from pipeline.metrics import PipelineMetrics
from pipeline.processor import DeadLettered, Outcome, RawMessage, dead_letter, process_all
from pipeline.topics import (
    EVENT_SIZE_FACTOR,
    TopicError,
    create_missing,
    stories_topic,
    topic_ids,
)

log = logging.getLogger(__name__)


def faust_credentials(settings: Settings) -> faust.SASLCredentials | faust.SSLCredentials | None:
    """Broker credentials for Faust from the ``WIRES_SECURITY_*``/``WIRES_SASL_*`` settings."""
    protocol = settings.security_protocol
    if protocol == "PLAINTEXT":
        return None
    context = ssl.create_default_context(cafile=settings.ssl_cafile or None)
    if protocol == "SSL":
        return faust.SSLCredentials(context)
    return faust.SASLCredentials(
        username=settings.sasl_username,
        password=settings.sasl_password,
        mechanism=settings.sasl_mechanism or "PLAIN",
        ssl_context=context if protocol == "SASL_SSL" else None,
    )


LAG_INTERVAL = 5.0  # seconds between consumer-lag updates
TOPIC_WATCH_INTERVAL = 5.0  # seconds between checks that the pipeline's topics exist
VERSIONS_TABLE = "versions"  # its changelog: topics.versions_changelog
LEARNED_TABLE = "learned"  # its changelog: topics.learned_changelog
# How old the consumers' cluster metadata may get (aiokafka's default: 5 minutes). After
# a broker came back empty the group leader assigned partitions from metadata taken
# while the topics were gone ("Ignoring missing topic"), and the group sat in that
# assignment until the next refresh: minutes with nothing enriched. The empty-broker
# case of tests/stream/test_chaos.py hung on it in about half the runs.
METADATA_MAX_AGE_MS = 10_000


def faust_options(settings: Settings) -> dict[str, Any]:
    """Faust ``App`` settings for a worker of this pipeline (also used by the
    pass-through benchmark, so both are measured under the same configuration)."""
    workarounds.install(tansu=settings.tansu)
    workarounds.set_idempotence(settings.idempotent)
    os.makedirs(settings.data_dir, exist_ok=True)
    return {
        "broker": [f"kafka://{server}" for server in settings.bootstrap_servers],
        "broker_credentials": faust_credentials(settings),
        "datadir": os.path.join(settings.data_dir, "faust"),
        "store": "memory://",
        "web_enabled": False,
        "consumer_auto_offset_reset": "earliest",
        "consumer_metadata_max_age_ms": METADATA_MAX_AGE_MS,
        "topic_allow_declare": False,  # topics.ensure_topics creates them, once
        # No leader election (no on_leader timers): no GROUP-__assignor-__leader topic,
        # which nothing would create (no broker here auto-creates topics).
        "topic_disable_leader": True,
        "producer_acks": -1,
        # Events of a story at the size limit (see topics.EVENT_SIZE_FACTOR).
        "producer_max_request_size": EVENT_SIZE_FACTOR * settings.max_story_bytes,
        "consumer_max_fetch_size": EVENT_SIZE_FACTOR * settings.max_story_bytes,
        **workarounds.faust_settings(settings),
    }


def create_app(
    settings: Settings, *, metrics: PipelineMetrics | None = None, **overrides: Any
) -> faust.App:
    """The Faust app with its topics and the enrich agent, configured from ``settings``.

    ``metrics``, when given, counts every outcome and gets consumer lag every
    :data:`LAG_INTERVAL` seconds. ``overrides`` are Faust settings (tests use them).
    """
    options = {**faust_options(settings), **overrides}
    # how workarounds part 5 tells a recreated topic (its id changes)
    workarounds.TOPIC_IDS = functools.partial(topic_ids, settings)
    app = faust.App(settings.group, **options)
    raw = app.topic(TOPIC_RAW, key_serializer="raw", value_serializer="raw")
    stories = app.topic(stories_topic(settings), key_serializer="raw", value_serializer="raw")
    enriched = app.topic(TOPIC_ENRICHED, key_serializer="raw", value_serializer="raw")
    dead = app.topic(TOPIC_DEADLETTER, key_serializer="raw", value_serializer="raw")
    ninjs = app.topic(TOPIC_NINJS, key_serializer="raw", value_serializer="raw")
    # story id -> latest version; partitioned like the stories topic, so each worker holds
    # the stories of its partitions (changelog: topics.versions_changelog).
    seen = app.Table(VERSIONS_TABLE, partitions=settings.partitions, key_type=bytes)
    # partition/feed -> learned chrome state; written while a story of that wires.raw
    # partition is processed, so co-partitioned with it (pipeline/learning.py).
    learned = app.Table(LEARNED_TABLE, partitions=settings.partitions, key_type=bytes)
    learner = learning.Learner(learned)

    @app.on_partitions_revoked.connect
    async def forget_revoked(app: faust.App, revoked: set, **_: Any) -> None:
        learner.revoked(tp.partition for tp in revoked if tp.topic == TOPIC_RAW)

    max_bytes = settings.max_story_bytes
    next_offsets: dict[int, int] = {}  # partition -> offset after the last one processed

    @app.agent(raw, name="enrich")
    async def enrich_stories(stream: faust.StreamT) -> None:
        """Enrich every raw story, keyed by story id; dead-letter what cannot be read."""
        async for event in stream.events():
            message = event.message
            raw_message = RawMessage(
                value=message.value,
                key=message.key,
                headers=list(message.headers or ()),
                timestamp_ms=int(message.timestamp * 1000) if message.timestamp else None,
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
            )
            outcomes = process_all(
                raw_message,
                max_bytes=max_bytes,
                max_lines=settings.max_story_lines,
                learner=learner,
            )
            for number, outcome in enumerate(outcomes):
                # the message's bytes counted once, whatever number of items it held
                await handle(raw_message, outcome, 0 if number else len(message.value or b""))
            next_offsets[message.partition] = message.offset + 1

    async def handle(raw_message: RawMessage, outcome: Outcome, raw_bytes: int) -> None:
        """Publish one outcome of a raw message: its story, or its dead letter."""
        if metrics is not None:
            metrics.observe(outcome, raw_bytes)
        if isinstance(outcome, DeadLettered):
            log.warning(
                "dead-lettered %s[%s]@%s: %s: %s",
                raw_message.topic,
                raw_message.partition,
                raw_message.offset,
                outcome.letter.reason,
                outcome.letter.error,
            )
            await send_or_crash(dead, outcome.key, outcome.value)
            return
        try:
            headers = {events.HEADER_RAW_DIGEST: outcome.raw.encode()} if outcome.raw else None
            workarounds.track(
                await stories.send(key=outcome.key, value=outcome.value, headers=headers)
            )
        except ProducerSendError as error:  # e.g. an event over the size limit
            letter = dead_letter(
                raw_message, error, events.PUBLISH_FAILED, max_payload_bytes=max_bytes
            )
            log.error(
                "could not publish %s[%s]@%s (%s); dead-lettered",
                raw_message.topic,
                raw_message.partition,
                raw_message.offset,
                error,
            )
            await send_or_crash(dead, letter.key, letter.value)

    async def send_or_crash(topic: faust.TopicT, key: bytes | None, value: bytes) -> None:
        """Send, or stop the worker: Faust restarts a crashed agent past the message it
        was on, so an error escaping the agent would lose that message silently. A
        stopped worker has not acknowledged it, and reads it again when restarted."""
        try:
            workarounds.track(await topic.send(key=key, value=value))
        except Exception as error:
            log.critical("cannot publish to %s (%s): stopping the worker", topic, error)
            await app.crash(error)
            raise

    @app.agent(stories, name="version")
    async def version_stories(stream: faust.StreamT) -> None:
        """Number each story's versions (the table is co-partitioned with this topic)
        and publish it to wires.enriched, keyed by story id."""
        expiry = versions.Expiry(
            settings.versions_ttl, interval=min(600.0, max(0.5, settings.versions_ttl / 4))
        )
        async for message in stream.events():
            key, partition = message.key, message.message.partition
            event = orjson.loads(message.value)
            version = versions.assign(
                seen,
                key,
                event["id"],
                event["pubstatus"],
                partition=partition,
                # the raw story's digest; None from a worker that sent none
                raw=events.header_values(message.message.headers).get(events.HEADER_RAW_DIGEST),
            )
            event["version"], event["duplicate"] = version.number, version.duplicate
            published = orjson.dumps(event)
            await send_or_crash(enriched, key, published)
            # the same story for editorial systems that read ninjs (Superdesk...)
            await send_or_crash(ninjs, key, ninjs_out.dumps(event))
            if metrics is not None:
                metrics.published(event, len(published))
            expiry.step(seen, partition)  # stories of this partition only: see Expiry

    @app.timer(interval=TOPIC_WATCH_INTERVAL)
    async def watch_topics() -> None:
        """Create again, with their settings, topics that vanished under a running
        worker (a broker back empty, a deleted topic): feeds and ingest wait for them
        and nothing else may create them (pipeline.topics)."""
        try:
            _, created = await asyncio.get_running_loop().run_in_executor(
                None, functools.partial(create_missing, settings, timeout=2.0)
            )
        except TopicError as error:  # the broker away: the clients say so already
            log.debug("topic check skipped: %s", error)
            return
        for name in created:
            log.error(
                "topic %s was missing (a broker that came back empty, or a deleted "
                "topic): created it again with %d partitions",
                name,
                settings.partitions,
            )
            if metrics is not None:
                metrics.topic_recreated(name)

    if metrics is not None:
        workarounds.OFFSET_LISTENERS.append(metrics.offset_reset)

        @app.timer(interval=1.0)
        async def heartbeat() -> None:
            """The event loop turns: what /healthz and wires_worker_up are based on."""
            metrics.liveness.beat()

        @app.timer(interval=LAG_INTERVAL)
        async def report_lag() -> None:
            """Consumer lag per assigned wires.raw partition: end offset - next to process."""
            lag: dict[int, int] = {}
            for tp in app.consumer.assignment():
                if tp.topic != TOPIC_RAW:
                    continue
                position = next_offsets.get(tp.partition)
                if position is None:
                    position = await app.consumer.position(tp)
                highwater = app.consumer.highwater(tp)
                if position is not None and highwater is not None:
                    lag[tp.partition] = max(0, highwater - position)
            metrics.set_lag(lag)
            if app.rebalancing:  # table recovery can take minutes: waiting, not stuck
                metrics.liveness.set_lag(0)

    return app
