"""deploy/k8s: manifests against the Kubernetes schemas and what the app reads."""

import pytest
import yaml
from deploykit import (
    K8S_DIR,
    PROMETHEUS_YML,
    SECRET_SETTINGS,
    SETTING_NAMES,
    container_env,
    image_name,
    image_user,
    is_pipeline_image,
    k8s_files,
    k8s_find,
    k8s_resources,
    parse_cli,
    pod_spec,
    settings_from,
    topic_table,
    unknown_wires_vars,
    yaml_docs,
)

from pipeline.config import TOPIC_RAW, Settings
from pipeline.topics import pipeline_topics

CORE_GROUPS = ("v1", "apps/v1", "batch/v1", "policy/v1", "networking.k8s.io/v1")


def workloads():
    """(resource, container) for every container of every workload under deploy/k8s."""
    for _, doc in k8s_resources():
        spec = pod_spec(doc)
        if spec:
            for container in spec["containers"]:
                yield doc, container


def pipeline_containers():
    return [(d, c) for d, c in workloads() if is_pipeline_image(c["image"])]


def worker_settings():
    (deployment,) = k8s_find("Deployment", "wires-worker")
    (container,) = pod_spec(deployment)["containers"]
    return settings_from(container_env(container))


def kafka_topics():
    return {t["spec"].get("topicName", t["metadata"]["name"]): t for t in k8s_find("KafkaTopic")}


# -- files and schemas ---------------------------------------------------------------------


def test_every_file_parses_into_named_resources():
    assert k8s_files()
    for path, doc in k8s_resources():
        assert {"apiVersion", "kind", "metadata"} <= set(doc), path
        assert doc["metadata"].get("name"), path


@pytest.mark.parametrize(
    "path, index, doc",
    [
        pytest.param(p, i, d, id=f"{p.relative_to(K8S_DIR)}#{i}")
        for p in k8s_files()
        if p.name != "kustomization.yaml"
        for i, d in enumerate(yaml_docs(p))
        if d.get("apiVersion") in CORE_GROUPS
    ],
)
def test_core_resources_match_the_kubernetes_schema(path, index, doc):
    kubernetes_validate = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate not installed (dev extra)"
    )
    kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)


def test_kustomization_lists_every_manifest_but_templates_and_optional_ones():
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    for name in listed:
        assert (K8S_DIR / name).is_file(), name
    top_level = {p.name for p in K8S_DIR.glob("*.yaml")} - {"kustomization.yaml"}
    templates = {n for n in top_level if ".example." in n}
    assert listed == top_level - templates
    for template in templates:
        kinds = {d["kind"] for d in yaml_docs(K8S_DIR / template)}
        assert kinds == {"Secret"}, "only secrets are kept out of the kustomization"


# -- configuration -------------------------------------------------------------------------


def test_configmap_holds_known_non_secret_settings_only():
    for cm in k8s_find("ConfigMap"):
        data = cm.get("data", {})
        assert unknown_wires_vars(data) == [], cm["metadata"]["name"]
        leaked = sorted(set(data) & SECRET_SETTINGS)
        assert not leaked, f"{leaked} are secrets: put them in the Secret"


def test_secret_template_holds_settings_and_containers_read_it():
    (secret,) = k8s_find("Secret")
    keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    assert keys <= SETTING_NAMES and keys & SECRET_SETTINGS, keys
    name = secret["metadata"]["name"]
    for doc, container in pipeline_containers():
        refs = [s["secretRef"] for s in container.get("envFrom", []) if "secretRef" in s]
        assert any(r["name"] == name for r in refs), f"{doc['metadata']['name']} ignores {name}"
        for item in container.get("env", []):
            assert item["name"] not in SECRET_SETTINGS or "valueFrom" in item, item["name"]


def test_containers_have_valid_settings_bound_to_all_interfaces():
    assert pipeline_containers()
    for doc, container in pipeline_containers():
        env = container_env(container)
        assert unknown_wires_vars(env) == []
        settings = settings_from(env)
        assert settings.bind == "0.0.0.0", doc["metadata"]["name"]
        assert settings.session_timeout >= 6, "Kafka's group.min.session.timeout.ms is 6 s"


def test_sasl_and_tls_settings_are_documented_in_the_configmap():
    text = (K8S_DIR / "configmap.yaml").read_text()
    for name in (
        "WIRES_SECURITY_PROTOCOL",
        "WIRES_SASL_MECHANISM",
        "WIRES_SASL_USERNAME",
        "WIRES_SSL_CAFILE",
    ):
        assert name in text, f"{name}: show it (commented examples are fine)"
    assert "WIRES_SASL_PASSWORD" in (K8S_DIR / "secret.example.yaml").read_text()


# -- workloads -----------------------------------------------------------------------------


def test_containers_use_the_image_and_real_commands():
    for doc, container in pipeline_containers():
        where = doc["metadata"]["name"]
        assert container["image"] == image_name(), where
        parse_cli(container.get("args", []))
        assert "command" not in container, f"{where}: keep the image's ENTRYPOINT (wires)"
    (worker,) = k8s_find("Deployment", "wires-worker")
    assert pod_spec(worker)["containers"][0]["args"][0] == "worker"
    (dashboard,) = k8s_find("Deployment", "wires-dashboard")
    assert pod_spec(dashboard)["containers"][0]["args"][0] == "dashboard"


