"""One storage interface, several backends (HMA style).

Every backend (SQLite file by default, PostgreSQL by URL) implements this
Protocol with the same schema and migrations. Stages and edges talk only to
this interface, so the embedded laptop setup and a platform deployment run the
same code. The moderation event log is append-only and hash-chained; tables
such as the decision index are projections derived from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from wavebreak.core.records import (
    Account,
    Decision,
    Deletion,
    Event,
    Narrative,
    Post,
    Quarantined,
    Signal,
)


@runtime_checkable
class Storage(Protocol):
    url: str

    # lifecycle
    def migrate(self) -> None:
        """Create or upgrade the schema to head (Alembic)."""

    def close(self) -> None: ...

    def transaction(self) -> AbstractContextManager[None]:
        """Writes made on this thread inside the block commit together (one transaction)."""
        ...

    # content
    def add_posts(self, posts: Sequence[Post]) -> None: ...
    def add_accounts(self, accounts: Sequence[Account]) -> None: ...
    def add_deletions(self, deletions: Sequence[Deletion]) -> None: ...
    def add_quarantined(self, records: Sequence[Quarantined]) -> None: ...
    def add_signals(self, rows: Iterable[tuple[str, dict[str, Signal]]]) -> None:
        """Store (post_id, {name: Signal}) for posts whose signals are worth keeping."""

    def get_post(self, post_id: str) -> Post | None: ...
    def get_posts(self, post_ids: Sequence[str]) -> list[Post]: ...
    def get_account(self, account_id: str) -> Account | None: ...
    def get_signals(self, post_id: str) -> dict[str, Signal]: ...
    def quarantine_counts(self) -> dict[str, int]: ...

    # narratives
    def upsert_narratives(self, narratives: Sequence[Narrative]) -> None: ...
    def add_narrative_points(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append windowed metric rows: {narrative_id, at, posts, accounts, reach, ...}."""

    def set_post_narratives(self, pairs: Sequence[tuple[str, str]]) -> None: ...
    def list_narratives(self, limit: int = 100) -> list[Narrative]: ...
    def get_narrative(self, narrative_id: str) -> Narrative | None: ...
    def narrative_series(
        self, narrative_id: str, since: datetime | None = None, until: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Chart points of a narrative in time order, ``since < at <= until`` when given."""

    def narrative_post_ids(self, narrative_id: str, limit: int | None = None) -> list[str]: ...

    # append-only event log
    def append_events(self, events: Sequence[Event]) -> list[Event]:
        """Append in order, assigning seq, recorded_at, prev_hash and hash; return them."""

    def iter_events(
        self, since_seq: int = 0, kinds: Sequence[str] | None = None, subject: str | None = None
    ) -> Iterator[Event]: ...

    # decision index (projection of decision events, what the gate reads)
    def put_decisions(self, decisions: Sequence[Decision]) -> None: ...
    def get_decision(self, decision_id: str) -> Decision | None: ...
    def decisions_for(self, target_ids: Sequence[str], at: datetime | None = None) -> list[Decision]:
        """Active (not reversed, not expired at ``at``) decisions on these targets."""

    def revoke_decision(self, decision_id: str, at: datetime) -> None: ...

    # anchors: published digests of the event chain (added by the storage owner)
    def event_head(self) -> tuple[int, str]:
        """(seq, hash) of the last appended event; (0, 64 zeros) for an empty log."""

    def list_anchors(self) -> list[dict[str, Any]]:
        """Every anchor ``{seq, hash, at, algorithm}`` in seq order."""

    def latest_anchor(self) -> dict[str, Any]:
        """The most recent anchor (a digest that can be published); ``{}`` if none yet."""

    def anchor_head(self, at: datetime | None = None) -> dict[str, Any]:
        """Write an anchor at the current head (idempotent); ``{}`` when the log is empty."""
