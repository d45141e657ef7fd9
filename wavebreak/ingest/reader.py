"""``read_records`` / ``read_batches``: any supported source → a stream of core records.

One loop serves every JSON format: split the (decompressed) bytes into units
(lines, or elements of top-level arrays), ``orjson.loads`` each, hand the
object to the format's adapter. Anything that fails becomes a
:class:`Quarantined` record with a reason, and the stream goes on: one bad
line must never stop a replay of ten million.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from wavebreak.core import constants as C
from wavebreak.core.records import Account, Deletion, Post, Quarantined, SourcePosition
from wavebreak.ingest.common import RecordError
from wavebreak.ingest.generic import GenericAdapter
from wavebreak.ingest.jetstream import JetstreamAdapter
from wavebreak.ingest.mastodon import MastodonAdapter
from wavebreak.ingest.sources import (
    OversizedUnit,
    iter_array_elements,
    iter_line_blocks,
    open_source,
    seekable_copy,
)
from wavebreak.ingest.x import TwitterV1Adapter, XV2Adapter
from wavebreak.pipeline.stage import Batch

FORMATS: tuple[str, ...] = ("jetstream", "mastodon", "x-v2", "twitter-v1", "jsonl", "csv", "parquet")
"""Every format ``read_records`` and ``emit`` accept."""

IngestRecord = Post | Account | Deletion | Quarantined
STAT_KEYS = ("read", "accepted", "skipped", "quarantined", "records")


def _adapter(fmt: str, text_only_ok: bool, instance: str | None) -> Any:
    if fmt == "jetstream":
        return JetstreamAdapter()
    if fmt == "mastodon":
        return MastodonAdapter(instance)
    if fmt == "x-v2":
        return XV2Adapter()
    if fmt == "twitter-v1":
        return TwitterV1Adapter()
    return GenericAdapter(fmt, text_only_ok)


def read_records(
    path: str | Path,
    fmt: str,
    *,
    source_name: str | None = None,
    stats: dict[str, int] | None = None,
    text_only_ok: bool = False,
    instance: str | None = None,
) -> Iterator[IngestRecord]:
    """Stream the records of ``path`` (``"-"`` = stdin) in format ``fmt``.

    - gzip / zstd are detected by magic bytes and decompressed on the fly.
    - JSON formats accept one value per line (JSONL) or top-level JSON arrays
      (detected from the first byte: PHEME files, REST pages, X archives).
    - ``stats`` (optional) is incremented as the stream is consumed (per block
      of lines for JSON formats; exact once the iterator is exhausted or closed):
      ``read`` units (lines, array elements, rows), ``accepted`` units that gave
      at least one record, ``skipped`` units that are valid but not content
      (likes, follows, stream notices), ``quarantined`` Quarantined records,
      ``records`` records yielded (quarantined excluded).
    - ``text_only_ok`` (jsonl/csv/parquet): rows with only ``text`` get a
      synthetic id ``generic:line-<n>``, author ``generic:unknown``, time epoch.
    - ``instance`` (mastodon): the instance the statuses were read from; scopes
      status ids (see :mod:`wavebreak.ingest.mastodon`).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    source = source_name or ("<stdin>" if str(path) == "-" else str(path))
    counts = stats if stats is not None else {}
    for k in STAT_KEYS:
        counts.setdefault(k, 0)
    adapter = _adapter(fmt, text_only_ok, instance)
    # Returned, not yielded from: one generator hop less per record on the hot path.
    if fmt == "csv":
        return _read_rows(_csv_rows(path, source, counts), source, fmt, adapter, counts)
    if fmt == "parquet":
        return _read_rows(_parquet_rows(path, source, counts), source, fmt, adapter, counts)
    return _read_json(path, source, fmt, adapter, counts)


def _quarantine(source: str, n: int, reason: str, raw: str, fmt: str) -> Quarantined:
    return Quarantined(source, n, reason, raw[: C.QUARANTINE_RAW_CHARS], fmt)


def _oversized(source: str, n: int, unit: OversizedUnit, fmt: str) -> Quarantined:
    reason = f"record of {unit.size} bytes exceeds MAX_LINE_BYTES ({C.MAX_LINE_BYTES})"
    return _quarantine(source, n, reason, unit.head.decode("utf-8", "replace"), fmt)