def test_ports_and_probes_match_the_settings():
    for doc, container in pipeline_containers():
        settings = settings_from(container_env(container))
        ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
        command = container["args"][0]
        if command == "worker":
            assert ports == {"metrics": settings.metrics_port}
            annotations = doc["spec"]["template"]["metadata"].get("annotations", {})
            assert annotations.get("prometheus.io/port") == str(settings.metrics_port)
            assert annotations.get("prometheus.io/path") == "/metrics"
        if command == "dashboard":
            assert ports == {"http": settings.dashboard_port}
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            get = container.get(probe, {}).get("httpGet")
            if get:
                assert get["port"] in ports or get["port"] in ports.values(), probe
                expected = "/healthz"  # a worker's liveness follows its event loop
                if command == "worker" and probe != "livenessProbe":
                    expected = "/metrics"  # served once the broker and topics are there
                if command == "dashboard" and probe == "readinessProbe":
                    expected = "/readyz"  # 503 while its broker is not connected
                assert get["path"] == expected, f"{command} {probe}"


def test_pods_run_as_the_image_user_with_a_writable_data_dir():
    uid = int(image_user().split(":")[0])
    for doc, container in pipeline_containers():
        pod = pod_spec(doc)["securityContext"]
        assert pod["runAsNonRoot"] is True and pod["runAsUser"] == uid
        ctx = container["securityContext"]
        assert ctx["allowPrivilegeEscalation"] is False
        if ctx.get("readOnlyRootFilesystem"):
            mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
            settings = settings_from(container_env(container))
            if container["args"][0] == "worker":
                assert settings.data_dir in mounts, "WIRES_DATA_DIR must be writable"
            assert "/tmp" in mounts


def test_services_select_pods_and_named_ports():
    for service in k8s_find("Service"):
        selector = service["spec"]["selector"]
        matches = [
            d
            for d in k8s_find("Deployment")
            if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(matches) == 1, f"Service {service['metadata']['name']} selects {len(matches)}"
        names = {p["name"] for c in pod_spec(matches[0])["containers"] for p in c["ports"]}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in names, port


def test_deployment_selectors_match_their_pods():
    for deployment in k8s_find("Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()


# -- scaling on lag ------------------------------------------------------------------------


def test_keda_scales_the_worker_on_its_own_consumer_group():
    (scaled,) = k8s_find("ScaledObject")
    spec = scaled["spec"]
    assert spec["scaleTargetRef"]["name"] == "wires-worker"
    (worker,) = k8s_find("Deployment", "wires-worker")
    assert "replicas" not in worker["spec"], "KEDA owns the replica count; apply would reset it"
    (trigger,) = spec["triggers"]
    meta = trigger["metadata"]
    settings = worker_settings()
    assert trigger["type"] == "kafka"
    assert meta["consumerGroup"] == settings.group, "KEDA must read the workers' group lag"
    assert meta["topic"] == TOPIC_RAW
    assert meta["bootstrapServers"].split(",") == settings.bootstrap_servers
    assert int(meta["lagThreshold"]) > 0
    assert meta.get("allowIdleConsumers", "false") == "false"


def test_max_replicas_equal_partitions():
    (scaled,) = k8s_find("ScaledObject")
    partitions = kafka_topics()[TOPIC_RAW]["spec"]["partitions"]
    assert scaled["spec"]["maxReplicaCount"] == partitions == worker_settings().partitions
    assert 1 <= scaled["spec"].get("minReplicaCount", 0) <= partitions


# -- topics --------------------------------------------------------------------------------


def test_kafka_topics_are_the_pipeline_topics():
    topics = kafka_topics()
    assert set(topics) == set(pipeline_topics(Settings()))
    settings = worker_settings()
    clusters = {t["metadata"]["labels"]["strimzi.io/cluster"] for t in topics.values()}
    assert len(clusters) == 1, "all topics on one Strimzi cluster"
    (cluster,) = clusters
    assert settings.bootstrap_servers[0].startswith(f"{cluster}-kafka-bootstrap."), (
        "WIRES_BROKER should be the bootstrap service of the same Strimzi cluster"
    )
    for name, topic in topics.items():
        spec = topic["spec"]
        assert spec["partitions"] == settings.partitions, name
        assert spec["replicas"] == settings.replication, name
        assert 1 <= int(spec["config"]["min.insync.replicas"]) < spec["replicas"], name


def test_topic_configs_match_compose():
    table = topic_table()
    for name, topic in kafka_topics().items():
        config = topic["spec"]["config"]
        got = (
            int(config["retention.ms"]),
            int(config["max.message.bytes"]),
            config["cleanup.policy"],
        )
        assert got == table[name]


# -- monitoring hooks ----------------------------------------------------------------------


def test_service_monitor_and_scrape_job_agree():
    jobs = {j["job_name"] for j in yaml.safe_load(PROMETHEUS_YML.read_text())["scrape_configs"]}
    for monitor in k8s_find("ServiceMonitor"):
        services = [
            s
            for s in k8s_find("Service")
            if monitor["spec"]["selector"]["matchLabels"].items() <= s["metadata"]["labels"].items()
        ]
        assert len(services) == 1
        (service,) = services
        assert service["metadata"]["name"] in jobs, "job label = Service name = scrape job"
        names = {p["name"] for p in service["spec"]["ports"]}
        assert {e["port"] for e in monitor["spec"]["endpoints"]} <= names
