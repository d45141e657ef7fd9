"""Explanations do not depend on the process's string-hash seed (replays must explain alike)."""

from __future__ import annotations

import os
import subprocess
import sys

TEXT = "RT @someone: Seaview Hotel tonight. Burn it down and get them out. No more talking."
SCRIPT = (
    "from wavebreak.signals.api import score_texts\n"
    f"r = score_texts([{TEXT!r}])[0]\n"
    "print(repr((r['incitement'].explanation, r['hate'].explanation)))\n"
)


def _explain(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_toxicity_explanations_are_the_same_under_any_hash_seed() -> None:
    runs = {_explain(seed) for seed in ("1", "2", "4")}
    assert len(runs) == 1, runs
    assert "call to action against a group or place" in runs.pop()  # the labelled cue, not a raw pair
