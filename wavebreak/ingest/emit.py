"""``emit``: core records → any supported format (the inverse of the adapters).

Used to convert between formats, to write scenario data in real shapes, and
to test the adapters by round-trip. Same-platform round-trips are lossless
for what the core model holds; converting across platforms is best-effort
(a Jetstream event needs a DID, so an X author gets a synthetic one).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import IO, Any

from wavebreak.core import constants as C
from wavebreak.core.records import Account, Post
from wavebreak.ingest import generic, jetstream, mastodon, x

_LINE_EMITTERS: dict[str, Callable[[], Callable[[Post | Account], bytes | None]]] = {
    # one emitter per call of emit(): Jetstream's remembers the URIs it gave converted posts
    "jetstream": jetstream.line_emitter,
    "mastodon": lambda: mastodon.emit_record,
    "x-v2": lambda: x.emit_v2,
    "twitter-v1": lambda: x.emit_v1,
    "jsonl": lambda: generic.to_json_row,
}


def _is_text(out: IO[Any]) -> bool:
    return isinstance(out, io.TextIOBase) or (
        hasattr(out, "encoding") and not hasattr(out, "peek") and "b" not in getattr(out, "mode", "b")
    )


def emit(records: Iterable[Post | Account], fmt: str, out: IO[Any]) -> int:
    """Write ``records`` to ``out`` in ``fmt``; return how many records were written.

    ``out`` may be binary or text for the line formats and CSV; Parquet needs a
    binary stream. Records a format cannot express alone (a standalone account
    in Mastodon or v1.1, which only embed authors in posts) are not written and
    not counted. Memory stays flat: Parquet is written in row groups of
    ``BATCH_SIZE``.
    """
    if fmt == "csv":
        return _emit_csv(records, out)
    if fmt == "parquet":
        return _emit_parquet(records, out)
    try:
        line_of = _LINE_EMITTERS[fmt]()
    except KeyError:
        from wavebreak.ingest.reader import FORMATS

        raise ValueError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}") from None
    text = _is_text(out)
    write = out.write
    n = 0
    for rec in records:
        line = line_of(rec)
        if line is None:
            continue
        write(line.decode() + "\n" if text else line + b"\n")
        n += 1
    return n


def _emit_csv(records: Iterable[Post | Account], out: IO[Any]) -> int:
    text = out if _is_text(out) else io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(generic.COLUMNS)
    n = 0
    for rec in records:
        writer.writerow(generic.to_csv_row(rec))
        n += 1
    if text is not out:
        text.flush()
        text.detach()  # leave the caller's binary stream open
    return n


def _emit_parquet(records: Iterable[Post | Account], out: IO[Any]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if _is_text(out):
        raise ValueError("parquet output needs a binary stream")
    schema = generic.arrow_schema()
    n = 0
    rows: list[dict[str, Any]] = []
    with pq.ParquetWriter(out, schema) as writer:
        for rec in records:
            rows.append(generic.to_row(rec))
            n += 1
            if len(rows) >= C.BATCH_SIZE:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                rows.clear()
        if rows or n == 0:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
    return n
