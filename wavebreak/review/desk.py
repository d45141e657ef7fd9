"""The review desk: the write side of human review.

Every method appends events (to storage when there is one, else to an in-memory log)
and folds them into a :class:`ReviewState`, so the desk, the console, the HTTP router
and a later replay all see the same state. The desk also reads back events other
writers appended (``refresh``), including automated decisions that need a person to
confirm them (HOLD_FOR_REVIEW actions, or posts by accounts above
``REVIEW_CONFIRM_FOLLOWERS``).

Stream time: every method takes ``at``; the demo drives the desk in 2024-style stream
time, the console with its own clock.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from wavebreak.core import constants as C
from wavebreak.core.records import (
    ALL_SURFACES,
    AccountAction,
    Action,
    Appeal,
    AppealOutcome,
    CaseStatus,
    Decision,
    Event,
    NotifierKind,
    Report,
    Surface,
)
from wavebreak.decisions.log import decision_event
from wavebreak.decisions.serde import canonical_json, decision_from_dict, dt_to_iso
from wavebreak.review import events as E
from wavebreak.review.lookup import harm_context
from wavebreak.review.policies import (
    CATEGORIES,
    REVIEW_POLICIES,
    category_for_rule,
    release_needs_second_reviewer,
)
from wavebreak.review.sla import SlaPolicy
from wavebreak.review.state import OPEN_STATUSES, CaseFile, QueueItem, ReviewState, category_severity

ITEM_WIDE = (Action.LABEL, Action.CONTEXT_NOTE, Action.INTERSTITIAL, Action.HOLD_FOR_REVIEW, Action.REMOVE)
"""Actions a reviewer takes on the item itself (every surface); DEMOTE and EXCLUDE are per surface."""
LEAD_ROLES = ("lead", "admin")
AUTOMATED_NOTIFIER = "policy-engine"


@dataclass(slots=True)
class Receipt:
    """What a notifier gets back at once (DSA art. 16(4)): id, time, and what happens next."""

    report_id: str
    received_at: datetime
    status: str  # queued | rejected
    case_id: str | None = None
    due_at: datetime | None = None
    next_steps: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "received_at": dt_to_iso(self.received_at),
            "status": self.status,
            "case_id": self.case_id,
            "due_at": dt_to_iso(self.due_at),
            "next_steps": self.next_steps,
        }


@dataclass
class _MemoryLog:
    """Event log used when the desk runs without storage (tests, a notebook, the demo)."""

    events: list[Event] = field(default_factory=list)

    def append(self, events: Sequence[Event]) -> list[Event]:
        out = []
        for e in events:
            payload = json.loads(canonical_json(e.payload))
            out.append(
                Event(
                    kind=e.kind,
                    at=e.at,
                    subject=e.subject,
                    payload=payload,
                    actor=e.actor,
                    id=e.id or uuid.uuid4().hex,
                    seq=len(self.events) + 1,
                    recorded_at=datetime.now(UTC),
                )
            )
            self.events.append(out[-1])
        return out


def _utc(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


class ReviewDesk:
    """Submit notices, order the queue, decide, escalate, appeal (see module docstring).

    ``storage``: any :class:`~wavebreak.storage.base.Storage` (``None`` → in-memory log, no
    gate effect). ``crises``: crises to scope SLAs with when there is no storage (with
    storage they are read from ``crisis.*`` events). ``on_decision``: callables given
    every decision the desk applies (e.g. ``gate.observe``-style listeners).
    """

    def __init__(
        self,
        storage: Any | None = None,
        *,
        sla: SlaPolicy | None = None,
        crises: Iterable[Any] = (),
        confirm_automated: bool = True,
        on_decision: Iterable[Callable[[Decision], None]] = (),
    ) -> None:
        from wavebreak.policy.crisis import CrisisManager

        self.storage = storage
        self.sla = sla or SlaPolicy()
        self.state = ReviewState(self.sla)
        self.confirm_automated = confirm_automated
        self.on_decision = list(on_decision)
        self._mem = _MemoryLog()
        self._lock = threading.RLock()
        self._batched = 0  # > 0 inside batch()
        self._batch_read = False  # inside batch(), the log was read once: calls skip their refresh
        self._crisis_events: list[Event] = []
        self._crises = CrisisManager(list(crises))
        self._static_crises = list(crises)
        self.refresh()

    # ------------------------------------------------------------------ log plumbing

    def _append(self, events: Sequence[Event]) -> list[Event]:
        recorded = (
            self.storage.append_events(events) if self.storage is not None else self._mem.append(events)
        )
        for e in recorded:
            self.state.apply(e)
        return recorded

    def events(self) -> list[Event]:
        """The review-relevant log as the desk sees it (storage or in-memory)."""
        if self.storage is None:
            return list(self._mem.events)
        return list(self.storage.iter_events(kinds=list(E.READ_KINDS)))

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Read the log at most once in this block: the first call refreshes, the others do not.

        Every call reads the events other writers appended since the last one it saw (one query
        each, even when there are none). A caller that makes many calls while it is the only
        writer (the demo's review team between two pipeline batches) reads once instead: what
        the desk appends itself it applies as it goes. Events other writers append meanwhile are
        read at the first call after the block.
        """
        with self._lock:
            self._batched += 1
            try:
                yield
            finally:
                self._batched -= 1
                if not self._batched:
                    self._batch_read = False

    def refresh(self) -> int:
        """Fold in events appended by other writers since the last seen seq; returns how many.

        Automated decisions among them that need human confirmation open (or join) a case.
        Inside :meth:`batch`, only the first call reads (the others return 0).
        """
        if self.storage is None:
            return 0
        with self._lock:
            if self._batch_read:
                return 0
            new: list[Event] = []
            crisis_seen = False
            for e in self.storage.iter_events(since_seq=self.state.last_seq):
                if e.kind.startswith("crisis."):
                    self._crisis_events.append(e)
                    crisis_seen = True
                self.state.apply(e)
                new.append(e)
            if crisis_seen:
                from wavebreak.policy.crisis import CrisisManager

                self._crises = CrisisManager.from_events(self._crisis_events)
                for c in self._static_crises:
                    self._crises._crises.setdefault(c.id, c)
            if self.confirm_automated:
                pending = [
                    decision_from_dict(e.payload)
                    for e in new
                    if e.kind == E.DECISION_APPLIED and e.payload.get("automated_decision", True)
                ]
                if pending:
                    self.intake_decisions(pending)
            self._batch_read = self._batched > 0
            return len(new)

    # ------------------------------------------------------------------ registry

    def register_flagger(
        self,
        flagger_id: str,
        name: str,
        tier: str = "1",
        contact: str = "",
        channel: str = "",
        at: datetime | None = None,
        by: str = "admin",
    ) -> None:
        """Register a trusted flagger organisation (DSA art. 22) with its dedicated channel."""
        with self._lock:
            self._append(
                [
                    Event(
                        E.FLAGGER_REGISTERED,
                        _utc(at),
                        flagger_id,
                        {
                            "flagger_id": flagger_id,
                            "name": name,
                            "tier": tier,
                            "contact": contact,
                            "channel": channel or f"/review/flaggers/{flagger_id}/reports",
                        },
                        actor=by,
                    )
                ]
            )

    # ------------------------------------------------------------------ intake

    def _crisis_for(
        self, target_id: str, ctx: dict[str, Any], at: datetime, seen: dict[str, Any] | None = None
    ) -> bool:
        """Is the target in an active crisis's scope (by its narrative, else by its own text)?

        ``seen``: what :func:`harm_context` already read for this target (no second query)."""
        if not self._crises.active(at):
            return False
        if self.storage is None:
            return True
        seen = seen or {}
        nid = ctx.get("narrative_id")
        if nid:
            n = seen["narrative"] if "narrative" in seen else self.storage.get_narrative(nid)
            if n is not None and any(
                self._crises.covers_narrative(c, n.keywords, n.title) for c in self._crises.active(at)
            ):
                return True
        post = seen["post"] if "post" in seen else self.storage.get_post(target_id)
        if post is None:
            return False
        return self._crises.covering(at, post.text, post.region, post.lang) is not None

    def submit(
        self,
        report: Report,
        *,
        tier: str | None = None,
        free_text: str = "",
        context: dict[str, Any] | None = None,
    ) -> Receipt:
        """Receive a notice: group it into the open case of its narrative (or post), return a receipt.

        A notifier suspended for bad-faith reporting gets a ``rejected`` receipt saying until when.
        A notice claiming trusted-flagger status from an unregistered notifier is handled as a user's.
        """
        with self._lock:
            self.refresh()
            at = _utc(report.at)
            rid = report.id or f"rep-{uuid.uuid4().hex[:12]}"
            kind = NotifierKind(report.notifier_kind).value
            n = self.state.notifiers.get(report.notifier_id)
            if kind == NotifierKind.TRUSTED_FLAGGER.value and not (n is not None and n.registered):
                kind = NotifierKind.USER.value
            category = report.category if report.category in CATEGORIES else "other"
            if n is not None and n.suspended(at):
                assert n.suspended_until is not None
                self._append(
                    [
                        Event(
                            E.REPORT_REJECTED,
                            at,
                            report.target_id,
                            {
                                "report_id": rid,
                                "notifier_id": report.notifier_id,
                                "notifier_kind": kind,
                                "target_id": report.target_id,
                                "category": category,
                                "reason": "notifier suspended for manifestly unfounded notices (DSA art. 23)",
                                "until": dt_to_iso(n.suspended_until),
                            },
                            actor=report.notifier_id,
                        )
                    ]
                )
                return Receipt(
                    rid,
                    at,
                    "rejected",
                    next_steps=f"Your reporting is suspended until {n.suspended_until:%Y-%m-%d %H:%M} UTC "
                    "because many of your recent notices were manifestly unfounded. "
                    "You can contest this suspension through the complaint channel.",
                )
            seen: dict[str, Any] = {}
            ctx = (
                dict(context)
                if context is not None
                else harm_context(self.storage, report.target_id, at, report.narrative_id, seen)
            )
            nid = report.narrative_id or ctx.get("narrative_id")
            crisis = self._crisis_for(report.target_id, ctx, at, seen)
            subject = ("narrative", nid) if nid else ("post", report.target_id)
            case_id = self.state.open_case_for(*subject)
            events: list[Event] = []
            if case_id is None:
                case_id = self._new_case_id()
                events.append(
                    self._case_opened(case_id, subject, nid, crisis, "notice", at, report.notifier_id)
                )
            events.append(
                Event(
                    E.REPORT_RECEIVED,
                    at,
                    report.target_id,
                    {
                        "report_id": rid,
                        "case_id": case_id,
                        "notifier_id": report.notifier_id,
                        "notifier_kind": kind,
                        "claimed_kind": NotifierKind(report.notifier_kind).value,
                        "tier": tier or (n.tier if n is not None else None),
                        "target_id": report.target_id,
                        "category": category,
                        "explanation": report.explanation,
                        "location": report.location,
                        "good_faith": report.good_faith,
                        "legal_reference": report.legal_reference,
                        "narrative_id": nid,
                        "free_text": free_text,
                        "context": ctx,
                        "crisis": crisis,
                    },
                    actor=report.notifier_id,
                )
            )
            self._append(events)
            due = self.state.cases[case_id].case.due_at
            window = self.sla.window(kind, category_severity(category), crisis)
            return Receipt(
                rid,
                at,
                "queued",
                case_id,
                due,
                f"Your notice is queued for human review as case {case_id}. A first action is due within "
                f"{window.total_seconds() / 3600:g} h. You will be told the decision and how to contest it.",
            )

    def _new_case_id(self) -> str:
        n = len(self.state.cases) + 1
        while f"case-{n:05d}" in self.state.cases:
            n += 1
        return f"case-{n:05d}"

    @staticmethod
    def _case_opened(
        case_id: str,
        subject: tuple[str, str],
        nid: str | None,
        crisis: bool,
        kind: str,
        at: datetime,
        actor: str,
    ) -> Event:
        return Event(
            E.CASE_OPENED,
            at,
            case_id,
            {
                "case_id": case_id,
                "subject_kind": subject[0],
                "subject_id": subject[1],
                "narrative_id": nid,
                "crisis": crisis,
                "kind": kind,
            },
            actor=actor,
        )

    @staticmethod
    def needs_confirmation(d: Decision) -> bool:
        """Automated decisions a person must confirm: HOLD_FOR_REVIEW, or high-follower authors."""
        if not d.automated_decision:
            return False
        if d.item_action == Action.HOLD_FOR_REVIEW or Action.HOLD_FOR_REVIEW in d.actions.values():
            return True
        followers = d.facts.get("author_followers") or 0
        return d.target_kind == "post" and d.severity.restrictive and followers > C.REVIEW_CONFIRM_FOLLOWERS

    def intake_decisions(self, decisions: Iterable[Decision]) -> list[str]:
        """Queue automated decisions needing confirmation; returns the case ids touched.

        Decisions on posts of one narrative join one case (the reviewer confirms once).
        Usable as a pipeline ``on_decision`` listener in stream time.
        """
        touched: list[str] = []
        with self._lock:
            for d in decisions:
                if d.id in self.state.queued_decisions or not self.needs_confirmation(d):
                    continue
                nid = (
                    d.narrative_id
                    if d.target_kind == "post"
                    else (d.target_id if d.target_kind == "narrative" else None)
                )
                subject = ("narrative", nid) if nid else (d.target_kind, d.target_id)
                case_id = self.state.open_case_for(*subject)
                target = d.target_id if d.target_kind == "post" else None
                seen: dict[str, Any] = {}
                ctx = harm_context(self.storage, target, d.at, nid, seen) if target else {"narrative_id": nid}
                ctx.setdefault("reach", int(d.facts.get("author_followers") or 0))
                # recorded for four eyes: the author's audience and the crisis the engine saw
                ctx["followers"] = max(
                    int(ctx.get("followers") or 0), int(d.facts.get("author_followers") or 0)
                )
                if d.facts.get("crisis"):
                    ctx["crisis_id"] = d.facts["crisis"]
                events: list[Event] = []
                crisis = bool(self._crises.active(d.at)) and (
                    self.storage is None or self._crisis_for(d.target_id, ctx, d.at, seen)
                )
                if case_id is None:
                    case_id = self._new_case_id()
                    events.append(
                        self._case_opened(case_id, subject, nid, crisis, "confirmation", d.at, d.actor)
                    )
                events.append(
                    Event(
                        E.REPORT_RECEIVED,
                        d.at,
                        d.target_id,
                        {
                            "report_id": f"rep-{d.id}",
                            "case_id": case_id,
                            "notifier_id": AUTOMATED_NOTIFIER,
                            "notifier_kind": NotifierKind.AUTOMATED.value,
                            "target_id": d.target_id,
                            "category": category_for_rule(d.rule_id),
                            "explanation": d.explanation,
                            "narrative_id": nid,
                            "decision_ids": [d.id],
                            "context": ctx,
                            "crisis": crisis,
                        },
                        actor=d.actor,
                    )
                )
                self._append(events)
                touched.append(case_id)
        return list(dict.fromkeys(touched))

    # ------------------------------------------------------------------ queue

    def queue(self, at: datetime | None = None, **filters: Any) -> list[QueueItem]:
        """Open cases by expected harm (see :meth:`ReviewState.queue` for filters)."""
        with self._lock:
            self.refresh()
            return self.state.queue(_utc(at or self.state.latest_at), **filters)

    def case(self, case_id: str) -> CaseFile:
        with self._lock:
            self.refresh()
            cf = self.state.cases[case_id]
            self.state.refresh_case(cf)
            return cf

    def metrics(self, at: datetime | None = None) -> dict[str, Any]:
        with self._lock:
            self.refresh()
            return self.state.metrics(_utc(at or self.state.latest_at))

    def assign(self, case_id: str, reviewer: str, at: datetime | None = None, by: str | None = None) -> None:
        with self._lock:
            self.refresh()
            self._open_case(case_id)
            self._append(
                [
                    Event(
                        E.CASE_ASSIGNED,
                        _utc(at),
                        case_id,
                        {"case_id": case_id, "assignee": reviewer},
                        actor=by or reviewer,
                    )
                ]
            )

    def escalate(
        self, case_id: str, by: str, reason: str, at: datetime | None = None, to: str = "lead"
    ) -> None:
        """Send a case to a lead (only a lead or admin can then decide it)."""
        with self._lock:
            self.refresh()
            self._open_case(case_id)
            self._append(
                [
                    Event(
                        E.CASE_ESCALATED,
                        _utc(at),
                        case_id,
                        {"case_id": case_id, "reason": reason, "to": to},
                        actor=by,
                    )
                ]
            )

    def _open_case(self, case_id: str) -> CaseFile:
        cf = self.state.cases.get(case_id)
        if cf is None:
            raise KeyError(f"unknown case {case_id!r}")
        if cf.case.status not in OPEN_STATUSES:
            raise ValueError(f"case {case_id} is {cf.case.status.value}, not open")
        return cf

    # ------------------------------------------------------------------ decide

    def decide(
        self,
        case_id: str,
        reviewer: str,
        policy_id: str,
        action: Action | str | int,
        scope: str = "post",
        note: str = "",
        at: datetime | None = None,
        *,
        role: str = "reviewer",
        target_id: str | None = None,
        territories: Sequence[str] = (),
    ) -> Decision | None:
        """Decide a case once, for a post or for its whole narrative; returns the Decision applied.

        ``allow`` applies nothing (the reports are unfounded) and, on a confirmation case,
        reverses the automated decisions. Restrictive actions on a post strike its author;
        strikes reaching ``REVIEW_STRIKES_TO_SUSPEND`` suspend the account. The affected
        user gets a notice with the reasons and how to appeal.

        Four eyes: releasing (``allow``) holds or restrictions for incitement / threats at high
        reach or under a confirmed crisis (:meth:`four_eyes_reason`) first records
        ``release.proposed`` and returns None with the hold in force; a second, different
        reviewer's ``allow`` releases (the same reviewer again raises PermissionError), and a
        restrictive action by anyone keeps the hold or goes further.
        """
        with self._lock:
            self.refresh()
            cf = self._open_case(case_id)
            if cf.case.status == CaseStatus.ESCALATED and role not in LEAD_ROLES:
                raise PermissionError(f"case {case_id} is escalated: a lead must decide it")
            if policy_id not in REVIEW_POLICIES:
                raise ValueError(f"unknown policy {policy_id!r}; expected one of {sorted(REVIEW_POLICIES)}")
            act = Action.parse(action)
            if scope not in ("post", "narrative"):
                raise ValueError("scope must be 'post' or 'narrative'")
            when = _utc(at)
            if scope == "narrative":
                if not cf.narrative_id:
                    raise ValueError(f"case {case_id} has no narrative: decide on the post")
                target = cf.narrative_id
            else:
                target = target_id or (cf.target_ids[0] if cf.target_ids else cf.case.subject_id)
            policy = REVIEW_POLICIES[policy_id]
            events: list[Event] = []
            decision: Decision | None = None
            reversals: list[str] = []
            if act > Action.ALLOW:
                decision = self._decision(
                    cf, reviewer, policy_id, act, scope, target, note, when, territories
                )
            elif cf.automated_decision_ids:
                reversals = [d for d in cf.automated_decision_ids if d not in self.state.reversed]
            agreed_with: str | None = None
            four_eyes = self.four_eyes_reason(cf) if reversals else None
            if four_eyes is not None:
                prop = cf.release_proposal
                if prop is None or not set(reversals) <= set(prop.get("reversed") or ()):
                    # first pair of eyes (or decisions the proposal did not name): record, keep the hold
                    self._append(
                        [
                            self._release_proposed(
                                cf, reviewer, policy_id, reversals, four_eyes, note, role, when
                            )
                        ]
                    )
                    return None
                if prop["reviewer"] == reviewer:
                    raise PermissionError(
                        f"case {case_id}: {reviewer} already proposed this release ({four_eyes}); "
                        "a second, different reviewer must agree"
                    )
                agreed_with = str(prop["reviewer"])
            events.append(
                Event(
                    E.CASE_DECIDED,
                    when,
                    case_id,
                    {
                        "case_id": case_id,
                        "policy_id": policy_id,
                        "action": act.slug,
                        "scope": scope,
                        "target_id": target,
                        "note": note,
                        "role": role,
                        "decision_ids": [decision.id] if decision else [],
                        "reversed": reversals,
                        **({"four_eyes": four_eyes, "proposed_by": agreed_with} if agreed_with else {}),
                        **(
                            {"release_proposed_by": cf.release_proposal["reviewer"]}
                            if cf.release_proposal is not None and not agreed_with
                            else {}
                        ),
                    },
                    actor=reviewer,
                )
            )
            if decision is not None:
                events.append(decision_event(decision))
                events.append(self._notice(decision, policy.title, note, when))
                if act >= Action.DEMOTE:
                    events.extend(self._strikes(cf, decision, when))
            for did in reversals:
                why = f"not confirmed in review ({case_id})"
                if agreed_with:
                    why += f"; release proposed by {agreed_with}, agreed by {reviewer} (four eyes)"
                events.append(self._reversal_event(did, when, reviewer, why))
            self._append(events)
            if decision is not None:
                if self.storage is not None:
                    self.storage.put_decisions([decision])
                    extra = [
                        decision_from_dict(e.payload) for e in events[1:] if e.kind == E.DECISION_APPLIED
                    ]
                    self.storage.put_decisions([d for d in extra if d.id != decision.id])
                for fn in self.on_decision:
                    fn(decision)
            if self.storage is not None:
                for did in reversals:
                    self.storage.revoke_decision(did, when)
            self._bad_faith(cf, when)
            return decision

    def four_eyes_reason(self, cf: CaseFile) -> str | None:
        """Why releasing this case's automated holds / restrictions needs a second reviewer, or None.

        From facts recorded at intake: the engine reports' categories, the largest author
        audience among them, and whether a confirmed crisis covers the case (the desk's own
        crisis check, or the crisis the engine recorded on the decision).
        """
        followers = 0
        crisis = cf.crisis
        cats: list[str] = []
        for rid in cf.case.report_ids:
            rv = self.state.reports.get(rid)
            if rv is None or rv.report.notifier_kind != NotifierKind.AUTOMATED:
                continue
            cats.append(rv.report.category)
            followers = max(followers, int(rv.context.get("followers") or 0))
            crisis = crisis or bool(rv.context.get("crisis_id")) or rv.crisis
        return release_needs_second_reviewer(cats, followers, crisis)

    def _release_proposed(
        self,
        cf: CaseFile,
        reviewer: str,
        policy_id: str,
        reversals: list[str],
        reason: str,
        note: str,
        role: str,
        when: datetime,
    ) -> Event:
        return Event(
            E.RELEASE_PROPOSED,
            when,
            cf.case.id,
            {
                "case_id": cf.case.id,
                "policy_id": policy_id,
                "reversed": list(reversals),
                "reason": reason,
                "note": note,
                "role": role,
            },
            actor=reviewer,
        )

    def _decision(
        self,
        cf: CaseFile,
        reviewer: str,
        policy_id: str,
        act: Action,
        scope: str,
        target: str,
        note: str,
        when: datetime,
        territories: Sequence[str],
    ) -> Decision:
        policy = REVIEW_POLICIES[policy_id]
        actions: dict[Surface, Action] = {}
        item_action = Action.ALLOW
        if act in ITEM_WIDE or act == Action.GEO_WITHHOLD:
            item_action = act
        else:
            actions = {s: act for s in ALL_SURFACES}
        _, factors = self.state.priority(cf)
        n = len(cf.case.decision_ids) + 1
        return Decision(
            id=f"rev-{cf.case.id}-{n}",
            at=when,
            target_kind=scope,
            target_id=target,
            actions=actions,
            rule_id=f"review:{policy_id}",
            grounds=policy.grounds,
            facts={
                "case_id": cf.case.id,
                "reports": len(cf.case.report_ids),
                "notifier_kinds": sorted(
                    {
                        self.state.reports[r].report.notifier_kind.value
                        for r in cf.case.report_ids
                        if r in self.state.reports
                    }
                ),
                "categories": list(cf.categories),
                "priority_factors": factors,
                "reviewer": reviewer,
                "note": note,
                "confirms": list(cf.automated_decision_ids),
            },
            item_action=item_action,
            territorial_scope=tuple(t.upper() for t in territories),
            expires_at=None if act == Action.REMOVE else when + timedelta(days=C.REVIEW_DECISION_TTL_DAYS),
            automated_detection=cf.kind == "confirmation",
            automated_decision=False,
            actor=reviewer,
            policy_version="review",
            narrative_id=cf.narrative_id,
            explanation=(
                f"{scope} {target}: reviewer {reviewer} applied {act.slug} under '{policy.title}' "
                f"after {len(cf.case.report_ids)} notice(s) in case {cf.case.id}"
                + (f". Note: {note}" if note else "")
            ),
        )

    def _notice(self, d: Decision, policy_title: str, note: str, when: datetime) -> Event:
        """The statement sent to the authors of the reported items: reasons and how to appeal."""
        until = when + timedelta(days=C.REVIEW_APPEAL_WINDOW_DAYS)
        what = "your post" if d.target_kind == "post" else f"the {d.target_kind} your post belongs to"
        text = (
            f"We applied '{d.severity.slug}' to {what} ({d.target_id}) under our rule '{policy_title}'"
            + (f" ({d.grounds.legal_basis})" if d.grounds.legal_basis else "")
            + ". This was decided by a person after review."
            + (f" Reviewer's note: {note}." if note else "")
            + f" You can appeal until {until:%Y-%m-%d}: a different reviewer will look at it."
        )
        cf = self.state.cases[d.facts["case_id"]]
        recipients = list(
            dict.fromkeys(
                str(self.state.reports[r].context.get("author_id"))
                for r in cf.case.report_ids
                if r in self.state.reports and self.state.reports[r].context.get("author_id")
            )
        )
        return Event(
            E.NOTICE_SENT,
            when,
            d.target_id,
            {"decision_id": d.id, "recipients": recipients, "text": text, "appeal_until": dt_to_iso(until)},
            actor=d.actor,
        )

    def _strikes(self, cf: CaseFile, d: Decision, when: datetime) -> list[Event]:
        """Strike the authors of the reported posts; suspend those reaching the limit."""
        authors: list[str] = []
        for rid in cf.case.report_ids:
            rv = self.state.reports.get(rid)
            a = rv.context.get("author_id") if rv is not None else None
            if a and a not in authors:
                authors.append(a)
        events = []
        exp = when + timedelta(days=C.REVIEW_STRIKE_TTL_DAYS)
        for a in authors:
            events.append(
                Event(
                    E.STRIKE_ADDED,
                    when,
                    a,
                    {"decision_id": d.id, "case_id": cf.case.id, "expires_at": dt_to_iso(exp)},
                    actor=d.actor,
                )
            )
            if len(self.state.active_strikes(a, when)) + 1 >= C.REVIEW_STRIKES_TO_SUSPEND and (
                a not in self.state.account_suspensions
                or _utc(self.state.account_suspensions[a].get("at"))
                + timedelta(days=C.REVIEW_ACCOUNT_SUSPENSION_DAYS)
                <= when
            ):
                until = when + timedelta(days=C.REVIEW_ACCOUNT_SUSPENSION_DAYS)
                acc = Decision(
                    id=f"rev-{cf.case.id}-acct-{a}",
                    at=when,
                    target_kind="account",
                    target_id=a,
                    actions={s: Action.EXCLUDE for s in ALL_SURFACES},
                    rule_id="review:repeat-offender",
                    grounds=d.grounds,
                    facts={
                        "strikes": len(self.state.active_strikes(a, when)) + 1,
                        "case_id": cf.case.id,
                        "last_decision": d.id,
                    },
                    account_action=AccountAction.SUSPEND,
                    expires_at=until,
                    automated_detection=False,
                    automated_decision=False,
                    actor=d.actor,
                    policy_version="review",
                    explanation=f"account {a} suspended until {until:%Y-%m-%d}: "
                    f"{C.REVIEW_STRIKES_TO_SUSPEND} active strikes",
                )
                events.append(
                    Event(
                        E.ACCOUNT_SUSPENDED,
                        when,
                        a,
                        {"until": dt_to_iso(until), "decision_id": acc.id, "strikes": acc.facts["strikes"]},
                        actor=d.actor,
                    )
                )
                events.append(decision_event(acc))
        return events

    @staticmethod
    def _reversal_event(decision_id: str, at: datetime, actor: str, reason: str) -> Event:
        return Event(
            E.DECISION_REVERSED,
            at,
            decision_id,
            {"decision_id": decision_id, "reason": reason, "at": dt_to_iso(at)},
            actor=actor,
        )

    def _bad_faith(self, cf: CaseFile, when: datetime) -> None:
        """Warn, then suspend, notifiers whose notices are repeatedly unfounded (DSA art. 23)."""
        events = []
        seen = set()
        for rid in cf.case.report_ids:
            rv = self.state.reports.get(rid)
            if rv is None or rv.report.notifier_id in seen:
                continue
            seen.add(rv.report.notifier_id)
            n = self.state.notifier(rv.report.notifier_id)
            if n.kind in (NotifierKind.AUTHORITY.value, NotifierKind.AUTOMATED.value):
                continue
            if n.unfounded_rate < C.REVIEW_UNFOUNDED_RATE:
                continue
            facts = {
                "unfounded": n.unfounded,
                "founded": n.founded,
                "unfounded_rate": round(n.unfounded_rate, 3),
            }
            if n.warned_at is None and n.unfounded >= C.REVIEW_WARN_MIN_UNFOUNDED:
                events.append(Event(E.NOTIFIER_WARNED, when, n.id, facts, actor="review"))
            elif (
                n.warned_at is not None
                and n.unfounded >= C.REVIEW_SUSPEND_MIN_UNFOUNDED
                and not n.suspended(when)
            ):
                until = when + timedelta(days=C.REVIEW_NOTIFIER_SUSPENSION_DAYS)
                events.append(
                    Event(
                        E.NOTIFIER_SUSPENDED, when, n.id, dict(facts, until=dt_to_iso(until)), actor="review"
                    )
                )
        if events:
            self._append(events)

    # ------------------------------------------------------------------ appeals

    def _decision_record(self, decision_id: str) -> dict[str, Any] | None:
        if decision_id in self.state.decisions:
            return self.state.decisions[decision_id]
        if self.storage is not None:
            d = self.storage.get_decision(decision_id)
            if d is not None:
                from wavebreak.decisions.serde import decision_to_dict

                return decision_to_dict(d)
        return None

    def appeal(self, decision_id: str, appellant_id: str, reason: str, at: datetime | None = None) -> Appeal:
        """File an appeal (DSA art. 20): within six months, against a standing decision."""
        with self._lock:
            self.refresh()
            when = _utc(at)
            rec = self._decision_record(decision_id)
            if rec is None:
                raise KeyError(f"unknown decision {decision_id!r}")
            if decision_id in self.state.reversed:
                raise ValueError(f"decision {decision_id} is already reversed")
            made = _utc(datetime.fromisoformat(rec["at"].replace("Z", "+00:00")))
            if when - made > timedelta(days=C.REVIEW_APPEAL_WINDOW_DAYS):
                raise ValueError(f"the appeal window ({C.REVIEW_APPEAL_WINDOW_DAYS} days) has closed")
            if any(
                a.decision_id == decision_id and a.outcome == AppealOutcome.PENDING
                for a in self.state.appeals.values()
            ):
                raise ValueError(f"an appeal against {decision_id} is already pending")
            aid = f"apl-{len(self.state.appeals) + 1:05d}"
            self._append(
                [
                    Event(
                        E.APPEAL_RECEIVED,
                        when,
                        decision_id,
                        {
                            "appeal_id": aid,
                            "decision_id": decision_id,
                            "appellant_id": appellant_id,
                            "reason": reason,
                            "case_id": self.state.decision_case.get(decision_id),
                            "original_reviewer": rec.get("actor"),
                        },
                        actor=appellant_id,
                    )
                ]
            )
            return self.state.appeals[aid]

    def eligible_appeal_reviewer(self, appeal_id: str, reviewer: str) -> bool:
        """Appeals go to a different person than whoever took or confirmed the decision."""
        a = self.state.appeals[appeal_id]
        rec = self._decision_record(a.decision_id) or {}
        cid = self.state.appeal_case.get(appeal_id)
        deciders = set(self.state.cases[cid].deciders) if cid in self.state.cases else set()
        return reviewer != rec.get("actor") and reviewer not in deciders

    def decide_appeal(
        self,
        appeal_id: str,
        reviewer: str,
        outcome: AppealOutcome | str,
        reason: str,
        at: datetime | None = None,
    ) -> Appeal:
        """Uphold or reverse. Reversal appends ``decision.reversed``, revokes the decision in
        storage (so the gate changes) and lifts the strikes it caused."""
        with self._lock:
            self.refresh()
            when = _utc(at)
            a = self.state.appeals.get(appeal_id)
            if a is None:
                raise KeyError(f"unknown appeal {appeal_id!r}")
            if a.outcome != AppealOutcome.PENDING:
                raise ValueError(f"appeal {appeal_id} is already decided")
            out = AppealOutcome(outcome)
            if out == AppealOutcome.PENDING:
                raise ValueError("an appeal is decided as upheld or reversed")
            if not reason.strip():
                raise ValueError("an appeal decision needs a reason")
            if not self.eligible_appeal_reviewer(appeal_id, reviewer):
                raise PermissionError("an appeal must be decided by a different reviewer than the decision")
            events = [
                Event(
                    E.APPEAL_DECIDED,
                    when,
                    a.decision_id,
                    {
                        "appeal_id": appeal_id,
                        "decision_id": a.decision_id,
                        "outcome": out.value,
                        "reason": reason,
                    },
                    actor=reviewer,
                )
            ]
            revoke: list[str] = []
            if out == AppealOutcome.REVERSED:
                revoke.append(a.decision_id)
                events.append(
                    self._reversal_event(a.decision_id, when, reviewer, f"appeal {appeal_id}: {reason}")
                )
                for acct, strikes in self.state.strikes.items():
                    for s in strikes:
                        if s.decision_id == a.decision_id and not s.removed:
                            events.append(
                                Event(
                                    E.STRIKE_REMOVED,
                                    when,
                                    acct,
                                    {"decision_id": a.decision_id, "appeal_id": appeal_id},
                                    actor=reviewer,
                                )
                            )
            events.append(
                Event(
                    E.NOTICE_SENT,
                    when,
                    a.decision_id,
                    {
                        "decision_id": a.decision_id,
                        "recipient": a.appellant_id,
                        "text": f"Your appeal {appeal_id} was {out.value} by a different reviewer: {reason}",
                    },
                    actor=reviewer,
                )
            )
            self._append(events)
            if self.storage is not None:
                for did in revoke:
                    self.storage.revoke_decision(did, when)
            return self.state.appeals[appeal_id]

    # ------------------------------------------------------------------ labels

    def labels(self) -> list[dict[str, Any]]:
        """Reviewer decisions as labelled data: one row per reported item per decided case.

        ``label`` is the final action (``allow`` when an appeal reversed it), so models
        retrained on it learn from the corrected outcome.
        """
        with self._lock:
            self.refresh()
            rows = []
            for cf in self.state.cases.values():
                if cf.decided is None:
                    continue
                dids = cf.decided.get("decision_ids") or []
                reversed_ = any(d in self.state.reversed for d in dids)
                label = "allow" if reversed_ else cf.decided["action"]
                posts = {}
                for rid in cf.case.report_ids:
                    rv = self.state.reports.get(rid)
                    if rv is not None:
                        posts.setdefault(rv.report.target_id, rv)
                for pid, rv in posts.items():
                    text = None
                    if self.storage is not None:
                        p = self.storage.get_post(pid)
                        text = p.text if p is not None else None
                    rows.append(
                        {
                            "post_id": pid,
                            "text": text,
                            "lang": rv.context.get("lang"),
                            "category": rv.report.category,
                            "label": label,
                            "violating": label != "allow",
                            "policy_id": cf.decided.get("policy_id"),
                            "scope": cf.decided.get("scope"),
                            "narrative_id": cf.narrative_id,
                            "case_id": cf.case.id,
                            "reviewer": cf.decided.get("reviewer"),
                            "decided_at": dt_to_iso(cf.decided.get("at")),
                            "reversed_on_appeal": reversed_,
                            "signals": rv.context.get("signals", {}),
                        }
                    )
            return rows

    def export_labels(self, path: str | Path) -> int:
        """Write :meth:`labels` as JSON lines; returns the rows written."""
        rows = self.labels()
        with open(path, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
        return len(rows)
