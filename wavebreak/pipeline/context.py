"""Shared, bounded state that stages read: accounts, crisis state, storage, listeners.

The context is where cross-stage state lives so that stages stay plain objects.
Everything here is bounded (LRU account cache) so a 10 M-post replay runs in
flat memory.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from wavebreak.core import constants as C
from wavebreak.core.records import Account, Alert, Crisis, Decision

if TYPE_CHECKING:
    from wavebreak.storage.base import Storage


class AccountCache:
    """LRU of the latest account snapshot per id, bounded by ``ACCOUNT_CACHE_SIZE``."""

    def __init__(self, capacity: int = C.ACCOUNT_CACHE_SIZE) -> None:
        self.capacity = capacity
        self._data: OrderedDict[str, Account] = OrderedDict()

    def get(self, account_id: str) -> Account | None:
        acc = self._data.get(account_id)
        if acc is not None:
            self._data.move_to_end(account_id)
        return acc

    def put(self, account: Account) -> None:
        self._data[account.id] = account
        self._data.move_to_end(account.id)
        if len(self._data) > self.capacity:
            self._data.popitem(last=False)

    def discard(self, account_id: str) -> None:
        """Forget ``account_id`` (no error when it is not held)."""
        self._data.pop(account_id, None)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, account_id: str) -> bool:
        return account_id in self._data


log = logging.getLogger(__name__)
T = TypeVar("T")


def announce(items: Iterable[T], listeners: list[Callable[[T], Any]], what: str) -> int:
    """Call every listener on every item, in order; returns how many calls raised.

    A listener that raises is logged and skipped: it never un-records anything or stops the
    other listeners. Call it only once the items are recorded (or where nothing records).
    """
    failed = 0
    for item in items:
        for listener in listeners:
            try:
                listener(item)
            except Exception:
                failed += 1
                log.exception("%s listener %r failed (the %s is recorded regardless)", what, listener, what)
    return failed


@dataclass
class PipelineContext:
    """What every stage may read; only the owning stage writes its own part."""

    storage: Storage | None = None
    accounts: AccountCache = field(default_factory=AccountCache)
    crises: list[Crisis] = field(default_factory=list)
    now: datetime | None = None
    config: dict[str, Any] = field(default_factory=dict)
    on_alert: list[Callable[[Alert], None]] = field(default_factory=list)
    on_decision: list[Callable[[Decision], None]] = field(default_factory=list)
    services: dict[str, Any] = field(default_factory=dict)
    """Named stage-owned services other stages may query (e.g. ``narratives``)."""
    closing_alerts: list[Alert] = field(default_factory=list)
    """Alerts a stage raises while closing (the narratives stage's last open tick). No batch carries
    them, so the recording stage records and announces them in its own ``close``; where nothing
    records, the pipeline announces them once every stage has closed."""

    def active_crises(self, t: datetime | None = None) -> list[Crisis]:
        t = t or self.now
        if t is None:
            return []
        return [c for c in self.crises if c.active_at(t)]
