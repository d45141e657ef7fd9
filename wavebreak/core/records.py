"""The core model: plain typed records that flow through every stage.

Why plain ``dataclass(slots=True)`` rather than pydantic models: a post crosses
the hot path of the pipeline (tens of thousands per second), so construction
must cost a few hundred nanoseconds, not microseconds. Validation happens once,
at the edge (ingest adapters, API schemas, policy files); past the edge the
records are trusted. Edges (CLI, API, storage) depend on this module; this
module depends on nothing else in the package.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

# --------------------------------------------------------------------------- enums


class Platform(StrEnum):
    """Where a record came from; part of every post id so ids never collide."""

    BLUESKY = "bluesky"
    MASTODON = "mastodon"
    X = "x"
    GENERIC = "generic"
    DEMO = "demo"


class PostKind(StrEnum):
    """What a post is, structurally: drives cascade edges and stance defaults."""

    POST = "post"
    REPLY = "reply"
    REPOST = "repost"
    QUOTE = "quote"


class Surface(StrEnum):
    """The platform's own amplification machinery that Wavebreak gates.

    Hosting is deliberately not a surface: "remove" and "geo_withhold" are
    actions on the item itself, everything else restricts reach per surface.
    """

    TRENDS = "trends"
    SEARCH = "search"
    RECOMMENDATIONS = "recommendations"
    NOTIFICATIONS = "notifications"
    REPLIES = "replies"


ALL_SURFACES: tuple[Surface, ...] = tuple(Surface)


class Action(IntEnum):
    """Closed set of content actions, ordered by severity (X visibility-rules style).

    The integer value *is* the severity, so ``max(actions)`` is the most
    restrictive and comparisons read naturally (``a >= Action.DEMOTE``).
    """

    ALLOW = 0
    LABEL = 1
    CONTEXT_NOTE = 2
    DEMOTE = 3
    EXCLUDE = 4
    INTERSTITIAL = 5
    HOLD_FOR_REVIEW = 6
    GEO_WITHHOLD = 7
    REMOVE = 8

    @property
    def slug(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | int | Action) -> Action:
        """Accept ``"exclude"``, ``"EXCLUDE"``, ``4`` or an Action; raise ValueError otherwise."""
        if isinstance(value, Action):
            return value
        if isinstance(value, int):
            return cls(value)
        try:
            return cls[str(value).strip().upper().replace("-", "_").replace(" ", "_")]
        except KeyError:
            names = ", ".join(a.slug for a in cls)
            raise ValueError(f"unknown action {value!r}; expected one of: {names}") from None

    @property
    def restrictive(self) -> bool:
        """Labels and context notes inform; from DEMOTE up, reach is restricted."""
        return self >= Action.DEMOTE


class AccountAction(IntEnum):
    """Actions on an account rather than an item, also severity-ordered."""

    NONE = 0
    LIMIT_REACH = 1
    SUSPEND = 2

    @property
    def slug(self) -> str:
        return self.name.lower()


class Stance(StrEnum):
    """RumourEval's four stance classes toward a claim."""

    SUPPORT = "support"
    DENY = "deny"
    QUERY = "query"
    COMMENT = "comment"


class AccountKind(StrEnum):
    """What an account declares or is registered as; trusted lists override."""

    PERSON = "person"
    NEWS = "news"
    AUTHORITY = "authority"
    ORGANISATION = "organisation"
    BOT = "bot"
    UNKNOWN = "unknown"


class NarrativeStatus(StrEnum):
    EMERGING = "emerging"
    ACTIVE = "active"
    REFUTED = "refuted"
    DORMANT = "dormant"
    MERGED = "merged"


class NotifierKind(StrEnum):
    """Who sent a report (notice): drives queue priority and SLA."""

    USER = "user"
    TRUSTED_FLAGGER = "trusted_flagger"
    AUTHORITY = "authority"
    AUTOMATED = "automated"


