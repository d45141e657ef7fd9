"""Fast-path toxicity: four linear heads (hate, incitement, threat, abuse) in a two-stage cascade.

Why a cascade: the fast path must score tens of thousands of posts per second
on one core, and most posts in a stream are plain chatter. Character n-grams
(char_wb 2-4) are what make a linear model robust to disguised spellings and
French morphology, but building them is ~5x the cost of word features. So:

1. every post gets the **word model**: hashed word unigrams + bigrams of the
   normalised text plus lexicon cue pseudo-words
   (:func:`wavebreak.signals.text.cue_list`): one Python pass per post, hashing
   in C (scikit-learn's ``FeatureHasher``), one sparse x dense product per batch;
2. only **candidates** (a harm/target cue fired, the normaliser undid a
   disguise, or a word-model score is in the uncertain band
   ``>= SIGNALS_CASCADE_UNCERTAIN``, ``SIGNALS_CASCADE_UNCERTAIN_ABUSE`` for abuse) are re-scored by the **full model**
   (char n-grams + the same word features), whose score replaces the word score.

Both models are trained on the same rows (``wavebreak train signals``); the
eval command measures the cascade, i.e. exactly what runs. Hashing (no
vocabulary) keeps the shipped file small and makes unseen spellings cost
nothing. Explanations are computed only for scores above the flag threshold,
from the row already built (no re-featurisation), top
``SIGNALS_EXPLAIN_TOP`` words plus the strongest cue.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from wavebreak.core import constants as C
from wavebreak.core.records import Signal
from wavebreak.signals.text import CUE_LABELS, RISK_CUES, WORD_RE, cue_list, normalise_flag

LABELS: tuple[str, ...] = ("hate", "incitement", "threat", "abuse")
MODEL_DIR = Path(__file__).resolve().parent / "models"
MODEL_FILE = MODEL_DIR / "toxicity.npz"

_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "to",
        "of",
        "and",
        "or",
        "in",
        "on",
        "at",
        "it",
        "this",
        "that",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "les",
        "la",
        "le",
        "de",
        "des",
        "du",
        "et",
        "ou",
        "un",
        "une",
        "est",
        "sont",
        "en",
        "au",
        "aux",
        "ce",
        "ces",
        "il",
        "elle",
        "nous",
        "vous",
        "ils",
        "elles",
    ]
)
"""Function words never quoted alone in explanations: they carry weight only inside n-grams."""

CHAR_FEATURES = 2**18
WORD_FEATURES = 2**17


@lru_cache(maxsize=1)
def _char_vectorizer() -> object:
    """The char_wb 2-4 hashing vectoriser (stateless; built once per process)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 4),
        n_features=CHAR_FEATURES,
        alternate_sign=False,
        norm="l2",
        lowercase=False,
        dtype=np.float32,
    )


@lru_cache(maxsize=1)
def _word_hasher() -> object:
    """Hashes ready-made feature lists in C (same murmurhash3 columns as ``HashingVectorizer``)."""
    from sklearn.feature_extraction import FeatureHasher

    return FeatureHasher(
        n_features=WORD_FEATURES, input_type="string", alternate_sign=False, dtype=np.float32
    )


ATTRIBUTED_CTA = re.compile(
    r"\b(?:casseurs|emeutiers|voyous|extremistes|racistes|fachos|identitaires|individus|des gens|certains"
    r"|rioters|thugs|extremists|racists|fascists|a mob|mobs|the mob|some people|people)"
    r"\s+(?:(?:qui|who|that)\s+)?(?:veulent|voulaient|ont voulu|ont tente d|ont essaye d|menacent d"
    r"|menacaient d|projettent d|appellent a|want to|wanted to|tried to|try to|are trying to"
    r"|threaten(?:ed)? to|are threatening to|plan(?:ned)? to|are planning to|called for|call for)"
)
"""A call to action attributed to a named third party ("des casseurs veulent incendier la mosquée",
"rioters tried to set fire to the hotel"): the writer reports or opposes someone else's intent
rather than issuing the call. Agents are named groups, never "we"/"on"/"nous" (first person is
the call itself) nor bare "they"/"ils". Searched only when ``__cta__`` fired (a few % of posts)."""

