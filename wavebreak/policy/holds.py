"""Legal holds: court orders and statutory reporting restrictions turned into matching.

Why matching is folded so hard: people evading a reporting restriction (for
example one protecting a minor suspect's name) write the name in every form a
plain substring search misses: ``AXEL``, ``Äxel``, ``4x3l``, ``a x e l``,
``#AxelSmith``, ``axelsmith``, ``Smith's``. Text and terms go through the same
fold (case, diacritics, leetspeak, punctuation) and each term becomes a pattern
allowing an optional space between its letters and an optional possessive
``s``, bounded by word edges. All active terms are one compiled alternation, so
a batch costs one regex scan per post whatever the number of holds, and only for
posts whose folded text, spaces removed, contains a term at all (a substring test
that every match passes; it skips the scan for almost every post).

Matching posts are geo-withheld for viewers in the hold's jurisdictions and
kept out of trends and search everywhere (``legal-hold`` rule of the default
pack; the gate applies the jurisdiction per viewer).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from wavebreak.core import constants as C
from wavebreak.core.records import Event, LegalHold

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s"})
_LEET_NO_APOS = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "'": None, "`": None}
)
_COMBINING = re.compile(r"[\u0300-\u036f]")
_APOS = re.compile(r"['’`´]")
_NONWORD = re.compile(r"[^\w]+|_")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=C.HOLD_FOLD_CACHE)
def fold(text: str) -> str:
    """Case, diacritics, leetspeak and punctuation folding shared by terms and texts.

    Cached: within a batch the same post text is folded for hold matching and for each
    crisis-scope check; a viral wave also repeats texts verbatim across batches."""
    if text.isascii():
        # Same steps for ASCII, cheaper: NFKD and combining marks change nothing, casefold is
        # lower, and the apostrophes (' and `) are deleted by the leetspeak table.
        return " ".join(_NONWORD.sub(" ", text.lower().translate(_LEET_NO_APOS)).split())
    t = unicodedata.normalize("NFKD", text)
    t = _COMBINING.sub("", t).casefold().translate(_LEET)
    t = _APOS.sub("", t)
    t = _NONWORD.sub(" ", t)
    return _SPACES.sub(" ", t).strip()


def _compact(text: str) -> str:
    return text.replace(" ", "")


def _term_pattern(term: str) -> str:
    letters = _compact(fold(term))
    return r"\s?".join(re.escape(ch) for ch in letters)


def _ts(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def _dt(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


class HoldRegistry:
    """Active legal holds and one compiled matcher over all their terms."""

    def __init__(self, holds: Iterable[LegalHold] = ()) -> None:
        self._holds: dict[str, LegalHold] = {}
        self._term_holds: dict[str, set[str]] = {}
        self._terms: tuple[str, ...] = ()
        self._regex: re.Pattern[str] | None = None
        self.version = 0
        for h in holds:
            self.add(h)

    # ------------------------------------------------------------------ registry

    def add(self, hold: LegalHold, actor: str = "legal") -> Event:
        """Register a hold (validating its terms) and return the ``hold.added`` event."""
        if not hold.terms:
            raise ValueError(f"legal hold {hold.id} has no terms")
        if not hold.jurisdictions:
            raise ValueError(f"legal hold {hold.id} has no jurisdictions")
        for t in hold.terms:
            if len(_compact(fold(t))) < C.HOLD_MIN_TERM_CHARS:
                raise ValueError(
                    f"legal hold term {t!r} is shorter than {C.HOLD_MIN_TERM_CHARS} letters once folded; "
                    "it would withhold unrelated posts"
                )
        self._holds[hold.id] = hold
        self._rebuild()
        return Event(
            kind="hold.added",
            at=hold.starts_at,
            subject=hold.id,
            payload=hold_payload(hold),
            actor=actor,
        )

    def end(self, hold_id: str, at: datetime, actor: str = "legal") -> Event:
        """Lift a hold at ``at`` (kept in the registry for audit) and return ``hold.ended``."""
        hold = self._holds[hold_id]
        hold.ends_at = at
        self._rebuild()
        return Event(
            kind="hold.ended", at=at, subject=hold_id, payload={"ends_at": at.isoformat()}, actor=actor
        )

    def get(self, hold_id: str) -> LegalHold | None:
        return self._holds.get(hold_id)

    def all(self) -> list[LegalHold]:
        return list(self._holds.values())

    def active(self, at: datetime | None = None) -> list[LegalHold]:
        if at is None:
            return [h for h in self._holds.values() if h.ends_at is None]
        return [
            h for h in self._holds.values() if h.starts_at <= at and (h.ends_at is None or at < h.ends_at)
        ]

    def __len__(self) -> int:
        return len(self._holds)

    def _rebuild(self) -> None:
        self.version += 1
        term_holds: dict[str, set[str]] = {}
        for h in self._holds.values():
            for t in h.terms:
                term_holds.setdefault(_compact(fold(t)), set()).add(h.id)
        self._term_holds = term_holds
        self._terms = tuple(term_holds)
        if not term_holds:
            self._regex = None
            return
        # longest first so a full name wins over a shorter overlapping term
        pats = sorted({_term_pattern(t) for t in term_holds}, key=len, reverse=True)
        self._regex = re.compile(r"(?<!\w)(?:" + "|".join(pats) + r")(?:\s?s)?(?!\w)")

    # ------------------------------------------------------------------ matching

    def match(
        self, texts: Sequence[str], at: datetime | None = None, folded: bool = False
    ) -> list[list[str]]:
        """For each text, the ids of holds (active at ``at``) whose terms it contains.

        ``folded=True`` when the texts already went through :func:`fold` (the gate caches them).
        """
        out: list[list[str]] = [[] for _ in texts]
        if self._regex is None:
            return out
        active = {h.id for h in self.active(at)}
        if not active:
            return out
        rx = self._regex
        terms = self._terms
        for i, text in enumerate(texts):
            if not text:
                continue
            f = text if folded else fold(text)
            # A match is a term's letters with at most whitespace between them, so the text with
            # its whitespace removed contains the term: a substring test (C speed) rules out the
            # regex scan for almost every post.
            compact = "".join(f.split()) if folded else f.replace(" ", "")
            if not any(t in compact for t in terms):
                continue
            ids: set[str] = set()
            for m in rx.finditer(f):
                key = _compact(m.group(0))
                hit = self._term_holds.get(key)
                if hit is None and key.endswith("s"):
                    hit = self._term_holds.get(key[:-1])
                if hit:
                    ids |= hit & active
            if ids:
                out[i] = sorted(ids)
        return out

    def jurisdictions(self, hold_ids: Iterable[str]) -> tuple[str, ...]:
        js: set[str] = set()
        for hid in hold_ids:
            h = self._holds.get(hid)
            if h is not None:
                js.update(h.jurisdictions)
        return tuple(sorted(js))

    def application(self, hold_ids: Iterable[str]) -> list[dict[str, Any]]:
        """What a decision records for each hold it applies: id, title, legal basis, jurisdictions."""
        out = []
        for hid in sorted(set(hold_ids)):
            h = self._holds.get(hid)
            if h is not None:
                out.append(
                    {
                        "hold_id": h.id,
                        "title": h.title,
                        "legal_basis": h.legal_basis,
                        "jurisdictions": list(h.jurisdictions),
                    }
                )
        return out

    # ------------------------------------------------------------------ event log

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> HoldRegistry:
        """Rebuild the registry from ``hold.added`` / ``hold.ended`` events (the log is the truth)."""
        reg = cls()
        for ev in events:
            if ev.kind == "hold.added":
                reg._holds[ev.subject] = hold_from_payload(ev.payload)
            elif ev.kind == "hold.ended" and ev.subject in reg._holds:
                reg._holds[ev.subject].ends_at = _dt(ev.payload.get("ends_at")) or ev.at
        reg._rebuild()
        return reg


def hold_payload(hold: LegalHold) -> dict[str, Any]:
    d = asdict(hold)
    d["terms"] = list(hold.terms)
    d["jurisdictions"] = list(hold.jurisdictions)
    d["starts_at"] = _ts(hold.starts_at)
    d["ends_at"] = _ts(hold.ends_at)
    return d


def hold_from_payload(p: dict[str, Any]) -> LegalHold:
    return LegalHold(
        id=p["id"],
        title=p.get("title", ""),
        terms=tuple(p["terms"]),
        jurisdictions=tuple(p["jurisdictions"]),
        legal_basis=p.get("legal_basis", ""),
        starts_at=_dt(p.get("starts_at")) or datetime.now(UTC),
        ends_at=_dt(p.get("ends_at")),
    )
