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
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from wavebreak.core import constants as C
from wavebreak.core.records import Signal, SignalName
from wavebreak.signals.text import WORD_RE, normalise_light

MODEL_FILE = Path(__file__).resolve().parent / "models" / "lang.npz"
LANG_FEATURES = 2**16
CLASSES: tuple[str, ...] = ("ar", "en", "fr", "other")


# ---------------------------------------------------------------- fast vote (decides most posts)
# Function words distinctive of English / French. Homographs shared with a language we route as
# "other" are left out ("a", "on", "in", "la", "que", "il", "tu", "se", "me", "no", "so", "an").
EN_WORDS = frozenset(
    [
        "the",
        "and",
        "that",
        "this",
        "with",
        "you",
        "your",
        "they",
        "them",
        "their",
        "have",
        "has",
        "had",
        "what",
        "when",
        "where",
        "which",
        "would",
        "could",
        "should",
        "about",
        "just",
        "from",
        "been",
        "not",
        "but",
        "are",
        "were",
        "it's",
        "i'm",
        "don't",
        "can't",
        "isn't",
        "aren't",
        "doesn't",
        "didn't",
        "won't",
        "there",
        "here",
        "our",
        "she",
        "his",
        "her",
        "it",
        "of",
        "to",
        "is",
        "for",
        "was",
        "be",
        "we",
        "my",
        "if",
        "or",
        "by",
        "all",
        "out",
        "up",
        "how",
        "why",
        "who",
        "than",
        "then",
        "these",
        "those",
        "very",
        "really",
        "because",
        "every",
        "never",
        "always",
        "being",
        "over",
        "still",
        "going",
        "gonna",
        "want",
        "think",
        "like",
        "said",
        "says",
        "will",
        "after",
        "before",
        "today",
        "tonight",
        "people",
        "know",
        "now",
        "get",
        "got",
        "can",
    ]
)
FR_WORDS = frozenset(
    [
        "le",
        "les",
        "des",
        "du",
        "une",
        "est",
        "et",
        "pas",
        "je",
        "nous",
        "vous",
        "ils",
        "elles",
        "sont",
        "qui",
        "dans",
        "pour",
        "sur",
        "avec",
        "ce",
        "cette",
        "ces",
        "c'est",
        "mais",
        "ou",
        "au",
        "aux",
        "sa",
        "ses",
        "leur",
        "leurs",
        "ne",
        "n'est",
        "j'ai",
        "été",
        "être",
        "très",
        "plus",
        "tout",
        "tous",
        "toute",
        "toutes",
        "fait",
        "comme",
        "y",
        "à",
        "ça",
        "était",
        "quand",
        "rien",
        "même",
        "aussi",
        "encore",
        "déjà",
        "après",
        "avant",
        "contre",
        "chez",
        "moi",
        "toi",
        "lui",
        "eux",
        "mon",
        "ma",
        "mes",
        "ton",
        "ta",
        "tes",
        "notre",
        "nos",
        "votre",
        "vos",
        "faut",
        "ont",
        "avez",
        "avons",
        "suis",
        "sommes",
        "êtes",
    ]
)
FR_ELISIONS: tuple[str, ...] = ("l'", "d'", "qu'", "c'", "j'", "n'", "s'", "m'", "t'", "jusqu'", "lorsqu'")
OTHER_WORDS = frozenset(
    # es / it / pt / de / nl / sv / pl / id / tr function words that are neither English nor French
    [
        "el",
        "los",
        "las",
        "por",
        "con",
        "para",
        "una",
        "es",
        "y",
        "pero",
        "muy",
        "está",
        "del",
        "al",
        "lo",
        "como",
        "más",
        "este",
        "esta",
        "porque",
        "hay",
        "di",
        "che",
        "non",
        "della",
        "per",
        "sono",
        "gli",
        "nel",
        "anche",
        "questo",
        "molto",
        "não",
        "uma",
        "os",
        "em",
        "com",
        "mais",
        "isso",
        "está",
        "você",
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "ein",
        "eine",
        "ich",
        "sie",
        "mit",
        "auf",
        "für",
        "den",
        "dem",
        "zu",
        "auch",
        "wir",
        "sind",
        "wird",
        "het",
        "een",
        "van",
        "niet",
        "ik",
        "zijn",
        "wat",
        "met",
        "voor",
        "maar",
        "ook",
        "och",
        "att",
        "är",
        "inte",
        "jag",
        "det",
        "som",
        "på",
        "för",
        "med",
        "się",
        "nie",
        "jest",
        "na",
        "że",
        "jak",
        "ale",
        "yang",
        "dan",
        "di",
        "ini",
        "itu",
        "tidak",
        "dengan",
        "untuk",
        "bir",
        "ve",
        "bu",
        "çok",
        "ama",
        "için",
        "ile",
    ]
)


