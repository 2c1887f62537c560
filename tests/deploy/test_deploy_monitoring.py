"""Prometheus scrape config, alert rules and the Grafana dashboard against the metrics a
worker really exports (pipeline.metrics) and the compose stack that runs them."""

import json
import re

import pytest
import yaml
from deploykit import (
    ALERTS_YML,
    GRAFANA_DIR,
    PROMETHEUS_YML,
    active_services,
    compose_project,
    duration_seconds,
    parse_promql,
    promql_problems,
    service_env,
    settings_from,
)

DASHBOARDS = sorted((GRAFANA_DIR / "dashboards").glob("*.json"))


def alert_rules():
    doc = yaml.safe_load(ALERTS_YML.read_text())
    return [rule for group in doc["groups"] for rule in group["rules"]]


def dashboard_panels(dashboard):
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])  # collapsed rows


def dashboard_targets():
    for path in DASHBOARDS:
        for panel in dashboard_panels(json.loads(path.read_text())):
            for target in panel.get("targets", []):
                yield path.name, panel, target


def compose_mounts(service):
    """{container path: host path relative to deploy/compose} of a compose service."""
    out = {}
    for volume in service.get("volumes", []):
        parts = str(volume).split(":")
        if len(parts) >= 2:
            out[parts[1]] = parts[0]
    return out


# -- Prometheus ----------------------------------------------------------------------------


def test_scrape_config_finds_the_workers_on_their_metrics_port():
    config = yaml.safe_load(PROMETHEUS_YML.read_text())
    services = active_services(compose_project("cluster"))
    worker_settings = settings_from(service_env(services["worker"]))
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "wires-worker"]
    assert job.get("metrics_path", "/metrics") == "/metrics"
    (sd,) = job["dns_sd_configs"]
    assert sd["names"] == ["worker"] and "worker" in services
    assert sd["type"] == "A" and sd["port"] == worker_settings.metrics_port


def test_prometheus_loads_the_alert_rules_compose_mounts():
    config = yaml.safe_load(PROMETHEUS_YML.read_text())
    mounts = compose_mounts(active_services(compose_project("cluster"))["prometheus"])
    for rule_file in config["rule_files"]:
        assert rule_file in mounts, f"{rule_file} is not mounted into Prometheus"
        assert mounts[rule_file].endswith("/" + ALERTS_YML.name)
    assert mounts["/etc/prometheus/prometheus.yml"].endswith("/" + PROMETHEUS_YML.name)


# -- alert rules ---------------------------------------------------------------------------


def test_alert_rules_are_well_formed():
    rules = alert_rules()
    names = [r["alert"] for r in rules]
    assert len(names) == len(set(names)), "alert names must be unique"
    for rule in rules:
        assert {"alert", "expr", "for", "labels", "annotations"} <= set(rule), rule.get("alert")
        assert rule["labels"]["severity"] in {"info", "warning", "critical"}
        assert rule["annotations"].get("summary"), rule["alert"]
        duration_seconds(rule["for"])


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r["alert"])
def test_alert_expressions_use_exported_metrics(rule):
    assert promql_problems(rule["expr"]) == []


def test_alert_jobs_are_scrape_jobs():
    jobs = {j["job_name"] for j in yaml.safe_load(PROMETHEUS_YML.read_text())["scrape_configs"]}
    for rule in alert_rules():
        for job in re.findall(r'job\s*=\s*"([^"]+)"', rule["expr"]):
            assert job in jobs, f"{rule['alert']}: job {job!r} is scraped by no job"


def _rules_using(metric, pattern):
    return [
        r
        for r in alert_rules()
        if metric in parse_promql(r["expr"]).names and re.search(pattern, r["expr"])
    ]


def test_the_four_alerts_the_operators_asked_for():
    # No input for 10 minutes.
    (no_input,) = _rules_using("wires_stories_received_total", r"rate\(.*\)\s*==\s*0")
    assert duration_seconds(no_input["for"]) >= 600
    # Dead-letter rate above a threshold.
    assert _rules_using("wires_stories_deadlettered_total", r">\s*[\d.]+")
    # Consumer lag growing and above a floor.
    (lag,) = _rules_using("wires_consumer_lag", r"deriv\(wires_consumer_lag\[")
    assert re.search(r"wires_consumer_lag\)\s*>\s*\d+", lag["expr"]), "a lag floor is needed"
    # Worker down: scrape failing, or no worker at all.
    assert _rules_using("up", r"==\s*0")
    assert _rules_using("wires_worker_up", r"absent\(")


