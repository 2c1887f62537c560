"""Helpers for tests on the session's Kafka node (see ``tests/conftest.py``)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextlib import contextmanager

from pipeline.broker import KafkaBroker

# Internal topics of Kafka itself (the offsets, transactions and share-group logs).
_INTERNAL = "__"


def reset(bootstrap: str, timeout: float = 30.0) -> None:
    """Delete every non-internal topic and every consumer group on ``bootstrap``."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    try:
        deadline = time.monotonic() + timeout
        while True:
            topics = [t for t in admin.list_topics() if not t.startswith(_INTERNAL)]
            if not topics:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"topics still there after {timeout:.0f} s: {topics}")
            with contextlib.suppress(KafkaError):  # some already going: checked again
                admin.delete_topics(topics, timeout_ms=10000)
            time.sleep(0.2)
        groups = [_group_id(g) for g in admin.list_groups()]
        if groups:
            # A group with a live member stays; its offsets went with the topics.
            with contextlib.suppress(KafkaError):
                admin.delete_groups(groups)
    finally:
        admin.close()


def _group_id(group: object) -> str:
    if isinstance(group, dict):
        return str(group.get("group_id") or group.get("group"))
    return str(group[0] if isinstance(group, tuple) else group)


@contextmanager
def fresh(node: KafkaBroker, *, empty: bool = True) -> Iterator[KafkaBroker]:
    """``node`` running and (``empty``) emptied as a new broker would be; running again
    afterwards even when the block stopped or killed it (the next test needs it)."""
    if not node.running:
        node.start()
    if empty:
        reset(node.bootstrap)
    try:
        yield node
    finally:
        if not node.running:
            node.start()
