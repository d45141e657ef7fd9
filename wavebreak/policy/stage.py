"""The policy stage: turns signals, narratives, crises, holds and refutations into decisions.

Cost model (why it is shaped this way): a replay pushes ~200k posts through,
but only a few percent can fire any rule. Each post rule's *required* leaves
(reachable through ``all``) become vectorised masks over the batch (numpy
comparisons of signal scores against the lowest threshold the rule could use,
label and hold masks), and the full condition runs only on candidates.
Narrative rules run when a narrative's metrics change materially (growth,
status, alert, risk band, crisis scope, a new refutation), not per post.
A decision identical to the last one issued on the same target is not
re-issued; a changed one is issued with ``supersedes`` pointing at the old one.

Covered post decisions (see docs/policy.md, "Covered post decisions"): on a
viral wave most post-level decisions repeat what the post's narrative decision
(or, for a repost, its original's decision) already makes the gate apply. Such
a decision adds nothing and is *withheld* (not issued, recorded, hashed or
stated); it is kept in memory and issued as soon as its cover stops applying
(reversed by a reviewer, expired, superseded by a weaker decision), so a
reversal of the narrative decision falls back to each post's own decision.

Outputs: ``batch.decisions`` (Decision records) and
``batch.extras["events"]`` (crisis proposals/expiry as :class:`Event`s).
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from wavebreak.core import constants as C
from wavebreak.core.records import (
    Account,
    AccountAction,
    Action,
    Crisis,
    Decision,
    Event,
    Narrative,
    Post,
    PostKind,
    Signal,
    Surface,
)
from wavebreak.narratives.text import names_mentioned
from wavebreak.pipeline.context import PipelineContext
from wavebreak.pipeline.stage import Batch
from wavebreak.policy.conditions import Leaf, Scaled, ThresholdRef, required_leaves
from wavebreak.policy.crisis import CrisisManager
from wavebreak.policy.engine import (
    Facts,
    PolicyEngine,
    author_values,
    decision_id,
    narrative_values,
    post_values,
    question_reasons,
    refuting_reasons,
    signature,
)
from wavebreak.policy.gate import ITEM_WIDE
from wavebreak.policy.holds import HoldRegistry
from wavebreak.policy.pack import PolicyPack, Rule, load_pack
from wavebreak.policy.refutations import RefutationRegistry

ISSUED_CACHE = 250_000
"""Targets whose last decision signature is remembered for dedupe (bounded memory on long replays)."""
REFUTING_PER_NARRATIVE = 2_000
"""Refuting posts remembered per narrative, to protect them when the narrative is later restricted."""


_POST: PostKind = PostKind.POST
_QUOTE: PostKind = PostKind.QUOTE
"""Post kinds compared once or twice per post, bound once (an enum member read is a Python-level
descriptor call in Python 3.11; see ``policy.engine``'s signal names)."""

_CLAIM_CONTENT_SIGNALS = ("incitement", "hate", "threat")
"""Signals besides the identity claim whose positive score makes a post count in its narrative's
content shares (the narratives stage's content flags): content the narrative is judged on."""


def claim_free_reasons(
    p: Post, signals: dict[str, Signal] | None, narrative: Narrative | None, names: Sequence[str] = ()
) -> list[str]:
    """Why an original post of a narrative does not itself carry the narrative's claim (empty: it may).

    Why: the narratives stage clusters by shared words, so a claim's narrative also collects posts
    that only share the event's words with it: news headlines ("Angleterre : attaque au couteau dans
    un club pour enfants à Marlowe Bay <link>"), vigils ("Pensées pour les familles de Marlowe Bay
    #MarloweBay"). Narrative-level rules restricted them with the claim, and the event's own terms
    ("marlowe bay", "attaque au couteau", "#marlowebay") were kept off the trends panel for 40-60 min
    while their windows were mostly such posts (simulator, eighth session). Such a post is exempt from
    its narrative's restrictions, not from its label or context note (as a question is), when all hold:

    - it is an original post: a reply, quote or repost is in the narrative because it answers,
      embeds or repeats one of its posts, not because of shared words (a quote still gets the
      embedded post's restrictions at the gate);
    - it has no identity content: the identity-claim signal (which must be there) finds neither an
      identity term nor a name in it (score below ``IDENTITY_MENTION_SCORE``, the score of a bare mention, and
      unlabelled; a negated mention, ``IDENTITY_NEGATED_SCORE``, is below it). A claim about who the
      suspect is carries such terms, and a post about the groups it targets is on its subject even
      when no detector calls it a claim ("Muslims are a threat to every child in this country and
      Marlowe Bay proves it": identity 0.35, hate 0.16; a first draft that only asked for "no
      identity claim" exempted 45 such false-claim items on simulator seed 9, 87k algorithmic views);
    - no other content signal (incitement, hate, threat below ``NARR_SIGNAL_POSITIVE``): it adds
      nothing to the shares the narrative's rules are judged on;
    - the stance model does not call it ``support`` with confidence (``POLICY_REFUTING_STANCE_MIN``);
    - it names none of the names the claim attributes (``Narrative.claimed_names``) nor any other
      name being attributed anywhere (``names``: the narratives stage's anchors), read in any casing
      or spelling (:func:`~wavebreak.narratives.text.names_mentioned`): "name him: <name>" or "<name>
      should never have been let in" carry the claim without an identity-claim signal (509 such
      false-claim items on simulator seed 8 in the seventh session), and the detector misses a name
      typed in capitals or lower case.
    """
    if narrative is None or p.kind != _POST or not p.text:
        return []
    sig = signals or {}
    ic = sig.get("identity_claim")
    if ic is None or ic.label or ic.score >= C.IDENTITY_MENTION_SCORE:
        return []  # no identity-claim signal: nothing says the post has no identity content
    pos = C.NARR_SIGNAL_POSITIVE
    for name in _CLAIM_CONTENT_SIGNALS:
        s = sig.get(name)
        if s is not None and s.score >= pos:
            return []
    stance = sig.get("stance")
    if stance is not None and stance.label == "support" and stance.score >= C.POLICY_REFUTING_STANCE_MIN:
        return []
    claimed = list(dict.fromkeys([*narrative.claimed_names, *names]))
    if names_mentioned(p.text, claimed):
        return []
    return [
        f"no identity term or name ({ic.score:.2f} < {C.IDENTITY_MENTION_SCORE})",
        f"names none of the {len(claimed)} name(s) being attributed"
        if claimed
        else "no name is attributed yet",
        "an original post (not a reply, quote or repost)",
    ]


_EXEMPTIONS: dict[str, tuple[str, str]] = {
    "question": (
        "engine.question-exemption",
        "asks about the claim of narrative {nid} ({because}) and does not assert it",
    ),
    "claim_free": (
        "engine.claim-free-exemption",
        "is in narrative {nid} but does not carry its claim ({because})",
    ),
}
"""Post kinds exempt from a narrative's restrictions but not from its label or context note
(:meth:`PolicyStage._exemption`): the rule id recorded and how the explanation says why."""


@dataclass(slots=True)
class _Cover:
    """What the gate applies to every post of a narrative (or every repost of a post) for one
    decision: enough to tell whether a post-level decision would add anything."""

    id: str
    at: datetime
    actions: dict[Surface, Action]
    item_action: Action
    scope: tuple[str, ...]
    expires_at: datetime | None

    @classmethod
    def of(cls, d: Decision) -> _Cover:
        return cls(d.id, d.at, dict(d.actions), d.item_action, tuple(d.territorial_scope), d.expires_at)

    def in_force(self, at: datetime) -> bool:
        return self.at <= at and (self.expires_at is None or self.expires_at > at)

    def on(self, surface: Surface, item_wide: bool) -> Action:
        a = self.actions.get(surface, Action.ALLOW)
        if item_wide and self.item_action in ITEM_WIDE:
            a = max(a, self.item_action)
        return a

    def covers(self, d: Decision, *, item_actions: bool, at: datetime | None = None) -> bool:
        """True when ``d`` adds nothing the gate does not already apply through this cover.

        ``item_actions``: the gate applies the cover's item action to the post too (a repost
        resolves to its original's decisions); a narrative's item action is not compared, so a
        post-level item action is always issued under a narrative cover. ``at``: when to
        judge it in force (default: the decision's own time).
        """
        if not self.in_force(at or d.at):
            return False
        if d.account_action > AccountAction.NONE or d.facts.get("refuting") or d.facts.get("holds"):
            return False
        if d.item_action > Action.ALLOW:
            if not item_actions or d.item_action > self.item_action:
                return False
            if d.item_action == Action.GEO_WITHHOLD and not set(d.territorial_scope) <= set(self.scope):
                return False
        return all(self.on(s, True) >= a for s, a in d.actions.items())


def _lru_put(d: dict[Any, Any], key: Any, value: Any, cap: int) -> None:
    """Set ``d[key]`` as most recently used (re-insertion order) and drop the oldest past ``cap``."""
    d.pop(key, None)
    d[key] = value
    if len(d) > cap:
        del d[next(iter(d))]


def _min_threshold(pack: PolicyPack, rule: Rule, leaf: Leaf, crisis_possible: bool) -> float | None:
    v = leaf.value
    if isinstance(v, ThresholdRef):
        base = pack.thresholds[v.name]
        return min(base, pack.crisis_overrides.get(v.name, base)) if crisis_possible else base
    if isinstance(v, Scaled):
        return rule.scaling.lo if rule.scaling else None
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v)
    return None


