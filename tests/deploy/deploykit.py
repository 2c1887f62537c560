"""Readers for deploy/ and what the application really reads, shared by the deploy tests.

Everything here is plain parsing: no Docker, no cluster, no network. The truth the
deploy files are checked against comes from the package itself: ``pipeline.config``
(settings, topic names), ``pipeline.metrics`` (exported metric names and labels) and
``pipeline.cli`` (commands).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from prometheus_client import CollectorRegistry
from prometheus_client.metrics import MetricWrapperBase

from pipeline import config
from pipeline.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
IMAGE_ENV = DEPLOY / "image.env"
COMPOSE_DIR = DEPLOY / "compose"
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"
COMPOSE_SINGLE = COMPOSE_DIR / "docker-compose.single.yml"
CREATE_TOPICS = COMPOSE_DIR / "create-topics.sh"
K8S_DIR = DEPLOY / "k8s"
PROMETHEUS_YML = DEPLOY / "prometheus" / "prometheus.yml"
ALERTS_YML = DEPLOY / "prometheus" / "alerts.yml"
GRAFANA_DIR = DEPLOY / "grafana"
HEALTHCHECK = DEPLOY / "docker" / "healthcheck.py"

SETTING_NAMES = frozenset(s.env for s in config.SETTINGS)
SECRET_SETTINGS = frozenset(s.env for s in config.SETTINGS if s.secret)
WIRES_VAR = re.compile(r"^WIRES_[A-Z0-9_]+$")


def tool(name: str) -> str | None:
    """An executable installed next to this interpreter (the venv), else on PATH."""
    here = Path(sys.executable).parent / name
    return str(here) if here.is_file() else shutil.which(name)


def image_name() -> str:
    """The one definition of the image name: ``IMAGE=`` in deploy/image.env."""
    found = re.findall(r"^IMAGE=(\S+)\s*$", IMAGE_ENV.read_text(), re.M)
    assert len(found) == 1, f"{IMAGE_ENV}: expected exactly one IMAGE= line, found {found}"
    return found[0]


def yaml_docs(path: Path) -> list[Any]:
    """Every non-empty document of a YAML file."""
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def settings_from(env: Mapping[str, object]) -> Settings:
    """Settings exactly as the app builds them from this environment (validated)."""
    return config.from_env({k: str(v) for k, v in env.items()})


def unknown_wires_vars(names: Iterable[str]) -> list[str]:
    return sorted(n for n in names if n.startswith("WIRES_") and n not in SETTING_NAMES)


def parse_cli(args: list[str]) -> Any:
    """Parse a container's arguments with the real CLI parser (SystemExit on a bad one)."""
    from pipeline.cli import build_parser

    return build_parser().parse_args([str(a) for a in args])


def is_pipeline_image(image: object) -> bool:
    """An image reference that names the pipeline image (any tag)."""
    return isinstance(image, str) and image.rsplit(":", 1)[0] == image_name().rsplit(":", 1)[0]


# -- Dockerfile ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    stage: int  # index of the FROM it belongs to (-1: before the first FROM)
    keyword: str
    args: str
    line: int

    def exec_form(self) -> list[str] | None:
        """The JSON (exec) form of CMD/ENTRYPOINT/HEALTHCHECK CMD arguments, if used."""
        text = self.args
        if self.keyword == "HEALTHCHECK":
            text = re.sub(r"^(--\S+\s+)*CMD\s+", "", text)
        try:
            value = json.loads(text)
        except ValueError:
            return None
        return value if isinstance(value, list) else None


def dockerfile_instructions(path: Path = DOCKERFILE) -> list[Instruction]:
    out: list[Instruction] = []
    stage = -1
    pending = ""
    start = 0
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text = pending + line
        pending = ""
        keyword, _, args = text.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        out.append(Instruction(stage, keyword, args.strip(), start))
    return out


def dockerfile_stages(path: Path = DOCKERFILE) -> list[dict[str, str]]:
    """Each stage's base image (global ARG defaults substituted) and name."""
    instructions = dockerfile_instructions(path)
    args = {}
    for ins in instructions:
        if ins.stage == -1 and ins.keyword == "ARG" and "=" in ins.args:
            key, value = ins.args.split("=", 1)
            args[key.strip()] = value.strip()
    stages = []
    for ins in instructions:
        if ins.keyword != "FROM":
            continue
        words = [w for w in ins.args.split() if not w.startswith("--platform")]
        base = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), words[0])
        name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else ""
        stages.append({"base": base, "name": name})
    return stages


