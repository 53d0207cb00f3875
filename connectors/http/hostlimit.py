"""At most N concurrent requests to one host, across all feeds in a poll cycle (politeness)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator


class HostLimiter:
    """One semaphore per host, created on first use; a new event loop starts with fresh semaphores."""

    def __init__(self, per_host: int) -> None:
        if per_host < 1:
            raise ValueError("per_host must be >= 1")
        self.per_host = per_host
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: dict[str, asyncio.Semaphore] = {}

    @contextlib.asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._slots = loop, {}
        key = host.lower()
        semaphore = self._slots.get(key)
        if semaphore is None:
            semaphore = self._slots[key] = asyncio.Semaphore(self.per_host)
        async with semaphore:
            yield
