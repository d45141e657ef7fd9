"""Simulator tests on a tiny world (scale 0.02, 12 h story): fast, and every property asserted."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from wavebreak.core.records import Action, Decision, Grounds, Surface
from wavebreak.simulate.engine import FC, SimConfig, SimParams, Simulator, build_world
from wavebreak.simulate.graph import follower_graph, graph_from_posts
from wavebreak.simulate.metrics import effect, public

SCALE = 0.02
HOURS = 6.0


@pytest.fixture(scope="module")
def world():  # type: ignore[no-untyped-def]
    return build_world(3, SCALE, HOURS, SimParams())


@pytest.fixture(scope="module")
def none_arm(world):  # type: ignore[no-untyped-def]
    return Simulator(world, SimConfig(seed=3, scale=SCALE, hours=HOURS, policy="none")).run()


def _gate_only(world, decisions):  # type: ignore[no-untyped-def]
    """An arm whose only control is hand-made decisions pushed to the gate (pipeline: normalise only)."""
    from wavebreak.pipeline.runner import PipelineOptions

    opts = PipelineOptions(signals=False, narratives=False, policy=False, record=False)
    cfg = SimConfig(
        seed=3,
        scale=SCALE,
        hours=HOURS,
        policy="gate-only",
        pipeline_options=opts,
        decisions=decisions,
        director=False,
    )
    return Simulator(world, cfg).run()


def _decision(target: str, world, actions: dict[Surface, Action]) -> Decision:  # type: ignore[no-untyped-def]
    return Decision(
        id=f"test:{target}",
        at=world.start - timedelta(minutes=1),
        target_kind="post",
        target_id=target,
        actions=actions,
        rule_id="test-rule",
        grounds=Grounds("test"),
    )


def test_graph_is_heavy_tailed_and_deterministic() -> None:
    rng = np.random.default_rng(0)
    followers = np.round(rng.lognormal(np.log(180), 1.5, 2000))
    followers[0] = 2_800_000
    following = np.round(rng.lognormal(np.log(260), 1.0, 2000))
    fr = rng.random(2000) < 0.1
    ids = [f"a{i}" for i in range(2000)]
    g1 = follower_graph(ids, followers, following, fr, seed=1, mean_degree=20)
    g2 = follower_graph(ids, followers, following, fr, seed=1, mean_degree=20)
    assert (g1.adj != g2.adj).nnz == 0
    deg = g1.in_degree()
    assert deg[0] == deg.max() and deg[0] > 20 * np.median(deg)
    assert abs(deg.mean() - 20) < 3
    assert g1.adj.diagonal().sum() == 0


def test_graph_from_posts_links_child_author_to_parent_author(world) -> None:  # type: ignore[no-untyped-def]
    posts = list(world.scenario.posts())[:3000]
    g = graph_from_posts(posts)
    by_id = {p.id: p for p in posts}
    p = next(p for p in posts if p.parent_id in by_id and by_id[p.parent_id].author_id != p.author_id)
    u = g.account_ids.index(by_id[p.parent_id].author_id)
    v = g.account_ids.index(p.author_id)
    assert g.adj[u, v] == 1


def test_deterministic_by_seed(world, none_arm) -> None:  # type: ignore[no-untyped-def]
    again = Simulator(world, SimConfig(seed=3, scale=SCALE, hours=HOURS, policy="none")).run()
    a, b = public(none_arm), public(again)
    a.pop("wall_seconds"), b.pop("wall_seconds")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert none_arm["exposures"]["false_claim"]["total"] > 0


def test_none_arm_takes_no_action(none_arm) -> None:  # type: ignore[no-untyped-def]
    assert none_arm["controlled"] is False
    assert none_arm["actions"]["decisions"] == 0 and none_arm["actions"]["restrictive"] == 0
    assert none_arm["collateral"]["benign_restricted"] == 0
    assert none_arm["gate_calls"] == 0 and none_arm["review"] is None


def test_uncontrolled_wave_is_amplified(none_arm) -> None:  # type: ignore[no-untyped-def]
    fc = none_arm["exposures"]["false_claim"]
    assert fc["algorithmic"] > 0 and fc["organic"] > 0
    assert none_arm["narratives"]["false_claim"]["hours_trending_any_region"] > 0
    assert none_arm["model_reshares"] > 0


def test_gate_is_consulted(world, none_arm) -> None:  # type: ignore[no-untyped-def]
    mega = world.scenario.facts.megaphone_post_id
    assert none_arm["key_posts"]["megaphone_post"]["algorithmic"] > 0
    excl = {s: Action.EXCLUDE for s in (Surface.TRENDS, Surface.SEARCH, Surface.RECOMMENDATIONS)}
    arm = _gate_only(world, [_decision(mega, world, excl)])
    kp = arm["key_posts"]["megaphone_post"]
    assert kp["trends"] == 0 and kp["search"] == 0 and kp["recommendations"] == 0
    assert kp["organic"] > 0  # speech stays up: followers still see it
    assert arm["gate_calls"] > 0


def test_refutations_not_reduced_when_only_harm_is_restricted(world, none_arm) -> None:  # type: ignore[no-untyped-def]
    """Excluding every false-claim item frees algorithmic slots; refutations must not lose reach."""
    it_ids = [p.id for p, c in zip(world.exo_posts, world.exo_class.tolist(), strict=True) if c == FC]
    excl = {s: Action.EXCLUDE for s in (Surface.TRENDS, Surface.SEARCH, Surface.RECOMMENDATIONS)}
    arm = _gate_only(world, [_decision(pid, world, excl) for pid in it_ids])
    e = effect(none_arm, arm)
    assert e["refutation_reach_ratio"] >= 1.0
    assert arm["exposures"]["refutation"]["organic"] >= none_arm["exposures"]["refutation"]["organic"] * 0.999
    assert e["algorithmic_cut"]["false_claim"] > 0.5
    assert e["targets"]["refutation_reach_ratio"]["met"] is True


def test_json_has_every_figure() -> None:
    from wavebreak.cli.main import app

    res = CliRunner().invoke(
        app, ["simulate", "--policy", "none", "--vs", "none", "--scale", "0.02", "--hours", "4", "--json"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    for key in ("policy", "vs", "seeds", "params", "effects", "aggregate", "arms"):
        assert key in data
    targets = data["aggregate"]["targets"]
    for key in (
        "algorithmic_cut_false_claim",
        "algorithmic_cut_incitement",
        "total_cut_combined",
        "benign_restricted_share",
        "max_benign_trend_block_min",
        "refutation_reach_ratio",
    ):
        assert key in targets
    arm = data["arms"]["none"][0]
    for key in ("exposures", "narratives", "key_posts", "collateral", "actions", "review", "series"):
        assert key in arm
    for cls in ("false_claim", "incitement", "refutation", "benign"):
        assert set(arm["exposures"][cls]) >= {
            "organic",
            "trends",
            "search",
            "recommendations",
            "algorithmic",
            "total",
        }
    for key in ("benign_restricted_share", "max_benign_trend_block_min", "benign_trends_blocked"):
        assert key in arm["collateral"]
    eff = data["effects"][0]
    for key in ("legit_views_lost_share", "refutation_reach_ratio", "size_cut", "hours_trending"):
        assert key in eff


def test_benign_trend_block_is_a_run_of_consecutive_steps() -> None:
    """Separate episodes of a blocked term are not added up into one block (their sum is kept apart)."""
    from wavebreak.simulate.engine import record_blocks

    runs: dict[str, int] = {}
    longest: dict[str, int] = {}
    total: dict[str, int] = {}
    for blocked in ({"a"}, {"a"}, {"a", "b"}, set(), {"a"}, {"a", "b"}, {"b"}, {"b"}):
        record_blocks(runs, longest, total, blocked)
    assert longest == {"a": 3, "b": 3}
    assert total == {"a": 5, "b": 4}
    assert runs == {"b": 3}


def test_trend_vetting_sample_is_the_terms_most_recent_posts(world, none_arm) -> None:  # type: ignore[no-untyped-def]
    """Each (region, term) keeps its last SIM_TREND_SAMPLE share events, each an item carrying the term;
    the vetting sample is those inside the trend window, newest last."""
    sim = Simulator(world, SimConfig(seed=3, scale=SCALE, hours=HOURS, policy="none"))
    sim.run()
    assert sim.term_recent
    for (r, term), recent in sim.term_recent.items():
        assert 0 < len(recent) <= sim.p.trend_sample
        steps = [at for at, _ in recent]
        assert steps == sorted(steps)
        for _, i in recent:
            assert term in sim.items.terms[i]
        counted = int(sim.term_counts[(r, term)].sum())
        assert len(recent) == min(counted, sim.p.trend_sample)
        since = steps[len(steps) // 2]
        sample = sim._trend_sample(r, term, since)
        assert sample == [sim.items.ids[i] for at, i in recent if at >= since]
        assert 0 < len(sample) <= len(recent)
        assert sim._trend_sample(r, term, steps[-1] + 1) == []


def test_targets_carry_interval_and_per_seed_values(none_arm) -> None:  # type: ignore[no-untyped-def]
    """With several seeds every target reports its 95 % CI and the value of each seed."""
    from wavebreak.simulate.metrics import aggregate

    e = effect(none_arm, none_arm)  # an arm against itself: nothing cut, nothing lost
    agg = aggregate([e, e])
    t = agg["targets"]["algorithmic_cut_false_claim"]
    assert t["measured"] == 0.0 and t["per_seed"] == [0.0, 0.0] and t["ci95"] == [0.0, 0.0]
    assert t["met"] is False
    assert agg["targets"]["refutation_reach_ratio"]["per_seed"] == [1.0, 1.0]
    assert agg["targets"]["refutation_reach_ratio"]["met"] is True


def test_a_decision_announced_twice_is_counted_once(world) -> None:  # type: ignore[no-untyped-def]
    """A decision that reaches the arm's listener twice (as every decision did while the policy stage
    also announced it) is counted once."""
    mega = world.scenario.facts.megaphone_post_id
    d = _decision(mega, world, {Surface.RECOMMENDATIONS: Action.EXCLUDE})
    arm = _gate_only(world, [d, d])
    assert arm["actions"]["decisions"] == 1
    assert arm["actions"]["by_rule"] == {"test-rule": 1}
