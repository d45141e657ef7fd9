"""Cheap, deterministic text features for narrative clustering and burst detection.

Why a private normaliser rather than a shared one: the narratives fast path must
cost a few microseconds per post and be deterministic across processes (Python's
``hash`` is salted per process, so a replay would cluster differently). We hash
tokens with CRC32 through a bounded vocabulary cache, so each distinct token is
hashed once and later lookups are a dict hit.

Features per post:
- ``terms``: lower-cased, accent-folded content tokens (stopwords dropped, EN+FR);
- ``entities``: capitalised name spans ("Ali Al Shakati"), hashtags, URL domains —
  these carry a claim across languages (a French post repeating the false name
  shares the name with the English ones), so they weigh more in matching;
- token hashes for MinHash near-duplicate detection (vectorised per batch).
"""

from __future__ import annotations

import re
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import filterfalse, groupby
from typing import Final, cast
from urllib.parse import urlsplit

import numpy as np

from wavebreak.core import constants as C
from wavebreak.core.records import Signal

# A token: an optional #/@, a letter, then letters/digits, with inner apostrophes or hyphens each
# followed by a letter ("l'attaquant", "al-qamari"). Written as runs of one character class rather
# than a per-character alternation with a look-ahead: the same matches, ~25 % less regex time.
_WORD: Final = re.compile(r"[#@]?[^\W\d_][^\W_]*(?:['’-][^\W\d_][^\W_]*)*", re.UNICODE)
# The same tokens in an ASCII text, where the Unicode classes reduce to ranges (faster to match).
_WORD_ASCII: Final = re.compile(r"[#@]?[a-z][a-z0-9]*(?:['-][a-z][a-z0-9]*)*")
_URL: Final = re.compile(r"https?://\S+")
# A capitalised name span. ``[A-Z](?<!\w\w)`` is ``\b[A-Z]`` (a capital not preceded by a word
# character) written with the character class first: a pattern that opens with a class lets the
# regex engine skip to candidate characters, where a leading ``\b`` is tried at every position
# (same matches, ~35 % less time).
_CAPSPAN: Final = re.compile(
    r"([A-Z](?<!\w\w)[a-zà-ÿ]+(?:[ -](?:[A-Z][a-zà-ÿ]+(?:[A-Z][a-zà-ÿ]+)?|[Aa]l|[Ee]l|[Bb]in|[Ii]bn))+)"
)

_FOLD_FROM = "àáâäãåçèéêëìíîïñòóôöõùúûüýÿœ’"
_FOLD_TO = "aaaaaaceeeeiiiinooooouuuuyyo'"
_FOLD = str.maketrans(_FOLD_FROM, _FOLD_TO)
# ``translate`` through a dict walks every character of a non-ASCII text with a lookup each (emoji
# make half of all posts non-ASCII); a regex finds the few folded characters in C instead.
_FOLD_RX: Final = re.compile("[" + _FOLD_FROM + "]")
_FOLD_MAP: Final = dict(zip(_FOLD_FROM, _FOLD_TO, strict=True))

_STOP_TEXT = """
    a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can can't cannot could did didn't do does doesn't doing don't
    down during each few for from further had has have having he he'd he'll he's her here hers
    herself him himself his how i i'd i'll i'm i've if in into is isn't it it's its itself just
    let's me more most my myself no nor not now of off on once only or other ought our ours
    ourselves out over own same she she'd she'll she's should so some such than that that's the
    their theirs them themselves then there there's these they they'd they'll they're they've this
    those through to too under until up very was we we'd we'll we're we've were what what's when
    where which while who who's whom why will with won't would you you'd you'll you're you've your
    yours yourself rt via amp get got going gonna just like really today still also one two new now
    via yes oh lol omg u ur im dont cant le la les un une des du de d l et est en au aux ce ces cet
    cette il elle ils elles on nous vous je tu me te se sa son ses leur leurs mon ma mes ton ta tes
    qui que qu quoi dont ou où mais donc or ni car pour par sur dans avec sans sous chez pas plus ne
    n s c j y a été être avoir ont sont était fait faire tout tous toute toutes très bien aussi
    comme si ça cela ceci là ici
"""
STOPWORDS: Final[frozenset[str]] = frozenset(_STOP_TEXT.split())
# Stopwords plus every one-character ASCII token (the ASCII tokeniser's tokens start with a-z).
_STOP_OR_SHORT: Final[frozenset[str]] = STOPWORDS | frozenset("abcdefghijklmnopqrstuvwxyz")

