"""Learned chrome (pipeline.text.learned): each feed's own boilerplate, learned from
the stories it sends.

Every site and story here is invented, generated from the small word lists below
with fixed seeds: each site wraps each story in six sentence-shaped lines of its
own (a tagline above the headline, a reuse notice under it, two promos between
paragraphs, two footer lines) that no rule table lists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import orjson
import pytest

from pipeline.cli import main
from pipeline.text import learned
from pipeline.text.engine import enrich
from pipeline.text.learned import FeedMemory, Memories
from pipeline.text.story import Meta

SITES = [
    "Harbour Ledger",
    "Valley Courier",
    "Northern Lantern",
    "Prairie Dispatch",
    "Island Almanac",
    "Delta Chronicle",
]
PLACES = ["BRISTOL", "LISBON", "NAIROBI", "OSAKA", "QUITO", "HAMBURG", "ADELAIDE", "TORONTO"]
MONTHS = ["Jan", "Feb", "March", "April", "May", "June"]
AGENCIES = ["Reuters", "AFP", "EFE", "AP"]
SUBJECTS = [
    "city council",
    "port authority",
    "farmers' union",
    "school board",
    "water utility",
    "rail operator",
    "fishing cooperative",
    "museum trust",
]
VERBS = ["approves", "delays", "rejects", "expands", "reviews", "funds", "suspends", "defends"]
OBJECTS = [
    "ferry timetable",
    "bridge repairs",
    "night buses",
    "flood barrier",
    "grain silos",
    "library hours",
    "tram extension",
    "solar farm",
]
NAMES = ["Amara Osei", "Lena Varga", "Tomas Reyes", "Mei Tanaka", "Jonas Berg", "Priya Nair"]
ROLES = ["spokeswoman", "chairman", "treasurer", "chief engineer", "local resident"]
NOUNS = ["budget", "timetable", "contract", "survey", "petition", "inspection", "tender"]
ADJ = ["revised", "delayed", "disputed", "long-awaited", "provisional", "expensive"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]

# Six slots of chrome, several wordings each: every site picks its own.
CHROME = {
    "tagline": [
        "The {s} brings you independent reporting from across the region every single day.",
        "For forty years the {s} has told the stories of our towns without fear or favour.",
        "Local news matters, and the {s} is proud to be your voice on the river and beyond.",
    ],
    "reuse": [
        "This archived story is offered by the {s} for personal, non-commercial reading only.",
        "Agency copy on the {s} is shown under licence and may not be copied or sold on.",
        "Reproduction of this article in any form needs the written consent of the {s}.",
    ],
    "promo1": [
        "Our morning letter from the {s} lands in your inbox before breakfast and costs nothing.",
        "Get the {s} app and read tomorrow's paper tonight, wherever you happen to be.",
        "The {s} weekend quiz is back, with a hamper of local produce for the winner.",
    ],
    "promo2": [
        "Readers like you keep the {s} going, so please consider supporting our newsroom.",
        "Have a tip for the {s} newsroom? Our reporters read every message they receive.",
        "Join the {s} book club on the first Thursday of every month at the old library.",
    ],
    "footer1": [
        "Views expressed in agency copy republished by the {s} are not necessarily our own.",
        "The {s} corrects its errors promptly and says so at the foot of the story concerned.",
        "Comments on the {s} are moderated and closed after three days to keep them civil.",
    ],
    "footer2": [
        "Thank you for reading the {s}, and do tell your friends where they can find us.",
        "The {s} is printed on recycled paper and delivered by bicycle in the old town.",
        "Every story on the {s} is checked by two editors before it reaches your screen.",
    ],
}


def site_chrome(site: str) -> dict[str, str]:
    rng = random.Random(f"chrome:{site}")
    return {slot: rng.choice(choices).format(s=site) for slot, choices in CHROME.items()}


@dataclass
class Invented:
    raw: str
    headline: str
    body: list[str]  # the paragraphs the engine must keep, dateline cut from the lede
    chrome: list[str]


def paragraph(rng: random.Random, tag: str) -> str:
    return (
        f"The {rng.choice(ADJ)} {rng.choice(NOUNS)} covers {rng.randint(2, 90)} districts and "
        f"{rng.randint(100, 9999)} households, according to {rng.choice(NAMES)}, the "
        f"{rng.choice(ROLES)}, who spoke on {rng.choice(DAYS)}. Officials expect a "
        f"{rng.choice(ADJ)} {rng.choice(NOUNS)} by week {rng.randint(1, 52)} and said "
        f"{rng.randint(3, 400)} workers would be needed for phase {tag}."
    )


def invented_story(site: str | None, k: int, rng: random.Random) -> Invented:
    """Story ``k`` of ``site`` (None: bare agency copy, no chrome)."""
    chrome = site_chrome(site) if site else {}
    head = f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(VERBS)} {rng.choice(OBJECTS)} plan {k}"
    n = rng.randint(4, 7)
    paras = [paragraph(rng, f"{(site or 'wire')[:3]}{k}.{i}") for i in range(n)]
    lede = paras[0]
    if k % 4:  # every fourth story prints no dateline
        place, month, agency = rng.choice(PLACES), rng.choice(MONTHS), rng.choice(AGENCIES)
        lede = f"{place}, {month} {rng.randint(1, 28)} ({agency}) - {lede}"
    lines = [chrome.get("tagline"), head, chrome.get("reuse"), lede]
    first, second = sorted(rng.sample(range(1, n), 2))
    for i in range(1, n):
        lines.append(chrome.get("promo1") if i == first else None)
        lines.append(chrome.get("promo2") if i == second else None)
        lines.append(paras[i])
    lines += [chrome.get("footer1"), chrome.get("footer2")]
    raw = "\n".join(line for line in lines if line)
    return Invented(raw, head, paras, list(chrome.values()))


def site_stories(site: str, n: int = 40) -> list[Invented]:
    rng = random.Random(f"stories:{site}")
    return [invented_story(site, k, rng) for k in range(n)]


def clean(story, invented: Invented) -> bool:
    return not any(line in story.body for line in invented.chrome)


def kept(story, invented: Invented) -> bool:
    return all(p in story.body for p in invented.body)


def stream(memories: Memories, feed: str, stories: list[Invented]):
    """What the stream does per story: read with the feed's view, then teach it."""
    for invented in stories:
        yield invented, learned.read(invented.raw, Meta(feed=feed), memories, section_model=None)


