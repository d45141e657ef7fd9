"""The gate: what a surface may do with a list of items, for one viewer region, right now.

Why a library object and not an HTTP handler: trends, search, recommendations
and notifications call it in their hot path (target p99 < 10 ms for 100 items),
and the HTTP API is a thin layer over it. So the gate answers from memory:

- decisions are fetched from storage in ONE batched ``decisions_for`` call for
  the ids not cached (items, their narratives and authors), cached for
  ``GATE_CACHE_TTL_S``; the pipeline can also push decisions in as they are
  made (:meth:`Gate.observe`, e.g. as a ``ctx.on_decision`` listener);
- post metadata (author, text for legal-hold matching) is fetched once per post
  with one batched ``get_posts`` call and kept in a bounded LRU;
- post → narrative comes from decisions that carry ``narrative_id``, from
  ``storage.narratives_of`` when the backend offers it, else from an index of
  the narratives that have decisions, rebuilt at most every TTL.

Combining for an item on a surface: post decisions, narrative decisions (not
for a post that refutes the narrative's claim: refutation protection; only their
labels and context notes for a post that asks about it: question exemption, or for an
original post that carries none of its claim: claim-free exemption), the
surface restrictions of the post a quote embeds (its own and its narrative's; not
for a quote that refutes or asks),
account decisions of its author and legal holds (geo-withheld for a viewer in
the hold's jurisdictions, out of trends and search everywhere). The most
severe action wins; the result names the decision (or hold) and rule behind it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wavebreak.core import constants as C
from wavebreak.core.records import Action, Decision, Surface
from wavebreak.policy.holds import HoldRegistry, fold

ITEM_WIDE = (Action.LABEL, Action.CONTEXT_NOTE, Action.INTERSTITIAL, Action.HOLD_FOR_REVIEW, Action.REMOVE)
"""Item actions that apply on every surface (geo_withhold applies per viewer region)."""
HOLD_SURFACES = (Surface.TRENDS, Surface.SEARCH)
POST_CACHE = 200_000
NARRATIVE_INDEX_LIMIT = 2_000
"""Narratives (highest risk first) scanned for decisions when the backend cannot map post → narrative."""
_SOURCE_RANK = {"post": 3, "hold": 2, "narrative": 1, "quoted": 1, "account": 0}


@dataclass(slots=True)
class GateResult:
    """What one item may get on one surface, and why."""

    item_id: str
    action: Action
    reason_id: str | None = None
    rule_id: str | None = None
    explanation: str = ""
    surface: Surface | None = None
    boost_as_context: bool = False
    sources: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "action": self.action.slug,
            "reason_id": self.reason_id,
            "rule_id": self.rule_id,
            "explanation": self.explanation,
            "surface": self.surface.value if self.surface else None,
            "boost_as_context": self.boost_as_context,
            "sources": self.sources,
        }


@dataclass(slots=True)
class _PostMeta:
    author_id: str | None
    text: str
    """Folded text (see holds.fold), matched against legal holds on every call."""
    narrative_id: str | None = None
    repost_of: str | None = None
    """A pure repost shows its original: the original's post decisions apply to it too."""
    quote_of: str | None = None
    """A quote embeds the quoted post: what a surface may not show of it, it may not show embedded."""


