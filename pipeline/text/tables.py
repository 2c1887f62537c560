"""Load the engine's rule tables (``pipeline/text/data/*.toml``), once each.

Heuristics live in data so that adding an agency, a kicker or a line of site
chrome is adding a row; the modules that use a table compile it at import.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any


@functools.cache
def load_table(name: str) -> dict[str, Any]:
    """Parsed ``data/<name>.toml`` from the installed package."""
    with resources.files("pipeline.text").joinpath("data", f"{name}.toml").open("rb") as f:
        return tomllib.load(f)
