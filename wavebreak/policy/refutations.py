"""Refutation registry: authority statements and fact-checks narratives are matched against.

Why a registry separate from the signals stage's claim matching: a statement
often arrives *after* the narrative it refutes has formed (Southport: police
corrected the name hours after it trended). When one is added, every known
narrative is re-matched; each new narrative is matched once it forms. A match
sets the narrative's status to ``refuted`` (recording ``refuted_by``), which
the pack's ``refuted-narrative-context`` rule turns into a context note, and
never demotes the posts that carry the refutation (engine guarantee).

Matching uses ``wavebreak.signals.claim_match.ClaimMatcher`` (multilingual
sentence embeddings + BM25, so a French or Arabic narrative matches an English
police statement). :class:`TfidfClaimMatcher` is a light fallback with the same
interface for tests and machines without the embedding model.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from wavebreak.core import constants as C
from wavebreak.core.records import (
    Action,
    AuthorityStatement,
    Decision,
    Event,
    Grounds,
    Narrative,
    NarrativeStatus,
    Signal,
    SignalName,
    Surface,
)


class Matcher(Protocol):
    def add(self, statements: Sequence[AuthorityStatement]) -> None: ...

    def match(self, texts: Sequence[str], k: int = 5) -> list[list[tuple[str, float]]]: ...


class TfidfClaimMatcher:
    """TF-IDF (word 1-2 grams + char 3-5 grams) cosine: the ClaimMatcher interface without a model.

    Char n-grams survive spelling variants and shared names across languages;
    this is a fallback, the shipped ClaimMatcher is the one to use.
    """

    default_threshold = C.REFUTATION_MATCH_MIN

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.statements: list[AuthorityStatement] = []
        self._vec: Any = None
        self._mat: Any = None

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, statements: Sequence[AuthorityStatement]) -> None:
        new = [s for s in statements if s.id not in set(self.ids)]
        if not new:
            return
        self.ids.extend(s.id for s in new)
        self.statements.extend(new)
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

        self._vec = FeatureUnion(
            [
                ("w", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
                ("c", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1)),
            ]
        )
        docs = [f"{s.claim} {s.text}".strip() for s in self.statements]
        self._mat = self._vec.fit_transform(docs)

    def _scores(self, texts: Sequence[str]) -> Any:
        import numpy as np
        from sklearn.preprocessing import normalize

        q = normalize(self._vec.transform(list(texts)))
        m = normalize(self._mat)
        return np.asarray((q @ m.T).todense())

    def match(self, texts: Sequence[str], k: int = 5) -> list[list[tuple[str, float]]]:
        if not self.ids:
            return [[] for _ in texts]
        s = self._scores(texts)
        out = []
        for row in s:
            order = row.argsort()[::-1][:k]
            out.append([(self.ids[j], float(row[j])) for j in order])
        return out

    def best(self, texts: Sequence[str], threshold: float = C.REFUTATION_MATCH_MIN) -> list[Signal | None]:
        out: list[Signal | None] = []
        for hits in self.match(texts, 1):
            if hits and hits[0][1] >= threshold:
                sid, score = hits[0]
                out.append(
                    Signal(
                        SignalName.CLAIM_MATCH.value,
                        score,
                        label=sid,
                        model="tfidf-fallback",
                        data={"statement_id": sid, "similarity": score},
                    )
                )
            else:
                out.append(None)
        return out


def default_matcher() -> tuple[Matcher, float]:
    """The shipped ClaimMatcher and its threshold, or the TF-IDF fallback when it cannot be built."""
    try:
        from wavebreak.signals.claim_match import ClaimMatcher

        return ClaimMatcher(), C.CLAIM_MATCH_THRESHOLD
    except Exception:  # the signals package is optional for the policy library
        return TfidfClaimMatcher(), C.REFUTATION_MATCH_MIN


def narrative_text(n: Narrative, samples: Sequence[str] = ()) -> str:
    """What a narrative is matched on: title, keywords, entities and a few representative texts."""
    return " ".join([n.title, " ".join(n.keywords), " ".join(n.entities), *samples[:3]]).strip()


class RefutationRegistry:
    """Authority statements plus the matcher over them; marks narratives refuted."""

    def __init__(self, matcher: Matcher | None = None, threshold: float | None = None) -> None:
        if matcher is None:
            matcher, default_t = default_matcher()
        else:
            default_t = getattr(matcher, "default_threshold", C.CLAIM_MATCH_THRESHOLD)
        self.matcher = matcher
        self.threshold = threshold if threshold is not None else default_t
        self._statements: dict[str, AuthorityStatement] = {}
        self.version = 0
        """Bumped on every add: the policy stage re-matches known narratives when it changes."""

    def add(self, statement: AuthorityStatement, actor: str = "editor") -> Event:
        """Register a statement and return the ``refutation.added`` event."""
        if not statement.text.strip() and not statement.claim.strip():
            raise ValueError(f"statement {statement.id} has no text")
        self._statements[statement.id] = statement
        self.matcher.add([statement])
        self.version += 1
        return Event(
            kind="refutation.added",
            at=statement.at,
            subject=statement.id,
            payload=statement_payload(statement),
            actor=actor,
        )

    def get(self, statement_id: str) -> AuthorityStatement | None:
        return self._statements.get(statement_id)

    def all(self) -> list[AuthorityStatement]:
        return list(self._statements.values())

    def __len__(self) -> int:
        return len(self._statements)

    def match_texts(self, texts: Sequence[str], at: datetime | None = None) -> list[tuple[str, float] | None]:
        """Best statement (published by ``at``) per text, when its score reaches the threshold."""
        if not self._statements or not texts:
            return [None] * len(texts)
        out: list[tuple[str, float] | None] = []
        for hits in self.matcher.match(list(texts), k=3):
            best = None
            for sid, score in hits:
                st = self._statements.get(sid)
                if st is None or (at is not None and st.at > at):
                    continue
                if score >= self.threshold:
                    best = (sid, float(score))
                break
            out.append(best)
        return out

    def refute(self, narrative: Narrative, statement_id: str) -> bool:
        """Mark a narrative refuted by a statement; True when that changed anything."""
        changed = False
        if statement_id not in narrative.refuted_by:
            narrative.refuted_by.append(statement_id)
            changed = True
        if narrative.status not in (NarrativeStatus.REFUTED, NarrativeStatus.MERGED):
            narrative.status = NarrativeStatus.REFUTED
            changed = True
        return changed

    def match_narratives(
        self,
        narratives: Sequence[Narrative],
        samples: dict[str, list[str]] | None = None,
        at: datetime | None = None,
    ) -> list[tuple[Narrative, str, float]]:
        """Match narratives, mark the matched ones refuted, return (narrative, statement_id, score)."""
        samples = samples or {}
        todo = [n for n in narratives if n.status != NarrativeStatus.MERGED]
        texts = [narrative_text(n, samples.get(n.id, ())) for n in todo]
        out = []
        for n, hit in zip(todo, self.match_texts(texts, at), strict=True):
            if hit is not None:
                self.refute(n, hit[0])
                out.append((n, hit[0], hit[1]))
        return out

    def context_decision(
        self, narrative: Narrative, statement_id: str, score: float, at: datetime, did: str
    ) -> Decision:
        """A standalone context-note decision for a refuted narrative (for callers without a pack)."""
        st = self._statements[statement_id]
        note = Action.CONTEXT_NOTE
        return Decision(
            id=did,
            at=at,
            target_kind="narrative",
            target_id=narrative.id,
            narrative_id=narrative.id,
            actions={Surface.SEARCH: note, Surface.RECOMMENDATIONS: note, Surface.REPLIES: note},
            item_action=note,
            rule_id="refutation.context_note",
            grounds=Grounds(
                platform_policy="Misleading information: claims refuted by an authoritative source",
                dsa_category="STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
                dsa_keyword="KEYWORD_MISINFORMATION",
            ),
            facts={"statement_id": st.id, "source": st.source, "url": st.url, "similarity": round(score, 4)},
            explanation=f"Narrative {narrative.id} matches {st.source} statement {st.id} "
            f"(similarity {score:.2f}): context note attached.",
        )

    @classmethod
    def from_events(cls, events: Iterable[Event], matcher: Matcher | None = None) -> RefutationRegistry:
        reg = cls(matcher)
        for ev in events:
            if ev.kind == "refutation.added":
                reg.add(statement_from_payload(ev.payload))
        return reg


def statement_payload(s: AuthorityStatement) -> dict[str, Any]:
    return {
        "id": s.id,
        "at": s.at.isoformat(),
        "source": s.source,
        "text": s.text,
        "lang": s.lang,
        "claim": s.claim,
        "url": s.url,
    }


def statement_from_payload(p: dict[str, Any]) -> AuthorityStatement:
    return AuthorityStatement(
        id=p["id"],
        at=datetime.fromisoformat(p["at"]),
        source=p.get("source", ""),
        text=p.get("text", ""),
        lang=p.get("lang", "en"),
        claim=p.get("claim", ""),
        url=p.get("url", ""),
    )
