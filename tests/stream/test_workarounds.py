"""The workarounds: true end offsets on Tansu (and that Kafka needs none), seek-before-
resume in Faust recovery, idempotent Faust producers, and the fast-join Faust settings.
The restart test lives in test_recovery_race.py."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import aiokafka
import pytest
from faust.tables.recovery import Recovery
from faust.types import TP
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline import workarounds
from pipeline.broker import TansuBroker
from pipeline.config import Settings
from pipeline.topics import ensure_topics

BATCHES, PER_BATCH = 3, 10


@pytest.fixture
def patched() -> Iterator[None]:
    """Every workaround installed (Tansu's too) for the test, then none."""
    workarounds.uninstall()
    workarounds.install(tansu=True)
    yield
    workarounds.uninstall()


@pytest.fixture
def unpatched() -> Iterator[None]:
    workarounds.uninstall()
    yield
    workarounds.uninstall()


@pytest.fixture(scope="module")
def tansu() -> Iterator[TansuBroker]:
    """Tansu for the tests of its own workaround (it starts in milliseconds)."""
    with TansuBroker(stop_timeout=3.0) as running:
        yield running


def make_three_batches(bootstrap: str, topic: str) -> str:
    """Three batches of 10 on partition 0 of a new 2-partition ``topic``."""
    ensure_topics(Settings(broker=bootstrap), [topic], partitions=2)  # none auto-created
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=200)
    for _ in range(BATCHES):
        for i in range(PER_BATCH):
            producer.send(topic, f"v{i}".encode(), partition=0)
        producer.flush()  # one batch per flush
    producer.close()
    return topic


@pytest.fixture
def three_batches(tansu, unique_name) -> str:
    """A Tansu topic whose partition 0 holds 3 record batches of 10 (end offset 30)."""
    return make_three_batches(tansu.bootstrap, unique_name("batches"))


@pytest.mark.broker
def test_kafka_listoffsets_is_right_without_the_tansu_fix(broker, unique_name, unpatched):
    """Why workaround 1 is Tansu's only: Kafka answers the log end (30) by itself."""
    topic = make_three_batches(broker.bootstrap, unique_name("batches"))
    assert aiokafka_ends(broker.bootstrap, topic) == dict.fromkeys(
        ("end_offsets", "seek_to_end", "reset"), BATCHES * PER_BATCH
    )
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap)
    tp = TopicPartition(topic, 0)
    assert workarounds.end_offsets(consumer, [tp]) == {tp: 30}  # plain, no probe
    consumer.close()


def aiokafka_ends(bootstrap: str, topic: str) -> dict[str, int]:
    """End offset by ``end_offsets``, by ``seek_to_end`` and by ``auto_offset_reset``."""

    async def run() -> dict[str, int]:
        tp = aiokafka.TopicPartition(topic, 0)
        consumer = aiokafka.AIOKafkaConsumer(
            bootstrap_servers=bootstrap, auto_offset_reset="latest", enable_auto_commit=False
        )
        await consumer.start()
        try:
            consumer.assign([tp])
            reset = await consumer.position(tp)  # no committed offset: reset to "latest"
            ends = await consumer.end_offsets([tp])
            await consumer.seek_to_end(tp)
            return {
                "end_offsets": ends[tp],
                "seek_to_end": await consumer.position(tp),
                "reset": reset,
            }
        finally:
            await consumer.stop()

    return asyncio.run(run())


# -- Tansu ListOffsets(LATEST) ---------------------------------------------------------------


@pytest.mark.broker
def test_tansu_listoffsets_bug_is_still_there(tansu, three_batches, unpatched):
    """Canary: when this fails, Tansu returns the real end; drop workaround 1."""
    assert aiokafka_ends(tansu.bootstrap, three_batches) == dict.fromkeys(
        ("end_offsets", "seek_to_end", "reset"), 21
    )
    consumer = KafkaConsumer(bootstrap_servers=tansu.bootstrap)
    tp = TopicPartition(three_batches, 0)
    assert consumer.end_offsets([tp]) == {tp: 21}
    consumer.close()


@pytest.mark.broker
def test_aiokafka_gets_the_true_end_offset(tansu, three_batches, patched):
    assert aiokafka_ends(tansu.bootstrap, three_batches) == dict.fromkeys(
        ("end_offsets", "seek_to_end", "reset"), BATCHES * PER_BATCH
    )


