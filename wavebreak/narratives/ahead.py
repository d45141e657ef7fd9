"""The narratives stage's text features, computed ahead of their batch in the text-scoring worker.

Why: tokenising, folding and hashing a text for the narratives stage (:meth:`Featurizer.features`) and its
MinHash band keys are a pure function of the post's text, links, hashtags and attributed name, and were
the stage's largest per-post cost in the pipeline process after the assignment itself (~50k of its ~185k
instructions a post, 10k-post slice of the bench stream). The text-scoring worker
(:mod:`wavebreak.signals.parallel`) already holds each batch's texts and their signals two batches early
and idles most of the time, so it computes them too (:data:`TASK`) and the pipeline process takes them
where its featurizer's cache misses (``Featurizer.features(ahead=...)``).

Same results: the pipeline process keeps its cache, so a repeated text still gets the same
:class:`~wavebreak.narratives.text.Features` object (the stage's memo fields live on it), and an ahead
object records the same display names in the same order as computing it there would
(``tests/narratives/test_ahead.py``). Anything the worker did not compute (a post the normalise stage
rewrote, a name the batch's signals attribute differently, a batch scored in process) is computed there.
"""

from __future__ import annotations

from wavebreak.core.records import Post, PostKind, Signal
from wavebreak.narratives.stage import AHEAD_KEY, AheadEntry
from wavebreak.narratives.text import FeatureData, Featurizer, MinHasher, attributed_name, lsh_minhasher
from wavebreak.signals.parallel import AheadTask

_REPOST = PostKind.REPOST

_featurizer: Featurizer | None = None
_minhasher: MinHasher | None = None


def payload(scored: list[Post]) -> list[AheadEntry]:
    """Of the posts whose texts the worker scores (:func:`~wavebreak.signals.parallel.scored_posts`),
    those the narratives stage featurizes (text, not a repost), by their position among them."""
    return [(j, p.text, p.urls, p.hashtags) for j, p in enumerate(scored) if p.text and p.kind is not _REPOST]


def run(entries: list[AheadEntry], texts: list[str], rows: list[dict[str, Signal]]) -> list[FeatureData]:
    """In the worker: each entry's features with their LSH band keys, computed once per distinct input
    (a repeated input gets the same tuple, which pickling sends once)."""
    global _featurizer, _minhasher
    feat = _featurizer = _featurizer or Featurizer()
    mh = _minhasher = _minhasher or lsh_minhasher()
    seen: dict[tuple[str, tuple[str, ...], tuple[str, ...], str | None], int] = {}
    datas: list[FeatureData] = []
    which: list[int] = []
    for j, text, urls, hashtags in entries:
        key = (text, urls, hashtags, attributed_name(rows[j]))
        k = seen.get(key)
        if k is None:
            k = seen[key] = len(datas)
            datas.append(feat.export(*key))
        which.append(k)
    if datas:
        # the stage's own computation (NarrativeStage.process): one vectorised call for the distinct texts
        bands = mh.band_tuples([d[2] for d in datas])
        datas = [(*d[:11], b) for d, b in zip(datas, bands, strict=True)]
    return [datas[k] for k in which]


TASK = AheadTask(key=AHEAD_KEY, payload=payload, run=run)
"""The narratives stage's work in the text-scoring worker (wired by ``build_pipeline``)."""
