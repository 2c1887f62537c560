"""Shared test fixtures. Data lives in tests/data so a plain clone runs every test."""

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA
