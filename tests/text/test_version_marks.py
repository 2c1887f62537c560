"""Version markers and notes read off headlines (data/versions.toml)."""

import pytest

from pipeline.text import versions
from pipeline.text.engine import enrich


@pytest.mark.parametrize(
    "headline, stem, signals, pubstatus",
    [
        (
            "UPDATE 2-Kazakh lawmakers back elections",
            "Kazakh lawmakers back elections",
            ("update",),
            "usable",
        ),
        ("CORRECTED-UPDATE 1-Ferry capsizes", "Ferry capsizes", ("correction", "update"), "usable"),
        ("REFILE-Nikkei hits record", "Nikkei hits record", ("update",), "usable"),
        ("KILL - Ferry capsizes", "Ferry capsizes", (), "withdrawn"),
        ("WITHDRAWN-Ferry capsizes", "Ferry capsizes", (), "withdrawn"),
        ("URGENT: Earthquake hits Japan", "Earthquake hits Japan", (), "usable"),
        (
            "ACTUALIZACIÓN 1-Diputados aprueban reforma",
            "Diputados aprueban reforma",
            ("update",),
            "usable",
        ),
        ("Update on talks between unions", "Update on talks between unions", (), "usable"),
        ("Breaking barriers: women in tech", "Breaking barriers: women in tech", (), "usable"),
        ("Correction officers strike in Ohio", "Correction officers strike in Ohio", (), "usable"),
        ("KILL-", "KILL-", (), "usable"),
    ],
)
def test_headline_markers(headline, stem, signals, pubstatus):
    assert versions.read(headline) == versions.VersionMarks(stem, signals, pubstatus)


def test_notes():
    marks = versions.read(
        "Ferry capsizes",
        [
            "(Corrects death toll in paragraph 1 to 14 from 41)",
            "(Adds quotes from survivors in paragraphs 5-7)",
        ],
    )
    assert marks.signals == ("correction", "update")
    withdrawn = versions.read(
        "Ferry capsizes",
        ['JAKARTA, May 18 (Reuters) - The story headlined "Ferry capsizes" is withdrawn.'],
    )
    assert withdrawn.pubstatus == "withdrawn"


def test_story_id_is_shared_by_versions_and_not_by_agencies():
    original = versions.story_id("Reuters", "Ferry capsizes off Sulawesi")
    assert versions.story_id("Reuters", "Ferry capsizes off Sulawesi!") == original
    assert versions.story_id("AFP", "Ferry capsizes off Sulawesi") != original


def test_engine_strips_markers_from_the_headline_but_not_from_blocks():
    story = enrich(
        "UPDATE 1-Ferry capsizes off Sulawesi\nJAKARTA, May 18 (Reuters) - At least "
        "14 people died after a ferry capsized off Sulawesi on Wednesday, officials "
        "said."
    )
    assert story.headline == "Ferry capsizes off Sulawesi"
    assert story.blocks[0].text == "UPDATE 1-Ferry capsizes off Sulawesi"
    assert story.signals == ["update"] and story.version == 1 and not story.duplicate
