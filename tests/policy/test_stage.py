"""The default pack through the policy stage, on small hand-built batches."""

from __future__ import annotations

from datetime import timedelta

from wavebreak.core.records import (
    AccountKind,
    Action,
    AuthorityStatement,
    LegalHold,
    NarrativeStatus,
    Surface,
)
from wavebreak.pipeline.context import PipelineContext
from wavebreak.policy.crisis import CrisisManager
from wavebreak.policy.engine import PolicyEngine
from wavebreak.policy.holds import HoldRegistry
from wavebreak.policy.pack import loads_pack
from wavebreak.policy.refutations import RefutationRegistry, TfidfClaimMatcher
from wavebreak.policy.stage import PolicyStage

from .helpers import T0, FakeNarratives, account, batch, post, sig, suspect_narratives

BIG = account("demo:big", 2_800_000)
SMALL = account("demo:small", 40)


def by_target(decisions):
    return {d.target_id: d for d in decisions}


def run_one(b, stage=None, ctx=None):
    stage = stage or PolicyStage()
    ctx = ctx or PipelineContext()
    stage.process(b, ctx)
    return by_target(b.decisions), stage, ctx


def test_reach_scaling_holds_big_account_not_small() -> None:
    words = "everyone to the mosque tonight, burn it"
    b = batch(
        [post("demo:1", words, BIG), post("demo:2", words, SMALL)],
        {
            "demo:1": {"incitement": sig("incitement", 0.66)},
            "demo:2": {"incitement": sig("incitement", 0.66)},
        },
    )
    ds, _, _ = run_one(b)
    d = ds["demo:1"]
    assert d.item_action == Action.HOLD_FOR_REVIEW
    assert d.actions[Surface.RECOMMENDATIONS] == Action.HOLD_FOR_REVIEW
    cmp = d.facts["by_rule"]["incitement-hold-reach"][0]
    assert cmp["value"] == 0.66 and cmp["scaled_for_followers"] == 2_800_000 and cmp["threshold"] < 0.6
    assert "demo:2" not in ds  # same words at 40 followers: below every bar


def test_incitement_held_and_most_severe_wins_with_all_rule_ids() -> None:
    b = batch(
        [post("demo:1", "attack them", BIG)],
        {"demo:1": {"incitement": sig("incitement", 0.9), "hate": sig("hate", 0.65)}},
    )
    d = run_one(b)[0]["demo:1"]
    assert set(d.facts["rules"]) == {"incitement-hold-reach", "incitement-restrict", "hate-demote"}
    assert d.rule_id == "incitement-hold-reach"
    # recommendations: hold_for_review (6) beats exclude (4) beats demote (3)
    assert d.actions[Surface.RECOMMENDATIONS] == Action.HOLD_FOR_REVIEW
    assert d.facts["surface_rules"]["recommendations"] == "incitement-hold-reach"
    assert d.actions[Surface.TRENDS] == Action.EXCLUDE
    assert "incitement-hold-reach" in d.explanation and "0.9" in d.explanation


def test_tie_goes_to_higher_priority_rule() -> None:
    text = """
name: t
rules:
  - {id: low, description: d, target: post, when: signals.hate >= 0.1, priority: 1,
     actions: {search: demote}, grounds: {platform_policy: low}}
  - {id: high, description: d, target: post, when: signals.hate >= 0.1, priority: 9,
     actions: {search: demote}, grounds: {platform_policy: high}}
"""
    st = PolicyStage(loads_pack(text))
    b = batch([post("demo:1", "x", SMALL)], {"demo:1": {"hate": sig("hate", 0.5)}})
    d = run_one(b, st)[0]["demo:1"]
    assert d.facts["surface_rules"]["search"] == "high" and d.grounds.platform_policy == "high"
    assert d.facts["rules"] == ["high", "low"]


