"""Bearer tokens: which feed a request speaks for, found in constant time.

Each configured token (``WIRES_INGEST_TOKENS``) names one feed. The presented
token is compared with *every* configured token through :func:`hmac.compare_digest`,
without stopping at a match, so the time taken says nothing about which token (or
how much of one) matched. Tokens are never logged and never used as keys: a caller
is known by the token's position in the table.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

SCHEME = "bearer"


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated client: its feed and the index of its token (the rate-limit key)."""

    feed: str
    key: int


class TokenTable:
    """The configured tokens, as UTF-8 bytes, with their feeds."""

    def __init__(self, feeds: Mapping[str, str]) -> None:
        self._entries = [(token.encode(), feed) for token, feed in feeds.items() if token]

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def feeds(self) -> list[str]:
        return sorted({feed for _, feed in self._entries})

    def caller(self, presented: str) -> Caller | None:
        """The caller whose token equals ``presented``, or None."""
        candidate = presented.encode("utf-8", "replace")
        found: Caller | None = None
        for key, (token, feed) in enumerate(self._entries):
            if hmac.compare_digest(candidate, token):  # no early exit: every token is compared
                found = Caller(feed, key)
        return found


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None without one."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != SCHEME:
        return None
    return token.strip() or None
