"""Settings for every part of the pipeline, read once from ``WIRES_*`` variables.

This is the only module that reads ``os.environ``. Everything else receives a
frozen :class:`Settings` and never looks at the environment itself, so tests
build settings explicitly and two workers in one process cannot disagree.
The table in README.md ("Configuration") lists the same variables; a test
keeps the two in step.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

TOPIC_RAW = "wires.raw"
# Enriched stories keyed by story id, before versioning (internal to the workers).
TOPIC_ENRICHED = "wires.enriched"
TOPIC_DEADLETTER = "wires.deadletter"
TOPIC_NINJS = "wires.ninjs"  # every enriched story as IPTC ninjs 2.2, same key

SECRET_MASK = "********"


class ConfigError(ValueError):
    """A ``WIRES_*`` variable holds a value the pipeline cannot use."""


@dataclass(frozen=True, slots=True)
class Setting:
    """One documented environment variable: name, default and meaning."""

    env: str
    default: str
    help: str
    secret: bool = False


# The contract other tools rely on. Order is the order of the README table.
SETTINGS: tuple[Setting, ...] = (
    Setting("WIRES_BROKER", "127.0.0.1:9092", "Kafka bootstrap servers, `host:port[,host:port]`."),
    Setting("WIRES_PARTITIONS", "8", "Partitions for topics the worker creates."),
    Setting("WIRES_REPLICATION", "1", "Replication factor for topics the worker creates."),
    Setting("WIRES_METRICS_PORT", "9108", "Port of the Prometheus `/metrics` endpoint (0: off)."),
    Setting("WIRES_DASHBOARD_PORT", "8080", "Port of the live web dashboard."),
    Setting("WIRES_INGEST_PORT", "8081", "Port of the HTTP ingest endpoint."),
    Setting("WIRES_BIND", "127.0.0.1", "Address the web servers bind to (loopback by default)."),
    Setting("WIRES_GROUP", "wires-enricher", "Consumer group (Faust app id) of the workers."),
    Setting("WIRES_DATA_DIR", ".wires", "Directory for worker state (Faust data dir)."),
    Setting("WIRES_SESSION_TIMEOUT", "10.0", "Group session timeout, seconds (Kafka: 6 or more)."),
    Setting("WIRES_HEARTBEAT_INTERVAL", "1.0", "Group heartbeat interval, seconds."),
    Setting("WIRES_REBALANCE_TIMEOUT", "10.0", "Group rebalance timeout, seconds."),
    Setting("WIRES_COMMIT_INTERVAL", "1.0", "Seconds between offset commits."),
    Setting(
        "WIRES_BROKER_KIND",
        "kafka",
        "`kafka`, or `tansu`: Tansu's workarounds on, idempotent producers off.",
    ),
    Setting("WIRES_MAX_STORY_BYTES", "1048576", "Largest raw story accepted, bytes."),
    Setting("WIRES_MAX_STORY_LINES", "5000", "Most lines a raw story may have."),
    Setting(
        "WIRES_VERSIONS_TTL",
        "604800",
        "Seconds a story's versions are remembered after it was last seen (7 days).",
    ),
    Setting(
        "WIRES_INGEST_TOKENS",
        "",
        "HTTP ingest bearer tokens, `feed:token[,feed:token]`; each token names its feed.",
        secret=True,
    ),
    Setting("WIRES_INGEST_RATE", "50", "HTTP ingest stories per second allowed per token."),
    Setting("WIRES_INGEST_BURST", "200", "HTTP ingest burst above the rate per token."),
    Setting(
        "WIRES_INGEST_BODY_TIMEOUT",
        "30",
        "Seconds a client has to send a request body to the ingest (then 408).",
    ),
    Setting(
        "WIRES_INGEST_MAX_REQUESTS",
        "64",
        "Requests the ingest serves at once; more are answered 503 with Retry-After.",
    ),
    Setting("WIRES_SECURITY_PROTOCOL", "PLAINTEXT", "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL."),
    Setting("WIRES_SASL_MECHANISM", "", "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512."),
    Setting("WIRES_SASL_USERNAME", "", "SASL user name."),
    Setting("WIRES_SASL_PASSWORD", "", "SASL password.", secret=True),
    Setting("WIRES_SSL_CAFILE", "", "CA bundle to verify the brokers' certificates."),
    Setting("WIRES_LOG_LEVEL", "info", "Log level: debug, info, warning, error."),
)

_BY_ENV = {s.env: s for s in SETTINGS}


@dataclass(frozen=True, slots=True)
class Settings:
    """Validated settings; build with :func:`from_env` or directly in tests."""

    broker: str = "127.0.0.1:9092"
    partitions: int = 8
    replication: int = 1
    metrics_port: int = 9108
    dashboard_port: int = 8080
    ingest_port: int = 8081
    bind: str = "127.0.0.1"
    group: str = "wires-enricher"
    data_dir: str = ".wires"
    session_timeout: float = 10.0
    heartbeat_interval: float = 1.0
    rebalance_timeout: float = 10.0
    commit_interval: float = 1.0
    broker_kind: str = "kafka"
    max_story_bytes: int = 1_048_576
    max_story_lines: int = 5000
    versions_ttl: float = 604_800.0
    ingest_tokens: str = field(default="", repr=False)
    ingest_rate: float = 50.0
    ingest_burst: int = 200
    ingest_body_timeout: float = 30.0
    ingest_max_requests: int = 64
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str = ""
    sasl_username: str = ""
    sasl_password: str = field(default="", repr=False)
    ssl_cafile: str = ""
    log_level: str = "info"

    @property
    def ingest_feeds(self) -> dict[str, str]:
        """``WIRES_INGEST_TOKENS`` as token -> feed name."""
        return {token: feed for feed, token in _token_entries(self.ingest_tokens)}

    @property
    def tansu(self) -> bool:
        """True for the memory-only Tansu broker (``WIRES_BROKER_KIND=tansu``)."""
        return self.broker_kind == "tansu"

    @property
    def idempotent(self) -> bool:
        """Idempotent producers: everywhere but on Tansu, which lacks InitProducerId."""
        return not self.tansu

    @property
    def bootstrap_servers(self) -> list[str]:
        """``WIRES_BROKER`` split into the list Kafka clients take."""
        return [s.strip() for s in self.broker.split(",") if s.strip()]

    def masked(self) -> dict[str, object]:
        """Settings as a dict with secrets masked: safe to log or print."""
        out: dict[str, object] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            secret = _BY_ENV[_env_name(f.name)].secret
            out[f.name] = SECRET_MASK if secret and value else value
        return out

    def kafka_python_security(self) -> dict[str, object]:
        """Security keyword arguments for kafka-python clients."""
        kw: dict[str, object] = {"security_protocol": self.security_protocol}
        if self.sasl_mechanism:
            kw.update(
                sasl_mechanism=self.sasl_mechanism,
                sasl_plain_username=self.sasl_username,
                sasl_plain_password=self.sasl_password,
            )
        if self.ssl_cafile:
            kw["ssl_cafile"] = self.ssl_cafile
        return kw


def _token_entries(tokens: str) -> list[tuple[str, str]]:
    """``feed:token[,feed:token]`` as (feed, token) pairs; an entry without ``:`` has
    an empty feed (and fails validation)."""
    entries = []
    for item in filter(str.strip, tokens.split(",")):
        feed, sep, token = item.strip().partition(":")
        entries.append((feed.strip() if sep else "", token.strip()))
    return entries


def _env_name(field_name: str) -> str:
    return "WIRES_" + field_name.upper()


_PROTOCOLS = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}
_MECHANISMS = {"", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}
_LOG_LEVELS = {"debug", "info", "warning", "error"}


def from_env(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read ``WIRES_*`` variables (default: ``os.environ``) into :class:`Settings`.

    Keyword ``overrides`` win over the environment (command-line options use them).
    Raises :class:`ConfigError` naming the variable when a value is unusable.
    """
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for f in dataclasses.fields(Settings):
        name = _env_name(f.name)
        raw = env.get(name, _BY_ENV[name].default)
        values[f.name] = _convert(name, raw, f.type)
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)  # type: ignore[arg-type]
    _validate(settings)
    return settings