def _utc(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _original(p: Any) -> str | None:
    """The original a pure repost shows (quotes and replies add their own words: not resolved)."""
    orig = getattr(p, "repost_of", None)  # lightweight post views (API cache) may not carry it
    return orig if orig and str(getattr(p, "kind", "")) == "repost" else None


def _quoted(p: Any) -> str | None:
    """The post a quote embeds (None for anything else)."""
    q = getattr(p, "quote_of", None)
    return q if q and str(getattr(p, "kind", "")) == "quote" else None


def shown_post(p: Any) -> str | None:
    """The other post an item shows, whose decisions therefore reach it: a pure repost's original or
    a quote's quoted post (None for anything else)."""
    return _original(p) or _quoted(p)


def _active(d: Decision, at: datetime) -> bool:
    exp = d.expires_at
    return exp is None or (exp if exp.tzinfo else exp.replace(tzinfo=UTC)) > at


class Gate:
    """Answers ``decide`` and ``vet_trends`` from an in-memory index refreshed from storage."""

    def __init__(
        self,
        storage: Any | None = None,
        holds: HoldRegistry | None = None,
        *,
        ttl: float = C.GATE_CACHE_TTL_S,
        clock: Callable[[], float] = time.monotonic,
        narrative_of: Callable[[Sequence[str]], dict[str, str]] | None = None,
    ) -> None:
        self.storage = storage
        self.holds = holds if holds is not None else HoldRegistry()
        self.ttl = ttl
        self.clock = clock
        self._narrative_of_fn = narrative_of or getattr(storage, "narratives_of", None)
        self._decisions: dict[str, tuple[float, list[Decision]]] = {}
        self._pushed: dict[str, list[Decision]] = {}
        self._posts: OrderedDict[str, _PostMeta] = OrderedDict()
        self._narr_index: dict[str, str] = {}
        self._narr_index_at = -1e18
        self._no_narr: dict[str, float] = {}
        self.stats = {"decision_queries": 0, "post_queries": 0, "index_rebuilds": 0}

    # ------------------------------------------------------------------ feeding

    def observe(self, decisions: Iterable[Decision]) -> None:
        """Push decisions as they are made (pipeline listener): no storage round trip needed."""
        for d in decisions:
            lst = self._pushed.setdefault(d.target_id, [])
            if d.supersedes:
                lst[:] = [x for x in lst if x.id != d.supersedes]
            lst.append(d)
            if d.target_kind == "post" and d.narrative_id:
                meta = self._posts.get(d.target_id)
                if meta is not None:
                    meta.narrative_id = d.narrative_id
                else:
                    self._narr_index[d.target_id] = d.narrative_id

    def link(
        self,
        post_id: str,
        narrative_id: str | None = None,
        author_id: str | None = None,
        text: str = "",
        repost_of: str | None = None,
        quote_of: str | None = None,
    ) -> None:
        """Tell the gate what it cannot look up (tests, or a pipeline feeding it directly)."""
        self._posts[post_id] = _PostMeta(author_id, fold(text), narrative_id, repost_of, quote_of)
        if narrative_id:
            self._narr_index[post_id] = narrative_id

    def invalidate(self) -> None:
        """Forget cached lookups (the next call reads storage again)."""
        self._decisions.clear()
        self._no_narr.clear()
        self._narr_index_at = -1e18

    # ------------------------------------------------------------------ lookups

    def _post_meta(self, ids: Sequence[str]) -> dict[str, _PostMeta]:
        missing = [i for i in ids if i not in self._posts]
        if missing and self.storage is not None:
            self.stats["post_queries"] += 1
            found = {p.id: p for p in self.storage.get_posts(missing)}
            for i in missing:
                p = found.get(i)
                self._posts[i] = (
                    _PostMeta(p.author_id, fold(p.text), None, _original(p), _quoted(p))
                    if p is not None
                    else _PostMeta(None, "")
                )
            while len(self._posts) > POST_CACHE:
                self._posts.popitem(last=False)
        return {i: self._posts[i] for i in ids if i in self._posts}

    def _rebuild_narr_index(self) -> None:
        now = self.clock()
        if self.storage is None or now - self._narr_index_at < self.ttl:
            return
        self._narr_index_at = now
        self.stats["index_rebuilds"] += 1
        nids = [n.id for n in self.storage.list_narratives(limit=NARRATIVE_INDEX_LIMIT)]
        decided = {d.target_id for d in self.storage.decisions_for(nids) if d.target_kind == "narrative"}
        for nid in decided:
            for pid in self.storage.narrative_post_ids(nid):
                self._narr_index.setdefault(pid, nid)

    def _narratives(self, ids: Sequence[str], meta: dict[str, _PostMeta]) -> dict[str, str]:
        out: dict[str, str] = {}
        unknown = []
        for i in ids:
            m = meta.get(i)
            nid = (m.narrative_id if m else None) or self._narr_index.get(i)
            if nid:
                out[i] = nid
            else:
                unknown.append(i)
        if unknown and self._narrative_of_fn is not None:
            now = self.clock()
            ask = [i for i in unknown if now - self._no_narr.get(i, -1e18) >= self.ttl]
            found = self._narrative_of_fn(ask) if ask else {}
            out.update(found)
            self._narr_index.update(found)
            for i in ask:  # "no narrative" is cached for one TTL too (a post may join one later)
                if i not in found:
                    self._no_narr[i] = now
            while len(self._no_narr) > POST_CACHE:
                del self._no_narr[next(iter(self._no_narr))]
        elif unknown:
            self._rebuild_narr_index()
            out.update({i: self._narr_index[i] for i in unknown if i in self._narr_index})
        return out

    def _decisions_for(self, target_ids: Iterable[str], at: datetime) -> dict[str, list[Decision]]:
        now = self.clock()
        ids = list(dict.fromkeys(target_ids))
        stale = [i for i in ids if (c := self._decisions.get(i)) is None or now - c[0] >= self.ttl]
        if stale and self.storage is not None:
            self.stats["decision_queries"] += 1
            fetched: dict[str, list[Decision]] = {i: [] for i in stale}
            for d in self.storage.decisions_for(stale, at):
                fetched.setdefault(d.target_id, []).append(d)
            for i, lst in fetched.items():
                self._decisions[i] = (now, lst)
        out: dict[str, list[Decision]] = {}
        for i in ids:
            stored = self._decisions.get(i, (0.0, []))[1]
            pushed = self._pushed.get(i, [])
            lst = stored + [d for d in pushed if d.id not in {s.id for s in stored}] if pushed else stored
            if lst:
                superseded = {d.supersedes for d in lst if d.supersedes}
                lst = [d for d in lst if d.id not in superseded and _active(d, at)]
            if lst:
                out[i] = lst
        return out

    # ------------------------------------------------------------------ decide

    def decide(
        self,
        surface: Surface | str,
        viewer_region: str | None,
        item_ids: list[str],
        at: datetime | None = None,
    ) -> list[GateResult]:
        """One :class:`GateResult` per item, in order: the most restrictive action that applies."""
        surface = Surface(surface)
        when = _utc(at)
        region = viewer_region.upper() if viewer_region else None
        meta = self._post_meta(item_ids)
        narr = self._narratives(item_ids, meta)
        authors = {i: m.author_id for i, m in meta.items() if m.author_id}
        originals = {i: m.repost_of for i, m in meta.items() if m.repost_of}
        quoted = {i: m.quote_of for i, m in meta.items() if m.quote_of}
        if quoted:  # the quoted posts' narratives too: their restrictions reach the quote
            q_ids = list(dict.fromkeys(quoted.values()))
            narr = {**self._narratives(q_ids, self._post_meta(q_ids)), **narr}
        decs = self._decisions_for(
            [*item_ids, *originals.values(), *quoted.values(), *narr.values(), *authors.values()], when
        )
        active_holds = self.holds.active(when) if len(self.holds) else []
        hold_hits: dict[str, list[str]] = {}
        if active_holds:
            texts = [meta[i].text if i in meta else "" for i in item_ids]
            for i, hits in zip(item_ids, self.holds.match(texts, when, folded=True), strict=True):
                if hits:
                    hold_hits[i] = hits
        return [
            self._one(i, surface, region, decs, narr, authors, hold_hits, originals, quoted) for i in item_ids
        ]

    def _one(
        self,
        item: str,
        surface: Surface,
        region: str | None,
        decs: dict[str, list[Decision]],
        narr: dict[str, str],
        authors: dict[str, str],
        hold_hits: dict[str, list[str]],
        originals: dict[str, str] | None = None,
        quoted: dict[str, str] | None = None,
    ) -> GateResult:
        # action, source rank, has recorded evidence, reason, rule, why
        cands: list[tuple[Action, int, int, str, str | None, str]] = []
        post_decs = decs.get(item, [])
        refuting = any(d.facts.get("refuting") for d in post_decs)
        # a question about the claim: its narrative's labels and context notes apply, its
        # restrictions do not (engine.question_reasons; docs/policy.md "Questions about a claim")
        question = not refuting and any(d.facts.get("question") for d in post_decs)
        # a post that shares its narrative's words but not its claim: likewise, for its own narrative
        # only (a quote of it still gets what it embeds; stage.claim_free_reasons)
        claim_free = not refuting and not question and any(d.facts.get("claim_free") for d in post_decs)
        sources: list[str] = []

        def add(d: Decision, source: str, inform_only: bool = False, embedded: str | None = None) -> None:
            a = d.actions.get(surface, Action.ALLOW)
            ia = d.item_action
            if embedded is not None:  # a quoted post's surface restrictions; its item actions hide the embed
                ia = Action.ALLOW
            if inform_only:  # labels and context notes only
                a = Action.ALLOW if a.restrictive else a
                if ia in ITEM_WIDE and not ia.restrictive:
                    a = max(a, ia)
            elif ia == Action.GEO_WITHHOLD:
                if not d.territorial_scope or (region is not None and region in d.territorial_scope):
                    a = max(a, ia)
            elif ia in ITEM_WIDE:
                a = max(a, ia)
            if a > Action.ALLOW:
                ev = 1 if d.facts.get("by_rule") else 0
                why = d.explanation if embedded is None else f"quotes post {embedded}: {d.explanation}"
                cands.append((a, _SOURCE_RANK[source], ev, d.id, d.rule_id, why))
                sources.append(f"{source}:{d.id}")

        for d in post_decs:
            add(d, "post")
        orig = (originals or {}).get(item)
        if orig:  # a repost of a held or removed post must not be recommended either
            for d in decs.get(orig, []):
                if d.target_kind == "post" and not d.facts.get("refuting"):
                    add(d, "post")
        q = (quoted or {}).get(item)
        if q and not refuting and not question:
            # A quote shows the quoted post: a surface that may not show that post (its own decisions,
            # its narrative's) may not show it embedded either. A quote that refutes or asks about it
            # is exempt, as it would be from the narrative: it is the context the claim needs.
            q_decs = [d for d in decs.get(q, []) if d.target_kind == "post"]
            q_refuting = any(d.facts.get("refuting") for d in q_decs)
            q_question = not q_refuting and any(
                d.facts.get("question") or d.facts.get("claim_free") for d in q_decs
            )
            for d in q_decs:
                if not d.facts.get("refuting"):
                    add(d, "quoted", embedded=q)
            qn = narr.get(q)
            if qn and not q_refuting:
                for d in decs.get(qn, []):
                    add(d, "quoted", inform_only=q_question, embedded=q)
        nid = narr.get(item)
        if nid and not refuting:
            for d in decs.get(nid, []):
                add(d, "narrative", inform_only=question or claim_free)
        aid = authors.get(item)
        if aid:
            for d in decs.get(aid, []):
                if d.target_kind == "account":
                    add(d, "account")
        for hid in hold_hits.get(item, []):
            h = self.holds.get(hid)
            if h is None:
                continue
            if region is not None and region in h.jurisdictions:
                act = Action.GEO_WITHHOLD
                why = f"withheld in {region} under legal hold {h.id} ({h.legal_basis})"
            elif surface in HOLD_SURFACES:
                act = Action.EXCLUDE
                why = f"kept out of {surface.value} everywhere under legal hold {h.id} ({h.legal_basis})"
            else:
                continue
            cands.append((act, _SOURCE_RANK["hold"], 1, h.id, "legal-hold", why))
            sources.append(f"hold:{h.id}")
        if not cands:
            why = "no decision applies"
            if nid and refuting and decs.get(nid):
                why = f"refutes the claim of narrative {nid}: its restrictions do not apply"
            elif nid and question and decs.get(nid):
                why = f"asks about the claim of narrative {nid}: its restrictions do not apply"
            elif nid and claim_free and decs.get(nid):
                why = f"does not carry the claim of narrative {nid}: its restrictions do not apply"
            return GateResult(item, Action.ALLOW, None, None, why, surface, refuting, sources)
        # Ties (same action, same source) go to a decision with recorded evidence: with covered post
        # decisions withheld, a post is often restricted by two narrative decisions at once (rule and
        # reviewer), and the answer should cite the one whose facts explain it.
        a, _, _, reason, rule, why = max(cands, key=lambda c: (c[0], c[1], c[2]))
        return GateResult(item, a, reason, rule, why, surface, refuting, sources)

    # ------------------------------------------------------------------ trends

    def vet_trends(
        self, candidates: list[dict[str, Any]], region: str | None, at: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Decide which trend candidates ``{term, sample_post_ids}`` may be shown in ``region``.

        A term is ineligible when it matches an active legal hold (everywhere), or when at least
        ``GATE_TREND_EXCLUDED_SHARE`` of its sample posts are excluded (or worse) from trends.
        """
        when = _utc(at)
        terms = [str(c.get("term", "")) for c in candidates]
        term_holds = self.holds.match(terms, when) if len(self.holds) else [[] for _ in terms]
        all_ids = list(dict.fromkeys(pid for c in candidates for pid in c.get("sample_post_ids", [])))
        res = {r.item_id: r for r in self.decide(Surface.TRENDS, region, all_ids, when)} if all_ids else {}
        out = []
        for c, term, hh in zip(candidates, terms, term_holds, strict=True):
            samples = list(c.get("sample_post_ids", []))
            excluded = [res[p] for p in samples if p in res and res[p].action >= Action.EXCLUDE]
            share = len(excluded) / len(samples) if samples else 0.0
            if hh:
                h = self.holds.get(hh[0])
                reason = f"term matches legal hold {hh[0]}" + (f" ({h.legal_basis})" if h else "")
                out.append(
                    {
                        "term": term,
                        "eligible": False,
                        "reason": reason,
                        "reason_id": hh[0],
                        "rule_id": "legal-hold",
                        "excluded_share": round(share, 3),
                    }
                )
                continue
            if samples and share >= C.GATE_TREND_EXCLUDED_SHARE:
                rules: dict[str, int] = {}
                for r in excluded:
                    rules[r.rule_id or "?"] = rules.get(r.rule_id or "?", 0) + 1
                top = max(rules, key=lambda k: rules[k])
                first = next(r for r in excluded if r.rule_id == top)
                out.append(
                    {
                        "term": term,
                        "eligible": False,
                        "reason": f"{len(excluded)}/{len(samples)} sample posts are excluded from trends "
                        f"(mostly rule {top})",
                        "reason_id": first.reason_id,
                        "rule_id": top,
                        "excluded_share": round(share, 3),
                    }
                )
                continue
            out.append(
                {
                    "term": term,
                    "eligible": True,
                    "reason": "",
                    "reason_id": None,
                    "rule_id": None,
                    "excluded_share": round(share, 3),
                }
            )
        return out