@pytest.mark.broker
def test_kafka_python_helper_gets_the_true_end_offset(tansu, three_batches, unique_name):
    empty = unique_name("empty")
    KafkaProducer(bootstrap_servers=tansu.bootstrap).partitions_for(empty)  # auto-creates
    consumer = KafkaConsumer(bootstrap_servers=tansu.bootstrap)
    tps = [
        TopicPartition(three_batches, 0),
        TopicPartition(three_batches, 1),
        TopicPartition(empty, 0),
    ]
    assert consumer.end_offsets(tps)[tps[0]] == 21  # wrong without the probe
    ends = workarounds.end_offsets(consumer, tps, tansu=True)
    assert ends == {tps[0]: 30, tps[1]: 0, tps[2]: 0}
    consumer.close()


@pytest.mark.broker
def test_correction_never_lowers_an_offset(tansu, three_batches, patched, monkeypatch):
    """On a broker with a right ListOffsets, a lower watermark must not win."""

    async def lower_marks(fetcher: Any, node_id: int, positions: dict) -> dict:
        return {tp: offset - 5 for tp, offset in positions.items()}

    monkeypatch.setattr(workarounds, "_fetch_end_marks", lower_marks)
    assert aiokafka_ends(tansu.bootstrap, three_batches)["end_offsets"] == 21


def test_end_mark_uses_last_stable_offset_when_reading_committed():
    partition = (0, 0, 30, 25, 0, [], -1, b"")  # partition, error, highwater, lso, ...
    assert workarounds._end_mark(partition, 11, read_committed=False) == 30
    assert workarounds._end_mark(partition, 11, read_committed=True) == 25
    assert workarounds._end_mark((*partition[:3], b""), 1, read_committed=True) == 30


# -- Faust recovery race (issue #596) -------------------------------------------------------

STREAM_TP, CHANGELOG_TP = TP("in", 0), TP("app-seen-changelog", 0)


def fake_recovery(calls: list[Any]) -> MagicMock:
    """Just enough of a faust Recovery to run its resume paths and log their order."""

    async def perform_seek() -> None:
        calls.append("seek")

    async def wait(coro: Any, timeout: float | None = None) -> None:
        await coro

    consumer = MagicMock()
    consumer.assignment.return_value = {STREAM_TP, CHANGELOG_TP}
    consumer.perform_seek = perform_seek
    consumer.resume_partitions.side_effect = lambda tps: calls.append(("resume", set(tps)))
    consumer.resume_flow.side_effect = lambda: calls.append("resume_flow")
    app = MagicMock()
    app.consumer = consumer
    app.consumer_generation_id = 7
    app.on_rebalance_complete.send = AsyncMock()
    app._fetcher.maybe_start = AsyncMock()
    app.flow_control.resume.side_effect = lambda: calls.append("flow_control.resume")
    app.assignor.assigned_standbys.return_value = set()
    recovery = MagicMock()
    recovery.app = app
    recovery.tables.values.return_value = []
    recovery._wait = wait
    recovery._is_changelog_tp = lambda tp: tp.topic.endswith("-changelog")
    return recovery


FIXED_ORDER = ["seek", ("resume", {STREAM_TP}), "flow_control.resume", "resume_flow"]


@pytest.mark.parametrize("method", ["on_recovery_completed", "_resume_streams"])
def test_patched_recovery_seeks_before_it_resumes(method, patched):
    calls: list[Any] = []
    asyncio.run(getattr(Recovery, method)(fake_recovery(calls), 7))
    assert calls == FIXED_ORDER


@pytest.mark.parametrize("method", ["on_recovery_completed", "_resume_streams"])
def test_faust_still_resumes_before_it_seeks(method, unpatched):
    """Canary: when this fails, Faust seeks first by itself; drop workaround 2."""
    calls: list[Any] = []
    asyncio.run(getattr(Recovery, method)(fake_recovery(calls), 7))
    assert calls[:2] == [("resume", {STREAM_TP}), "seek"]


def test_patched_recovery_does_nothing_on_a_stale_generation(patched):
    calls: list[Any] = []
    asyncio.run(Recovery.on_recovery_completed(fake_recovery(calls), 6))
    assert calls == []


