"""What the always-on service reports about itself: Prometheus metrics and the /health endpoint (``metrics``),
and faults that clear, retried with backoff and surfaced while they last (``faults``)."""
