"""The narratives stage's text features computed in the text-scoring worker (``wavebreak.narratives.ahead``).

What the worker sends must give the pipeline process exactly what computing the features there gives: the
same fields, the same LSH band keys, the same display names recorded in the same order (titles and entities
are read from them), and the same object for a repeated input (the stage's memo fields live on it).
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import fields
from typing import Any

import pytest

from wavebreak.core.records import Post, PostKind, Signal
from wavebreak.demo.run import scenario_batches
from wavebreak.narratives import ahead
from wavebreak.narratives.stage import AHEAD_KEY, ahead_features
from wavebreak.narratives.text import Features, Featurizer, attributed_name, lsh_minhasher
from wavebreak.pipeline.runner import PipelineOptions, build_pipeline
from wavebreak.pipeline.stage import Batch
from wavebreak.scenario import ScenarioConfig, generate
from wavebreak.signals.parallel import PRESCORED_KEY, scored_posts, texts_to_score

INPUTS: list[tuple[str, tuple[str, ...], tuple[str, ...], str | None]] = [
    ("Police name the Marlowe Bay attacker as Idris Al-Qamari, an asylum seeker", (), (), None),
    (
        "idris al-qamari was on a watch list #MarloweBay https://pseudo.example/news/1",
        (),
        ("MarloweBay",),
        None,
    ),
    ("Thoughts with the families in Marlowe Bay tonight", (), (), None),
    ("name him: idris al qamari", ("https://pseudo.example/news/1",), (), "Idris Al-Qamari"),
    ("L'attaquant de Marlowe Bay serait Idris Al-Qamari, arrivé par bateau 🚤", (), (), None),
    ("Great match for Harbour City FC, Jonny Brennan-Walsh scores twice ⚽", (), ("HarbourCity",), None),
    ("ok", (), (), None),
    ("Police name the Marlowe Bay attacker as Idris Al-Qamari, an asylum seeker", (), (), None),  # a repeat
    ("Sarah Mitchell-Jones and Tom O'Neill at the Seaview Hotel vigil", (), (), None),
]


def _fields(f: Features) -> dict[str, Any]:
    return {
        fl.name: getattr(f, fl.name) for fl in fields(f) if fl.name not in ("q", "q_gen", "qn", "indexed_nid")
    }


@pytest.mark.parametrize("vocab_size", [200_000, 3])  # 3: the display table is cleared along the way
def test_ahead_features_equal_features_computed_here(vocab_size: int) -> None:
    worker, here, there = Featurizer(), Featurizer(vocab_size=vocab_size), Featurizer(vocab_size=vocab_size)
    mh = lsh_minhasher()
    for key in INPUTS * 2:
        data = worker.export(*key)
        bands = mh.band_keys([data[2]])[0].tolist()
        data = (*data[:11], tuple(bands))
        local = here.features(*key)
        if local.bands is None:
            local.bands = tuple(mh.band_keys([local.hashes])[0].tolist())
        sent = there.features(*key, ahead={key: data})
        assert _fields(sent) == _fields(local)
        # a repeated input is the cached object on both sides, whatever was sent
        assert there.features(*key, ahead={key: data}) is sent
    assert list(there.display.items()) == list(here.display.items())
    assert there.display_gen == here.display_gen
    assert there.ahead_hits > 0 and there.cache_hits == here.cache_hits + len(INPUTS) * 2
    # the worker's own featurizer records nothing: display names stay the pipeline process's
    assert worker.display == {} and worker.cache_hits == 0


def _post(i: int, text: str, kind: PostKind = PostKind.POST, **kw: Any) -> Post:
    from datetime import UTC, datetime

    return Post(
        id=f"p{i}",
        platform="test",
        author_id="a",
        created_at=datetime(2024, 7, 29, tzinfo=UTC),
        text=text,
        kind=kind,
        **kw,
    )


def test_payload_positions_follow_the_texts_the_worker_scores() -> None:
    batch = Batch(
        posts=[
            _post(0, "a claim about Idris Al-Qamari", urls=("https://x.example/1",), hashtags=("Tag",)),
            _post(1, "", PostKind.REPOST, repost_of="p0"),  # inherits: not scored, not featurized
            _post(2, "reposted with words", PostKind.REPOST, repost_of="p0"),  # scored, not featurized
            _post(3, "", PostKind.REPLY, reply_to="p0"),  # scored (no text of its own), not featurized
            _post(4, "a reply with words", PostKind.REPLY, reply_to="p0"),
        ]
    )
    texts, _ = texts_to_score(batch)
    entries = ahead.payload(scored_posts(batch))
    assert [(texts[j], t) for j, t, _u, _h in entries] == [(t, t) for _j, t, _u, _h in entries]
    assert [t for _j, t, _u, _h in entries] == ["a claim about Idris Al-Qamari", "a reply with words"]
    assert entries[0][2:] == (("https://x.example/1",), ("Tag",))


def test_run_keys_each_entry_by_the_name_its_signals_attribute() -> None:
    sigs_named = {
        "identity_claim": Signal("identity_claim", 0.9, "asylum_seeker", data={"name": "Idris Al-Qamari"})
    }
    sigs_weak = {"identity_claim": Signal("identity_claim", 0.2, None, data={"name": "Idris Al-Qamari"})}
    assert attributed_name(sigs_named) == "Idris Al-Qamari" and attributed_name(sigs_weak) is None
    text = "he came by boat, idris al qamari"
    entries = [(0, text, (), ()), (1, text, (), ()), (2, text, (), ())]
    datas = ahead.run(entries, [text] * 3, [sigs_named, sigs_weak, sigs_named])
    assert datas[0] is datas[2] and datas[0] is not datas[1]  # computed once per distinct input
    batch = Batch(extras={AHEAD_KEY: (entries, datas)})
    got = ahead_features(batch)
    assert got is not None and AHEAD_KEY not in batch.extras
    assert set(got) == {(text, (), (), "Idris Al-Qamari"), (text, (), (), None)}
    assert got[(text, (), (), "Idris Al-Qamari")][9] == "Idris Al-Qamari"
    assert ahead_features(Batch()) is None


def _narratives_of(
    workers: int, warming: bool = False
) -> tuple[dict[str, str], list[tuple[str, str, list[str], list[str]]], int]:
    scn = generate(ScenarioConfig(seed=3, scale=0.02))
    p = build_pipeline(None, PipelineOptions(policy=False, slow_path=False, score_workers=workers))
    if workers:
        p.stage("signals").score_while_warming = warming  # type: ignore[union-attr]
    assigned: dict[str, str] = {}
    try:
        for i, batch in enumerate(p.ahead(scenario_batches(scn.posts(), 512))):
            if warming and i == 0:  # the worker "still starting": this batch is scored and featurized here
                _fut, *rest = batch.extras[PRESCORED_KEY]
                batch.extras[PRESCORED_KEY] = (Future(), *rest)
            p.process(batch)
            assigned.update(batch.narrative_of)
        stage: Any = p.stage("narratives")
        records = [(n.id, n.title, list(n.keywords), list(n.entities)) for n in stage.all()]
        used = stage._feat.ahead_hits
    finally:
        p.close()
    return assigned, records, used


@pytest.mark.slow
def test_a_pipeline_with_the_worker_featurizing_assigns_as_in_process() -> None:
    here, here_records, none_used = _narratives_of(0)
    there, there_records, used = _narratives_of(1)
    assert none_used == 0 and used > 100
    assert len(here) > 1000
    assert there == here
    assert there_records == here_records
    # the first batch scored and featurized here, the next ones by the worker: the same again
    warm, warm_records, warm_used = _narratives_of(1, warming=True)
    assert warm_used > 0 and warm == here and warm_records == here_records