ATTRIBUTED_QUOTE = re.compile(
    r"\b(?:saying|says|said|posting|posted|posts|chanting|chanted|chant|shouting|shouted|writing|wrote"
    r"|tweeting|tweeted|screaming|yelling|disent|dit|disant|dire|ecrivent|ecrit|ecrivant|crient|criaient"
    r"|crie|criant|scandent|scandaient|scandant|postent|poste|tweetent|publient|publie|hurlent)"
    r"\s*:?\s*[\"'«“‘]"
)
"""A speech verb introducing a quotation ("racists posting '...'", "ceux qui crient « ... »"): the quoted
words are someone else's, reported or condemned, so the model may weigh them differently from the
writer's own words. Searched only when the shared ``__quote__`` cue fired."""


def word_seq(norm: str, cues: list[str] | None = None) -> list[str]:
    """Word tokens of one normalised text followed by its cue pseudo-words (the unigrams of
    :func:`word_features`, in order; bigrams are formed over this sequence).

    ``__attributed_cta__`` and ``__attributed_quote__`` (see :data:`ATTRIBUTED_CTA`,
    :data:`ATTRIBUTED_QUOTE`) are added here, not in the shared cue lexicons, because only the
    toxicity heads use them.
    """
    seq = WORD_RE.findall(norm)
    cs = cue_list(norm) if cues is None else cues
    seq += cs
    if "__cta__" in cs and ATTRIBUTED_CTA.search(norm) is not None:
        seq.append("__attributed_cta__")
    if "__quote__" in cs and ATTRIBUTED_QUOTE.search(norm) is not None:
        seq.append("__attributed_quote__")
    return seq


def word_features(norm: str, cues: list[str] | None = None) -> list[str]:
    """Word unigrams and bigrams of one normalised text followed by its cue pseudo-words.

    The cues are appended to the token sequence before bigrams are formed, so
    adjacent cues also form pairs ("__group__ __derog__"): cheap conjunction
    features the linear model uses on top of the explicit ``__x_`` cues.
    """
    return _features_of(word_seq(norm, cues))


def _features_of(seq: list[str]) -> list[str]:
    """Unigrams then bigrams (``"a b"``) of a token sequence: the word model's feature strings."""
    return seq + [f"{a} {b}" for a, b in itertools.pairwise(seq)]


