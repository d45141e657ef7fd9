"""Gate latency over HTTP on loopback, against the in-process gate measured in the same run.

    python -m bench.gate [--json] [--rate 1000] [--duration 15] [--batch 100] [--posts 20000]
    python -m bench.gate --db wavebreak-demo/wavebreak.db --at 2024-07-30T12:00:00Z   # a demo store
    python -m bench.gate --json --write-rate 20 --gc-trace   # decisions arriving during the load

What it does: fills a temporary SQLite store with generated posts and decisions
(or uses ``--db``), mints an admin key, starts ``wavebreak serve`` in a
subprocess on a free 127.0.0.1 port, and then:

1. baseline: ``Gate.decide`` alone, in this process, on the same batches (from
   the same in-memory index the server uses);
2. load: an *open-loop* generator fires ``--batch``-item ``POST /v1/gate``
   calls at ``--rate`` requests/s for ``--duration`` seconds over keep-alive
   connections (a minimal asyncio HTTP/1.1 client: httpx alone would cost more
   CPU than the server on a 2-core machine). Latency is measured from each
   request's *scheduled* time, so a server that falls behind is charged for the
   queueing it causes (no coordinated omission).

Reports p50/p90/p99/max latency, achieved rate, errors, the target (p99 < 10 ms)
and the ratio to the in-process baseline. Bounded: at most rate × duration
requests and duration + 15 s of wall time. Only 127.0.0.1 is ever contacted.

Diagnostics: ``timeline`` (p99 per second and the 250 ms window with most calls
over 10 ms: a stall packs them, an overloaded host spreads them), ``server_cpu``
(the server's CPU seconds over the load window, per call: far less noisy than
latency on a shared host), ``--gc-trace`` (the server's GC collections during
the load, timed with ``gc.callbacks``), and ``--write-rate N`` (a separate
process appends N decisions/s to the store during the load, as a pipeline
would: the server folds them every ``API_INDEX_POLL_S`` while answering).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson

HOST = "127.0.0.1"
TARGET_P99_MS = 10.0


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a process has used so far (Linux /proc; None elsewhere).

    Why: on a shared, loaded host latency percentiles mostly measure the neighbours; the server's own
    CPU per call is what a change to the server moves, and it is far less noisy.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def pct(values: list[float]) -> dict[str, float]:
    if not values:
        return {
            "p50_ms": float("nan"),
            "p90_ms": float("nan"),
            "p99_ms": float("nan"),
            "max_ms": float("nan"),
        }
    a = np.asarray(values) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(a, 50)), 3),
        "p90_ms": round(float(np.percentile(a, 90)), 3),
        "p99_ms": round(float(np.percentile(a, 99)), 3),
        "max_ms": round(float(a.max()), 3),
    }


def timeline(loader: Loader, bin_s: float = 1.0, slow_ms: float = TARGET_P99_MS) -> dict[str, Any]:
    """Where in the run the slow calls were: p99 per ``bin_s`` window, and the worst window.

    Why: a p99 over 15,000 calls is 150 calls; whether they are spread thinly (steady overload, a
    noisy neighbour) or all fall in one half-second (a stall: a GC pause, a cache rebuilt at once, a
    blocked event loop) says where to look, and only the timeline tells them apart.
    """
    if not loader.latency:
        return {"bins": [], "slow_calls": 0}
    off = np.asarray(loader.sched) - loader.t0
    lat = np.asarray(loader.latency) * 1000.0
    idx = (off // bin_s).astype(int)
    bins = []
    for b in range(int(idx.max()) + 1):
        sel = lat[idx == b]
        if sel.size:
            bins.append(round(float(np.percentile(sel, 99)), 2))
    slow = lat > slow_ms
    # the 250 ms window holding the most slow calls, from its first slow call
    worst = {"start_s": None, "slow_calls": 0}
    if slow.any():
        t = np.sort(off[slow])
        ends = np.searchsorted(t, t + 0.25)
        k = int(np.argmax(ends - np.arange(t.size)))
        worst = {"start_s": round(float(t[k]), 3), "slow_calls": int(ends[k] - k)}
    return {
        "bin_s": bin_s,
        "p99_ms_per_bin": bins,
        "slow_calls": int(slow.sum()),
        "slow_ms": slow_ms,
        "worst_250ms_window": worst,
    }


# ----------------------------------------------------------------------------- store


def generated_store(
    path: Path, posts: int, decided_share: float, seed: int = 7
) -> tuple[list[str], datetime]:
    """Posts, authors, post/narrative/account decisions and a legal hold, written like a pipeline would."""
    from wavebreak.core.records import Account, Action, Decision, Grounds, LegalHold, Post, Surface
    from wavebreak.decisions.log import decision_event
    from wavebreak.policy.holds import HoldRegistry
    from wavebreak.storage import open_storage

    rng = random.Random(seed)
    now = datetime.now(UTC)
    s = open_storage(path)
    n_acc = max(10, posts // 5)
    s.add_accounts(
        [Account(id=f"bench:u{i}", platform="demo", followers=rng.randint(0, 50_000)) for i in range(n_acc)]
    )
    ids = [f"bench:p{i}" for i in range(posts)]
    words = [
        "harbour",
        "tonight",
        "police",
        "boat",
        "families",
        "statement",
        "town",
        "news",
        "video",
        "crowd",
    ]
    for start in range(0, posts, 5000):
        chunk = []
        for i in range(start, min(posts, start + 5000)):
            text = " ".join(rng.choices(words, k=8))
            if i % 97 == 0:
                text += " Tobias Renshaw-Adeyemi"
            chunk.append(
                Post(id=ids[i], platform="demo", author_id=f"bench:u{i % n_acc}", created_at=now, text=text)
            )
        s.add_posts(chunk)
    grounds = Grounds(platform_policy="Misleading information (benchmark)")
    decisions = []
    narratives = [f"bench:n{k}" for k in range(20)]
    pairs = []
    for i, pid in enumerate(ids):
        if rng.random() < 0.3:
            pairs.append((pid, narratives[i % len(narratives)]))
        if rng.random() >= decided_share:
            continue
        sev = rng.choice([Action.LABEL, Action.DEMOTE, Action.EXCLUDE])
        decisions.append(
            Decision(
                id=f"dec-bench-{i}",
                at=now - timedelta(minutes=5),
                target_kind="post",
                target_id=pid,
                actions={Surface.TRENDS: sev, Surface.SEARCH: sev, Surface.RECOMMENDATIONS: sev},
                rule_id="bench-rule",
                grounds=grounds,
                facts={"bench": True},
                expires_at=now + timedelta(days=7),
                explanation=f"post {pid}: benchmark decision",
            )
        )
    for k, nid in enumerate(narratives[:5]):
        decisions.append(
            Decision(
                id=f"dec-bench-n{k}",
                at=now - timedelta(minutes=5),
                target_kind="narrative",
                target_id=nid,
                narrative_id=nid,
                actions={Surface.RECOMMENDATIONS: Action.DEMOTE},
                rule_id="bench-narrative",
                grounds=grounds,
                expires_at=now + timedelta(days=7),
            )
        )
    s.set_post_narratives(pairs)
    for start in range(0, len(decisions), 2000):
        part = decisions[start : start + 2000]
        s.append_events([decision_event(d) for d in part])
        s.put_decisions(part)
    hold = LegalHold(
        id="hold-bench",
        title="bench hold",
        terms=("Tobias Renshaw-Adeyemi",),
        jurisdictions=("GB",),
        legal_basis="bench",
        starts_at=now - timedelta(days=1),
    )
    s.append_events([HoldRegistry().add(hold)])
    s.close()
    return ids, now


def write_decisions(
    db: str, rate: float, duration: float, posts: int, seed: int = 3, commit_s: float = 0.25
) -> None:
    """A pipeline in another process: append ``rate`` decisions/s for ``duration`` s to a generated store,
    committing every ``commit_s`` (a pipeline commits per batch, not per decision).

    Why: the server folds the log every ``API_INDEX_POLL_S``; what that costs the gate calls in flight
    (the index update must not block reads, issue #5) only shows while decisions keep arriving.
    Targets: a post (70 %), an account (20 %) or one of the 20 narratives (10 %), as a pipeline's mix.
    """
    from wavebreak.core.records import Action, Decision, Grounds, Surface
    from wavebreak.decisions.log import decision_event
    from wavebreak.storage import open_storage

    rng = random.Random(seed)
    s = open_storage(db)
    grounds = Grounds(platform_policy="Misleading information (benchmark)")
    n_acc = max(10, posts // 5)
    t0 = time.perf_counter()
    k = 0
    while (elapsed := time.perf_counter() - t0) < duration:
        due = int(elapsed * rate) + 1
        batch = []
        while k < due:
            r = rng.random()
            kind, target = (
                ("post", f"bench:p{rng.randrange(posts)}")
                if r < 0.7
                else ("account", f"bench:u{rng.randrange(n_acc)}")
                if r < 0.9
                else ("narrative", f"bench:n{rng.randrange(20)}")
            )
            now = datetime.now(UTC)
            batch.append(
                Decision(
                    id=f"dec-bench-w{k}",
                    at=now,
                    target_kind=kind,
                    target_id=target,
                    actions={Surface.SEARCH: Action.DEMOTE},
                    rule_id="bench-writer",
                    grounds=grounds,
                    expires_at=now + timedelta(days=1),
                    explanation=f"{kind} {target}: benchmark writer",
                )
            )
            k += 1
        if batch:
            s.append_events([decision_event(d) for d in batch])
            s.put_decisions(batch)
        time.sleep(max(0.0, commit_s - (time.perf_counter() - t0 - elapsed)))
    s.close()


def store_ids(path: str, limit: int) -> list[str]:
    from wavebreak.storage import open_storage

    s = open_storage(path)
    ids = list(dict.fromkeys(e.subject for e in s.iter_events(kinds=["decision.applied"])))
    s.close()
    return ids[:limit]


# ----------------------------------------------------------------------------- load


class Loader:
    """Open-loop load over keep-alive HTTP/1.1 connections, latency from scheduled send times."""

    def __init__(self, port: int, key: str, bodies: list[bytes], conns: int) -> None:
        self.port = port
        self.bodies = bodies
        self.conns = conns
        self.head = (
            f"POST /v1/gate HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer {key}\r\n"
            "Content-Type: application/json\r\nContent-Length: "
        ).encode()
        self.latency: list[float] = []
        self.service: list[float] = []
        self.sched: list[float] = []  # each completed request's scheduled send time (for the timeline)
        self.t0 = 0.0
        self.errors: dict[str, int] = {}

    async def _worker(self, queue: asyncio.Queue[tuple[float, bytes] | None]) -> None:
        reader, writer = await asyncio.open_connection(HOST, self.port)
        try:
            while True:
                item = await queue.get()
                if item is None:
                    return
                sched, body = item
                sent = time.perf_counter()
                writer.write(self.head + str(len(body)).encode() + b"\r\n\r\n" + body)
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")
                status = head[9:12].decode()
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                done = time.perf_counter()
                if status != "200":
                    self.errors[status] = self.errors.get(status, 0) + 1
                    continue
                self.latency.append(done - sched)
                self.service.append(done - sent)
                self.sched.append(sched)
        except (ConnectionError, asyncio.IncompleteReadError) as e:
            self.errors[type(e).__name__] = self.errors.get(type(e).__name__, 0) + 1
        finally:
            writer.close()

    async def run(self, rate: float, duration: float) -> dict[str, Any]:
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
        workers = [asyncio.create_task(self._worker(queue)) for _ in range(self.conns)]
        n = int(rate * duration)
        t0 = self.t0 = time.perf_counter() + 0.05
        for i in range(n):
            target = t0 + i / rate
            delay = target - time.perf_counter()
            if delay > 0.0005:
                await asyncio.sleep(delay)
            queue.put_nowait((target, self.bodies[i % len(self.bodies)]))
        sent_end = time.perf_counter()
        for _ in workers:
            queue.put_nowait(None)
        try:
            await asyncio.wait_for(asyncio.gather(*workers), timeout=15)
        except TimeoutError:
            for w in workers:
                w.cancel()
            self.errors["timeout"] = self.errors.get("timeout", 0) + queue.qsize()
        elapsed = time.perf_counter() - t0
        return {
            "requests": n,
            "completed": len(self.latency),
            "errors": self.errors,
            "offered_rate": round(n / max(sent_end - t0, 1e-9), 1),
            "achieved_rate": round(len(self.latency) / elapsed, 1),
            "elapsed_s": round(elapsed, 2),
        }


async def _warm(port: int, key: str, bodies: list[bytes], conns: int = 1) -> None:
    """Send every body once on each of ``conns`` connections (several workers each get some)."""
    loader = Loader(port, key, bodies, conns)
    queues: list[asyncio.Queue[tuple[float, bytes] | None]] = []
    for _ in range(conns):
        q: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
        for b in bodies:
            q.put_nowait((time.perf_counter(), b))
        q.put_nowait(None)
        queues.append(q)
    await asyncio.gather(*(loader._worker(q) for q in queues))
    if loader.errors:
        raise RuntimeError(f"warm-up requests failed: {loader.errors}")


def wait_healthy(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        try:
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not become healthy")


# ----------------------------------------------------------------------------- server GC trace

# Run in the server process before the app (``--gc-trace``): times every cyclic-GC collection with
# ``gc.callbacks`` on the perf_counter clock (CLOCK_MONOTONIC on Linux: the load generator's clock
# too) and writes them every second, so the bench can say whether slow calls coincide with collections.
_GC_TRACE = """
import gc, json, os, threading, time
_gc_t, _gc_log = [0.0], []
def _gc_cb(phase, info):
    if phase == "start":
        _gc_t[0] = time.perf_counter()
    else:
        _gc_log.append((_gc_t[0], time.perf_counter() - _gc_t[0], info["generation"]))
def _gc_dump():
    while True:
        time.sleep(1.0)
        with open(os.environ["WAVEBREAK_BENCH_GC_TRACE"], "w") as f:
            f.write(json.dumps(list(_gc_log)))
gc.callbacks.append(_gc_cb)
threading.Thread(target=_gc_dump, daemon=True).start()
"""


def gc_summary(path: Path, t0: float, t1: float) -> dict[str, Any]:
    """Collections the server ran during the load window [t0, t1] (perf_counter clock)."""
    try:
        log = json.loads(path.read_text())
    except (OSError, ValueError):
        return {"error": "no trace written"}
    inside = [(t, d, g) for t, d, g in log if t0 <= t <= t1]
    by_gen = {g: [d * 1000 for _, d, gg in inside if gg == g] for g in (0, 1, 2)}
    return {
        "collections": {str(g): len(v) for g, v in by_gen.items()},
        "max_pause_ms": {str(g): round(max(v), 3) if v else 0.0 for g, v in by_gen.items()},
        "total_pause_ms": round(sum(d for _, d, _ in inside) * 1000, 2),
        "pauses_over_1ms_at_s": [round(t - t0, 3) for t, d, _ in inside if d > 0.001][:20],
    }


# ----------------------------------------------------------------------------- main


def run(args: argparse.Namespace) -> dict[str, Any]:
    from wavebreak.api.keys import create_key
    from wavebreak.api.live import LiveIndex
    from wavebreak.storage import open_storage

    tmp = tempfile.TemporaryDirectory(prefix="wavebreak-bench-gate-")
    rng = random.Random(11)
    if args.db:
        db = args.db
        ids = store_ids(db, args.posts)
        at = args.at
        if not ids:
            raise SystemExit(f"{db} holds no decisions: run `wavebreak demo --scale 0.1 --out DIR` first")
        ids += [f"demo:{i}" for i in range(len(ids))]  # undecided ids too
        source = f"store {db}"
    else:
        db = str(Path(tmp.name) / "bench.db")
        t = time.perf_counter()
        ids, _ = generated_store(Path(db), args.posts, args.decided_share)
        at = None
        source = f"generated: {args.posts} posts, {args.decided_share:.0%} with decisions ({time.perf_counter() - t:.1f}s)"
    storage = open_storage(db)
    key, _ = create_key(storage, ["gate:read"], name="bench.gate", actor="bench")
    surfaces = ["trends", "search", "recommendations", "notifications"]
    batches = []
    for i in range(args.distinct):
        items = rng.sample(ids, min(args.batch, len(ids)))
        batches.append((surfaces[i % 4], "GB" if i % 2 else "FR", items))
    bodies = [
        orjson.dumps({"surface": s, "viewer_region": r, "items": items, **({"at": at} if at else {})})
        for s, r, items in batches
    ]

    # 1. in-process baseline over the same index the server builds
    live = LiveIndex(storage)
    live.refresh()
    when = datetime.fromisoformat(at.replace("Z", "+00:00")) if at else None
    for s, r, items in batches:
        live.prefetch(items)
        live.gate.decide(s, r, items, when)
    base: list[float] = []
    deadline = time.perf_counter() + args.baseline_s
    k = 0
    while time.perf_counter() < deadline:
        s, r, items = batches[k % len(batches)]
        t0 = time.perf_counter()
        live.gate.decide(s, r, items, when)
        base.append(time.perf_counter() - t0)
        k += 1
    storage.close()
    baseline = {"calls": len(base), **pct(base)}

    # 2. the server in a subprocess, loaded over loopback
    port = free_port()
    cmd = [
        sys.executable,
        "-c",
        (_GC_TRACE if args.gc_trace else "")
        + "import sys, wavebreak.cli.serve; from wavebreak.cli.groups import app; app(sys.argv[1:])",
        "serve",
        "--db",
        db,
        "--host",
        HOST,
        "--port",
        str(port),
        "--no-score-raw",
        "--workers",
        str(args.workers),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    gc_path = Path(tmp.name) / "gc.json"
    if args.gc_trace:
        env["WAVEBREAK_BENCH_GC_TRACE"] = str(gc_path)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    loader: Loader | None = None
    cpu0 = cpu1 = None
    try:
        wait_healthy(port, proc)
        asyncio.run(_warm(port, key, bodies, 1 if args.workers == 1 else min(args.conns, 4 * args.workers)))
        loader = Loader(port, key, bodies, args.conns)
        writer = None
        if args.write_rate > 0:
            if args.db:
                raise SystemExit("--write-rate writes to a generated store only (not --db)")
            code = (
                "from bench.gate import write_decisions; "
                f"write_decisions({db!r}, {args.write_rate}, {args.duration}, {args.posts})"
            )
            writer = subprocess.Popen(
                [sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent
            )
        cpu0 = cpu_seconds(proc.pid)
        load = asyncio.run(loader.run(args.rate, args.duration))
        cpu1 = cpu_seconds(proc.pid)
        if writer is not None:
            writer.wait(timeout=30)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        gc_trace = (
            gc_summary(gc_path, loader.t0, loader.t0 + args.duration)
            if args.gc_trace and loader is not None
            else None
        )
        tmp.cleanup()
    assert loader is not None
    http = pct(loader.latency)
    service = pct(loader.service)
    p99 = http["p99_ms"]
    return {
        "bench": "gate",
        "store": source,
        "batch_items": args.batch,
        "target": {"rate_rps": args.rate, "p99_ms": TARGET_P99_MS},
        "load": load,
        "http_latency_from_schedule": http,
        "http_service_time": service,
        "in_process_gate_decide": baseline,
        "load_started_monotonic_s": round(
            loader.t0, 3
        ),  # CLOCK_MONOTONIC: to line slow windows up with server clocks
        "timeline": timeline(loader),
        "server_cpu": (
            {
                "seconds": round(cpu1 - cpu0, 2),
                "ms_per_call": round((cpu1 - cpu0) * 1000 / max(len(loader.latency), 1), 3),
            }
            if cpu0 is not None and cpu1 is not None
            else None
        ),
        **({"server_gc": gc_trace} if gc_trace is not None else {}),
        "ratio_p50_http_vs_in_process": round(http["p50_ms"] / baseline["p50_ms"], 2) if base else None,
        "ratio_p99_http_vs_in_process": round(p99 / baseline["p99_ms"], 2) if base else None,
        "target_met": bool(
            p99 < TARGET_P99_MS and load["achieved_rate"] >= 0.95 * args.rate and not load["errors"]
        ),
        "write_rate_decisions_per_s": args.write_rate,
        "connections": args.conns,
        "cpus": os.cpu_count(),
        "server": f"uvicorn (httptools when installed), {args.workers} worker(s), same machine as the load generator",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    ap.add_argument("--rate", type=float, default=1000.0, help="requests per second offered")
    ap.add_argument(
        "--duration", type=float, default=15.0, help="seconds of load (bounded: rate x duration calls)"
    )
    ap.add_argument("--batch", type=int, default=100, help="items per gate call")
    ap.add_argument("--posts", type=int, default=20_000, help="posts in the generated store")
    ap.add_argument(
        "--decided-share", type=float, default=0.2, help="share of generated posts with a decision"
    )
    ap.add_argument("--distinct", type=int, default=500, help="distinct request bodies cycled through")
    ap.add_argument("--conns", type=int, default=32, help="keep-alive connections")
    ap.add_argument("--workers", type=int, default=1, help="server worker processes")
    ap.add_argument("--baseline-s", type=float, default=3.0, help="seconds of in-process Gate.decide calls")
    ap.add_argument(
        "--write-rate",
        type=float,
        default=0.0,
        help="decisions/s appended by a writer process during the load (a pipeline; generated store only)",
    )
    ap.add_argument(
        "--gc-trace",
        action="store_true",
        help="time the server's GC collections (gc.callbacks) during the load",
    )
    ap.add_argument("--db", help="use this store (e.g. a demo run) instead of a generated one")
    ap.add_argument("--at", help="decide as of this ISO time (demo stores live in stream time)")
    args = ap.parse_args()
    if args.duration > 120 or args.rate * args.duration > 200_000:
        raise SystemExit("keep the load bounded: duration <= 120 s and rate x duration <= 200,000")
    res = run(args)
    if args.json:
        print(json.dumps(res))
        return
    h, b, ld = res["http_latency_from_schedule"], res["in_process_gate_decide"], res["load"]
    print(f"store: {res['store']}")
    print(
        f"load: {ld['requests']} x {res['batch_items']}-item calls offered at {ld['offered_rate']}/s, "
        f"completed {ld['completed']} at {ld['achieved_rate']}/s, errors {ld['errors']}"
    )
    print(
        f"HTTP latency (from schedule): p50 {h['p50_ms']} ms, p90 {h['p90_ms']} ms, p99 {h['p99_ms']} ms, max {h['max_ms']} ms"
    )
    print(f"in-process Gate.decide:       p50 {b['p50_ms']} ms, p99 {b['p99_ms']} ms ({b['calls']} calls)")
    print(f"ratio p99 HTTP / in-process: {res['ratio_p99_http_vs_in_process']}")
    print(
        f"target p99 < {TARGET_P99_MS} ms at {res['target']['rate_rps']}/s: {'MET' if res['target_met'] else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
