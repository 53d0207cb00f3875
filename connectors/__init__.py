"""Everything that touches the outside world, grouped by job: ``http`` (fetching safely), ``poll`` (the feed
list and its schedule), ``parsing`` (what every document parser shares: sniffing, dispatch, safe XML, parse
results), ``feeds`` and ``wire`` (the format parsers), ``files`` (saved files and drop folders), ``kafka``
(topics, producer, the streaming source and its offsets), ``sinks`` (archive and alert delivery) and
``health`` (metrics and the faults the service reports). Connectors import only the base layer."""
