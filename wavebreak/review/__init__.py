"""Human review: notices (DSA art. 16) from users, trusted flaggers and authorities, cases,
a harm-ordered queue with SLAs, decisions, escalation, appeals and strikes.

Ozone-style: every step is an event in the append-only moderation log; case state,
the queue and the metrics are a projection (:class:`ReviewState`) derived from it.
:class:`ReviewDesk` is the write side (it appends events and keeps the projection
current); the console and the HTTP router are thin layers over it.
"""

from __future__ import annotations

from wavebreak.review.desk import Receipt, ReviewDesk
from wavebreak.review.policies import REVIEW_POLICIES, ReviewPolicy
from wavebreak.review.sla import SlaPolicy
from wavebreak.review.state import CaseFile, QueueItem, ReviewState

__all__ = [
    "REVIEW_POLICIES",
    "CaseFile",
    "QueueItem",
    "Receipt",
    "ReviewDesk",
    "ReviewPolicy",
    "ReviewState",
    "SlaPolicy",
]
