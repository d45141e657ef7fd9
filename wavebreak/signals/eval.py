"""Evaluation of the signals models on data they were never trained or tuned on.

- Corpus hold-outs: the fixed 20 % of Davidson and MLMA en/fr/ar rows selected
  by :func:`wavebreak.signals.train.held_out` (hate and abuse P/R/F1 per
  language and corpus).
- Held-out templates: whole templates never seen in training
  (:func:`wavebreak.signals.data.templates.template_split`), P/R/F1 per
  language for all four labels.
- Fairness: false-positive rate of hate/incitement on *benign* held-out
  template sentences per identity group vs sentences naming no group, per language.
- Functional suite: hand-written HateCheck-style cases (``data/functional_*.yaml``).
- Language ID: accuracy per class and expected calibration error on held-out rows.
- Stance: signals B's ``stance.evaluate`` on RumourEval.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from wavebreak.core import constants as C
from wavebreak.signals import lang as lang_mod
from wavebreak.signals import toxicity as tox_mod
from wavebreak.signals.text import normalise, normalise_light

DATA_DIR = Path(__file__).resolve().parent / "data"
BENIGN_CATEGORIES = {"neutral", "positive", "general"}
"""Template categories that are benign identity (or no-identity) mentions: the fairness table."""
CONTRAST_CATEGORIES = ("negated", "counter", "report")
"""Benign categories that quote or discuss hate: reported separately (harder than plain mentions)."""


def prf(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Precision, recall, F1 and support of binary predictions."""
    tp = int(((y == 1) & (p == 1)).sum())
    fp = int(((y == 0) & (p == 1)).sum())
    fn = int(((y == 1) & (p == 0)).sum())
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {
        "precision": round(prec, 3),
        "recall": round(rec, 3),
        "f1": round(f1, 3),
        "support": int(y.sum()),
        "n": len(y),
    }


def _probs(texts: list[str], model: tox_mod.ToxicityModel | None = None) -> np.ndarray:
    model = model or tox_mod.default_model()
    out = [
        model.predict_features(tox_mod.featurize([normalise(t) for t in texts[i : i + 4096]]))
        for i in range(0, len(texts), 4096)
    ]
    return np.vstack(out) if out else np.zeros((0, 4))


def eval_corpora(shared: Path) -> dict[str, Any]:
    """Hate/abuse P/R/F1 on the held-out corpus rows, per corpus (= per language for MLMA)."""
    from wavebreak.signals.train import load_corpora

    rows = load_corpora(shared)["test"]
    probs = _probs([r.text for r in rows]) >= C.SIGNALS_TOXICITY_FLAG
    by_src: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_src[r.source].append(i)
    out: dict[str, Any] = {}
    for src, idx in sorted(by_src.items()):
        ii = np.array(idx)
        out[src] = {
            lab: prf(np.array([rows[i].labels[lab] for i in idx]), probs[ii, j].astype(int))
            for j, lab in enumerate(tox_mod.LABELS)
            if lab in ("hate", "abuse")
        }
    return out


def eval_templates() -> dict[str, Any]:
    """P/R/F1 per language and label on held-out templates, plus the fairness table."""
    from wavebreak.signals.train import load_templates

    rows = load_templates()["test"]
    probs = _probs([r.text for r in rows])
    pred = probs >= C.SIGNALS_TOXICITY_FLAG
    out: dict[str, Any] = {"per_language": {}, "fairness": {}}
    for lang in ("en", "fr"):
        idx = np.array([i for i, r in enumerate(rows) if r.lang == lang])
        out["per_language"][lang] = {
            lab: prf(np.array([rows[i].labels[lab] for i in idx]), pred[idx, j].astype(int))
            for j, lab in enumerate(tox_mod.LABELS)
        }
        # fairness: benign sentences (no label set) grouped by the identity group they mention
        groups: dict[str, list[int]] = defaultdict(list)
        for i in idx:
            r = rows[i]
            if r.category in BENIGN_CATEGORIES and not any(r.labels.values()):
                groups[r.group or "none"].append(int(i))
        table: dict[str, Any] = {}
        for g, gi in sorted(groups.items()):
            gi_arr = np.array(gi)
            table[g] = {
                "n": len(gi),
                "hate_fpr": round(float(pred[gi_arr, 0].mean()), 3),
                "incitement_fpr": round(float(pred[gi_arr, 1].mean()), 3),
                "any_fpr": round(float(pred[gi_arr].any(axis=1).mean()), 3),
            }
        out["fairness"][lang] = table
        contrast: dict[str, Any] = {}
        for cat in CONTRAST_CATEGORIES:
            ci = np.array([i for i in idx if rows[i].category == cat])
            if len(ci):
                contrast[cat] = {
                    "n": len(ci),
                    "hate_fpr": round(float(pred[ci, 0].mean()), 3),
                    "incitement_fpr": round(float(pred[ci, 1].mean()), 3),
                }
        out.setdefault("contrast_fpr", {})[lang] = contrast
    return out