def test_without_learning_no_story_is_clean_and_nothing_is_lost():
    stories = [s for site in SITES[:2] for s in site_stories(site, 10)]
    read = [enrich(s.raw, section_model=None) for s in stories]
    assert not any(clean(r, s) for r, s in zip(read, stories, strict=True))
    assert all(kept(r, s) for r, s in zip(read, stories, strict=True))


def test_each_feed_learns_its_own_chrome_after_20_stories():
    memories = Memories()
    after = []
    for site in SITES:
        for k, (invented, story) in enumerate(stream(memories, site, site_stories(site))):
            assert story.headline == invented.headline
            if k >= 20:
                after.append((invented, story))
    assert len(after) == 20 * len(SITES)
    clean_share = sum(clean(s, i) for i, s in after) / len(after)
    kept_share = sum(kept(s, i) for i, s in after) / len(after)
    assert clean_share >= 0.95, clean_share
    assert kept_share >= 0.98, kept_share
    invented, story = after[-1]
    whys = {b.text: b.why for b in story.blocks}
    assert {whys[line] for line in invented.chrome} <= {"learned", "rule"}
    assert "learned" in {whys[line] for line in invented.chrome}


def test_warm_up_five_distinct_stories():
    site = SITES[0]
    memory = FeedMemory()
    tagline = site_chrome(site)["tagline"]
    for k, invented in enumerate(site_stories(site, 6)):
        story = enrich(invented.raw, section_model=None, learned=memory.confidence)
        if k < 5:
            assert not any(b.why == "learned" for b in story.blocks), k
            assert memory.confidence(tagline) == 0.0
        memory.learn(story)
    assert memory.confidence(tagline) == 1.0
    assert memory.confidence(tagline.upper()) == 1.0  # normalised: case, spaces, quotes


