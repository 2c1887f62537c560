"""The kafka-python -> asyncio bridge with a fake producer: acknowledgements arrive on
another thread while the event loop keeps running; timeouts, errors and a missing broker
become BrokerUnavailable, and a failed producer is replaced."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

import pytest
from kafka.errors import KafkaConnectionError, KafkaTimeoutError
from kafka.future import Future

from pipeline.ingest.publisher import CONNECTED, BrokerUnavailable, Publisher
from pipeline.ingest.stories import Record

RECORDS = [Record(value=b"one", key=None, headers=[], original_id=None)] * 3


class FakeProducer:
    """Answers each send on a timer thread: ``ok``, ``error`` or ``never``."""

    def __init__(self, mode: str = "ok", delay: float = 0.2) -> None:
        self.mode, self.delay = mode, delay
        self.sent: list[bytes] = []
        self.closed = False
        self.threads: set[str] = set()

    def send(self, topic: str, value: bytes, key: bytes | None, headers: list) -> Future:
        future = Future()
        meta = SimpleNamespace(topic=topic, partition=1, offset=len(self.sent))
        self.sent.append(value)
        self.threads.add(threading.current_thread().name)
        if self.mode == "ok":
            threading.Timer(self.delay, future.success, [meta]).start()
        elif self.mode == "error":
            threading.Timer(self.delay, future.failure, [KafkaTimeoutError("expired")]).start()
        return future

    def close(self, timeout: float | None = None) -> None:
        self.closed = True


class Factory:
    """Hands out the given producers in turn; None stands for an unreachable broker."""

    def __init__(self, *producers: FakeProducer | None) -> None:
        self.producers = list(producers)
        self.calls = 0

    def __call__(self) -> FakeProducer:
        self.calls += 1
        producer = self.producers.pop(0) if len(self.producers) > 1 else self.producers[0]
        if producer is None:
            raise KafkaConnectionError("no broker")
        return producer


async def connected(publisher: Publisher, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while publisher._producer is None:
            await asyncio.sleep(0.01)


def run(coro):
    return asyncio.run(coro)


def test_acks_from_another_thread_do_not_block_the_loop():
    async def main() -> None:
        producer = FakeProducer("ok", delay=0.3)
        publisher = Publisher(Factory(producer), ack_timeout=5)
        await publisher.start()
        await connected(publisher)
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        acks = await publisher.publish(RECORDS)
        ticker.cancel()
        assert [(a.partition, a.offset) for a in acks] == [(1, 0), (1, 1), (1, 2)]
        assert ticks >= 10  # the loop ran all along the 0.3 s wait
        assert threading.main_thread().name not in producer.threads  # send() ran off the loop
        assert publisher.status == CONNECTED
        await publisher.close()
        assert producer.closed

    run(main())


@pytest.mark.parametrize("mode", ["never", "error"])
def test_unacknowledged_is_broker_unavailable_and_the_producer_is_replaced(mode):
    async def main() -> None:
        bad, good = FakeProducer(mode, delay=0.05), FakeProducer("ok", delay=0.01)
        factory = Factory(bad, good)
        publisher = Publisher(factory, ack_timeout=0.3)
        await publisher.start()
        await connected(publisher)
        with pytest.raises(BrokerUnavailable):
            await publisher.publish(RECORDS)
        assert publisher.status != CONNECTED
        await connected(publisher)
        assert factory.calls == 2
        assert len(await publisher.publish(RECORDS)) == 3
        await publisher.close()
        assert bad.closed and good.closed

    run(main())


def test_no_broker_is_broker_unavailable_at_once_until_it_is_reachable():
    async def main() -> None:
        factory = Factory(None, None, FakeProducer("ok", delay=0.01))
        publisher = Publisher(factory, ack_timeout=5, retry_delay=0.05)
        await publisher.start()
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(BrokerUnavailable):
            await publisher.publish(RECORDS)
        assert loop.time() - started < 0.1
        await connected(publisher)
        assert factory.calls == 3
        assert len(await publisher.publish(RECORDS)) == 3
        await publisher.close()

    run(main())
