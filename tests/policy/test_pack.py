"""Pack loading: validation errors name file and line; the condition language is safe and exact."""

from __future__ import annotations

import pytest

from wavebreak.core.records import Action, Surface
from wavebreak.policy.conditions import Compared, ConditionError, compile_node, parse
from wavebreak.policy.pack import PolicyLoadError, default_pack, loads_pack

GOOD = """\
name: t
thresholds:
  inc: 0.8
crisis_overrides:
  inc: 0.6
rules:
  - id: r1
    description: d
    target: post
    when: signals.incitement >= $inc
    actions: {recommendations: exclude}
    grounds: {platform_policy: p}
"""


class DictFacts:
    def __init__(self, values: dict, thresholds: dict | None = None) -> None:
        self.values = values
        self.thresholds = thresholds or {}

    def get(self, field: str):
        from wavebreak.policy.conditions import MISSING

        return self.values.get(field, MISSING)

    def threshold(self, name: str) -> float:
        return self.thresholds[name]


def test_good_pack_loads() -> None:
    p = loads_pack(GOOD, "good.yaml")
    assert [r.id for r in p.rules] == ["r1"]
    assert p.rules[0].actions == {Surface.RECOMMENDATIONS: Action.EXCLUDE}
    assert p.threshold("inc") == 0.8 and p.threshold("inc", crisis=True) == 0.6


@pytest.mark.parametrize(
    ("needle", "replacement", "line", "fragment"),
    [
        ("actions: {recommendations: exclude}", "actions: {recomendations: exclude}", 11, "unknown surface"),
        ("actions: {recommendations: exclude}", "actions: {recommendations: explode}", 11, "unknown action"),
        ("target: post", "target: posts", 9, "target"),
        ("when: signals.incitement >= $inc", "when: signals.incitment >= 0.5", 10, "unknown signal"),
        ("when: signals.incitement >= $inc", "when: signals.incitement >= $nope", 10, "unknown threshold"),
        ("when: signals.incitement >= $inc", "when: signals.incitement >= scaled", 10, "reach_scaling"),
        (
            "    grounds: {platform_policy: p}",
            "    grounds: {platform_policy: p}\n    colour: red",
            13,
            "colour",
        ),
        ("  inc: 0.6", "  inc: 0.9", 5, "may only tighten"),
        ("    description: d", "    description: d\n    duration: 400d", 9, "exceeds"),
    ],
)
def test_errors_name_file_and_line(needle: str, replacement: str, line: int, fragment: str) -> None:
    bad = GOOD.replace(needle, replacement)
    with pytest.raises(PolicyLoadError) as ei:
        loads_pack(bad, "bad.yaml")
    msgs = [str(p) for p in ei.value.problems]
    assert any(m.startswith(f"bad.yaml:{line}:") and fragment in m for m in msgs), msgs


def test_nested_condition_error_points_at_its_line() -> None:
    bad = GOOD.replace(
        "when: signals.incitement >= $inc",
        "when:\n      all:\n        - signals.incitement >= 0.5\n        - any:\n            - author.followers >>= 3",
    )
    with pytest.raises(PolicyLoadError) as ei:
        loads_pack(bad, "nested.yaml")
    assert str(ei.value.problems[0]).startswith("nested.yaml:14:")


def test_yaml_syntax_error_has_line() -> None:
    with pytest.raises(PolicyLoadError) as ei:
        loads_pack("name: x\nrules:\n  - id: [unclosed\n", "syn.yaml")
    assert ei.value.problems[0].file == "syn.yaml" and ei.value.problems[0].line >= 3


def test_duplicate_rule_ids_rejected() -> None:
    rule = GOOD.split("rules:\n", 1)[1]
    with pytest.raises(PolicyLoadError) as ei:
        loads_pack(GOOD + rule, "dup.yaml")
    assert "duplicate rule id" in str(ei.value) and "dup.yaml:13:" in str(ei.value)


def test_applies_to_refuting_requires_harm_condition() -> None:
    bad = GOOD.replace(
        "when: signals.incitement >= $inc", "when: author.followers >= 10\n    applies_to_refuting: true"
    )
    with pytest.raises(PolicyLoadError, match="applies_to_refuting"):
        loads_pack(bad, "r.yaml")


def test_geo_withhold_needs_scope() -> None:
    bad = GOOD.replace("actions: {recommendations: exclude}", "item_action: geo_withhold")
    with pytest.raises(PolicyLoadError, match="territorial_scope"):
        loads_pack(bad, "g.yaml")


# ------------------------------------------------------------------ condition language


def run(spec, values, thresholds=None):
    rec: list[Compared] = []
    ok = compile_node(parse(spec))(DictFacts(values, thresholds), rec)
    return ok, rec


def test_condition_language_ops_and_combinators() -> None:
    v = {"signals.stance.label": "deny", "author.followers": 5000, "narrative.languages": ["en", "fr"]}
    assert run("signals.stance.label == DENY", v)[0]
    assert run({"field": "author.followers", "op": ">", "value": 4999}, v)[0]
    assert run({"all": ["author.followers >= 1000", {"not": "signals.stance.label == support"}]}, v)[0]
    assert run({"any": ["author.followers < 10", "narrative.languages contains fr"]}, v)[0]
    assert run("signals.stance.label in [deny, query]", v)[0]
    assert not run("signals.stance.label not in [deny, query]", v)[0]
    assert run("post.region not_exists", v)[0]
    assert not run("post.region == GB", v)[0]  # missing facts never satisfy a comparison
    assert not run("author.followers >= $t", v, {"t": 10_000})[0]


def test_condition_records_exact_values() -> None:
    ok, rec = run(
        ["author.followers >= 1000", "signals.stance.label == deny"],
        {"author.followers": 1234, "signals.stance.label": "deny"},
    )
    assert ok
    assert rec[0].as_dict() == {
        "field": "author.followers",
        "op": ">=",
        "threshold": 1000,
        "value": 1234,
        "result": True,
    }


@pytest.mark.parametrize(
    "spec",
    [
        "__import__('os').system('x') == 1",
        "signals.hate >= 'a'",
        {"all": []},
        {"xor": ["a"]},
        "post.lang in en",
        42,
    ],
)
def test_condition_language_rejects_code_and_junk(spec) -> None:
    with pytest.raises(ConditionError):
        parse(spec)


def test_default_pack_loads_and_documents_every_rule() -> None:
    from pathlib import Path

    p = default_pack()
    assert len(p.rules) >= 10
    doc = Path(__file__).resolve().parents[2] / "docs" / "policy.md"
    if doc.exists():
        text = doc.read_text()
        missing = [r.id for r in p.rules if f"`{r.id}`" not in text]
        assert not missing, f"rules not documented in docs/policy.md: {missing}"
