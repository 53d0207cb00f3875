"""docker-compose.yml must describe the same system the scripts run: validated with `docker compose config`
where the compose plugin exists, and structurally everywhere."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from wirewatch.connectors.kafka.topics import ENV_BOOTSTRAP
from tests.conftest import ROOT

COMPOSE = ROOT / "docker-compose.yml"


def _has_compose_plugin() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _has_compose_plugin(), reason="the docker compose plugin is not installed")
def test_docker_compose_config_validates():
    result = subprocess.run(["docker", "compose", "-f", str(COMPOSE), "config", "--quiet"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_compose_wires_wirewatch_to_a_single_node_kraft_kafka():
    spec = yaml.safe_load(COMPOSE.read_text())
    kafka, app = spec["services"]["kafka"], spec["services"]["wirewatch"]
    assert kafka["image"].startswith("apache/kafka:4.")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert app["environment"][ENV_BOOTSTRAP] == "kafka:9092"
    assert app["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert app["command"][:2] == ["wirewatch", "run"]
    assert app["restart"] == kafka["restart"] == "unless-stopped"  # the process itself is supervised too
    assert (ROOT / "Dockerfile").is_file()
    # every flag the compose command passes must exist in the command line
    from wirewatch.pipelines.cli import parser

    args = parser().parse_args(app["command"][1:])
    assert args.metrics_host == "0.0.0.0" and args.watch == ["/app/drop"]
