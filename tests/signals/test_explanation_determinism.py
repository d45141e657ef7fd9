"""Explanations do not depend on the process's string-hash seed (replays must explain alike)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEXT = "RT @someone: Seaview Hotel tonight. Burn it down and get them out. No more talking."
SCRIPT = (
    "from wavebreak.signals.api import score_texts\n"
    f"r = score_texts([{TEXT!r}])[0]\n"
    "print(repr((r['incitement'].explanation, r['hate'].explanation)))\n"
)


def _env(seed: str) -> dict[str, str]:
    """The environment of a child process with this hash seed that imports this checkout's package."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def _explain(seed: str) -> str:
    env = _env(seed)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_toxicity_explanations_are_the_same_under_any_hash_seed() -> None:
    runs = {_explain(seed) for seed in ("1", "2", "4")}
    assert len(runs) == 1, runs
    assert "call to action against a group or place" in runs.pop()  # the labelled cue, not a raw pair


# A word's weight summed from its unigram and both its bigrams, where the order of the float
# additions decides the ranking: 1.0 + 2**-53 + 2**-53 is 1.0 (each half is lost) but 2**-53 + 2**-53
# + 1.0 is 1 + 2**-52, which ranks "xray" above the exact 1.0 of "alpha" (ties go by name).
SUM_ORDER_SCRIPT = """
import numpy as np, scipy.sparse as sp
from wavebreak.signals import toxicity as T
seq = ["alpha", "whisky", "xray", "yankee"]
feats = T._features_of(seq)
cols = [T._column(f, T.WORD_FEATURES) for f in feats]
assert len(set(cols)) == len(cols)
weight = {"alpha": 1.0, "xray": 1.0, "whisky xray": 2.0**-52, "xray yankee": 2.0**-52}
cw = np.zeros((T.WORD_FEATURES, len(T.LABELS)), dtype=np.float32)
for f, c in zip(feats, cols):
    cw[c, 0] = weight.get(f, 0.0)
z = np.zeros(len(T.LABELS), np.float32)
m = T.ToxicityModel(np.zeros((1, len(T.LABELS)), np.float32), z, "t", {}, cw, z)
x = sp.csr_matrix((np.ones(len(cols), np.float32), ([0] * len(cols), cols)), shape=(1, T.WORD_FEATURES))
res = T.CascadeResult(np.zeros((1, len(T.LABELS)), np.float32), np.array([False]), [seq], x)
print(repr(m.explain_row(res, 0, " ".join(seq), T.LABELS[0])))
"""


def test_explanation_word_weights_are_summed_in_text_order_under_any_hash_seed() -> None:
    """Each word's weight is summed over the text's features in their order in the text, not a set's.

    With a set, the additions came in an order that follows the hash seed (under ``PYTHONHASHSEED``
    9 and 10 both bigrams came before the unigram on CPython 3.11), and ``"xray"`` ranked first."""
    runs = set()
    for seed in ("0", "9", "10"):
        r = subprocess.run(
            [sys.executable, "-c", SUM_ORDER_SCRIPT],
            env=_env(seed),
            capture_output=True,
            text=True,
            check=True,
        )
        runs.add(r.stdout.strip())
    assert runs == {repr(('"alpha"', '"xray"', '"whisky"'))}