def test_offline_enrich_feed_learns_as_the_stream(tmp_path, capsysbinary):
    site = SITES[1]
    stories = site_stories(site)
    paths = []
    for k, invented in enumerate(stories):
        path = tmp_path / f"{k:03d}.txt"
        path.write_text(invented.raw)
        paths.append(str(path))
    assert main(["enrich", "--feed", site, *paths]) == 0
    events = [orjson.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    streamed = [story for _, story in stream(Memories(), site, stories)]
    assert [e["body"] for e in events] == [s.body for s in streamed]
    assert [[b["why"] for b in e["blocks"]] for e in events] == [
        [b.why for b in s.blocks] for s in streamed
    ]
    later = list(zip(stories, events, strict=True))[20:]
    assert all(not any(c in e["body"] for c in i.chrome) for i, e in later)
    assert all(all(p in e["body"] for p in i.body) for i, e in later)

    assert main(["enrich", "--feed", site, "--no-learn", *paths[25:26]]) == 0
    (event,) = [orjson.loads(line) for line in capsysbinary.readouterr().out.splitlines()]
    assert not any(b["why"] == "learned" for b in event["blocks"])


def test_chrome_command_lists_what_the_feed_taught(tmp_path, capsys):
    site = SITES[2]
    paths = []
    for k, invented in enumerate(site_stories(site, 12)):
        path = tmp_path / f"{k:03d}.txt"
        path.write_text(invented.raw)
        paths.append(str(path))
    assert main(["chrome", "--feed", site, "--json", *paths]) == 0
    taught = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(t["text"] for t in taught) == sorted(site_chrome(site).values())
    assert all(t["count"] == 12 and t["confidence"] == 1.0 for t in taught)
    assert main(["chrome", "--feed", site, *paths]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"feed '{site}': 12 stories") and site_chrome(site)["reuse"] in out


def test_a_repeated_story_and_versions_of_one_teach_nothing():
    memory = FeedMemory()
    rng = random.Random("repeats")
    original = invented_story(None, 1, rng)
    for _ in range(10):  # re-sent ten times
        memory.learn(enrich(original.raw, section_model=None, learned=memory.confidence))
    versions = []
    raw = original.raw
    for n in range(1, 10):  # nine updates, each adding a paragraph
        raw = raw.replace(original.headline, f"UPDATE {n}-{original.headline}", 1)
        raw = raw.replace(f"UPDATE {n - 1}-", "") + "\n" + paragraph(rng, f"upd{n}")
        story = enrich(raw, section_model=None, learned=memory.confidence)
        versions.append(story)
        assert not memory.learn(story)
    assert {s.story_id for s in versions} == {versions[0].story_id}
    assert memory.stories == 1
    assert memory.taught() == []
    assert all(p in versions[-1].body for p in original.body)


def test_an_agency_story_republished_by_many_feeds_is_news_on_each():
    wire = invented_story(None, 7, random.Random("wire"))
    memories = Memories()
    for f in range(30):
        feed = f"site-{f}"
        own = site_stories(SITES[f % len(SITES)], 12)
        list(stream(memories, feed, own[:8]))
        story = learned.read(wire.raw, Meta(feed=feed), memories, section_model=None)
        assert story.body == wire.body
        list(stream(memories, feed, own[8:]))
        assert all(memories.memory(feed).confidence(p) == 0.0 for p in wire.body)
    # one feed never teaches another: a site's chrome quoted on a feed that never
    # printed it stays the body it is there
    quoted = site_chrome(SITES[0])["footer1"]
    newcomer = invented_story(None, 8, random.Random("newcomer"))
    raw = newcomer.raw + "\n" + quoted
    story = learned.read(raw, Meta(feed="site-1"), memories, section_model=None)
    assert memories.memory("site-0").confidence(quoted) == 1.0
    assert quoted in story.body


def test_a_background_paragraph_of_a_few_stories_stays_body():
    """Printed in 6 of 45 distinct stories: past the warm-up, below the share."""
    site = SITES[3]
    background = (
        "The harbour has been dredged only twice since the flood of 1968, when the old "
        "sea wall gave way and the fishing fleet moved to the northern quay."
    )
    memory = FeedMemory()
    for k, invented in enumerate(site_stories(site, 46)):
        if k == 45:
            break
        raw = invented.raw + ("\n" + background if k % 7 == 6 else "")
        memory.learn(enrich(raw, section_model=None, learned=memory.confidence))
    assert 0 < memory.confidence(background) < 0.5
    story = enrich(invented.raw + "\n" + background, section_model=None, learned=memory)
    assert background in story.body and not any(c in story.body for c in invented.chrome)


def test_a_feed_that_changes_its_layout_unlearns_the_old_one():
    memory = FeedMemory()
    old, new = SITES[0], SITES[4]
    for invented in site_stories(old, 40):
        memory.learn(enrich(invented.raw, section_model=None, learned=memory.confidence))
    assert all(memory.confidence(line) == 1.0 for line in site_chrome(old).values())
    rng = random.Random("relaunch")
    for k in range(learned.STALE):
        invented = invented_story(new, 100 + k, rng)
        memory.learn(enrich(invented.raw, section_model=None, learned=memory.confidence))
    assert all(memory.confidence(line) == 0.0 for line in site_chrome(old).values())
    assert all(memory.confidence(line) == 1.0 for line in site_chrome(new).values())


def test_memory_stays_bounded_under_a_hostile_feed():
    rng = random.Random("hostile")
    memory = FeedMemory()
    for k in range(1000):  # 100,000 distinct random lines, 100 a story
        lines = [f"{rng.getrandbits(64):x} {rng.getrandbits(64):x} noise" for _ in range(100)]
        memory.observe(f"hostile-{k}", lines)
        assert len(memory) <= learned.CAPACITY
    assert memory.taught(0.0001) == []
    state = memory.to_dict()
    assert len(state["recent"]) <= learned.RECENT_STORIES
    assert len(memory.dumps()) < 150_000
    memory.observe("one huge story", [f"line {i}" for i in range(100_000)])
    assert len(memory) <= learned.CAPACITY

    memories = Memories(max_feeds=50)
    for f in range(500):
        memories.memory(f"feed-{f}").observe("s", ["a line"])
    assert len(memories) == 50 and "feed-499" in memories and "feed-0" not in memories


def test_state_round_trips_and_learning_goes_on_the_same():
    memories = Memories()
    stories = site_stories(SITES[5], 30)
    for _ in stream(memories, "delta", stories[:15]):
        pass
    restored = Memories.loads(memories.dumps())
    assert restored.to_dict() == memories.to_dict()
    assert orjson.loads(restored.dumps()) == orjson.loads(memories.dumps())
    a = [s.body for _, s in stream(memories, "delta", stories[15:])]
    b = [s.body for _, s in stream(restored, "delta", stories[15:])]
    assert a == b and restored.to_dict() == memories.to_dict()
    one = memories.memory("delta")
    assert FeedMemory.loads(one.dumps()).to_dict() == one.to_dict()
    with pytest.raises(ValueError):
        FeedMemory.from_dict({"v": 99})


def test_learned_evidence_never_removes_the_headline_or_the_dateline_lede():
    invented = site_stories(SITES[0], 2)[1]  # a dated one
    sure = enrich(invented.raw, section_model=None, learned=lambda line: 1.0)
    assert sure.headline == invented.headline
    assert sure.body[0] == invented.body[0]  # the dateline lede
    assert sure.dateline.place is not None
    kinds = {b.text: (b.kind, b.why) for b in sure.blocks}
    assert kinds[invented.headline] == ("headline", "shape")
    detached = "\n".join(
        [
            "Politics",
            "Harbour council approves ferry timetable",
            "BRISTOL, March 3 (Reuters) -",
            invented.body[1],
            invented.body[2],
            "Reporting by Lena Varga",
        ]
    )
    plain = enrich(detached, section_model=None)
    taught = enrich(detached, section_model=None, learned=lambda line: 1.0)
    assert plain.body[0] == invented.body[1] == taught.body[0]
    assert taught.headline == plain.headline == "Harbour council approves ferry timetable"
    assert taught.section.kicker == plain.section.kicker == "Politics"
    assert [b.kind for b in taught.blocks if b.why != "learned"][-1] == "signoff"


def test_learnable_lines_leave_out_what_the_rules_named():
    raw = "\n".join(
        [
            "Harbour council approves ferry timetable",
            "BRISTOL, March 3 (Reuters) - " + paragraph(random.Random(1), "x"),
            paragraph(random.Random(2), "y"),
            "Reporting by Lena Varga",
        ]
    )
    story = enrich(raw, section_model=None)
    lines = learned.learnable(story)
    assert lines == [story.blocks[2].text]


def test_feed_name_and_a_message_without_one():
    assert learned.feed_name(" efe-en ") == "efe-en"
    assert learned.feed_name(None, "EFE", "ingest:alpha") == "EFE@ingest:alpha"
    assert learned.feed_name("", None, None) == "-@-"
    memories = Memories()
    for invented in site_stories(SITES[1], 8):
        learned.read(invented.raw, Meta(), memories, source="drop", section_model=None)
    assert {name.split("@")[1] for name in memories} == {"drop"}
    assert sum(m.stories for m in (memories.memory(n) for n in list(memories))) == 8
