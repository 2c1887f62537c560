"""HTTP ingest: agencies push stories over HTTP instead of dropping files or speaking Kafka.

``python -m pipeline ingest`` serves ``POST /v1/wires`` on ``WIRES_BIND:WIRES_INGEST_PORT``
(loopback by default) and forwards each story to ``wires.raw`` in the raw-message
contract of :mod:`pipeline.events`:

* ``text/plain``: one story, sent as its exact bytes with ``wires-feed``,
  ``wires-received-at`` (now, UTC), ``wires-id`` (from ``X-Wires-Id``) and
  ``content-type: text/plain`` headers;
* ``application/json``: one envelope, validated by the worker's own rules
  (:func:`pipeline.events.parse_raw`), re-encoded with orjson, ``feed`` forced to the
  token's feed and ``received_at`` set to now when absent;
* ``application/x-ndjson``: one envelope per line; every line is validated before
  any is sent, and one bad line rejects the request with a result per line.

Why it is built this way: an agency needs to know when a story is safe. ``202`` is
answered only after the broker acknowledged every story of the request (acks=all);
otherwise ``503`` with ``Retry-After`` and nothing reported as accepted, so a client
that re-sends everything not answered 202 loses nothing (it may repeat a story,
which consumers drop by story id). Each bearer token names its feed, so a client
cannot file stories under another agency; tokens are compared in constant time and
never logged. Limits (``WIRES_MAX_STORY_BYTES`` per story, 100 stories' worth per
NDJSON body, at most ``WIRES_INGEST_BURST`` stories per request, a per-token token
bucket) keep one client from starving the others. The OpenAPI 3.1 description is
``pipeline/schemas/ingest-openapi.json``, also served at ``GET /v1/openapi.json``.

Layout: :mod:`.auth` (tokens), :mod:`.ratelimit`, :mod:`.stories` (bodies into
records, pure), :mod:`.publisher` (kafka-python bridged to asyncio), :mod:`.server`
(aiohttp).
"""

from __future__ import annotations

from pipeline.ingest.server import create_app, run, serve

__all__ = ["create_app", "run", "serve"]