def run_fetch(active: set[TP] | None) -> tuple[Any, Any]:
    """Call the consumer thread's ``_fetch_records``; return (result, what aiokafka got)."""
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    thread, consumer = MagicMock(), MagicMock()
    thread.consumer.flow_active = True
    consumer._closed = consumer._fetcher._closed = False
    consumer._fetcher.fetched_records = AsyncMock(return_value={"records": 1})
    result = asyncio.run(AIOKafkaConsumerThread._fetch_records(thread, consumer, active, 1.0))
    calls = consumer._fetcher.fetched_records.await_args_list
    return result, calls[0].args[0] if calls else None


def test_fetch_follows_the_live_set_but_never_means_all(patched):
    live = {STREAM_TP}
    result, partitions = run_fetch(live)
    assert result == {"records": 1}
    assert STREAM_TP in partitions
    live.clear()  # Faust pauses the partition while aiokafka waits for records
    assert partitions and STREAM_TP not in partitions  # aiokafka: "partitions and tp not in"


def test_fetch_with_no_active_partition_asks_for_nothing(patched):
    assert run_fetch(set()) == ({}, None)
    assert run_fetch(None) == ({"records": 1}, None)  # client-only app: all, as before


# -- install / settings -----------------------------------------------------------------------


def patch_targets() -> tuple[Any, ...]:
    from aiokafka.consumer.fetcher import Fetcher

    return (Fetcher._proc_offset_request, Recovery.on_recovery_completed, Recovery._resume_streams)


def test_install_is_idempotent_and_uninstall_restores(unpatched):
    originals = patch_targets()
    workarounds.install(tansu=True)
    once = patch_targets()
    workarounds.install(tansu=True)
    assert patch_targets() == once
    assert all(a is not b for a, b in zip(originals, once, strict=True))
    workarounds.uninstall()
    assert patch_targets() == originals


def test_the_tansu_fix_is_installed_only_for_tansu(unpatched):
    fetch, *faust_methods = patch_targets()
    workarounds.install()  # Kafka
    now = patch_targets()
    assert now[0] is fetch  # aiokafka's ListOffsets left alone
    assert all(a is not b for a, b in zip(faust_methods, now[1:], strict=True))
    workarounds.install(tansu=True)
    assert patch_targets()[0] is not fetch


def test_faust_producer_asks_for_idempotence(unpatched):
    """Faust passes enable_idempotence only in transactions; part 4 adds it."""
    from faust.transport.drivers.aiokafka import Producer

    producer = MagicMock()
    producer.app.in_transaction = False
    assert "enable_idempotence" not in Producer._settings_extra(producer)
    workarounds.install()
    workarounds.set_idempotence(True)
    assert Producer._settings_extra(producer) == {"enable_idempotence": True, "acks": "all"}
    workarounds.set_idempotence(False)
    assert Producer._settings_extra(producer) == {}
    workarounds.set_idempotence(True)


def test_faust_settings_come_from_settings():
    settings = Settings(
        session_timeout=4.0,
        heartbeat_interval=0.7,
        rebalance_timeout=5.0,
        commit_interval=2.0,
        partitions=6,
        replication=1,
    )
    options = workarounds.faust_settings(settings)
    assert options["broker_session_timeout"] == 4.0
    assert options["broker_heartbeat_interval"] == 0.7
    assert options["broker_rebalance_timeout"] == 5.0
    assert options["broker_commit_interval"] == 2.0
    assert options["topic_partitions"] == 6
    assert options["processing_guarantee"] == "at_least_once"


def test_faust_accepts_the_settings():
    import faust

    fast = Settings(session_timeout=3.0, heartbeat_interval=0.5, rebalance_timeout=3.0)
    app = faust.App("wires-settings-check", autodiscover=False, **workarounds.faust_settings(fast))
    assert app.conf.broker_session_timeout == 3.0
    assert app.conf.broker_heartbeat_interval == 0.5
    assert app.conf.broker_rebalance_timeout == 3.0
    assert app.conf.producer_max_batch_size == 256 * 1024


