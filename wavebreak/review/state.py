"""The review projection: cases, reports, notifiers, appeals, strikes and metrics, derived
from the moderation event log alone.

Why a projection rather than tables: the log is the record (hash-chained, auditable);
anything shown to a reviewer (queue order, SLA status, a notifier's accuracy) must be
recomputable from it, so an auditor can replay the log and get the same queue. The
projection is updated incrementally (:meth:`ReviewState.apply`), so a desk that has
seen seq N only reads events after N.

Priority (expected harm, Ofcom's illegal-harms prioritisation factors) is computed at
query time from facts recorded in the events (reach, velocity, illegality, category
severity) and the notifiers' current accuracy, and every factor is returned so the
order is explainable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from wavebreak.core import constants as C
from wavebreak.core.records import (
    Action,
    Appeal,
    AppealOutcome,
    Case,
    CaseStatus,
    Event,
    NotifierKind,
    Report,
)
from wavebreak.decisions.serde import dt_from_iso
from wavebreak.review import events as E
from wavebreak.review.sla import SlaPolicy

OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.ESCALATED)


def category_severity(category: str) -> float:
    """Severity in [0, 1] of a report category (unknown → ``other``)."""
    sev = C.REVIEW_CATEGORY_SEVERITY
    return sev.get(category, sev["other"])


@dataclass(slots=True)
class ReportView:
    """A received notice, with the facts recorded at intake and its outcome."""

    report: Report
    case_id: str | None
    tier: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    crisis: bool = False
    outcome: str = "pending"  # pending | founded | unfounded | rejected
    free_text: str = ""
    rejected_reason: str = ""


@dataclass(slots=True)
class NotifierState:
    """A notifier's record: registration (trusted flaggers), accuracy, warnings, suspension."""

    id: str
    kind: str = NotifierKind.USER.value
    name: str = ""
    tier: str | None = None
    contact: str = ""
    channel: str = ""
    registered: bool = False
    reports: int = 0
    founded: int = 0
    unfounded: int = 0
    warned_at: datetime | None = None
    suspended_until: datetime | None = None

    @property
    def accuracy(self) -> float:
        """Share of decided reports that were founded, with a Laplace prior (new notifier: 0.5)."""
        k = C.REVIEW_ACCURACY_PRIOR
        return (self.founded + k) / (self.founded + self.unfounded + 2 * k)

    @property
    def unfounded_rate(self) -> float:
        n = self.founded + self.unfounded
        return self.unfounded / n if n else 0.0

    @property
    def weight(self) -> float:
        """Kind weight × (0.5 + accuracy): a new notifier ×1, a perfect one ×1.5, a bad one ×0.5.

        Authority orders keep their full weight: they are legal orders, not opinions.
        """
        base = C.REVIEW_NOTIFIER_WEIGHT.get(self.kind, 1.0)
        if self.kind == NotifierKind.AUTHORITY.value:
            return base * 1.5
        return base * (0.5 + self.accuracy)

    def suspended(self, at: datetime) -> bool:
        return self.suspended_until is not None and at < self.suspended_until


@dataclass(slots=True)
class CaseFile:
    """A case with what the projection knows beyond the core :class:`Case` record."""

    case: Case
    kind: str = "notice"  # notice | confirmation (an automated decision to confirm)
    narrative_id: str | None = None
    crisis: bool = False
    severity: float = 0.0
    categories: list[str] = field(default_factory=list)
    target_ids: list[str] = field(default_factory=list)
    automated_decision_ids: list[str] = field(default_factory=list)
    decided: dict[str, Any] | None = None
    deciders: list[str] = field(default_factory=list)
    escalation: dict[str, Any] | None = None
    release_proposal: dict[str, Any] | None = None
    """The pending four-eyes release (payload, ``at``, ``reviewer``), if a first reviewer proposed one."""
    history: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class QueueItem:
    """One row of the queue: the case with its priority, factors and SLA status at ``at``."""

    case: Case
    file: CaseFile
    sla: str
    minutes_left: float | None
    sources: list[str]
    languages: list[str]
    reports: int


@dataclass(slots=True)
class Strike:
    account_id: str
    decision_id: str
    case_id: str | None
    at: datetime
    expires_at: datetime
    removed: bool = False


def _dt(value: Any) -> datetime | None:
    return dt_from_iso(value) if value else None


