"""Transparency report figures on a hand-built event log with known medians."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from wavebreak.core.records import Action, Decision, Event, Grounds, Surface
from wavebreak.decisions.serde import decision_to_dict
from wavebreak.transparency.reports import compute_report

T0 = datetime(2024, 7, 29, 12, 0, tzinfo=UTC)


def _dec(i: int, target: str, at: datetime, automated: bool = True, **kw: Any) -> Event:
    d = Decision(
        id=f"d{i}",
        at=at,
        target_kind="post",
        target_id=target,
        actions={Surface.TRENDS: Action.EXCLUDE},
        rule_id="hate-exclude",
        grounds=Grounds(
            "Hateful conduct",
            dsa_category="STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
            dsa_keyword="KEYWORD_HATE_SPEECH",
        ),
        automated_decision=automated,
        actor="policy" if automated else "reviewer-1",
        **kw,
    )
    return Event("decision.applied", at, target, decision_to_dict(d), actor=d.actor)


def _report(i: int, target: str, at: datetime, kind: str = "user") -> Event:
    return Event(
        "report.received",
        at,
        target,
        {
            "id": f"r{i}",
            "target_id": target,
            "notifier_kind": kind,
            "category": "STATEMENT_CATEGORY_VIOLENCE",
        },
    )


def test_known_medians_and_counts() -> None:
    h = timedelta(hours=1)
    events = [
        # notices: actioned after 1 h, 3 h (trusted flagger), 5 h (trusted flagger); one never actioned
        _report(1, "p1", T0),
        _dec(1, "p1", T0 + 1 * h, automated=False),
        _report(2, "p2", T0),
        _dec(2, "p2", T0 + 3 * h, automated=False),
        _report(3, "p3", T0, "trusted_flagger"),
        _dec(3, "p3", T0 + 5 * h, automated=False),
        _report(4, "p4", T0, "trusted_flagger"),
        # own initiative: two automated, one human
        _dec(10, "p10", T0),
        _dec(11, "p11", T0),
        _dec(12, "p12", T0, automated=False),
        # appeals: handled in 2 h and 4 h, one reversed
        Event("appeal.received", T0, "a1", {"id": "a1", "decision_id": "d10"}),
        Event("appeal.decided", T0 + 2 * h, "a1", {"appeal_id": "a1", "outcome": "reversed"}),
        Event("appeal.received", T0, "a2", {"id": "a2", "decision_id": "d11"}),
        Event("appeal.decided", T0 + 4 * h, "a2", {"appeal_id": "a2", "outcome": "upheld"}),
        # human review of automated decisions: one agrees, one disagrees
        Event("case.opened", T0 + h, "c1", {"case_id": "c1", "subject_id": "p10", "report_ids": []}),
        Event("case.decided", T0 + 2 * h, "c1", {"case_id": "c1", "outcome": "no_action"}),
        Event("case.opened", T0 + h, "c2", {"case_id": "c2", "subject_id": "p11", "report_ids": []}),
        Event("case.decided", T0 + 2 * h, "c2", {"case_id": "c2", "outcome": "upheld"}),
        Event("account.suspended", T0, "acc1", {"account_id": "acc1"}),
        Event("notifier.suspended", T0, "n1", {"notifier_id": "n1"}),
        # outside the period: ignored
        _report(99, "p99", T0 - timedelta(days=30)),
    ]
    r = compute_report(events, T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert r["notices_total"] == 4 and r["notices_trusted_flaggers"] == 2
    assert r["median_hours_to_action"] == 3.0  # median of 1, 3, 5
    assert r["median_hours_to_action_trusted_flaggers"] == 5.0
    assert r["notices_art16"][0]["actioned"] == 3
    assert r["own_initiative_total"] == 3 and r["own_initiative_solely_automated"] == 2
    c = r["complaints_art20"]
    assert c["received"] == 2 and c["decided"] == 2 and c["median_hours_to_decide"] == 3.0
    am = r["automated_means"]
    assert am["overturn_rate_on_appeal"] == 0.5 and am["overturn_rate_on_appeal_automated"] == 0.5
    assert am["agreement_with_human_review"] == 0.5 and am["automated_decisions_human_reviewed"] == 2
    s = r["suspensions_art23"]
    assert s["accounts_suspended_manifestly_illegal_content"] == 1
    assert s["notifiers_suspended_manifestly_unfounded_notices"] == 1
    harms = {h["harm"]: h["measures"] for h in r["uk_osa"]["illegal_harms"]}
    assert sum(harms.values()) == 6


def test_empty_log_degrades_to_zero() -> None:
    r = compute_report([], T0, T0 + timedelta(days=1))
    assert r["notices_total"] == 0 and r["median_hours_to_action"] is None
    assert r["automated_means"]["overturn_rate_on_appeal"] is None