def test_refuting_post_never_demoted_with_the_claim() -> None:
    claim = {"identity_claim": sig("identity_claim", 0.9, data={"role": "suspect", "name": "Ali"})}
    deny = {**claim, "stance": sig("stance", 0.8, "deny")}
    # an authority account: a stance deny alone no longer makes a post that the identity detector reads
    # as an assertion refuting (test_stance_deny_does_not_protect_a_post_that_asserts_the_identity)
    police = account("u-police", 50_000, AccountKind.AUTHORITY)
    b = batch(
        [
            post("demo:1", "the attacker is Ali, came by boat", SMALL),
            post("demo:2", "Police: the name Ali is FALSE", police),
        ],
        {"demo:1": claim, "demo:2": deny},
    )
    ds = run_one(b)[0]
    assert ds["demo:1"].actions[Surface.TRENDS] == Action.EXCLUDE
    d = ds["demo:2"]
    assert not any(a.restrictive for a in d.actions.values()) and not d.item_action.restrictive
    assert d.facts["boost_as_context"] is True and "identity-claim-post" in d.facts["protected_from"]
    assert "never demoted" in d.explanation


def test_stance_deny_does_not_protect_a_post_that_asserts_the_identity() -> None:
    # seventh session: "they are not naming him but everyone knows it's <name>, an asylum seeker who came by
    # boat" is a stance deny (0.53) and an identity assertion (0.8): a claim, not a refutation
    s = {
        "identity_claim": sig("identity_claim", 0.8, "identity_claim", data={"role": None, "name": "Ali"}),
        "stance": sig("stance", 0.55, "deny"),
    }
    b = batch([post("demo:1", "they won't name him but it's Ali, came by boat", SMALL)], {"demo:1": s})
    d = run_one(b)[0]["demo:1"]
    assert d.rule_id == "identity-claim-post" and d.actions[Surface.TRENDS] == Action.EXCLUDE
    assert not d.facts["refuting"]


def test_refuting_post_still_restricted_for_its_own_incitement() -> None:
    s = {"stance": sig("stance", 0.9, "deny"), "incitement": sig("incitement", 0.95)}
    b = batch([post("demo:1", "fake news, now go burn their houses", SMALL)], {"demo:1": s})
    d = run_one(b)[0]["demo:1"]
    assert d.actions[Surface.RECOMMENDATIONS] >= Action.EXCLUDE and d.facts["refuting"] is True


def test_authority_account_is_refuting() -> None:
    police = account("demo:police", 300_000, kind=AccountKind.AUTHORITY)
    b = batch(
        [post("demo:1", "Name circulating is wrong", police)],
        {"demo:1": {"identity_claim": sig("identity_claim", 0.8)}},
    )
    d = run_one(b)[0]["demo:1"]
    assert Surface.TRENDS not in d.actions and "authority" in " ".join(d.facts["refuting_reasons"])


def _narrative_setup():
    nars = suspect_narratives(zscore=2.0)
    ctx = PipelineContext(services={"narratives": nars})
    return nars, ctx


def test_identity_claim_narrative_excluded_from_trends_and_search_and_refutation_protects() -> None:
    _, ctx = _narrative_setup()
    st = PolicyStage()
    deny = {"stance": sig("stance", 0.85, "deny")}
    b = batch(
        [
            post("demo:1", "the attacker was an asylum seeker", SMALL),
            post("demo:2", "this is false, police say", SMALL),
        ],
        {"demo:2": deny},
        narrative_of={"demo:1": "n1", "demo:2": "n1"},
    )
    ds = run_one(b, st, ctx)[0]
    nd = ds["n1"]
    assert nd.target_kind == "narrative" and nd.rule_id == "identity-claim-narrative"
    assert nd.actions[Surface.TRENDS] == Action.EXCLUDE and nd.actions[Surface.SEARCH] == Action.EXCLUDE
    assert nd.facts["by_rule"]["identity-claim-narrative"][0]["value"] == 0.6
    prot = ds["demo:2"]
    assert prot.rule_id == "engine.refutation-protection" and prot.facts["boost_as_context"]
    assert "demo:1" not in ds