def load_functional(lang: str) -> dict[str, list[dict[str, Any]]]:
    """The hand-written functional cases for ``lang`` (``{functionality: [cases]}``)."""
    data = yaml.safe_load((DATA_DIR / f"functional_{lang}.yaml").read_text(encoding="utf-8"))
    return data["functionalities"]


def eval_functional(langs: tuple[str, ...] = ("en", "fr")) -> dict[str, Any]:
    """Accuracy per functionality and language, plus the benign-identity and counter-speech FPR."""
    out: dict[str, Any] = {}
    for lang in langs:
        suite = load_functional(lang)
        cases = [(f, c) for f, cs in suite.items() for c in cs]
        probs = _probs([c["text"] for _, c in cases])
        per: dict[str, list[bool]] = defaultdict(list)
        failures: list[dict[str, Any]] = []
        flagged: dict[str, list[bool]] = defaultdict(list)
        for k, (f, c) in enumerate(cases):
            ok = True
            for lab, want in c["expect"].items():
                got = int(probs[k, tox_mod.LABELS.index(lab)] >= C.SIGNALS_TOXICITY_FLAG)
                ok &= got == int(want)
            per[f].append(ok)
            if not ok:
                failures.append(
                    {
                        "functionality": f,
                        "text": c["text"],
                        "scores": {lab: round(float(probs[k, j]), 2) for j, lab in enumerate(tox_mod.LABELS)},
                    }
                )
            flagged[f].append(bool(probs[k, :2].max() >= C.SIGNALS_TOXICITY_FLAG))
        acc = {f: round(sum(v) / len(v), 3) for f, v in per.items()}
        hate_inc = [f for f in per if f.startswith(("hate", "incitement"))]
        benign_id = [x for f in ("identity_neutral", "identity_positive", "negated_hate") for x in flagged[f]]
        out[lang] = {
            "per_functionality": acc,
            "overall": round(sum(sum(v) for v in per.values()) / sum(len(v) for v in per.values()), 3),
            "hate_incitement_accuracy": round(
                sum(sum(per[f]) for f in hate_inc) / sum(len(per[f]) for f in hate_inc), 3
            ),
            "benign_identity_fpr": round(sum(benign_id) / max(1, len(benign_id)), 3),
            "counter_speech_fpr": round(
                sum(flagged["counter_speech"]) / max(1, len(flagged["counter_speech"])), 3
            ),
            "failures": failures,
        }
    return out


def eval_lang(shared: Path) -> dict[str, Any]:
    """Language-ID accuracy per class and expected calibration error (10 bins) on held-out rows."""
    from wavebreak.signals.train import lang_rows

    texts, labels = lang_rows(shared, "test")
    model = lang_mod.default_model()
    p = model.predict_proba_features(lang_mod.featurize([normalise_light(t) for t in texts]))
    pred = np.array([model.classes[i] for i in p.argmax(axis=1)])
    y = np.array(labels)
    conf = p.max(axis=1)
    correct = pred == y
    ece = 0.0
    bins = np.linspace(0, 1, 11)
    for lo, hi in itertools.pairwise(bins):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    per_class = {
        c: {"n": int((y == c).sum()), "accuracy": round(float(correct[y == c].mean()), 3)}
        for c in model.classes
        if (y == c).any()
    }
    und = conf < C.SIGNALS_LANG_MIN_CONFIDENCE
    return {
        "accuracy": round(float(correct.mean()), 4),
        "ece": round(float(ece), 4),
        "n": len(y),
        "per_class": per_class,
        "und_share": round(float(und.mean()), 4),
        "accuracy_when_confident": round(float(correct[~und].mean()), 4),
        "model": model.version,
    }


def eval_stance(shared: Path) -> dict[str, Any]:
    """Signals B's stance figures on RumourEval (their held-out split)."""
    try:
        from wavebreak.signals import stance
    except ImportError as e:
        return {"error": f"stance module unavailable: {e}"}
    return dict(stance.evaluate(shared / "datasets" / "rumours" / "rumoureval2017"))


def evaluate_all(shared: Path, stance: bool = True) -> dict[str, Any]:
    """Every figure of ``wavebreak eval signals`` as one JSON-able dict."""
    t0 = time.perf_counter()
    tpl = eval_templates()
    figures: dict[str, Any] = {
        "model": tox_mod.default_model().version,
        "corpora_heldout": eval_corpora(shared),
        "templates_heldout": tpl["per_language"],
        "fairness": tpl["fairness"],
        "contrast_fpr": tpl["contrast_fpr"],
        "functional": eval_functional(),
        "lang": eval_lang(shared),
    }
    if stance:
        figures["stance"] = eval_stance(shared)
    figures["seconds"] = round(time.perf_counter() - t0, 1)
    return figures


