"""The story archive as Parquet: one folder per day (``dt=YYYY-MM-DD``), files written atomically and
idempotently by story id, small files compacted, each row carrying the Kafka position it came from; read
back for replays and queried with DuckDB (``query.py``) by the command line and the console."""