class ReviewState:
    """Everything review-related, derived from events (see module docstring)."""

    def __init__(self, sla: SlaPolicy | None = None) -> None:
        self.sla = sla or SlaPolicy()
        self.cases: dict[str, CaseFile] = {}
        self.reports: dict[str, ReportView] = {}
        self.notifiers: dict[str, NotifierState] = {}
        self.appeals: dict[str, Appeal] = {}
        self.appeal_case: dict[str, str | None] = {}
        self.strikes: dict[str, list[Strike]] = {}
        self.account_suspensions: dict[str, dict[str, Any]] = {}
        self.decisions: dict[str, dict[str, Any]] = {}
        """Decisions taken in review (payloads of their ``decision.applied``), by id."""
        self.reversed: dict[str, datetime] = {}
        self.decision_case: dict[str, str] = {}
        self.queued_decisions: set[str] = set()
        self.open_by_subject: dict[str, str] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.notices: list[dict[str, Any]] = []
        self.last_seq = 0
        self.latest_at: datetime | None = None

    # ------------------------------------------------------------------ building

    @classmethod
    def from_events(cls, events: Iterable[Event], sla: SlaPolicy | None = None) -> ReviewState:
        st = cls(sla)
        for e in events:
            st.apply(e)
        return st

    def notifier(self, notifier_id: str, kind: str | None = None) -> NotifierState:
        n = self.notifiers.get(notifier_id)
        if n is None:
            n = self.notifiers[notifier_id] = NotifierState(notifier_id, kind or NotifierKind.USER.value)
        return n

    def apply(self, e: Event) -> None:
        """Fold one event into the state (unknown kinds are ignored)."""
        if e.seq is not None:
            self.last_seq = max(self.last_seq, e.seq)
        if self.latest_at is None or e.at > self.latest_at:
            self.latest_at = e.at
        handler = _HANDLERS.get(e.kind)
        if handler is not None:
            handler(self, e)

    def _log(self, case_id: str | None, e: Event, summary: str) -> None:
        cf = self.cases.get(case_id or "")
        if cf is not None:
            cf.history.append({"at": e.at, "kind": e.kind, "actor": e.actor, "summary": summary})

    def _on_case_opened(self, e: Event) -> None:
        p = e.payload
        case = Case(
            id=p["case_id"],
            opened_at=e.at,
            subject_kind=p["subject_kind"],
            subject_id=p["subject_id"],
        )
        cf = CaseFile(
            case=case,
            kind=p.get("kind", "notice"),
            narrative_id=p.get("narrative_id"),
            crisis=bool(p.get("crisis", False)),
        )
        self.cases[case.id] = cf
        self.open_by_subject[f"{case.subject_kind}:{case.subject_id}"] = case.id
        self._log(case.id, e, f"case opened on {case.subject_kind} {case.subject_id}")

    def _on_report(self, e: Event) -> None:
        p = e.payload
        kind = p.get("notifier_kind", "user")
        rep = Report(
            id=p["report_id"],
            at=e.at,
            notifier_id=p["notifier_id"],
            notifier_kind=NotifierKind(kind),
            target_id=p["target_id"],
            category=p.get("category", "other"),
            explanation=p.get("explanation", ""),
            location=p.get("location", ""),
            good_faith=bool(p.get("good_faith", True)),
            legal_reference=p.get("legal_reference"),
            narrative_id=p.get("narrative_id"),
        )
        rv = ReportView(
            rep,
            p.get("case_id"),
            p.get("tier"),
            dict(p.get("context") or {}),
            bool(p.get("crisis", False)),
            free_text=p.get("free_text", ""),
        )
        self.reports[rep.id] = rv
        n = self.notifier(rep.notifier_id, kind)
        n.reports += 1
        cf = self.cases.get(rv.case_id or "")
        if cf is None:
            return
        c = cf.case
        c.opened_at = min(c.opened_at, rep.at)  # a case exists from its earliest notice
        c.report_ids.append(rep.id)
        if rep.target_id not in cf.target_ids:
            cf.target_ids.append(rep.target_id)
        if rep.category not in cf.categories:
            cf.categories.append(rep.category)
        cf.severity = max(cf.severity, category_severity(rep.category))
        cf.crisis = cf.crisis or rv.crisis
        for did in p.get("decision_ids") or ():
            if did not in cf.automated_decision_ids:
                cf.automated_decision_ids.append(did)
            self.queued_decisions.add(did)
        due = self.sla.due(rep.at, kind, category_severity(rep.category), rv.crisis)
        c.due_at = due if c.due_at is None else min(c.due_at, due)
        who = {"authority": "authority order", "trusted_flagger": "trusted flagger", "automated": "engine"}
        self._log(c.id, e, f"{who.get(kind, 'user report')} {rep.id} by {rep.notifier_id}: {rep.category}")

    def _on_report_rejected(self, e: Event) -> None:
        p = e.payload
        rep = Report(
            id=p["report_id"],
            at=e.at,
            notifier_id=p["notifier_id"],
            notifier_kind=NotifierKind(p.get("notifier_kind", "user")),
            target_id=p.get("target_id", ""),
            category=p.get("category", "other"),
        )
        self.reports[rep.id] = ReportView(rep, None, outcome="rejected", rejected_reason=p.get("reason", ""))

    def _on_assigned(self, e: Event) -> None:
        cf = self.cases.get(e.payload["case_id"])
        if cf is not None:
            cf.case.assignee = e.payload.get("assignee")
            self._log(cf.case.id, e, f"assigned to {cf.case.assignee}")

    def _on_escalated(self, e: Event) -> None:
        cf = self.cases.get(e.payload["case_id"])
        if cf is not None:
            cf.case.status = CaseStatus.ESCALATED
            cf.escalation = {"by": e.actor, "at": e.at, "reason": e.payload.get("reason", "")}
            cf.case.assignee = e.payload.get("to") or cf.case.assignee
            self._log(cf.case.id, e, f"escalated by {e.actor}: {e.payload.get('reason', '')}")

    def _on_release_proposed(self, e: Event) -> None:
        p = e.payload
        cf = self.cases.get(p["case_id"])
        if cf is None:
            return
        cf.release_proposal = dict(p, at=e.at, reviewer=e.actor)
        self._log(
            cf.case.id,
            e,
            f"release proposed by {e.actor} ({p.get('reason', '')}): the hold stays until a second reviewer agrees",
        )

    def _on_decided(self, e: Event) -> None:
        p = e.payload
        cf = self.cases.get(p["case_id"])
        if cf is None:
            return
        c = cf.case
        c.status = CaseStatus.DECIDED
        if c.first_action_at is None:
            c.first_action_at = e.at
        cf.decided = dict(p, at=e.at, reviewer=e.actor)
        cf.deciders.append(e.actor)
        for did in p.get("decision_ids") or ():
            c.decision_ids.append(did)
            self.decision_case[did] = c.id
        key = f"{c.subject_kind}:{c.subject_id}"
        if self.open_by_subject.get(key) == c.id:
            del self.open_by_subject[key]
        founded = Action.parse(p.get("action", "allow")) > Action.ALLOW
        for rid in c.report_ids:
            rv = self.reports.get(rid)
            if rv is None or rv.outcome != "pending":
                continue
            rv.outcome = "founded" if founded else "unfounded"
            n = self.notifier(rv.report.notifier_id)
            if founded:
                n.founded += 1
            else:
                n.unfounded += 1
        self._log(
            c.id, e, f"decided by {e.actor}: {p.get('action')} on {p.get('scope')} ({p.get('policy_id')})"
        )

    def _on_decision_applied(self, e: Event) -> None:
        p = e.payload
        if p.get("automated_decision", True):
            return
        self.decisions[p["id"]] = p
        if p.get("facts", {}).get("case_id"):
            self.decision_case.setdefault(p["id"], p["facts"]["case_id"])

    def _on_decision_reversed(self, e: Event) -> None:
        did = str(e.payload.get("decision_id"))
        self.reversed.setdefault(did, e.at)
        self._log(self.decision_case.get(did), e, f"decision {did} reversed: {e.payload.get('reason', '')}")

    def _on_notice(self, e: Event) -> None:
        self.notices.append(dict(e.payload, at=e.at))

    def _on_appeal(self, e: Event) -> None:
        p = e.payload
        a = Appeal(p["appeal_id"], e.at, p["decision_id"], p["appellant_id"], p.get("reason", ""))
        self.appeals[a.id] = a
        cid = p.get("case_id") or self.decision_case.get(a.decision_id)
        self.appeal_case[a.id] = cid
        cf = self.cases.get(cid or "")
        if cf is not None:
            cf.case.status = CaseStatus.APPEALED
        self._log(cid, e, f"appeal {a.id} by {a.appellant_id}")

    def _on_appeal_decided(self, e: Event) -> None:
        a = self.appeals.get(e.payload["appeal_id"])
        if a is None:
            return
        a.outcome = AppealOutcome(e.payload["outcome"])
        a.decided_at = e.at
        a.decided_by = e.actor
        a.decision_reason = e.payload.get("reason", "")
        cid = self.appeal_case.get(a.id)
        cf = self.cases.get(cid or "")
        if cf is not None:
            cf.case.status = CaseStatus.CLOSED
        self._log(cid, e, f"appeal {a.id} {a.outcome.value} by {e.actor}")

    def _on_notifier_warned(self, e: Event) -> None:
        self.notifier(e.subject).warned_at = e.at

    def _on_notifier_suspended(self, e: Event) -> None:
        self.notifier(e.subject).suspended_until = _dt(e.payload.get("until"))

    def _on_flagger(self, e: Event) -> None:
        p = e.payload
        n = self.notifier(p["flagger_id"], NotifierKind.TRUSTED_FLAGGER.value)
        n.kind = NotifierKind.TRUSTED_FLAGGER.value
        n.name = p.get("name", "")
        n.tier = p.get("tier")
        n.contact = p.get("contact", "")
        n.channel = p.get("channel", "")
        n.registered = True

    def _on_strike(self, e: Event) -> None:
        p = e.payload
        exp = _dt(p.get("expires_at"))
        assert exp is not None
        s = Strike(e.subject, p["decision_id"], p.get("case_id"), e.at, exp)
        self.strikes.setdefault(e.subject, []).append(s)

    def _on_strike_removed(self, e: Event) -> None:
        for s in self.strikes.get(e.subject, []):
            if s.decision_id == e.payload.get("decision_id"):
                s.removed = True

    def _on_account_suspended(self, e: Event) -> None:
        self.account_suspensions[e.subject] = dict(e.payload, at=e.at)

    def _on_user(self, e: Event) -> None:
        self.users[e.payload["name"]] = dict(e.payload)

    # ------------------------------------------------------------------ queries

    def active_strikes(self, account_id: str, at: datetime) -> list[Strike]:
        return [s for s in self.strikes.get(account_id, []) if not s.removed and s.at <= at < s.expires_at]

    def open_case_for(self, subject_kind: str, subject_id: str) -> str | None:
        return self.open_by_subject.get(f"{subject_kind}:{subject_id}")

    def priority(self, cf: CaseFile) -> tuple[float, dict[str, float]]:
        """Expected-harm priority and its factors (each shown in the console).

        base = Σ weight × factor over reach, velocity, severity, illegality (all in [0, 1]);
        priority = base × the strongest notifier weight among the case's reports.
        """
        reach = velocity = illegality = 0.0
        notifier = 0.0
        for rid in cf.case.report_ids:
            rv = self.reports.get(rid)
            if rv is None:
                continue
            ctx = rv.context
            reach = max(reach, float(ctx.get("reach", 0) or 0))
            velocity = max(velocity, float(ctx.get("velocity", 0.0) or 0.0))
            ill = float(ctx.get("illegality", 0.0) or 0.0)
            if rv.report.notifier_kind == NotifierKind.AUTHORITY and rv.report.legal_reference:
                ill = 1.0  # an order citing the law is a finding of likely illegality
            illegality = max(illegality, ill)
            notifier = max(notifier, self.notifier(rv.report.notifier_id).weight)
        factors = {
            "reach": round(min(1.0, math.log10(1 + reach) / math.log10(1 + C.REVIEW_REACH_SATURATION)), 3),
            "velocity": round(min(1.0, velocity / C.REVIEW_VELOCITY_SATURATION), 3),
            "severity": round(cf.severity, 3),
            "illegality": round(min(1.0, illegality), 3),
        }
        base = sum(C.REVIEW_PRIORITY_WEIGHTS[k] * v for k, v in factors.items())
        factors["notifier_weight"] = round(notifier or 1.0, 3)
        factors["crisis"] = 1.0 if cf.crisis else 0.0
        return round(base * factors["notifier_weight"], 4), factors

    def refresh_case(self, cf: CaseFile) -> Case:
        """Fill the core record's derived fields (priority, factors) and return it."""
        cf.case.priority, cf.case.priority_factors = self.priority(cf)
        return cf.case

    def queue(
        self,
        at: datetime,
        *,
        policy: str | None = None,
        source: str | None = None,
        language: str | None = None,
        narrative: str | None = None,
        sla: str | None = None,
        include_decided: bool = False,
    ) -> list[QueueItem]:
        """Open cases, most expected harm first (ties: earliest deadline), filtered."""
        from wavebreak.review.policies import REVIEW_POLICIES

        cats = set(REVIEW_POLICIES[policy].categories) if policy in REVIEW_POLICIES else None
        out: list[QueueItem] = []
        for cf in self.cases.values():
            c = cf.case
            if not include_decided and c.status not in OPEN_STATUSES:
                continue
            reps = [self.reports[r] for r in c.report_ids if r in self.reports]
            sources = sorted({r.report.notifier_kind.value for r in reps})
            langs = sorted({str(r.context["lang"]) for r in reps if r.context.get("lang")})
            if cats is not None and not cats.intersection(cf.categories):
                continue
            if source and source not in sources:
                continue
            if language and language not in langs:
                continue
            if narrative and cf.narrative_id != narrative:
                continue
            status = self.sla.status(c.opened_at, c.due_at, c.first_action_at, at)
            if sla and status != sla:
                continue
            self.refresh_case(cf)
            left = (c.due_at - at).total_seconds() / 60 if c.due_at and c.first_action_at is None else None
            out.append(
                QueueItem(c, cf, status, None if left is None else round(left, 1), sources, langs, len(reps))
            )
        far = at + timedelta(days=3650)
        out.sort(key=lambda q: (-q.case.priority, q.case.due_at or far, q.case.id))
        return out

    def metrics(self, at: datetime) -> dict[str, Any]:
        """Time to first action by source (median, p90, minutes), backlog, breaches, throughput."""
        by_source: dict[str, list[float]] = {}
        for rv in self.reports.values():
            cf = self.cases.get(rv.case_id or "")
            if cf is None or cf.case.first_action_at is None:
                continue
            mins = max(0.0, (cf.case.first_action_at - rv.report.at).total_seconds() / 60)
            by_source.setdefault(rv.report.notifier_kind.value, []).append(mins)
        tfa = {
            k: {
                "n": len(v),
                "median_min": round(float(np.median(v)), 1),
                "p90_min": round(float(np.percentile(v, 90)), 1),
            }
            for k, v in sorted(by_source.items())
        }
        statuses: dict[str, int] = {}
        for cf in self.cases.values():
            s = self.sla.status(cf.case.opened_at, cf.case.due_at, cf.case.first_action_at, at)
            statuses[s] = statuses.get(s, 0) + 1
        reviewers: dict[str, list[datetime]] = {}
        for cf in self.cases.values():
            if cf.decided is not None:
                reviewers.setdefault(str(cf.decided["reviewer"]), []).append(cf.decided["at"])
        throughput = {}
        for r, times in sorted(reviewers.items()):
            span_h = max((max(times) - min(times)).total_seconds() / 3600, 1.0)
            throughput[r] = {"decisions": len(times), "per_hour": round(len(times) / span_h, 2)}
        appeals = {o.value: 0 for o in AppealOutcome}
        for a in self.appeals.values():
            appeals[a.outcome.value] += 1
        return {
            "at": at.isoformat(),
            "cases": len(self.cases),
            "reports": len(self.reports),
            "rejected_reports": sum(1 for r in self.reports.values() if r.outcome == "rejected"),
            "backlog": sum(1 for cf in self.cases.values() if cf.case.status in OPEN_STATUSES),
            "sla": statuses,
            "breaches": statuses.get("breached", 0) + statuses.get("late", 0),
            "time_to_first_action": tfa,
            "reviewers": throughput,
            "appeals": appeals,
            "notifiers_warned": sum(1 for n in self.notifiers.values() if n.warned_at is not None),
            "notifiers_suspended": sum(1 for n in self.notifiers.values() if n.suspended(at)),
            "accounts_suspended": len(self.account_suspensions),
        }


