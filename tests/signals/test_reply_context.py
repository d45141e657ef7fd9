"""Reply context: a reply committing to join a call to violence is read with the call (signals stage).

Held-out cases: ``reply_context`` in ``data/functional_{en,fr}.yaml`` (written before the rule; the
``*_after`` lists after it, never used to change it). The guards asserted here are the ones the rule must
keep: nothing under a benign parent and no refusal or counter-speech flagged by the context.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from wavebreak.core import constants as C
from wavebreak.core.records import Post, PostKind, SignalName
from wavebreak.pipeline.context import PipelineContext
from wavebreak.pipeline.stage import Batch
from wavebreak.signals import reply_context as rc
from wavebreak.signals.eval import eval_reply_context
from wavebreak.signals.stage import SignalsStage

T0 = datetime(2026, 7, 29, 18, 0, tzinfo=UTC)
CALL = "Everyone to the asylum hotel on Mill Lane tonight. Drag them out and burn it down."
VIGIL = "Vigil for the victims at the bandstand tonight at 8, bring a candle."


def _post(pid: str, text: str, minutes: int = 0, **kw: object) -> Post:
    return Post(
        id=pid,
        platform="t",
        author_id=f"t:{pid}",
        created_at=T0 + timedelta(minutes=minutes),
        text=text,
        **kw,
    )


def _inc(stage: SignalsStage, posts: list[Post], pid: str) -> float:
    batch = Batch(posts=posts)
    stage.process(batch, PipelineContext())
    return batch.signals[pid][SignalName.INCITEMENT].score


def test_joining_reply_to_a_call_is_incitement_and_explained() -> None:
    stage = SignalsStage(b_signals=False)
    batch = Batch(posts=[_post("p", CALL), _post("r", "Count me in, see you there.", 1, reply_to="p")])
    stage.process(batch, PipelineContext())
    parent, reply = batch.signals["p"][SignalName.INCITEMENT], batch.signals["r"][SignalName.INCITEMENT]
    assert parent.score >= C.SIGNALS_REPLY_JOIN_PARENT_MIN
    assert reply.score == pytest.approx(parent.score * C.SIGNALS_REPLY_JOIN_DISCOUNT, abs=1e-4)
    assert reply.label == "incitement" and "p" in reply.explanation[0]
    assert reply.data is not None and reply.data["joins"] == "p"


def test_text_alone_is_not_incitement_and_context_can_be_turned_off() -> None:
    off = SignalsStage(b_signals=False, reply_context=False)
    assert (
        _inc(off, [_post("p", CALL), _post("r", "Count me in, see you there.", 1, reply_to="p")], "r") < 0.5
    )


def test_parent_from_an_earlier_batch_and_quotes() -> None:
    stage = SignalsStage(b_signals=False)
    _inc(stage, [_post("p", CALL)], "p")
    assert _inc(stage, [_post("r", "On my way now.", 30, reply_to="p")], "r") >= C.SIGNALS_TOXICITY_FLAG
    quote = _post("q", "J'y serai.", 31, quote_of="p", kind=PostKind.QUOTE)
    assert _inc(stage, [quote], "q") >= C.SIGNALS_TOXICITY_FLAG


def test_repost_of_a_joining_reply_inherits_it() -> None:
    stage = SignalsStage(b_signals=False)
    posts = [
        _post("p", CALL),
        _post("r", "I'll be there.", 1, reply_to="p"),
        _post("rt", "", 2, repost_of="r", kind=PostKind.REPOST),
    ]
    assert _inc(stage, posts, "rt") >= C.SIGNALS_TOXICITY_FLAG


@pytest.mark.parametrize(
    "parent,text",
    [
        (VIGIL, "I'll be there, count me in."),  # benign event
        (CALL, "Count me out. This is vile, reported."),  # refusal
        (CALL, "I'll be there too, to protect the families."),  # counter-mobilisation
        (CALL, "Is this even real?"),  # no commitment
    ],
)
def test_no_context_flag_without_a_call_or_a_commitment(parent: str, text: str) -> None:
    stage = SignalsStage(b_signals=False)
    assert _inc(stage, [_post("p", parent), _post("r", text, 1, reply_to="p")], "r") < C.SIGNALS_TOXICITY_FLAG


def test_joins_lexicon_refusals_override() -> None:
    assert rc.joins("count me in")
    assert not rc.joins("count me out, i won't be there")
    assert not rc.joins("je n'irai pas, compte pas sur moi")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_heldout_guards(lang: str) -> None:
    """Benign parents and refusals stay unflagged; the context lifts joining replies the text alone misses."""
    with_ctx = eval_reply_context((lang,))[lang]
    alone = eval_reply_context((lang,), context=False)[lang]
    assert with_ctx["not_joining"]["flagged_rate"] == 0.0
    assert with_ctx["benign_parent"]["flagged_rate"] == 0.0
    assert with_ctx["benign_parent_after"]["flagged_rate"] == 0.0
    assert with_ctx["joins_call"]["recall"] > alone["joins_call"]["recall"]
