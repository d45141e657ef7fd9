"""The early-detection evaluation and its CLI on a tiny scenario (JSON contract, sane figures)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

scenario = pytest.importorskip("wavebreak.scenario")


@pytest.mark.slow
def test_eval_early_detection_cli_prints_one_json_object() -> None:
    from wavebreak.cli.main import app

    res = CliRunner().invoke(app, ["eval", "early-detection", "--seed", "7", "--scale", "0.02", "--json"])
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    data = json.loads(lines[-1])
    assert data["aggregate"]["seeds"] == [7]
    run = data["runs"][0]
    assert run["posts"] > 1000
    assert "false_claim" in run["per_narrative"]
    fc = run["per_narrative"]["false_claim"]
    assert 0 < fc["largest_narrative_recall"] <= 1
    assert run["actors"]["narrative_id"] is not None
    assert run["false_alarms_per_day"] >= 0
    assert 0 <= run["false_alarms_with_no_harmful_post"] <= run["false_alarms"]
    for fa in run["false_alarm_details"]:  # the majority key is read off the recorded composition
        assert fa["composition"][fa["key"]] == max(fa["composition"].values())


def test_harmful_keys_are_what_a_risk_alert_is_meant_to_catch() -> None:
    from wavebreak.narratives.eval import _is_harmful

    assert _is_harmful("false_claim") and _is_harmful("incitement") and _is_harmful("minor_name_leak")
    assert not any(_is_harmful(k) for k in ("chatter", "background:sport", "refutation"))


def test_narratives_show_reads_a_summary(tmp_path) -> None:
    from wavebreak.cli.main import app

    summary = {
        "narratives": [{"id": "n000001", "title": "t", "status": "active", "risk": 0.5, "metrics": {}}]
    }
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(summary))
    res = CliRunner().invoke(app, ["narratives", "show", "n000001", "--summary", str(path), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["id"] == "n000001"
    res = CliRunner().invoke(app, ["narratives", "show", "n9", "--summary", str(path)])
    assert res.exit_code == 1
