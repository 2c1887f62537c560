"""The engine against gold readings: the dev corpus, the seed and our own extra stories.

Thresholds are the acceptance criteria; `make eval` prints the same figures.
"""

import pytest

from pipeline.evaluation import gold_pairs, score_reading


@pytest.fixture(scope="module")
def report(data_dir):
    pairs = []
    for folder in ("corpus", "seed", "extra"):
        pairs += gold_pairs(data_dir / folder)
    assert len(pairs) >= 47
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