def consumer_thread_without_position() -> MagicMock:
    """Faust's aiokafka consumer thread, as far as ``verify_event_path`` reads it, with
    one partition whose offset awaits a reset (aiokafka's own partition state)."""
    from aiokafka.consumer.subscription_state import TopicPartitionState

    async def new_state() -> TopicPartitionState:  # it makes a future on the running loop
        return TopicPartitionState(None)

    thread = MagicMock()
    thread._verify_aiokafka_event_path.return_value = False
    thread.time_started = 0.0
    state = asyncio.run(new_state())
    thread._consumer._fetcher._subscriptions.subscription.assignment.state_value.return_value = (
        state
    )
    thread._ensure_consumer.return_value = thread._consumer
    return thread


def test_faust_livelock_check_still_crashes_on_a_partition_without_position(unpatched):
    """Canary for part 7: when this fails, Faust skips such partitions itself."""
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    with pytest.raises(AssertionError):
        AIOKafkaConsumerThread.verify_event_path(
            consumer_thread_without_position(), 100.0, TP("wires.raw", 0)
        )


def test_patched_livelock_check_skips_a_partition_without_position(patched):
    from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

    thread = consumer_thread_without_position()
    assert AIOKafkaConsumerThread.verify_event_path(thread, 100.0, TP("wires.raw", 0)) is None
    thread._verify_aiokafka_event_path.assert_not_called()  # nothing of Faust's ran


def commit_with_a_refused_send() -> tuple[MagicMock, bool]:
    """A consumer's ``_commit`` after one tracked send failed, the other succeeded."""
    from faust.transport.consumer import ThreadDelegateConsumer

    consumer = MagicMock()
    consumer._thread.commit = AsyncMock(return_value=True)
    consumer.app.crash = AsyncMock()

    async def main() -> bool:
        loop = asyncio.get_running_loop()
        refused, delivered = loop.create_future(), loop.create_future()
        workarounds.track(refused)
        workarounds.track(delivered)
        refused.set_exception(aiokafka.errors.OutOfOrderSequenceNumber())
        delivered.set_result("metadata")
        return await ThreadDelegateConsumer._commit(consumer, {TP("wires.raw", 0): 10})

    committed = asyncio.run(main())
    workarounds._SENT.clear()
    return consumer, committed


def test_faust_commits_over_a_refused_send(unpatched):
    """Canary for part 8: when this fails, Faust checks deliveries before committing."""
    consumer, committed = commit_with_a_refused_send()
    assert committed is True
    consumer._thread.commit.assert_awaited_once()


def test_patched_commit_refuses_after_a_refused_send_and_stops_the_worker(patched):
    consumer, committed = commit_with_a_refused_send()
    assert committed is False
    consumer._thread.commit.assert_not_awaited()
    consumer.app.crash.assert_awaited_once()
    assert "OutOfOrderSequenceNumber" in str(consumer.app.crash.await_args.args[0])


def test_patched_commit_commits_when_every_send_was_delivered(patched):
    from faust.transport.consumer import ThreadDelegateConsumer

    consumer = MagicMock()
    consumer._thread.commit = AsyncMock(return_value=True)

    async def main() -> bool:
        delivered = asyncio.get_running_loop().create_future()
        workarounds.track(delivered)
        delivered.set_result("metadata")
        return await ThreadDelegateConsumer._commit(consumer, {TP("wires.raw", 0): 10})

    assert asyncio.run(main()) is True
    consumer._thread.commit.assert_awaited_once()
    assert not workarounds._SENT


def test_part_5_tells_a_recreated_topic_per_partition(monkeypatch):
    """A worker whose topic check saw wires.raw's new id while it held none of its
    partitions must still read the offsets it kept for them as the old topic's (the
    392 stories an empty-broker chaos run lost)."""
    ids = {"wires.raw": "old"}
    monkeypatch.setattr(workarounds, "TOPIC_IDS", lambda topics: {t: ids[t] for t in topics})
    monkeypatch.setattr(workarounds, "_OFFSET_IDS", {})
    monkeypatch.setattr(workarounds, "_SEEN_BY_SEEK", {})
    held, other = TP("wires.raw", 0), TP("wires.raw", 1)
    check = workarounds._recreated_since_offsets
    assert asyncio.run(check([held])) == set()  # first look: the old topic, recorded
    ids["wires.raw"] = "new"
    assert asyncio.run(check([other])) == set()  # seen while partition 0 was not held
    assert asyncio.run(check([held, other])) == {held}  # its offsets are the old topic's
    assert asyncio.run(check([held, other])) == set()  # said once
