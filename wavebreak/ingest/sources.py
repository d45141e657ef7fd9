"""Byte sources: open a path or stdin, undo compression, split into bounded units.

Why magic bytes rather than the file extension: dumps get renamed, piped and
re-compressed; ``.json`` files that are really gzip (and stdin, which has no
name at all) are common. Everything here streams: memory use is bounded by
``MAX_LINE_BYTES`` whatever the file size.
"""

from __future__ import annotations

import gzip
import io
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from wavebreak.core import constants as C

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_CHUNK = 1 << 16


class OversizedUnit:
    """Marker for a line or array element larger than ``MAX_LINE_BYTES``.

    Only its head is kept (for the quarantine record), never the whole unit.
    """

    __slots__ = ("head", "size")

    def __init__(self, head: bytes, size: int) -> None:
        self.head = head
        self.size = size


def _peek(stream: BinaryIO, n: int) -> bytes:
    return stream.peek(n)[:n]  # type: ignore[attr-defined]


def _buffered(stream: BinaryIO) -> BinaryIO:
    if hasattr(stream, "peek"):
        return stream
    return io.BufferedReader(stream, buffer_size=_CHUNK)  # type: ignore[arg-type]


def decompressed(stream: BinaryIO) -> BinaryIO:
    """Wrap ``stream`` so it yields plain bytes, detecting gzip/zstd by magic bytes."""
    stream = _buffered(stream)
    head = _peek(stream, 4)
    if head[:2] == GZIP_MAGIC:
        # GzipFile handles concatenated members (as produced by `cat a.gz b.gz`).
        return _buffered(gzip.GzipFile(fileobj=stream, mode="rb"))  # type: ignore[arg-type]
    if head == ZSTD_MAGIC:
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)
        return io.BufferedReader(reader, buffer_size=_CHUNK)  # type: ignore[arg-type]
    return stream


@contextmanager
def open_source(path: str | Path) -> Iterator[BinaryIO]:
    """Open ``path`` (``"-"`` = stdin) as a decompressed binary stream."""
    if str(path) == "-":
        yield decompressed(sys.stdin.buffer)
        return
    with open(path, "rb") as fh:
        yield decompressed(fh)


@contextmanager
def seekable_copy(path: str | Path) -> Iterator[str | Path]:
    """A seekable, decompressed file for formats that need random access (Parquet).

    A plain file on disk is used as is; stdin or a compressed file is spooled to
    a temporary file on disk (never into memory), removed afterwards.
    """
    if str(path) != "-":
        with open(path, "rb") as fh:
            head = fh.read(4)
        if head[:2] != GZIP_MAGIC and head != ZSTD_MAGIC:
            yield path
            return
    with open_source(path) as src, tempfile.NamedTemporaryFile(suffix=".parquet") as tmp:
        shutil.copyfileobj(src, tmp, _CHUNK)
        tmp.flush()
        yield tmp.name


_BLOCK = 1 << 20


def iter_line_blocks(
    stream: BinaryIO, max_bytes: int = C.MAX_LINE_BYTES
) -> Iterator[list[bytes | OversizedUnit]]:
    """Yield lists of lines (without line endings); an overlong line becomes :class:`OversizedUnit`.

    Lines are cut from 1 MiB reads with ``bytes.split`` (in C), and handed out a
    block at a time, which keeps the per-line cost of the hot loop to a list
    step. Only the unfinished tail of a block is carried over, so memory stays
    bounded by ``max_bytes`` plus one block whatever the line lengths. Empty
    lines are kept so line numbers stay exact.
    """
    read = stream.read
    carry = b""
    skipping = 0  # > 0 while inside an overlong line: bytes seen so far
    head = b""
    while True:
        chunk = read(_BLOCK)
        if not chunk:
            if skipping:
                yield [OversizedUnit(head, skipping)]
            elif carry:
                yield [carry.rstrip(b"\r")]
            return
        if skipping:
            nl = chunk.find(b"\n")
            if nl < 0:
                skipping += len(chunk)
                continue
            block: list[bytes | OversizedUnit] = [OversizedUnit(head, skipping + nl)]
            skipping = 0
            chunk = chunk[nl + 1 :]
        else:
            block = []
        lines = (carry + chunk).split(b"\n") if carry else chunk.split(b"\n")
        carry = lines.pop()
        if len(carry) > max_bytes:
            head, skipping, carry = carry[:200], len(carry), b""
        if b"\r" in chunk:
            lines = [line.rstrip(b"\r") for line in lines]
        for line in lines:
            if len(line) > max_bytes:  # only possible when carry + chunk exceeded the limit
                block.append(OversizedUnit(line[:200], len(line)))
            else:
                block.append(line)
        if block:
            yield block