def test_refutation_arriving_after_the_restriction_is_protected_on_arrival() -> None:
    """A refuting post that joins an already restricted narrative, with no material change to the
    narrative, is protected in its own batch (not only when the narrative's decision is reissued)."""
    _, ctx = _narrative_setup()
    st = PolicyStage()
    b1 = batch(
        [post("demo:1", "the attacker was an asylum seeker", SMALL)],
        {},
        narrative_of={"demo:1": "n1"},
    )
    assert run_one(b1, st, ctx)[0]["n1"].actions[Surface.TRENDS] == Action.EXCLUDE
    b2 = batch(
        [post("demo:9", "this is false, police say", SMALL, minutes=3)],
        {"demo:9": {"stance": sig("stance", 0.85, "deny")}},
        narrative_of={"demo:9": "n1"},
    )
    ds = run_one(b2, st, ctx)[0]
    assert "n1" not in ds  # the narrative did not change materially: no new narrative decision
    prot = ds["demo:9"]
    assert prot.rule_id == "engine.refutation-protection" and prot.facts["refuting"] is True
    assert prot.facts["protected_from"] == {"identity-claim-narrative": {"narrative": "n1"}}


def test_narrative_not_reevaluated_without_material_change_and_reissued_on_refutation() -> None:
    nars, ctx = _narrative_setup()
    reg = RefutationRegistry(TfidfClaimMatcher())
    st = PolicyStage(refutations=reg)

    def mk(i: int):
        return batch(
            [post(f"demo:{i}", "asylum boat ali", SMALL, minutes=i)], narrative_of={f"demo:{i}": "n1"}
        )

    b1 = mk(1)
    st.process(b1, ctx)
    first = next(d for d in b1.decisions if d.target_id == "n1")
    b2 = mk(2)
    st.process(b2, ctx)
    assert not [d for d in b2.decisions if d.target_id == "n1"]  # identical: not re-issued
    reg.add(
        AuthorityStatement(
            "st1",
            T0,
            "Merseyside Police",
            "The suspect is not an asylum seeker and did not come by boat; the name Ali is false",
            claim="suspect asylum seeker boat ali",
        )
    )
    b3 = mk(3)
    st.process(b3, ctx)
    again = [d for d in b3.decisions if d.target_id == "n1"]
    assert again and again[0].supersedes == first.id
    assert nars.get("n1").status == NarrativeStatus.REFUTED and nars.get("n1").refuted_by == ["st1"]
    assert (
        again[0].item_action == Action.CONTEXT_NOTE and "refuted-narrative-context" in again[0].facts["rules"]
    )
    assert again[0].facts["refutation"]["statement_id"] == "st1"


def test_crisis_tightens_named_thresholds_and_demotes_pseudo_news() -> None:
    crises = CrisisManager()
    c, _ = crises.declare(
        "Southport", T0 - timedelta(hours=1), by="duty", terms=["southport"], regions=["GB"]
    )
    site = account("demo:site", 20_000)
    s = {"demo:1": {"hate": sig("hate", 0.55)}, "demo:2": {"hate": sig("hate", 0.55)}, "demo:3": {}}
    b = batch(
        [
            post("demo:1", "southport: they are vermin", SMALL),
            post("demo:2", "leeds: they are vermin", SMALL),
            post("demo:3", "BREAKING southport attacker named", site),
        ],
        s,
        account_signals={"demo:site": {"credibility": sig("credibility", 0.1, "pseudo_news")}},
    )
    ds = run_one(b, PolicyStage(crises=crises))[0]
    assert (
        ds["demo:1"].facts["crisis"] == c.id
        and ds["demo:1"].actions[Surface.RECOMMENDATIONS] == Action.DEMOTE
    )
    assert "demo:2" not in ds  # out of the crisis' terms: normal threshold 0.6 applies
    assert (
        ds["demo:3"].rule_id == "pseudo-news-crisis"
        and ds["demo:3"].actions[Surface.TRENDS] == Action.EXCLUDE
    )
    f = crises.facts(c.id)
    assert f["decisions"] == 2 and f["reach_avoided_estimate"] > 0


