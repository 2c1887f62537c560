"""ninjs both ways: the IPTC's own examples read right, and every event written as
ninjs 2.2 valid against the IPTC's schema (from ../shared/formats; skipped without
it), with one test per mapped field."""

import datetime as dt
import json
import re

import jsonschema
import orjson
import pytest

from pipeline import cli, formats
from pipeline.formats import compose, ninjs, ninjs_out
from pipeline.formats.item import Malformed
from pipeline.text.engine import enrich
from pipeline.text.story import Meta
from tests.formats.conftest import SAMPLES, SHARED, sample_files, shared

EXAMPLES = ["examples-2.2", "examples-3.1"]


def example_files():
    if not SHARED.exists():
        return []
    return sorted(p for folder in EXAMPLES for p in (SHARED / "ninjs" / folder).glob("*.json"))


@pytest.mark.parametrize(
    "path", example_files() or [None], ids=lambda p: p and f"{p.parent.name}/{p.name}"
)
def test_the_specification_examples_are_read(path):
    if path is None:
        shared("ninjs", "examples-2.2")
    obj = json.loads(path.read_text())
    (entry,) = ninjs.read(path.read_bytes()).items
    if obj.get("type") not in (None, "text", "composite"):
        assert isinstance(entry, Malformed) and "no text story" in entry.error
        return
    assert entry.format == ("ninjs-3" if path.parent.name == "examples-3.1" else "ninjs-2")
    assert entry.guid == obj["uri"]
    headlines = obj.get("headlines", [])
    main = next((h for h in headlines if h.get("role") in ("main", None)), None)
    main = main or (headlines[0] if headlines else None)
    assert entry.headline == (" ".join(main["value"].split()) if main else None)
    created = obj.get("versioncreated") or obj.get("versionCreated")
    assert entry.version_created == (created.replace("Z", ".000Z") if created else None)
    plain = [
        b
        for b in obj["bodies"]
        if "html" not in (b.get("contenttype") or b.get("contentType") or "text/plain")
    ]
    if plain:  # the plain body as filed, whitespace made single
        assert " ".join(entry.body) == " ".join(plain[0]["value"].split())
    assert entry.subjects == []  # the examples code people and places, no subjects
    assert entry.byline == obj.get("by")
    assert entry.located == obj.get("located")
    assert entry.language == obj.get("language")


def ninjs_validator():
    schema = json.loads(shared("ninjs", "ninjs-schema_2.2.json").read_text())
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def sample_stories():
    stories = []
    for path in sample_files():
        data = path.read_bytes()
        fmt = formats.detect(data)
        try:
            document = formats.read(data, fmt) if fmt else None
        except formats.FormatError:
            continue
        if document is None:
            stories.append(enrich(data, Meta(received_at="2026-12-01T00:00:00Z")))
            continue
        for i, item in enumerate(document.items):
            if not isinstance(item, Malformed):
                stories.append(compose.read_item(item, Meta(), enrich, index=i))
    return stories


def test_every_sample_story_is_valid_ninjs_2_2():
    check = ninjs_validator()
    stories = sample_stories()
    assert len(stories) >= 14
    for story in stories:
        obj = ninjs_out.to_ninjs(story)
        check.validate(obj)
        # the schema's formats, checked here: jsonschema skips them without extra packages
        for name in ("versioncreated", "firstcreated", "embargoed"):
            if name in obj:
                assert dt.datetime.fromisoformat(obj[name].replace("Z", "+00:00")).tzinfo
        assert re.match(r"[a-z][a-z0-9+.-]*:\S+$", obj["uri"])
        assert all(re.match(r"https?://", s["uri"]) for s in obj.get("subjects", []) if "uri" in s)


def test_plain_corpus_stories_are_valid_ninjs_2_2():
    check = ninjs_validator()
    corpus = sorted((SAMPLES.parent / "corpus").glob("*.txt"))[:20]
    assert corpus
    for path in corpus:
        check.validate(ninjs_out.to_ninjs(enrich(path.read_bytes())))


@pytest.fixture(scope="module")
def g2():
    data = (SAMPLES / "tarija-harvest.newsml-g2.xml").read_bytes()
    (item,) = formats.read(data, "newsml-g2").items
    story = compose.read_item(item, Meta(received_at="2026-12-01T08:00:00Z"), enrich)
    story.version = 3
    return orjson.loads(orjson.dumps(story)), ninjs_out.to_ninjs(story)