def render(figures: dict[str, Any]) -> str:
    """Human-readable summary of :func:`evaluate_all` (the JSON holds everything)."""
    lines = [f"model {figures['model']}"]
    for src, labs in figures["corpora_heldout"].items():
        for lab, m in labs.items():
            lines.append(
                f"corpus {src:10s} {lab:10s} P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} "
                f"(pos {m['support']}/{m['n']})"
            )
    for lang, labs in figures["templates_heldout"].items():
        for lab, m in labs.items():
            lines.append(
                f"templates {lang} {lab:10s} P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f}"
            )
    for lang, table in figures["fairness"].items():
        for g, m in table.items():
            lines.append(
                f"fairness {lang} {g:13s} n={m['n']:4d} hate FPR={m['hate_fpr']:.3f} "
                f"incitement FPR={m['incitement_fpr']:.3f}"
            )
    for lang, table in figures["contrast_fpr"].items():
        for cat, m in table.items():
            lines.append(
                f"held-out {lang} {cat:9s} n={m['n']:4d} hate FPR={m['hate_fpr']:.3f} "
                f"incitement FPR={m['incitement_fpr']:.3f}"
            )
    for lang, f in figures["functional"].items():
        lines.append(
            f"functional {lang} overall={f['overall']:.3f} hate/incitement={f['hate_incitement_accuracy']:.3f} "
            f"benign-identity FPR={f['benign_identity_fpr']:.3f} counter-speech FPR={f['counter_speech_fpr']:.3f}"
        )
        for fn, a in f["per_functionality"].items():
            lines.append(f"    {fn:22s} {a:.3f}")
    lg = figures["lang"]
    lines.append(
        f"lang accuracy={lg['accuracy']:.4f} ECE={lg['ece']:.4f} n={lg['n']} per class={lg['per_class']}"
    )
    if "stance" in figures:
        lines.append(f"stance {figures['stance']}")
    return "\n".join(lines)


def benchmark(n: int = 20_000, batch_size: int = C.BATCH_SIZE, slow: bool = False) -> dict[str, Any]:
    """Posts/s of the signals stage fast path (and optionally the slow path) on realistic short posts."""
    import resource
    from datetime import UTC, datetime

    from wavebreak.core.records import Post
    from wavebreak.pipeline.context import PipelineContext
    from wavebreak.pipeline.stage import Batch
    from wavebreak.signals.stage import SignalsStage

    base = []
    for lang in ("en", "fr"):
        for cs in load_functional(lang).values():
            base += [c["text"] for c in cs]
    base += [
        "Praying for everyone in Southport tonight. Heartbreaking news.",
        "Is it true the attacker came on a boat? Anyone know?",
        "police statement at 6pm, please don't share speculation",
        "@user lol that's not what I said, read it again",
        "Traffic on the A565 is awful because of the road closure #southport",
    ]
    rng = np.random.default_rng(0)
    texts = [base[i] for i in rng.integers(0, len(base), n)]
    t = datetime(2024, 7, 29, tzinfo=UTC)
    posts = [
        Post(id=f"demo:{i}", platform="demo", author_id=f"demo:a{i % 997}", created_at=t, text=x)
        for i, x in enumerate(texts)
    ]
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stage = SignalsStage(slow_path=False)
    ctx = PipelineContext()
    stage.process(Batch(posts=posts[:batch_size]), ctx)  # warm-up (lazy imports)
    t0 = time.perf_counter()
    for i in range(0, n, batch_size):
        stage.process(Batch(posts=posts[i : i + batch_size]), ctx)
    fast = time.perf_counter() - t0
    tox_only_t0 = time.perf_counter()
    for i in range(0, n, batch_size):
        tox_mod.score_normalised(stage.tox, [normalise(x) for x in texts[i : i + batch_size]], explain=False)
    tox_only = time.perf_counter() - tox_only_t0
    out: dict[str, Any] = {
        "posts": n,
        "batch_size": batch_size,
        "fast_path_posts_per_s": round(n / fast, 1),
        "toxicity_only_posts_per_s": round(n / tox_only, 1),
        "max_rss_mb_after_models": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_mb_before_stage": round(rss0 / 1024, 1),
        "b_signals_missing": stage.b.missing if stage.b else [],
    }
    if slow:
        sstage = SignalsStage(slow_path=True)
        m = min(n, 2 * batch_size)
        sstage.process(Batch(posts=posts[:64]), ctx)
        t0 = time.perf_counter()
        for i in range(0, m, batch_size):
            sstage.process(Batch(posts=posts[i : i + batch_size]), ctx)
        el = time.perf_counter() - t0
        out["slow_path_share"] = round(sstage.stats["slow_path_share"], 3)
        out["with_slow_path_posts_per_s"] = round(m / el, 1)
        out["slow_path_embedded_posts_per_s"] = round(
            sstage.stats["slow_path_posts"] / max(1e-9, sstage.stats["slow_seconds"]), 1
        )
    return out
