"""Veracity prior: tree parsing, structure features, fit/save/load, predict and evaluate on a fixture folder."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from wavebreak.core.records import Narrative
from wavebreak.narratives import veracity as v

WORDS = {
    "non-rumor": "officials announce new school funding plan today",
    "true": "confirmed reports say the bridge closed after storm",
    "false": "shocking secret celebrity dead hoax spreads fast",
    "unverified": "unclear rumour claims police searching area now",
}


def _write_dataset(root: Path, per_label: int = 12, seed: int = 0) -> Path:
    """A tiny Twitter15-layout folder: duplicated source lines, retweet nodes reusing the source id."""
    rng = random.Random(seed)
    (root / "tree").mkdir(parents=True)
    src, lab = [], []
    tid = 1000
    for label, words in WORDS.items():
        for k in range(per_label):
            tid += 1
            text = f"{words} {rng.choice(['a', 'b', 'c'])}{k} URL"
            src.append(f"{tid}\t{text}")
            lab.append(f"{label}:{tid}")
            root_uid = f"r{tid}"
            lines = [f"['ROOT', 'ROOT', '0.0']->['{root_uid}', '{tid}', '0.0']"]
            deep = label in {"false", "unverified"}
            parents = [root_uid]
            for j in range(rng.randint(15, 40)):
                delay = (j + 1) * (0.5 if label == "false" else 9.0) + rng.random()
                parent = parents[-1] if deep and rng.random() < 0.7 else root_uid
                child = f"u{tid}_{j}"
                # retweet nodes reuse the source tweet id: identity is the whole triple
                lines.append(f"['{parent}', '{tid}', '0.0']->['{child}', '{tid}', '{delay:.2f}']")
                parents.append(child)
            lines.append(lines[1])  # a repeated edge is counted once
            (root / "tree" / f"{tid}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "source_tweets.txt").write_text("\n".join(src + src) + "\n", encoding="utf-8")
    (root / "label.txt").write_text("\n".join(lab) + "\n", encoding="utf-8")
    return root


def test_parse_tree_identifies_nodes_by_triple(tmp_path: Path) -> None:
    p = tmp_path / "t.txt"
    p.write_text(
        "['ROOT', 'ROOT', '0.0']->['1', '9', '0.0']\n"
        "['1', '9', '0.0']->['2', '9', '3.5']\n"
        "['1', '9', '0.0']->['3', '9', '1.0']\n"
        "['1', '9', '0.0']->['2', '9', '3.5']\n"
        "['3', '9', '1.0']->['4', '77', '8.0']\n",
        encoding="utf-8",
    )
    root, events = v.parse_tree(p)
    assert root == "1"
    assert events == [(1.0, "1", "3"), (3.5, "1", "2"), (8.0, "3", "4")]


def test_load_dataset_dedupes_sources(tmp_path: Path) -> None:
    d = _write_dataset(tmp_path / "ds", per_label=2)
    cs = v.load_twitter_dataset(d)
    assert len(cs) == 8
    assert {c.label for c in cs} == set(v.LABELS)
    assert all(c.events and c.root_user for c in cs)


def test_cutoffs_and_structure_features() -> None:
    events = [(float(i), "root" if i < 3 else f"u{i - 1}", f"u{i}") for i in range(1, 121)]
    assert len(v.cut(events, "posts:10")) == 10
    assert len(v.cut(events, "hours:1")) == 60
    assert len(v.cut(events, "full")) == 120
    with pytest.raises(ValueError):
        v.cut(events, "days:2")
    f = dict(zip(v.STRUCT_FEATURES, v.structure_features(events, "root"), strict=True))
    assert f["max_depth"] > 50  # a chain is deep
    assert f["root_child_share"] == pytest.approx(2 / 120)
    star = [(float(i), "root", f"u{i}") for i in range(1, 50)]
    fs = dict(zip(v.STRUCT_FEATURES, v.structure_features(star, "root"), strict=True))
    assert fs["max_depth"] == 1 and fs["root_child_share"] == 1.0
    assert not v.structure_features([], "root").any()


def test_near_duplicate_groups() -> None:
    g = v.near_duplicate_groups(
        [
            "breaking: celebrity x is dead URL",
            "breaking: celebrity x is dead!! URL",
            "city council budget approved",
        ]
    )
    assert g[0] == g[1] != g[2]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[v.VeracityModel, Path]:
    d = _write_dataset(tmp_path_factory.mktemp("t15") / "twitter_fixture")
    model = v.VeracityModel.fit(v.load_twitter_dataset(d))
    path = model.save(tmp_path_factory.mktemp("m") / "veracity.joblib")
    return v.VeracityModel.load(path), d


def test_predict_cascade_and_prior(fitted: tuple[v.VeracityModel, Path]) -> None:
    model, _ = fitted
    fast_deep = [(0.5 * (i + 1), "src" if i == 0 else f"u{i - 1}", f"u{i}") for i in range(30)]
    out = model.predict_cascade(WORDS["false"] + " z9 URL", fast_deep)
    assert set(out["probs"]) == set(v.LABELS)
    assert sum(out["probs"].values()) == pytest.approx(1.0, abs=1e-3)
    assert out["label"] == "false" and out["p_false"] == out["probs"]["false"]
    calm = model.predict_cascade(
        WORDS["non-rumor"] + " z9 URL", [(9.0 * (i + 1), "src", f"u{i}") for i in range(30)]
    )
    assert calm["p_false"] < out["p_false"]
    now = datetime(2024, 7, 29, tzinfo=UTC)
    n = Narrative(id="n1", title="hoax", first_seen=now, last_seen=now, accounts_total=20)
    p = model.prior_for_narrative(n, {}, [WORDS["false"]], [0.5 * i for i in range(1, 30)])
    assert 0.0 <= p <= 1.0 and p > calm["p_false"]


def test_evaluate_on_fixture_folder(fitted: tuple[v.VeracityModel, Path], tmp_path: Path) -> None:
    model, d = fitted
    path = model.save(tmp_path / "m.joblib")
    r = v.evaluate(d, cutoffs=("posts:10", "full"), model_path=path, folds=3)
    assert r["cascades"] == 48
    assert r["shipped_model"]["full"]["accuracy"] > 0.9  # in-sample on a separable fixture
    for split in ("grouped_cv", "random_cv"):
        assert set(r[split]["cutoffs"]) == {"posts:10", "full"}
        assert 0.0 <= r[split]["cutoffs"]["full"]["macro_f1"] <= 1.0
    assert r["grouped_cv"]["split"] == "grouped" and r["random_cv"]["split"] == "random"


def test_load_missing_model_says_how_to_rebuild(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="wavebreak train veracity"):
        v.VeracityModel.load(tmp_path / "nope.joblib")


def test_shipped_model_loads_and_is_small() -> None:
    if not v.MODEL_PATH.exists():
        pytest.skip("shipped model not built (wavebreak train veracity)")
    assert v.MODEL_PATH.stat().st_size < 5 * 1024 * 1024
    out = v.VeracityModel.load().predict_cascade("breaking: shocking claim spreads URL", [(1.0, "a", "b")])
    assert out["label"] in v.LABELS and np.isfinite(out["p_false"])


SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "rumours" / "twitter15"


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.exists(), reason="../shared/datasets/rumours/twitter15 absent")
def test_real_twitter15_grouped_cv_beats_chance_at_4h() -> None:
    cs = v.load_twitter_dataset(SHARED)
    r = v.cross_validate(cs, grouped=True, cutoffs=("hours:4",), folds=3)
    assert r["cutoffs"]["hours:4"]["accuracy"] > 0.6  # 4 balanced classes: chance is 0.25
