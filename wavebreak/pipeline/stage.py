"""The stage contract: micro-batches flow one way through plain objects.

normalise → signals → narratives → policy → decisions → sinks

Each stage reads and fills the same :class:`Batch`; nothing calls back
upstream. Event time (``Batch.watermark``) drives every window, so a replay is
deterministic and a live source runs exactly the same code. A stage that is not
ready yet is simply absent: the pipeline still runs end to end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from wavebreak.core.records import Account, Alert, Decision, Deletion, Post, Quarantined, Signal

if TYPE_CHECKING:
    from wavebreak.pipeline.context import PipelineContext


@dataclass(slots=True)
class Batch:
    """One micro-batch in event-time order, plus everything stages derive for it.

    - ``signals[post_id][signal_name]``: filled by the signals stage.
    - ``narrative_of[post_id]``: narrative id, filled by the narratives stage.
    - ``alerts`` / ``decisions``: appended by narratives and policy stages; the
      decisions stage records them in the event log *before* sinks publish.
    """

    posts: list[Post] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    signals: dict[str, dict[str, Signal]] = field(default_factory=dict)
    account_signals: dict[str, dict[str, Signal]] = field(default_factory=dict)
    narrative_of: dict[str, str] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    watermark: datetime | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.posts)

    def scored_copy(self) -> Batch:
        """A new batch with this one's posts, signals, account signals, watermark and a copy of its
        extras, and none of the later stages' outputs.

        Why: the narratives bench, its evaluation and the compiled-vs-pure harness replay one
        pre-scored stream through fresh narratives stages; each replay needs batches that no earlier
        replay has written assignments, alerts or decisions into.
        """
        return Batch(
            posts=self.posts,
            signals=self.signals,
            account_signals=self.account_signals,
            watermark=self.watermark,
            extras=dict(self.extras),
        )


@runtime_checkable
class Stage(Protocol):
    """One step of the pipeline. ``process`` mutates the batch in place."""

    name: str

    def process(self, batch: Batch, ctx: PipelineContext) -> None: ...

    def close(self, ctx: PipelineContext) -> None: ...