_DATA_ERRORS = (RecordError, AttributeError, TypeError, KeyError, ValueError, IndexError)
"""What bad data raises inside an adapter: a RecordError names the problem; the others mean a field
had an unexpected type (a list where an object belongs...), reported as such."""


def _reason(e: Exception) -> str:
    return str(e) if isinstance(e, RecordError) else f"unexpected structure: {type(e).__name__}: {e}"


def _dispatch(
    adapter: Any, obj: Any, raw: str, pos: SourcePosition, fmt: str, counts: dict[str, int]
) -> list[IngestRecord]:
    """Run the adapter on one unit and keep the books; never raises for bad data."""
    try:
        recs = adapter.parse(obj, raw, pos)
    except _DATA_ERRORS as e:
        counts["quarantined"] += 1
        return [_quarantine(pos.source, pos.line, _reason(e), raw, fmt)]
    return _book(recs, counts)


def _read_json(
    path: str | Path, source: str, fmt: str, adapter: Any, counts: dict[str, int]
) -> Iterator[IngestRecord]:
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    parse = adapter.parse
    with open_source(path) as stream:
        head = stream.peek(64)[:64].lstrip(b"\xef\xbb\xbf \t\r\n")  # type: ignore[attr-defined]
        array = head.startswith(b"[") or head.startswith(b"window.")
        blocks = _singletons(iter_array_elements(stream)) if array else iter_line_blocks(stream)
        n = 0
        read = accepted = records = skipped = 0
        try:
            for block in blocks:
                for unit in block:
                    n += 1
                    if type(unit) is not bytes:
                        read += 1
                        counts["quarantined"] += 1
                        yield _oversized(source, n, unit, fmt)  # type: ignore[arg-type]
                        continue
                    if not unit:
                        continue  # blank line: not a record, but it keeps line numbers exact
                    read += 1
                    try:
                        obj = loads(unit)
                        raw = unit.decode()  # orjson accepted it, so it is valid UTF-8
                    except decode_error:
                        raw = unit.decode("utf-8", "replace")  # non-UTF-8 bytes: replaced, then retried
                        try:
                            obj = loads(raw)
                        except decode_error as e:
                            counts["quarantined"] += 1
                            yield _quarantine(source, n, f"invalid JSON: {e}", raw, fmt)
                            continue
                    pos = SourcePosition(source, n)
                    try:
                        recs = parse(obj, raw, pos)
                    except _DATA_ERRORS as e:
                        counts["quarantined"] += 1
                        yield _quarantine(source, n, _reason(e), raw, fmt)
                        continue
                    if not recs:  # valid but not content (likes, follows...): the most common line
                        skipped += 1
                        continue
                    if len(recs) == 1 and type(recs[0]) is not Quarantined:  # one record: booked locally
                        accepted += 1
                        records += 1
                        yield recs[0]
                        continue
                    yield from _book(recs, counts)
                counts["read"] += read
                counts["accepted"] += accepted
                counts["records"] += records
                counts["skipped"] += skipped
                read = accepted = records = skipped = 0
        finally:
            counts["read"] += read
            counts["accepted"] += accepted
            counts["records"] += records
            counts["skipped"] += skipped


def _singletons(it: Iterator[Any]) -> Iterator[list[Any]]:
    for x in it:
        yield [x]


def _book(recs: list[IngestRecord], counts: dict[str, int]) -> list[IngestRecord]:
    if not recs:
        counts["skipped"] += 1
        return recs
    bad = sum(1 for r in recs if type(r) is Quarantined)
    counts["quarantined"] += bad
    if bad < len(recs):
        counts["accepted"] += 1
        counts["records"] += len(recs) - bad
    return recs


def _read_rows(
    units: Iterator[tuple[int, Any, str] | Quarantined],
    source: str,
    fmt: str,
    adapter: Any,
    counts: dict[str, int],
) -> Iterator[IngestRecord]:
    for unit in units:
        counts["read"] += 1
        if type(unit) is Quarantined:
            counts["quarantined"] += 1
            yield unit
            continue
        n, row, raw = unit  # type: ignore[misc]
        yield from _dispatch(adapter, row, raw, SourcePosition(source, n), fmt, counts)


