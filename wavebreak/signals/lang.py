"""Language ID shipped inside the package: en / fr / ar / other, with calibrated confidence.

Why our own model rather than a download: nothing may fetch weights at run
time, and the pipeline only needs to route the languages it has models for
(English, French, Arabic) and mark the rest as ``other``. A multinomial
logistic regression over hashed character 1-3 grams is tiny (a few hundred
KB), vectorised over a batch, and its probabilities are close to calibrated
(logistic loss); the eval command reports accuracy and an expected
calibration error on held-out posts. Below ``SIGNALS_LANG_MIN_CONFIDENCE``
the label is ``und`` (undetermined) rather than a guess.
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
from wavebreak.core.records import Signal, SignalName
from wavebreak.signals.text import normalise_light

MODEL_FILE = Path(__file__).resolve().parent / "models" / "lang.npz"
LANG_FEATURES = 2**16
CLASSES: tuple[str, ...] = ("ar", "en", "fr", "other")


@lru_cache(maxsize=1)
def _vectorizer() -> object:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(1, 3),
        n_features=LANG_FEATURES,
        alternate_sign=False,
        norm="l2",
        lowercase=False,
        dtype=np.float32,
    )


def featurize(light_texts: list[str]) -> sp.csr_matrix:
    """Hashed char 1-3 grams of light-normalised texts (accents kept: they are the best French cue)."""
    return _vectorizer().transform(light_texts)  # type: ignore[attr-defined]


@dataclass(slots=True)
class LangModel:
    """Multinomial logistic regression over hashed character n-grams."""

    coef: np.ndarray  # (n_features, n_classes)
    intercept: np.ndarray
    classes: tuple[str, ...]
    version: str

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> LangModel:
        if not path.exists():
            raise FileNotFoundError(f"{path} missing: rebuild it with `wavebreak train signals`")
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            return cls(
                z["coef"].astype(np.float32),
                z["intercept"].astype(np.float32),
                tuple(meta["classes"]),
                str(meta["version"]),
            )

    def save(self, path: Path = MODEL_FILE, extra: dict[str, object] | None = None) -> None:
        meta = {"classes": list(self.classes), "version": self.version} | (extra or {})
        np.savez_compressed(
            path, coef=self.coef.astype(np.float16), intercept=self.intercept, meta=np.array(json.dumps(meta))
        )

    @staticmethod
    def make_version(coef: np.ndarray) -> str:
        digest = hashlib.sha256(coef.astype(np.float16).tobytes()).hexdigest()[:10]
        return f"lang-{C.SIGNALS_MODEL_RELEASE}-{digest}"

    def predict_proba_features(self, x: sp.csr_matrix) -> np.ndarray:
        z = x @ self.coef + self.intercept
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def predict_light(self, light_texts: list[str]) -> list[tuple[str, float]]:
        """(label, confidence) per light-normalised text; ``und`` when empty or unsure."""
        if not light_texts:
            return []
        p = self.predict_proba_features(featurize(light_texts))
        best = p.argmax(axis=1)
        out: list[tuple[str, float]] = []
        for i, t in enumerate(light_texts):
            conf = float(p[i, best[i]])
            if not any(ch.isalpha() for ch in t):
                out.append(("und", 0.0))
            elif conf < C.SIGNALS_LANG_MIN_CONFIDENCE:
                out.append(("und", conf))
            else:
                out.append((self.classes[best[i]], conf))
        return out

    def predict(self, texts: list[str]) -> list[tuple[str, float]]:
        """(label, confidence) per raw text."""
        return self.predict_light([normalise_light(t) for t in texts])


@lru_cache(maxsize=1)
def default_model() -> LangModel:
    """The shipped language model, loaded once per process."""
    return LangModel.load()


def detect(texts: list[str]) -> list[Signal]:
    """Language signals (label = ISO 639-1 code, ``other`` or ``und``; score = confidence)."""
    model = default_model()
    return [
        Signal(name=SignalName.LANG, score=round(c, 4), label=lab, model=model.version)
        for lab, c in model.predict(texts)
    ]
