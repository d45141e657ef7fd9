"""Speed-ups of stance, language ID, credibility and the slow path keep every output.

Each fast form is compared with the form it replaced (scikit-learn's vectorisers, the per-token vote
loop, the un-memoised URL parser, one explanation per text) on texts that stress tokenisation:
empty and one-word texts, repeats, "?"/"!", apostrophes, accents, Arabic, URLs and mentions, plus the
hand-written functional suites of both languages.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from wavebreak.core import constants as C
from wavebreak.signals import credibility as cred
from wavebreak.signals import lang as L
from wavebreak.signals import stance as S
from wavebreak.signals.eval import load_functional
from wavebreak.signals.text import WORD_RE, normalise_light

STRESS = [
    "",
    "?",
    "word",
    "a a a a b b",
    "is this true?? source? really ? c'est vrai ? c’est faux, d'où vient cette info !!",
    "Police say this is FALSE: the attacker was NOT an asylum seeker. Stop sharing! #FakeNews",
    "@bbc @sky https://t.co/x1 www.example.org/a?b=c see http://news.example.co.uk/x",
    "Le suspect, un demandeur d'asile arrivé en bateau, était fiché S. Info ou intox ?",
    "l'homme qu'il a vu n'est pas celui-là, c'est une rumeur, arrêtez de partager",
    "el hombre y la mujer están aquí, pero the and mais y",
    "هذا خبر كاذب the police say",
    "under_score snake_case __cue__ user urltoken a_b",
    "ÉTÉ À L'ÉCOLE, DÉMENTI OFFICIEL",
    "one two  three\tfour\nfive   ",
    "t'aime j'ai qu'on s'il m'a",
]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    out = list(STRESS)
    for lang in ("en", "fr"):
        for cases in load_functional(lang).values():
            out += [c["text"] for c in cases]
    return out + [t.upper() for t in STRESS]


# ------------------------------------------------------------------ stance


def _sklearn_word(n_features: int) -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        n_features=n_features,
        ngram_range=(1, 2),
        alternate_sign=False,
        norm="l2",
        token_pattern=r"(?u)\b\w+\b|[?!]",
        preprocessor=None,
        lowercase=False,
    )


@pytest.mark.parametrize("n_features", [2**18, 1000])
def test_word_hasher_is_scikit_learns_bit_for_bit(texts: list[str], n_features: int) -> None:
    norms = [S._norm(t) for t in texts]
    ref = _sklearn_word(n_features).transform(norms).astype(np.float32)
    hasher = S.WordNgramHasher(n_features)
    for _ in range(2):  # cold, then every column from the cache
        got = hasher.transform([S._WORD_RE.findall(n) for n in norms])
        assert got.dtype == np.float32
        assert np.array_equal(got.indptr, ref.indptr)
        assert np.array_equal(got.indices, ref.indices)
        assert np.array_equal(got.data, ref.data)


def test_tokens_from_words_equal_the_token_regex(texts: list[str]) -> None:
    for t in texts:
        norm = S._norm(t)
        assert S._tokens_of(S._WORD_RE.findall(norm)) == S._tokens(norm), t


def test_batched_explanations_equal_the_per_text_route(texts: list[str]) -> None:
    model = S.StanceModel.load()
    sigs = model.predict(texts)
    x = S._featurise(texts, None, None, model.n_features, model.char_range)
    dense = x[:, 2 * model.n_features :].toarray()
    probs, hits = model.predict_proba(texts)
    for i, (t, sig) in enumerate(zip(texts, sigs, strict=True)):
        k = int(probs[i].argmax())
        expl = model._explain(t, k, dense[i])
        if hits[i]:
            expl = (f"lexicon: {hits[i]}", *expl)
        assert sig.explanation == expl, t
        assert sig.score == round(float(probs[i, k]), 4)


def test_contiguous_coefficients_give_the_transposed_products(texts: list[str]) -> None:
    model = S.StanceModel.load()
    x = S._featurise(texts, None, None, model.n_features, model.char_range)
    assert model._coef_t.flags["C_CONTIGUOUS"]
    assert np.array_equal(np.asarray(x @ model._coef_t), np.asarray(x @ model.coef.T))


def test_hash_column_is_feature_hashers() -> None:
    from sklearn.feature_extraction import FeatureHasher

    feats = ["", "a", "a b", "é", "démenti", "?", "x" * 300]
    for n in (2**18, 997):
        ref = FeatureHasher(n_features=n, input_type="string", alternate_sign=False)
        want = [int(ref.transform([[f]]).indices[0]) for f in feats]
        assert [S._hash_column(f, n) for f in feats] == want
        assert S._hash_columns(feats, n) == want
    assert S._hash_columns([], 8) == []


# ------------------------------------------------------------------ language vote


def _vote_loop(light: str) -> str | None:
    """The per-token vote as it was written before the set form (reference)."""
    if not light:
        return None
    if not light.isascii() and L._ARABIC.search(light):
        letters = len(L._LETTER.findall(light))
        if letters and sum(ch.isalpha() for ch in L._ARABIC.findall(light)) * 2 > letters:
            return "ar"
    en = fr = 0
    for tok in WORD_RE.findall(light):
        if tok in L.EN_WORDS:
            en += 1
        elif tok in L.FR_WORDS or tok.startswith(L.FR_ELISIONS):
            fr += 1
        elif tok in L.OTHER_WORDS:
            return None
    if en >= 2 and fr == 0:
        return "en"
    if fr >= 2 and en == 0:
        return "fr"
    return None


def test_vote_equals_the_per_token_loop(texts: list[str]) -> None:
    assert not (L.EN_WORDS & L.FR_WORDS)  # the set form counts each list apart
    lights = [normalise_light(t) for t in texts]
    words = sorted(L.EN_WORDS | L.FR_WORDS | L.OTHER_WORDS)
    rng = np.random.default_rng(0)
    for _ in range(2000):  # random function-word mixes, with elisions
        k = int(rng.integers(1, 6))
        toks = [str(w) for w in rng.choice(words, size=k)]
        if rng.random() < 0.3:
            toks.append(str(rng.choice(list(L.FR_ELISIONS))) + "avion")
        lights.append(" ".join(toks))
    for light in lights:
        assert L.vote(light) == _vote_loop(light), light


# ------------------------------------------------------------------ credibility


def test_domain_memo_equals_the_parser() -> None:
    urls = ["https://www.Example.org/x", "example.org/path", "http://[::1", "www2.news.co.uk", "", "//a.b"]
    for u in urls + urls:
        assert cred._domain(u) == cred._parse_domain(u), u
    assert len(cred._DOMAINS) <= cred._DOMAINS_MAX


# ------------------------------------------------------------------ slow path threads


class _Backend:
    def __init__(self) -> None:
        self.threads = 4
        self.seen: list[int] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen.append(self.threads)
        return np.zeros((len(texts), 512), dtype=np.float32)


class _Encoder:
    def __init__(self) -> None:
        self._model = _Backend()

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(texts)


def test_small_encoder_calls_run_on_one_blas_thread() -> None:
    from wavebreak.signals.embedders import SharedUSE

    shared = object.__new__(SharedUSE)  # the per-call thread choice, without loading the weights
    enc = _Encoder()
    shared._use = enc
    shared.encode(["a"] * 3)
    shared.encode(["a"] * C.SIGNALS_EMBED_THREADED_MIN_TEXTS)
    assert enc._model.seen == [1, C.SIGNALS_EMBED_THREADS]


# ------------------------------------------------------------------ stance explanations


def test_stance_explanations_read_the_weights_of_the_words_columns() -> None:
    """An explanation names words by their own weights: the column the vectoriser hashed each word
    into (signed MurmurHash3, absolute value modulo the width), not the unsigned hash's column."""
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.utils import murmurhash3_32

    from wavebreak.signals.stance import StanceModel

    model = StanceModel.load()
    hv = HashingVectorizer(
        n_features=model.n_features, token_pattern=r"(?u)\b\w+\b|[?!]", lowercase=False,
        alternate_sign=False, norm=None,
    )  # fmt: skip
    words = ["fake", "false", "police", "denied", "confirmed", "true", "hoax", "rumour", "debunked", "is"]
    model._hash_cache.clear()
    k = 0
    model._explain_words(words, k, [0.0] * 64, top=len(words))
    negative = 0
    for w in words:
        col = int(hv.transform([w]).indices[0])
        assert model._hash_cache[w] == tuple(model.coef[:, col].tolist()), w
        negative += int(murmurhash3_32(w, seed=0)) < 0
    assert negative > 0  # the words include some whose signed hash is negative (the broken case)
