"""Schemathesis against the OpenAPI file: every documented operation, on the real broker,
answers as the description says (status codes, headers, bodies, content types)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources

import pytest
from hypothesis import HealthCheck, settings

from tests.ingest.helpers import TOKEN_A, ServerThread, wait_connected
from tests.ingest.helpers import settings as ingest_settings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.specs.openapi.checks import negative_data_rejection  # noqa: E402

SPEC = resources.files("pipeline").joinpath("schemas", "ingest-openapi.json")
CONFIG = {
    "checks": {
        # An invalid body that is also too large is refused with 413 before it is parsed.
        "negative_data_rejection": {
            "expected-statuses": [
                *("400", "401", "403", "404", "405", "406", "409", "413", "415", "422"),
                *("428", "429", "5xx"),
            ]
        },
        # Not checked: that every schema-valid body is accepted. JSON Schema cannot say which
        # received_at strings Python reads as ISO 8601, nor the byte limits set at run time;
        # the description says both in prose, and the server answers 400/413 for them.
        "positive_data_acceptance": {"enabled": False},
    }
}
schema = schemathesis.openapi.from_path(str(SPEC), config=SchemathesisConfig.from_dict(CONFIG))

pytestmark = [pytest.mark.broker, pytest.mark.timeout(120)]


@schemathesis.serializer("application/x-ndjson")
def ndjson_lines(ctx: object, value: object) -> dict[str, bytes]:
    """The description's NDJSON schema is the list of envelopes; on the wire, one per line."""
    items = value if isinstance(value, list) else [value]
    return {"data": "\n".join(json.dumps(item) for item in items).encode()}


@pytest.fixture(scope="module")
def url(broker) -> Iterator[str]:
    config = ingest_settings(broker=broker.bootstrap, max_story_bytes=4096)
    with ServerThread(config) as server:
        wait_connected(server.url)
        yield server.url


@schema.parametrize()
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_matches_its_openapi_description(case, url):
    excluded = [negative_data_rejection] if _plain_body_negated(case) else []
    case.call_and_validate(
        base_url=url, headers={"Authorization": f"Bearer {TOKEN_A}"}, excluded_checks=excluded
    )


def _plain_body_negated(case) -> bool:
    """A "wrong type" text/plain body: on the wire it is text again, and any text is a story."""
    body = case.meta.components.get("body") if case.meta is not None else None
    negated = body is not None and body.mode == GenerationMode.NEGATIVE
    return negated and (case.media_type or "").startswith("text/plain")
