"""Files open for writing, as the drop folder asks of /proc (pipeline.writers)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipeline.writers import being_written


def test_a_file_open_for_writing_is_seen_a_reader_or_a_closed_file_is_not(tmp_path: Path) -> None:
    written, read, closed = (tmp_path / n for n in ("written.txt", "read.txt", "closed.txt"))
    for path in (written, read, closed):
        path.write_text("story\n")
    with written.open("a"), read.open("r"):
        assert being_written([written, read, closed]) == {written}
    assert being_written([written, read, closed]) == set()
    assert being_written([]) == set()


def test_another_process_writing_counts(tmp_path: Path) -> None:
    path = tmp_path / "slow.txt"
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import sys,time; f=open({str(path)!r},'w'); f.write('x'); "
            "f.flush(); print('open', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == b"open\n"
        assert being_written([tmp_path / "." / "slow.txt"]) == {tmp_path / "." / "slow.txt"}
    finally:
        writer.communicate(b"", timeout=10)
    assert being_written([path]) == set()


def test_without_proc_nothing_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    with path.open("w"):
        assert being_written([path], proc=tmp_path / "no-proc") == set()
