"""Replay harness: a pickled pre-scored stream through the narratives stage, every output dumped.

    python tests/narratives/_replay.py STREAM.pkl OUT.txt

Why a script run in a child process: whether ``wavebreak.narratives`` uses its compiled or its
pure-Python modules is decided once per process (``WAVEBREAK_PURE_PYTHON``), so comparing the
two means two processes fed the same pickled input; ``cmp`` of their dumps then checks every
output byte for byte. The dump holds, per batch, the assignments, the alerts and ``get`` /
``metrics`` of every narrative the batch touched (as the policy stage reads them); after
``close``, the closing alerts, ``all()`` and each narrative's summary, series, origin,
amplifiers, bridges and cascade, the coordination clusters, state sizes, stats, and digests of
the IDF and SigniTrend tables. Floats are written with ``repr`` (every bit).

``write_stream`` builds the input: the first posts of the demo scenario, scored by the signals
stage's fast path (when it can be imported), in batches.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
from dataclasses import asdict, is_dataclass
from enum import Enum
from pathlib import Path
from typing import Any


def write_stream(path: str, posts: int, batch: int = 512, seed: int = 7) -> None:
    """Pickle ``(batches, accounts)``: ``posts`` demo-scenario posts, pre-scored, in batches (the
    narratives bench's input, ``bench.narratives.prescored_batches``)."""
    root = str(Path(__file__).resolve().parents[2])
    if root not in sys.path:
        sys.path.insert(0, root)
    from bench.narratives import prescored_batches

    batches, _ctx, accounts = prescored_batches(posts, batch, seed)
    with open(path, "wb") as fh:
        pickle.dump((batches, accounts), fh, protocol=pickle.HIGHEST_PROTOCOL)


def _j(x: Any) -> Any:
    """A JSON-ready, order-stable copy of an output (floats as ``repr``: exact bits)."""
    if is_dataclass(x) and not isinstance(x, type):
        return {k: _j(v) for k, v in asdict(x).items()}
    if isinstance(x, Enum):
        return repr(x.value)
    if isinstance(x, dict):
        return {str(k): _j(v) for k, v in x.items()}
    if isinstance(x, set | frozenset):
        return sorted((_j(v) for v in x), key=repr)
    if isinstance(x, list | tuple):
        return [_j(v) for v in x]
    if isinstance(x, float):
        return repr(x)
    if hasattr(x, "isoformat"):
        return x.isoformat()
    if hasattr(x, "item"):  # numpy scalar
        return repr(x.item())
    return x if isinstance(x, str | int | bool | type(None)) else repr(x)


def replay(stream_path: str, out_path: str) -> str:
    """Run the pickled stream through a fresh stage, write the dump; returns the stage's file."""
    from wavebreak.narratives import stage as stage_module
    from wavebreak.narratives.stage import NarrativeStage
    from wavebreak.pipeline.context import PipelineContext

    with open(stream_path, "rb") as fh:
        batches, accounts = pickle.load(fh)
    ctx = PipelineContext()
    for acc in accounts:
        ctx.accounts.put(acc)
    st = NarrativeStage()
    with open(out_path, "w", encoding="utf-8") as fo:

        def w(tag: str, x: Any) -> None:
            fo.write(tag + "\t" + json.dumps(_j(x), sort_keys=True) + "\n")

        for i, b0 in enumerate(batches):
            b = b0.scored_copy()
            st.process(b, ctx)
            w(f"b{i}.assign", b.narrative_of)
            w(f"b{i}.alerts", b.alerts)
            for nid in sorted(set(b.narrative_of.values())):
                w(f"b{i}.get.{nid}", st.get(nid))
                w(f"b{i}.metrics.{nid}", st.metrics(nid))
        st.close(ctx)
        w("closing", ctx.closing_alerts)
        for n in st.all():
            nid = n.id
            w(f"all.{nid}", n)
            w(f"summary.{nid}", st.summary(nid))
            w(f"series.{nid}", st.series(nid))
            w(f"origin.{nid}", st.origin(nid))
            w(f"amplifiers.{nid}", st.amplifiers(nid))
            w(f"bridges.{nid}", st.bridges(nid))
            w(f"cascade.{nid}", st.cascade(nid))
        w("coordination", st.coordination())
        w("state_size", st.state_size())
        w("stats", st.stats)
        w("df", hashlib.sha256(bytes(st._df)).hexdigest())
        tables = st._bt_mean.tobytes() + st._bt_var.tobytes() + st._bt_last.tobytes()
        w("signitrend", hashlib.sha256(tables).hexdigest())
        w("ndocs", st._ndocs)
    return str(stage_module.__file__)


if __name__ == "__main__":
    print(replay(sys.argv[1], sys.argv[2]))
