"""Records posted over HTTP: parsing with the ingest adapters, and on-the-fly gate answers.

Parsing: the body's ``records`` are parsed one by one with the same adapters as
``wavebreak ingest`` (generic schema by default; ``format`` selects Jetstream,
Mastodon, X v2 or Twitter v1.1), so the HTTP path and the file path accept and
reject exactly the same records, with the same reasons.

Scoring posts the server has never seen (``POST /v1/gate`` with ``posts``): a
surface may need an answer before the pipeline has recorded anything about a
post. It gets a provisional answer from the signals *fast path* and the policy
pack's post rules (holds and active crises included), evaluated in a throwaway
policy stage so nothing is recorded or deduplicated. Loading the fast-path
models takes seconds, so they are warmed in a background thread when the
server starts; until they are ready, such posts are answered from legal holds
and existing decisions only, and say so (``scored: "holds-only"``): a gate call
never blocks on a model load.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson

from wavebreak.core.records import Account, Decision, Deletion, Post, Quarantined, SourcePosition, Surface
from wavebreak.policy.gate import Gate, GateResult

log = logging.getLogger(__name__)

RAW_FORMATS = ("jsonl", "jetstream", "mastodon", "x-v2", "twitter-v1")
"""Record formats accepted in JSON bodies (``jsonl`` = the generic schema of docs/formats.md)."""


def _adapter(fmt: str) -> Any:
    from wavebreak.ingest.generic import GenericAdapter
    from wavebreak.ingest.jetstream import JetstreamAdapter
    from wavebreak.ingest.mastodon import MastodonAdapter
    from wavebreak.ingest.x import TwitterV1Adapter, XV2Adapter

    return {
        "jsonl": lambda: GenericAdapter("jsonl"),
        "generic": lambda: GenericAdapter("jsonl"),
        "jetstream": JetstreamAdapter,
        "mastodon": lambda: MastodonAdapter(None),
        "x-v2": XV2Adapter,
        "twitter-v1": TwitterV1Adapter,
    }[fmt]()


def parse_records(
    records: Sequence[Any], fmt: str = "jsonl", source: str = "http"
) -> tuple[list[Post | Account | Deletion], list[dict[str, Any]]]:
    """Parse JSON records; returns (good records, [{index, reason}] for every rejected one).

    A record yielding several core records (an X page, an embedded author) is kept
    whole unless the adapter quarantined part of it: then its good parts are kept and
    the bad part is reported under the same index.
    """
    from wavebreak.ingest.common import RecordError

    adapter = _adapter(fmt)
    good: list[Post | Account | Deletion] = []
    errors: list[dict[str, Any]] = []
    for i, obj in enumerate(records):
        raw = orjson.dumps(obj).decode()
        try:
            recs = adapter.parse(obj, raw, SourcePosition(source, i))
        except (RecordError, AttributeError, TypeError, KeyError, ValueError, IndexError) as e:
            reason = (
                str(e) if isinstance(e, RecordError) else f"unexpected structure: {type(e).__name__}: {e}"
            )
            errors.append({"index": i, "reason": reason})
            continue
        for r in recs or []:
            if isinstance(r, Quarantined):
                errors.append({"index": i, "reason": r.reason})
            else:
                good.append(r)
        if not recs:
            errors.append({"index": i, "reason": "record carries no content (skipped)"})
    return good, errors


class RawScorer:
    """Provisional gate answers for posts not yet recorded, from the signals fast path and the pack."""

    def __init__(self, live: Any, pack: Any = None, enabled: bool = True) -> None:
        self.live = live
        self._pack_arg = pack
        self.enabled = enabled
        self._pack: Any = None
        self._ready = threading.Event()
        self._failed: str | None = None
        self._thread: threading.Thread | None = None

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def status(self) -> str:
        if not self.enabled:
            return "disabled"
        if self._failed:
            return f"failed: {self._failed}"
        return "ready" if self.ready else "warming"

    def warm(self, background: bool = True) -> None:
        """Load the pack and the fast-path models (in a daemon thread by default)."""
        if not self.enabled or self._thread is not None or self.ready:
            return
        if background:
            self._thread = threading.Thread(target=self._load, name="wavebreak-scorer", daemon=True)
            self._thread.start()
        else:
            self._load()

    def _load(self) -> None:
        try:
            from wavebreak.policy.pack import PolicyPack, load_pack
            from wavebreak.signals.api import score_texts

            p = self._pack_arg
            self._pack = p if isinstance(p, PolicyPack) else load_pack(p or "default")
            score_texts(["warm up"])  # builds the cached fast-path stage
            self._ready.set()
        except Exception as e:  # models missing: holds-only answers, reported in /healthz
            self._failed = f"{type(e).__name__}: {e}"
            log.exception("on-the-fly scorer unavailable")

    def provisional_decisions(self, posts: Sequence[Post], at: datetime) -> list[Decision]:
        """Decisions the pack would take on these posts now (not recorded, not deduplicated)."""
        from wavebreak.pipeline.context import PipelineContext
        from wavebreak.pipeline.stage import Batch
        from wavebreak.policy.crisis import CrisisManager
        from wavebreak.policy.stage import PolicyStage
        from wavebreak.signals.api import score_texts

        sigs = score_texts([p.text for p in posts], [p.lang for p in posts])
        batch = Batch(posts=list(posts), signals={p.id: s for p, s in zip(posts, sigs, strict=True)})
        batch.accounts = [p.author for p in posts if p.author is not None]
        batch.watermark = at
        crises = CrisisManager([replace(c) for c in self.live.crises.all()])
        stage = PolicyStage(self._pack, holds=self.live.holds, crises=crises, propose_crises=False)
        stage.process(batch, PipelineContext())
        return [d for d in batch.decisions if d.target_kind == "post"]

    def answer(
        self, posts: Sequence[Post], surface: Surface, region: str | None, at: datetime | None = None
    ) -> tuple[list[GateResult], str]:
        """Gate results for unseen posts, and how they were scored (``signals+policy`` or ``holds-only``)."""
        when = at or datetime.now(UTC)
        gate = Gate(None, self.live.holds, ttl=0.0)
        gate.holds = self.live.holds  # an empty registry is falsy: Gate would swap in its own
        authors = {p.author_id for p in posts}
        gate.observe(d for d in self.live.decisions_for(list(authors)) if d.target_kind == "account")
        for p in posts:
            gate.link(p.id, None, p.author_id, p.text)
        how = "holds-only"
        if self.enabled and self.ready:
            try:
                gate.observe(self.provisional_decisions(posts, when))
                how = "signals+policy"
            except Exception:  # a scoring failure degrades to holds-only, never to an error
                log.exception("on-the-fly scoring failed")
        return gate.decide(surface, region, [p.id for p in posts], when), how
