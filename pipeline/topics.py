"""Create the pipeline's topics before anything produces to them; everyone else waits.

Only workers (and the topic job: ``python -m pipeline topics``, ``make run``'s
launcher, deploy/'s create-topics) create topics, with ``WIRES_PARTITIONS`` and the
settings of :func:`pipeline_topics`. Feeds, ingest and readers wait for them
(:func:`wait_for_topics`) and never let a broker auto-create one: an auto-created
topic has the broker's default partition count and none of those settings (issue 15).
A topic that already exists is never changed (partitions cannot shrink, and growing
them would remap keys): its real partition count is logged and returned so callers
can adapt.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterable

from kafka import KafkaAdminClient
from kafka.errors import KafkaConfigurationError, KafkaError

from pipeline.config import TOPIC_DEADLETTER, TOPIC_ENRICHED, TOPIC_NINJS, TOPIC_RAW, Settings

log = logging.getLogger(__name__)

# Shared by every group: what feeds write and what subscribers read.
SHARED_TOPICS: tuple[str, ...] = (TOPIC_RAW, TOPIC_ENRICHED, TOPIC_DEADLETTER, TOPIC_NINJS)
# Largest message a topic takes, as a multiple of WIRES_MAX_STORY_BYTES: an enriched
# event holds the story text twice (body and blocks), a dead letter 4/3 of it (base64).
EVENT_SIZE_FACTOR = 4


def versions_changelog(settings: Settings) -> str:
    """The changelog topic of the workers' story-versions table (Faust's naming)."""
    return f"{settings.group}-versions-changelog"


def learned_changelog(settings: Settings) -> str:
    """The changelog topic of the workers' learned-chrome table (Faust's naming)."""
    return f"{settings.group}-learned-changelog"


def stories_topic(settings: Settings) -> str:
    """The workers' hand-over from enriching to versioning, one per group.

    Shared by all groups, a second group (a staging copy, a replay) read the first
    group's hand-over too and every story came out four times (issue 15)."""
    return f"{settings.group}-stories"


def pipeline_topics(settings: Settings) -> dict[str, dict[str, str]]:
    """Every topic the workers use, with the Kafka topic configs they need."""
    big = {"max.message.bytes": str(EVENT_SIZE_FACTOR * settings.max_story_bytes)}
    return {
        **{name: dict(big) for name in (*SHARED_TOPICS, stories_topic(settings))},
        versions_changelog(settings): {"cleanup.policy": "compact"},
        learned_changelog(settings): {"cleanup.policy": "compact", **big},
    }


_NO_ERROR = 0
_UNKNOWN_TOPIC = 3
_TOPIC_EXISTS = 36


class TopicError(RuntimeError):
    """Topics could not be created or described."""


def ensure_topics(
    settings: Settings,
    names: Iterable[str] | None = None,
    *,
    partitions: int | None = None,
    replication: int | None = None,
    timeout: float = 30.0,
) -> dict[str, int]:
    """Create the missing topics in ``names`` (default: :func:`pipeline_topics`, with their
    configs); return ``{topic: partition count}``.

    ``partitions`` and ``replication`` default to ``settings``. Existing topics are
    kept as they are, with a warning when their partition count differs. While the
    broker is not reachable yet (a worker started next to a booting broker) this
    retries with backoff for up to ``timeout`` seconds, then raises :class:`TopicError`.
    """
    return create_missing(
        settings, names, partitions=partitions, replication=replication, timeout=timeout
    )[0]


def create_missing(
    settings: Settings,
    names: Iterable[str] | None = None,
    *,
    partitions: int | None = None,
    replication: int | None = None,
    timeout: float = 30.0,
) -> tuple[dict[str, int], list[str]]:
    """:func:`ensure_topics`, also returning the topics this call created."""
    configs = pipeline_topics(settings)
    wanted = list(dict.fromkeys(configs if names is None else names))
    n_partitions = settings.partitions if partitions is None else partitions
    n_replicas = settings.replication if replication is None else replication
    deadline = time.monotonic() + timeout
    admin = _connect(settings, deadline)
    try:
        result = admin.create_topics(
            {
                name: {
                    "num_partitions": n_partitions,
                    "replication_factor": n_replicas,
                    "configs": configs.get(name, {}),
                }
                for name in wanted
            },
            raise_errors=False,
        )
        created = []
        for topic in result.get("topics", []):
            code = topic.get("error_code", _NO_ERROR)
            if code == _NO_ERROR:
                created.append(topic["name"])
            elif code != _TOPIC_EXISTS:
                message = topic.get("error_message") or f"error code {code}"
                raise TopicError(f"cannot create topic {topic['name']!r}: {message}")
        counts = _partition_counts(admin, wanted, deadline)
    except KafkaError as exc:
        raise TopicError(f"topic setup on {settings.broker} failed: {exc}") from exc
    finally:
        admin.close()

    for name in wanted:
        if name in created:
            log.info("created topic %s with %d partitions", name, counts[name])
        elif counts[name] != n_partitions:
            log.warning(
                "topic %s already exists with %d partitions (wanted %d); keeping it",
                name,
                counts[name],
                n_partitions,
            )
    return counts, created


# Seconds between "waiting for topic" lines of a client that waits.
_WAIT_SAY_EVERY = 10.0


