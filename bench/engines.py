"""The always-on chain on each engine, side by side in one run: Beam on Prism (the service, `wirewatch
process`) and Flink (`wirewatch process --engine flink`) at parallelism 1 and 2, on a real broker.

For each engine, ``--rounds`` runs (engines alternate inside each round), each on topics of its own:
- latency: stories at ``--rate`` per second for ``--seconds``; from a story's Kafka timestamp to the moment a
  read_committed consumer sees its first alert (what a subscriber could see; on Flink alerts become visible
  when the checkpoint after them commits);
- backlog: ``--backlog`` stories, processed, archived, alerted and committed -> stories/s. By default
  (``--publish before``) they are published to fresh topics while no engine runs, then a second start of
  the engine works them off, so the publisher never limits or shares the CPU with what is measured. The
  rate and the CPU a story count from the first story processed to the group's last commit, the start-up
  left out: on Prism from the first poll of the service's /metrics (every 50 ms) that counts a story read
  (the stories read by then are counted: their work comes after), on Flink from the earliest "alerted"
  stamp among the backlog's alerts (stamped as each story is processed; the stories alerted at it are not
  counted). The older window, from the group's
  first commit to its last, is printed too: it misleads when the first commit lags the work (Prism's
  covered 900-1,500 stories; a Flink run that committed nearly everything at its first checkpoint read as
  4,438/s). The CPU is sampled every 0.1 s through the run and read at either start. ``--publish during``
  is the older form: published as fast as possible to the running engine's topics, from the first send
  until the committed offsets reach the end. ``--stories`` picks
  them: ``template`` (the default: the alerting story with its figures changed, each a new cluster near
  hundreds of others, the dedupe index's worst case) or ``reuters`` (real news: Reuters-21578 from
  ../shared/corpora).
Prints the median over rounds per engine, the load average, and each run. Throughput depends on the CPU the
machine leaves the engine; the CPU time the engine's processes (and the broker) spend per backlog story does
much less, so it is printed too, with the rate both cores would give if they did nothing else. For Flink,
each run also prints the job's state size and what its last checkpoint uploaded.

    WIREWATCH_KAFKA=127.0.0.1:9092 .venv/bin/python bench/engines.py [--rounds 3] [--engines prism,flink1,flink2]
        (flink1f, flink2f: the Flink job with --fused)
        (prism2, prism3: Prism with --workers 2 or 3)
        [--stories template|reuters]

Flink runs on a cluster `scripts/flink up` starts afresh (one already up on its port is stopped first).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import socket
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path
from typing import Callable

import orjson
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("WIREWATCH_SHARED", ROOT.parent / "shared"))  # the corpora, as bench/geotag_eval.py
REUTERS = SHARED / "corpora" / "geo" / "reuters21578-train.jsonl"
sys.path.insert(0, str(ROOT))

from bench.service_latency import story  # noqa: E402 (the same alerting story)
from wirewatch.connectors.kafka.topics import Topics, ensure_topics, topic_specs  # noqa: E402
from wirewatch.pipelines.flink.submit import FlinkJob, cancel, submit  # noqa: E402
from wirewatch.pipelines.service import update_lag  # noqa: E402


def committed_lag(bootstrap: str, topics: Topics) -> int:
    return sum(update_lag(bootstrap, topics).values())  # what the service reports as its consumer lag


class AlertWatch:
    """A read_committed consumer of the alerts topic: story id -> wall time its first alert was seen."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()
        self.consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                      isolation_level="read_committed", enable_auto_commit=False)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.is_set():
            for records in self.consumer.poll(timeout_ms=100).values():
                now = time.time()
                for r in records:
                    self.seen.setdefault(orjson.loads(r.value)["story_id"], now)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.consumer.close()


def wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s: {what}")
        time.sleep(0.2)


