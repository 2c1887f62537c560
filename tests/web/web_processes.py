"""Child processes for the dashboard tests: ``python -m pipeline ARGS`` with a log file."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from pipeline import launcher


class Child(launcher.Child):
    """``python -m pipeline ARGS`` in its own session (as ``run`` starts them), output
    to a log file the test can wait on."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.log_path = log_dir / f"{name}-{time.monotonic_ns()}.log"
        super().__init__(name, args, {**os.environ, **env}, self.log_path)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """The first match of ``pattern`` in the output; fails if the child dies first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.output())
            if match:
                return match
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(
            f"{self.name}: no {pattern!r} within {timeout} s "
            f"(exit code {self.proc.poll()}):\n{self.output()[-3000:]}"
        )

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it lingers; returns the exit code."""
        super().stop()
        return self.proc.returncode
