"""Kafka edges: topic names and settings, and the idempotent producer (``topics``); the streaming source, a
splittable DoFn over partition offsets (``source``); and which offsets are safe to commit (``offsets``)."""
