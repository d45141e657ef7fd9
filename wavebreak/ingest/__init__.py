"""Ingest: real platform formats → core records, streaming and in constant memory.

Public API (see docs/formats.md for every format's mapping and id scheme)::

    FORMATS                                  # supported format names
    read_records(path, fmt, *, source_name=None, stats=None, text_only_ok=False, instance=None)
    read_batches(path, fmt, batch_size=BATCH_SIZE, **read_records_kwargs)
    emit(records, fmt, out) -> int           # the inverse: records → any format
"""

from wavebreak.ingest.emit import emit
from wavebreak.ingest.reader import FORMATS, STAT_KEYS, read_batches, read_records

__all__ = ["FORMATS", "STAT_KEYS", "emit", "read_batches", "read_records"]
