"""Dry-run diff on hand-built batches, and the CLI's validate / crisis / hold commands on a store."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from wavebreak.policy.dryrun import compare_on_batches, diff
from wavebreak.policy.pack import default_pack, load_pack, pack_path

from .helpers import account, batch, post, sig


def test_dry_run_diff_per_rule_and_surface(tmp_path: Path) -> None:
    text = (
        pack_path("default")
        .read_text()
        .replace("  hate_demote: 0.6", "  hate_demote: 0.4")
        .replace("  hate_demote: 0.5", "  hate_demote: 0.35")
    )
    new_file = tmp_path / "new.yaml"
    new_file.write_text(text.replace("name: default", "name: looser-hate"))
    new = load_pack(new_file)
    a = account("demo:a", 100)
    b = batch(
        [post("demo:1", "x", a), post("demo:2", "y", a), post("demo:3", "z", a)],
        {"demo:1": {"hate": sig("hate", 0.5)}, "demo:2": {"hate": sig("hate", 0.9)}, "demo:3": {}},
    )
    base_d, new_d, posts = compare_on_batches(new, default_pack(), [b])
    res = diff(base_d, new_d)
    assert posts == 3 and res["added"] == 1 and res["removed"] == 0 and res["unchanged"] == 1
    assert res["by_rule"]["hate-demote"] == {"baseline": 1, "new": 2, "delta": 1}
    assert res["by_surface"]["recommendations"]["stricter"] == 1
    assert res["examples"]["added"][0]["target_id"] == "demo:1"


runner = CliRunner()


def test_cli_validate_reports_file_line(tmp_path: Path) -> None:
    from wavebreak.cli.main import app

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\nrules:\n  - id: a\n    description: d\n    target: post\n    when: signals.hat >= 1\n"
        "    actions: {trends: exclude}\n    grounds: {platform_policy: p}\n"
    )
    r = runner.invoke(app, ["policy", "validate", str(bad)])
    assert r.exit_code == 1 and f"{bad}:6:" in r.output and "unknown signal" in r.output
    ok = runner.invoke(app, ["policy", "validate", str(pack_path("default"))])
    assert ok.exit_code == 0 and "OK default@" in ok.output


def test_cli_crisis_and_hold_round_trip_through_the_log(tmp_path: Path) -> None:
    pytest.importorskip("wavebreak.storage.sql")
    from wavebreak.cli.main import app

    db = str(tmp_path / "t.db")
    r = runner.invoke(
        app,
        [
            "crisis",
            "declare",
            "Southport",
            "--by",
            "duty",
            "--term",
            "southport",
            "--at",
            "2024-07-29T12:00:00",
            "--db",
            db,
        ],
    )
    assert r.exit_code == 0, r.output
    cid = r.output.split()[0]
    assert (
        runner.invoke(
            app, ["crisis", "renew", cid, "--by", "duty", "--duration", "200d", "--db", db]
        ).exit_code
        == 1
    )
    assert runner.invoke(app, ["crisis", "end", cid, "--by", "duty", "--db", db]).exit_code == 0
    r = runner.invoke(
        app,
        [
            "hold",
            "add",
            "order",
            "--term",
            "Jane Doe",
            "--jurisdiction",
            "gb",
            "--legal-basis",
            "s.45",
            "--db",
            db,
        ],
    )
    assert r.exit_code == 0, r.output
    import json

    crises = json.loads(runner.invoke(app, ["crisis", "list", "--json", "--db", db]).output)
    holds = json.loads(runner.invoke(app, ["hold", "list", "--json", "--db", db]).output)
    assert crises[0]["ended_at"] and crises[0]["confirmed_by"] == "duty"
    assert holds[0]["jurisdictions"] == ["GB"] and holds[0]["terms"] == ["Jane Doe"]