_SKIP_TEXT = (
    "The This That These Those Breaking Just Why What When Where Who How Please Stop Share Never Police "
    "Le La Les Un Une Des Il Elle Nous Vous Ils"
)
_SKIP_CAPS: Final[frozenset[str]] = frozenset(_SKIP_TEXT.split())


_VOWELS: Final = str.maketrans({c: None for c in "aeiouy -'’."} | {"q": "k", "c": "k", "z": "s"})
_PARTICLES: Final = ("al", "el", "ul", "bin", "ibn", "abu")


@lru_cache(maxsize=65_536)
def skeleton(name: str) -> str:
    """Spelling-robust key of a (folded) name: drop vowels/spaces/hyphens, q/c->k, collapse doubles.

    "Idris Al-Qamari", "Idriss Al Qamari", "idris al-qamary", "Idris AlKamari" all map to
    "drslkmr", so spelling variants of a false name stay one entity.
    """
    return "".join(k for k, _ in groupby(name.translate(_VOWELS)))


def name_key(name: str) -> str:
    """Entity key of a person name: ``"@" + skeleton(fold(name))`` (spelling variants share it)."""
    return "@" + skeleton(fold(name))


_NAME_WORD: Final = re.compile(r"[^\W\d_]+", re.UNICODE)
# ``_VOWELS`` for an ASCII text whose non-letters go too: the letters of its words, joined, skeletonised
_ASCII_SKELETON: Final = {i: None for i in range(128) if not chr(i).isalpha()} | {
    o: v for o, v in _VOWELS.items() if o < 128
}


@lru_cache(maxsize=256)
def _any_name_key(keys: tuple[str, ...]) -> re.Pattern[str] | None:
    """A pattern found in a text's ASCII letters, skeletonised but not collapsed, whenever one of
    ``keys`` is a substring of the text's whole skeleton (None when a key has a non-ASCII letter).

    Why: the whole skeleton (the words' skeletons joined, repeats collapsed) took ~9 µs a text built
    word by word in Python; this is three C-level passes and one search. Exact as a filter: a key
    (itself collapsed: no letter twice in a row) is in the collapsed string iff each of its letters,
    repeated one or more times, follows the last in the uncollapsed one (``k+m+r+``); dropping the
    non-ASCII characters (emoji, other scripts) before that only removes letters a pure-ASCII key
    cannot contain, so it can only add matches, never lose one, and a match is confirmed run by run.
    """
    if not keys or not all(k.isascii() for k in keys):
        return None
    return re.compile("|".join("".join(re.escape(c) + "+" for c in k) for k in keys))


def _surname(last: str) -> str:
    """A folded last name without its leading particle ("alqamari" -> "qamari"), kept whole when
    dropping the particle would leave 3 letters or fewer (shared by name keys and span keys)."""
    for pfx in _PARTICLES:
        if last.startswith(pfx) and len(last) > len(pfx) + 3:
            return last[len(pfx) :]
    return last


@lru_cache(maxsize=4_096)
def _name_skeletons(name: str) -> tuple[str, ...]:
    """Skeletons that identify ``name`` in a text: the whole name, and its surname alone when that is
    distinctive (4+ letters once a particle such as "al" is dropped): "Idris Al-Qamari" -> ("drslkmr",
    "kmr"). A first name alone ("Idris") is not a key: it is shared by many people."""
    parts = _NAME_WORD.findall(fold(name))
    if not parts:
        return ()
    keys = [skeleton("".join(parts))]
    if len(parts) >= 2:
        last = _surname(parts[-1])
        if len(last) >= 4:
            keys.append(skeleton(last))
    return tuple(k for k in dict.fromkeys(keys) if len(k) >= 3)


