"""The dashboard end to end in headless Chromium: broker, worker, dashboard, stories.

Needs ``/usr/bin/chromium`` (``apt-get install -y chromium``) and Playwright for Python;
Playwright's own browser download is not used. Every wait is on an explicit condition.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import playwright.sync_api as playwright_api
import pytest
from conftest import WAIT_MS
from kafka import KafkaProducer
from web_processes import Child

from pipeline import events, feed
from pipeline.broker import KafkaBroker
from pipeline.config import TOPIC_ENRICHED, Settings
from pipeline.text import learned
from pipeline.text.engine import enrich
from pipeline.text.story import Meta
from pipeline.topics import ensure_topics
from tests.text.test_learned import SITES, site_stories

expect = playwright_api.expect

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "pipeline" / "samples"
OUTPUT = ROOT / "test-output"

# sample file -> (agency, section label) as the text engine reads them
SAMPLE_STORIES = {
    "01-huaraz-glacial-lake.txt": ("EFE", "environment"),
    "03-mombasa-tea-auction.txt": ("Reuters", "economy, business and finance"),
    "04-munich-monastery-coins.txt": ("AP", "crime, law and justice"),
    "10-seoul-driverless-minibuses.txt": ("Yonhap", "science and technology"),
    "15-caracas-final-beisbol.txt": ("Prensa Latina", "sport"),
    "18-montevideo-mate-course.txt": ("EFE", "lifestyle and leisure"),
}
SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=1">'
XSS_STORY = f"""Skip to content
World
Hackers test {SCRIPT} newsroom filters with {IMG} tags
Paris, Jun 4 (AFP) - A group of researchers on Friday published a story whose text \
contains {SCRIPT} and {IMG} to check that newsroom dashboards show markup as plain text \
instead of running it.
"Every system that displays agency copy must treat it as untrusted input," said one of \
the researchers, who asked not to be named, adding that the test had been agreed with the \
agencies involved.
Related Articles
Back to top button
"""
XSS_HEADLINE = f"Hackers test {SCRIPT} newsroom filters with {IMG} tags"


@pytest.mark.browser
@pytest.mark.broker
@pytest.mark.timeout(180)
def test_dashboard_live_in_a_browser(
    broker: KafkaBroker,
    broker_settings: Settings,
    children: list[Child],
    browser_page: Any,
    tmp_path: Path,
) -> None:
    page = browser_page
    env = {
        **broker.client_env(),
        "WIRES_METRICS_PORT": "0",
        "WIRES_DATA_DIR": str(tmp_path / "wires"),
        "WIRES_PARTITIONS": "4",
        "WIRES_LOG_LEVEL": "warning",
    }
    children.append(Child("worker", ["worker"], env, tmp_path))
    dashboard = Child(
        "dashboard",
        ["dashboard"],
        {**env, "WIRES_DASHBOARD_PORT": "0", "WIRES_LOG_LEVEL": "info"},
        tmp_path,
    )
    children.append(dashboard)
    url = dashboard.wait_for(r"dashboard on (http://127\.0\.0\.1:(\d+)/)").group(1)

    problems: list[str] = []

    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text:
            problems.append(f"CSP violation: {message.text}")

    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", on_console)

    response = page.goto(url)
    assert response is not None and response.ok
    assert "script-src 'self'" in response.headers["content-security-policy"]
    status = page.locator("#status")
    expect(status).to_have_attribute("data-state", "live", timeout=WAIT_MS)

    # Feed the stories; they must show up live.
    story_file = tmp_path / "xss-story.txt"
    story_file.write_text(XSS_STORY)
    producer = feed.make_producer(broker_settings)
    try:
        report = feed.feed(
            [*(str(SAMPLES / name) for name in SAMPLE_STORIES), str(story_file)],
            producer,
            feed_name="browser-test",
            progress=None,
        )
    finally:
        producer.close(10)
    assert report.sent == len(SAMPLE_STORIES) + 1, report.summary()

    rows = page.locator("#rows tr")
    expect(rows).to_have_count(len(SAMPLE_STORIES) + 1, timeout=WAIT_MS)
    for name, (agency, section) in SAMPLE_STORIES.items():
        headline = _headline_of(SAMPLES / name)
        row = rows.filter(has_text=headline)
        expect(row).to_have_count(1)
        expect(row.locator(".c-agency")).to_have_text(agency)
        expect(row.locator(".c-section")).to_have_text(section)
    expect(page.locator("#tile-total")).to_have_text(str(len(SAMPLE_STORIES) + 1))
    # The rate chart covers the last minute of processed time: these stories are in it.
    expect(page.locator("#rate-chart")).to_have_attribute("data-sum", str(len(SAMPLE_STORIES) + 1))

    # The hostile story shows its markup as text, and none of it ran.
    xss_row = rows.filter(has_text=SCRIPT)
    expect(xss_row).to_have_count(1)
    expect(xss_row.locator(".c-headline")).to_have_text(XSS_HEADLINE)
    assert page.locator("#rows img, #rows script").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"

    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "dashboard.png"), full_page=True)

    # Filter by agency: rows of other agencies go.
    page.select_option("#filter-agency", "EFE")
    expect(rows).to_have_count(2)
    for i in range(2):
        expect(rows.nth(i)).to_have_attribute("data-agency", "EFE")
    page.click("#filter-clear")
    expect(rows).to_have_count(len(SAMPLE_STORIES) + 1)

    # One story: clean text beside the raw blocks, stripped ones highlighted by kind.
    rows.filter(has_text=_headline_of(SAMPLES / "01-huaraz-glacial-lake.txt")).click()
    view = page.locator("#story-view")
    expect(view).to_be_visible()
    expect(page.locator("#story-headline")).to_have_text(
        _headline_of(SAMPLES / "01-huaraz-glacial-lake.txt")
    )
    expect(page.locator("#story-dateline")).to_have_text("Huaraz, Oct 13 (EFE)")
    assert page.locator("#story-body p").count() >= 5
    navigation = page.locator("#story-blocks li.block.kind-navigation.stripped")
    expect(navigation.first).to_be_visible()
    assert navigation.count() >= 2
    for label in navigation.locator(".kind-label").all_text_contents():
        assert label == "navigation"
    expect(page.locator("#story-blocks li.block.kind-headline.kept")).to_have_count(1)
    page.screenshot(path=str(OUTPUT / "dashboard-story.png"), full_page=True)
    page.keyboard.press("Escape")
    expect(view).to_be_hidden()

    # The hostile story's own view: still text.
    xss_row.click()
    expect(page.locator("#story-headline")).to_have_text(XSS_HEADLINE)
    expect(page.locator("#story-body p").first).to_contain_text(SCRIPT)
    assert page.locator("#story-view img, #story-view script").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    page.keyboard.press("Escape")
    expect(view).to_be_hidden()

    # A dashboard restart: the page notices, reconnects by itself and shows the stories
    # again (the new server reads the recent window of the topic).
    assert dashboard.stop() == 0, dashboard.output()[-3000:]
    expect(status).to_have_attribute("data-state", "reconnecting", timeout=WAIT_MS)
    port = url.rsplit(":", 1)[1].strip("/")
    again = Child("dashboard", ["dashboard"], {**env, "WIRES_DASHBOARD_PORT": port}, tmp_path)
    children.append(again)
    again.wait_for(r"dashboard on http://")
    expect(status).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    expect(rows).to_have_count(len(SAMPLE_STORIES) + 1, timeout=WAIT_MS)
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert problems == []


def _headline_of(path: Path) -> str:
    return enrich(path.read_bytes(), Meta()).headline


@pytest.mark.browser
@pytest.mark.broker
@pytest.mark.timeout(180)
def test_the_story_view_marks_chrome_its_feed_taught(
    broker: KafkaBroker,
    broker_settings: Settings,
    children: list[Child],
    browser_page: Any,
    tmp_path: Path,
) -> None:
    """Issue 13: a block stripped because the feed taught it says so in the story view.

    The event is the engine's real reading of the 12th story of an invented site after
    11 others taught its memory (``learned.read``, as the worker reads), published on
    ``wires.enriched`` as the version agent would."""
    site = SITES[0]
    memories = learned.Memories()
    meta = Meta(received_at="2024-06-01T12:00:00.000Z", feed=site)
    for invented in site_stories(site)[:11]:
        learned.read(invented.raw, meta, memories)
    story = learned.read(site_stories(site)[11].raw, meta, memories)
    taught = [b for b in story.blocks if b.why == "learned"]
    assert taught, "the memory taught nothing: no learned block to show"
    event = {**orjson.loads(events.encode(story)), "version": 1, "duplicate": False}
    ensure_topics(broker_settings)
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    producer.send(TOPIC_ENRICHED, orjson.dumps(event), key=events.story_key(story))
    producer.flush(30)
    producer.close(5)

    env = {**broker.client_env(), "WIRES_DASHBOARD_PORT": "0", "WIRES_LOG_LEVEL": "info"}
    dashboard = Child("dashboard", ["dashboard"], env, tmp_path)
    children.append(dashboard)
    url = dashboard.wait_for(r"dashboard on (http://127\.0\.0\.1:(\d+)/)").group(1)
    page = browser_page
    page.goto(url)
    page.locator("#rows tr").filter(has_text=story.headline).click()
    marked = page.locator("#story-blocks li.block.stripped.learned")
    expect(marked).to_have_count(len(taught))
    expect(marked.first).to_have_attribute("data-why", "learned")
    expect(marked.first.locator(".kind-label")).to_contain_text("learned")
