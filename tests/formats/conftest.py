"""Shared paths: the invented samples, and the IPTC's material in ../shared/formats."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "tests" / "data" / "formats"
SHARED = REPO.parent / "shared" / "formats"


def sample_files() -> list[Path]:
    """The samples (their README.md says what each was written after)."""
    return sorted(p for p in SAMPLES.iterdir() if p.suffix != ".md")


def shared(*parts: str) -> Path:
    """A file of ../shared/formats/, or the test skipped saying what is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the IPTC's schemas and examples live in ../shared/formats")
    return path