@lru_cache(maxsize=256)
def _wanted(names: tuple[str, ...]) -> dict[str, str]:
    """Skeleton -> name for a set of names (the same set is asked about for a whole batch)."""
    wanted: dict[str, str] = {}
    for n in names:
        for k in _name_skeletons(n):
            wanted.setdefault(k, n)
    return wanted


@lru_cache(maxsize=65_536)
def _word_skeleton(word: str) -> str:
    return skeleton(word)


def names_mentioned(text: str, names: Sequence[str]) -> list[str]:
    """The ``names`` that ``text`` mentions, whatever its casing, spelling variant or hyphenation.

    Why not the capitalised spans the featurizer reads as entities: claims are often typed in lower
    case ("idris al-qamari was on a watch list") or as a hashtag ("#IdrisAlQamari"), and a name is
    what a claim about a person hangs on. Every run of one to three words of the text is reduced to
    its spelling skeleton (:func:`skeleton`) and compared with each name's skeletons (the whole name,
    its surname). Errs towards finding a name ("camera" has the skeleton of "Qamari"): a caller that
    lifts a restriction when no name is found then keeps it. A run's skeleton is its words' skeletons
    joined, a letter repeated across a boundary collapsed (what :func:`skeleton` of the joined run
    gives), so each word is reduced once.
    """
    if not names or not text:
        return []
    return list(_mentioned(text, tuple(names)))