def dockerfile_env(path: Path = DOCKERFILE) -> dict[str, str]:
    """ENV of the final stage (what every container of the image starts with)."""
    instructions = dockerfile_instructions(path)
    final = max(i.stage for i in instructions)
    env: dict[str, str] = {}
    for ins in instructions:
        if ins.stage == final and ins.keyword == "ENV":
            words = shlex.split(ins.args)
            if len(words) == 2 and "=" not in words[0]:  # legacy ENV KEY VALUE
                env[words[0]] = words[1]
                continue
            for word in words:
                key, _, value = word.partition("=")
                env[key] = value
    return env


def image_user(path: Path = DOCKERFILE) -> str:
    instructions = dockerfile_instructions(path)
    final = max(i.stage for i in instructions)
    users = [i.args for i in instructions if i.stage == final and i.keyword == "USER"]
    return users[-1] if users else "root"


# -- .dockerignore (Docker's matching: last matching pattern wins, parents count) ---------


def _dockerignore_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
            continue
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[":
            end = pattern.find("]", i)
            out += pattern[i : end + 1].replace("[!", "[^") if end > i else re.escape(c)
            i = end if end > i else i
        else:
            out += re.escape(c)
        i += 1
    return re.compile(out + r"\Z")


def dockerignore_rules(path: Path = DOCKERIGNORE) -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line[1:].strip() if negated else line
        pattern = pattern.strip("/")
        pattern = re.sub(r"/+", "/", pattern)
        rules.append((negated, _dockerignore_regex(pattern)))
    return rules


def dockerignored(relpath: str, rules: list[tuple[bool, re.Pattern[str]]] | None = None) -> bool:
    """True when .dockerignore keeps ``relpath`` out of the build context."""
    rules = dockerignore_rules() if rules is None else rules
    parts = relpath.strip("/").split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for negated, regex in rules:
        if any(regex.match(c) for c in candidates):
            excluded = not negated
    return excluded


# -- Compose ------------------------------------------------------------------------------

_INTERPOLATION = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)")


def interpolate(value: object, environ: Mapping[str, str] | None = None) -> object:
    """Compose variable interpolation with an empty environment: defaults apply."""
    if not isinstance(value, str):
        return value
    environ = environ or {}

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(4)
        op, default = m.group(2), m.group(3) or ""
        current = environ.get(name)
        if op in (":-", "-"):
            if current is None or (op == ":-" and current == ""):
                return default
            return current
        if op in (":?", "?"):
            assert current, f"${{{name}}} is required: {default}"
        return current or ""

    return _INTERPOLATION.sub(sub, value)


def _env_mapping(env: object) -> dict[str, object]:
    if env is None:
        return {}
    if isinstance(env, list):
        pairs = (str(e).split("=", 1) for e in env)
        return {p[0]: (p[1] if len(p) > 1 else None) for p in pairs}
    return dict(env)


def _merge(base: object, override: object) -> object:
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = _merge(base[key], value) if key in base else value
        return out
    return override


def compose_project(shape: str) -> dict[str, Any]:
    """The compose model for a shape: "cluster" (docker-compose.yml) or "single" (+ override)."""
    files = [COMPOSE_FILE] + ([COMPOSE_SINGLE] if shape == "single" else [])
    model: dict[str, Any] = {}
    for path in files:
        doc = yaml.safe_load(path.read_text())
        for service in doc.get("services", {}).values():
            if "environment" in service:
                service["environment"] = _env_mapping(service["environment"])
        model = _merge(model, doc)  # type: ignore[assignment]
    return model


def active_services(model: Mapping[str, Any], profiles: Iterable[str] = ()) -> dict[str, Any]:
    """Services `docker compose up` starts with these profiles enabled."""
    enabled = set(profiles)
    return {
        name: svc
        for name, svc in model["services"].items()
        if not svc.get("profiles") or enabled & set(svc["profiles"])
    }


