"""`wirewatch subscribers check|test` as a person runs them."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson

from tests.connectors.deliver.receivers import SECRET, Receiver
from tests.pipelines.deliver.kit import subscriptions

FILE = """\
allow: [127.0.0.1]
subscribers:
  - id: desk
    rules: [icbm]
    channels:
      - {type: webhook, url: "URL/T0/s3cret-path", secret_env: HOOK_SECRET}
      - {type: file, dir: out}
      - {type: webhook, url: "http://127.0.0.1:9/closed", timeout: 2s}
"""


def wirewatch(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wirewatch.pipelines.cli", *args], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **env})


def test_check_prints_each_subscriber_and_masks_urls(tmp_path):
    path = subscriptions(tmp_path, FILE.replace("URL", "https://hooks.example.org"))
    done = wirewatch("subscribers", "check", str(path), HOOK_SECRET=SECRET)
    assert done.returncode == 0, done.stderr
    assert "desk: icbm; immediate" in done.stdout and "webhook: https://hooks.example.org/…" in done.stdout
    assert "s3cret-path" not in done.stdout and f"{path}: 1 subscriber(s), valid" in done.stdout


def test_check_reports_the_place_of_a_problem_with_status_2(tmp_path):
    path = subscriptions(tmp_path, FILE.replace("URL", "https://hooks.example.org"))
    done = wirewatch("subscribers", "check", str(path))  # HOOK_SECRET not set
    assert done.returncode == 2
    assert done.stderr.strip() == (f"wirewatch: {path}:6:86: environment variable 'HOOK_SECRET' for the signing "
                                   "secret is not set")


def test_test_sends_a_sample_through_each_channel_and_says_what_happened(tmp_path):
    with Receiver() as rx:
        path = subscriptions(tmp_path, FILE.replace("URL", rx.url))
        done = wirewatch("subscribers", "test", str(path), "desk", HOOK_SECRET=SECRET)
    assert done.returncode == 1  # one channel failed
    lines = done.stdout.splitlines()
    assert lines[0].startswith("webhook [http://127.0.0.1:") and ": delivered (HTTP 200 in" in lines[0]
    assert lines[1].startswith("file [files in ") and "delivered (appended to desk-" in lines[1]
    assert lines[2].startswith("webhook-2 [") and "retry: " in lines[2] and "cannot connect" in lines[2]
    (got,) = rx.requests
    assert orjson.loads(got.body)["data"]["alert"]["rule"] == "test" and "s3cret-path" not in done.stdout
    unknown = wirewatch("subscribers", "test", str(path), "nobody", HOOK_SECRET=SECRET)
    assert unknown.returncode == 2 and "no subscriber 'nobody' (there are: desk)" in unknown.stderr


def test_run_and_deliver_refuse_a_bad_subscriptions_file_before_starting(tmp_path):
    path = subscriptions(tmp_path, "subscribers:\n  - id: x\n    colour: red\n")
    for command in (["run", "--metrics-port", "0"], ["deliver"]):
        done = wirewatch(*command, "--subscriptions", str(path), "--bootstrap", "127.0.0.1:1")
        assert done.returncode == 2 and done.stderr.strip().startswith(f"wirewatch: {path}:3:5: unknown subscriber key")