def wait_for_topics(
    settings: Settings, names: Iterable[str], *, timeout: float = 60.0, who: str = "client"
) -> dict[str, int]:
    """Wait until every topic in ``names`` exists; return ``{topic: partition count}``.

    For clients that must not create topics (feeds, ingest). Says what it waits for
    and who makes the topics, every :data:`_WAIT_SAY_EVERY` seconds; raises
    :class:`TopicError` after ``timeout`` seconds (the broker away counts as waiting).
    """
    wanted = list(dict.fromkeys(names))
    deadline = time.monotonic() + timeout
    said = 0.0
    missing = wanted
    while True:
        admin = _connect(settings, deadline)
        try:
            described = {t["name"]: t for t in admin.describe_topics(wanted)}
        except KafkaError as exc:
            described = {}
            log.debug("describing %s failed: %s", wanted, exc)
        finally:
            admin.close()
        missing = [n for n in wanted if not _exists(described.get(n))]
        if not missing:
            return {n: len(described[n]["partitions"]) for n in wanted}
        left = deadline - time.monotonic()
        if left <= 0:
            raise TopicError(
                f"topic {', '.join(missing)} not found on {settings.broker} after "
                f"{timeout:.0f} s: {_WHO_CREATES}"
            )
        if time.monotonic() - said >= _WAIT_SAY_EVERY:
            said = time.monotonic()
            log.warning(
                "%s waiting for topic %s on %s (%.0f s left): %s",
                who,
                ", ".join(missing),
                settings.broker,
                left,
                _WHO_CREATES,
            )
        time.sleep(min(0.5, max(left, 0.0)))


_NO_TOPIC_ID = "00000000-0000-0000-0000-000000000000"


def topic_ids(settings: Settings, names: Iterable[str]) -> dict[str, str]:
    """The broker's id of each existing topic in ``names`` (Kafka 2.8+): a topic deleted
    and created again, or on a broker that came back empty, has a new one. Topics the
    broker gives no id (Tansu) are left out; so is everything when it cannot be asked."""
    try:
        admin = _connect(settings, time.monotonic() + 2.0)
    except TopicError:
        return {}
    try:
        described = admin.describe_topics(list(names))
    except KafkaError:
        return {}
    finally:
        admin.close()
    return {
        t["name"]: str(t["topic_id"])
        for t in described
        if _exists(t) and t.get("topic_id") and str(t["topic_id"]) != _NO_TOPIC_ID
    }


_WHO_CREATES = (
    "the workers create it (python -m pipeline worker), or the topic job "
    "(python -m pipeline topics)"
)


def _exists(described: dict | None) -> bool:
    return bool(
        described
        and described.get("error_code", _NO_ERROR) == _NO_ERROR
        and described.get("partitions")
    )


def _connect(settings: Settings, deadline: float) -> KafkaAdminClient:
    """An admin client, retrying with backoff until ``deadline`` while no broker answers."""
    delay = 0.2
    attempt = 0
    while True:
        attempt += 1
        left = deadline - time.monotonic()
        try:
            return KafkaAdminClient(
                bootstrap_servers=settings.bootstrap_servers,
                client_id="wires-topics",
                bootstrap_timeout_ms=int(max(0.5, min(left, 2.0)) * 1000),
                request_timeout_ms=10_000,
                **settings.kafka_python_security(),
            )
        except KafkaConfigurationError:
            raise
        except (KafkaError, OSError) as exc:
            left = deadline - time.monotonic()
            why = _why_unreachable(settings)
            if left <= 0:
                raise TopicError(
                    f"broker {settings.broker} {why} after {attempt} attempts: {exc}"
                ) from exc
            wait = min(delay, left)
            log.warning(
                "broker %s %s (%s); retrying in %.1f s (%.0f s left)",
                settings.broker,
                why + " yet" * (why == "not reachable"),
                type(exc).__name__,
                wait,
                left,
            )
            time.sleep(wait)
            delay = min(delay * 2, 2.0)


def _why_unreachable(settings: Settings) -> str:
    """``"not reachable"``, or, when a bootstrap address takes TCP connections, that the
    Kafka handshake is what fails: a wrong security protocol or SASL setting read as
    an absent broker before (issue 15)."""
    for server in settings.bootstrap_servers:
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]"), int(port)), timeout=0.5):
                pass
        except (OSError, ValueError):
            continue
        if settings.security_protocol == "PLAINTEXT" and not settings.sasl_mechanism:
            return f"answers on {server} but not as a Kafka broker yet"
        sasl = f" and WIRES_SASL_MECHANISM={settings.sasl_mechanism}" * bool(
            settings.sasl_mechanism
        )
        return (
            f"answers on {server} but the Kafka handshake fails: check that "
            f"WIRES_SECURITY_PROTOCOL={settings.security_protocol}{sasl} matches its listener"
        )
    return "not reachable"


def _partition_counts(admin: KafkaAdminClient, names: list[str], deadline: float) -> dict[str, int]:
    """Partition count of each topic, waiting briefly for new ones to show in metadata."""
    while True:
        described = {t["name"]: t for t in admin.describe_topics(names)}
        missing = [
            n
            for n in names
            if n not in described
            or described[n].get("error_code", _NO_ERROR) == _UNKNOWN_TOPIC
            or not described[n].get("partitions")
        ]
        if not missing:
            return {n: len(described[n]["partitions"]) for n in names}
        if time.monotonic() > deadline:
            raise TopicError(f"topics {missing} not visible in metadata after creation")
        time.sleep(0.1)
