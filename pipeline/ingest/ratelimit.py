"""Per-token rate limit: a token bucket of ``WIRES_INGEST_BURST`` stories refilled at
``WIRES_INGEST_RATE`` stories per second. A request costs one unit per story, so an
NDJSON body of 50 stories counts like 50 plain posts."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class Bucket:
    tokens: float
    updated: float


@dataclass(slots=True)
class RateLimiter:
    """Buckets by caller key; ``clock`` is injectable for tests."""

    rate: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    buckets: dict[int, Bucket] = field(default_factory=dict)

    def _bucket(self, key: int) -> Bucket:
        now = self.clock()
        bucket = self.buckets.setdefault(key, Bucket(float(self.burst), now))
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        return bucket

    def wait(self, key: int, n: int = 1) -> float:
        """Seconds until ``n`` stories would be allowed (0: allowed now); takes nothing."""
        bucket = self._bucket(key)
        return max(0.0, (min(n, self.burst) - bucket.tokens) / self.rate)

    def take(self, key: int, n: int) -> float:
        """Take ``n`` stories now and return 0, or take nothing and return the wait."""
        delay = self.wait(key, n)
        if delay == 0:
            self.buckets[key].tokens -= n
        return delay

    def refund(self, key: int, n: int) -> None:
        """Give back ``n`` stories that were taken but not accepted (the broker failed)."""
        bucket = self._bucket(key)
        bucket.tokens = min(float(self.burst), bucket.tokens + n)


def retry_after(delay: float) -> str:
    """A ``Retry-After`` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(delay)))
