"""Read-side helpers over storage: post → narrative, and the harm facts recorded at intake.

Why here: the Storage protocol has no post → narrative lookup (the gate works around it
with an index); review needs it for every report, so it asks the backend's
``narratives_of`` when offered (the SQL backend's reads ``post_narratives`` by its key), else
finds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from wavebreak.core.records import SignalName

ILLEGALITY_SIGNALS = (SignalName.INCITEMENT, SignalName.THREAT, SignalName.HATE)
"""Signals read as the likelihood that an item is illegal (UK: Public Order Act, OSA s.181)."""


def narratives_of(
    storage: Any, post_ids: Sequence[str], read: dict[str, Any] | None = None
) -> dict[str, str]:
    """post id → narrative id for the posts that have one (merged narratives followed).

    ``read``, when given, receives narrative id → the record read for it at the end of each chain,
    so that a caller about to read that narrative does not query it a second time."""
    if storage is None or not post_ids:
        return {}
    fn = getattr(storage, "narratives_of", None)
    if fn is None:
        return {}
    found = dict(fn(list(post_ids)))
    out = {}
    for pid, nid in found.items():
        seen = set()
        while nid not in seen:
            seen.add(nid)
            n = storage.get_narrative(nid)
            if n is None or not n.merged_into:
                if read is not None:
                    read[nid] = n
                break
            nid = n.merged_into
        out[pid] = nid
    return out


def harm_context(
    storage: Any,
    target_id: str,
    at: datetime,
    narrative_id: str | None = None,
    seen: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The facts a report's priority is computed from, recorded in its event at intake.

    ``reach``: the larger of the author's followers and the narrative's reach;
    ``velocity``: narrative posts in the hour before ``at``; ``illegality``: the highest
    illegality signal on the post; plus ``lang``, ``author_id``, ``followers``.
    ``seen``, when given, receives the ``post`` and ``narrative`` read here, so that the
    caller's next question about them (is this in a crisis's scope?) costs no second query.
    """
    ctx: dict[str, Any] = {"reach": 0, "velocity": 0.0, "illegality": 0.0, "followers": 0}
    if storage is None:
        if narrative_id:
            ctx["narrative_id"] = narrative_id
        return ctx
    post = storage.get_post(target_id)
    if seen is not None:
        seen["post"] = post
    if post is not None:
        followers = post.author.followers if post.author is not None else 0
        if not followers:
            acc = storage.get_account(post.author_id)
            followers = acc.followers if acc is not None else 0
        ctx.update(followers=int(followers), reach=int(followers), lang=post.lang, author_id=post.author_id)
        sigs = storage.get_signals(target_id)
        scores = {str(n): float(s.score) for n, s in sigs.items()}
        ctx["illegality"] = round(max((scores.get(str(n), 0.0) for n in ILLEGALITY_SIGNALS), default=0.0), 3)
        ctx["signals"] = {k: round(v, 3) for k, v in sorted(scores.items()) if k != SignalName.LANG}
    read: dict[str, Any] = {}
    nid = narrative_id or narratives_of(storage, [target_id], read).get(target_id)
    if nid:
        ctx["narrative_id"] = nid
        n = read[nid] if nid in read else storage.get_narrative(nid)
        if seen is not None:
            seen["narrative"] = n
        if n is not None:
            ctx["reach"] = max(ctx["reach"], int(n.reach_total))
            ctx["narrative_risk"] = round(float(n.risk), 3)
        since = at - timedelta(hours=1)
        ctx["velocity"] = float(
            sum(int(r.get("posts", 0) or 0) for r in storage.narrative_series(nid, since=since, until=at))
        )
    return ctx
