"""Live news-wire pipeline.

Importing the package loads nothing heavy: the text engine lives in
``pipeline.text``, the stream app in ``pipeline.app``, and the edges (feed,
ingest, tail, web, metrics, embedded broker) in their own modules.
"""

__version__ = "0.1.0"
