"""The fast path's shortcuts (cascade, language vote, text cache) never change what a post gets."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from wavebreak.core import constants as C
from wavebreak.core.records import Post, SignalName
from wavebreak.pipeline.context import PipelineContext
from wavebreak.pipeline.stage import Batch
from wavebreak.signals import lang as lang_mod
from wavebreak.signals import toxicity as tox_mod
from wavebreak.signals.stage import SignalsStage
from wavebreak.signals.text import cue_list, normalise, normalise_flag

T0 = datetime(2024, 7, 29, 12, tzinfo=UTC)


def test_normalise_flag_marks_only_disguises() -> None:
    assert normalise_flag("m0zl3ms out") == ("muslims out", True)
    assert normalise_flag("k.i.l.l them")[1] is True
    assert normalise_flag("Lovely sunset over the pier 😍") == ("lovely sunset over the pier 😍", False)
    assert normalise_flag("2000 people at the vigil")[1] is False


def test_negated_and_condemned_derogation_have_their_own_cues() -> None:
    neg = cue_list(normalise("Muslims are not vermin"))
    assert "__neg_derog__" in neg and "__group_x_derog__" not in neg
    hate = cue_list(normalise("Muslims are vermin"))
    assert "__group_x_derog__" in hate and "__neg_derog__" not in hate
    counter = cue_list(normalise("We condemn anyone calling migrants vermin"))
    assert "__counter_x_derog__" in counter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the police have said that they are looking for the driver", "en"),
        ("la police dit que les enquêteurs sont sur place", "fr"),
        ("أكدت الشرطة أن المشتبه به ولد في كارديف", "ar"),
        ("die Polizei sagt, dass the driver ist", None),  # mixed with German: the model decides
        ("omg", None),
    ],
)
def test_language_vote_decides_only_clear_cases(text: str, expected: str | None) -> None:
    assert lang_mod.vote(lang_mod.normalise_light(text)) == expected


def test_language_vote_and_model_agree_on_clear_posts() -> None:
    model = lang_mod.default_model()
    texts = ["we are all thinking of the families tonight", "nous pensons tous aux familles ce soir"]
    light = [lang_mod.normalise_light(t) for t in texts]
    voted = model.predict_light(light)
    modelled = model.predict_light(light, use_vote=False)
    assert [v[0] for v in voted] == [m[0] for m in modelled] == ["en", "fr"]
    assert all(0.5 < v[1] < 1.0 for v in voted)


def test_cascade_uses_full_model_for_candidates_and_agrees_with_it() -> None:
    model = tox_mod.default_model()
    texts = [
        "the council meeting starts at seven this evening",
        "Burn the asylum hotel down tonight",
        "those m0zl3ms are vermin",
        "traffic on the A565 is awful because of the road closure",
    ]
    flagged = [normalise_flag(t) for t in texts]
    norm = [f[0] for f in flagged]
    res = model.cascade(norm, [f[1] for f in flagged])
    assert res.candidates.tolist()[1:3] == [True, True]
    assert not res.candidates[0] and not res.candidates[3]
    full = model.predict_features(tox_mod.featurize(norm))
    np.testing.assert_allclose(res.probs[res.candidates], full[res.candidates], rtol=1e-4, atol=1e-5)
    thr = C.SIGNALS_TOXICITY_FLAG
    assert ((res.probs >= thr) == (full >= thr)).all()


def test_explanations_only_for_positive_scores_and_bounded() -> None:
    out = tox_mod.score_normalised(
        tox_mod.default_model(),
        [normalise("Burn the asylum hotel down tonight"), "the council meeting starts at seven this evening"],
    )
    inc = out[0]["incitement"]
    assert inc.label == "incitement" and inc.explanation
    assert len(inc.explanation) <= C.SIGNALS_EXPLAIN_TOP + 1
    assert all(not s.explanation for s in out[1].values())


def _post(i: int, text: str, lang: str | None = None) -> Post:
    return Post(id=f"fp:{i}", platform="demo", author_id=f"fp:a{i}", created_at=T0, text=text, lang=lang)


def test_duplicate_texts_are_scored_once_and_get_independent_dicts() -> None:
    stage = SignalsStage(b_signals=False)
    text = "RT @x: they came by boat and the police lied"
    batch = Batch(posts=[_post(1, text), _post(2, text), _post(3, "a different post entirely")])
    stage.process(batch, PipelineContext())
    assert stage.stats["scored_texts"] == 2
    a, b = batch.signals["fp:1"], batch.signals["fp:2"]
    assert a is not b and a[SignalName.HATE].score == b[SignalName.HATE].score
    again = Batch(posts=[_post(4, text)])
    stage.process(again, PipelineContext())
    assert stage.stats["scored_texts"] == 2 and stage.stats["text_cache_hits"] == 1
    assert again.signals["fp:4"][SignalName.HATE].score == a[SignalName.HATE].score


def test_text_cache_is_bounded() -> None:
    stage = SignalsStage(b_signals=False, text_cache_size=3)
    stage.score_texts([f"post number {i} about the weather" for i in range(10)])
    assert len(stage._texts) == 3


def test_platform_language_fills_in_only_when_undetermined() -> None:
    stage = SignalsStage(b_signals=False)
    out = stage.score_texts(
        ["🙏🙏", "🙏🙏", "the police have said that they are looking"], ["fr", None, "fr"]
    )
    assert out[0][SignalName.LANG].label == "fr" and out[0][SignalName.LANG].data == {"source": "platform"}
    assert out[1][SignalName.LANG].label == "und"
    assert out[2][SignalName.LANG].label == "en"


def test_cached_char_hashers_equal_scikit_learn() -> None:
    texts = [
        normalise(t)
        for t in (
            "Burn the asylum hotel down tonight",
            "les musulmans ne sont pas le problème",
            "a b  c",
            "",
            "🙏🙏 ok",
            "x" * 40,
        )
    ]
    ours = tox_mod.featurize_chars(texts)
    ref = tox_mod._char_vectorizer().transform(texts)  # type: ignore[attr-defined]
    assert abs(ours - ref).max() < 1e-6
    light = [lang_mod.normalise_light(t) for t in ("Brûlez la mosquée", "أكدت الشرطة", "ok", "")]
    ours_l = lang_mod.featurize(light)
    ref_l = lang_mod._vectorizer().transform(light)  # type: ignore[attr-defined]
    assert abs(ours_l - ref_l).max() < 1e-6


def test_slow_path_encodes_each_distinct_text_once() -> None:
    st = SignalsStage(slow_path=True, b_signals=False)
    calls: list[list[str]] = []

    def fake_embed(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.ones((len(texts), 512), dtype=np.float32)

    st._encode = fake_embed  # type: ignore[method-assign]
    text = "Burn the mosque down tonight"
    st.process(Batch(posts=[_post(40, text), _post(41, text)]), PipelineContext())
    batch = Batch(posts=[_post(42, text)])
    st.process(batch, PipelineContext())
    assert calls == [[text]]
    assert batch.extras["embeddings"][1].shape == (1, 512)
