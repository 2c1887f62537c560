"""The PromQL reader and the exported-metrics list the dashboard and alert tests rely on.

If these were wrong, the checks on deploy/ would pass for the wrong reasons, so the
reader is tested on its own first, including on expressions that must be rejected.
"""

import pytest
from deploykit import exported_metrics, parse_promql, promql_problems


def test_exported_names_are_the_ones_prometheus_sees():
    names = exported_metrics()
    for name in (
        "wires_stories_received_total",
        "wires_stories_enriched_total",
        "wires_stories_deadlettered_total",
        "wires_blocks_stripped_total",
        "wires_bytes_in_total",
        "wires_bytes_out_total",
        "wires_engine_seconds_bucket",
        "wires_engine_seconds_sum",
        "wires_engine_seconds_count",
        "wires_latency_seconds_bucket",
        "wires_consumer_lag",
        "wires_worker_up",
        "wires_worker_info",
    ):
        assert name in names, name
    # Counters have no bare name on /metrics, gauges have no _bucket, Info is NAME_info.
    for missing in ("wires_stories_received", "wires_consumer_lag_bucket", "wires_worker"):
        assert missing not in names, missing


def test_exported_labels_include_labelled_families_without_samples():
    names = exported_metrics()
    assert names["wires_stories_enriched_total"] == {"agency", "section"}
    assert names["wires_stories_deadlettered_total"] == {"reason"}
    assert names["wires_consumer_lag"] == {"partition"}
    assert names["wires_latency_seconds_bucket"] == {"le"}
    assert names["wires_worker_info"] >= {"version", "worker", "group"}


@pytest.mark.parametrize(
    "expr, series, grouping",
    [
        (
            "sum(rate(wires_stories_received_total[5m])) == 0",
            {"wires_stories_received_total"},
            set(),
        ),
        (
            "histogram_quantile(0.99, sum by (le) (rate(wires_latency_seconds_bucket"
            '{job="wires-worker", le=~".+"}[$__rate_interval])))',
            {"wires_latency_seconds_bucket"},
            {"le"},
        ),
        (
            "max by (partition) (deriv(wires_consumer_lag[10m])) > 0 "
            "and max by (partition) (wires_consumer_lag) > 1e3",
            {"wires_consumer_lag"},
            {"partition"},
        ),
        (
            "sum(rate(wires_engine_seconds_sum[5m])) / sum without (instance) "
            "(rate(wires_engine_seconds_count[5m] offset 1h))",
            {"wires_engine_seconds_sum", "wires_engine_seconds_count"},
            {"instance"},
        ),
        (
            'absent(wires_worker_up == 1) or up{job="wires-worker"} == bool 0',
            {"wires_worker_up", "up"},
            set(),
        ),
        (
            "topk(10, sum by (agency) (rate(wires_stories_enriched_total[${__rate_interval}])))",
            {"wires_stories_enriched_total"},
            {"agency"},
        ),
    ],
)
def test_parse_promql_keeps_series_and_drops_functions_keywords_and_numbers(expr, series, grouping):
    parsed = parse_promql(expr)
    assert parsed.names == series
    assert parsed.grouping == grouping
    assert promql_problems(expr) == []


@pytest.mark.parametrize(
    "expr, complaint",
    [
        (
            "rate(wires_stories_processed_total[5m])",
            "'wires_stories_processed_total' is not exported",
        ),
        ("rate(wires_stories_received[5m])", "'wires_stories_received' is not exported"),
        ("wires_consumer_lag_bucket", "'wires_consumer_lag_bucket' is not exported"),
        ("sum by (sectoin) (rate(wires_stories_enriched_total[5m]))", "grouping label 'sectoin'"),
        ('wires_stories_deadlettered_total{cause="x"}', "has no label 'cause'"),
        ("sum(rate(wires_stories_received_total[5m])) by (reason)", "grouping label 'reason'"),
        ("vector(1)", "refers to no metric"),
    ],
)
def test_promql_problems_name_what_drifted(expr, complaint):
    problems = promql_problems(expr)
    assert any(complaint in p for p in problems), problems
