"""Rebuild every shipped signals model from the public corpora and the repo's templates.

Deterministic (fixed seeds, hashed splits, liblinear), single-threaded, well under
a few minutes on one core. Splits are fixed by hashing each row, so the eval
command measures exactly the rows training never saw:

- corpora (Davidson, MLMA en/fr/ar, RumourEval posts): a row is held out when
  ``sha1("<corpus>:<row key>") % 5 == 0`` (20 %);
- templates: by template id (:func:`wavebreak.signals.data.templates.template_split`);
- other-language lines: every 5th line of ``data/lang_other.txt``.

Corpus labels (see the model card for the reasoning):
- Davidson: class 0 -> hate; class 1 (offensive) -> abuse.
- MLMA: ``hateful`` in the multi-label sentiment *and* a protected target
  (origin, religion, gender, sexual orientation, disability) and a group
  other than an individual / "other" / left-wing people -> hate; any of
  offensive, abusive, disrespectful, hateful otherwise -> abuse; ``normal`` -> none.
- No corpus labels incitement or threat: those heads learn from the templates
  (positives) against every corpus row and template negative.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wavebreak.signals.data.templates import LABELS, dataset
from wavebreak.signals.text import normalise, normalise_light

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = REPO_ROOT.parent / "shared"
MODELS_DIR = Path(__file__).resolve().parent / "models"
OTHER_LANG_FILE = Path(__file__).resolve().parent / "data" / "lang_other.txt"

PROTECTED_TARGETS = {"origin", "religion", "gender", "sexual_orientation", "disability"}
NON_GROUP = {"individual", "other", "left_wing_people"}
TEMPLATE_WEIGHT = 3.0
"""Each template row counts as three corpus rows: templates are few and carry the contrasts
(counter-speech, negation, incitement) the corpora lack."""


@dataclass(slots=True)
class Row:
    """One labelled text from a corpus or template."""

    text: str
    lang: str
    source: str
    labels: dict[str, int]
    category: str = ""
    group: str | None = None


def held_out(corpus: str, key: str) -> bool:
    """The fixed 20 % hold-out of a corpus row (never used for training or tuning)."""
    return int(hashlib.sha1(f"{corpus}:{key}".encode()).hexdigest(), 16) % 5 == 0


def _empty() -> dict[str, int]:
    return dict.fromkeys(LABELS, 0)


def load_corpora(shared: Path) -> dict[str, list[Row]]:
    """Corpus rows split into ``train`` / ``test`` (raises FileNotFoundError when data are absent)."""
    hate_dir = shared / "datasets" / "hate"
    if not hate_dir.exists():
        raise FileNotFoundError(f"{hate_dir} not found: the shared data sets are needed (../shared)")
    out: dict[str, list[Row]] = {"train": [], "test": []}
    with open(hate_dir / "davidson_labeled_data.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            lab = _empty()
            cls = int(r["class"])
            lab["hate"] = int(cls == 0)
            lab["abuse"] = int(cls == 1)
            split = "test" if held_out("davidson", r[""]) else "train"
            out[split].append(Row(r["tweet"], "en", "davidson", lab, category=f"davidson-{cls}"))
    for lang in ("en", "fr", "ar"):
        with open(hate_dir / f"mlma_{lang}.csv", newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                tags = set(r["sentiment"].split("_"))
                lab = _empty()
                hateful = (
                    "hateful" in tags and r["target"] in PROTECTED_TARGETS and r["group"] not in NON_GROUP
                )
                lab["hate"] = int(hateful)
                lab["abuse"] = int(
                    not hateful and bool(tags & {"offensive", "abusive", "disrespectful", "hateful"})
                )
                split = "test" if held_out(f"mlma_{lang}", r["HITId"]) else "train"
                out[split].append(Row(r["tweet"], lang, f"mlma_{lang}", lab, category="mlma"))
    return out


def load_rumoureval_texts(shared: Path) -> dict[str, list[str]]:
    """RumourEval posts (English, non-toxic news talk), split like the corpora: extra en for lang ID."""
    p = shared / "datasets" / "rumours" / "rumoureval2017" / "traindev" / "posts.json"
    posts = json.loads(p.read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {"train": [], "test": []}
    for pid, d in sorted(posts.items()):
        out["test" if held_out("rumoureval", pid) else "train"].append(d["text"])
    return out


def load_news_texts(shared: Path) -> dict[str, list[str]]:
    """PHEME and Twitter15 source tweets: breaking-news talk, non-toxic negatives (hash-split 80/20)."""
    rum = shared / "datasets" / "rumours"
    out: dict[str, list[str]] = {"train": [], "test": []}
    seen: set[str] = set()
    for f in sorted((rum / "pheme9").glob("*.json")):
        for d in json.loads(f.read_text(encoding="utf-8")):
            out["test" if held_out("pheme", str(d["id"])) else "train"].append(d["text"])
    src = rum / "twitter15" / "source_tweets.txt"
    for line in src.read_text(encoding="utf-8").splitlines():
        tid, _, text = line.partition("\t")
        if text and tid not in seen:
            seen.add(tid)
            out["test" if held_out("twitter15", tid) else "train"].append(text)
    return out


def load_templates() -> dict[str, list[Row]]:
    """Template rows split by template id."""
    ds = dataset()
    return {
        split: [Row(e.text, e.lang, f"template_{e.lang}", dict(e.labels), e.category, e.group) for e in exs]
        for split, exs in ds.items()
    }


def load_other_lang() -> dict[str, list[str]]:
    """Hand-written posts in other languages (the ``other`` class), every 5th line held out."""
    lines = [
        ln for ln in OTHER_LANG_FILE.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")
    ]
    out: dict[str, list[str]] = {"train": [], "test": []}
    for i, ln in enumerate(lines):
        out["test" if i % 5 == 4 else "train"].append(ln.split("\t", 1)[1])
    return out


def toxicity_rows(shared: Path, split: str) -> list[Row]:
    """Toxicity rows of one split: corpora + templates + RumourEval posts as non-toxic news talk.

    Why RumourEval, PHEME and Twitter15: Davidson is 77 % "offensive", so without
    plain conversational negatives the abuse head learns that any short tweet is abusive.
    """
    rows = load_corpora(shared)[split] + load_templates()[split]
    rows += [
        Row(t, "en", "rumoureval", _empty(), category="rumoureval")
        for t in load_rumoureval_texts(shared)[split]
    ]
    rows += [Row(t, "en", "news", _empty(), category="news") for t in load_news_texts(shared)[split]]
    return rows


def train_toxicity(rows: list[Row], out_dir: Path) -> dict[str, object]:
    """Fit the four heads and write ``toxicity.npz``; returns training metadata."""
    from sklearn.linear_model import LogisticRegression

    from wavebreak.signals.toxicity import CHAR_FEATURES, ToxicityModel, featurize
    from wavebreak.signals.toxicity import LABELS as TOX_LABELS

    x = featurize([normalise(r.text) for r in rows])
    xw = x[:, CHAR_FEATURES:]  # the word block is normalised on its own: exactly the fast model's input
    w = np.array([TEMPLATE_WEIGHT if r.source.startswith("template") else 1.0 for r in rows])
    coefs, intercepts, wcoefs, wintercepts, counts = [], [], [], [], {}
    for label in TOX_LABELS:
        y = np.array([r.labels[label] for r in rows])
        counts[label] = int(y.sum())
        for xm, cs, ints in ((x, coefs, intercepts), (xw, wcoefs, wintercepts)):
            clf = LogisticRegression(
                C=4.0, solver="liblinear", class_weight="balanced", max_iter=200, random_state=0
            )
            clf.fit(xm, y, sample_weight=w)
            cs.append(clf.coef_[0])
            ints.append(clf.intercept_[0])
    coef = np.stack(coefs, axis=1).astype(np.float32)
    coef_word = np.stack(wcoefs, axis=1).astype(np.float32)
    meta: dict[str, object] = {
        "labels": list(TOX_LABELS),
        "rows": len(rows),
        "positives": counts,
        "template_weight": TEMPLATE_WEIGHT,
    }
    model = ToxicityModel(
        coef=coef,
        intercept=np.array(intercepts, dtype=np.float32),
        version=ToxicityModel.make_version(coef, coef_word),
        meta=meta,
        coef_word=coef_word,
        intercept_word=np.array(wintercepts, dtype=np.float32),
    )
    model.save(out_dir / "toxicity.npz")
    return meta | {"version": model.version}


def lang_rows(shared: Path, split: str) -> tuple[list[str], list[str]]:
    """(texts, labels) for language ID from MLMA, Davidson, RumourEval, templates and other-language lines."""
    corp = load_corpora(shared)[split]
    texts = [r.text for r in corp]
    labels = [r.lang for r in corp]
    re_texts = load_rumoureval_texts(shared)[split]
    texts += re_texts
    labels += ["en"] * len(re_texts)
    tpl = load_templates()[split]
    texts += [r.text for r in tpl]
    labels += [r.lang for r in tpl]
    other = load_other_lang()[split]
    texts += other
    labels += ["other"] * len(other)
    return texts, labels


def train_lang(shared: Path, out_dir: Path) -> dict[str, object]:
    """Fit the language model and write ``lang.npz``."""
    from sklearn.linear_model import LogisticRegression

    from wavebreak.signals.lang import CLASSES, LangModel, featurize, vote

    texts, labels = lang_rows(shared, "train")
    light = [normalise_light(t) for t in texts]
    x = featurize(light)
    clf = LogisticRegression(C=10.0, class_weight="balanced", max_iter=300, random_state=0)
    clf.fit(x, labels)
    assert tuple(clf.classes_) == CLASSES, clf.classes_
    coef = clf.coef_.T.astype(np.float32)
    # The vote's confidence is its accuracy on the training rows it decides (per language), so a
    # voted label carries a calibrated score like the model's; measured again on held-out rows by eval.
    hits: dict[str, list[bool]] = {}
    for t, y in zip(light, labels, strict=True):
        v = vote(t)
        if v is not None:
            hits.setdefault(v, []).append(v == y)
    # Laplace-smoothed: a vote right on every training row still claims less than certainty
    # (capped at 0.999: at 4 decimals a large n would otherwise round to a claim of certainty)
    vote_conf = {
        k: min(0.999, round((sum(h) + 1) / (len(h) + 2), 4)) for k, h in sorted(hits.items()) if len(h) >= 20
    }
    model = LangModel(
        coef, clf.intercept_.astype(np.float32), CLASSES, LangModel.make_version(coef), vote_conf
    )
    model.save(
        out_dir / "lang.npz", extra={"rows": len(texts), "vote_rows": {k: len(h) for k, h in hits.items()}}
    )
    return {"version": model.version, "rows": len(texts), "vote_confidence": vote_conf}


def train_all(
    shared: Path = DEFAULT_SHARED, out_dir: Path = MODELS_DIR, stance: bool = True
) -> dict[str, object]:
    """Rebuild every shipped signals model (ours and signals B's stance model); returns a summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    rows = toxicity_rows(shared, "train")
    summary: dict[str, object] = {"toxicity": train_toxicity(rows, out_dir)}
    summary["lang"] = train_lang(shared, out_dir)
    if stance:
        from wavebreak.signals import stance as stance_mod

        summary["stance"] = stance_mod.train(shared, out_dir)
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    return summary