def test_legal_hold_geo_withholds_in_jurisdiction() -> None:
    holds = HoldRegistry(
        [
            LegalHold(
                "hold-1",
                "YJCEA s.45",
                ("Axel Rudakubana",),
                ("GB",),
                "Youth Justice and Criminal Evidence Act 1999 s.45",
                T0,
            )
        ]
    )
    b = batch(
        [post("demo:1", "his name is #AxelRudakubana", SMALL), post("demo:2", "pray for southport", SMALL)]
    )
    ds = run_one(b, PolicyStage(holds=holds))[0]
    d = ds["demo:1"]
    assert d.item_action == Action.GEO_WITHHOLD and d.territorial_scope == ("GB",)
    assert d.actions[Surface.TRENDS] == Action.EXCLUDE and d.actions[Surface.SEARCH] == Action.EXCLUDE
    assert d.facts["holds"][0]["legal_basis"].startswith("Youth Justice") and d.grounds.illegal
    assert "demo:2" not in ds


def test_crisis_proposed_when_risky_narrative_bursts() -> None:
    nars = FakeNarratives()
    nars.add("n9", "riot call", ["southport", "mosque"], risk=0.8, zscore=9.0, accounts=500)
    ctx = PipelineContext(services={"narratives": nars})
    st = PolicyStage()
    b = batch([post("demo:1", "southport mosque", SMALL)], narrative_of={"demo:1": "n9"})
    st.process(b, ctx)
    evs = b.extras["events"]
    assert [e.kind for e in evs] == ["crisis.proposed"] and evs[0].payload["evidence"]["narrative_id"] == "n9"
    assert st.crises.pending() and not st.crises.active(T0)  # needs a person to confirm


def test_engine_is_reusable_without_stage() -> None:
    eng = PolicyEngine(loads_pack("name: e\nrules: []\n"))
    assert eng.decide("post", "x", [], T0) is None


def test_policy_narrative_memory_is_bounded(monkeypatch) -> None:
    """The per-narrative snapshots and refuting-post lists are LRU-capped (flat memory on long replays)."""
    from wavebreak.core import constants as C
    from wavebreak.policy.stage import PolicyStage

    monkeypatch.setattr(C, "POLICY_NARRATIVE_STATE_MAX", 5)
    stage = PolicyStage("default")
    for i in range(12):
        stage._remember_refuting(f"n{i}", f"p{i}", ["deny"])
    assert list(stage._refuting_by_narr) == [f"n{i}" for i in range(7, 12)]


def test_trusted_account_repeating_the_claim_is_not_refuting() -> None:
    """A "trusted"-rated news account asserting the identity claim gets no refutation exemption;
    the same account correcting it does."""
    from wavebreak.policy.engine import refuting_reasons

    cred = {"credibility": sig("credibility", 0.9, "trusted")}
    asserting = {"identity_claim": sig("identity_claim", 0.9)}
    assert refuting_reasons(asserting, SMALL, cred) == []
    assert refuting_reasons({}, SMALL, cred) == ["authored by trusted account (trusted)"]
    authority = {"credibility": sig("credibility", 0.95, "authority")}
    assert refuting_reasons(asserting, SMALL, authority) == ["authored by trusted account (authority)"]


def test_trusted_account_quote_needs_a_refuting_cue_of_its_own() -> None:
    """Seventh session: a trusted account's quote amplifies what it embeds ("This. Share before it gets
    deleted."); trust alone does not make it refuting, a correction marker or a denial does."""
    from wavebreak.policy.engine import refuting_reasons

    cred = {"credibility": sig("credibility", 0.9, "trusted")}
    endorse = {**cred, "stance": sig("stance", 0.9, "comment")}
    assert refuting_reasons(endorse, SMALL, cred, quote=True) == []
    assert refuting_reasons(endorse, SMALL, cred) == ["authored by trusted account (trusted)"]
    corrects = {"rumour": sig("rumour", 0.6, "correction", data={"correction": 1})}
    assert "authored by trusted account (trusted)" in refuting_reasons(corrects, SMALL, cred, quote=True)
    denies = {"stance": sig("stance", 0.4, "deny")}
    assert refuting_reasons(denies, SMALL, cred, quote=True) == ["authored by trusted account (trusted)"]


