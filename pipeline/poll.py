"""Feeds that pull: poll RSS/Atom feeds, HTTP folders of items and single documents,
and send what is new to ``wires.raw``.

Each URL is fetched with a conditional request (``If-None-Match`` with the last
``ETag``, ``If-Modified-Since`` with the last ``Last-Modified``): an unchanged feed
costs the server a 304. What a response holds:

- an RSS or Atom feed: one raw message per entry not sent before (the entry alone in
  its feed's channel, :func:`pipeline.formats.split.entries`), keyed by the entry id;
- an HTML page (a web server's folder listing): each linked file not fetched before,
  sent as it is (NewsML-G2, NITF, ninjs... the worker tells the format);
- anything else: the document itself, when its ETag or bytes changed.

What was sent is remembered in a JSON state file written after the broker
acknowledged the sends, so a restarted poller sends nothing twice and, after a crash
mid-poll, at worst once more what was not yet remembered (at least once, as the
stream). A URL that fails (network, 5xx) is tried again after a backoff that doubles
up to :data:`MAX_BACKOFF`. The network I/O is this module's; the splitting is pure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from pipeline import events, formats
from pipeline.formats import split
from pipeline.text.story import iso_utc

log = logging.getLogger(__name__)

MAX_BACKOFF = 900.0  # seconds: a failing URL is tried at least every 15 minutes
MAX_REMEMBERED = 5000  # entry ids or item URLs kept per polled URL
MAX_RESPONSE_BYTES = 16 * 1024 * 1024
TIMEOUT = 20.0
USER_AGENT = "wires-poll/1"

# send(value, key, headers): hand one raw message to the producer (not yet acknowledged)
Send = Callable[[bytes, bytes | None, list[tuple[str, bytes]]], None]


@dataclass(slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names


Fetch = Callable[[str, dict[str, str]], Response]


def fetch(url: str, request_headers: dict[str, str]) -> Response:
    """GET ``url`` (urllib: no proxy magic beyond the environment's), at most
    :data:`MAX_RESPONSE_BYTES`; a 304 or an HTTP error is a Response, not an error."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **request_headers})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
            body = reply.read(MAX_RESPONSE_BYTES + 1)
            if len(body) > MAX_RESPONSE_BYTES:
                raise ValueError(f"{url}: response over {MAX_RESPONSE_BYTES} bytes")
            head = {k.lower(): v for k, v in reply.headers.items()}
            return Response(reply.status, body, head)
    except urllib.error.HTTPError as error:
        return Response(error.code, b"", {k.lower(): v for k, v in (error.headers or {}).items()})


@dataclass(slots=True)
class Source:
    """What the poller remembers of one URL."""

    etag: str | None = None
    last_modified: str | None = None
    digest: str | None = None  # of a single document's bytes
    seen: list[str] = field(default_factory=list)  # entry ids / item URLs sent
    failures: int = 0
    next_due: float = 0.0  # monotonic time of the next poll (not saved)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href and not href.startswith(("?", "#", "../", "/")) and not href.endswith("/"):
                self.links.append(href)


def listed_files(page: bytes, base: str) -> list[str]:
    """The files a folder listing links to (no sorting links, parents or subfolders)."""
    parser = _Links()
    parser.feed(page.decode("utf-8", "replace"))
    return [urllib.parse.urljoin(base, href) for href in dict.fromkeys(parser.links)]


_HTML = re.compile(rb"\A\s*(?:<!doctype html|<html)", re.IGNORECASE)


class Poller:
    """Polls ``urls`` every ``interval`` seconds and sends what is new."""

    def __init__(
        self,
        urls: Sequence[str],
        send: Send,
        *,
        flush: Callable[[], None] = lambda: None,
        state_path: Path | None = None,
        feed: str | None = None,
        interval: float = 60.0,
        fetcher: Fetch = fetch,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.urls = list(urls)
        self.send = send
        self.flush = flush
        self.state_path = state_path
        self.feed = feed
        self.interval = interval
        self.fetcher = fetcher
        self.clock = clock
        self.sources: dict[str, Source] = {url: Source() for url in self.urls}
        self.sent = 0
        self._load()

    # -- state
    def _load(self) -> None:
        if self.state_path is None or not self.state_path.exists():
            return
        saved = json.loads(self.state_path.read_text())
        for url, value in saved.get("sources", {}).items():
            if url in self.sources:
                known = {f.name for f in dataclasses.fields(Source)} - {"next_due", "failures"}
                self.sources[url] = Source(**{k: v for k, v in value.items() if k in known})

    def save(self) -> None:
        """Write the state atomically (a crash leaves the old file or the new one)."""
        if self.state_path is None:
            return
        state = {
            "sources": {
                url: {
                    "etag": s.etag,
                    "last_modified": s.last_modified,
                    "digest": s.digest,
                    "seen": s.seen[-MAX_REMEMBERED:],
                }
                for url, s in self.sources.items()
            }
        }
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state_path.with_suffix(self.state_path.suffix + ".tmp")
        tmp.write_text(json.dumps(state))
        os.replace(tmp, self.state_path)

    # -- polling
    def due(self) -> list[str]:
        now = self.clock()
        return [url for url in self.urls if self.sources[url].next_due <= now]

    def poll_once(self) -> int:
        """Poll every due URL once; the number of messages sent."""
        before = self.sent
        for url in self.due():
            source = self.sources[url]
            try:
                self._poll(url, source)
            except Exception as error:  # network, a bad feed: back off, keep the others
                source.failures += 1
                delay = min(MAX_BACKOFF, self.interval * 2 ** min(source.failures, 10))
                source.next_due = self.clock() + delay
                log.warning("poll %s failed (%s); next try in %.0f s", url, error, delay)
                continue
            source.failures = 0
            source.next_due = self.clock() + self.interval
        return self.sent - before

    def _poll(self, url: str, source: Source) -> None:
        conditional = {}
        if source.etag:
            conditional["If-None-Match"] = source.etag
        if source.last_modified:
            conditional["If-Modified-Since"] = source.last_modified
        reply = self.fetcher(url, conditional)
        if reply.status == 304:
            return
        if reply.status >= 400:
            raise OSError(f"HTTP {reply.status}")
        content_type = reply.headers.get("content-type", "")
        fmt = formats.detect(reply.body, content_type)
        if fmt in ("rss", "atom"):
            self._entries(url, source, reply.body, content_type)
        elif "html" in content_type or _HTML.match(reply.body):
            self._listing(url, source, reply.body)
        else:
            digest = reply.headers.get("etag") or hashlib.sha256(reply.body).hexdigest()
            if digest != source.digest:
                self._send(reply.body, url, url, content_type)
                self._commit()
                source.digest = digest
        # remembered only once what it announced was sent and acknowledged
        source.etag = reply.headers.get("etag")
        source.last_modified = reply.headers.get("last-modified")
        self.save()

    def _entries(self, url: str, source: Source, body: bytes, content_type: str) -> None:
        new = [(i, doc) for i, doc in split.entries(body) if i not in source.seen]
        for entry_id, document in new:
            self._send(document, url, entry_id, content_type or "application/xml")
        self._commit()
        source.seen.extend(i for i, _ in new)

    def _listing(self, url: str, source: Source, body: bytes) -> None:
        for item_url in listed_files(body, url):
            if item_url in source.seen:
                continue
            reply = self.fetcher(item_url, {})
            if reply.status >= 400:
                raise OSError(f"HTTP {reply.status} for {item_url}")
            self._send(reply.body, item_url, item_url, reply.headers.get("content-type", ""))
            self._commit()
            source.seen.append(item_url)
            self.save()

    def _send(self, value: bytes, path: str, original_id: str, content_type: str) -> None:
        head = [
            (events.HEADER_FEED, self.feed),
            (events.HEADER_RECEIVED_AT, iso_utc(dt.datetime.now(dt.UTC))),
            (events.HEADER_PATH, path[:900]),
            (events.HEADER_ID, original_id[:900]),
            (events.HEADER_CONTENT_TYPE, content_type or None),
        ]
        headers = [(name, v.encode()) for name, v in head if v]
        key = original_id.encode()[: events.MAX_KEY_BYTES]
        events.check_envelope(key, headers)
        self.send(value, key, headers)
        self.sent += 1

    def _commit(self) -> None:
        """Wait for the broker's acknowledgements before the state remembers them."""
        self.flush()

    def run(self, *, stop: Callable[[], bool] = lambda: False) -> None:
        """Poll until ``stop()``; sleeps until the next URL is due."""
        while not stop():
            self.poll_once()
            wait = min(s.next_due for s in self.sources.values()) - self.clock()
            time.sleep(max(0.2, min(wait, self.interval)))
