"""Submission client for the DSA Transparency Database (``POST /api/v1/statements``).

Why these behaviours:

- batches of at most ``SOR_BATCH_MAX`` (100): the database refuses larger ones;
- retry with exponential backoff and jitter on 429 and 5xx (honouring ``Retry-After``):
  the database throttles bulk submitters, and a transient refusal must not lose statements;
- idempotency by ``puid``: the ledger (JSONL, one line per accepted statement) is read
  first and accepted puids are never sent again; a batch refused because some puids
  already exist (a crash after the server accepted but before the ledger was written)
  records those as accepted and resubmits only the others;
- a batch refused for validation (422) is not retried: it would fail again. Its errors,
  keyed ``statement_<i>``, are returned so the operator can fix the builder.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wavebreak.core import constants as C


@dataclass(slots=True)
class SubmitResult:
    """What one submission run did."""

    accepted: int = 0
    already: int = 0
    rejected: int = 0
    retries: int = 0
    batches: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "already_submitted": self.already,
            "rejected": self.rejected,
            "retries": self.retries,
            "batches": self.batches,
            "errors": self.errors[:20],
        }


class Ledger:
    """JSONL record of accepted statements: ``{puid, uuid, at, batch}`` per line (append-only)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.accepted: dict[str, str | None] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    rec = json.loads(line)
                    self.accepted[rec["puid"]] = rec.get("uuid")

    def record(self, rows: Sequence[tuple[str, str | None]], batch: int) -> None:
        now = datetime.now(UTC).isoformat()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            for puid, uid in rows:
                self.accepted[puid] = uid
                fh.write(json.dumps({"puid": puid, "uuid": uid, "at": now, "batch": batch}) + "\n")


class SorClient:
    """Submit statements to ``base_url`` (the database, its sandbox, or the local fake).

    ``http`` may be any ``httpx.Client``-like object (a FastAPI ``TestClient`` in tests);
    ``sleep`` is injectable so tests do not wait through backoff.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        ledger: Path,
        *,
        http: Any | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = C.SOR_MAX_ATTEMPTS,
        rng: random.Random | None = None,
    ) -> None:
        import httpx

        self.http = http or httpx.Client(base_url=base_url.rstrip("/"), timeout=30.0)
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.ledger = Ledger(ledger)
        self.sleep = sleep
        self.max_attempts = max_attempts
        self.rng = rng or random.Random(0)

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), C.SOR_BACKOFF_MAX_S)
            except ValueError:
                pass
        base = C.SOR_BACKOFF_BASE_S * (2**attempt)
        return min(base * (0.5 + self.rng.random()), C.SOR_BACKOFF_MAX_S)

    def _post(self, batch: list[dict[str, Any]], result: SubmitResult) -> Any:
        resp = None
        for attempt in range(self.max_attempts):
            resp = self.http.post("/api/v1/statements", json={"statements": batch}, headers=self.headers)
            if resp.status_code == 429 or resp.status_code >= 500:
                if attempt + 1 < self.max_attempts:
                    result.retries += 1
                    self.sleep(self._delay(attempt, resp.headers.get("retry-after")))
                continue
            return resp
        return resp

    def submit(self, statements: Sequence[dict[str, Any]]) -> SubmitResult:
        """Send every statement not yet in the ledger; return the counts."""
        result = SubmitResult()
        pending = []
        for s in statements:
            if s["puid"] in self.ledger.accepted:
                result.already += 1
            else:
                pending.append(s)
        size = C.SOR_BATCH_MAX
        queue = [pending[i : i + size] for i in range(0, len(pending), size)]
        while queue:
            batch = queue.pop(0)
            result.batches += 1
            resp = self._post(batch, result)
            code = resp.status_code if resp is not None else 0
            body: dict[str, Any] = {}
            try:
                body = resp.json() if resp is not None else {}
            except ValueError:
                body = {}
            if code in (200, 201):
                stored = body.get("statements") or []
                uuids = {r.get("puid"): r.get("uuid") for r in stored if isinstance(r, dict)}
                self.ledger.record([(s["puid"], uuids.get(s["puid"])) for s in batch], result.batches)
                result.accepted += len(batch)
            elif code == 422 and body.get("existing_puids"):
                dup = set(body["existing_puids"])
                self.ledger.record([(p, None) for p in dup], result.batches)
                result.already += len(dup)
                rest = [s for s in batch if s["puid"] not in dup]
                if rest:
                    queue.insert(0, rest)
            else:
                result.rejected += len(batch)
                result.errors.append({"status": code, "body": body, "puids": [s["puid"] for s in batch][:5]})
        return result