def test_correction_marker_is_refuting_unless_the_post_asserts_or_supports() -> None:
    """The rumour signal's correction marker makes a post refuting; a post that asserts an identity,
    or that the stance model confidently calls support, is not protected whatever marker it carries.
    A negated identity mention alone is not a reason ("No Muslims in <town>" is a slogan, not a
    correction)."""
    from wavebreak.core.records import Signal
    from wavebreak.policy.engine import refuting_reasons

    corr = Signal("rumour", 0.6, label="correction", explanation=("fact check",))
    weak_support = sig("stance", 0.38, "support")
    fact_check = {"rumour": corr, "stance": weak_support, "identity_claim": sig("identity_claim", 0.25)}
    assert refuting_reasons(fact_check, SMALL, None) == ['correction marker ("fact check")']
    assert refuting_reasons({**fact_check, "stance": sig("stance", 0.7, "support")}, SMALL, None) == []
    assert refuting_reasons({**fact_check, "identity_claim": sig("identity_claim", 0.8)}, SMALL, None) == []
    negated = {"identity_claim": sig("identity_claim", 0.1, data={"negated": True, "name": "Ali"})}
    assert refuting_reasons(negated, SMALL, None) == []
    query = {"rumour": Signal("rumour", 0.5, label="query", explanation=("is this true",))}
    assert refuting_reasons(query, SMALL, None) == []


def test_correction_marker_post_joining_a_restricted_narrative_is_protected() -> None:
    """A fact-check the stance model misreads (low-confidence support) but that carries a correction
    marker is not restricted with the narrative it corrects."""
    from wavebreak.core.records import Signal

    _, ctx = _narrative_setup()
    st = PolicyStage()
    b1 = batch(
        [post("demo:1", "the attacker was an asylum seeker", SMALL)], {}, narrative_of={"demo:1": "n1"}
    )
    assert run_one(b1, st, ctx)[0]["n1"].actions[Surface.TRENDS] == Action.EXCLUDE
    fc = {
        "rumour": Signal("rumour", 0.6, label="correction", explanation=("fact check",)),
        "stance": sig("stance", 0.38, "support"),
    }
    b2 = batch(
        [post("demo:9", "Fact check: the suspect did not arrive by small boat", SMALL, minutes=3)],
        {"demo:9": fc},
        narrative_of={"demo:9": "n1"},
    )
    prot = run_one(b2, st, ctx)[0]["demo:9"]
    assert prot.rule_id == "engine.refutation-protection"
    assert prot.facts["refuting_reasons"] == ['correction marker ("fact check")']


# --------------------------------------------------------------------------- pack 2024.07-3


def test_question_reasons_marker_or_confident_query_stance_unless_the_post_asserts() -> None:
    """A question marker or a confident `query` stance makes a post a question; an identity assertion
    or a confident `support` vetoes it (the correction marker's vetoes)."""
    from wavebreak.core.records import Signal
    from wavebreak.policy.engine import question_reasons

    marker = Signal("rumour", 0.5, label="query", explanation=("is it true",))
    assert question_reasons({"rumour": marker}) == ['question marker ("is it true")']
    assert question_reasons({"stance": sig("stance", 0.87, "query")}) == ["stance query (0.87)"]
    assert question_reasons({"stance": sig("stance", 0.35, "query")}) == []  # a coin toss
    assert question_reasons({"rumour": marker, "identity_claim": sig("identity_claim", 0.8)}) == []
    assert question_reasons({"rumour": marker, "stance": sig("stance", 0.7, "support")}) == []
    assert question_reasons({"rumour": marker, "stance": sig("stance", 0.4, "support")}) != []
    assert question_reasons(None) == []


def _question_signals() -> dict:
    from wavebreak.core.records import Signal

    return {"rumour": Signal("rumour", 0.5, label="query", explanation=("anyone got a source",))}


def test_question_joining_a_restricted_narrative_is_exempt_not_refuting() -> None:
    _, ctx = _narrative_setup()
    st = PolicyStage()
    b1 = batch(
        [post("demo:1", "the attacker was an asylum seeker", SMALL)], {}, narrative_of={"demo:1": "n1"}
    )
    assert run_one(b1, st, ctx)[0]["n1"].actions[Surface.TRENDS] == Action.EXCLUDE
    b2 = batch(
        [post("demo:9", "Is it true he came by boat? Anyone got a source?", SMALL, minutes=3)],
        {"demo:9": _question_signals()},
        narrative_of={"demo:9": "n1"},
    )
    d = run_one(b2, st, ctx)[0]["demo:9"]
    assert d.rule_id == "engine.question-exemption" and d.facts["question"] is True
    assert d.facts["exempt_from"] == {"identity-claim-narrative": {"narrative": "n1"}}
    assert not d.facts.get("refuting") and not d.facts.get("boost_as_context")
    assert d.narrative_id == "n1" and not d.actions