_OTHER_ONLY = frozenset(w for w in OTHER_WORDS - EN_WORDS - FR_WORDS if not w.startswith(FR_ELISIONS))
"""Other-language function words that the vote reads as such (the French list wins for shared ones)."""

_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufefc]")
_LETTER = re.compile(r"[^\W\d_]")


def vote(light: str) -> str | None:
    """ "en" / "fr" / "ar" when cheap evidence is unambiguous, else None (the char model decides).

    Why: the char n-gram model costs ~50 µs a post; counting distinctive function
    words costs ~3 µs and settles most posts of any length >= 2 function words.
    Rules: Arabic script on most letters -> ar; >= 2 English function words and
    no French or other-language one -> en; the mirror for French. Anything else
    (one function word, mixed votes, other languages, no words) goes to the model.
    The vote's confidence is its measured accuracy on the training split
    (``vote_confidence`` in ``lang.npz``), so the score stays calibrated.
    """
    if not light:
        return None
    if not light.isascii() and _ARABIC.search(light):
        letters = len(_LETTER.findall(light))
        if letters and sum(ch.isalpha() for ch in _ARABIC.findall(light)) * 2 > letters:
            return "ar"
    toks = WORD_RE.findall(light)
    # The per-token rule (English word, else French word or elision, else other-language word ->
    # undecided) as set operations at C speed: English and French share no word, and _OTHER_ONLY
    # drops the other-language words the English or French list claims first ("mais", "y"); tested.
    if not _OTHER_ONLY.isdisjoint(toks):
        return None
    en = sum(map(EN_WORDS.__contains__, toks))
    fr = sum(map(FR_WORDS.__contains__, toks))
    if "'" in light:
        fr += sum(1 for t in toks if t.startswith(FR_ELISIONS) and t not in FR_WORDS and t not in EN_WORDS)
    if en >= 2 and fr == 0:
        return "en"
    if fr >= 2 and en == 0:
        return "fr"
    return None


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


@lru_cache(maxsize=1)
def _hasher() -> object:
    from wavebreak.signals.toxicity import CharWbHasher

    return CharWbHasher(1, 3, LANG_FEATURES)


def featurize(light_texts: list[str]) -> sp.csr_matrix:
    """Hashed char_wb 1-3 grams of light-normalised texts (accents kept: they are the best French cue).

    Same matrix as the scikit-learn vectoriser :func:`_vectorizer` (kept as the
    reference the tests compare against), built with a per-word cache.
    """
    return _hasher().transform(light_texts)  # type: ignore[attr-defined]


@dataclass(slots=True)
class LangModel:
    """Multinomial logistic regression over hashed character n-grams."""

    coef: np.ndarray  # (n_features, n_classes)
    intercept: np.ndarray
    classes: tuple[str, ...]
    version: str
    vote_confidence: dict[str, float] | None = None
    """Measured accuracy of :func:`vote` per language on the training split (None: vote disabled)."""

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
                meta.get("vote_confidence"),
            )

    def save(self, path: Path = MODEL_FILE, extra: dict[str, object] | None = None) -> None:
        meta = {"classes": list(self.classes), "version": self.version} | (extra or {})
        if self.vote_confidence is not None:
            meta["vote_confidence"] = self.vote_confidence
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

    def predict_light(self, light_texts: list[str], use_vote: bool = True) -> list[tuple[str, float]]:
        """(label, confidence) per light-normalised text; ``und`` when empty or unsure.

        The function-word :func:`vote` decides first (when the model file carries
        its measured confidence); only undecided texts pay for char n-grams.
        """
        if not light_texts:
            return []
        out: list[tuple[str, float] | None] = [None] * len(light_texts)
        todo: list[int] = []
        conf_of = self.vote_confidence if use_vote else None
        for i, t in enumerate(light_texts):
            if not t or _LETTER.search(t) is None:
                out[i] = ("und", 0.0)
                continue
            v = vote(t) if conf_of else None
            if v is not None and conf_of and v in conf_of:
                out[i] = (v, conf_of[v])
            else:
                todo.append(i)
        if todo:
            p = self.predict_proba_features(featurize([light_texts[i] for i in todo]))
            best = p.argmax(axis=1)
            for k, i in enumerate(todo):
                conf = float(p[k, best[k]])
                out[i] = (
                    ("und", conf) if conf < C.SIGNALS_LANG_MIN_CONFIDENCE else (self.classes[best[k]], conf)
                )
        return [o if o is not None else ("und", 0.0) for o in out]

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
