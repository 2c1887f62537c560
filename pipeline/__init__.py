"""Live news-wire pipeline.

Importing the package loads nothing heavy: the text engine lives in
``pipeline.text``, the stream app in ``pipeline.stream``, and the edges
(feed, tail, web, metrics, embedded broker) in their own modules.
"""

__version__ = "0.1.0"
