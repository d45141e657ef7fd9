"""Core records that cross process boundaries keep every field through pickling."""

from __future__ import annotations

import copy
import dataclasses
import pickle

from wavebreak.core.records import Signal, SignalName


def test_signal_pickles_as_a_constructor_call_with_every_field() -> None:
    """The text-scoring worker pickles ~8 signals a post to the pipeline process: ``Signal.__reduce__``
    rebuilds each through its constructor (cheaper than a slotted dataclass's state dict), and nothing
    may be lost or changed on the way, enum names and nested data included."""
    sig = Signal(
        name=SignalName.IDENTITY_CLAIM,
        score=0.8123,
        label="asylum_seeker",
        model="identity_claims-1.0",
        explanation=("came by boat", "MI6 watchlist"),
        data={"name": "Idris Al-Qamari", "identities": ["asylum_seeker"], "negated": False},
    )
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(sig, protocol=protocol))
        assert back == sig
        assert back.name is SignalName.IDENTITY_CLAIM
        assert type(back.explanation) is tuple
    # the constructor path, not the default reduction (which carries a state dict of the slots), with
    # every field in declaration order: a field added to Signal and not to __reduce__ fails here
    fn, args = sig.__reduce__()
    assert fn is Signal
    assert args == tuple(getattr(sig, f.name) for f in dataclasses.fields(Signal))
    # a row of signals sharing one object stays shared (the worker's text cache hands out one row)
    row = {"a": sig, "b": sig}
    back_row = pickle.loads(pickle.dumps(row, protocol=pickle.HIGHEST_PROTOCOL))
    assert back_row["a"] is back_row["b"]
    # copies go through the same reduction: equal values, a deep copy owns its data
    assert copy.copy(sig) == sig
    deep = copy.deepcopy(sig)
    assert deep == sig and deep.data is not sig.data


def test_signal_defaults_survive_pickling() -> None:
    sig = Signal(name="hate", score=0.0)
    back = pickle.loads(pickle.dumps(sig))
    assert (
        back == sig
        and back.label is None
        and back.model == ""
        and back.explanation == ()
        and back.data is None
    )
