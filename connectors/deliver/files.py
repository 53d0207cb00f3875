"""JSONL files per subscriber, one a day (UTC), for people who tail files: ``DIR/<subscriber>-YYYY-MM-DD.jsonl``
and a link ``DIR/<subscriber>.jsonl`` to today's, which ``tail -F`` follows across days. Each line carries
its delivery id, and a delivery already in the day's file is not written again (a resend after a crash)."""

from __future__ import annotations

import asyncio
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import orjson

from wirewatch.connectors.deliver.outcome import Outcome
from wirewatch.notices import Notice


@dataclass(frozen=True, slots=True)
class FileSpec:
    directory: str

    @property
    def target(self) -> str:
        return f"files in {self.directory}"


class FileChannel:
    kind = "file"

    def __init__(self, name: str, spec: FileSpec, subscriber: str) -> None:
        self.name, self.spec, self.subscriber = name, spec, subscriber
        self.target = spec.target
        self._lock = threading.Lock()
        self._day: str | None = None
        self._written: set[str] = set()

    def path(self, day: str) -> Path:
        return Path(self.spec.directory) / f"{self.subscriber}-{day}.jsonl"

    async def deliver(self, notice: Notice, delivery_id: str, now: datetime) -> Outcome:
        return await asyncio.to_thread(self.write, notice, delivery_id, now)

    def write(self, notice: Notice, delivery_id: str, now: datetime) -> Outcome:
        day = now.astimezone(timezone.utc).date().isoformat()
        try:
            with self._lock:
                path = self._open_day(day)
                if delivery_id in self._written:
                    return Outcome.ok(f"already in {path.name}")
                line = orjson.dumps({"delivery": delivery_id, "delivered": now.isoformat(), **notice.to_dict()})
                with open(path, "ab") as out:
                    out.write(line + b"\n")
                    out.flush()
                    os.fsync(out.fileno())
                self._written.add(delivery_id)
        except OSError as exc:
            return Outcome("retry", f"{self.target}: {exc.strerror or exc}")
        return Outcome.ok(f"appended to {path.name}")

    def _open_day(self, day: str) -> Path:
        path = self.path(day)
        if day != self._day:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._written = set()
            if path.exists():
                data = path.read_bytes()
                if data and not data.endswith(b"\n"):  # a line cut short by a crash: end it, so the next is whole
                    with open(path, "ab") as out:
                        out.write(b"\n")
                for line in data.splitlines():
                    try:
                        self._written.add(orjson.loads(line)["delivery"])
                    except (orjson.JSONDecodeError, KeyError, TypeError):
                        pass  # a line cut short by a crash: its delivery is written again
            link = path.with_name(f"{self.subscriber}.jsonl")
            temp = link.with_name(f".{link.name}.{os.getpid()}")
            temp.unlink(missing_ok=True)
            temp.symlink_to(path.name)
            os.replace(temp, link)
            self._day = day
        return path

    def close(self) -> None:
        pass
