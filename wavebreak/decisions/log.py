"""Event-log vocabulary for alerts and decisions, reversals, and the projection rebuild.

Event kinds written here (payloads are the full records as JSON, see :mod:`serde`):

- ``alert.raised``      subject = narrative id (or the alert id), payload = alert
- ``decision.applied``  subject = target id, payload = decision incl. facts and grounds
- ``decision.reversed`` subject = target id, payload = {decision_id, reason, at}

The ``decisions`` table is a projection of these events; :func:`rebuild_projection`
proves it by recomputing it from the log alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from wavebreak.core.records import Alert, Decision, Event
from wavebreak.decisions.serde import alert_to_dict, decision_from_dict, decision_to_dict, dt_to_iso

if TYPE_CHECKING:
    from wavebreak.storage.base import Storage

ALERT_RAISED = "alert.raised"
DECISION_APPLIED = "decision.applied"
DECISION_REVERSED = "decision.reversed"


def alert_event(alert: Alert, actor: str = "narratives") -> Event:
    """The ``alert.raised`` event for an alert (not yet appended)."""
    return Event(
        kind=ALERT_RAISED,
        at=alert.at,
        subject=alert.narrative_id or alert.id,
        payload=alert_to_dict(alert),
        actor=actor,
    )


def decision_event(decision: Decision) -> Event:
    """The ``decision.applied`` event for a decision (not yet appended)."""
    return Event(
        kind=DECISION_APPLIED,
        at=decision.at,
        subject=decision.target_id,
        payload=decision_to_dict(decision),
        actor=decision.actor,
    )


def reverse_decision(storage: Storage, decision_id: str, at: datetime, actor: str, reason: str = "") -> Event:
    """Reverse a decision: append ``decision.reversed`` first, then update the projection.

    Raises ``KeyError`` for an unknown decision (a reversal must name what it reverses).
    """
    decision = storage.get_decision(decision_id)
    if decision is None:
        raise KeyError(f"unknown decision {decision_id!r}")
    (recorded,) = storage.append_events(
        [
            Event(
                kind=DECISION_REVERSED,
                at=at,
                subject=decision.target_id,
                payload={"decision_id": decision_id, "reason": reason, "at": dt_to_iso(at)},
                actor=actor,
            )
        ]
    )
    storage.revoke_decision(decision_id, at)
    return recorded


def rebuild_projection(storage: Storage) -> int:
    """Recompute the decisions table from the event log; returns the decisions restored.

    Only for the SQL backend (it needs ``clear_decisions``). Replays ``decision.applied``
    (in seq order, so supersession is re-applied) and ``decision.reversed``.
    """
    clear = getattr(storage, "clear_decisions", None)
    if clear is None:
        raise TypeError("this storage cannot clear its projection")
    clear()
    n = 0
    for e in storage.iter_events(kinds=[DECISION_APPLIED, DECISION_REVERSED]):
        if e.kind == DECISION_APPLIED:
            storage.put_decisions([decision_from_dict(e.payload)])
            n += 1
        else:
            storage.revoke_decision(str(e.payload["decision_id"]), e.at)
    return n