def _processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process /proc shows."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            found[int(entry.name)] = (int(stat[stat.rindex(")") + 2:].split()[1]), cmdline)
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes have used so far (those gone since count nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def engine_pids(engine: str, service_pid: int | None, flink_state: str) -> list[int]:
    """The engine's processes: the service and what it started (Prism, the worker), or the Flink cluster's
    JobManager and TaskManagers (and any Python workers they started)."""
    procs = _processes()
    if engine.startswith("prism"):
        roots = {service_pid}
    else:
        roots = {pid for pid, (_, cmd) in procs.items() if f"{flink_state}/conf" in cmd}
    found, grew = set(roots), True
    while grew:
        more = {pid for pid, (parent, _) in procs.items() if parent in found} - found
        found |= more
        grew = bool(more)
    return sorted(p for p in found if p is not None)


def start_engine(engine: str, bootstrap: str, topics: Topics, archive: str, log: Path, master: str,
                 metrics_port: int = 0):
    """Start the engine on ``topics``; returns (stop, the service's pid or None, the Flink job id or None).
    The service serves /metrics on ``metrics_port`` (0: any free port)."""
    if engine.startswith("prism"):  # prism: one worker; prismN: --workers N
        exe = Path(sys.executable).with_name("wirewatch")
        proc = subprocess.Popen([str(exe), "process", "--archive", archive, "--metrics-port", str(metrics_port),
                                 "--topic-prefix", topics.prefix, "--bootstrap", bootstrap,
                                 "--workers", engine[len("prism"):] or "1"],
                                stdout=log.open("w"), stderr=subprocess.STDOUT)
        return (lambda: (proc.terminate(), proc.wait(timeout=120))), proc.pid, None
    # flinkN: parallelism N; flinkNf: the same with the per-cluster steps fused into the one-key step
    job = submit(FlinkJob(master, bootstrap, topics, archive=archive, parallelism=int(engine[5]),
                          fused=engine.endswith("f")))
    return (lambda: cancel(master, job)), None, job


def checkpoint_sizes(master: str, job: str) -> tuple[int, int]:
    """The Flink job's state size and what its latest completed checkpoint uploaded, in bytes."""
    with urllib.request.urlopen(f"http://{master}/jobs/{job}/checkpoints", timeout=10) as answer:
        latest = json.load(answer)["latest"]["completed"] or {}
    return latest.get("state_size", 0), latest.get("checkpointed_size", 0)


def backlog_values(args: argparse.Namespace) -> list[bytes]:
    """The backlog's stories: the alerting template with its figures changed (every story a new cluster that
    shares LSH bands with hundreds of earlier ones: the cluster index's worst case), or real news, the first
    ``--backlog`` Reuters-21578 training stories (each sent once; few alert)."""
    if args.stories == "template":
        return [story(2 * 10**6 + i, "b") for i in range(args.backlog)]
    values = []
    with REUTERS.open("rb") as lines:
        for line in itertools.islice(lines, args.backlog):
            item = orjson.loads(line)
            values.append(orjson.dumps({"id": f"reuters-{item['id']}", "title": item.get("title") or "",
                                        "body": item.get("body") or "", "source": "reuters21578"}))
    if len(values) < args.backlog:
        raise SystemExit(f"{REUTERS} holds {len(values)} stories, fewer than --backlog {args.backlog}")
    return values


def publish_backlog(bootstrap: str, topic: str, values: list[bytes]) -> float:
    """Send ``values`` in large batches and wait until the broker has them all; returns the stories/s."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=1 << 20)
    try:
        t0 = time.monotonic()
        for i, value in enumerate(values):
            producer.send(topic, key=f"b-{i}".encode(), value=value)
        producer.flush()
        return len(values) / (time.monotonic() - t0)
    finally:
        producer.close()


def meter(engine: str, service_pid: int | None, args: argparse.Namespace) -> Callable[[], tuple[float, float]]:
    """Reads the CPU seconds the engine's processes and the broker's (those running now) have used so far."""
    pids = engine_pids(engine, service_pid, args.flink_state)
    broker = broker_pids(args.bootstrap)
    return lambda: (cpu_seconds(pids), cpu_seconds(broker))


def broker_pids(bootstrap: str) -> list[int]:
    port = bootstrap.rsplit(":", 1)[1]  # scripts/kafka's broker names its data folder by its port
    return [pid for pid, (_, cmd) in _processes().items() if "kafka.Kafka " in cmd and f"kafka-data-{port}/" in cmd]


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """Each process's user and system CPU seconds so far (a process gone is left out)."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


Sample = tuple[float, dict[int, float], dict[int, float]]  # wall time, engine pid -> CPU s, broker pid -> CPU s


class CpuSampler:
    """Samples the CPU of the engine's processes and the broker's every ``every`` s from the engine's start
    (the processes looked up again each second: Prism's and process-mode Flink's workers come later), so the
    CPU used between two moments known only afterwards (the first story processed) can be read."""

    def __init__(self, engine: str, service_pid: int | None, args: argparse.Namespace, every: float = 0.1) -> None:
        self.find = lambda: (engine_pids(engine, service_pid, args.flink_state), broker_pids(args.bootstrap))
        self.every = every
        self.samples: list[Sample] = []
        self.stop = threading.Event()
        self.pids = self.find()
        self.sample()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def sample(self) -> Sample:
        taken = (time.time(), cpu_by_pid(self.pids[0]), cpu_by_pid(self.pids[1]))
        self.samples.append(taken)
        return taken

    def run(self) -> None:
        n = 0
        while not self.stop.wait(self.every):
            n += 1
            if n % round(1 / self.every) == 0:
                self.pids = self.find()
            self.sample()

    def close(self) -> Sample:
        """Stop sampling; the last sample is taken now."""
        self.stop.set()
        self.thread.join()
        return self.sample()


def cpu_between(samples: list[Sample], start: float) -> tuple[float, float]:
    """The engine's and the broker's CPU seconds from wall time ``start`` to the last sample: each process's
    CPU at ``start`` interpolated between the samples either side (0 for a process first seen after it,
    which started after it or at most one lookup before it)."""
    end = samples[-1]
    after = next((i for i, s in enumerate(samples) if s[0] >= start), len(samples) - 1)
    later, earlier = samples[after], samples[max(after - 1, 0)]
    span = later[0] - earlier[0]
    share = min(max((start - earlier[0]) / span, 0.0), 1.0) if span > 0 else 1.0

    def at_start(which: int, pid: int) -> float:
        a, b = earlier[which].get(pid), later[which].get(pid)
        if a is None:  # first seen in the sample at the start (known there), or after it
            return b if b is not None and later[0] <= start else 0.0
        return a if b is None else a + (b - a) * share

    return tuple(sum(cpu - at_start(which, pid) for pid, cpu in end[which].items())  # type: ignore[return-value]
                 for which in (1, 2))


def first_processed(alerts: list[dict]) -> tuple[float, int]:
    """The earliest "alerted" stamp among ``alerts`` (wall time, s) and how many stories were alerted at it:
    the moment the engine had processed its first story (or, on Prism, its first bundle) and how many it
    had then."""
    stamps = {}  # story id -> its earliest alert's stamp
    for alert in alerts:
        when = datetime.fromisoformat(alert["alerted"].replace("Z", "+00:00")).timestamp()
        stamps[alert["story_id"]] = min(when, stamps.get(alert["story_id"], when))
    if not stamps:
        raise SystemExit("the backlog raised no alert, so the first story processed is not known")
    first = min(stamps.values())
    return first, sum(1 for when in stamps.values() if when == first)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FirstRead:
    """Polls the service's /metrics every ``every`` s until it has read a story from Kafka: the wall time
    of that poll and the stories read by then (wirewatch_stories_in_total, counted as each is decoded).
    Prism stamps a bundle's alerts once, at the bundle's end, and its first bundle can hold over a thousand
    stories: this is the finer start. Polling stops there, so it costs the window nothing."""

    def __init__(self, port: int, every: float = 0.05) -> None:
        self.url, self.every, self.found = f"http://127.0.0.1:{port}/metrics", every, None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self) -> None:
        while not self.stop.wait(self.every):
            try:
                with urllib.request.urlopen(self.url, timeout=2) as answer:
                    text = answer.read().decode()
            except OSError:  # not serving yet
                continue
            read = stories_in(text)
            if read:
                self.found = (time.time(), read)
                return

    def close(self) -> tuple[float, int]:
        self.stop.set()
        self.thread.join()
        if self.found is None:
            raise SystemExit("the service's /metrics never counted a story read")
        return self.found