@lru_cache(maxsize=32_768)
def _mentioned(text: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """:func:`names_mentioned`, cached: a viral wave repeats the same texts thousands of times."""
    wanted = _wanted(names)
    folded = fold(text)
    # Every run's skeleton is a substring of the whole text's, and most texts name nobody: one search
    # says so without building the runs (:func:`_any_name_key`).
    probe = _any_name_key(tuple(wanted))
    if (
        probe is not None
        and probe.search(folded.encode("ascii", "ignore").decode("ascii").translate(_ASCII_SKELETON)) is None
    ):
        return ()
    sks = [_word_skeleton(w) for w in _NAME_WORD.findall(folded)]
    if probe is None:  # a name key with a non-ASCII letter: the exact whole-text test
        whole = "".join(k for k, _ in groupby("".join(sks)))
        if not any(k in whole for k in wanted):
            return ()
    found: dict[str, None] = {}
    n = len(sks)
    for i in range(n):
        run = ""
        for j in range(i, min(i + 3, n)):
            part = sks[j]
            run = run + part[1:] if run and part and run[-1] == part[0] else run + part
            hit = wanted.get(run)
            if hit is not None:
                found[hit] = None
    return tuple(found)


def fold(text: str) -> str:
    """Lower-case and strip the common Latin accents (EN/FR): ``text.lower().translate(_FOLD)``.

    Why not that one-liner: every character ``_FOLD`` maps is non-ASCII, so an ASCII text is
    already folded once lower-cased (``isascii`` is O(1) in CPython), and in other texts a regex
    replaces the few accented characters ~8x faster than ``translate`` walks them all.
    """
    low = text.lower()
    return low if low.isascii() else _FOLD_RX.sub(_fold_char, low)


def _fold_char(m: re.Match[str]) -> str:
    return _FOLD_MAP[m.group()]


@lru_cache(maxsize=65_536)
def _span_keys(span: str) -> tuple[str, str, str] | None:
    """(name key, surname key or "", surname surface form) of a capitalised span; None for a
    sentence opener ("The", "Police"). Cached: the same names recur across thousands of texts."""
    first = span.split(" ", 1)[0].split("-", 1)[0]
    if first in _SKIP_CAPS:
        return None
    folded = fold(span)
    key = "@" + skeleton(folded)
    parts = folded.replace("-", " ").split()
    if len(parts) >= 2:  # the surname alone ("Al-Qamari") also carries the name
        last = _surname(parts[-1])
        if len(last) >= 4:
            return key, "@" + skeleton(last), span.replace("-", " ").split()[-1]
    return key, "", ""


@lru_cache(maxsize=65_536)
def _tag_key(tag: str) -> str:
    """Entity key of a hashtag given by the source (``"Foo"`` or ``"#Foo"`` -> ``"#foo"``), cached."""
    return "#" + fold(tag.lstrip("#"))


def _elide(tok: str) -> str:
    head, _, tail = tok.partition("'")
    return tail if len(head) <= 2 and len(tail) > 2 else head


@lru_cache(maxsize=65_536)
def url_domain(url: str) -> str:
    """``https://www.Example.com/a`` -> ``example.com`` (empty string when unparsable).

    Cached: ``urlsplit`` is slow and a shared link recurs across many distinct texts.
    """
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


@dataclass(slots=True, eq=False)
class Features:
    """What the narratives stage keeps of one post's text.

    Why the memo fields: a viral wave repeats the same few texts thousands of times
    (copy-paste, "RT" texts, coordinated posts), and :class:`Featurizer` returns the
    *same* object for a repeated text, so everything derived from it (entity hashes,
    the coordination item key, the MinHash band keys, the TF-IDF vector of the current
    IDF generation) is computed once per distinct text instead of once per post.
    Treat a Features object as immutable; the memo fields are filled by the stage.

    Why tuples rather than lists: the featurizer cache keeps tens of thousands of these alive,
    and a tuple of ints/strings is untracked by Python's cyclic garbage collector after its
    first collection while a list is traversed by every full collection of the process.
    """

    terms: tuple[str, ...]
    entities: tuple[str, ...]
    hashes: tuple[int, ...]
    entity_hashes: tuple[int, ...] = ()
    df_keys: tuple[int, ...] = ()  # distinct term + entity hashes (document frequency)
    uhashes: tuple[int, ...] = ()  # distinct term hashes in order (burst terms/pairs)
    text_key: str = ""  # the normalised text, a co-posting item for coordination (4+ terms), else ""
    bands: tuple[int, ...] | None = None  # LSH band keys, once computed (first -1: too short)
    burst_keys: tuple[int, ...] | None = None  # uhashes + pair keys of its first 5 (SigniTrend), memo
    q: dict[str, float] | None = None  # TF-IDF(+entity) weights as of IDF generation ``q_gen``
    qn: float = 0.0  # L2 norm of ``q``
    q_gen: int = -1
    indexed_nid: str = ""  # the narrative whose postings last indexed this text
    name_keys: tuple[str, ...] = ()  # full-name keys ("@" + skeleton) of names and name-like hashtags
    claim_key: str = ""  # key of the name the identity-claim signal attributed, when it did
    claim_name: str = ""  # that name as the signal gave it (counted in the narrative's ``claimed_names``)


FeatureData = tuple[
    tuple[str, ...],  # terms
    tuple[str, ...],  # entities
    tuple[int, ...],  # hashes
    tuple[int, ...],  # entity_hashes
    tuple[int, ...],  # df_keys
    tuple[int, ...],  # uhashes
    str,  # text_key
    tuple[str, ...],  # name_keys
    str,  # claim_key
    str,  # claim_name
    tuple[tuple[str, str, str, str], ...],  # display names: (key, span, surname key, surname surface)
    tuple[int, ...] | None,  # LSH band keys, when the sender computed them
]
"""A :class:`Features` object as plain tuples (:meth:`Featurizer.export`), to cross processes."""


def attributed_name(signals: dict[str, Signal] | None) -> str | None:
    """The name the identity-claim signal attributes in a post (score at least ``NARR_SIGNAL_POSITIVE``
    and a name in its data), the ``name`` of :meth:`Featurizer.features`; None otherwise."""
    if signals is None:
        return None
    ic = signals.get("identity_claim")
    if ic is not None and ic.data and ic.score >= C.NARR_SIGNAL_POSITIVE:
        return cast("str | None", ic.data.get("name"))
    return None


class Featurizer:
    """Tokenise, fold, drop stopwords and hash, with a bounded token->hash cache."""

    def __init__(self, vocab_size: int = 200_000, cache_size: int = 50_000) -> None:
        self._vocab: OrderedDict[str, int] = OrderedDict()
        self._vocab_size = vocab_size
        # (text, urls, hashtags, name) -> Features: viral repeats cost one dict hit, not a tokenisation
        self._cache: OrderedDict[tuple[str, tuple[str, ...], tuple[str, ...], str | None], Features] = (
            OrderedDict()
        )
        self._cache_size = cache_size
        self.cache_hits = 0
        self.ahead_hits = 0  # cache misses served from ``features(ahead=...)``
        self.display: dict[str, str] = {}  # entity key -> first surface form seen (for titles/entities)
        self.display_gen = 0  # bumped when ``display`` is cleared (derived narrative fields go stale)

    def hash(self, token: str) -> int:
        """Deterministic 32-bit hash of a token (CRC32), cached."""
        h = self._vocab.get(token)
        if h is None:
            h = zlib.crc32(token.encode("utf-8"))
            self._vocab[token] = h
            if len(self._vocab) > self._vocab_size:
                # Drop the oldest half in one go: amortised O(1), bounded memory.
                for _ in range(self._vocab_size // 2):
                    self._vocab.popitem(last=False)
        return h

    def features(
        self,
        text: str,
        urls: tuple[str, ...] = (),
        hashtags: tuple[str, ...] = (),
        name: str | None = None,
        ahead: dict[tuple[str, tuple[str, ...], tuple[str, ...], str | None], FeatureData] | None = None,
    ) -> Features:
        """Terms, entities and token hashes of one text.

        ``name`` is an attributed name from the identity-claim signal, when the
        signals stage found one: it becomes an entity even if the text's casing
        hid it (all-lowercase posts still name the suspect). Repeated inputs return the
        same cached object (see :class:`Features`). ``ahead``: the same inputs' features as another
        process computed them (:meth:`export`), taken instead of computing them here when the
        cache misses; the object and its effects on this featurizer are the same either way.
        """
        key = (text, urls, hashtags, name)
        cache = self._cache
        f = cache.get(key)
        if f is not None:
            self.cache_hits += 1
            return f
        data = ahead.get(key) if ahead is not None else None
        if data is not None:
            self.ahead_hits += 1
            f = self._from_data(data)
        else:
            f, shown = self._compute(text, urls, hashtags, name)
            self._show(shown)
        cache[key] = f
        if len(cache) > self._cache_size:
            cache.popitem(last=False)
        return f

    def export(
        self, text: str, urls: tuple[str, ...] = (), hashtags: tuple[str, ...] = (), name: str | None = None
    ) -> FeatureData:
        """:meth:`features` of these inputs as plain tuples, for another process's :meth:`features`
        (``ahead``): the fields, the display names it would record, and no band keys (the caller's).

        Why: the text-scoring worker featurizes a batch's texts while the pipeline process works
        through the batches before it (:mod:`wavebreak.narratives.ahead`); it touches neither this
        featurizer's cache nor its display names, which stay the pipeline process's."""
        f, shown = self._compute(text, urls, hashtags, name)
        return (
            f.terms,
            f.entities,
            f.hashes,
            f.entity_hashes,
            f.df_keys,
            f.uhashes,
            f.text_key,
            f.name_keys,
            f.claim_key,
            f.claim_name,
            tuple(shown),
            None,
        )

    def _from_data(self, data: FeatureData) -> Features:
        """The :class:`Features` that :meth:`export` described, its display names recorded here in
        the order :meth:`_compute` found them (the same effect as computing it here)."""
        (
            terms,
            entities,
            hashes,
            ehashes,
            df_keys,
            uhashes,
            text_key,
            name_keys,
            claim_key,
            claim_name,
            shown,
            bands,
        ) = data
        self._show(shown)
        return Features(
            terms=terms,
            entities=entities,
            hashes=hashes,
            entity_hashes=ehashes,
            df_keys=df_keys,
            uhashes=uhashes,
            text_key=text_key,
            bands=bands,
            name_keys=name_keys,
            claim_key=claim_key,
            claim_name=claim_name,
        )

    def _show(self, shown: Sequence[tuple[str, str, str, str]]) -> None:
        """Record the display names of a text's name spans: (key, span, surname key, its surface)."""
        display = self.display
        for key, span, surname, surface in shown:
            if key not in display:
                display[key] = span
                if len(display) > self._vocab_size:
                    display.clear()
                    self.display_gen += 1
            if surname:
                display.setdefault(surname, surface)

    def _compute(
        self, text: str, urls: tuple[str, ...], hashtags: tuple[str, ...], name: str | None
    ) -> tuple[Features, list[tuple[str, str, str, str]]]:
        """The features of one text and the display names it carries (not recorded: :meth:`_show`)."""
        if "http" in text:
            urls = (*urls, *_URL.findall(text))
            stripped = _URL.sub(" ", text)
        else:
            stripped = text
        entities: list[str] = []
        names: list[str] = []
        shown: list[tuple[str, str, str, str]] = []
        spans = _CAPSPAN.findall(stripped)  # the one group: the span
        if name:
            spans.append(name)
        for span in spans:
            sk = _span_keys(span)
            if sk is None:
                continue
            key, surname, surface = sk
            entities.append(key)
            names.append(key)
            shown.append((key, span, surname, surface))
            if surname:
                entities.append(surname)
        low = fold(stripped)
        toks = (_WORD_ASCII if low.isascii() else _WORD).findall(low)
        if "#" in low or "@" in low:
            kept: list[str] = []
            for tok in toks:
                if tok[0] == "#":
                    entities.append(tok)
                    kept.append(tok[1:])
                elif tok[0] != "@":
                    kept.append(tok)
            toks = kept
        if "'" in low:  # l'attaquant -> attaquant, suspect's -> suspect
            toks = [_elide(t) if "'" in t else t for t in toks]
        if low.isascii():
            # an ASCII token of one character is a letter a-z: ``_STOP_OR_SHORT`` holds those too, so
            # the filter runs in C (``filterfalse``) with the same result as the comprehension below
            terms = list(filterfalse(_STOP_OR_SHORT.__contains__, toks))
        else:
            terms = [t for t in toks if len(t) > 1 and t not in STOPWORDS]
        if "-" in low:
            terms = [t.replace("-", "") if "-" in t else t for t in terms]
        for h in hashtags:
            tag = _tag_key(h)
            if tag not in entities:
                entities.append(tag)
        for u in urls:
            d = url_domain(u)
            if d:
                entities.append("~" + d)
                path = u.split("://", 1)[-1].rstrip("/.,;!?)")
                entities.append("^" + path.lower())
        hash_of = self.hash
        vocab_get = self._vocab.get
        ents = tuple(dict.fromkeys(entities))
        if hashtags or "#" in low:  # the only sources of "#" entities
            # a hashtag spelling a name (#IdrisAlQamari) carries the name as much as the name does
            names.extend("@" + skeleton(e[1:]) for e in ents if e[0] == "#" and len(e) >= 8)
        # vocabulary hits in one C-level pass; only a text with an unseen token goes through hash()
        got = list(map(vocab_get, terms))
        hl = cast("list[int]", got) if None not in got else [vocab_get(t) or hash_of(t) for t in terms]
        hashes = tuple(hl)
        got = list(map(vocab_get, ents))
        el = cast("list[int]", got) if None not in got else [vocab_get(e) or hash_of(e) for e in ents]
        ent_hashes = tuple(el)
        distinct = set(hashes)
        f = Features(
            terms=tuple(terms),
            entities=ents,
            hashes=hashes,
            entity_hashes=ent_hashes,
            df_keys=tuple(distinct.union(ent_hashes)),
            # distinct term hashes in order: the hashes themselves when none repeats (the usual case)
            uhashes=hashes if len(distinct) == len(hashes) else tuple(dict.fromkeys(hashes)),
            text_key=("t" + " ".join(terms)) if len(terms) >= 4 else "",
            name_keys=tuple(dict.fromkeys(names)) if names else (),
            claim_key=name_key(name) if name else "",
            claim_name=name or "",
        )
        return f, shown


# --------------------------------------------------------------------------- MinHash / LSH

_PRIME: Final = np.uint64((1 << 61) - 1)


def lsh_minhasher() -> MinHasher:
    """The narratives stage's MinHash: ``NARR_MINHASH_PERMS`` permutations in ``NARR_LSH_BANDS`` bands.
    One definition for the stage and for the worker that computes band keys ahead of it
    (:mod:`wavebreak.narratives.ahead`): the two must agree to the bit."""
    return MinHasher(C.NARR_MINHASH_PERMS, C.NARR_LSH_BANDS)


class MinHasher:
    """Vectorised MinHash over word-bigram shingles of a whole batch, banded for LSH.

    Why bigrams: single words make every crisis post look alike (they all say
    "attack", "town"); bigrams keep near-duplicates (copy-paste, light edits)
    together while paraphrases fall through to the term-index path.
    """

    def __init__(self, perms: int, bands: int, seed: int = 1) -> None:
        if perms % bands:
            raise ValueError("perms must be a multiple of bands")
        rng = np.random.default_rng(seed)
        self.perms = perms
        self.bands = bands
        self.rows = perms // bands
        self.a = rng.integers(1, (1 << 31) - 1, size=perms, dtype=np.uint64)
        self.b = rng.integers(0, (1 << 31) - 1, size=perms, dtype=np.uint64)

    def band_tuples(self, hashes: Sequence[Sequence[int]]) -> list[tuple[int, ...]]:
        """:meth:`band_keys` as one tuple of Python ints per row (what :class:`Features` keeps).

        Rows come straight from one flat list: ``tolist()`` of the 2-D array would build a list per
        row first, twice the GC-tracked allocations."""
        keys = self.band_keys(hashes)
        flat = iter(keys.ravel().tolist())
        return list(zip(*[flat] * keys.shape[1], strict=True))

    def band_keys(self, hashes: Sequence[Sequence[int]], min_tokens: int = 3) -> np.ndarray:
        """(n, bands) int64 band keys; rows under ``min_tokens`` tokens get -1 (no near-dup path)."""
        n = len(hashes)
        keys = np.full((n, self.bands), -1, dtype=np.int64)
        lens = np.fromiter((len(h) for h in hashes), dtype=np.int64, count=n)
        ok = lens >= min_tokens
        if not ok.any():
            return keys
        idx = np.flatnonzero(ok)
        flat = np.fromiter(
            (x for i in idx.tolist() for x in hashes[i]), dtype=np.uint64, count=int(lens[idx].sum())
        )
        sub_lens = lens[idx]
        starts = np.concatenate(([0], np.cumsum(sub_lens)[:-1]))
        # bigram shingles: h[i] * K + h[i+1], dropping the pair that spans two posts
        sh = flat[:-1] * np.uint64(1_000_003) + flat[1:]
        valid = np.ones(len(sh), dtype=bool)
        ends = starts + sub_lens - 1
        valid[ends[:-1]] = False
        sh_owner = np.repeat(np.arange(len(idx)), sub_lens)[:-1][valid]
        sh = sh[valid]
        sh = sh & np.uint64((1 << 31) - 1)
        vals = (sh[:, None] * self.a[None, :] + self.b[None, :]) % _PRIME  # (n_sh, perms)
        sh_starts = np.concatenate(([0], np.flatnonzero(np.diff(sh_owner)) + 1))
        mins = np.minimum.reduceat(vals, sh_starts, axis=0)  # (n_ok, perms)
        owners = sh_owner[sh_starts]
        rows = mins.reshape(len(owners), self.bands, self.rows).astype(np.int64)
        weights = np.array([1, 1_000_003, 998_244_353, 7919][: self.rows] + [31] * max(0, self.rows - 4))
        bk = (rows * weights[None, None, : self.rows]).sum(axis=2)
        bk = bk * 16 + np.arange(self.bands)[None, :]  # make bands disjoint
        keys[idx[owners]] = bk
        return keys
