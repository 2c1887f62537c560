"""The live web dashboard of ``wires.enriched``: ``python -m pipeline dashboard``.

``hub`` keeps the recent stories and the counts (pure, no I/O), ``source`` follows the
topic in a thread, ``sse`` frames Server-Sent Events and ``server`` ties them to an
aiohttp app. The page itself is static HTML/JS/CSS in ``static/``: no build step.
"""
