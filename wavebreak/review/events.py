"""Event vocabulary of human review (what the log records; state is derived from it).

Why constants rather than free strings: the projection, the desk, the console and the
exports all match on these kinds; a typo would silently drop a step from the derived
state. Decisions themselves use the pipeline's ``decision.applied`` / ``decision.reversed``
(:mod:`wavebreak.decisions.log`) so the gate and the audit trail treat a reviewer's
decision exactly like an automated one.
"""

from __future__ import annotations

REPORT_RECEIVED = "report.received"
REPORT_REJECTED = "report.rejected"
CASE_OPENED = "case.opened"
CASE_ASSIGNED = "case.assigned"
CASE_ESCALATED = "case.escalated"
CASE_DECIDED = "case.decided"
RELEASE_PROPOSED = "release.proposed"
"""A first reviewer would release a hold that needs four eyes; the hold stays in force until a
second, different reviewer agrees (then ``case.decided`` with the reversals) or disagrees."""
NOTICE_SENT = "notice.sent"
APPEAL_RECEIVED = "appeal.received"
APPEAL_DECIDED = "appeal.decided"
NOTIFIER_WARNED = "notifier.warned"
NOTIFIER_SUSPENDED = "notifier.suspended"
FLAGGER_REGISTERED = "flagger.registered"
STRIKE_ADDED = "strike.added"
STRIKE_REMOVED = "strike.removed"
ACCOUNT_SUSPENDED = "account.suspended"
USER_CREATED = "user.created"
DECISION_APPLIED = "decision.applied"
DECISION_REVERSED = "decision.reversed"

REVIEW_KINDS: tuple[str, ...] = (
    REPORT_RECEIVED,
    REPORT_REJECTED,
    CASE_OPENED,
    CASE_ASSIGNED,
    CASE_ESCALATED,
    CASE_DECIDED,
    RELEASE_PROPOSED,
    NOTICE_SENT,
    APPEAL_RECEIVED,
    APPEAL_DECIDED,
    NOTIFIER_WARNED,
    NOTIFIER_SUSPENDED,
    FLAGGER_REGISTERED,
    STRIKE_ADDED,
    STRIKE_REMOVED,
    ACCOUNT_SUSPENDED,
    USER_CREATED,
)
"""Kinds written by the review desk and the console."""

READ_KINDS: tuple[str, ...] = (*REVIEW_KINDS, DECISION_APPLIED, DECISION_REVERSED)
"""Kinds the desk reads back: its own, plus decisions (automated ones may need confirmation)."""