def service_env(service: Mapping[str, Any]) -> dict[str, str]:
    """Environment a compose service's process sees (image ENV for the pipeline image)."""
    env: dict[str, str] = {}
    if is_pipeline_image(service.get("image")):
        env.update(dockerfile_env())
    for key, raw in _env_mapping(service.get("environment")).items():
        value = interpolate(raw)
        if value is None:
            env[key] = ""
        elif isinstance(value, bool):
            env[key] = str(value).lower()
        else:
            env[key] = str(value)
    return env


def topic_table() -> dict[str, tuple[int, int, str]]:
    """create-topics.sh's table: topic -> (retention.ms, max.message.bytes, cleanup.policy)."""
    body = re.search(r"<<EOF\n(.*?)\nEOF", CREATE_TOPICS.read_text(), re.S)
    assert body, f"{CREATE_TOPICS}: topic table (here-document) not found"
    rows = [line.split() for line in body.group(1).splitlines() if line.strip()]
    return {name: (int(retention), int(size), cleanup) for name, retention, size, cleanup in rows}


# -- Kubernetes ----------------------------------------------------------------------------


def k8s_files() -> list[Path]:
    return sorted(p for p in K8S_DIR.rglob("*") if p.suffix in (".yaml", ".yml"))


def k8s_resources() -> list[tuple[Path, dict[str, Any]]]:
    """Every Kubernetes resource under deploy/k8s (the kustomization file excluded)."""
    return [
        (path, doc)
        for path in k8s_files()
        if path.name != "kustomization.yaml"
        for doc in yaml_docs(path)
    ]


def k8s_find(kind: str, name: str | None = None) -> list[dict[str, Any]]:
    return [
        doc
        for _, doc in k8s_resources()
        if doc.get("kind") == kind and (name is None or doc["metadata"]["name"] == name)
    ]


def pod_spec(doc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    if doc.get("kind") in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        return doc["spec"]["template"]["spec"]
    if doc.get("kind") == "Pod":
        return doc["spec"]
    return None


def container_env(container: Mapping[str, Any]) -> dict[str, str]:
    """Environment of a k8s container: image ENV, then envFrom ConfigMaps, then env values."""
    env: dict[str, str] = {}
    if is_pipeline_image(container.get("image")):
        env.update(dockerfile_env())
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            maps = k8s_find("ConfigMap", source["configMapRef"]["name"])
            assert maps, f"envFrom names ConfigMap {source['configMapRef']['name']!r}: not found"
            env.update({k: str(v) for k, v in maps[0].get("data", {}).items()})
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
    return env


# -- Prometheus metrics and PromQL ----------------------------------------------------------

# Series Prometheus itself creates for every target or rule (not exported by the app).
PROMETHEUS_BUILTINS: dict[str, frozenset[str]] = {
    "up": frozenset(),
    "scrape_duration_seconds": frozenset(),
    "scrape_samples_scraped": frozenset(),
    "scrape_samples_post_metric_relabeling": frozenset(),
    "scrape_series_added": frozenset(),
    "ALERTS": frozenset({"alertname", "alertstate"}),
}
# Labels Prometheus attaches to every scraped series.
TARGET_LABELS = frozenset({"job", "instance"})

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "info": ("_info",),
    "stateset": ("",),
    "enum": ("",),
    "gaugehistogram": ("_bucket", "_gsum", "_gcount"),
    "unknown": ("",),
}


@cache
def exported_metrics() -> dict[str, frozenset[str]]:
    """Every series name a worker exposes on /metrics -> its label names.

    Built from a real :class:`PipelineMetrics`: counters appear as ``NAME_total``,
    histograms as ``NAME_bucket`` (plus ``le``), ``_sum`` and ``_count``, the Info as
    ``NAME_info``. Families with labels but no samples yet still count.
    """
    from pipeline.metrics import PipelineMetrics

    registry = CollectorRegistry()
    metrics = PipelineMetrics(registry, worker="w", group="g")
    declared = {
        m._name: set(m._labelnames)  # the label names each metric was declared with
        for m in vars(metrics).values()
        if isinstance(m, MetricWrapperBase)
    }
    out: dict[str, set[str]] = {}
    for family in registry.collect():
        labels = set(declared.get(family.name, ()))
        for sample in family.samples:
            labels |= set(sample.labels) - {"le", "quantile"}
        for suffix in _SUFFIXES.get(family.type, ("",)):
            extra = {"le"} if suffix == "_bucket" else set()
            extra |= {"quantile"} if family.type == "summary" and suffix == "" else set()
            out.setdefault(family.name + suffix, set()).update(labels | extra)
        for sample in family.samples:
            out.setdefault(sample.name, set()).update(set(sample.labels))
    return {name: frozenset(labels) for name, labels in out.items()}