_HANDLERS = {
    E.CASE_OPENED: ReviewState._on_case_opened,
    E.REPORT_RECEIVED: ReviewState._on_report,
    E.REPORT_REJECTED: ReviewState._on_report_rejected,
    E.CASE_ASSIGNED: ReviewState._on_assigned,
    E.CASE_ESCALATED: ReviewState._on_escalated,
    E.CASE_DECIDED: ReviewState._on_decided,
    E.RELEASE_PROPOSED: ReviewState._on_release_proposed,
    E.DECISION_APPLIED: ReviewState._on_decision_applied,
    E.DECISION_REVERSED: ReviewState._on_decision_reversed,
    E.NOTICE_SENT: ReviewState._on_notice,
    E.APPEAL_RECEIVED: ReviewState._on_appeal,
    E.APPEAL_DECIDED: ReviewState._on_appeal_decided,
    E.NOTIFIER_WARNED: ReviewState._on_notifier_warned,
    E.NOTIFIER_SUSPENDED: ReviewState._on_notifier_suspended,
    E.FLAGGER_REGISTERED: ReviewState._on_flagger,
    E.STRIKE_ADDED: ReviewState._on_strike,
    E.STRIKE_REMOVED: ReviewState._on_strike_removed,
    E.ACCOUNT_SUSPENDED: ReviewState._on_account_suspended,
    E.USER_CREATED: ReviewState._on_user,
}
