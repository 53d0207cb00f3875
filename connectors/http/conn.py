"""One HTTP/1.1 request and response over an already connected stream, framed by h11.

h11 does the message framing (Content-Length, chunked, read-until-close) and nothing else; the socket,
every wait and every byte limit stay here, so the caller's deadlines and caps hold for each read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import h11

from wirewatch.connectors.http.bodycap import BodyDecodeError, BodyTooLarge, CappedDecoder
from wirewatch.connectors.http.model import FetchFailure

READ_SIZE = 64 * 1024


@dataclass(frozen=True, slots=True)
class Head:
    status: int
    headers: tuple[tuple[str, str], ...]  # names lower-cased

    def get(self, name: str) -> str | None:
        values = [v for n, v in self.headers if n == name]
        return ", ".join(values) if values else None


class Exchange:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        read_timeout: float,
        max_header_bytes: int,
    ) -> None:
        self._reader, self._writer = reader, writer
        self._read_timeout = read_timeout
        self._conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=max_header_bytes)

    async def send(self, target: str, headers: list[tuple[str, str]], method: str = "GET", body: bytes = b"") -> None:
        try:
            request = h11.Request(method=method, target=target, headers=headers)
        except h11.LocalProtocolError as exc:
            raise FetchFailure("url", f"cannot form a request for {target!r}: {exc}", False) from exc
        head = self._conn.send(request)
        data = self._conn.send(h11.Data(data=body)) if body else b""
        self._writer.write(head + data + self._conn.send(h11.EndOfMessage()))
        try:
            await asyncio.wait_for(self._writer.drain(), self._read_timeout)
        except TimeoutError as exc:
            raise FetchFailure(
                "read_timeout", f"server took over {self._read_timeout:g}s to accept the request", True
            ) from exc

    async def head(self) -> Head:
        while True:
            event = await self._next()
            if isinstance(event, h11.InformationalResponse):
                continue
            if isinstance(event, h11.Response):
                headers = tuple((n.decode("latin-1"), v.decode("latin-1")) for n, v in event.headers)
                return Head(event.status_code, headers)
            raise FetchFailure("protocol", f"unexpected {type(event).__name__} before the response head", True)

    async def body(self, decoder: CappedDecoder) -> bytes:
        """The decoded body; stops reading (and raises BodyTooLarge) as soon as the cap is passed."""
        parts: list[bytes] = []
        while True:
            event = await self._next()
            if isinstance(event, h11.Data):
                parts.append(decoder.feed(bytes(event.data)))
            elif isinstance(event, h11.EndOfMessage):
                parts.append(decoder.finish())
                return b"".join(parts)
            else:
                raise FetchFailure("protocol", f"unexpected {type(event).__name__} in the response body", True)

    async def _next(self) -> object:
        while True:
            try:
                event = self._conn.next_event()
            except h11.RemoteProtocolError as exc:
                raise FetchFailure("protocol", f"malformed HTTP response: {exc}", True) from exc
            if event is not h11.NEED_DATA:
                if isinstance(event, h11.ConnectionClosed):
                    raise FetchFailure("protocol", "server closed the connection mid-response", True)
                return event
            try:
                data = await asyncio.wait_for(self._reader.read(READ_SIZE), self._read_timeout)
            except TimeoutError as exc:
                raise FetchFailure(
                    "read_timeout", f"no data from the server for {self._read_timeout:g}s", True
                ) from exc
            self._conn.receive_data(data)  # b"" tells h11 the peer closed


def too_large(exc: BodyTooLarge) -> FetchFailure:
    return FetchFailure("too_large", f"{exc}; the feed is too big or the server is misbehaving", False)


def undecodable(exc: BodyDecodeError) -> FetchFailure:
    return FetchFailure("decode", str(exc), False)
