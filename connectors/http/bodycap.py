"""Decode a response body (identity, gzip, deflate) as it streams in, refusing it once it passes a cap.

Inflation is bounded per call (``max_length``), so a small compressed bomb never expands in memory past
the cap: the decoder stops as soon as the decoded size would exceed it.
"""

from __future__ import annotations

import zlib


class BodyTooLarge(Exception):
    def __init__(self, limit: int, where: str) -> None:
        super().__init__(f"body exceeds the {limit:,}-byte cap ({where})")
        self.limit = limit


class BodyDecodeError(Exception):
    pass


SUPPORTED = ("identity", "gzip", "x-gzip", "deflate")


def codings(header: str | None) -> list[str]:
    """The Content-Encoding list in the order applied (empty and "identity" entries dropped)."""
    if not header:
        return []
    return [c.strip().lower() for c in header.split(",") if c.strip() and c.strip().lower() != "identity"]


class _Inflater:
    """One layer of gzip (several members allowed) or deflate (zlib-wrapped or raw) with a decoded cap."""

    def __init__(self, coding: str, limit: int) -> None:
        self.gzip = coding in ("gzip", "x-gzip")
        self.limit = limit
        self.total = 0
        self._obj: "zlib._Decompress | None" = zlib.decompressobj(31) if self.gzip else None
        self._pending = b""  # a lone first deflate byte, kept until the second one tells the wrapping

    def _start_deflate(self, data: bytes) -> None:
        # RFC 9110 "deflate" is zlib-wrapped, but some servers send raw deflate; the zlib header tells.
        wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
        self._obj = zlib.decompressobj(15 if wrapped else -15)

    def feed(self, data: bytes) -> bytes:
        out: list[bytes] = []
        while data:
            if self._obj is None:
                data, self._pending = self._pending + data, b""
                if len(data) < 2:
                    self._pending = data
                    return b""
                self._start_deflate(data)
            assert self._obj is not None
            try:
                chunk = self._obj.decompress(data, self.limit - self.total + 1)
            except zlib.error as exc:
                raise BodyDecodeError(f"corrupt {'gzip' if self.gzip else 'deflate'} data: {exc}") from exc
            self.total += len(chunk)
            if self.total > self.limit:
                raise BodyTooLarge(self.limit, "after decompression")
            out.append(chunk)
            if self._obj.eof:
                data = self._obj.unused_data
                if not self.gzip or not data.strip(b"\x00"):
                    return b"".join(out)  # trailing padding or garbage after the stream is ignored
                self._obj = zlib.decompressobj(31)  # the next gzip member
            else:
                data = self._obj.unconsumed_tail
        return b"".join(out)

    def finish(self) -> bytes:
        if self._obj is None:
            return b""
        tail = self._obj.flush()
        self.total += len(tail)
        if self.total > self.limit:
            raise BodyTooLarge(self.limit, "after decompression")
        return tail


class CappedDecoder:
    """Feed wire bytes in, get decoded bytes out; raises BodyTooLarge past ``limit`` (wire or decoded)."""

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        names = codings(content_encoding)
        unknown = [n for n in names if n not in SUPPORTED]
        if unknown:
            raise BodyDecodeError(f"unsupported Content-Encoding {', '.join(unknown)} (we ask for gzip or deflate)")
        self.limit = limit
        self.wire = 0
        self.decoded = 0
        self._layers = [_Inflater(n, limit) for n in reversed(names)]  # undo the last-applied first

    def feed(self, data: bytes) -> bytes:
        self.wire += len(data)
        if self.wire > self.limit:
            raise BodyTooLarge(self.limit, "on the wire")
        for layer in self._layers:
            data = layer.feed(data)
        return self._count(data)

    def finish(self) -> bytes:
        data = b""
        for layer in self._layers:
            data = layer.feed(data) + layer.finish() if data else layer.finish()
        return self._count(data)

    def _count(self, data: bytes) -> bytes:
        self.decoded += len(data)
        if self.decoded > self.limit:
            raise BodyTooLarge(self.limit, "after decompression")
        return data