class CaseStatus(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    DECIDED = "decided"
    APPEALED = "appealed"
    CLOSED = "closed"


class AppealOutcome(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    REVERSED = "reversed"


# --------------------------------------------------------------------------- content


@dataclass(slots=True)
class PublicMetrics:
    """Public counters as reported by the source at ingest time (may be zero)."""

    views: int = 0
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    quotes: int = 0


@dataclass(slots=True)
class SourcePosition:
    """Where a record was read: enough to find the exact bytes again for audit."""

    source: str
    line: int


@dataclass(slots=True)
class Account:
    """An account as last seen. ``id`` is ``platform:native_id``."""

    id: str
    platform: str
    handle: str = ""
    name: str = ""
    created_at: datetime | None = None
    followers: int = 0
    following: int = 0
    posts_count: int = 0
    verified: bool = False
    kind: AccountKind = AccountKind.UNKNOWN
    description: str = ""
    url: str = ""
    region: str | None = None
    active: bool = True


@dataclass(slots=True)
class Post:
    """One item of content: an original post, a reply, a repost or a quote.

    ``id`` is ``platform:native_id`` and references (``reply_to``, ``repost_of``,
    ``quote_of``) use the same form. ``author`` carries the account snapshot the
    source embedded, when it did (X, Mastodon and v1.1 do; Jetstream does not).
    ``raw`` keeps the source record (as text) for audit and statements of reasons.
    ``edited_at`` is set on a new version of an already published post (Mastodon's
    ``status.update``): the pipeline re-scores and re-decides it, because editing a post
    after it spread is a way to put a claim in front of an audience it already has.
    """

    id: str
    platform: str
    author_id: str
    created_at: datetime
    text: str = ""
    lang: str | None = None
    kind: PostKind = PostKind.POST
    reply_to: str | None = None
    repost_of: str | None = None
    quote_of: str | None = None
    urls: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    media_hashes: tuple[str, ...] = ()
    metrics: PublicMetrics = field(default_factory=PublicMetrics)
    author: Account | None = None
    region: str | None = None
    raw: str | None = None
    position: SourcePosition | None = None
    edited_at: datetime | None = None

    @property
    def parent_id(self) -> str | None:
        """The item this one propagates (repost > quote > reply), for cascade edges."""
        return self.repost_of or self.quote_of or self.reply_to


@dataclass(slots=True)
class Deletion:
    """A source said an item or account is gone; state derived from it is updated."""

    target_id: str
    at: datetime
    platform: str
    position: SourcePosition | None = None


Record = Post | Account | Deletion
"""What an ingest adapter yields."""


@dataclass(slots=True)
class Quarantined:
    """A record that could not be parsed or validated, kept with its reason."""

    source: str
    line: int
    reason: str
    raw: str
    format: str = ""


# --------------------------------------------------------------------------- signals


class SignalName(StrEnum):
    """The names under which signals are stored per post (``Batch.signals[post_id][name]``)."""

    LANG = "lang"  # label = ISO 639-1 code, score = confidence
    HATE = "hate"  # attack on a protected characteristic
    INCITEMENT = "incitement"  # call to violence or exclusion
    THREAT = "threat"
    ABUSE = "abuse"  # insults, harassment without protected-characteristic attack
    IDENTITY_CLAIM = "identity_claim"  # data: {role, name, identities: [...]}
    RUMOUR = "rumour"  # label: "query" | "correction" | None; rumour prior
    STANCE = "stance"  # label: support | deny | query | comment
    CLAIM_MATCH = "claim_match"  # data: {statement_id, similarity}
    CREDIBILITY = "credibility"  # on accounts: score 1 = credible; label e.g. "pseudo_news"


@dataclass(slots=True)
class Signal:
    """One detector's output on one post or account.

    ``explanation`` holds what drove the score (matched spans, top features) so
    that a statement of reasons can quote it; ``model`` is a version id so a
    decision can be traced to the exact model that informed it.
    """

    name: str
    score: float
    label: str | None = None
    model: str = ""
    explanation: tuple[str, ...] = ()
    data: dict[str, Any] | None = None

    def __reduce__(self) -> tuple[type[Signal], tuple[Any, ...]]:
        """Pickle as a constructor call: why, the text-scoring worker sends ~8 signals a post to the
        pipeline process, and a slotted dataclass otherwise unpickles as an empty object plus one
        ``setattr`` per field from a state dict, about twice the cost (worker rows, ``bench.pipeline``
        main process; ``tests/core/test_records.py``)."""
        return (Signal, (self.name, self.score, self.label, self.model, self.explanation, self.data))


# --------------------------------------------------------------------------- narratives


@dataclass(slots=True)
class Alert:
    """A burst or risk alert raised in stream time, with the evidence that raised it."""

    id: str
    at: datetime
    kind: str
    narrative_id: str | None
    message: str
    terms: tuple[str, ...] = ()
    count: float = 0.0
    baseline: float = 0.0
    zscore: float = 0.0
    distinct_accounts: int = 0
    reach: int = 0
    risk: float = 0.0
    reasons: tuple[str, ...] = ()


@dataclass(slots=True)
class Narrative:
    """A group of posts carrying the same claim; ids stay stable across merges."""

    id: str
    title: str
    first_seen: datetime
    last_seen: datetime
    keywords: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    status: NarrativeStatus = NarrativeStatus.EMERGING
    risk: float = 0.0
    risk_factors: dict[str, float] = field(default_factory=dict)
    posts_total: int = 0
    accounts_total: int = 0
    reach_total: int = 0
    languages: dict[str, int] = field(default_factory=dict)
    stance: dict[str, int] = field(default_factory=dict)
    representative_posts: list[str] = field(default_factory=list)
    alerted_at: datetime | None = None
    posts_at_alert: int | None = None
    accounts_at_alert: int | None = None
    merged_into: str | None = None
    refuted_by: list[str] = field(default_factory=list)
    claimed_names: dict[str, int] = field(default_factory=dict)
    """Names the identity-claim signal attributed in this narrative's posts -> posts attributing it
    (bounded: ``NARR_CLAIMED_NAMES_MAX``): whom the claim is about. A post of the narrative that names
    none of them and makes no identity claim does not carry the claim (policy stage, claim-free
    exemption)."""


# --------------------------------------------------------------------------- decisions


@dataclass(slots=True)
class Grounds:
    """Why an action is allowed: the platform rule, the law, and the DSA taxonomy."""

    platform_policy: str
    legal_basis: str | None = None
    dsa_category: str = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"
    dsa_keyword: str | None = None
    illegal: bool = False


@dataclass(slots=True)
class Decision:
    """What Wavebreak decided about one target, per surface, and why.

    ``target_kind`` is ``post``, ``narrative``, ``account`` or ``trend``.
    ``facts`` are the recorded values the rule fired on; they are what a
    statement of reasons and ``why`` quote, so they must be sufficient alone.
    Decisions are appended to the event log before they are published.
    """

    id: str
    at: datetime
    target_kind: str
    target_id: str
    actions: dict[Surface, Action]
    rule_id: str
    grounds: Grounds
    facts: dict[str, Any] = field(default_factory=dict)
    item_action: Action = Action.ALLOW
    account_action: AccountAction = AccountAction.NONE
    territorial_scope: tuple[str, ...] = ()
    expires_at: datetime | None = None
    automated_detection: bool = True
    automated_decision: bool = True
    actor: str = "policy"
    policy_version: str = ""
    narrative_id: str | None = None
    supersedes: str | None = None
    explanation: str = ""

    @property
    def severity(self) -> Action:
        """The most restrictive action this decision takes anywhere."""
        return max([self.item_action, *self.actions.values()], default=Action.ALLOW)


# --------------------------------------------------------------------------- review


@dataclass(slots=True)
class Report:
    """A notice about an item (DSA art. 16 fields), from a user, flagger or authority."""

    id: str
    at: datetime
    notifier_id: str
    notifier_kind: NotifierKind
    target_id: str
    category: str
    explanation: str = ""
    location: str = ""
    good_faith: bool = True
    legal_reference: str | None = None
    narrative_id: str | None = None


@dataclass(slots=True)
class Case:
    """Reports about one post or narrative grouped so a reviewer decides once."""

    id: str
    opened_at: datetime
    subject_kind: str
    subject_id: str
    status: CaseStatus = CaseStatus.OPEN
    report_ids: list[str] = field(default_factory=list)
    priority: float = 0.0
    priority_factors: dict[str, float] = field(default_factory=dict)
    due_at: datetime | None = None
    first_action_at: datetime | None = None
    decision_ids: list[str] = field(default_factory=list)
    assignee: str | None = None


@dataclass(slots=True)
class Appeal:
    """A complaint against a decision; decided by a reviewer other than the first."""

    id: str
    at: datetime
    decision_id: str
    appellant_id: str
    reason: str
    outcome: AppealOutcome = AppealOutcome.PENDING
    decided_at: datetime | None = None
    decided_by: str | None = None
    decision_reason: str = ""


@dataclass(slots=True)
class Crisis:
    """A declared crisis: scoped in terms, regions, languages and time; self-expiring."""

    id: str
    title: str
    declared_at: datetime
    expires_at: datetime
    terms: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    confirmed: bool = False
    proposed_by: str = "human"
    confirmed_by: str | None = None
    ended_at: datetime | None = None

    def active_at(self, t: datetime) -> bool:
        return (
            self.confirmed
            and self.declared_at <= t < self.expires_at
            and (self.ended_at is None or t < self.ended_at)
        )


@dataclass(slots=True)
class LegalHold:
    """A court order or statutory restriction turned into matching terms and places."""

    id: str
    title: str
    terms: tuple[str, ...]
    jurisdictions: tuple[str, ...]
    legal_basis: str
    starts_at: datetime
    ends_at: datetime | None = None


@dataclass(slots=True)
class AuthorityStatement:
    """A refutation or authoritative statement that narratives are matched against."""

    id: str
    at: datetime
    source: str
    text: str
    lang: str = "en"
    claim: str = ""
    url: str = ""


# --------------------------------------------------------------------------- event log


@dataclass(slots=True)
class Event:
    """One entry of the append-only moderation event log (Ozone style).

    Every decision, reversal, alert, crisis step, hold, report, case step and
    appeal is an event; current state (the gate index, a case's status) is
    derived from the log. ``seq``, ``prev_hash`` and ``hash`` are assigned by
    storage when the event is appended: the hash chains each event to the one
    before, so any edit to history is detectable (``wavebreak audit verify``).
    ``at`` is event (stream) time; ``recorded_at`` is wall-clock time of append.
    """

    kind: str
    at: datetime
    subject: str
    payload: dict[str, Any]
    actor: str = "system"
    id: str = ""
    seq: int | None = None
    recorded_at: datetime | None = None
    prev_hash: str = ""
    hash: str = ""