def _convert(name: str, raw: str, type_name: object) -> object:
    raw = raw.strip()
    try:
        if type_name in ("int", int):
            return int(raw)
        if type_name in ("float", float):
            return float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    return raw


def _validate(s: Settings) -> None:
    if not s.bootstrap_servers or any(":" not in b for b in s.bootstrap_servers):
        raise ConfigError(f"WIRES_BROKER={s.broker!r}: expected host:port[,host:port]")
    if s.partitions < 1:
        raise ConfigError("WIRES_PARTITIONS must be at least 1")
    if s.replication < 1:
        raise ConfigError("WIRES_REPLICATION must be at least 1")
    for name in ("metrics_port", "dashboard_port", "ingest_port"):
        port = getattr(s, name)
        if not 0 <= port <= 65535:
            raise ConfigError(f"{_env_name(name)}={port} is not a port")
    if s.heartbeat_interval >= s.session_timeout:
        raise ConfigError("WIRES_HEARTBEAT_INTERVAL must be below WIRES_SESSION_TIMEOUT")
    if s.security_protocol not in _PROTOCOLS:
        raise ConfigError(f"WIRES_SECURITY_PROTOCOL must be one of {sorted(_PROTOCOLS)}")
    if s.sasl_mechanism not in _MECHANISMS:
        raise ConfigError(f"WIRES_SASL_MECHANISM must be one of {sorted(_MECHANISMS - {''})}")
    if s.log_level not in _LOG_LEVELS:
        raise ConfigError(f"WIRES_LOG_LEVEL must be one of {sorted(_LOG_LEVELS)}")
    if s.max_story_bytes < 1 or s.max_story_lines < 1:
        raise ConfigError("WIRES_MAX_STORY_BYTES and WIRES_MAX_STORY_LINES must be positive")
    for feed, token in _token_entries(s.ingest_tokens):
        if not feed or len(token) < 16:
            raise ConfigError(
                "WIRES_INGEST_TOKENS: each entry must be feed:token with a token of 16+ "
                "characters (the entry is not shown: it holds a secret)"
            )
    if s.broker_kind not in ("kafka", "tansu"):
        raise ConfigError("WIRES_BROKER_KIND must be kafka or tansu")
    if s.versions_ttl <= 0:
        raise ConfigError("WIRES_VERSIONS_TTL must be positive")
    if s.ingest_rate <= 0 or s.ingest_burst < 1:
        raise ConfigError("WIRES_INGEST_RATE and WIRES_INGEST_BURST must be positive")
    if s.ingest_body_timeout <= 0 or s.ingest_max_requests < 1:
        raise ConfigError(
            "WIRES_INGEST_BODY_TIMEOUT and WIRES_INGEST_MAX_REQUESTS must be positive"
        )
