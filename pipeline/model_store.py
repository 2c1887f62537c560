"""Section models retrained on the stream: where they are kept and which one a worker loads.

``python -m pipeline train --from-stream`` writes each new model as
``WIRES_DATA_DIR/models/<version>.npz`` and then points ``models/current`` at it (one
atomic rename). A worker reads the pointer once, at start (:func:`load_for_worker`): a
retrained model takes effect on the next restart, never in the middle of a stream, and
every event names the version that decided it. ``WIRES_SECTION_MODEL`` names a file
instead (a volume shared by many workers, a model rolled back by hand).
"""

from __future__ import annotations

import logging
from pathlib import Path

from pipeline.config import Settings
from pipeline.text import classifier

log = logging.getLogger(__name__)

CURRENT = "current"


def models_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "models"


def publish(settings: Settings, model_path: Path) -> Path:
    """Make ``model_path`` (inside :func:`models_dir`) the one workers load next."""
    pointer = models_dir(settings) / CURRENT
    partial = pointer.with_suffix(".partial")
    partial.write_text(model_path.name + "\n", encoding="utf-8")
    partial.replace(pointer)
    return pointer


def chosen_path(settings: Settings) -> Path | None:
    """The model file a worker should load: ``WIRES_SECTION_MODEL``, else the current
    one retrained on the stream, else None (the shipped model)."""
    if settings.section_model:
        return Path(settings.section_model)
    pointer = models_dir(settings) / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return models_dir(settings) / name if name else None


def load_for_worker(settings: Settings) -> str:
    """Install the chosen model for this process; returns its version. A chosen file
    that cannot be read is an error: a worker silently on another model would mislabel
    every story while the operator believes the retrain took."""
    path = chosen_path(settings)
    if path is None:
        classifier.install_model(None)
        shipped = classifier.shipped_model()
        return shipped.version if shipped is not None else "none"
    try:
        model = classifier.SectionModel(path)
    except (OSError, ValueError, KeyError) as error:
        raise RuntimeError(f"section model {path} cannot be loaded: {error}") from error
    classifier.install_model(model)
    log.info("section model %s from %s (retrained; not the shipped one)", model.version, path)
    return model.version
