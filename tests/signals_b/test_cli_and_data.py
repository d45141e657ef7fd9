"""CLI commands print one JSON object; checks on the real shared data skip when ../shared is absent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wavebreak.cli.main import app

from .test_stance import _write_fixture

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TRAINDEV = SHARED / "datasets" / "rumours" / "rumoureval2017" / "traindev"
PHEME = SHARED / "datasets" / "rumours" / "pheme9"


def test_eval_stance_json(tmp_path: Path) -> None:
    _write_fixture(tmp_path)
    res = CliRunner().invoke(app, ["eval", "stance", "--dataset", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["n"] == 6
    assert {"accuracy", "macro_f1", "per_class_f1", "confusion"} <= set(out)


def test_eval_rumour_markers_json(tmp_path: Path) -> None:
    _write_fixture(tmp_path)
    res = CliRunner().invoke(app, ["eval", "rumour-markers", "--dataset", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["query"]["recall"] == 1.0  # both enquiries in the fixture use marker phrases
    assert out["correction"]["precision"] == 1.0


@pytest.mark.skipif(not TRAINDEV.exists(), reason="../shared RumourEval traindev not available")
def test_shipped_model_fits_its_training_data() -> None:
    # In-sample smoke test of the shipped file (held-out figures are in docs/models/stance.md).
    from wavebreak.signals.stance import evaluate

    res = evaluate(TRAINDEV)
    assert res["n"] == 4519
    assert res["macro_f1"] > 0.6


@pytest.mark.skipif(not PHEME.exists(), reason="../shared PHEME not available")
def test_credibility_eval_runs_on_pheme() -> None:
    from wavebreak.signals.credibility import evaluate_pheme

    res = evaluate_pheme(PHEME)
    assert res["n"] > 1000
    assert 0.0 <= float(res["auc_pooled"]) <= 1.0  # type: ignore[arg-type]