def test_question_in_narrative_keeps_its_own_restriction_and_is_not_withheld() -> None:
    """A question with its own post decision (here hate) carries `question` on that decision, which is
    issued even though the narrative's decision would otherwise cover it (the gate does not apply the
    narrative's restrictions to a question, so the post's own must stand)."""
    _, ctx = _narrative_setup()
    st = PolicyStage()
    b1 = batch(
        [post("demo:1", "the attacker was an asylum seeker", SMALL)], {}, narrative_of={"demo:1": "n1"}
    )
    run_one(b1, st, ctx)
    b2 = batch(
        [post("demo:9", "are they all like this? any source?", SMALL, minutes=3)],
        {"demo:9": {**_question_signals(), "hate": sig("hate", 0.65)}},
        narrative_of={"demo:9": "n1"},
    )
    d = run_one(b2, st, ctx)[0]["demo:9"]
    assert d.rule_id == "hate-demote" and d.actions[Surface.RECOMMENDATIONS] == Action.DEMOTE
    assert d.facts["question"] is True and st.counts["covered"] == 0


def test_refuting_post_with_its_own_decision_is_not_superseded_by_protection() -> None:
    """A refuting post whose own content is restricted (incitement applies to refuting posts) keeps
    that decision when its narrative is later restricted: no bare protection decision replaces it."""
    nars = FakeNarratives()
    nars.add("n1", "suspect named as asylum seeker", ["asylum", "boat"], identity_claim_share=0.6, risk=0.1)
    ctx = PipelineContext(services={"narratives": nars})
    st = PolicyStage()
    s = {"stance": sig("stance", 0.9, "deny"), "incitement": sig("incitement", 0.95)}
    b1 = batch(
        [post("demo:2", "fake news, now go burn their houses", SMALL)],
        {"demo:2": s},
        narrative_of={"demo:2": "n1"},
    )
    ds = run_one(b1, st, ctx)[0]
    assert "n1" not in ds and ds["demo:2"].actions[Surface.RECOMMENDATIONS] >= Action.EXCLUDE
    nars.m["n1"].update(risk=0.9, posts=50, accounts=50, reach=50_000)
    nars.narratives["n1"].risk = 0.9
    b2 = batch(
        [post("demo:3", "the attacker was an asylum seeker", SMALL, minutes=5)],
        {},
        narrative_of={"demo:3": "n1"},
    )
    ds2 = run_one(b2, st, ctx)[0]
    assert ds2["n1"].actions[Surface.TRENDS] == Action.EXCLUDE
    assert "demo:2" not in ds2  # its own (refuting, incitement-restricted) decision stands


def test_post_in_a_crisis_narrative_gets_crisis_thresholds_without_naming_the_terms() -> None:
    crises = CrisisManager()
    c, _ = crises.declare("Marlowe Bay", T0 - timedelta(hours=1), by="duty", terms=["marlowe"])
    nars = FakeNarratives()
    nars.add("n7", "marlowe bay hotel", ["marlowe", "seaview", "hotel"])
    ctx = PipelineContext(services={"narratives": nars})
    inc = {"incitement": sig("incitement", 0.6)}  # above the crisis value 0.55, below 0.7
    b = batch(
        [
            post("demo:1", "@organiser I'll be there. Bringing the lads. Seaview Hotel tonight", SMALL),
            post("demo:2", "@organiser I'll be there. Bringing the lads. Seaview Hotel tonight", SMALL),
        ],
        {"demo:1": inc, "demo:2": inc},
        narrative_of={"demo:1": "n7"},
    )
    ds = run_one(b, PolicyStage(crises=crises), ctx)[0]
    assert ds["demo:1"].rule_id == "incitement-restrict" and ds["demo:1"].facts["crisis"] == c.id
    assert "demo:2" not in ds  # no narrative, no term: out of the crisis, 0.7 applies