# -- Grafana -------------------------------------------------------------------------------


def test_dashboard_files_parse_with_unique_panel_ids_and_layout():
    assert DASHBOARDS
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        assert dashboard.get("uid") and dashboard.get("title"), path.name
        ids = [p["id"] for p in dashboard_panels(dashboard)]
        assert len(ids) == len(set(ids)), f"{path.name}: duplicate panel ids"
        for panel in dashboard_panels(dashboard):
            assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), panel["title"]
            assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]


@pytest.mark.parametrize(
    "panel_title, expr",
    [(f"{name}: {panel['title']}", t["expr"]) for name, panel, t in dashboard_targets()],
)
def test_panel_queries_use_exported_metrics(panel_title, expr):
    assert promql_problems(expr) == [], panel_title


def test_legends_name_labels_the_query_keeps():
    for name, panel, target in dashboard_targets():
        used = set(re.findall(r"\{\{\s*(\w+)\s*\}\}", target.get("legendFormat", "")))
        parsed = parse_promql(target["expr"])
        kept = parsed.grouping or {"instance", "job"} | {
            label for series, labels in parsed.series for label in labels
        }
        assert used <= kept, f"{name} / {panel['title']}: legend uses {used - kept}"


def test_panels_use_the_provisioned_datasource():
    provisioned = yaml.safe_load(
        (GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    (source,) = provisioned["datasources"]
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        variables = {v["name"]: v for v in dashboard["templating"]["list"]}
        for panel in dashboard_panels(dashboard):
            refs = [panel.get("datasource")] + [
                t.get("datasource") for t in panel.get("targets", [])
            ]
            for ref in filter(None, refs):
                uid = ref["uid"]
                match = re.fullmatch(r"\$\{?(\w+)\}?", uid)
                if match:
                    variable = variables[match.group(1)]
                    assert variable["type"] == "datasource" and variable["query"] == "prometheus"
                    assert variable["current"]["value"] == source["uid"]
                else:
                    assert uid == source["uid"], f"{panel['title']}: unknown datasource {uid}"


def test_dashboard_shows_what_the_operators_asked_for():
    exprs = [t["expr"] for _, _, t in dashboard_targets()]

    def shown(pattern):
        return any(re.search(pattern, e) for e in exprs)

    assert shown(r"rate\(wires_stories_enriched_total\["), "throughput: enriched/s"
    assert shown(r"rate\(wires_stories_received_total\["), "throughput: received/s"
    assert shown(r"histogram_quantile\(.*wires_latency_seconds_bucket"), "latency percentiles"
    assert shown(r"histogram_quantile\(.*wires_engine_seconds_bucket"), "engine time"
    assert shown(r"by \(partition\) \(wires_consumer_lag\)"), "lag per partition"
    assert shown(r"by \(reason\).*wires_stories_deadlettered_total"), "dead letters by reason"
    assert shown(r"by \(section\).*wires_stories_enriched_total"), "by section"
    assert shown(r"by \(agency\).*wires_stories_enriched_total"), "by agency"


def test_grafana_provisioning_matches_compose():
    services = active_services(compose_project("cluster"))
    grafana = compose_mounts(services["grafana"])
    provider = yaml.safe_load(
        (GRAFANA_DIR / "provisioning" / "dashboards" / "wires.yml").read_text()
    )
    (entry,) = provider["providers"]
    path = entry["options"]["path"]
    assert grafana.get(path, "").endswith("grafana/dashboards"), f"{path} is not mounted"
    assert grafana.get("/etc/grafana/provisioning", "").endswith("grafana/provisioning")
    home = services["grafana"]["environment"].get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
    if home:
        assert home.startswith(path + "/")
        assert (GRAFANA_DIR / "dashboards" / home.rsplit("/", 1)[1]).is_file()
    datasource = yaml.safe_load(
        (GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )["datasources"][0]
    host, port = re.fullmatch(r"http://([\w.-]+):(\d+)/?", datasource["url"]).groups()
    assert host in services and services[host]["image"].startswith("prom/prometheus")
    assert f":{port}" in " ".join(str(p) for p in services[host]["ports"])
