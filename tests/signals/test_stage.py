"""The signals stage fills every fast signal for every post, inherits for reposts, tracks stats."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from wavebreak.core.records import Account, Post, PostKind, SignalName
from wavebreak.pipeline.context import PipelineContext
from wavebreak.pipeline.stage import Batch, Stage
from wavebreak.signals.stage import SignalsStage

T0 = datetime(2024, 7, 29, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def stage() -> SignalsStage:
    return SignalsStage()


def _post(i: int, text: str, **kw: object) -> Post:
    return Post(id=f"demo:{i}", platform="demo", author_id=f"demo:a{i}", created_at=T0, text=text, **kw)  # type: ignore[arg-type]


def test_is_a_stage(stage: SignalsStage) -> None:
    assert isinstance(stage, Stage)
    assert stage.name == "signals"


def test_fills_every_fast_signal(stage: SignalsStage) -> None:
    batch = Batch(
        posts=[_post(1, "Burn the asylum hotel down tonight"), _post(2, "Lovely sunset over the pier")]
    )
    stage.process(batch, PipelineContext())
    s1, s2 = batch.signals["demo:1"], batch.signals["demo:2"]
    for name in (
        SignalName.LANG,
        SignalName.HATE,
        SignalName.INCITEMENT,
        SignalName.THREAT,
        SignalName.ABUSE,
    ):
        assert name in s1 and name in s2
    assert s1[SignalName.LANG].label == "en"
    assert s1[SignalName.INCITEMENT].score > 0.5 > s2[SignalName.INCITEMENT].score
    assert s1[SignalName.INCITEMENT].explanation, "a positive score must say why"
    assert s1[SignalName.INCITEMENT].model.startswith("toxicity-")
    assert not s2[SignalName.INCITEMENT].explanation


def test_b_signals_present_when_available(stage: SignalsStage) -> None:
    batch = Batch(posts=[_post(3, "The attacker was an asylum seeker who came by boat")])
    stage.process(batch, PipelineContext())
    missing = " ".join(stage.b.missing) if stage.b else ""
    if "identity_claims" not in missing:
        assert SignalName.IDENTITY_CLAIM in batch.signals["demo:3"]
    if "rumour" not in missing:
        assert SignalName.RUMOUR in batch.signals["demo:3"]


def test_repost_inherits_original_even_across_batches(stage: SignalsStage) -> None:
    ctx = PipelineContext()
    stage.process(Batch(posts=[_post(10, "Les musulmans sont de la vermine")]), ctx)
    rp = _post(11, "", kind=PostKind.REPOST, repost_of="demo:10")
    unknown = _post(12, "", kind=PostKind.REPOST, repost_of="demo:999")
    batch = Batch(posts=[rp, unknown])
    stage.process(batch, ctx)
    assert batch.signals["demo:11"][SignalName.HATE].score > 0.5
    assert batch.signals["demo:11"][SignalName.LANG].label == "fr"
    assert batch.signals["demo:12"][SignalName.HATE].score == 0.0
    assert stage.stats["reposts_inherited"] >= 1 and stage.stats["reposts_neutral"] >= 1


def test_credibility_for_accounts_in_batch(stage: SignalsStage) -> None:
    if stage.b is None or stage.b.credibility is None:
        pytest.skip("signals B credibility tracker not available")
    acc = Account(id="demo:a20", platform="demo", handle="news", followers=2_800_000, created_at=T0)
    batch = Batch(posts=[_post(20, "breaking", author=acc)], accounts=[acc])
    stage.process(batch, PipelineContext())
    sig = batch.account_signals["demo:a20"][SignalName.CREDIBILITY]
    assert 0.0 <= sig.score <= 1.0


def test_slow_path_only_on_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    from wavebreak.core import constants as C

    monkeypatch.setattr(C, "SIGNALS_SLOW_PATH_MAX_SHARE", 1.0)  # a 3-post batch: no share cap here
    st = SignalsStage(slow_path=True)
    calls: list[list[str]] = []

    def fake_embed(texts: list[str]) -> np.ndarray:  # the real encoder is measured by the benchmark
        calls.append(texts)
        return np.zeros((len(texts), 512), dtype=np.float32)

    st._encode = fake_embed  # type: ignore[method-assign]
    big = Account(id="demo:big", platform="demo", followers=2_800_000)
    posts = [
        _post(30, "Burn the mosque down tonight"),
        _post(31, "The council meeting starts at seven this evening"),
        Post(id="demo:32", platform="demo", author_id="demo:big", created_at=T0, text="hello", author=big),
    ]
    batch = Batch(posts=posts)
    st.process(batch, PipelineContext())
    assert batch.extras["slow_path_ids"] == ["demo:30", "demo:32"]
    # highest priority first: reach x risk puts the 2.8M-follower account before the 0-follower call
    assert calls == [["hello", "Burn the mosque down tonight"]]
    assert st.stats["slow_path_share"] == pytest.approx(2 / 3)
    assert batch.extras["embeddings"][1].shape == (2, 512)


def test_slow_path_budget_caps_encodings_by_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    from wavebreak.core import constants as C

    monkeypatch.setattr(C, "SIGNALS_SLOW_PATH_BUDGET", 2)
    monkeypatch.setattr(C, "SIGNALS_SLOW_PATH_MAX_SHARE", 1.0)
    st = SignalsStage(slow_path=True, b_signals=False)
    calls: list[list[str]] = []

    def fake_encode(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.zeros((len(texts), 512), dtype=np.float32)

    st._encode = fake_encode  # type: ignore[method-assign]
    accs = [Account(id=f"demo:b{i}", platform="demo", followers=60_000 * (i + 1)) for i in range(4)]
    posts = [
        Post(
            id=f"demo:b{i}",
            platform="demo",
            author_id=a.id,
            created_at=T0,
            text=f"update number {i}",
            author=a,
        )
        for i, a in enumerate(accs)
    ]
    batch = Batch(posts=posts)
    st.process(batch, PipelineContext())
    assert calls == [["update number 3", "update number 2"]]  # the two biggest accounts
    assert batch.extras["slow_path_ids"] == ["demo:b2", "demo:b3"]
    assert st.stats["slow_path_over_budget"] == 2
    # next batch: the two cached texts are free, the two others now fit the budget
    batch2 = Batch(posts=posts)
    st.process(batch2, PipelineContext())
    assert calls[1] == ["update number 1", "update number 0"]
    assert sorted(batch2.extras["slow_path_ids"]) == ["demo:b0", "demo:b1", "demo:b2", "demo:b3"]


def test_slow_path_skips_ordinary_posts_and_abuse() -> None:
    st = SignalsStage(slow_path=True, b_signals=False)
    st._encode = lambda texts: np.zeros((len(texts), 512), dtype=np.float32)  # type: ignore[method-assign]
    small = Account(id="demo:s", platform="demo", followers=49_999)
    posts = [
        Post(
            id="demo:s1", platform="demo", author_id="demo:s", created_at=T0, text="lovely day", author=small
        ),
        Post(
            id="demo:s2",
            platform="demo",
            author_id="demo:s",
            created_at=T0,
            text="you absolute idiot",
            author=small,
        ),
    ]
    batch = Batch(posts=posts)
    st.process(batch, PipelineContext())
    assert batch.signals["demo:s2"]["abuse"].score >= 0.5  # abuse alone never buys an embedding
    assert batch.extras["slow_path_ids"] == []
    assert "embeddings" not in batch.extras


def test_slow_path_share_cap_on_small_batches() -> None:
    st = SignalsStage(slow_path=True, b_signals=False)
    calls: list[list[str]] = []
    st._encode = lambda texts: calls.append(list(texts)) or np.zeros((len(texts), 512), dtype=np.float32)  # type: ignore[method-assign]
    big = Account(id="demo:big", platform="demo", followers=2_800_000)
    posts = [
        Post(
            id=f"demo:c{i}",
            platform="demo",
            author_id=big.id,
            created_at=T0,
            text=f"statement {i}",
            author=big,
        )
        for i in range(10)
    ]
    st.process(Batch(posts=posts), PipelineContext())
    assert [len(c) for c in calls] == [1]  # ceil(2.5 % of 10 posts) = 1 encoding
    assert st.stats["slow_path_over_budget"] == 9


def test_run_config_credibility_lists_reach_the_tracker() -> None:
    """``config={"credibility": {...}}`` (what the demo and simulator pass) is applied to the tracker."""
    st = SignalsStage()
    acc = Account(id="demo:police", platform="demo", handle="coastpolice", followers=10)
    p = Post(id="demo:1", platform="demo", author_id=acc.id, created_at=T0, text="statement", author=acc)
    ctx = PipelineContext(config={"credibility": {"trusted_authorities": ["demo:police"]}})
    b = Batch(posts=[p])
    st.process(b, ctx)
    assert b.account_signals["demo:police"]["credibility"].label == "authority"
