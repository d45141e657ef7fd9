"""Fast-path toxicity: four linear heads (hate, incitement, threat, abuse) over hashed n-grams.

Why this design: the fast path must score tens of thousands of posts per
second on one core, with no download and an explanation for every positive.
One feature matrix is built per batch (char_wb 2-4 n-grams of the normalised
text, word 1-2 grams, plus lexicon cue pseudo-words from
:func:`wavebreak.signals.text.cue_tokens`), and the four heads are a single
sparse x dense product. Hashing (no vocabulary) keeps the shipped file small
and makes unseen spellings cost nothing. The cue lexicons carry what the
corpora lack (calls to action x targets, counter-speech, reporting,
negation); the learned weights decide how much each cue counts, and the
model card documents the data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from wavebreak.core import constants as C
from wavebreak.core.records import Signal
from wavebreak.signals.text import CUE_LABELS, cue_tokens, normalise

LABELS: tuple[str, ...] = ("hate", "incitement", "threat", "abuse")
MODEL_DIR = Path(__file__).resolve().parent / "models"
MODEL_FILE = MODEL_DIR / "toxicity.npz"

_STOP = frozenset(
    ["a", "an", "the", "is", "are", "was", "were", "be", "to", "of", "and", "or", "in", "on", "at", "it", "this", "that", "i", "you", "he", "she", "we", "they", "les", "la", "le", "de", "des", "du", "et", "ou", "un", "une", "est", "sont", "a", "en", "au", "aux", "ce", "ces", "il", "elle", "on", "nous", "vous", "ils", "elles"]
)
"""Function words never quoted alone in explanations: they carry weight only inside n-grams."""

CHAR_FEATURES = 2**18
WORD_FEATURES = 2**17


@lru_cache(maxsize=1)
def _vectorizers() -> tuple[object, object]:
    """The two hashing vectorisers (stateless; built once per process)."""
    from sklearn.feature_extraction.text import HashingVectorizer

    char = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 4),
        n_features=CHAR_FEATURES,
        alternate_sign=False,
        norm="l2",
        lowercase=False,
        dtype=np.float32,
    )
    word = HashingVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        n_features=WORD_FEATURES,
        alternate_sign=False,
        norm="l2",
        lowercase=False,
        token_pattern=r"[\w'@-]+",
        dtype=np.float32,
    )
    return char, word


def featurize(norm_texts: list[str]) -> sp.csr_matrix:
    """Feature matrix for already-normalised texts: [char n-grams | words + cue pseudo-words]."""
    char, word = _vectorizers()
    with_cues = [f"{t} {cue_tokens(t)}" for t in norm_texts]
    xc = char.transform(norm_texts)  # type: ignore[attr-defined]
    xw = word.transform(with_cues)  # type: ignore[attr-defined]
    return sp.hstack([xc, xw], format="csr")


def feature_names_for(norm: str) -> list[tuple[str, int]]:
    """(n-gram, column) pairs for one normalised text: lets explanations name hashed features."""
    from sklearn.utils import murmurhash3_32

    char, word = _vectorizers()
    out: list[tuple[str, int]] = []
    for g in set(char.build_analyzer()(norm)):  # type: ignore[attr-defined]
        out.append((g, abs(murmurhash3_32(g, seed=0)) % CHAR_FEATURES))
    for g in set(word.build_analyzer()(f"{norm} {cue_tokens(norm)}")):  # type: ignore[attr-defined]
        out.append((g, CHAR_FEATURES + abs(murmurhash3_32(g, seed=0)) % WORD_FEATURES))
    return out


@dataclass(slots=True)
class ToxicityModel:
    """Four logistic heads sharing one hashed feature space."""

    coef: np.ndarray  # (n_features, 4) float32
    intercept: np.ndarray  # (4,)
    version: str
    meta: dict[str, object]

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> ToxicityModel:
        """Load the shipped model (raises FileNotFoundError with the rebuild command if absent)."""
        if not path.exists():
            raise FileNotFoundError(f"{path} missing: rebuild it with `wavebreak train signals`")
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            coef = z["coef"].astype(np.float32)
            intercept = z["intercept"].astype(np.float32)
        return cls(coef=coef, intercept=intercept, version=str(meta["version"]), meta=meta)

    def save(self, path: Path = MODEL_FILE) -> None:
        """Write the model as a compressed npz (float16 weights: a few MB)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            path,
            coef=self.coef.astype(np.float16),
            intercept=self.intercept.astype(np.float32),
            meta=np.array(json.dumps(self.meta | {"version": self.version})),
        )

    @staticmethod
    def make_version(coef: np.ndarray) -> str:
        """``toxicity-<release>-<hash>``: the hash of the weights, so a decision traces to exact weights."""
        digest = hashlib.sha256(coef.astype(np.float16).tobytes()).hexdigest()[:10]
        return f"toxicity-{C.SIGNALS_MODEL_RELEASE}-{digest}"

    def predict_features(self, x: sp.csr_matrix) -> np.ndarray:
        """Probabilities (n, 4) in LABELS order for a feature matrix from :func:`featurize`."""
        z = x @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def predict(self, texts: list[str]) -> np.ndarray:
        """Probabilities (n, 4) for raw texts."""
        return self.predict_features(featurize([normalise(t) for t in texts]))

    def explain(self, norm: str, label: str, top: int = C.SIGNALS_EXPLAIN_TOP) -> tuple[str, ...]:
        """Top positive contributions for ``label`` as readable spans and cue descriptions.

        Char n-gram contributions are summed per word so the explanation quotes
        words of the post ("vermin", "burn") rather than fragments ("ver").
        """
        j = LABELS.index(label)
        x = featurize([norm])
        cols = x.indices
        vals = x.data * self.coef[cols, j]
        weight_of = dict(zip(cols.tolist(), vals.tolist(), strict=True))
        per_word: dict[str, float] = {}
        words = norm.split()
        cues: dict[str, float] = {}
        for gram, col in feature_names_for(norm):
            w = weight_of.get(col, 0.0)
            if w <= 0:
                continue
            if "__" in gram:
                if gram.startswith("__") and " " not in gram:
                    cues[gram] = cues.get(gram, 0.0) + w
                continue
            if col < CHAR_FEATURES:
                g = gram.strip()
                for word in words:
                    if g and g in word:
                        per_word[word] = per_word.get(word, 0.0) + w / max(1, len(word))
            else:
                per_word[gram] = per_word.get(gram, 0.0) + w
        ranked = sorted(((w, v) for w, v in per_word.items() if w not in _STOP), key=lambda kv: -kv[1])[:top]
        out = [f'"{w}"' for w, _ in ranked]
        out += [CUE_LABELS.get(c, c) for c, _ in sorted(cues.items(), key=lambda kv: -kv[1])[:2]]
        return tuple(out)


def score_normalised(
    model: ToxicityModel, norm_texts: list[str], explain: bool = True
) -> list[dict[str, Signal]]:
    """The four toxicity signals per text; explanations only for scores above the flag threshold."""
    if not norm_texts:
        return []
    probs = model.predict_features(featurize(norm_texts))
    out: list[dict[str, Signal]] = []
    thr = C.SIGNALS_TOXICITY_FLAG
    for i, norm in enumerate(norm_texts):
        row: dict[str, Signal] = {}
        for j, label in enumerate(LABELS):
            p = float(probs[i, j])
            expl = model.explain(norm, label) if explain and p >= thr else ()
            row[label] = Signal(
                name=label,
                score=round(p, 4),
                label=label if p >= thr else None,
                model=model.version,
                explanation=expl,
            )
        out.append(row)
    return out


@lru_cache(maxsize=1)
def default_model() -> ToxicityModel:
    """The shipped model, loaded once per process."""
    return ToxicityModel.load()