def known_series() -> dict[str, frozenset[str]]:
    return {**PROMETHEUS_BUILTINS, **exported_metrics()}


_GRAFANA_VAR = re.compile(r"\$(?:\{[^}]*\}|\w+)")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_SELECTOR = re.compile(r"(?<![\w:.])([A-Za-z_:][\w:]*)?\s*\{([^{}]*)\}")
_MATCHER = re.compile(r"([A-Za-z_]\w*)\s*(?:=~|!~|!=|=)")
_GROUPING = re.compile(
    r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^()]*)\)", re.IGNORECASE
)
_RANGE = re.compile(r"\[[^\[\]]*\]")
_OFFSET = re.compile(r"\boffset\s+-?[\dsmhdwy]+|@\s*[\w.()]+", re.IGNORECASE)
_IDENTIFIER = re.compile(r"(?<![\w:.])([A-Za-z_:][\w:]*)(?![\w:])(?!\s*\()")
_KEYWORDS = frozenset(
    {
        "and",
        "or",
        "unless",
        "bool",
        "inf",
        "nan",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "offset",
    }
)


@dataclass
class PromQL:
    """What a PromQL expression refers to: series (with matcher labels) and grouping labels."""

    series: list[tuple[str, frozenset[str]]] = field(default_factory=list)
    grouping: set[str] = field(default_factory=set)

    @property
    def names(self) -> set[str]:
        return {name for name, _ in self.series}


def parse_promql(expr: str) -> PromQL:
    """Series names and labels in ``expr``, ignoring functions, keywords, numbers, strings,
    durations and Grafana variables. Good enough for the expressions deploy/ uses; not a
    full parser (a selector without a metric name is reported as ``{}``)."""
    found = PromQL()
    text = _GRAFANA_VAR.sub("1m", expr)
    text = _STRING.sub('""', text)

    def selector(m: re.Match[str]) -> str:
        labels = frozenset(_MATCHER.findall(m.group(2)))
        found.series.append((m.group(1) or "{}", labels))
        return " "

    text = _SELECTOR.sub(selector, text)

    def grouping(m: re.Match[str]) -> str:
        found.grouping.update(x.strip() for x in m.group(2).split(",") if x.strip())
        return " "

    text = _GROUPING.sub(grouping, text)
    text = _RANGE.sub(" ", text)
    text = _OFFSET.sub(" ", text)
    text = _STRING.sub(" ", text)
    for name in _IDENTIFIER.findall(text):
        if name.lower() not in _KEYWORDS:
            found.series.append((name, frozenset()))
    return found


def promql_problems(expr: str) -> list[str]:
    """Why ``expr`` does not fit what the worker exports (empty list: it does)."""
    known = known_series()
    parsed = parse_promql(expr)
    problems = []
    if not parsed.series:
        problems.append("refers to no metric")
    available = set(TARGET_LABELS)
    for name, matcher_labels in parsed.series:
        if name not in known:
            problems.append(f"metric {name!r} is not exported by PipelineMetrics")
            continue
        labels = known[name] | TARGET_LABELS | {"__name__"}
        available |= labels
        for label in sorted(matcher_labels - labels):
            problems.append(f"{name} has no label {label!r} (it has {sorted(known[name])})")
    for label in sorted(parsed.grouping - available):
        problems.append(f"grouping label {label!r} is on none of {sorted(parsed.names)}")
    return problems


def duration_seconds(text: str) -> float:
    """A Prometheus duration (``10m``, ``1h30m``) in seconds."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    parts = re.findall(r"(\d+)(ms|s|m|h|d|w|y)", text)
    assert parts and "".join(a + b for a, b in parts) == text, f"bad duration {text!r}"
    return sum(int(n) * units[u] for n, u in parts)


def load_module(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
