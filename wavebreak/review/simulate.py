"""Simulated notices for the demo: users, a trusted flagger and an authority unit reporting
the false-claim and incitement waves as they happen, plus a few bad-faith reporters.

Why simulated from ground truth: the scenario knows which posts carry the false claim,
incitement, hate or the protected name (``scenario.truth``) and who the key actors are
(``scenario.facts``), so the notices arrive where real ones would, with realistic
delays, and a scripted reviewer can be scored against the truth. Everything is seeded:
same scenario + seed → same reports.

The lead drives it in stream time::

    desk = ReviewDesk(storage)
    prepare_desk(desk, scenario)
    for at, report in simulated_reports(scenario):
        ...  # replay the pipeline up to ``at`` first
        desk.submit(report)
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

from wavebreak.core.records import NotifierKind, PostKind, Report
from wavebreak.review.desk import ReviewDesk

__all__ = ["SIM_AUTHORITY", "SIM_FLAGGER", "ReviewDesk", "prepare_desk", "simulated_reports", "truth_label"]

SIM_FLAGGER = {
    "flagger_id": "tf:marlowe-hate-watch",
    "name": "Hate Watch UK (fictional)",
    "tier": "1",
    "contact": "notices@hatewatch.example",
}
"""The trusted flagger organisation of the demo (fictional)."""

SIM_AUTHORITY = "authority:westmarsh-police-online-unit"
"""The police referral unit sending orders with a legal reference (fictional)."""

LEGAL_INCITEMENT = "Public Order Act 1986 s.18 and s.19; Serious Crime Act 2007 s.44"
LEGAL_MINOR = "Youth Justice and Criminal Evidence Act 1999 s.45 (reporting direction)"

USER_POOL = 400
"""Distinct ordinary reporters drawn from (many users report more than once)."""
BAD_FAITH_USERS = 3
"""Reporters who flag counter-speech and the police statement (brigading)."""


def truth_label(scenario: Any, post_id: str) -> str:
    """The category a correct reviewer would find for a post (``other`` = no violation)."""
    t = scenario.truth
    if post_id in t.incitement:
        return "incitement"
    if t.narrative.get(post_id) == "minor_name_leak" and post_id not in t.refutes:
        return "minor_identity"
    if post_id in t.hate:
        return "hate"
    if post_id in t.supports:
        return "misinformation"
    return "other"


def prepare_desk(desk: ReviewDesk, scenario: Any, at: datetime | None = None) -> None:
    """Register the simulated trusted flagger on ``desk`` (before its first notice)."""
    if (
        SIM_FLAGGER["flagger_id"] not in desk.state.notifiers
        or not desk.state.notifiers[SIM_FLAGGER["flagger_id"]].registered
    ):
        desk.register_flagger(**SIM_FLAGGER, at=at or scenario.config.start)


def _delay(rng: random.Random, mean_min: float) -> timedelta:
    return timedelta(minutes=rng.expovariate(1.0 / mean_min))


def simulated_reports(
    scenario: Any,
    *,
    seed: int = 0,
    user_rate: float = 0.03,
    flagger_min_followers: int = 500,
    bad_faith: bool = True,
    max_reports: int | None = None,
) -> list[tuple[datetime, Report]]:
    """Notices ``(arrival time, Report)`` in arrival order.

    - users report original posts carrying the false claim, hate, incitement or the
      protected name, with a chance growing with the post's views (``user_rate`` × (1 +
      log10 views)), 40 min after the post on average;
    - the trusted flagger starts once the wave goes national (the megaphone post) and
      reports incitement and hate, and false-claim posts by accounts with at least
      ``flagger_min_followers`` followers, 20 min after the post on average;
    - the authority unit sends orders with a legal reference on the incitement posts
      (from the first call to violence) and on posts leaking the protected name;
    - ``bad_faith``: a few accounts report refutations and the police statement.
    """
    rng = random.Random(seed * 7919 + scenario.config.seed)
    facts, truth = scenario.facts, scenario.truth
    post_times: dict[str, datetime] = {}
    flagger_start: datetime | None = None
    out: list[tuple[datetime, Report]] = []
    n = 0

    def add(at: datetime, notifier: str, kind: NotifierKind, pid: str, category: str, **kw: Any) -> None:
        nonlocal n
        n += 1
        out.append(
            (
                at,
                Report(
                    id=f"sim-{seed}-{n:06d}",
                    at=at,
                    notifier_id=notifier,
                    notifier_kind=kind,
                    target_id=pid,
                    category=category,
                    location=f"https://demo.example/post/{pid.split(':', 1)[-1]}",
                    **kw,
                ),
            )
        )

    for post in scenario.skeleton():
        pid = post.id
        post_times[pid] = post.created_at
        if pid == facts.megaphone_post_id:
            flagger_start = post.created_at
        if post.kind == PostKind.REPOST:
            continue
        label = truth_label(scenario, pid)
        followers = post.author.followers if post.author is not None else 0
        if label != "other":
            p = min(0.9, user_rate * (1 + math.log10(1 + post.views)))
            if rng.random() < p:
                user = f"user:{rng.randrange(USER_POOL):04d}"
                add(
                    post.created_at + _delay(rng, 40),
                    user,
                    NotifierKind.USER,
                    pid,
                    label,
                    explanation=f"This post appears to be {label.replace('_', ' ')}.",
                )
            flag = label in ("incitement", "hate", "minor_identity") or followers >= flagger_min_followers
            if flagger_start is not None and flag and rng.random() < 0.6:
                add(
                    max(post.created_at, flagger_start) + _delay(rng, 20),
                    SIM_FLAGGER["flagger_id"],
                    NotifierKind.TRUSTED_FLAGGER,
                    pid,
                    label,
                    explanation=f"Assessed by our analysts as {label.replace('_', ' ')} "
                    "under UK law and the platform's rules.",
                )
        if label == "incitement" and (pid in facts.incitement_post_ids or rng.random() < 0.25):
            add(
                post.created_at + timedelta(minutes=30) + _delay(rng, 30),
                SIM_AUTHORITY,
                NotifierKind.AUTHORITY,
                pid,
                "incitement",
                legal_reference=LEGAL_INCITEMENT,
                explanation="Content encouraging violent disorder against a place of worship and residents.",
            )
        elif label == "minor_identity":
            add(
                post.created_at + timedelta(minutes=20) + _delay(rng, 20),
                SIM_AUTHORITY,
                NotifierKind.AUTHORITY,
                pid,
                "minor_identity",
                legal_reference=LEGAL_MINOR,
                explanation="Publishes the identity of a defendant under 18 protected by a reporting direction.",
            )
        if (
            bad_faith
            and pid in truth.refutes
            and (pid == facts.authority_statement_post_id or rng.random() < 0.08)
        ):
            user = f"user:brigade-{rng.randrange(BAD_FAITH_USERS)}"
            add(
                post.created_at + _delay(rng, 15),
                user,
                NotifierKind.USER,
                pid,
                rng.choice(["misinformation", "hate"]),
                explanation="fake news",
                good_faith=True,
            )
    out.sort(key=lambda r: (r[0], r[1].id))
    return out[:max_reports] if max_reports is not None else out
