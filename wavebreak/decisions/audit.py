"""Verify the hash-chained moderation event log (``wavebreak audit verify``).

Verification recomputes every hash from the stored fields and checks, in seq order:
contiguous seq numbers from 1 (a gap means a deleted row), each ``prev_hash`` equal
to the previous event's hash (a reordered or spliced row), each stored hash equal to
the recomputed one (an edited field), every anchor equal to the event hash at its seq
(a history rewritten and re-hashed after the anchor was published) and the recorded
chain head equal to the last event (rows cut from the tail). It stops at the first
broken link and names it, because everything after it is untrustworthy anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from wavebreak.storage.chain import GENESIS_HASH, event_hash

if TYPE_CHECKING:
    from wavebreak.storage.base import Storage


@dataclass(slots=True, frozen=True)
class VerifyResult:
    """Outcome of :func:`verify_chain`; ``first_broken_seq`` is ``None`` when ``ok``."""

    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    anchors_checked: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_broken_seq": self.first_broken_seq,
            "reason": self.reason,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "anchors_checked": self.anchors_checked,
        }


def verify_chain(storage: Storage) -> VerifyResult:
    """Walk the whole log once (paged, flat memory) and return the first broken link, if any."""
    # Anchors, then the head, then the events: anything appended while we verify lies past
    # the head we read and is left for the next run instead of raising a false alarm.
    anchors = {int(a["seq"]): str(a["hash"]) for a in storage.list_anchors()}
    head_seq, head_hash = storage.event_head()
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    anchors_checked = 0

    def broken(seq: int, reason: str) -> VerifyResult:
        return VerifyResult(False, checked, seq, reason, expected_seq - 1, prev_hash, anchors_checked)

    for e in storage.iter_events():
        seq = int(e.seq or 0)
        if seq > head_seq and expected_seq > head_seq:
            break  # appended after we read the head (or beyond a rewritten head: checked below)
        if seq != expected_seq:
            if seq > expected_seq:
                missing = (
                    f"seq {expected_seq}" if seq == expected_seq + 1 else f"seq {expected_seq}..{seq - 1}"
                )
                return broken(
                    expected_seq, f"{missing} missing (deleted row?): next stored event is seq {seq}"
                )
            return broken(seq, f"seq {seq} out of order after seq {expected_seq - 1}")
        if e.prev_hash != prev_hash:
            return broken(
                seq,
                f"seq {seq}: prev_hash {e.prev_hash[:12]}… does not match hash of seq {seq - 1} "
                f"({prev_hash[:12]}…): row reordered, replaced or spliced",
            )
        recomputed = event_hash(seq, e.id, e.kind, e.at, e.subject, e.actor, e.payload, e.prev_hash)
        if recomputed != e.hash:
            return broken(
                seq,
                f"seq {seq}: content does not match its hash (stored {e.hash[:12]}…, recomputed "
                f"{recomputed[:12]}…): a field of this event was changed",
            )
        anchored = anchors.get(seq)
        if anchored is not None:
            if anchored != e.hash:
                return broken(
                    seq,
                    f"seq {seq}: anchor {anchored[:12]}… does not match the event hash {e.hash[:12]}…: "
                    "history was rewritten after the anchor was published",
                )
            anchors_checked += 1
        checked += 1
        prev_hash = e.hash
        expected_seq += 1

    last_seq = expected_seq - 1
    dangling = sorted(s for s in anchors if s > last_seq)
    if dangling:
        return VerifyResult(
            False,
            checked,
            last_seq + 1,
            f"anchor at seq {dangling[0]} but the log ends at seq {last_seq}: events deleted from the tail",
            last_seq,
            prev_hash,
            anchors_checked,
        )
    if head_seq != last_seq or head_hash != prev_hash:
        first = min(head_seq, last_seq) + 1 if head_seq != last_seq else last_seq
        return VerifyResult(
            False,
            checked,
            first,
            f"chain head records seq {head_seq} ({head_hash[:12]}…) but the log ends at seq {last_seq} "
            f"({prev_hash[:12]}…): events deleted from or appended to the tail outside storage",
            last_seq,
            prev_hash,
            anchors_checked,
        )
    return VerifyResult(
        True,
        checked,
        None,
        f"{checked} events verified, {anchors_checked} anchors match, head seq {last_seq}",
        last_seq,
        prev_hash,
        anchors_checked,
    )
