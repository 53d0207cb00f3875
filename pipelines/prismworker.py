"""Entry point of a Prism worker process (pipelines/prismworkers.py starts it): ``python -m
wirewatch.pipelines.prismworker --id WORKER --control HOST:PORT``."""

from wirewatch.pipelines.prismworkers import main

if __name__ == "__main__":
    main()
