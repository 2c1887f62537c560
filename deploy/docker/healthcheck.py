"""Container health check of the wires image: probe what the running command serves.

    worker     GET http://127.0.0.1:$WIRES_METRICS_PORT/metrics   (healthy if the port is 0: off)
    dashboard  GET http://127.0.0.1:$WIRES_DASHBOARD_PORT/healthz
    others     (feed, tail, enrich, ...) healthy while the process runs

The command is read from PID 1's command line (the image's ENTRYPOINT is ``wires``), or
given as the first argument: ``python healthcheck.py worker``. Exit 0 healthy, 1 not.
Standard library only: it runs with the image's Python and nothing else.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from collections.abc import Mapping, Sequence

# command -> (port variable, its default, path). Defaults mirror pipeline/config.py.
PROBES: dict[str, tuple[str, str, str]] = {
    "worker": ("WIRES_METRICS_PORT", "9108", "/metrics"),
    "dashboard": ("WIRES_DASHBOARD_PORT", "8080", "/healthz"),
}
_ANY_ADDRESS = {"", "0.0.0.0", "::", "[::]"}


def command_of(argv: Sequence[str]) -> str | None:
    """The wires command in a command line (``wires worker``, ``python -m pipeline feed``)."""
    for i, arg in enumerate(argv):
        launcher = os.path.basename(arg) == "wires" or (
            arg == "pipeline" and i > 0 and argv[i - 1] == "-m"
        )
        if launcher:
            rest = [a for a in argv[i + 1 :] if not a.startswith("-")]
            return rest[0] if rest else None
    return None


def probe_url(command: str | None, environ: Mapping[str, str]) -> str | None:
    """The URL to probe for ``command``, or None when there is nothing to probe."""
    if command not in PROBES:
        return None
    port_var, default, path = PROBES[command]
    port = environ.get(port_var, default).strip() or default
    if port == "0":
        return None
    bind = environ.get("WIRES_BIND", "").strip()
    host = "127.0.0.1" if bind in _ANY_ADDRESS else bind
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}{path}"


def pid1_argv() -> list[str]:
    try:
        with open("/proc/1/cmdline", "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else command_of(pid1_argv())
    url = probe_url(command, os.environ if environ is None else environ)
    if url is None:
        return 0
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            ok = 200 <= response.status < 300
    except OSError as error:
        print(f"unhealthy: {url}: {error}", file=sys.stderr)
        return 1
    if not ok:
        print(f"unhealthy: {url}: HTTP {response.status}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
