"""Drive arms over seeds: ``policy`` vs ``vs`` comparisons and threshold sweeps.

Each seed builds one :class:`~wavebreak.simulate.engine.World` (scenario, graph,
agents) shared by every arm of that seed, so arms differ only by their controls
(and, thanks to hashed random numbers, see the same exposures wherever controls
did not change anything). The uncontrolled arm runs first on each world.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Sequence
from typing import Any

from wavebreak.core import constants as C
from wavebreak.simulate.engine import SimConfig, SimParams, Simulator, World, build_world
from wavebreak.simulate.metrics import aggregate, effect, public

Progress = Callable[[str], None]


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def scaled_pack(base: Any, factor: float) -> Any:
    """The pack with every named threshold (and its crisis override) multiplied by ``factor``.

    Why a copy with the same rules: the sweep asks "what if the operating points moved",
    not "what if the rules changed". Score thresholds stay within (0, 1]; reach-scaling
    bases (above 1 by design) are scaled freely. Overrides are scaled the same way,
    so crisis mode still only tightens.
    """

    def scale(v: float) -> float:
        x = v * factor
        return min(x, 0.999) if v <= 1.0 else x

    return dataclasses.replace(
        base,
        version=f"{base.version}x{factor:g}",
        digest=f"{base.digest}x{factor:g}",
        thresholds={k: scale(v) for k, v in base.thresholds.items()},
        crisis_overrides={k: scale(v) for k, v in base.crisis_overrides.items()},
    )


def run_arm(
    world: World, policy: str, *, pack: Any = None, slow_path: bool = True, params: SimParams | None = None
) -> dict[str, Any]:
    """One arm on one world, under the collector settings a replay runs with (``replay_gc``).

    Why: an arm replays a stream through the whole pipeline as ``wavebreak replay`` does, and under the
    default thresholds its full collections walk the whole live state again and again as it grows."""
    from wavebreak.pipeline.runner import replay_gc

    cfg = SimConfig(
        seed=world.seed,
        scale=world.scale,
        policy=policy,
        pack=pack,
        slow_path=slow_path,
        params=params or SimParams(),
    )
    with replay_gc():
        return Simulator(world, cfg).run()


def compare(
    policy: str = "default",
    vs: str = "none",
    *,
    seeds: int = 1,
    first_seed: int = 7,
    scale: float = 0.1,
    hours: float = 36.0,
    slow_path: bool = True,
    params: SimParams | None = None,
    progress: Progress = _stderr,
) -> dict[str, Any]:
    """Run ``policy`` and ``vs`` on ``seeds`` seeds; return per-seed figures, effects and 95 % CIs."""
    params = params or SimParams()
    arms: dict[str, list[dict[str, Any]]] = {vs: [], policy: []}
    effects = []
    for k in range(seeds):
        seed = first_seed + k
        world = build_world(seed, scale, hours, params)
        progress(f"seed {seed}: {world.graph.n} agents, {len(world.exo_posts)} exogenous posts")
        base = run_arm(world, vs, slow_path=slow_path, params=params)
        progress(f"seed {seed}: arm {vs} done in {base['wall_seconds']} s")
        arm = run_arm(world, policy, slow_path=slow_path, params=params)
        progress(f"seed {seed}: arm {policy} done in {arm['wall_seconds']} s")
        effects.append(effect(base, arm))
        arms[vs].append(public(base))
        arms[policy].append(public(arm))
    return {
        "policy": policy,
        "vs": vs,
        "seeds": [first_seed + k for k in range(seeds)],
        "scale": scale,
        "hours": hours,
        "slow_path": slow_path,
        "params": params.as_dict(),
        "effects": effects,
        "aggregate": aggregate(effects),
        "arms": arms,
    }


def sweep(
    policy: str = "default",
    *,
    factors: Sequence[float] = C.SIM_SWEEP_FACTORS,
    seeds: int = 1,
    first_seed: int = 7,
    scale: float = 0.1,
    hours: float = 36.0,
    slow_path: bool = True,
    params: SimParams | None = None,
    progress: Progress = _stderr,
) -> dict[str, Any]:
    """Harm prevented against collateral as the pack's named thresholds move by ``factors``."""
    from wavebreak.policy.pack import load_pack

    params = params or SimParams()
    base_pack = load_pack(policy)
    per_factor: dict[float, list[dict[str, Any]]] = {f: [] for f in factors}
    for k in range(seeds):
        seed = first_seed + k
        world = build_world(seed, scale, hours, params)
        base = run_arm(world, "none", slow_path=slow_path, params=params)
        for f in factors:
            arm = run_arm(world, policy, pack=scaled_pack(base_pack, f), slow_path=slow_path, params=params)
            per_factor[f].append(effect(base, arm))
            progress(f"seed {seed}: thresholds x{f:g} done in {arm['wall_seconds']} s")
    points = []
    for f in factors:
        agg = aggregate(per_factor[f])["figures"]

        def get(key: str, _agg: dict[str, Any] = agg) -> Any:
            return _agg.get(key, {"mean": None, "ci95": None})

        points.append(
            {
                "factor": f,
                "harm_prevented_total": get("total_cut.combined"),
                "harm_prevented_algorithmic": get("algorithmic_cut.combined"),
                "benign_restricted_share": get("benign_restricted_share"),
                "max_benign_trend_block_min": get("max_benign_trend_block_min"),
                "refutation_reach_ratio": get("refutation_reach_ratio"),
                "legit_views_lost_share": get("legit_views_lost_share"),
            }
        )
    return {
        "policy": policy,
        "factors": list(factors),
        "seeds": [first_seed + k for k in range(seeds)],
        "scale": scale,
        "hours": hours,
        "points": points,
    }