def test_identity_claim_excluded_everywhere_only_during_a_crisis() -> None:
    crises = CrisisManager()
    crises.declare("Marlowe Bay", T0 - timedelta(hours=1), by="duty", terms=["marlowe"])
    claim = {"identity_claim": sig("identity_claim", 0.9)}
    b = batch(
        [
            post("demo:1", "the Marlowe Bay attacker is Ali, came by boat", SMALL),
            post("demo:2", "the Leeds attacker is Ali, came by boat", SMALL),
        ],
        {"demo:1": claim, "demo:2": claim},
    )
    ds = run_one(b, PolicyStage(crises=crises))[0]
    assert ds["demo:1"].actions[Surface.RECOMMENDATIONS] == Action.EXCLUDE
    assert ds["demo:1"].actions[Surface.SEARCH] == Action.EXCLUDE
    assert "identity-claim-crisis" in ds["demo:1"].facts["rules"]
    assert ds["demo:2"].actions[Surface.RECOMMENDATIONS] == Action.DEMOTE  # outside the crisis
    assert ds["demo:2"].rule_id == "identity-claim-post"


def test_trusted_account_reporting_a_correction_is_refuting_despite_the_detectors() -> None:
    """A trusted outlet's headline reporting the refutation ("police reject viral claim suspect was an
    asylum seeker") reads as an assertion to the identity detector and as support to the stance model;
    with a correction marker it is refuting. Without the trusted rating, or without the marker, the
    vetoes stand."""
    from wavebreak.core.records import Signal
    from wavebreak.policy.engine import refuting_reasons

    cred = {"credibility": sig("credibility", 0.9, "trusted")}
    headline = {
        "identity_claim": sig("identity_claim", 0.8),
        "stance": sig("stance", 0.65, "support"),
        "rumour": Signal("rumour", 0.62, label="correction", explanation=("reject viral claim",)),
    }
    assert refuting_reasons(headline, SMALL, cred) == [
        "authored by trusted account (trusted) with a correction marker"
    ]
    assert refuting_reasons(headline, SMALL, None) == []
    no_marker = {k: v for k, v in headline.items() if k != "rumour"}
    assert refuting_reasons(no_marker, SMALL, cred) == []


# --------------------------------------------------------------------------- eighth session


def _claim_free_setup(**metrics):
    """Narrative n1 restricted by the pack (an alerted identity claim), whose claim names ``Ali Hassan``."""
    nars = suspect_narratives(**metrics)
    nars.narratives["n1"].claimed_names = {"Ali Hassan": 12}
    return nars, PipelineContext(services={"narratives": nars})


def test_original_post_without_the_claim_is_exempt_from_its_narratives_restrictions() -> None:
    """A news headline or vigil clustered with the claim by shared event words (no identity term, no
    name the claim attributes, an original post) gets engine.claim-free-exemption; a post naming the
    claimed name in lower case, one mentioning an identity group, a reply and a supportive post do not."""
    from wavebreak.core.records import PostKind

    _, ctx = _claim_free_setup()
    st = PolicyStage()
    b1 = batch(
        [post("demo:1", "the attacker was an asylum seeker", SMALL)], {}, narrative_of={"demo:1": "n1"}
    )
    assert run_one(b1, st, ctx)[0]["n1"].actions[Surface.TRENDS] == Action.EXCLUDE
    headline = "Angleterre : attaque au couteau dans un club pour enfants à Marlowe Bay"
    posts = [
        post("demo:2", headline, SMALL, minutes=2),
        post("demo:3", "ali hassan should never have been let in", SMALL, minutes=2),
        post("demo:4", "migrants are a threat to every child, Marlowe Bay proves it", SMALL, minutes=2),
        post("demo:5", "Thoughts with Marlowe Bay tonight", SMALL, minutes=2),
        post("demo:6", "Thinking of everyone in Marlowe Bay", SMALL, minutes=2),
    ]
    posts[3].kind, posts[3].reply_to = PostKind.REPLY, "demo:1"
    sigs = {
        "demo:2": {"identity_claim": sig("identity_claim", 0.0), "stance": sig("stance", 1.0, "comment")},
        "demo:3": {"identity_claim": sig("identity_claim", 0.1)},
        "demo:4": {"identity_claim": sig("identity_claim", 0.35)},
        "demo:5": {"identity_claim": sig("identity_claim", 0.0)},
        "demo:6": {"stance": sig("stance", 0.7, "support")},
    }
    ds = run_one(batch(posts, sigs, narrative_of={p.id: "n1" for p in posts}), st, ctx)[0]
    d = ds["demo:2"]
    assert d.rule_id == "engine.claim-free-exemption" and d.facts["claim_free"] is True
    assert d.facts["exempt_from"] == {"identity-claim-narrative": {"narrative": "n1"}}
    assert not d.actions and not d.facts.get("refuting") and not d.facts.get("question")
    assert "names none of the 1 name(s)" in "; ".join(d.facts["claim_free_reasons"])
    for pid in ("demo:3", "demo:4", "demo:5", "demo:6"):
        assert pid not in ds, pid


