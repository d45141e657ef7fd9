"""Narratives stage: no outcome follows the iteration order of a set of strings.

Python salts ``str`` hashing per process (``PYTHONHASHSEED``), so a set of strings iterates in a
different order in two replays of the same stream. Each test here pins one place where such an
order used to reach an output; the whole pipeline under two hash seeds is compared in
``tests/pipeline/test_hash_seed_determinism.py``.
"""

from __future__ import annotations

from typing import Any

from wavebreak.narratives.stage import NarrativeStage


def test_representative_tokens_come_in_text_order() -> None:
    """The tokens whose centroid weights score a representative are summed in text order.

    Before, they came in the order of a set of strings: the float sum (and so the choice between two
    near-equal representatives, hence the title) could differ in the last bit between processes.
    """
    st = NarrativeStage()
    text = "Zebra apple MANGO kiwi, banana! apple cherry (date) elder fig grape zebra"
    want = ("zebra", "apple", "mango", "kiwi", "banana", "cherry", "date", "elder", "fig", "grape")
    assert st._rep_tokens(text) == want
    assert st._rep_tokens(text) is st._rep_tokens(text)  # cached per text


def _cluster(i: int) -> dict[str, Any]:
    """A coordination cluster (as ``CoShareDetector.detect`` gives it) of five accounts of its own."""
    return {"accounts": [f"demo:c{i}-{j}" for j in range(5)], "narratives": []}


def _ids(clusters: list[dict[str, Any]]) -> list[str]:
    return [c["accounts"][0] for c in clusters]


def test_coordination_alert_memory_forgets_the_least_recently_detected_cluster() -> None:
    """Past 1,000 alerted clusters, the one least recently detected is forgotten (it may alert
    again), never one picked by string hashing (a set's ``pop()``), which differed between replays;
    and a tick with more live clusters than the memory holds re-alerts the excess, not all of them."""
    st = NarrativeStage()
    clusters = [_cluster(i) for i in range(1001)]
    assert len(st._unalerted(clusters)) == 1001
    assert _ids(st._unalerted([_cluster(0)])) == ["demo:c0-0"]  # the oldest was forgotten
    assert st._unalerted([_cluster(500)]) == []  # a later one is remembered (and refreshed)
    # all 1,001 live again: only cluster 1 (forgotten when 0 came back) alerts, once
    assert _ids(st._unalerted(clusters)) == ["demo:c1-0"]
    assert st._unalerted([_cluster(1), _cluster(1000)]) == []
    # a cluster mostly made of a remembered one's accounts is the same network
    near = {"accounts": [*_cluster(7)["accounts"], "demo:new"], "narratives": []}
    assert st._unalerted([near]) == []
