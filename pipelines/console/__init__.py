"""The analysts' web console: live alerts from Kafka over Server-Sent Events, story pages with their
evidence highlighted, overview charts and pipeline health, archive search, and a watch-list preview. A
Starlette app with Jinja2 templates, served by ``wirewatch console`` or by the always-on service on its
metrics port. Wiring of connectors (archive, Kafka, metrics) and transforms (rules, explain, backtest)."""
