"""wirewatch: always-on news monitoring.

One import name for the whole project. This package itself is the base layer: the records every stage passes
along (``records``), the error types (``errors``), the text cleaning that parsers and transforms both need
(``text``) and the YAML reader of hand-written files (``yamlsource``); it imports nothing else of ours. The
repository keeps the architecture's folders at its top — ``connectors/`` (the outside world), ``transforms/``
(pure domain logic) and ``pipelines/`` (wiring and the command line) — and ``wirewatch/connectors``,
``wirewatch/transforms`` and ``wirewatch/pipelines`` are links to them, so that installed, in a checkout,
and to every tool they are ``wirewatch.connectors`` and so on.
"""