class WordHasher:
    """``FeatureHasher(input_type="string", alternate_sign=False)`` over :func:`_features_of` of token
    sequences, with the column of every unigram and bigram cached.

    Why: scikit-learn's hasher walks a Python generator of ``(feature, 1)`` pairs and every bigram
    string had to be built first (~17 µs a post for both). A stream's tokens and token pairs repeat
    (Zipf): each token gets a small integer id (one C-level ``map`` over the batch's tokens), its
    unigram column is an array look-up, and a bigram is keyed by the two ids packed in one integer,
    computed in numpy for the whole batch (no pair tuples or strings built, nothing for the garbage
    collector). Only unseen features are hashed. The matrix equals scikit-learn's (the tests compare).
    """

    _ID_BITS = 22  # bigram key = id_a << 22 | id_b; ids are reset before reaching 2**22

    def __init__(self, n_features: int, cache_size: int = 400_000) -> None:
        self.n_features = n_features
        self.cache_size = cache_size
        self._reset()

    def _reset(self) -> None:
        self._ids: dict[str, int] = {}
        self._words: list[str] = []
        self._ucols = np.zeros(4096, dtype=np.int64)  # id -> unigram column
        self._bi: dict[int, int] = {}  # packed id pair -> bigram column

    def _new_id(self, word: str) -> int:
        i = self._ids[word] = len(self._words)
        self._words.append(word)
        if i >= len(self._ucols):
            self._ucols = np.concatenate([self._ucols, np.zeros(len(self._ucols), dtype=np.int64)])
        self._ucols[i] = _column(word, self.n_features)
        return i

    def _bi_miss(self, key: int) -> int:
        a, b = self._words[key >> self._ID_BITS], self._words[key & ((1 << self._ID_BITS) - 1)]
        col = self._bi[key] = _column(f"{a} {b}", self.n_features)
        return col

    def transform(self, seqs: list[list[str]]) -> sp.csr_matrix:
        """(n, n_features) L2-normalised feature counts, as :func:`featurize_words` of the feature lists.

        Rows and columns of every unigram and within-post bigram are counted by scipy's COO -> CSR
        conversion, whose canonical form (sorted columns, summed repeats) is the one scikit-learn's
        hasher returns.
        """
        if len(self._words) + len(self._bi) > self.cache_size or len(self._words) >= 1 << (self._ID_BITS - 1):
            self._reset()
        n = len(seqs)
        flat = list(itertools.chain.from_iterable(seqs))
        ids = list(map(self._ids.get, flat))
        if None in ids:
            ids = [self._new_id(w) if i is None else i for i, w in zip(ids, flat, strict=True)]
        ida = np.array(ids, dtype=np.int64)
        lengths = np.fromiter(map(len, seqs), dtype=np.int64, count=n)
        follow = np.ones(len(flat), dtype=bool)  # token j and j + 1 are in the same post
        follow[np.cumsum(lengths)[lengths > 0] - 1] = False
        first = np.flatnonzero(follow)
        keys = ((ida[first] << self._ID_BITS) | ida[first + 1]).tolist()
        bcols = list(map(self._bi.get, keys))
        if None in bcols:
            bcols = [self._bi_miss(k) if c is None else c for c, k in zip(bcols, keys, strict=True)]
        cols = np.concatenate([self._ucols[ida], np.array(bcols, dtype=np.int64)]).astype(np.int32)
        rows = np.concatenate(
            [np.repeat(np.arange(n), lengths), np.repeat(np.arange(n), np.maximum(lengths - 1, 0))]
        )
        x = sp.csr_matrix(
            sp.coo_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=(n, self.n_features))
        )
        x.sum_duplicates()
        return _row_normalise(x)


def featurize_words(feature_lists: list[list[str]]) -> sp.csr_matrix:
    """(n, WORD_FEATURES) L2-normalised counts of precomputed feature lists."""
    x = _word_hasher().transform(feature_lists)  # type: ignore[attr-defined]
    x = sp.csr_matrix(x, dtype=np.float32)
    x.sum_duplicates()
    return _row_normalise(x)


def _row_normalise(x: sp.csr_matrix) -> sp.csr_matrix:
    lengths = np.diff(x.indptr)
    if x.nnz == 0:
        return x
    row_of = np.repeat(np.arange(x.shape[0]), lengths)
    sq = np.bincount(row_of, weights=(x.data.astype(np.float64) ** 2), minlength=x.shape[0])
    norms = np.sqrt(sq).astype(np.float32)
    norms[norms == 0] = 1.0
    x.data /= norms[row_of]
    return x


