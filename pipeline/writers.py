"""Whether a process still has a file open for writing (Linux ``/proc``), so a drop
folder does not read a story a slow writer has not finished.

Best effort: only processes this user may inspect are seen (all of them as root),
and on a system without ``/proc`` nothing is ever reported open; the drop folder's
settle time and size checks remain the rule there.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

PROC = Path("/proc")
_WRITE_MODES = os.O_WRONLY | os.O_RDWR


def being_written(paths: Iterable[Path], *, proc: Path = PROC) -> set[Path]:
    """Those of ``paths`` that some process has open for writing (or read-write)."""
    wanted = {os.path.realpath(p): Path(p) for p in paths}
    found: set[Path] = set()
    if not wanted or not proc.is_dir():
        return found
    for pid in os.listdir(proc):
        if not pid.isdigit():
            continue
        fd_dir = proc / pid / "fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:  # gone, or not ours to look at
            continue
        for fd in fds:
            try:
                target = os.readlink(fd_dir / fd)
            except OSError:
                continue
            if target in wanted and _writing(proc / pid / "fdinfo" / fd):
                found.add(wanted[target])
        if len(found) == len(wanted):
            break
    return found


def _writing(fdinfo: Path) -> bool:
    try:
        for line in fdinfo.read_text().splitlines():
            if line.startswith("flags:"):
                return bool(int(line.split()[1], 8) & _WRITE_MODES)
    except (OSError, ValueError, IndexError):
        pass
    return False
