"""The scenario's public records: configuration, key facts and per-post ground truth.

Why separate from the generator: scorers, the demo and tests import these
types without pulling numpy-heavy planning code into their own modules, and
the shapes are the contract other stages rely on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

NARRATIVES: tuple[str, ...] = (
    "false_claim",
    "incitement",
    "refutation",
    "minor_name_leak",
    "background:sport",
    "background:weather",
    "background:concert",
    "background:product",
    "background:news",
    "chatter",
)
"""Every narrative key a post can carry in ``Truth.narrative``."""


@dataclass
class ScenarioConfig:
    """What to generate. Same config (seed included) -> byte-identical stream.

    ``scale`` multiplies post and account counts (1.0 = ~200,000 posts from
    ~50,000 accounts); key actors and their follower counts do not scale, so a
    small test stream tells the same story. ``hours`` stretches or squeezes
    the whole story timeline proportionally (36 h = the reference story), so
    every key event stays inside the stream whatever its length.
    """

    seed: int = 7
    scale: float = 1.0
    start: datetime = datetime(2026, 7, 29, 11, 45, tzinfo=UTC)
    hours: float = 36.0


@dataclass
class ScenarioFacts:
    """The key actors, ids and strings of the story, for scoring and for the demo's setup.

    ``suspect_false_name`` is the fabricated identity spread by the wave;
    ``suspect_real_name`` is the minor's (fictional) real name: it is never
    published officially, a few posts leak it from ~T+26h, and
    ``protected_terms`` are what a legal hold on it would match.
    """

    suspect_false_name: str
    suspect_real_name: str
    town: str
    origin_post_id: str
    origin_account_id: str
    pseudo_news_account_id: str
    pseudo_news_post_id: str
    pseudo_news_domain: str
    megaphone_account_id: str
    megaphone_post_id: str
    incitement_account_id: str
    incitement_post_ids: list[str]
    authority_account_id: str
    authority_statement_post_id: str
    authority_statement_text: str
    refutation_at: datetime
    protected_terms: list[str]
    religious_group: str
    crisis_terms: list[str]
    # Extras (not in the original contract, all defaulted so the contract's constructor still works).
    attack_at: datetime | None = None
    false_name_variants: list[str] = field(default_factory=list)
    false_name_match: list[str] = field(default_factory=list)
    pseudo_news_url: str = ""
    coordinated_account_ids: list[str] = field(default_factory=list)
    first_leak_at: datetime | None = None
    incitement_targets: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-able dict (datetimes as ISO 8601)."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            out[key] = value.isoformat() if isinstance(value, datetime) else value
        return out


@dataclass
class Truth:
    """Per-post ground truth; every emitted post id is a key of ``narrative`` and ``lang``.

    Label semantics: ``hate`` = attacks a group for a protected characteristic
    (every incitement post here also does, so ``incitement`` is a subset of
    ``hate``); ``supports`` = asserts or repeats the false identity claim;
    ``refutes`` = denies it, including counter-speech that repeats the false
    name to deny it; a repost carries the labels of what it reposts.
    Extras: ``query`` (asks whether the claim is true), ``coordinated``
    (posted by the coordinated cluster in a burst), ``stance`` toward the
    false claim for every post of the false-claim, refutation and leak
    narratives (RumourEval classes: support, deny, query, comment).
    """

    narrative: dict[str, str]
    incitement: set[str]
    hate: set[str]
    refutes: set[str]
    supports: set[str]
    lang: dict[str, str]
    query: set[str] = field(default_factory=set)
    coordinated: set[str] = field(default_factory=set)
    stance: dict[str, str] = field(default_factory=dict)