class CharWbHasher:
    """``HashingVectorizer(analyzer="char_wb", alternate_sign=False, norm="l2")``, with a per-word cache.

    Why not call scikit-learn: its analyzer builds every n-gram string of every
    post in Python (~50 µs a post). char_wb n-grams never cross a word, so a
    post's columns are the concatenation of its words' columns, and those are
    cached per word (a stream's vocabulary is Zipfian): a post costs one dict
    look-up per word, and counting and normalisation run in numpy for the whole
    batch. The test suite checks the matrix equals scikit-learn's.
    """

    def __init__(self, min_n: int, max_n: int, n_features: int, cache_size: int = 50_000) -> None:
        self.min_n, self.max_n, self.n_features = min_n, max_n, n_features
        self.cache_size = cache_size
        self._cols: dict[str, np.ndarray] = {}

    def grams(self, word: str) -> list[str]:
        """char_wb n-grams of one word (padded with a space each side, as scikit-learn does)."""
        w = f" {word} "
        return [w[i : i + n] for n in range(self.min_n, self.max_n + 1) for i in range(len(w) - n + 1)]

    def word_cols(self, word: str) -> np.ndarray:
        """Hashed columns of one word's n-grams (with repeats), cached."""
        cols = self._cols.get(word)
        if cols is None:
            if len(self._cols) >= self.cache_size:
                self._cols.clear()
            cols = self._cols[word] = self._hash_word(word)
        return cols

    def _hash_word(self, word: str) -> np.ndarray:
        from sklearn.utils import murmurhash3_32

        h = np.abs(np.asarray([murmurhash3_32(g, seed=0) for g in self.grams(word)], dtype=np.int64))
        return (h % self.n_features).astype(np.int32)

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """(n, n_features) L2-normalised n-gram counts.

        Every word of the batch is looked up by one C-level ``map`` (was a Python loop per word, ~9 %
        of the fast path): the words' column arrays, in order, are the matrix's indices, and a text's
        row ends where its last word's n-grams end (cumulative sums, in numpy).
        """
        n = len(texts)
        splits = list(map(str.split, texts))
        flat = list(itertools.chain.from_iterable(splits))
        cache = self._cols
        missing = set(flat).difference(cache)
        if missing:
            if len(cache) + len(missing) > self.cache_size:  # emptied whole, as word_cols does
                cache.clear()
                missing = set(flat)
            for w in missing:
                cache[w] = self._hash_word(w)
        parts = list(map(cache.__getitem__, flat))
        indptr = np.zeros(n + 1, dtype=np.int64)
        if parts:
            # cum[k]: n-grams of the batch's first k words; a text's row ends after its last word
            cum = np.zeros(len(parts) + 1, dtype=np.int64)
            np.cumsum(np.fromiter(map(len, parts), dtype=np.int64, count=len(parts)), out=cum[1:])
            indptr[1:] = cum[np.cumsum(np.fromiter(map(len, splits), dtype=np.int64, count=n))]
        indices = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        x = sp.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(texts), self.n_features)
        )
        x.sum_duplicates()
        return _row_normalise(x)


_CHARS = CharWbHasher(2, 4, CHAR_FEATURES)
_WORDS = WordHasher(WORD_FEATURES)
_UNCERTAIN = np.array(
    [C.SIGNALS_CASCADE_UNCERTAIN] * 3 + [C.SIGNALS_CASCADE_UNCERTAIN_ABUSE], dtype=np.float32
)
"""Per-head word-model scores from which the full model re-scores a post (LABELS order; abuse apart)."""


def featurize_chars(norm_texts: list[str]) -> sp.csr_matrix:
    """(n, CHAR_FEATURES) hashed char_wb 2-4 grams (identical to the vectoriser the model was trained with)."""
    return _CHARS.transform(norm_texts)


def featurize(norm_texts: list[str]) -> sp.csr_matrix:
    """Full feature matrix for already-normalised texts: [char n-grams | words + cue pseudo-words]."""
    xw = featurize_words([word_features(t) for t in norm_texts])
    return sp.hstack([featurize_chars(norm_texts), xw], format="csr")


@lru_cache(maxsize=200_000)
def _column(feature: str, n_features: int) -> int:
    """Hashed column of one feature string, exactly as ``FeatureHasher``/``HashingVectorizer`` place it."""
    from sklearn.utils import murmurhash3_32

    return abs(int(murmurhash3_32(feature, seed=0))) % n_features