def test_claim_free_reasons_read_names_attributed_anywhere() -> None:
    """A name the narratives stage attributes elsewhere (its anchors) counts too: a French or
    all-caps variant can sit in a narrative whose own posts never had it attributed."""
    from wavebreak.core.records import Narrative
    from wavebreak.policy.stage import claim_free_reasons

    n = Narrative(id="n1", title="t", first_seen=T0, last_seen=T0)
    p = post("demo:1", "URGENT : AL-QAMARI était connu du MI6", SMALL)
    s = {"identity_claim": sig("identity_claim", 0.0)}
    assert claim_free_reasons(p, s, n) != []
    assert claim_free_reasons(p, s, n, ["Idris Al-Qamari"]) == []
    assert claim_free_reasons(p, {"hate": sig("hate", 0.6)}, n) == []
    assert claim_free_reasons(p, s, None) == []


def test_refuted_context_does_not_restrict_a_counter_speech_narrative() -> None:
    """A narrative whose posts refute the claim more than they assert it (news of the police
    statement) matches the statement it repeats: it is not the refuted claim, and
    refuted-narrative-context does not exclude it from trends."""
    for refuting, fires in ((0.9, False), (0.1, True)):
        nars = FakeNarratives()
        n = nars.add(
            "n1",
            "police say the name is false",
            ["police"],
            identity_claim_share=0.3,
            refuting_share=refuting,
        )
        n.status = NarrativeStatus.REFUTED
        n.refuted_by = ["stmt-1"]
        ctx = PipelineContext(services={"narratives": nars})
        b = batch([post("demo:1", "Police say the name is false", SMALL)], {}, narrative_of={"demo:1": "n1"})
        ds = run_one(b, PolicyStage(), ctx)[0]
        assert ("n1" in ds and ds["n1"].rule_id == "refuted-narrative-context") is fires


def test_reevaluation_that_only_turns_claim_free_supersedes_the_earlier_decision() -> None:
    """The gate reads `claim_free` off a post's decision to spare it the narrative's restrictions, so
    a re-evaluation that differs only in that fact must be issued (superseding the earlier decision),
    not deduplicated against it; decisions without the fact keep their ids (their key is unchanged)."""
    from wavebreak.core.records import Decision, Surface
    from wavebreak.policy.engine import signature

    from .helpers import decision

    def dec(**facts: object) -> Decision:
        rule = "engine.claim-free-exemption"
        return decision(
            "", "post", "demo:7", {Surface.TRENDS: Action.LABEL}, rule, facts={"rules": [rule], **facts}
        )

    plain, free = dec(), dec(claim_free=True)
    assert signature(plain) == "trends=label|allow|none|engine.claim-free-exemption||"
    assert signature(free) == signature(plain) + "|f"
    stage = PolicyStage()
    first = stage._issue(plain)
    second = stage._issue(free)
    assert first is not None and second is not None
    assert second.supersedes == first.id and second.id != first.id
    assert stage._issue(dec(claim_free=True)) is None  # the same reading again is deduplicated