def _csv_rows(
    path: str | Path, source: str, counts: dict[str, int]
) -> Iterator[tuple[int, Any, str] | Quarantined]:
    """CSV rows as dicts, with their first physical line number and the row re-encoded as raw text.

    Quoted fields may span lines (handled by the csv module). A field above
    ``MAX_LINE_BYTES`` is an error of the csv module; the row is quarantined
    and reading continues with the next row.
    """
    if csv.field_size_limit() < C.MAX_LINE_BYTES:
        csv.field_size_limit(C.MAX_LINE_BYTES)
    with open_source(path) as stream:
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
        text_lines = _strip_bom(text)
        reader = csv.reader(text_lines)
        try:
            header = next(reader)
        except StopIteration:
            return
        header = [h.strip() for h in header]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="")
        last = reader.line_num
        while True:
            start = last + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                last = reader.line_num
                yield Quarantined(source, start, f"invalid CSV: {e}", "", "csv")
                continue
            last = reader.line_num
            if not values:
                counts["read"] -= 1  # blank line: compensates the increment in _read_rows
                continue
            out.seek(0)
            out.truncate()
            writer.writerow(values)
            raw = out.getvalue()
            if len(raw) > C.MAX_LINE_BYTES:
                yield Quarantined(
                    source, start, f"row of {len(raw)} chars exceeds MAX_LINE_BYTES", raw[:200], "csv"
                )
                continue
            if len(values) > len(header):
                yield Quarantined(
                    source, start, f"row has {len(values)} fields, header has {len(header)}", raw, "csv"
                )
                continue
            row = {k: v for k, v in zip(header, values, strict=False) if k}
            yield start, row, raw


def _strip_bom(lines: Any) -> Iterator[str]:
    first = True
    for line in lines:
        if first:
            line = line.removeprefix("\ufeff")
            first = False
        yield line


def _parquet_rows(path: str | Path, source: str, counts: dict[str, int]) -> Iterator[tuple[int, Any, str]]:
    """Parquet rows, one record batch at a time (never the whole file in memory)."""
    import pyarrow.parquet as pq

    with seekable_copy(path) as real:
        try:
            pf = pq.ParquetFile(real)
        except Exception as e:  # pyarrow raises ArrowInvalid / OSError for a non-Parquet file
            yield Quarantined(source, 0, f"invalid Parquet: {e}", "", "parquet")  # type: ignore[misc]
            return
        n = 0
        for rb in pf.iter_batches(batch_size=C.BATCH_SIZE):
            for row in rb.to_pylist():
                n += 1
                yield n, row, orjson.dumps(row, option=orjson.OPT_NON_STR_KEYS).decode()


def read_batches(
    path: str | Path, fmt: str, batch_size: int = C.BATCH_SIZE, **kwargs: Any
) -> Iterator[Batch]:
    """Group :func:`read_records` into :class:`Batch` objects of at most ``batch_size`` posts.

    A batch is also closed after ``4 * batch_size`` records of any kind, so a
    stream of pure deletions or profile updates still flows. ``watermark`` is
    the latest event time seen so far (it never goes back), ``kwargs`` are
    passed to :func:`read_records`.
    """
    batch = Batch()
    total = 0
    watermark = None
    for rec in read_records(path, fmt, **kwargs):
        t = type(rec)
        if t is Post:
            batch.posts.append(rec)  # type: ignore[arg-type]
            if watermark is None or rec.created_at > watermark:  # type: ignore[union-attr]
                watermark = rec.created_at  # type: ignore[union-attr]
        elif t is Account:
            batch.accounts.append(rec)  # type: ignore[arg-type]
        elif t is Deletion:
            batch.deletions.append(rec)  # type: ignore[arg-type]
            if watermark is None or rec.at > watermark:  # type: ignore[union-attr]
                watermark = rec.at  # type: ignore[union-attr]
        else:
            batch.quarantined.append(rec)  # type: ignore[arg-type]
        total += 1
        if len(batch.posts) >= batch_size or total >= 4 * batch_size:
            batch.watermark = watermark
            yield batch
            batch = Batch()
            total = 0
    if total:
        batch.watermark = watermark
        yield batch


__all__ = ["FORMATS", "read_batches", "read_records"]