@dataclass(slots=True)
class CascadeResult:
    """Probabilities (n, 4) and what the explanations need from the featurisation."""

    probs: np.ndarray
    candidates: np.ndarray  # bool (n,): re-scored by the full model
    seqs: list[list[str]]  # word_seq() per text: the explanation rebuilds the feature strings from it
    word_x: sp.csr_matrix
    cand_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    char_x: sp.csr_matrix | None = None  # rows of cand_idx only


@dataclass(slots=True)
class ToxicityModel:
    """Four logistic heads for the full model and four for the word-only (fast) model."""

    coef: np.ndarray  # (CHAR_FEATURES + WORD_FEATURES, 4) float32: full model
    intercept: np.ndarray  # (4,)
    version: str
    meta: dict[str, object]
    coef_word: np.ndarray | None = None  # (WORD_FEATURES, 4): fast model; None in pre-cascade files
    intercept_word: np.ndarray | None = None

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> ToxicityModel:
        """Load the shipped model (raises FileNotFoundError with the rebuild command if absent)."""
        if not path.exists():
            raise FileNotFoundError(f"{path} missing: rebuild it with `wavebreak train signals`")
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            coef = z["coef"].astype(np.float32)
            intercept = z["intercept"].astype(np.float32)
            cw = z["coef_word"].astype(np.float32) if "coef_word" in z else None
            iw = z["intercept_word"].astype(np.float32) if "intercept_word" in z else None
        return cls(coef, intercept, str(meta["version"]), meta, cw, iw)

    def save(self, path: Path = MODEL_FILE) -> None:
        """Write the model as a compressed npz (float16 weights: a few MB)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        extra: dict[str, np.ndarray] = {}
        if self.coef_word is not None and self.intercept_word is not None:
            extra = {
                "coef_word": self.coef_word.astype(np.float16),
                "intercept_word": self.intercept_word.astype(np.float32),
            }
        np.savez_compressed(
            path,
            coef=self.coef.astype(np.float16),
            intercept=self.intercept.astype(np.float32),
            meta=np.array(json.dumps(self.meta | {"version": self.version})),
            **extra,
        )

    @staticmethod
    def make_version(coef: np.ndarray, coef_word: np.ndarray | None = None) -> str:
        """``toxicity-<release>-<hash>``: the hash of the weights, so a decision traces to exact weights."""
        h = hashlib.sha256(coef.astype(np.float16).tobytes())
        if coef_word is not None:
            h.update(coef_word.astype(np.float16).tobytes())
        return f"toxicity-{C.SIGNALS_MODEL_RELEASE}-{h.hexdigest()[:10]}"

    def predict_features(self, x: sp.csr_matrix) -> np.ndarray:
        """Full-model probabilities (n, 4) in LABELS order for a matrix from :func:`featurize`."""
        z = x @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def cascade(
        self, norm_texts: list[str], obfuscated: list[bool] | None = None, force_full: bool = False
    ) -> CascadeResult:
        """Word model for every text, full model for candidates (see the module docstring)."""
        n = len(norm_texts)
        cues = [cue_list(t) for t in norm_texts]
        seqs = [word_seq(t, c) for t, c in zip(norm_texts, cues, strict=True)]
        xw = _WORDS.transform(seqs)
        if self.coef_word is None or self.intercept_word is None or force_full:
            cand = np.ones(n, dtype=bool)
            probs = np.zeros((n, len(LABELS)), dtype=np.float32)
        else:
            probs = 1.0 / (1.0 + np.exp(-(xw @ self.coef_word + self.intercept_word)))
            cand = (probs >= _UNCERTAIN).any(axis=1)
            for i, cs in enumerate(cues):
                if not cand[i] and (
                    (obfuscated is not None and obfuscated[i]) or not RISK_CUES.isdisjoint(cs)
                ):
                    cand[i] = True
        res = CascadeResult(probs=probs, candidates=cand, seqs=seqs, word_x=xw)
        idx = np.flatnonzero(cand)
        if len(idx):
            xc = featurize_chars([norm_texts[i] for i in idx])
            full = sp.hstack([xc, xw[idx]], format="csr")
            probs[idx] = self.predict_features(full)
            res.cand_idx, res.char_x = idx, xc
        return res

    def predict(self, texts: list[str]) -> np.ndarray:
        """Cascade probabilities (n, 4) for raw texts (what the stage computes)."""
        flagged = [normalise_flag(t) for t in texts]
        return self.cascade([f[0] for f in flagged], [f[1] for f in flagged]).probs

    def explain_row(self, res: CascadeResult, i: int, norm: str, label: str) -> tuple[str, ...]:
        """Top positive contributions for ``label`` of row ``i``: words of the post, then the strongest cue.

        Word-model rows use the fast coefficients, candidates the full model's
        (char n-gram contributions summed per word so the explanation quotes
        "vermin", not "ver").
        """
        j = LABELS.index(label)
        full = bool(res.candidates[i]) or self.coef_word is None
        xw = res.word_x
        lo, hi = xw.indptr[i], xw.indptr[i + 1]
        val_of = dict(zip(xw.indices[lo:hi].tolist(), xw.data[lo:hi].tolist(), strict=True))
        if full:
            wcoef = self.coef[CHAR_FEATURES:, j]
        else:
            assert self.coef_word is not None
            wcoef = self.coef_word[:, j]
        per_word: dict[str, float] = {}
        cues: dict[str, float] = {}
        # distinct features in first-occurrence order, not a set's (whose order follows the string-hash
        # seed): a word's weight is summed from its unigram and bigrams in this order, and float sums
        # in another order can differ in the last bit, enough to swap two near-equal words
        feats = list(dict.fromkeys(_features_of(res.seqs[i])))
        cols = [_column(f, WORD_FEATURES) for f in feats]
        for feat, col, wc in zip(feats, cols, wcoef[cols].tolist(), strict=True):
            w = val_of.get(col, 0.0) * wc
            if w <= 0:
                continue
            if feat.startswith("__"):
                cues[feat] = w
            elif " " in feat:
                for t in feat.split(" ", 1):
                    per_word[t] = per_word.get(t, 0.0) + w / 2
            else:
                per_word[feat] = per_word.get(feat, 0.0) + w
        if full and res.char_x is not None:
            xc = res.char_x
            r = int(np.searchsorted(res.cand_idx, i))
            idx = xc.indices[xc.indptr[r] : xc.indptr[r + 1]]
            data = xc.data[xc.indptr[r] : xc.indptr[r + 1]]
            if len(idx):
                order = np.argsort(idx)  # indices are sorted after sum_duplicates; argsort keeps this safe
                idx, data = idx[order], data[order]
                ccoef = self.coef[:CHAR_FEATURES, j]
                # every word's n-gram columns in one array: one search and one product for the row
                # (was ~9 numpy calls per word); each word's total is the sum of its own slice, the
                # same float32 values summed in the same order as before
                words = list(dict.fromkeys(norm.split()))  # first-occurrence order (see ``feats``)
                wcols = [_CHARS.word_cols(w) for w in words]
                allc = np.concatenate(wcols)
                pos = np.minimum(np.searchsorted(idx, allc), len(idx) - 1)
                prod = data[pos] * ccoef[allc] * (idx[pos] == allc)
                ends = np.cumsum([len(c) for c in wcols]).tolist()
                start = 0
                for word, end in zip(words, ends, strict=True):
                    tot = float(prod[start:end].sum()) / max(1, len(word))
                    start = end
                    if tot > 0:
                        per_word[word] = per_word.get(word, 0.0) + tot
        # Ties are broken by name, never by the order of the sets above (string hashing differs per
        # process, and a replay must explain a decision the same way); among equally strong cues a
        # labelled one ("__cta_x_target__") is named before a cue pair ("__cta__ __cta_x_target__").
        ranked = sorted(
            ((w, v) for w, v in per_word.items() if w not in _STOP), key=lambda kv: (-kv[1], kv[0])
        )
        out = [f'"{w}"' for w, _ in ranked[: C.SIGNALS_EXPLAIN_TOP]]
        top_cue = sorted(cues.items(), key=lambda kv: (-kv[1], kv[0] not in CUE_LABELS, kv[0]))[:1]
        out += [CUE_LABELS.get(c, c) for c, _ in top_cue]
        return tuple(out)

    def explain(self, norm: str, label: str) -> tuple[str, ...]:
        """Explanation for one normalised text (convenience; the stage explains rows of a batch)."""
        res = self.cascade([norm], force_full=True)
        return self.explain_row(res, 0, norm, label)


_POOLS: dict[str, dict[str, dict[float, Signal]]] = {}
"""Unflagged toxicity signals by model version, head and (4-decimal) score, shared between posts
(at most ``SIGNALS_SHARED_SIGNAL_POOL_MAX`` per head)."""


def _unflagged_pools(version: str) -> dict[str, dict[float, Signal]]:
    """The per-head pools of ``version``, emptied when one grows past ``SIGNALS_SHARED_SIGNAL_POOL_MAX`` entries.

    Why: an unflagged signal is fully determined by (head, rounded score, version), and there are
    at most 10,001 scores a head; sharing the objects (nothing mutates a Signal: the stage already
    shares them between posts of one text) saves four allocations a post, and as many long-lived
    objects in the text cache for the garbage collector to walk.
    """
    pools = _POOLS.get(version)
    if pools is None or any(len(p) > C.SIGNALS_SHARED_SIGNAL_POOL_MAX for p in pools.values()):
        pools = _POOLS[version] = {label: {} for label in LABELS}
    return pools


def _pooled(pool: dict[float, Signal], label: str, p: float, version: str) -> Signal:
    sig = pool[p] = Signal(label, p, None, version)
    return sig


def score_normalised(
    model: ToxicityModel,
    norm_texts: list[str],
    explain: bool = True,
    obfuscated: list[bool] | None = None,
    stats: dict[str, float] | None = None,
) -> list[dict[str, Signal]]:
    """The four toxicity signals per text; explanations only for scores above the flag threshold.

    ``stats["full_model_texts"]``, when given, counts the texts the cascade sent to the full model.
    """
    if not norm_texts:
        return []
    res = model.cascade(norm_texts, obfuscated)
    if stats is not None:
        stats["full_model_texts"] = stats.get("full_model_texts", 0) + int(res.candidates.sum())
    probs = np.round(res.probs.astype(np.float64), 4)
    thr = C.SIGNALS_TOXICITY_FLAG
    version = model.version
    rows = probs.tolist()
    out: list[dict[str, Signal]] = []
    hot = (probs >= thr).any(axis=1)
    pools = _unflagged_pools(version)
    hp, ip, tp, ap = (pools[label] for label in LABELS)
    for i, (ph, pi, pt, pa) in enumerate(rows):
        if not hot[i]:
            out.append(
                {
                    "hate": hp.get(ph) or _pooled(hp, "hate", ph, version),
                    "incitement": ip.get(pi) or _pooled(ip, "incitement", pi, version),
                    "threat": tp.get(pt) or _pooled(tp, "threat", pt, version),
                    "abuse": ap.get(pa) or _pooled(ap, "abuse", pa, version),
                }
            )
            continue
        row: dict[str, Signal] = {}
        for label, p in zip(LABELS, (ph, pi, pt, pa), strict=True):
            if p >= thr:
                expl = model.explain_row(res, i, norm_texts[i], label) if explain else ()
                row[label] = Signal(label, p, label, version, expl)
            else:
                row[label] = Signal(label, p, None, version)
        out.append(row)
    return out


@lru_cache(maxsize=1)
def default_model() -> ToxicityModel:
    """The shipped model, loaded once per process."""
    return ToxicityModel.load()
