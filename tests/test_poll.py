"""The poller against a local HTTP server: new items only, conditional requests seen
by the server, nothing sent twice across a restart, a failing URL backed off."""

from __future__ import annotations

import http.server
import threading
from email.utils import formatdate

import pytest

from pipeline import formats
from pipeline.formats import split
from pipeline.poll import MAX_BACKOFF, Poller, listed_files
from pipeline.processor import Enriched, RawMessage, process_all
from tests.formats.conftest import SAMPLES

RSS = (SAMPLES / "wire.rss.xml").read_bytes()
NEW_ITEM = b"""    <item>
      <title>Port authority opens a second ferry terminal</title>
      <guid isPermaLink="false">wires-test-1003</guid>
      <description>The terminal will handle four ferries a day.</description>
    </item>
  </channel>"""


class Site:
    """Files served with ETag and Last-Modified; every request's headers recorded."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.fail: set[str] = set()
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                if self.path in site.fail:
                    self.send_error(503)
                    return
                if self.path not in site.files:
                    self.send_error(404)
                    return
                body, kind = site.files[self.path]
                etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
                modified = formatdate(1_800_000_000 + len(body), usegmt=True)
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    s = Site()
    yield s
    s.close()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def poller(site, state, sent, urls, clock=None):
    return Poller(
        [site.base + u for u in urls],
        lambda value, key, headers: sent.append((value, key, dict(headers))),
        state_path=state,
        feed="test-poll",
        interval=60,
        clock=clock or Clock(),
    )


def test_feed_new_entries_only_with_conditional_requests_and_restart(site, tmp_path):
    site.files["/feed.xml"] = (RSS, "application/rss+xml")
    state, sent = tmp_path / "state.json", []
    first = poller(site, state, sent, ["/feed.xml"])
    assert first.poll_once() == 2
    assert [key for _, key, _ in sent] == [b"wires-test-1001", b"wires-test-1002"]
    _, _, headers = sent[0]
    assert headers["wires-feed"] == b"test-poll" and headers["wires-id"] == b"wires-test-1001"
    assert headers["content-type"] == b"application/rss+xml"
    # each message is one entry in its channel, read by the worker as that entry
    (outcome,) = process_all(
        RawMessage(value=sent[0][0], headers=list(sent[0][2].items())), max_bytes=1 << 20
    )
    assert isinstance(outcome, Enriched)
    assert outcome.story.headline == "Glacier lake drained to protect Andean valley town"

    first.clock.now += 61  # unchanged: the server answers 304 to the conditional request
    assert first.poll_once() == 0
    path, conditional = site.requests[-1]
    assert path == "/feed.xml"
    assert conditional["if-none-match"].startswith('"')
    assert "if-modified-since" in conditional

    site.files["/feed.xml"] = (RSS.replace(b"  </channel>", NEW_ITEM), "application/rss+xml")
    first.clock.now += 61
    assert first.poll_once() == 1
    assert sent[-1][1] == b"wires-test-1003"

    # a restarted poller (same state file) sends nothing again, and asks conditionally
    again = poller(site, state, sent, ["/feed.xml"])
    assert again.poll_once() == 0
    assert "if-none-match" in site.requests[-1][1]
    assert len(sent) == 3


def test_folder_listing_sends_each_new_file_once(site, tmp_path):
    nitf = (SAMPLES / "tarija-harvest.nitf.xml").read_bytes()
    ninjs = (SAMPLES / "tarija-harvest.ninjs2.json").read_bytes()
    site.files["/in/a.xml"] = (nitf, "application/xml")
    site.files["/in/b.json"] = (ninjs, "application/json")
    listing = (
        '<html><body><a href="../">..</a><a href="a.xml">a.xml</a><a href="?C=M">sort</a>'
        "</body></html>"
    )
    site.files["/in/"] = (listing.encode(), "text/html")
    state, sent = tmp_path / "state.json", []
    p = poller(site, state, sent, ["/in/"])
    assert p.poll_once() == 1
    site.files["/in/"] = (
        listing.replace("</body>", '<a href="b.json">b</a></body>').encode(),
        "text/html",
    )
    p.clock.now += 61
    assert p.poll_once() == 1
    assert [headers["wires-path"].decode() for _, _, headers in sent] == [
        site.base + "/in/a.xml",
        site.base + "/in/b.json",
    ]
    assert [formats.detect(value) for value, _, _ in sent] == ["nitf", "ninjs"]
    assert poller(site, state, sent, ["/in/"]).poll_once() == 0  # after a restart


def test_a_single_document_is_sent_when_it_changes(site, tmp_path):
    site.files["/item.xml"] = (
        (SAMPLES / "tarija-harvest.newsml-g2.xml").read_bytes(),
        "application/xml",
    )
    state, sent = tmp_path / "s.json", []
    p = poller(site, state, sent, ["/item.xml"])
    assert p.poll_once() == 1
    p.clock.now += 61
    assert p.poll_once() == 0
    site.files["/item.xml"] = (
        (SAMPLES / "tarija-harvest.nitf.xml").read_bytes(),
        "application/xml",
    )
    p.clock.now += 61
    assert p.poll_once() == 1 and formats.detect(sent[-1][0]) == "nitf"


def test_a_failing_url_backs_off_and_the_others_go_on(site, tmp_path):
    site.files["/feed.xml"] = (RSS, "application/rss+xml")
    site.fail.add("/down.xml")
    clock, sent = Clock(), []
    p = poller(site, tmp_path / "s.json", sent, ["/down.xml", "/feed.xml"], clock)
    assert p.poll_once() == 2
    down = p.sources[site.base + "/down.xml"]
    assert down.failures == 1 and down.next_due == clock.now + 120
    clock.now += 61  # the feed is due again, the failing URL not yet
    p.poll_once()
    assert sum(path == "/down.xml" for path, _ in site.requests) == 1
    for _ in range(12):
        clock.now = down.next_due
        p.poll_once()
    assert down.next_due - clock.now == MAX_BACKOFF
    site.files["/down.xml"] = ((SAMPLES / "wire.atom.xml").read_bytes(), "application/atom+xml")
    site.fail.clear()
    clock.now = down.next_due
    assert p.poll_once() == 2  # back: its two entries, and the normal interval again
    assert down.failures == 0 and down.next_due == clock.now + 60


def test_split_and_listing_are_pure():
    pieces = split.entries((SAMPLES / "wire.atom.xml").read_bytes())
    assert [i for i, _ in pieces][1] == "urn:uuid:7d1e4a2c-0000-4000-8000-000000000003"
    assert all(doc.count(b"<entry") == 1 for _, doc in pieces)
    page = b'<a href="x.xml">x</a><a href="sub/">d</a><a href="/abs">a</a>'
    assert listed_files(page, "http://h/in/") == ["http://h/in/x.xml"]
