"""Issue 16 in headless Chromium: version badges, versions grouped by story, the story
view's section and source, search, the layout at 1024 px and 390 px, and the view of
rejected stories (dead letters).

The events are published on ``wires.enriched`` (``wires.deadletter``) as the worker would (numbers,
pubstatus, signals, ``duplicate``), and only the dashboard runs: what is tested is
what an editor sees of them. Screenshots go to the test's tmp dir.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from kafka import KafkaProducer
from playwright.sync_api import expect
from web_processes import Child

from pipeline import events, feed
from pipeline.broker import KafkaBroker
from pipeline.config import TOPIC_DEADLETTER, TOPIC_ENRICHED, Settings

COCOA = "Cocoa futures hit record as rains soak the Ivory Coast harvest"
BRIDGE = "City council approves the new river bridge after a decade of debate"
TEA = "Tea prices steady at the weekly Mombasa auction"
LONG = (
    "Fishermen in the northern lagoon say the new seasonal quota leaves them with too "
    "few weeks at sea to pay for boats, nets and the diesel they need"
)


def event(
    n: int,
    story: str,
    headline: str,
    *,
    version: int = 1,
    pubstatus: str = "usable",
    signals: tuple[str, ...] = (),
    duplicate: bool = False,
    agency: str = "Reuters",
    place: str = "Abidjan",
    section: str = "economy, business and finance",
) -> dict[str, Any]:
    return {
        "schema": "wires.enriched/1",
        "id": f"{n:024x}",
        "story_id": story,
        "version": version,
        "pubstatus": pubstatus,
        "signals": list(signals),
        "duplicate": duplicate,
        "received_at": f"2026-12-07T21:0{n % 10}:00.000Z",
        "processed_at": f"2026-12-07T21:0{n % 10}:01.000Z",
        "source": {"feed": "newsdesk-test", "original_id": f"story-{n}.txt", "path": None},
        "agency": agency,
        "language": "en",
        "section": {
            "label": section,
            "code": "medtop:04000000",
            "kicker": None,
            "source": "model",
            "confidence": 0.41,
            "runner_up": {"label": "arts, culture and entertainment", "confidence": 0.22},
            "model": "sections-7",
            "uncertain": True,
        },
        "headline": headline,
        "byline": None,
        "dateline": {"text": f"{place}, Dec 7 ({agency})", "place": place, "date": "12-07"},
        "body": [f"Body of story {n}."],
        "editor_codes": [],
        "blocks": [{"kind": "headline", "text": headline, "why": "shape"}],
        "word_count": 4,
    }


EVENTS = [
    event(1, "cocoa", COCOA),
    event(2, "bridge", BRIDGE, agency="AP", place="Bilbao", section="politics"),
    # Headlines as the engine gives them: version markers ("UPDATE 1-", "KILL - ") removed.
    event(3, "cocoa", COCOA, version=2, signals=("update",)),
    event(4, "tea", TEA, agency="AFP", place="Mombasa"),
    event(5, "bridge", BRIDGE, version=2, signals=("correction",), agency="AP"),
    event(6, "cocoa", COCOA, version=3, pubstatus="withdrawn", section="arts"),
    {**event(4, "tea", TEA, agency="AFP", place="Mombasa"), "duplicate": True},
    event(7, "lagoon", LONG, agency="EFE", place="Aveiro", section="environment"),
]


def publish(broker: KafkaBroker, values: list[dict[str, Any]]) -> None:
    """On wires.enriched, keyed by story id as the version agent publishes."""
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    for value in values:
        producer.send(TOPIC_ENRICHED, orjson.dumps(value), key=value["story_id"].encode())
    producer.flush(30)
    producer.close(5)


@pytest.fixture
def dashboard_url(
    broker: KafkaBroker, broker_settings: Settings, children: list[Child], tmp_path: Path
) -> str:
    publish(broker, EVENTS)
    env = {**broker.client_env(), "WIRES_DASHBOARD_PORT": "0", "WIRES_LOG_LEVEL": "info"}
    dashboard = Child("dashboard", ["dashboard"], env, tmp_path)
    children.append(dashboard)
    return dashboard.wait_for(r"dashboard on (http://127\.0\.0\.1:(\d+)/)").group(1)


def group(page: Any, story: str) -> Any:
    return page.locator(f'#rows tr[data-story-id="{story}"]')


@pytest.mark.browser
@pytest.mark.broker
@pytest.mark.timeout(180)
def test_badges_and_versions_grouped_by_story(
    broker: KafkaBroker, dashboard_url: str, browser_page: Any, tmp_path: Path
) -> None:
    page = browser_page
    page.goto(dashboard_url)
    rows = page.locator("#rows tr")
    expect(rows).to_have_count(4)  # four stories; earlier versions folded away
    expect(group(page, "tea").locator(".badge-repeat")).to_have_text("REPEAT")

    cocoa = group(page, "cocoa")
    expect(cocoa).to_have_count(1)
    head = cocoa.first
    expect(head).to_have_attribute("data-version", "3")  # the latest on top
    expect(head.locator(".badge")).to_have_text(["KILLED"])
    # The kill notice was read as arts; the story's row keeps the story's section.
    expect(head.locator(".c-section")).to_have_text("economy, business and finance")
    expect(head.locator(".c-section")).to_have_attribute(
        "title", re.compile("kill notice itself read as arts")
    )
    expect(head).to_have_class(re.compile(r"\bkilled\b"))
    line = head.locator(".headline-text").evaluate(
        "node => getComputedStyle(node).textDecorationLine"
    )
    assert "line-through" in line
    toggle = head.locator(".versions-toggle")
    expect(toggle).to_contain_text("2 earlier")
    expect(group(page, "bridge").first.locator(".badge")).to_have_text(["CORRECTION"])
    assert group(page, "lagoon").first.locator(".badge").count() == 0

    toggle.click()
    expect(cocoa).to_have_count(3)
    expect(cocoa.nth(1)).to_have_attribute("data-version", "2")
    expect(cocoa.nth(1).locator(".badge")).to_have_text(["UPDATE 1"])  # struck, not badged
    expect(cocoa.nth(2)).to_have_attribute("data-version", "1")
    for i in range(3):  # a kill strikes the whole story through
        expect(cocoa.nth(i)).to_have_class(re.compile(r"\bkilled\b"))
    expect(cocoa.nth(1)).to_have_class(re.compile(r"\bearlier\b"))
    page.screenshot(path=str(tmp_path / "versions.png"), full_page=True)

    # The story view: badges, version, the section's confidence and source, versions.
    head.locator(".headline-text").click()
    expect(page.locator("#story-view")).to_be_visible()
    expect(page.locator("#story-badges")).to_contain_text("version 3")
    expect(page.locator("#story-badges .badge-killed")).to_have_text("KILLED")
    expect(page.locator("#story-section")).to_have_text(
        "Section: arts · from the model, 41 % sure "
        "(runner-up: arts, culture and entertainment, 22 %) · uncertain: a guess, check it"
        " · model sections-7"
    )
    expect(page.locator("#story-source")).to_contain_text("feed newsdesk-test")
    expect(page.locator("#story-source")).to_contain_text("received 2026-12-07T21:06:00.000Z")
    versions = page.locator("#story-versions li")
    expect(versions).to_have_count(3)
    expect(versions.first).to_have_class("current")
    expect(page.locator("#story-view")).to_have_class("story-view killed")
    page.screenshot(path=str(tmp_path / "story-view-killed.png"), full_page=True)
    versions.nth(2).locator("a").click()  # the original, one click away
    expect(page.locator("#story-badges")).to_contain_text("version 1")
    expect(page.locator("#story-headline")).to_have_text(COCOA)
    page.keyboard.press("Escape")
    expect(page.locator("#story-view")).to_be_hidden()

    # Search over headline, place and agency.
    search = page.locator("#search")
    search.fill("mombasa")  # a place
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-story-id", "tea")
    search.fill("ap")  # agency AP, and "approves" in a headline: one story either way
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-story-id", "bridge")
    search.fill("record as rains")  # words of a headline
    expect(rows).to_have_count(3)  # the cocoa story, still unfolded
    page.click("#filter-clear")
    expect(search).to_have_value("")
    expect(rows).to_have_count(6)

    # A new version arriving live: its story moves to the top, the update on top of it.
    publish(broker, [event(8, "lagoon", LONG, version=2, agency="EFE")])
    expect(rows.first).to_have_attribute("data-story-id", "lagoon")
    expect(rows.first).to_have_attribute("data-version", "2")
    expect(rows.first.locator(".badge-update")).to_have_text("UPDATE 1")
    expect(rows.first.locator(".versions-toggle")).to_contain_text("1 earlier")
    expect(rows).to_have_count(6)


@pytest.mark.browser
@pytest.mark.broker
@pytest.mark.timeout(180)
def test_layout_at_1024_and_390_px(dashboard_url: str, browser_page: Any, tmp_path: Path) -> None:
    page = browser_page
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(dashboard_url)
    rows = page.locator("#rows tr")
    expect(rows).to_have_count(4)
    lagoon = group(page, "lagoon").first.locator(".c-headline")
    box = lagoon.bounding_box()
    assert box is not None and box["width"] >= 400, box  # was about 12 characters
    assert lagoon.get_attribute("title") == LONG  # the whole headline on hover
    assert group(page, "lagoon").first.locator(".c-place").get_attribute("title") == "Aveiro"
    page.screenshot(path=str(tmp_path / "dashboard-1024.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    expect(rows).to_have_count(4)
    sideways = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
        " document.querySelector('.table-wrap').scrollWidth,"
        " document.querySelector('.table-wrap').clientWidth]"
    )
    assert sideways[0] <= sideways[1] and sideways[2] <= sideways[3], sideways
    box = lagoon.bounding_box()
    assert box is not None and box["width"] >= 180, box
    assert box["x"] + box["width"] <= 390
    assert lagoon.get_attribute("title") == LONG
    page.screenshot(path=str(tmp_path / "dashboard-390.png"), full_page=True)
    group(page, "cocoa").first.locator(".headline-text").click()
    expect(page.locator("#story-section")).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width
    page.screenshot(path=str(tmp_path / "story-390.png"), full_page=True)


def dead_letter(payload: bytes, reason: str, message: str, name: str, n: int) -> dict[str, Any]:
    head = feed.headers(feed="desk", received_at=None, path=f"/in/{name}", original_id=name)
    letter = events.DeadLetter.of(
        events.BadMessage(reason, message),
        payload,
        topic="wires.raw",
        partition=0,
        offset=n,
        headers=head,
    )
    return orjson.loads(events.encode(letter))


@pytest.mark.browser
@pytest.mark.broker
@pytest.mark.timeout(180)
def test_the_dead_letter_view(
    broker: KafkaBroker,
    broker_settings: Settings,
    children: list[Child],
    browser_page: Any,
    tmp_path: Path,
) -> None:
    hostile = f'<img src=x onerror="window.__xss=1"> \x1b[31mred\x1b[0m {"word " * 60}'.encode()
    letters = [
        dead_letter(b"\x00\x01PK\x03\x04" * 100, "undecodable", "binary data", "report.docx", 1),
        dead_letter(hostile, "engine_error", "<script>window.__xss=1</script>", "odd.txt", 2),
    ]
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    for letter in letters:  # each delivered twice (at least once): shown once
        for _ in range(2):
            producer.send(TOPIC_DEADLETTER, orjson.dumps(letter), key=b"in-order")
    producer.flush(30)
    producer.close(5)
    env = {**broker.client_env(), "WIRES_DASHBOARD_PORT": "0", "WIRES_LOG_LEVEL": "info"}
    dashboard = Child("dashboard", ["dashboard"], env, tmp_path)
    children.append(dashboard)
    url = dashboard.wait_for(r"dashboard on (http://127\.0\.0\.1:(\d+)/)").group(1)
    page = browser_page
    page.goto(url)
    button = page.locator("#rejects-open")
    expect(page.locator("#rejects-count")).to_have_text("2")
    expect(button).to_have_class(re.compile(r"\bhas-rejects\b"))
    expect(page.locator("#status")).to_have_attribute("data-state", "live")
    button.click()
    view = page.locator("#rejects-view")
    expect(view).to_be_visible()
    rows = page.locator("#rejects-rows tr")
    expect(rows).to_have_count(2)
    newest, oldest = rows.nth(0), rows.nth(1)
    expect(newest.locator(".r-reason")).to_have_text("engine_error")
    expect(newest.locator(".r-name")).to_have_text("odd.txt")
    expect(newest.locator(".r-name")).to_have_attribute("title", "/in/odd.txt")
    expect(newest.locator(".error")).to_have_text("<script>window.__xss=1</script>")
    expect(newest.locator(".preview")).to_contain_text(
        '<img src=x onerror="window.__xss=1"> red word'
    )
    expect(oldest.locator(".r-feed")).to_have_text("desk")
    expect(oldest.locator(".preview")).to_have_text("(binary, 600 bytes)")
    expect(oldest.locator(".r-size")).to_have_text("600 B")
    assert page.locator("#rejects-view img, #rejects-view script").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    page.screenshot(path=str(tmp_path / "rejected.png"), full_page=True)

    # One more, live: on top, counted once (a push may repeat what the snapshot gave).
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
    producer.send(TOPIC_DEADLETTER, orjson.dumps(dead_letter(b"", "empty", "empty", "e.txt", 3)))
    producer.flush(30)
    producer.close(5)
    expect(page.locator("#rejects-count")).to_have_text("3")
    expect(rows).to_have_count(3)
    expect(rows.first.locator(".r-name")).to_have_text("e.txt")
    expect(rows.first.locator(".preview")).to_have_text("(empty)")
    newest, oldest = rows.nth(1), rows.nth(2)
    page.set_viewport_size({"width": 390, "height": 844})
    expect(oldest.locator(".preview")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path / "rejected-390.png"), full_page=True)
    page.keyboard.press("Escape")
    expect(view).to_be_hidden()