def stories_in(metrics_text: str) -> int:
    """wirewatch_stories_in_total from a Prometheus text page (0 when absent)."""
    for line in metrics_text.splitlines():
        if line.startswith("wirewatch_stories_in_total "):
            return int(float(line.split()[1]))
    return 0


def committed_alerts(bootstrap: str, topic: str) -> list[dict]:
    """Every alert a read_committed reader of ``topic`` sees now, up to the end offsets."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed", enable_auto_commit=False)
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends, found = consumer.end_offsets(tps), []
        deadline = time.monotonic() + 15  # an open transaction holds read_committed back
        while any(consumer.position(tp) < ends[tp] for tp in tps) and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                found += [orjson.loads(r.value) for r in records]
        return found
    finally:
        consumer.close()


def backlog_before(engine: str, args: argparse.Namespace, master: str) -> dict:
    """The backlog published to fresh topics first, then the engine started on them: stories/s and CPU per
    story from the first story processed until nothing is left (what the first alert stamp covers is not
    counted), and the same from the group's first commit (what the first commit covers is not counted)."""
    bootstrap, values = args.bootstrap, backlog_values(args)
    topics = Topics(f"bench-{uuid.uuid4().hex[:8]}.")
    ensure_topics(bootstrap, topic_specs(3, topics))
    published = publish_backlog(bootstrap, topics.stories, values)
    with tempfile.TemporaryDirectory() as tmp:
        t_start = time.time()
        # a Flink cluster's processes are up before its job: sample from before the submission, which the
        # job may outrun
        prism = engine.startswith("prism")
        sampler = None if prism else CpuSampler(engine, None, args)
        port = free_port()
        stop, service_pid, job = start_engine(engine, bootstrap, topics, f"{tmp}/archive",
                                              Path(tmp) / "engine.log", master, metrics_port=port)
        try:
            first_read = FirstRead(port) if prism else None
            sampler = sampler or CpuSampler(engine, service_pid, args)
            left: list[int] = []
            wait(lambda: left.append(committed_lag(bootstrap, topics)) or left[-1] < len(values), 600,
                 f"{engine}: the backlog's first commit")
            t_commit, at_commit = time.time(), len(values) - left[-1]
            wait(lambda: committed_lag(bootstrap, topics) == 0, 1800, f"{engine}: the backlog committed")
            t_end = sampler.close()[0]
            if first_read is not None:  # the stories read by then are counted: their work comes after
                t_first, at_first = first_read.close()[0], 0
            else:  # Flink stamps each story's alerts as it processes it
                t_first, at_first = first_processed(committed_alerts(bootstrap, topics.alerts))
            state, uploaded = checkpoint_sizes(master, job) if job else (0, 0)
        finally:
            stop()
    counted, by_commit = len(values) - at_first, len(values) - at_commit
    if not counted:
        raise SystemExit(f"{engine}: the first alert stamp covered the whole backlog; use a larger --backlog")
    cpu, broker = cpu_between(sampler.samples, t_first)
    cpu_c, broker_c = cpu_between(sampler.samples, t_commit)
    nan = float("nan")  # the first commit covered the whole backlog: that window has nothing in it
    return {"rate": counted / (t_end - t_first), "cpu_ms": cpu * 1000 / counted, "broker_ms": broker * 1000 / counted,
            "rate_c": by_commit / (t_end - t_commit) if by_commit else nan,
            "cpu_ms_c": cpu_c * 1000 / by_commit if by_commit else nan,
            "broker_ms_c": broker_c * 1000 / by_commit if by_commit else nan, "state": state, "uploaded": uploaded,
            "published": published, "first_s": t_first - t_start, "first": at_first,
            "commit_s": t_commit - t_start, "at_commit": at_commit, "window_s": t_end - t_first}


