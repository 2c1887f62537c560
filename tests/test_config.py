"""Settings from WIRES_* variables, and the README table that documents them."""

import re
from pathlib import Path

import pytest

from pipeline import config
from pipeline.config import ConfigError, from_env

README = Path(__file__).parents[1] / "README.md"


def test_defaults():
    s = from_env({})
    assert s.broker == "127.0.0.1:9092" and s.partitions == 8
    assert s.metrics_port == 9108 and s.dashboard_port == 8080
    assert s.bootstrap_servers == ["127.0.0.1:9092"]
    assert s.bind == "127.0.0.1"


def test_environment_and_overrides():
    s = from_env({"WIRES_BROKER": "k1:9092, k2:9093", "WIRES_PARTITIONS": "24"}, partitions=12)
    assert s.bootstrap_servers == ["k1:9092", "k2:9093"]
    assert s.partitions == 12


@pytest.mark.parametrize(
    "env, message",
    [
        ({"WIRES_PARTITIONS": "many"}, "WIRES_PARTITIONS='many' is not a number"),
        ({"WIRES_PARTITIONS": "0"}, "WIRES_PARTITIONS must be at least 1"),
        ({"WIRES_BROKER": "localhost"}, "expected host:port"),
        ({"WIRES_METRICS_PORT": "70000"}, "is not a port"),
        ({"WIRES_SECURITY_PROTOCOL": "TLS"}, "WIRES_SECURITY_PROTOCOL must be one of"),
        ({"WIRES_HEARTBEAT_INTERVAL": "15"}, "below WIRES_SESSION_TIMEOUT"),
    ],
)
def test_bad_values_name_the_variable(env, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        from_env(env)


def test_secrets_are_masked():
    s = from_env({"WIRES_SASL_PASSWORD": "hunter2", "WIRES_SASL_USERNAME": "svc"})
    assert s.masked()["sasl_password"] == config.SECRET_MASK
    assert s.masked()["sasl_username"] == "svc"
    assert "hunter2" not in repr(s) and "hunter2" not in str(s.masked())


def test_every_setting_is_a_field_and_documented_in_the_readme():
    fields = {f.name for f in config.Settings.__dataclass_fields__.values()}
    assert {s.env.removeprefix("WIRES_").lower() for s in config.SETTINGS} == fields
    rows = dict(re.findall(r"^\| `(WIRES_[A-Z_]+)` \| `([^`]*)` \|", README.read_text(), re.M))
    assert rows == {s.env: s.default for s in config.SETTINGS}
