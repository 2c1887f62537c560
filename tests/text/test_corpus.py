"""The engine against gold readings, at the acceptance thresholds.

Two sets, scored apart: our own stories (the dev corpus, the seed and extra
stories) and the layouts of real sites (tests/data/layouts: invented wording laid
out line for line as real pages print agency copy). `make eval` prints the same
figures.
"""

import pytest

from pipeline.evaluation import gold_pairs, score_reading

SETS = {"own": ("corpus", "seed", "extra"), "layouts": ("layouts",)}
MIN_STORIES = {"own": 47, "layouts": 80}


@pytest.fixture(scope="module", params=sorted(SETS))
def report(request, data_dir):
    pairs = [pair for folder in SETS[request.param] for pair in gold_pairs(data_dir / folder)]
    assert len(pairs) >= MIN_STORIES[request.param]
    return score_reading(pairs)


def test_body_paragraphs(report):
    assert report.rate("body") >= 0.95, report.failures("body")


@pytest.mark.parametrize("field", ["headline", "agency", "place", "editor_codes"])
def test_fields(report, field):
    assert report.rate(field) >= 0.97, report.failures(field)


def test_no_chrome_signoff_or_codes_in_any_body(report):
    assert report.leaks == []


def test_block_kinds(report):
    assert report.block_accuracy() >= 0.97
