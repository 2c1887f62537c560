"""One ``run`` per data directory, and where the other commands find it.

A second ``run`` on the same directory would share its inbox, logs and broker data:
a lock (``run.lock``, held for the life of the run) refuses it, naming the first.
``run.json`` beside it says where the running pipeline listens, so ``tail``, ``feed``
and the rest work without ``--broker`` while it runs, whatever port its broker got.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

import orjson

LOCK_NAME = "run.lock"
STATE_NAME = "run.json"


class AlreadyRunning(RuntimeError):
    """Another ``run`` holds the data directory."""


@dataclass(frozen=True, slots=True)
class RunState:
    pid: int
    broker: str
    dashboard: str
    metrics: str


def lock(data_dir: str | Path) -> IO[bytes]:
    """Hold the directory's run lock (released when the returned file is closed, or
    when the process ends, however it ends)."""
    directory = Path(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    handle = (directory / LOCK_NAME).open("ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        state = read(directory, live_only=False)
        who = f" (pid {state.pid}, dashboard {state.dashboard})" if state else ""
        raise AlreadyRunning(
            f"another `run` is using {directory}/{who}: stop it (Ctrl-C in its terminal"
            f"{f', or kill {state.pid}' if state else ''}), or give this one its own "
            "directory with WIRES_DATA_DIR"
        ) from None
    return handle


def write(data_dir: str | Path, state: RunState) -> Path:
    path = Path(data_dir) / STATE_NAME
    partial = path.with_suffix(".partial")
    partial.write_bytes(orjson.dumps(asdict(state), option=orjson.OPT_INDENT_2))
    partial.replace(path)
    return path


def remove(data_dir: str | Path) -> None:
    (Path(data_dir) / STATE_NAME).unlink(missing_ok=True)


def read(data_dir: str | Path, *, live_only: bool = True) -> RunState | None:
    """The state of the run on ``data_dir``; None when there is none (or, with
    ``live_only``, when its process is gone: a run killed with SIGKILL leaves its file)."""
    try:
        raw = orjson.loads((Path(data_dir) / STATE_NAME).read_bytes())
        state = RunState(**{name: raw[name] for name in RunState.__dataclass_fields__})
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return None
    if live_only and not _alive(state.pid):
        return None
    return state


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