def one_run(engine: str, args: argparse.Namespace, master: str) -> dict:
    bootstrap = args.bootstrap
    topics = Topics(f"bench-{uuid.uuid4().hex[:8]}.")
    ensure_topics(bootstrap, topic_specs(3, topics))
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    watch = AlertWatch(bootstrap, topics.alerts)
    with tempfile.TemporaryDirectory() as tmp:
        stop, service_pid, job = start_engine(engine, bootstrap, topics, f"{tmp}/archive", Path(tmp) / "engine.log",
                                         master)
        try:
            t_start = time.monotonic()
            producer.send(topics.stories, key=b"warm", value=story(10**6, "warm")).get()
            wait(lambda: f"warm-{10**6}" in watch.seen, 300, f"{engine}: the first alert")
            ready_s = time.monotonic() - t_start
            sent: dict[str, float] = {}
            n = int(args.rate * args.seconds)
            t0 = time.monotonic()
            for i in range(n):
                meta = producer.send(topics.stories, key=f"t-{i}".encode(), value=story(i, "t")).get()
                sent[f"t-{i}"] = meta.timestamp / 1000
                time.sleep(max(0.0, t0 + (i + 1) / args.rate - time.monotonic()))
            wait(lambda: all(k in watch.seen for k in sent), 120, f"{engine}: the trickle's alerts")
            lat = sorted((watch.seen[k] - t) * 1000 for k, t in sent.items())
            q = statistics.quantiles(lat, n=100, method="inclusive")
            wait(lambda: committed_lag(bootstrap, topics) == 0, 120, f"{engine}: the trickle committed")
            if args.publish == "before":
                return {"engine": engine, "ready_s": ready_s, "p50": q[49], "p95": q[94], "p99": q[98]}
            values = backlog_values(args)
            used = meter(engine, service_pid, args)
            cpu0, broker0 = used()
            t0 = time.monotonic()
            for i, value in enumerate(values):
                producer.send(topics.stories, key=f"b-{i}".encode(), value=value)
            producer.flush()
            wait(lambda: committed_lag(bootstrap, topics) == 0, 1800, f"{engine}: the backlog committed")
            backlog_s = time.monotonic() - t0
            cpu1, broker1 = used()
            cpu_ms, broker_ms = (cpu1 - cpu0) * 1000 / args.backlog, (broker1 - broker0) * 1000 / args.backlog
            state, uploaded = checkpoint_sizes(master, job) if job else (0, 0)
        finally:
            stop()
            watch.close()
            producer.close()
    return {"engine": engine, "ready_s": ready_s, "p50": q[49], "p95": q[94], "p99": q[98],
            "rate": args.backlog / backlog_s, "cpu_ms": cpu_ms, "broker_ms": broker_ms,
            "state": state, "uploaded": uploaded, "published": 0.0, "first_s": 0.0, "first": 0,
            "rate_c": args.backlog / backlog_s, "cpu_ms_c": cpu_ms, "broker_ms_c": broker_ms}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bootstrap", default=os.environ.get("WIREWATCH_KAFKA", "127.0.0.1:9092"))
    ap.add_argument("--engines", default="prism,flink1,flink2")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rate", type=float, default=100.0)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--backlog", type=int, default=5000)
    ap.add_argument("--stories", choices=("template", "reuters"), default="template",
                    help="the backlog's stories (the latency trickle is always the alerting template)")
    ap.add_argument("--publish", choices=("before", "during"), default="before",
                    help="publish the backlog before the engine starts (rate from its first commit), or while "
                         "it runs (rate from the first send: the publisher shares the CPU)")
    args = ap.parse_args()
    engines = args.engines.split(",")
    master, args.flink_state = "", ""
    if any(e.startswith("flink") for e in engines):
        # a fresh cluster: thread-mode TaskManagers keep the wirewatch they first imported, and `up` installs
        # this checkout's
        subprocess.run([str(ROOT / "scripts" / "flink"), "down"], capture_output=True, check=True)
        master = subprocess.run([str(ROOT / "scripts" / "flink"), "up"], capture_output=True, text=True,
                                check=True).stdout.strip().splitlines()[-1]
        shown = subprocess.run([str(ROOT / "scripts" / "flink"), "env"], capture_output=True, text=True,
                               check=True).stdout
        args.flink_state = dict(line.split("=", 1) for line in shown.splitlines() if "=" in line)["FLINK_STATE"]
    print(f"load average at start: {os.getloadavg()}")
    runs: list[dict] = []
    for r in range(args.rounds):
        order = engines[r % len(engines):] + engines[:r % len(engines)]  # alternate who goes first
        for engine in order:
            run = one_run(engine, args, master)
            if args.publish == "before":
                run |= backlog_before(engine, args, master)
            runs.append(run)
            print(f"round {r + 1} {engine:7}: ready {run['ready_s']:5.1f} s, latency p50 {run['p50']:5.0f} ms, "
                  f"p95 {run['p95']:5.0f} ms, p99 {run['p99']:5.0f} ms; backlog {run['rate']:6.0f} stories/s, "
                  f"CPU {run['cpu_ms']:.2f} ms a story (broker {run['broker_ms']:.2f}); "
                  + (f"published at {run['published']:.0f}/s; window from the first story processed "
                     f"({run['first_s']:.1f} s after the start, {run['first']} stories not counted) to the last "
                     f"commit, {run['window_s']:.1f} s; from the first commit ({run['commit_s']:.1f} s, "
                     f"{run['at_commit']} stories not counted): {run['rate_c']:.0f} stories/s, CPU "
                     f"{run['cpu_ms_c']:.2f} ms (broker {run['broker_ms_c']:.2f}); " if run["published"] else "")
                  + (f"state {run['state'] / 1e6:.2f} MB, last checkpoint uploaded {run['uploaded'] / 1e3:.0f} KB; "
                     if run["state"] else "") +
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"\nmedians of {args.rounds} rounds ({args.rate:.0f} stories/s for {args.seconds:.0f} s; "
          f"backlog {args.backlog} {args.stories} stories); load average at end: {os.getloadavg()}")
    print(f"{'engine':8} {'backlog/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'CPU ms/story':>13} "
          f"{'broker':>7} {'2 cores at most':>16} {'from 1st commit/s':>18} {'CPU ms':>7}")
    for engine in engines:
        mine = [x for x in runs if x["engine"] == engine]
        med = {k: statistics.median(x[k] for x in mine)
               for k in ("rate", "p50", "p95", "p99", "cpu_ms", "broker_ms", "rate_c", "cpu_ms_c")}
        bound = 2000 / (med["cpu_ms"] + med["broker_ms"])  # stories/s if engine and broker had both cores
        print(f"{engine:8} {med['rate']:10.0f} {med['p50']:8.0f} {med['p95']:8.0f} {med['p99']:8.0f} "
              f"{med['cpu_ms']:13.2f} {med['broker_ms']:7.2f} {bound:16.0f} {med['rate_c']:18.0f} "
              f"{med['cpu_ms_c']:7.2f}")


if __name__ == "__main__":
    main()