# One test per row of the mapping table (pipeline/formats/ninjs_out.py).
FIELDS = {
    "uri": lambda e: "urn:newsml:wires-test:20270212:tarija-harvest",
    "version": lambda e: "3",
    "versioncreated": lambda e: e["processed_at"],
    "firstcreated": lambda e: "2027-02-12T09:30:00.000Z",
    "pubstatus": lambda e: "usable",
    "urgency": lambda e: 4,
    "language": lambda e: "en",
    "headlines": lambda e: [
        {"role": "main", "value": e["headline"]},
        {"role": "sub", "value": "Growers expect fewer but sweeter grapes"},
    ],
    "by": lambda e: "Invented Reporter",
    "slugline": lambda e: "BOLIVIA-WINE/HARVEST",
    "located": lambda e: "Tarija",
    "infosources": lambda e: [{"name": "EFE"}],
    "altids": lambda e: [
        {"role": "wires:id", "value": e["id"]},
        {"role": "wires:story_id", "value": e["story_id"]},
    ],
    "ednote": lambda e: "Adds quote from grower in paragraph 3",
}


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_mapped_field(g2, field):
    event, out = g2
    assert out[field] == FIELDS[field](event)


def test_mapped_subjects(g2):
    _, out = g2
    section, other = out["subjects"]
    assert section == {
        "name": "economy, business and finance",
        "rel": "about",
        "uri": "http://cv.iptc.org/newscodes/mediatopic/04000000",
        "creator": "agency",
        "confidence": 100,
    }
    assert other["uri"] == "http://cv.iptc.org/newscodes/mediatopic/20000209"


def test_mapped_bodies(g2):
    event, out = g2
    (body,) = out["bodies"]
    assert body["value"] == "\n\n".join(event["body"]) and body["contenttype"] == "text/plain"
    assert body["wordcount"] == event["word_count"] == 117


def test_mapped_embargo_and_withdrawal():
    data = (SAMPLES / "tarija-harvest.ninjs3.json").read_bytes()
    (item,) = formats.read(data, "ninjs").items
    story = compose.read_item(item, Meta(), enrich)
    assert ninjs_out.to_ninjs(story)["embargoed"] == "2027-02-12T12:00:00.000Z"
    story.pubstatus = "withdrawn"
    assert ninjs_out.to_ninjs(story)["pubstatus"] == "canceled"


def test_a_plain_story_gets_an_urn_of_its_story_id():
    story = enrich((SAMPLES / "tarija-harvest.text").read_bytes())
    out = ninjs_out.to_ninjs(story)
    assert out["uri"] == f"urn:wires:story:{story.story_id}"
    assert out["subjects"][0]["creator"] == "kicker"
    assert "urgency" not in out and "ednote" not in out  # nothing made up


def test_enrich_format_ninjs(capsysbinary):
    paths = [
        str(SAMPLES / "message-three-items.newsml-g2.xml"),
        str(SAMPLES / "tarija-harvest.text"),
    ]
    rc = cli.main(["enrich", "--format", "ninjs", *paths])
    out, err = capsysbinary.readouterr()
    objects = [orjson.loads(line) for line in out.splitlines()]
    assert rc == 1  # the message's empty item is reported
    assert b"item 2: news item" in err
    assert [o["headlines"][0]["value"][:12] for o in objects] == [
        "Island ferry",
        "Museum schli",
        "Tarija viney",
    ]
    if SHARED.exists():
        check = ninjs_validator()
        for obj in objects:
            check.validate(obj)


def test_tail_renders_ninjs():
    from pipeline import tail

    event = orjson.loads(orjson.dumps(enrich((SAMPLES / "tarija-harvest.text").read_bytes())))
    line = tail.renderer("ninjs")(event)
    assert orjson.loads(line)["headlines"][0]["value"] == event["headline"]
    assert tail.renderer("line")(event) == tail.format_line(event)
    assert orjson.loads(tail.renderer("json")(event)) == event
    args = cli.build_parser().parse_args(["tail", "--format", "ninjs"])
    assert args.format == "ninjs"
