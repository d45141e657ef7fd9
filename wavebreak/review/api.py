"""HTTP endpoints for review, as a FastAPI ``APIRouter`` the main API mounts.

Why a router and not an app: the API app owns authentication, limits and the gate;
review only adds routes (notices in with an immediate receipt, the queue, decisions,
appeals, metrics). Mount with ``app.include_router(review_router(desk), prefix="/review",
dependencies=[...auth...])``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from wavebreak.core.records import NotifierKind, Report
from wavebreak.decisions.serde import decision_to_dict, dt_to_iso
from wavebreak.review.desk import ReviewDesk
from wavebreak.review.state import QueueItem


class NoticeIn(BaseModel):
    """A notice (DSA art. 16): who, what, why it is illegal or against the rules, where."""

    notifier_id: str = Field(min_length=1, max_length=200)
    notifier_kind: NotifierKind = NotifierKind.USER
    target_id: str = Field(min_length=1, max_length=300)
    category: str = "other"
    explanation: str = Field("", max_length=5000)
    location: str = Field("", max_length=2000)
    good_faith: bool = True
    legal_reference: str | None = Field(None, max_length=500)
    free_text: str = Field("", max_length=5000)
    at: datetime | None = None


class DecisionIn(BaseModel):
    reviewer: str = Field(min_length=1)
    policy_id: str
    action: str
    scope: Literal["post", "narrative"] = "post"
    note: str = ""
    role: str = "reviewer"
    at: datetime | None = None


class EscalateIn(BaseModel):
    by: str = Field(min_length=1)
    reason: str = ""
    at: datetime | None = None


class AppealIn(BaseModel):
    decision_id: str
    appellant_id: str
    reason: str = Field(min_length=1, max_length=5000)
    at: datetime | None = None


class AppealDecisionIn(BaseModel):
    reviewer: str = Field(min_length=1)
    outcome: Literal["upheld", "reversed"]
    reason: str = Field(min_length=1)
    at: datetime | None = None


def queue_item_dict(q: QueueItem) -> dict[str, Any]:
    """A queue row as JSON (priority factors included: the order is explainable)."""
    c = q.case
    return {
        "case_id": c.id,
        "status": c.status.value,
        "kind": q.file.kind,
        "subject_kind": c.subject_kind,
        "subject_id": c.subject_id,
        "narrative_id": q.file.narrative_id,
        "priority": c.priority,
        "priority_factors": c.priority_factors,
        "categories": q.file.categories,
        "sources": q.sources,
        "languages": q.languages,
        "reports": q.reports,
        "opened_at": dt_to_iso(c.opened_at),
        "due_at": dt_to_iso(c.due_at),
        "sla": q.sla,
        "minutes_left": q.minutes_left,
        "crisis": q.file.crisis,
        "assignee": c.assignee,
    }


def review_router(desk: ReviewDesk | Callable[[], ReviewDesk]) -> APIRouter:
    """Routes over one desk (or a factory returning the desk to use per request)."""
    router = APIRouter(tags=["review"])
    get = desk if callable(desk) and not isinstance(desk, ReviewDesk) else (lambda: desk)

    def _err(exc: Exception) -> HTTPException:
        if isinstance(exc, KeyError):
            return HTTPException(404, str(exc).strip("'\""))
        if isinstance(exc, PermissionError):
            return HTTPException(403, str(exc))
        return HTTPException(422, str(exc))

    @router.post("/reports", status_code=201)
    def submit_report(body: NoticeIn) -> dict[str, Any]:
        """Receive a notice; the receipt (id, time, what happens next) comes back at once."""
        r = Report(
            id="",
            at=body.at or datetime.now().astimezone(),
            notifier_id=body.notifier_id,
            notifier_kind=body.notifier_kind,
            target_id=body.target_id,
            category=body.category,
            explanation=body.explanation,
            location=body.location,
            good_faith=body.good_faith,
            legal_reference=body.legal_reference,
        )
        return get().submit(r, free_text=body.free_text).as_dict()

    @router.get("/queue")
    def queue(
        policy: str | None = None,
        source: str | None = None,
        language: str | None = None,
        narrative: str | None = None,
        sla: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        d = get()
        items = d.queue(None, policy=policy, source=source, language=language, narrative=narrative, sla=sla)
        return [queue_item_dict(q) for q in items[: max(1, min(limit, 1000))]]

    @router.get("/cases/{case_id}")
    def case(case_id: str) -> dict[str, Any]:
        d = get()
        try:
            cf = d.case(case_id)
        except KeyError as exc:
            raise _err(exc) from None
        reports = [d.state.reports[r] for r in cf.case.report_ids if r in d.state.reports]
        return {
            "case_id": cf.case.id,
            "status": cf.case.status.value,
            "subject_kind": cf.case.subject_kind,
            "subject_id": cf.case.subject_id,
            "narrative_id": cf.narrative_id,
            "priority": cf.case.priority,
            "priority_factors": cf.case.priority_factors,
            "due_at": dt_to_iso(cf.case.due_at),
            "decided": {
                k: dt_to_iso(v) if isinstance(v, datetime) else v for k, v in (cf.decided or {}).items()
            },
            "reports": [
                {
                    "id": r.report.id,
                    "at": dt_to_iso(r.report.at),
                    "notifier_kind": r.report.notifier_kind.value,
                    "target_id": r.report.target_id,
                    "category": r.report.category,
                    "outcome": r.outcome,
                }
                for r in reports
            ],
            "history": [dict(h, at=dt_to_iso(h["at"])) for h in cf.history],
        }

    @router.post("/cases/{case_id}/decision")
    def decide(case_id: str, body: DecisionIn) -> dict[str, Any]:
        try:
            dec = get().decide(
                case_id,
                body.reviewer,
                body.policy_id,
                body.action,
                body.scope,
                body.note,
                body.at,
                role=body.role,
            )
        except (KeyError, ValueError, PermissionError) as exc:
            raise _err(exc) from None
        out: dict[str, Any] = {"case_id": case_id, "decision": decision_to_dict(dec) if dec else None}
        cf = get().state.cases.get(case_id)
        if cf is not None and cf.case.status.value == "open" and cf.release_proposal is not None:
            # four eyes: the release is only proposed; the hold stays until another reviewer agrees
            out["release"] = {
                "status": "proposed",
                "proposed_by": cf.release_proposal["reviewer"],
                "reason": cf.release_proposal.get("reason", ""),
                "next_steps": "A second, different reviewer must agree before the hold is released.",
            }
        return out

    @router.post("/cases/{case_id}/escalate")
    def escalate(case_id: str, body: EscalateIn) -> dict[str, Any]:
        try:
            get().escalate(case_id, body.by, body.reason, body.at)
        except (KeyError, ValueError) as exc:
            raise _err(exc) from None
        return {"case_id": case_id, "status": "escalated"}

    @router.post("/appeals", status_code=201)
    def appeal(body: AppealIn) -> dict[str, Any]:
        try:
            a = get().appeal(body.decision_id, body.appellant_id, body.reason, body.at)
        except (KeyError, ValueError) as exc:
            raise _err(exc) from None
        return {
            "appeal_id": a.id,
            "decision_id": a.decision_id,
            "received_at": dt_to_iso(a.at),
            "next_steps": "A reviewer other than the one who decided will look at your appeal.",
        }

    @router.post("/appeals/{appeal_id}/decision")
    def decide_appeal(appeal_id: str, body: AppealDecisionIn) -> dict[str, Any]:
        try:
            a = get().decide_appeal(appeal_id, body.reviewer, body.outcome, body.reason, body.at)
        except (KeyError, ValueError, PermissionError) as exc:
            raise _err(exc) from None
        return {"appeal_id": a.id, "outcome": a.outcome.value, "decided_by": a.decided_by}

    @router.get("/metrics")
    def metrics() -> dict[str, Any]:
        return get().metrics()

    return router