def iter_lines(stream: BinaryIO, max_bytes: int = C.MAX_LINE_BYTES) -> Iterator[bytes | OversizedUnit]:
    """Line by line view of :func:`iter_line_blocks`."""
    for block in iter_line_blocks(stream, max_bytes):
        yield from block


# Tokens that change the JSON scanner's state; everything else is skipped in C by ``re``.
# A backslash is matched with the byte it escapes, so an escaped quote never ends a string.
_ARRAY_TOKENS = re.compile(rb'\\.?|["\[\]{},]', re.DOTALL)


def iter_array_elements(
    stream: BinaryIO, max_bytes: int = C.MAX_LINE_BYTES
) -> Iterator[bytes | OversizedUnit]:
    """Split top-level JSON arrays (``[ {...}, {...} ]``) into element byte strings.

    Several arrays in a row (one REST page per line) are read one after the
    other, and a JavaScript assignment prefix (X archive
    ``window.YTD.tweets.part0 = [``) is skipped. The scanner tracks only string
    state and bracket depth, so a malformed element is still cut out whole and
    quarantined by the caller while the stream goes on. Memory is bounded by
    ``max_bytes`` per element.
    """
    buf = bytearray()
    size = 0  # bytes of the current element, including any not kept in buf
    depth = 0  # 1 = inside a top-level array, between its elements
    in_str = False
    skip_first = False  # a backslash ended the previous chunk

    def flush() -> bytes | OversizedUnit | None:
        if size > max_bytes:
            return OversizedUnit(bytes(buf[:200]), size)
        elem = bytes(buf).strip()
        return elem or None

    while True:
        data = stream.read(_CHUNK)
        if not data:
            if depth > 0:
                out = flush()
                if out is not None:
                    yield out  # truncated array: the caller quarantines the fragment
            return
        pos0 = 0  # start of the part of ``data`` that belongs to the current element
        first = 1 if skip_first else 0
        skip_first = False
        for m in _ARRAY_TOKENS.finditer(data, first):
            c = m.group()
            if depth == 0:  # outside any array: only an opening bracket matters
                if c == b"[":
                    depth = 1
                    pos0 = m.end()
                    buf.clear()
                    size = 0
                continue
            if c[0] == 0x5C:  # backslash (with the byte it escapes)
                skip_first = len(c) == 1
                continue
            if in_str:
                if c == b'"':
                    in_str = False
                continue
            if c == b'"':
                in_str = True
            elif c == b"[" or c == b"{":
                depth += 1
            elif depth > 1:
                if c == b"]" or c == b"}":
                    depth -= 1
            elif c == b"," or c == b"]":  # an element of the top-level array ends here
                pos = m.start()
                size += pos - pos0
                if size <= max_bytes:
                    buf += data[pos0:pos]
                out = flush()
                if out is not None:
                    yield out
                buf.clear()
                size = 0
                pos0 = pos + 1
                if c == b"]":
                    depth = 0
        if depth > 0:
            size += len(data) - pos0
            if size <= max_bytes:
                buf += data[pos0:]