class PolicyStage:
    """Stage ``policy``: evaluate the pack on each batch and append decisions."""

    name = "policy"

    def __init__(
        self,
        pack: PolicyPack | str | Path | None = None,
        holds: HoldRegistry | None = None,
        refutations: RefutationRegistry | None = None,
        crises: CrisisManager | None = None,
        propose_crises: bool = True,
    ) -> None:
        self.pack = pack if isinstance(pack, PolicyPack) else load_pack(pack or "default")
        self.engine = PolicyEngine(self.pack)
        self.holds = holds
        self.refutations = refutations
        self.crises = crises
        self.propose_crises = propose_crises
        self._issued: OrderedDict[tuple[str, str], tuple[str, str, bool]] = OrderedDict()
        self._narr_snap: dict[str, tuple[Any, ...]] = {}
        self._refuting_by_narr: dict[str, list[tuple[str, list[str]]]] = {}
        # narrative id -> its latest decision when that one restricts a surface (LRU-capped): a
        # refuting post that joins the narrative later is protected from it on arrival
        self._restricting: dict[str, Decision] = {}
        self._refutation_version = -1
        self._crisis_key: tuple[str, ...] = ()
        self._nar_values: dict[str, dict[str, Any]] = {}  # narrative id -> its rule values, this batch
        self._proposed_for: set[str] = set()
        # cover key ("narrative"|"post", id) -> latest issued decision of that target, as a cover
        self._covers: OrderedDict[tuple[str, str], _Cover] = OrderedDict()
        # cover id -> its key in _covers (a reversal names the decision, not its key)
        self._cover_key: dict[str, tuple[str, str]] = {}
        self._revoked: set[str] = set()
        # revocations read from the log (see _check_revoked): the last seq read, the revoked
        # decision ids known (LRU-capped), and those among them that are still a cover of no
        # withheld decision (a decision withheld under one later is released at the next batch)
        self._revocation_seq = 0
        self._revoked_known: OrderedDict[str, None] = OrderedDict()
        self._dormant: set[str] = set()
        # cover key -> (id of the cover they were checked against, withheld post decisions)
        self._withheld: dict[tuple[str, str], tuple[str, list[Decision]]] = {}
        self._withheld_n = 0
        # _release visits only the withheld keys whose cover may have stopped applying (changed,
        # dropped, expired), in the order of their first filing (the order of self._withheld):
        # key -> filing number, the keys to visit next, and (expiry, filing number, key) of covers
        self._filed: dict[tuple[str, str], int] = {}
        self._filings = 0
        self._dirty: set[tuple[str, str]] = set()
        self._expiries: list[tuple[datetime, int, tuple[str, str]]] = []
        self._latest_at: datetime | None = None
        self._visit: list[tuple[int, tuple[str, str]]] | None = None
        self._visit_pos = -1
        self._last_retire: datetime | None = None  # event time of the last _retire_idle pass
        self.counts: dict[str, int] = {
            "posts_seen": 0,
            "post_candidates": 0,
            "narrative_evals": 0,
            "decisions": 0,
            "covered": 0,
            "released": 0,
            "withheld_forgotten": 0,
        }

    # ------------------------------------------------------------------ wiring

    def _wire(self, ctx: PipelineContext) -> None:
        s = ctx.services
        if self.holds is None:
            held = s.get("holds")
            self.holds = held if held is not None else HoldRegistry()
        if self.refutations is None:
            self.refutations = s.get("refutations")
        if self.crises is None:
            known = s.get("crises")
            self.crises = known if known is not None else CrisisManager(ctx.crises)
        s.setdefault("holds", self.holds)
        s.setdefault("crises", self.crises)
        if self.refutations is not None:
            s.setdefault("refutations", self.refutations)
        s.setdefault("policy", self)
        known = {c.id for c in self.crises.all()}
        for c in ctx.crises:
            if c.id not in known:
                self.crises._crises[c.id] = c
        ctx.crises = self.crises.all()

    # ------------------------------------------------------------------ main

    def process(self, batch: Batch, ctx: PipelineContext) -> None:
        self._wire(ctx)
        assert self.crises is not None and self.holds is not None
        at = batch.watermark or ctx.now or (max(p.created_at for p in batch.posts) if batch.posts else None)
        if at is None:
            return
        events: list[Event] = self.crises.expire(at)
        active = self.crises.active(at)
        crisis_key = tuple(sorted(c.id for c in active))
        crisis_changed = crisis_key != self._crisis_key
        self._crisis_key = crisis_key
        out: list[Decision] = []
        narratives = ctx.services.get("narratives")
        nar_cache: dict[str, tuple[Narrative | None, dict[str, Any] | None]] = {}

        def nar(nid: str) -> tuple[Narrative | None, dict[str, Any] | None]:
            if nid not in nar_cache:
                n = m = None
                if narratives is not None:
                    try:
                        n = narratives.get(nid)
                        m = narratives.metrics(nid)
                    except Exception:  # a narrative merged or evicted: no facts, no firing
                        n, m = None, None
                nar_cache[nid] = (n, m)
            return nar_cache[nid]

        # a narrative's facts as rule values, once per batch (every post of a wave shares them;
        # the values are read, never changed, by the rules)
        self._nar_values = {}

        for a in batch.accounts:
            if ctx.accounts.get(a.id) is None:
                ctx.accounts.put(a)

        self._retire_idle(ctx, at)
        out.extend(self._release(ctx, at))
        if batch.posts:
            out.extend(self._posts(batch, ctx, at, active, nar))
        nids = set(batch.narrative_of.values())
        if self.refutations is not None and self.refutations.version != self._refutation_version:
            self._refutation_version = self.refutations.version
            nids |= set(self._narr_snap)
            self._narr_snap = {
                k: (*v[:-1], None) for k, v in self._narr_snap.items()
            }  # force refutation re-match
        if crisis_changed:
            nids |= set(self._narr_snap)
        if (nids and self.pack.by_target["narrative"]) or (nids and self.refutations is not None):
            out.extend(self._narratives(sorted(nids), at, active, nar, events))
        if self.pack.by_target["account"]:
            out.extend(self._accounts(batch, ctx, at, active))
        batch.decisions.extend(out)
        self.counts["decisions"] += len(out)
        if events:
            batch.extras.setdefault("events", []).extend(events)
        # Not announced here: the decisions stage records them and only then calls
        # ``ctx.on_decision`` (or the pipeline does, where nothing records; see Pipeline.process).

    # ------------------------------------------------------------------ posts

    def _post_masks(
        self, batch: Batch, ctx: PipelineContext, hold_hits: list[list[str]], crisis_possible: bool
    ) -> dict[str, np.ndarray]:
        posts = batch.posts
        n = len(posts)
        score_cache: dict[str, np.ndarray] = {}
        masks: dict[str, np.ndarray] = {}
        # each post's signals, looked up once for every rule leaf below (not once per leaf and post)
        no_signals: dict[str, Signal] = {}
        sig_rows = [batch.signals.get(p.id) or no_signals for p in posts]

        def scores(name: str) -> np.ndarray:
            if name not in score_cache:
                score_cache[name] = np.fromiter(
                    ((s.score if (s := row.get(name)) is not None else -np.inf) for row in sig_rows),
                    dtype=np.float64,
                    count=n,
                )
            return score_cache[name]

        held = np.fromiter((bool(h) for h in hold_hits), dtype=bool, count=n)
        for rule in self.pack.by_target["post"]:
            m = np.ones(n, dtype=bool)
            for leaf in required_leaves(rule.node):
                f = leaf.field
                parts = f.split(".")
                if (
                    parts[0] == "signals"
                    and (len(parts) == 2 or parts[2:] == ["score"])
                    and leaf.op in (">=", ">")
                ):
                    t = _min_threshold(self.pack, rule, leaf, crisis_possible)
                    if t is not None:
                        m &= scores(parts[1]) >= t
                elif parts[0] == "signals" and parts[2:] == ["label"] and leaf.op in ("==", "in"):
                    want = {str(v).lower() for v in (leaf.value if leaf.op == "in" else (leaf.value,))}
                    m &= np.fromiter(
                        (
                            (s := row.get(parts[1])) is not None and str(s.label).lower() in want
                            for row in sig_rows
                        ),
                        dtype=bool,
                        count=n,
                    )
                elif f == "author.credibility" and leaf.op in ("==", "in"):
                    # account labels come from the batch's account signals (filled for every author)
                    want = {str(v).lower() for v in (leaf.value if leaf.op == "in" else (leaf.value,))}
                    acc = batch.account_signals
                    m &= np.fromiter(
                        (
                            (c := acc.get(p.author_id, {}).get("credibility")) is not None
                            and str(c.label).lower() in want
                            for p in posts
                        ),
                        dtype=bool,
                        count=n,
                    )
                elif f == "holds.matched" and leaf.op == "==" and leaf.value is True:
                    m &= held
                elif f == "crisis.active" and leaf.op == "==" and leaf.value is True and not crisis_possible:
                    m[:] = False
            masks[rule.id] = m
        return masks

    def _posts(
        self, batch: Batch, ctx: PipelineContext, at: datetime, active: list[Crisis], nar: Any
    ) -> list[Decision]:
        assert self.holds is not None and self.crises is not None
        posts = batch.posts
        self.counts["posts_seen"] += len(posts)
        hold_hits = self.holds.match([p.text for p in posts], at) if len(self.holds) else [[] for _ in posts]
        masks = self._post_masks(batch, ctx, hold_hits, bool(active))
        rules = self.pack.by_target["post"]
        any_mask = np.zeros(len(posts), dtype=bool)
        for m in masks.values():
            any_mask |= m
        # refuting posts in narratives are remembered too (stance/claim/authority only, cheap)
        out: list[Decision] = []
        names: list[str] | None = None

        def anchor_names() -> list[str]:
            """Names attributed anywhere (read once per batch, when a post needs them)."""
            nonlocal names
            if names is None:
                fn = getattr(ctx.services.get("narratives"), "claimed_names", None)
                names = list(fn()) if callable(fn) else []
            return names

        acc_by_id = {a.id: a for a in batch.accounts}
        for i in range(len(posts)):
            p = posts[i]
            sigs = batch.signals.get(p.id)
            nid = batch.narrative_of.get(p.id)
            if not any_mask[i] and nid is None:
                continue
            account = p.author or acc_by_id.get(p.author_id) or ctx.accounts.get(p.author_id)
            asigs = batch.account_signals.get(p.author_id)
            refuting = refuting_reasons(sigs, account, asigs, quote=p.kind == _QUOTE)
            # a question about its narrative's claim is exempt from the narrative's restrictions
            question = question_reasons(sigs) if nid is not None and not refuting else []
            # so is a post that only shares the event's words with the claim (claim_free_reasons)
            free = (
                claim_free_reasons(p, sigs, nar(nid)[0], anchor_names())
                if nid is not None and not refuting and not question and p.kind == _POST
                else []
            )
            d = None
            if any_mask[i]:
                self.counts["post_candidates"] += 1
                d = self._decide_post(
                    p,
                    sigs,
                    account,
                    asigs,
                    refuting,
                    nid,
                    hold_hits[i],
                    at,
                    active,
                    masks,
                    i,
                    rules,
                    nar,
                    question,
                    free,
                )
                if d is not None:
                    out.append(d)
            if nid is not None and (refuting or question or free) and d is None:
                # Only a post without a decision of its own gets a separate protection/exemption
                # decision: the post's own decision already carries ``refuting``/``question``/
                # ``claim_free`` for the gate, and a second decision on the same target would supersede
                # it (a refuting post's incitement or hate restriction was replaced by the bare protection).
                kind = "refuting" if refuting else "question" if question else "claim_free"
                reasons = refuting or question or free
                self._remember_refuting(nid, p.id, reasons, kind)
                out.extend(self._protect_late(nid, p.id, reasons, at, kind))
        return out

    def _protect_late(
        self, nid: str, pid: str, reasons: list[str], at: datetime, kind: str = "refuting"
    ) -> list[Decision]:
        """Protect a refuting post that arrives after its narrative was restricted.

        Why: protections used to be issued only when the narrative's decision was (re)issued, so a
        refutation posted after that point was restricted with the claim it refutes until the
        narrative changed materially (the simulator counted 31 protected of 626 refuting posts).
        """
        nd = self._restricting.get(nid)
        if nd is None:
            return []
        cover = self._covers.get(("narrative", nid))
        if cover is None or cover.id != nd.id or not cover.in_force(at):
            return []
        return self._protect_refuting(nid, nd, at, [(pid, reasons, kind)])

    def _decide_post(
        self,
        p: Post,
        sigs: dict[str, Signal] | None,
        account: Account | None,
        asigs: dict[str, Signal] | None,
        refuting: list[str],
        nid: str | None,
        hold_ids: list[str],
        at: datetime,
        active: list[Crisis],
        masks: dict[str, np.ndarray],
        i: int,
        rules: list[Rule],
        nar: Any,
        question: list[str] | None = None,
        free: list[str] | None = None,
    ) -> Decision | None:
        assert self.holds is not None and self.crises is not None
        values = post_values(p, sigs, bool(refuting))
        values.update(author_values(account, asigs))
        if nid is not None:
            nv = self._nar_values.get(nid)
            if nv is None:
                nv = self._nar_values[nid] = narrative_values(*nar(nid))
            values.update(nv)
            values.setdefault("narrative.id", nid)
        values["holds.matched"] = bool(hold_ids)
        if hold_ids:
            values["holds.ids"] = list(hold_ids)
            values["holds.jurisdictions"] = list(self.holds.jurisdictions(hold_ids))
        crisis = None
        if active:
            crisis = self.crises.covering(at, p.text, values.get("post.region"), values.get("post.lang"))
            if crisis is None and nid is not None:
                crisis = self._post_in_narrative_crisis(nid, values.get("post.region"), at, active, nar)
        facts = Facts(self.pack, values, sigs, crisis)
        hits = self.engine.evaluate([r for r in rules if masks[r.id][i]], facts, bool(refuting))
        extra: dict[str, Any] = {}
        if crisis is not None:
            extra["crisis"] = crisis.id
        if hold_ids:
            extra["holds"] = self.holds.application(hold_ids)
        if account is not None:
            extra["author_followers"] = account.followers
        if question:
            extra["question"] = True
            extra["question_reasons"] = list(question)
        if free:
            extra["claim_free"] = True
            extra["claim_free_reasons"] = list(free)
        d = self.engine.decide(
            "post",
            p.id,
            hits,
            at,
            refuting=refuting,
            narrative_id=nid,
            hold_jurisdictions=self.holds.jurisdictions(hold_ids),
            extra_facts=extra,
        )
        if d is None:
            return None
        if self._withhold(d, p, nid, bool(refuting) or bool(question) or bool(free)):
            return None
        d = self._issue(d)
        if d is not None and crisis is not None:
            self.crises.record(crisis.id, d, account.followers if account else 0)
        return d

    def _post_in_narrative_crisis(
        self, nid: str, region: str | None, at: datetime, active: list[Crisis], nar: Any
    ) -> Crisis | None:
        """The crisis covering the post's narrative, when the post's own text names none of its terms.

        Why: a crisis is scoped by terms to find its conversation, and replies in that conversation
        rarely repeat the terms ("@organiser I'll be there. Bringing the lads. Seaview Hotel tonight"
        answers a call to riot without naming the town or the suspect). The narratives stage has
        already placed such a post in a narrative the crisis covers (the check the stage applies to
        narrative rules), so the crisis thresholds apply to it as to the posts that name the terms.
        A crisis restricted to regions still only covers posts from those regions.
        """
        crisis = self._narrative_crisis(*nar(nid), at, active)
        if crisis is not None and crisis.regions and region and region.upper() not in crisis.regions:
            return None
        return crisis

    # ------------------------------------------------------------------ covered post decisions

    def _cover_of(self, d: Decision, p: Post, nid: str | None, refuting: bool) -> tuple[str, str] | None:
        """The key of the in-force decision that already makes the gate apply everything ``d``
        would (a repost's original first, then the post's narrative), or None."""
        if refuting:
            # the gate skips narrative restrictions for refuting posts and questions (``d.facts``
            # says which): their own decisions must stand
            return None
        if p.repost_of and p.kind == PostKind.REPOST:
            key = ("post", p.repost_of)
            c = self._covers.get(key)
            if c is not None and c.covers(d, item_actions=True):
                return key
        if nid is not None:
            key = ("narrative", nid)
            c = self._covers.get(key)
            if c is not None and c.covers(d, item_actions=False):
                return key
        return None

    def _withhold(self, d: Decision, p: Post, nid: str | None, refuting: bool) -> bool:
        """Keep ``d`` back when it adds nothing to its cover (bounded: past the bound it is issued)."""
        key = self._cover_of(d, p, nid, refuting)
        if key is None or self._withheld_n >= C.POLICY_WITHHELD_MAX:
            return False
        cover = self._covers[key]
        entry = self._withheld.get(key)
        if entry is None:
            self._file(key, cover, [d])
        else:  # if filed under an older cover, _release re-checks the whole list next batch
            entry[1].append(d)
        self._withheld_n += 1
        self.counts["covered"] += 1
        return True

    def _file(self, key: tuple[str, str], cover: _Cover, lst: list[Decision]) -> None:
        """File withheld decisions under ``cover`` (the current cover of ``key``)."""
        if key not in self._withheld:
            self._filings += 1
            self._filed[key] = self._filings
        self._withheld[key] = (cover.id, lst)
        if cover.expires_at is not None:
            heapq.heappush(self._expiries, (cover.expires_at, self._filed[key], key))

    def _touch(self, key: tuple[str, str]) -> None:
        """The cover of ``key`` changed or was dropped: its withheld decisions are looked at again
        (in this pass of _release when their turn is still to come, as a full scan would)."""
        n = self._filed.get(key)
        if n is None:
            return
        if self._visit is not None and n > self._visit_pos:
            heapq.heappush(self._visit, (n, key))
        else:
            self._dirty.add(key)

    def _set_cover(self, key: tuple[str, str], d: Decision) -> None:
        old = self._covers.get(key)
        if old is not None:
            self._cover_key.pop(old.id, None)
            self._dormant.discard(old.id)
        self._covers[key] = _Cover.of(d)
        self._covers.move_to_end(key)
        self._cover_key[d.id] = key
        if d.id in self._revoked_known:
            self._dormant.add(d.id)
        self._touch(key)
        if len(self._covers) > ISSUED_CACHE:
            self._drop_cover(next(iter(self._covers)))

    def _drop_cover(self, key: tuple[str, str]) -> None:
        c = self._covers.pop(key)
        self._cover_key.pop(c.id, None)
        self._dormant.discard(c.id)
        self._touch(key)

    def _check_revoked(self, ctx: PipelineContext) -> None:
        """Drop covers a reviewer has reversed (read from storage: reversals happen outside this stage).

        Only covers of withheld decisions matter; a reversed cover of none stays (it covers by
        time and actions, as before) until a decision is withheld under it, then it is dropped."""
        storage = ctx.storage
        if storage is None:
            return
        since = getattr(storage, "revocations_since", None)
        if since is None:
            self._check_revoked_each(storage)
            return
        ids, self._revocation_seq = since(self._revocation_seq)
        for i in ids:
            self._revoked_known[i] = None
            self._revoked_known.move_to_end(i)
            if len(self._revoked_known) > ISSUED_CACHE:
                self._dormant.discard(self._revoked_known.popitem(last=False)[0])
            if i in self._cover_key:
                self._dormant.add(i)
        revoked = {
            i for i in self._dormant if (k := self._cover_key.get(i)) is not None and k in self._withheld
        }
        if not revoked:
            return
        self._dormant -= revoked
        self._revoked |= revoked
        for i in revoked:
            self._drop_cover(self._cover_key[i])

    def _check_revoked_each(self, storage: Any) -> None:
        """:meth:`_check_revoked` for a storage that cannot list revocations: ask about every cover
        of a withheld decision."""
        ids = {c.id for k in self._withheld if (c := self._covers.get(k)) is not None}
        if not ids:
            return
        fn = getattr(storage, "revoked_among", None)
        if fn is not None:
            revoked = set(fn(sorted(ids)))
        else:
            one = getattr(storage, "decision_revoked_at", None)
            revoked = {i for i in ids if one is not None and one(i) is not None}
        if not revoked:
            return
        self._revoked |= revoked
        for k in [k for k, c in self._covers.items() if c.id in revoked]:
            self._drop_cover(k)

    def _release(self, ctx: PipelineContext, at: datetime) -> list[Decision]:
        """Issue withheld post decisions whose cover no longer applies (reversed, expired,
        superseded by a decision that does less); re-file the others under the current cover.

        Visits only the keys whose cover changed, was dropped or expired since they were last
        looked at (all of them if stream time went back), in filing order: the same keys, in the
        same order, that a scan of every withheld key would act on."""
        # every cover starts at or before the latest batch time seen, so while stream time does
        # not go back none can be "not in force yet"; when it does, every key is looked at
        back = self._latest_at is not None and at < self._latest_at
        if self._latest_at is None or at > self._latest_at:
            self._latest_at = at
        if not self._withheld:
            return []
        self._check_revoked(ctx)
        if back:
            self._dirty.update(self._withheld)
        exp = self._expiries
        while exp and exp[0][0] <= at:
            _, n, key = heapq.heappop(exp)
            if self._filed.get(key) == n:
                self._dirty.add(key)
        visit = [(self._filed[k], k) for k in self._dirty if k in self._filed]
        self._dirty = set()
        heapq.heapify(visit)
        self._visit, self._visit_pos = visit, -1
        out: list[Decision] = []
        try:
            while visit:
                n, key = heapq.heappop(visit)
                if n <= self._visit_pos or self._filed.get(key) != n:
                    continue
                self._visit_pos = n
                self._release_key(key, at, out)
        finally:
            self._visit, self._visit_pos = None, -1
        self.counts["released"] += len(out)
        return out

    def _release_key(self, key: tuple[str, str], at: datetime, out: list[Decision]) -> None:
        checked, lst = self._withheld[key]
        cover = self._covers.get(key)
        if cover is not None and cover.id == checked and cover.in_force(at):
            return
        keep: list[Decision] = []
        for d in lst:
            if d.expires_at is not None and d.expires_at <= at:
                continue  # would have expired by now anyway
            if (
                cover is not None
                and cover.in_force(at)
                and cover.covers(d, item_actions=key[0] == "post", at=at)
            ):
                keep.append(d)
                continue
            why = (
                "was reversed"
                if checked in self._revoked
                else "no longer applies (expired or superseded by a decision that does less)"
            )
            d.facts["withheld"] = {
                "covered_by": checked,
                "evaluated_at": d.at.isoformat(),
                "released_because": why,
            }
            d.explanation += (
                f" (Evaluated at {d.at.isoformat()}; withheld while {key[0]} decision {checked} "
                f"applied the same restrictions; issued because that decision {why}.)"
            )
            d.at = at
            if (issued := self._issue(d)) is not None:
                out.append(issued)
        self._withheld_n -= len(lst) - len(keep)
        if keep and cover is not None:  # (kept only under a cover in force at ``at``)
            self._file(key, cover, keep)
        else:
            del self._withheld[key]
            del self._filed[key]

    def _remember_refuting(self, nid: str, pid: str, reasons: list[str], kind: str = "refuting") -> None:
        """Remember a refuting post (``kind`` "refuting"), a question ("question") or a post that does
        not carry the claim ("claim_free") of a narrative."""
        lst = self._refuting_by_narr.get(nid)
        if lst is None:
            lst = []
            _lru_put(self._refuting_by_narr, nid, lst, C.POLICY_NARRATIVE_STATE_MAX)
        if len(lst) < REFUTING_PER_NARRATIVE:
            lst.append((pid, reasons, kind))

    # ------------------------------------------------------------------ narratives

    def _snapshot(
        self, n: Narrative | None, m: dict[str, Any] | None, crisis: Crisis | None
    ) -> tuple[Any, ...]:
        g = (m or {}).get
        posts = g("posts", n.posts_total if n else 0) or 0
        accounts = g("accounts", n.accounts_total if n else 0) or 0
        reach = g("reach", n.reach_total if n else 0) or 0
        risk = float(n.risk if n else g("risk", 0.0) or 0.0)
        status = str(n.status) if n else ""
        alerted = bool(n.alerted_at) if n else bool(g("alerted", False))
        refuted = tuple(n.refuted_by) if n else ()
        return (posts, accounts, reach, risk, status, alerted, refuted, crisis.id if crisis else None, True)

    def _material(self, old: tuple[Any, ...] | None, new: tuple[Any, ...]) -> bool:
        if old is None or old[-1] is None:
            return True
        for k in range(3):
            if new[k] > old[k] * (1 + C.POLICY_NARRATIVE_REEVAL_GROWTH) and new[k] > old[k]:
                return True
        if abs(new[3] - old[3]) >= C.POLICY_NARRATIVE_REEVAL_RISK_DELTA:
            return True
        return new[4:8] != old[4:8]

    def _narrative_crisis(
        self, n: Narrative | None, m: dict[str, Any] | None, at: datetime, active: list[Crisis]
    ) -> Crisis | None:
        assert self.crises is not None
        if not active:
            return None
        kws = list(n.keywords) + list(n.entities) if n else []
        langs = set(((m or {}).get("languages") or {}) or (n.languages if n else {}))
        for c in active:
            if c.languages and langs and not (langs & set(c.languages)):
                continue
            if n is None and c.terms:
                continue
            if self.crises.covers_narrative(c, kws, n.title if n else ""):
                return c
        return None

    def _narratives(
        self, nids: list[str], at: datetime, active: list[Crisis], nar: Any, events: list[Event]
    ) -> list[Decision]:
        assert self.crises is not None
        out: list[Decision] = []
        to_match: list[Narrative] = []
        staged: list[tuple[str, Narrative | None, dict[str, Any] | None, Crisis | None]] = []
        for nid in nids:
            n, m = nar(nid)
            crisis = self._narrative_crisis(n, m, at, active)
            old = self._narr_snap.get(nid)
            if n is not None and self.refutations is not None and (old is None or old[-1] is None):
                to_match.append(n)
            staged.append((nid, n, m, crisis))
        if to_match and self.refutations is not None and len(self.refutations):
            self.refutations.match_narratives(to_match, at=at)
        for nid, n, m, crisis in staged:
            snap = self._snapshot(n, m, crisis)
            old = self._narr_snap.get(nid)
            if not self._material(old, snap):
                continue
            _lru_put(self._narr_snap, nid, snap, C.POLICY_NARRATIVE_STATE_MAX)
            if self.propose_crises and n is not None:
                ev = self._maybe_propose(n, m, at, active)
                if ev is not None:
                    events.append(ev)
            if n is None and not m:
                continue
            self.counts["narrative_evals"] += 1
            values = narrative_values(n, m)
            values.setdefault("narrative.id", nid)
            rs, ics = values.get("narrative.refuting_share"), values.get("narrative.identity_claim_share")
            if isinstance(rs, int | float) and isinstance(ics, int | float):
                # counter-speech: more of its posts refute the claim than assert it (the narratives
                # stage keeps such a story apart from the claim on the same test, ``_consolidate``)
                values["narrative.counter_speech"] = rs > ics
            title = n.title if n else ""
            kw = list(n.keywords) if n else []
            if self.holds is not None and len(self.holds):
                hh = self.holds.match([" ".join([title, *kw])], at)[0]
                values["holds.matched"] = bool(hh)
                if hh:
                    values["holds.ids"] = hh
            else:
                values["holds.matched"] = False
            values.setdefault("claim.matched", False)
            facts = Facts(self.pack, values, None, crisis)
            hits = self.engine.evaluate(self.pack.by_target["narrative"], facts)
            if not any(h.effective for h in hits):
                continue  # nothing applies (the engine would decide None): skip the facts' copy
            extra: dict[str, Any] = {"narrative_metrics": _jsonable_metrics(m)}
            if crisis is not None:
                extra["crisis"] = crisis.id
            if n is not None and n.refuted_by and self.refutations is not None:
                st = self.refutations.get(n.refuted_by[0])
                if st is not None:
                    extra["refutation"] = {"statement_id": st.id, "source": st.source, "url": st.url}
            d = self.engine.decide("narrative", nid, hits, at, narrative_id=nid, extra_facts=extra)
            if d is None:
                continue
            d = self._issue(d)
            if d is None:
                continue
            out.append(d)
            if crisis is not None:
                self.crises.record(crisis.id, d, int((m or {}).get("reach", n.reach_total if n else 0) or 0))
            if any(a.restrictive for a in d.actions.values()):
                _lru_put(self._restricting, nid, d, C.POLICY_NARRATIVE_STATE_MAX)
                out.extend(self._protect_refuting(nid, d, at))
            else:
                self._restricting.pop(nid, None)
        return out

    def _protect_refuting(
        self,
        nid: str,
        narrative_decision: Decision,
        at: datetime,
        posts: list[tuple[str, list[str], str]] | None = None,
    ) -> list[Decision]:
        """Record, per refuting post or question of a restricted narrative (all remembered ones, or
        ``posts``), that the restriction does not apply to it."""
        out = []
        for pid, reasons, kind in self._refuting_by_narr.get(nid, []) if posts is None else posts:
            issued = self._issue(self._exemption(kind, nid, narrative_decision, at, pid, reasons))
            if issued is not None:
                out.append(issued)
        return out

    def _exemption(
        self, kind: str, nid: str, narrative_decision: Decision, at: datetime, pid: str, reasons: list[str]
    ) -> Decision:
        """The post decision that keeps a narrative's restrictions off one of its posts.

        ``kind`` "refuting": it refutes the claim, so none of the narrative's actions apply and it
        may be shown as context (``engine.refutation-protection``). "question": it asks about the
        claim, so the narrative's restrictions do not apply, its label or context note does
        (``engine.question-exemption``, ``engine.question_reasons``). "claim_free": it shares the
        narrative's words but not its claim, so likewise only the label or context note applies
        (``engine.claim-free-exemption``, :func:`claim_free_reasons`)."""
        rule = narrative_decision.rule_id
        because = "; ".join(reasons)
        exempt = _EXEMPTIONS.get(kind)
        if exempt is not None:
            rule_id, why = exempt
            facts: dict[str, Any] = {
                "rules": [rule_id],
                kind: True,
                f"{kind}_reasons": reasons,
                "exempt_from": {rule: {"narrative": nid}},
            }
            explanation = (
                f"post {pid} {why.format(nid=nid, because=because)}: the narrative's restrictions "
                f"({rule}) do not apply to it; its label or context note does."
            )
        else:
            rule_id = "engine.refutation-protection"
            facts = {
                "rules": [rule_id],
                "refuting": True,
                "boost_as_context": True,
                "refuting_reasons": reasons,
                "protected_from": {rule: {"narrative": nid}},
            }
            explanation = (
                f"post {pid} refutes the claim of narrative {nid} ({because}): the "
                f"narrative's restrictions ({rule}) do not apply to it; "
                "it may be shown as context."
            )
        return Decision(
            id="",
            at=at,
            target_kind="post",
            target_id=pid,
            actions={},
            rule_id=rule_id,
            grounds=narrative_decision.grounds,
            facts=facts,
            policy_version=self.pack.version_id,
            narrative_id=nid,
            explanation=explanation,
        )

    def _maybe_propose(
        self, n: Narrative, m: dict[str, Any] | None, at: datetime, active: list[Crisis]
    ) -> Event | None:
        assert self.crises is not None
        if n.id in self._proposed_for or self._narrative_crisis(n, m, at, active) is not None:
            return None
        g = (m or {}).get
        z = float(g("zscore", 0.0) or 0.0)
        accounts = int(g("accounts", n.accounts_total) or 0)
        burst = n.alerted_at is not None or z >= C.CRISIS_PROPOSE_MIN_ZSCORE
        if not burst or n.risk < C.CRISIS_PROPOSE_MIN_RISK or accounts < C.CRISIS_PROPOSE_MIN_ACCOUNTS:
            return None
        if any(self.crises.covers_narrative(c, n.keywords, n.title) for c in self.crises.pending()):
            return None
        self._proposed_for.add(n.id)
        langs = sorted((g("languages") or n.languages or {}).keys())
        _, ev = self.crises.propose(
            title=f"Proposed: {n.title}"[:200],
            at=at,
            terms=[k for k in n.keywords[:6] if len(k) >= 3],
            languages=langs[:5],
            by="wavebreak",
            evidence={
                "narrative_id": n.id,
                "risk": round(n.risk, 3),
                "zscore": round(z, 2),
                "accounts": accounts,
            },
        )
        return ev

    # ------------------------------------------------------------------ accounts

    def _accounts(
        self, batch: Batch, ctx: PipelineContext, at: datetime, active: list[Crisis]
    ) -> list[Decision]:
        ids = set(batch.account_signals) | {a.id for a in batch.accounts}
        out = []
        for aid in sorted(ids):
            acc = ctx.accounts.get(aid)
            values = author_values(acc, batch.account_signals.get(aid))
            values.update({k.replace("author.", "account.", 1): v for k, v in list(values.items())})
            crisis = None
            if active:
                crisis = self.crises.covering(at, None, acc.region if acc else None) if self.crises else None
            facts = Facts(self.pack, values, None, crisis)
            hits = self.engine.evaluate(self.pack.by_target["account"], facts)
            d = self.engine.decide("account", aid, hits, at)
            if d is not None and (d := self._issue(d)) is not None:
                out.append(d)
        return out

    # ------------------------------------------------------------------ retirement

    def _retire_idle(self, ctx: PipelineContext, at: datetime) -> None:
        """Hourly (event time): forget per-target state of targets whose story has ended, and
        withheld post decisions past ``POLICY_WITHHELD_RETIRE_AFTER_H`` (:meth:`_forget_withheld`).

        A target's story has ended when its narrative (for a post: the narrative the narratives
        stage remembers it in; a post it no longer remembers counts as ended) has been silent for
        ``POLICY_STATE_RETIRE_AFTER_H``, so the narratives stage has archived it and no new post
        can join it. Retired then, when its last decision is also that old: the dedupe signature
        (``_issued``), the cover and the narrative's last evaluated snapshot; the refuting posts
        and restricting decision remembered for late protection (``_refuting_by_narr``,
        ``_restricting``). Before, these were bounded only by count (250k targets, 40k narratives
        with up to 2,000 refuting posts each), which a long stream fills over millions of posts.

        Kept: a target with withheld post decisions keeps its cover (they wait for its reversal or
        expiry, at most ``POLICY_WITHHELD_RETIRE_AFTER_H``), and account targets (no cover;
        count-bounded).
        What changes: a repost of a post decided over two days earlier is decided on its own (no
        cover to withhold it under), and a target decided again after retirement gets a decision
        without ``supersedes``. The storage keeps every decision, so nothing recorded is lost.
        """
        last = self._last_retire
        if last is not None and last <= at < last + timedelta(hours=1):
            return
        self._last_retire = at
        self._forget_withheld(at - timedelta(hours=C.POLICY_WITHHELD_RETIRE_AFTER_H))
        narratives = ctx.services.get("narratives")
        if narratives is None:
            return
        cutoff = at - timedelta(hours=C.POLICY_STATE_RETIRE_AFTER_H)
        narrative_of = getattr(narratives, "narrative_of", None)
        ended: dict[str, bool] = {}

        def has_ended(nid: str | None) -> bool:
            if nid is None:
                return True
            e = ended.get(nid)
            if e is None:
                try:
                    n = narratives.get(nid)
                except Exception:  # a narratives service that cannot answer: nothing ends
                    n, e = None, False
                if e is None:
                    e = n is None or n.last_seen < cutoff
                ended[nid] = e
            return e

        retire: list[tuple[str, str]] = []
        for key in self._issued:  # oldest issue first (moved to the end when issued again)
            c = self._covers.get(key)
            if c is None:
                continue  # an account target, or a cover already dropped: count-bounded
            if c.at >= cutoff:
                break
            if key in self._withheld:
                continue
            kind, tid = key
            if kind == "narrative":
                nid: str | None = tid
            elif narrative_of is not None:
                nid = narrative_of(tid)
            else:
                continue  # a service that cannot place posts: post targets never end
            if has_ended(nid):
                retire.append(key)
        for key in retire:
            del self._issued[key]
            self._drop_cover(key)
            if key[0] == "narrative":
                self._narr_snap.pop(key[1], None)
        for table in (self._refuting_by_narr, self._restricting):
            for nid in [n for n in table if has_ended(n)]:
                del table[nid]

    def _forget_withheld(self, cutoff: datetime) -> None:
        """Forget withheld post decisions evaluated before ``cutoff`` (``POLICY_WITHHELD_RETIRE_AFTER_H``).

        Why: they were bounded only by count (``POLICY_WITHHELD_MAX``), which a long replay fills
        over millions of posts (~150 MB at the cap), so memory grew with the stream's length, not
        its recent days. Forgotten, one is neither issued nor kept: its cover (still in the gate)
        goes on applying everything it would; what is lost is its release if that cover is later
        reversed or expires, i.e. a post-level decision issued days after the post. Each list is in
        evaluation order (appended as decided, re-filed in order), so the forgotten ones are a prefix.
        A key left with nothing withheld is then retired like any other (same pass, below).
        """
        gone: list[tuple[str, str]] = []
        forgotten = 0
        for key, (_checked, lst) in self._withheld.items():
            n = 0
            while n < len(lst) and lst[n].at < cutoff:
                n += 1
            if n:
                del lst[:n]
                forgotten += n
                if not lst:
                    gone.append(key)
        for key in gone:
            del self._withheld[key]
            del self._filed[key]  # its expiry and visit entries are skipped from now on (filing gone)
        self._withheld_n -= forgotten
        self.counts["withheld_forgotten"] += forgotten

    # ------------------------------------------------------------------ dedupe

    def _issue(self, d: Decision) -> Decision | None:
        key = (d.target_kind, d.target_id)
        sig = signature(d)
        prev = self._issued.get(key)
        if prev is not None and prev[0] == sig:
            return None
        d.id = decision_id(d.target_kind, d.target_id, sig, d.at)
        if prev is not None:
            d.supersedes = prev[1]
        self._issued[key] = (sig, d.id, True)
        self._issued.move_to_end(key)
        if len(self._issued) > ISSUED_CACHE:
            self._issued.popitem(last=False)
        if d.target_kind in ("narrative", "post"):
            self._set_cover(key, d)
        return d

    def close(self, ctx: PipelineContext) -> None:
        """Nothing buffered: every decision was appended to its batch."""


def _jsonable_metrics(m: dict[str, Any] | None) -> dict[str, Any]:
    if not m:
        return {}
    out: dict[str, Any] = {}
    for k, v in m.items():
        if isinstance(v, int | float | str | bool) or v is None:
            out[k] = round(v, 4) if isinstance(v, float) else v
        elif isinstance(v, dict):
            out[k] = {str(a): b for a, b in v.items() if isinstance(b, int | float | str | bool)}
    return out


def run_policy(
    pack: PolicyPack | str | Path, batches: Iterable[Batch], ctx: PipelineContext | None = None, **kw: Any
) -> list[Decision]:
    """Run the policy stage alone over prepared batches (signals and narratives already filled)."""
    stage = PolicyStage(pack, **kw)
    ctx = ctx or PipelineContext()
    out: list[Decision] = []
    for b in batches:
        stage.process(b, ctx)
        out.extend(b.decisions)
    return out


__all__ = ["PolicyStage", "run_policy"]
