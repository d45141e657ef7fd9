"""Unit tests of the review model: derivation, queue order, SLA, bad faith, appeals, reversal."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wavebreak.core import constants as C
from wavebreak.core.records import (
    Action,
    AppealOutcome,
    CaseStatus,
    Decision,
    Grounds,
    Narrative,
    NotifierKind,
    Post,
    Report,
    Surface,
)
from wavebreak.review import ReviewDesk, ReviewState, SlaPolicy
from wavebreak.review.lookup import narratives_of

T0 = datetime(2026, 7, 29, 12, 0, tzinfo=UTC)


def rep(
    rid: str,
    target: str,
    kind: NotifierKind = NotifierKind.USER,
    category: str = "misinformation",
    notifier: str = "user:1",
    at: datetime = T0,
    **kw: object,
) -> Report:
    return Report(
        id=rid, at=at, notifier_id=notifier, notifier_kind=kind, target_id=target, category=category, **kw
    )  # type: ignore[arg-type]


def ctx(
    nid: str | None = None,
    reach: int = 100,
    illegality: float = 0.1,
    author: str = "demo:u1",
    velocity: float = 0.0,
) -> dict[str, object]:
    out: dict[str, object] = {
        "reach": reach,
        "illegality": illegality,
        "velocity": velocity,
        "author_id": author,
        "lang": "en",
    }
    if nid:
        out["narrative_id"] = nid
    return out


def test_reports_on_one_narrative_make_one_case_and_state_rederives() -> None:
    desk = ReviewDesk()
    r1 = desk.submit(rep("r1", "demo:1"), context=ctx("n1"))
    r2 = desk.submit(rep("r2", "demo:2", notifier="user:2"), context=ctx("n1"))
    r3 = desk.submit(rep("r3", "demo:3"), context=ctx(None))
    assert r1.status == "queued" and r1.case_id == r2.case_id != r3.case_id
    assert "human review" in r1.next_steps and r1.due_at is not None
    cf = desk.case(r1.case_id or "")
    assert cf.case.subject_kind == "narrative" and cf.case.report_ids == ["r1", "r2"]
    desk.decide(r3.case_id or "", "alice", "no-violation", "allow", at=T0 + timedelta(hours=1))
    replay = ReviewState.from_events(desk.events())
    assert set(replay.cases) == set(desk.state.cases)
    for cid, f in desk.state.cases.items():
        g = replay.cases[cid]
        assert (g.case.status, g.case.report_ids, g.case.due_at) == (
            f.case.status,
            f.case.report_ids,
            f.case.due_at,
        )
        assert replay.priority(g) == desk.state.priority(f)
    assert replay.cases[r3.case_id or ""].case.status == CaseStatus.DECIDED


def test_queue_is_ordered_by_expected_harm_and_explained() -> None:
    desk = ReviewDesk()
    low = desk.submit(rep("a", "demo:1", category="spam"), context=ctx("n1", reach=50))
    mid = desk.submit(rep("b", "demo:2", category="misinformation"), context=ctx("n2", reach=50_000))
    high = desk.submit(
        rep(
            "c",
            "demo:3",
            NotifierKind.AUTHORITY,
            "incitement",
            "authority:x",
            legal_reference="POA 1986 s.18",
        ),
        context=ctx("n3", reach=50_000, velocity=30),
    )
    q = desk.queue(T0)
    assert [i.case.id for i in q] == [high.case_id, mid.case_id, low.case_id]
    f = q[0].case.priority_factors
    assert f["illegality"] == 1.0 and f["severity"] == 1.0 and f["velocity"] == 0.5
    assert f["notifier_weight"] > q[1].case.priority_factors["notifier_weight"]
    assert [i.case.id for i in desk.queue(T0, source="authority")] == [high.case_id]
    assert [i.case.id for i in desk.queue(T0, policy="spam")] == [low.case_id]


def test_sla_deadlines_status_and_yaml(tmp_path: Path) -> None:
    sla = SlaPolicy()
    assert sla.window("authority", 1.0, False) == timedelta(hours=C.REVIEW_SLA_HOURS["authority"]["high"])
    assert sla.window("user", 0.6, True) == timedelta(hours=C.REVIEW_SLA_CRISIS_HOURS["user"])
    assert sla.window("trusted_flagger", 1.0, True) == timedelta(hours=1)
    due = T0 + timedelta(hours=4)
    assert sla.status(T0, due, None, T0 + timedelta(hours=1)) == "ok"
    assert sla.status(T0, due, None, T0 + timedelta(hours=3.5)) == "due_soon"
    assert sla.status(T0, due, None, T0 + timedelta(hours=5)) == "breached"
    assert sla.status(T0, due, T0 + timedelta(hours=2), T0 + timedelta(hours=9)) == "met"
    assert sla.status(T0, due, T0 + timedelta(hours=5), T0 + timedelta(hours=9)) == "late"
    p = tmp_path / "sla.yaml"
    p.write_text("hours:\n  user: {normal: 10}\ncrisis_hours:\n  user: 2\n", encoding="utf-8")
    custom = SlaPolicy.load(p)
    assert custom.window("user", 0.1, False) == timedelta(hours=10)
    assert custom.window("user", 0.1, True) == timedelta(hours=2)
    with pytest.raises(ValueError):
        SlaPolicy.from_dict({"nonsense": 1})
    desk = ReviewDesk(sla=custom)
    r = desk.submit(rep("r1", "demo:1", category="spam"), context=ctx())
    m = desk.metrics(T0 + timedelta(hours=11))
    assert r.due_at == T0 + timedelta(hours=10) and m["sla"] == {"breached": 1} and m["breaches"] == 1


def test_bad_faith_notifier_is_warned_then_suspended() -> None:
    desk = ReviewDesk()
    bad = "user:brigade"
    for i in range(C.REVIEW_SUSPEND_MIN_UNFOUNDED):
        r = desk.submit(rep(f"r{i}", f"demo:{i}", notifier=bad, at=T0 + timedelta(minutes=i)), context=ctx())
        desk.decide(
            r.case_id or "", "alice", "no-violation", "allow", at=T0 + timedelta(minutes=i, seconds=30)
        )
        n = desk.state.notifiers[bad]
        if i + 1 < C.REVIEW_WARN_MIN_UNFOUNDED:
            assert n.warned_at is None
    n = desk.state.notifiers[bad]
    assert n.warned_at is not None and n.suspended(T0 + timedelta(hours=1))
    assert n.weight < C.REVIEW_NOTIFIER_WEIGHT["user"]
    rejected = desk.submit(rep("late", "demo:99", notifier=bad, at=T0 + timedelta(hours=1)), context=ctx())
    assert rejected.status == "rejected" and rejected.case_id is None and "suspended" in rejected.next_steps
    assert desk.metrics(T0 + timedelta(hours=1))["notifiers_suspended"] == 1
    # an accurate reporter is never penalised
    good = desk.submit(rep("g", "demo:50", notifier="user:good"), context=ctx())
    desk.decide(good.case_id or "", "alice", "hateful-conduct", "demote", at=T0)
    assert desk.state.notifiers["user:good"].warned_at is None


def test_unregistered_trusted_flagger_is_handled_as_user() -> None:
    desk = ReviewDesk()
    desk.submit(rep("r1", "demo:1", NotifierKind.TRUSTED_FLAGGER, notifier="tf:fake"), context=ctx())
    assert desk.state.reports["r1"].report.notifier_kind == NotifierKind.USER
    desk.register_flagger("tf:real", "Real Org", tier="1", at=T0)
    desk.submit(rep("r2", "demo:2", NotifierKind.TRUSTED_FLAGGER, notifier="tf:real"), context=ctx())
    assert desk.state.reports["r2"].report.notifier_kind == NotifierKind.TRUSTED_FLAGGER
    assert desk.state.notifiers["tf:real"].registered and desk.state.notifiers["tf:real"].tier == "1"


def test_escalated_case_needs_a_lead_and_appeal_needs_a_different_reviewer() -> None:
    desk = ReviewDesk()
    r = desk.submit(rep("r1", "demo:1", category="hate"), context=ctx("n1"))
    cid = r.case_id or ""
    desk.escalate(cid, "alice", "borderline", at=T0)
    with pytest.raises(PermissionError):
        desk.decide(cid, "alice", "hateful-conduct", "exclude", "narrative", at=T0)
    d = desk.decide(
        cid, "lena", "hateful-conduct", "exclude", "narrative", "lead decision", at=T0, role="lead"
    )
    assert d is not None and d.target_kind == "narrative" and d.target_id == "n1" and not d.automated_decision
    assert d.actions[Surface.TRENDS] == Action.EXCLUDE and d.actor == "lena"
    notice = desk.state.notices[-1]
    assert "appeal" in notice["text"] and notice["recipients"] == ["demo:u1"]
    with pytest.raises(ValueError):
        desk.appeal(d.id, "demo:u1", "too late", at=T0 + timedelta(days=C.REVIEW_APPEAL_WINDOW_DAYS + 1))
    a = desk.appeal(d.id, "demo:u1", "I was quoting it", at=T0 + timedelta(days=1))
    assert desk.state.cases[cid].case.status == CaseStatus.APPEALED
    with pytest.raises(PermissionError):
        desk.decide_appeal(a.id, "lena", "reversed", "changed my mind", at=T0 + timedelta(days=2))
    with pytest.raises(ValueError):
        desk.decide_appeal(a.id, "bob", "upheld", "  ", at=T0 + timedelta(days=2))
    done = desk.decide_appeal(
        a.id, "bob", AppealOutcome.UPHELD, "the post attacks a group", T0 + timedelta(days=2)
    )
    assert done.outcome == AppealOutcome.UPHELD and done.decided_by == "bob"
    assert desk.state.cases[cid].case.status == CaseStatus.CLOSED


def test_strikes_suspend_repeat_offender_and_reversal_lifts_strike() -> None:
    desk = ReviewDesk()
    decisions = []
    for i in range(C.REVIEW_STRIKES_TO_SUSPEND):
        r = desk.submit(rep(f"r{i}", f"demo:{i}", category="hate"), context=ctx(author="demo:u9"))
        decisions.append(desk.decide(r.case_id or "", "alice", "hateful-conduct", "demote", at=T0))
    assert "demo:u9" in desk.state.account_suspensions
    assert len(desk.state.active_strikes("demo:u9", T0)) == C.REVIEW_STRIKES_TO_SUSPEND
    d0 = decisions[0]
    assert d0 is not None
    a = desk.appeal(d0.id, "demo:u9", "satire", at=T0 + timedelta(hours=1))
    desk.decide_appeal(a.id, "bob", "reversed", "satire, not hate", at=T0 + timedelta(hours=2))
    assert d0.id in desk.state.reversed
    assert (
        len(desk.state.active_strikes("demo:u9", T0 + timedelta(hours=3))) == C.REVIEW_STRIKES_TO_SUSPEND - 1
    )


def _decision(did: str, target: str, nid: str, hold: bool, followers: int = 10) -> Decision:
    act = Action.HOLD_FOR_REVIEW if hold else Action.DEMOTE
    return Decision(
        id=did,
        at=T0,
        target_kind="post",
        target_id=target,
        actions={Surface.RECOMMENDATIONS: act},
        rule_id="incitement-hold-reach",
        grounds=Grounds("Violent speech"),
        facts={"author_followers": followers},
        narrative_id=nid,
    )


def test_automated_decisions_needing_confirmation_are_queued_and_allow_reverses() -> None:
    desk = ReviewDesk()
    touched = desk.intake_decisions(
        [
            _decision("d1", "demo:1", "n1", hold=True),
            _decision("d2", "demo:2", "n1", hold=True),
            _decision("d3", "demo:3", "n2", hold=False),  # low impact: not queued
            _decision("d4", "demo:4", "n3", hold=False, followers=C.REVIEW_CONFIRM_FOLLOWERS + 1),
        ]
    )
    assert len(touched) == 2
    cf = desk.state.cases[touched[0]]
    assert cf.kind == "confirmation" and cf.automated_decision_ids == ["d1", "d2"]
    assert desk.intake_decisions([_decision("d1", "demo:1", "n1", hold=True)]) == []  # idempotent
    desk.decide(cf.case.id, "alice", "no-violation", "allow", at=T0 + timedelta(minutes=5))
    assert {"d1", "d2"} <= set(desk.state.reversed)


def test_reversal_revokes_in_storage_and_gate_changes(tmp_path: Path) -> None:
    from wavebreak.policy.gate import Gate
    from wavebreak.storage import open_storage

    st = open_storage(tmp_path / "r.db")
    posts = [
        Post(id=f"demo:{i}", platform="demo", author_id="demo:u1", created_at=T0, text="burn it down")
        for i in range(3)
    ]
    st.add_posts(posts)
    st.upsert_narratives([Narrative(id="n1", title="t", first_seen=T0, last_seen=T0, reach_total=5000)])
    st.set_post_narratives([(p.id, "n1") for p in posts])
    desk = ReviewDesk(st)
    r = desk.submit(rep("r1", "demo:0", category="incitement"))
    assert r.case_id and desk.state.cases[r.case_id].narrative_id == "n1"
    assert desk.state.reports["r1"].context["reach"] == 5000

    def gate_action() -> Action:
        g = Gate(st, narrative_of=functools.partial(narratives_of, st))
        return g.decide(Surface.RECOMMENDATIONS, "GB", ["demo:2"], at=T0 + timedelta(hours=2))[0].action

    assert gate_action() == Action.ALLOW
    d = desk.decide(r.case_id, "alice", "incitement", "exclude", "narrative", at=T0 + timedelta(hours=1))
    assert d is not None and [x.id for x in st.decisions_for(["n1"])] == [d.id]
    assert gate_action() == Action.EXCLUDE
    a = desk.appeal(d.id, "demo:u1", "reporting on it", at=T0 + timedelta(hours=1, minutes=30))
    desk.decide_appeal(a.id, "bob", "reversed", "news reporting", at=T0 + timedelta(hours=1, minutes=45))
    assert st.decisions_for(["n1"]) == [] and gate_action() == Action.ALLOW
    kinds = [e.kind for e in st.iter_events()]
    assert kinds.count("decision.reversed") == 1 and "appeal.decided" in kinds
    # a fresh desk over the same store derives the same state from the log alone
    again = ReviewDesk(st)
    assert again.state.appeals[a.id].outcome == AppealOutcome.REVERSED and d.id in again.state.reversed
    out = tmp_path / "labels.jsonl"
    assert again.export_labels(out) == 1
    row = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert row["label"] == "allow" and row["reversed_on_appeal"] and row["text"] == "burn it down"
    st.close()


def test_simulated_reports_are_deterministic_and_cover_every_source() -> None:
    from wavebreak.review.simulate import SIM_FLAGGER, prepare_desk, simulated_reports, truth_label
    from wavebreak.scenario.generator import generate
    from wavebreak.scenario.model import ScenarioConfig

    sc = generate(ScenarioConfig(scale=0.02))
    a = simulated_reports(sc, seed=1)
    b = simulated_reports(sc, seed=1)
    assert [(t, r.id, r.target_id) for t, r in a] == [(t, r.id, r.target_id) for t, r in b]
    kinds = {r.notifier_kind for _, r in a}
    assert kinds == {NotifierKind.USER, NotifierKind.TRUSTED_FLAGGER, NotifierKind.AUTHORITY}
    assert all(t == r.at for t, r in a) and [t for t, _ in a] == sorted(t for t, _ in a)
    assert all(r.legal_reference for _, r in a if r.notifier_kind == NotifierKind.AUTHORITY)
    good = [r for _, r in a if "brigade" not in r.notifier_id]
    assert all(truth_label(sc, r.target_id) != "other" for r in good)
    desk = ReviewDesk()
    prepare_desk(desk, sc)
    for _, r in a[:40]:
        desk.submit(r, context=ctx())
    assert desk.state.notifiers[SIM_FLAGGER["flagger_id"]].registered


def test_batch_reads_the_log_once_and_other_writers_are_seen_after_it(tmp_path: Path) -> None:
    from wavebreak.decisions.log import decision_event
    from wavebreak.storage import open_storage

    st = open_storage(tmp_path / "b.db")
    desk = ReviewDesk(st)
    reads = 0
    iter_events = st.iter_events

    def counted(*a: object, **kw: object):  # type: ignore[no-untyped-def]
        nonlocal reads
        reads += 1
        return iter_events(*a, **kw)

    st.iter_events = counted  # type: ignore[method-assign]
    other = _decision("d9", "demo:9", "n9", hold=True)
    st.append_events([decision_event(other)])  # another writer, before the block
    with st.transaction(), desk.batch():
        first = desk.submit(rep("r1", "demo:1", at=T0))
        second = desk.submit(rep("r2", "demo:2", at=T0 + timedelta(minutes=1)))
        queue = desk.queue(at=T0 + timedelta(minutes=2))
        st.append_events([decision_event(_decision("d8", "demo:8", "n8", hold=True))])  # unseen yet
    assert reads == 1
    assert {first.case_id, second.case_id} <= {q.case.id for q in queue}
    assert "d9" in desk.state.queued_decisions and "d8" not in desk.state.queued_decisions
    desk.queue(at=T0 + timedelta(minutes=3))  # the first call after the block reads again
    assert reads == 2 and "d8" in desk.state.queued_decisions
    # what the desk wrote inside the block is in the log, once, and a fresh desk derives the same
    again = ReviewDesk(st)
    assert set(again.state.cases) == set(desk.state.cases)
    assert [e.kind for e in st.iter_events()].count("report.received") == 4
    st.close()


def _incitement_hold(did: str, target: str, followers: int, crisis: str | None = None) -> Decision:
    d = _decision(did, target, f"n-{did}", hold=True, followers=followers)
    if crisis:
        d.facts["crisis"] = crisis
    return d


def test_four_eyes_high_reach_incitement_release_needs_a_second_different_reviewer() -> None:
    desk = ReviewDesk()
    big = C.REVIEW_FOUR_EYES_FOLLOWERS + 1
    (cid,) = desk.intake_decisions([_incitement_hold("h1", "demo:1", big)])
    t = T0 + timedelta(minutes=5)
    # one reviewer cannot release: a proposal is recorded, the hold stays in force, the case stays open
    assert desk.decide(cid, "alice", "no-violation", "allow", at=t, role="lead") is None
    cf = desk.state.cases[cid]
    assert "h1" not in desk.state.reversed and cf.case.status == CaseStatus.OPEN
    assert cf.release_proposal is not None and cf.release_proposal["reviewer"] == "alice"
    assert [e.kind for e in desk.events()].count("release.proposed") == 1
    # the same reviewer twice cannot
    with pytest.raises(PermissionError):
        desk.decide(cid, "alice", "no-violation", "allow", at=t + timedelta(minutes=1))
    assert "h1" not in desk.state.reversed
    # a second, different reviewer agreeing releases, and the record names both
    desk.decide(cid, "bob", "no-violation", "allow", at=t + timedelta(minutes=10))
    assert "h1" in desk.state.reversed and cf.case.status == CaseStatus.DECIDED
    assert cf.decided is not None and cf.decided["proposed_by"] == "alice" and cf.decided["reviewer"] == "bob"
    rev = [e for e in desk.events() if e.kind == "decision.reversed"]
    assert len(rev) == 1 and "four eyes" in rev[0].payload["reason"]
    # the log alone rederives it
    again = ReviewState.from_events(desk.events())
    assert again.cases[cid].release_proposal["reviewer"] == "alice" and "h1" in again.reversed


def test_four_eyes_second_reviewer_disagreeing_keeps_the_hold_and_removes() -> None:
    desk = ReviewDesk()
    (cid,) = desk.intake_decisions([_incitement_hold("h2", "demo:2", 50, crisis="crisis-1")])
    t = T0 + timedelta(minutes=5)
    assert desk.decide(cid, "alice", "no-violation", "allow", at=t) is None  # crisis: four eyes at any reach
    d = desk.decide(cid, "bob", "incitement", "remove", at=t + timedelta(minutes=10))
    assert d is not None and d.item_action == Action.REMOVE and "h2" not in desk.state.reversed
    assert desk.state.cases[cid].decided["release_proposed_by"] == "alice"


def test_four_eyes_not_needed_for_low_reach_or_other_categories() -> None:
    desk = ReviewDesk()
    big = C.REVIEW_FOUR_EYES_FOLLOWERS + 1
    low = desk.intake_decisions([_incitement_hold("h3", "demo:3", 10)])[0]
    mis = _decision("h4", "demo:4", "n-h4", hold=True, followers=big)
    mis.rule_id = "identity-claim-hold"
    other = desk.intake_decisions([mis])[0]
    assert desk.state.cases[other].categories != ["incitement"]
    for cid, did in ((low, "h3"), (other, "h4")):
        desk.decide(cid, "alice", "no-violation", "allow", at=T0 + timedelta(minutes=5))
        assert did in desk.state.reversed
    assert "release.proposed" not in [e.kind for e in desk.events()]


def test_four_eyes_rule_is_shared_and_explained() -> None:
    from wavebreak.review.policies import release_needs_second_reviewer

    big = C.REVIEW_FOUR_EYES_FOLLOWERS + 1
    assert release_needs_second_reviewer(["threat"], big, False)
    assert release_needs_second_reviewer(["incitement"], 10, True)
    assert release_needs_second_reviewer(["incitement"], 10, False) is None
    assert release_needs_second_reviewer(["misinformation"], big, True) is None


def test_four_eyes_proposal_covers_only_the_decisions_it_named() -> None:
    desk = ReviewDesk()
    big = C.REVIEW_FOUR_EYES_FOLLOWERS + 1
    (cid,) = desk.intake_decisions([_decision("h5", "demo:5", "n5", hold=True, followers=big)])
    assert desk.decide(cid, "alice", "no-violation", "allow", at=T0 + timedelta(minutes=5)) is None
    # a second held post of the same narrative joins the case after alice looked
    assert desk.intake_decisions([_decision("h6", "demo:6", "n5", hold=True, followers=big)]) == [cid]
    # bob's allow cannot release what alice never saw: it becomes the new proposal
    assert desk.decide(cid, "bob", "no-violation", "allow", at=T0 + timedelta(minutes=10)) is None
    assert not {"h5", "h6"} & set(desk.state.reversed)
    assert desk.state.cases[cid].release_proposal["reviewer"] == "bob"
    desk.decide(cid, "alice", "no-violation", "allow", at=T0 + timedelta(minutes=15))
    assert {"h5", "h6"} <= set(desk.state.reversed)
