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


@pytest.mark.slow
def test_a_smaller_crisis_is_still_caught_early_without_false_alarms() -> None:
    # Half scale, seed 33 (not used to set anything): before the harm-aware joins the claim's first posts
    # joined vigil threads by the town's name, so it alerted after 201 min with 4.67 false alarms a day
    # (docs/narratives.md, "A smaller crisis"); the floors are 30 min, < 1 % and < 1 a day.
    from wavebreak.narratives.eval import run_early_detection

    run = run_early_detection(seed=33, scale=0.5)
    fc = run["per_narrative"]["false_claim"]
    assert fc["alerted"] and fc["minutes_after_first_post"] <= 30
    assert fc["share_of_final_posts_at_alert"] < 0.01
    assert run["false_alarms_per_day"] < 1
    actors = run["actors"]
    assert (
        actors["origin_in_top5"] and actors["megaphone_tops_amplifiers"] and actors["pseudo_news_is_bridge"]
    )
