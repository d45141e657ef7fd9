"""Policy packs: YAML a trust-and-safety lead can read and change, validated on load.

Why YAML + pydantic: the people who own policy are not the people who own the
code. A pack is data (Osprey-style rules, X-style per-surface action tables);
loading it validates every field and reports each problem as
``file:line: message`` so a typo is fixed in seconds, not discovered in an
incident. Line numbers come from YAML's composed node tree (``yaml.compose``
keeps each node's start mark), walked along pydantic's error location.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from wavebreak.core import constants as C
from wavebreak.core.records import AccountAction, Action, Grounds, Surface
from wavebreak.policy.conditions import (
    ConditionError,
    Evaluator,
    Leaf,
    Node,
    ReachScaling,
    Scaled,
    ThresholdRef,
    compile_node,
    leaves,
    parse,
)

TARGETS = ("post", "narrative", "account", "trend")
ITEM_ACTIONS = (
    Action.ALLOW,
    Action.LABEL,
    Action.CONTEXT_NOTE,
    Action.INTERSTITIAL,
    Action.HOLD_FOR_REVIEW,
    Action.GEO_WITHHOLD,
    Action.REMOVE,
)
SURFACE_ACTIONS = tuple(a for a in Action if a <= Action.HOLD_FOR_REVIEW)
"""Surfaces restrict reach; removing or geo-withholding an item is an item action."""
HARM_SIGNALS = ("signals.hate", "signals.incitement", "signals.threat")
"""The only signals that allow a rule to restrict a refuting post (its own harm, not the claim it quotes)."""

_DURATION_RE = re.compile(r"^\s*(\d+)\s*(m|h|d|w)\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """``"48h"`` → 48 hours; units m, h, d, w."""
    m = _DURATION_RE.match(text)
    if not m:
        raise ValueError(f"duration {text!r} must look like 30m, 48h, 7d or 2w")
    return timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})


# --------------------------------------------------------------------------- schema (pydantic)


class GroundsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    platform_policy: str = Field(min_length=1)
    legal_basis: str | None = None
    dsa_category: str = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"
    dsa_keyword: str | None = None
    illegal: bool = False

    @field_validator("dsa_category")
    @classmethod
    def _cat(cls, v: str) -> str:
        if not v.startswith("STATEMENT_CATEGORY_"):
            raise ValueError("dsa_category must be a DSA transparency-database STATEMENT_CATEGORY_... value")
        return v

    @field_validator("dsa_keyword")
    @classmethod
    def _kw(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith("KEYWORD_"):
            raise ValueError("dsa_keyword must be a DSA transparency-database KEYWORD_... value")
        return v


class ReachScalingSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    base: float | str
    slope: float = Field(ge=0)
    min: float
    max: float
    field: str = "author.followers"

    @model_validator(mode="after")
    def _bounds(self) -> ReachScalingSpec:
        if self.min > self.max:
            raise ValueError(f"reach_scaling min ({self.min}) is above max ({self.max})")
        if isinstance(self.base, str) and not self.base.startswith("$"):
            raise ValueError("reach_scaling base is a number or a $threshold name")
        return self


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    description: str = Field(min_length=1)
    target: Literal["post", "narrative", "account", "trend"]
    when: Any
    actions: dict[str, str] = Field(default_factory=dict)
    item_action: str | None = None
    account_action: str | None = None
    duration: str | None = None
    territorial_scope: list[str] | Literal["holds"] = Field(default_factory=list)
    grounds: GroundsSpec
    priority: int = 0
    reach_scaling: ReachScalingSpec | None = None
    applies_to_refuting: bool = False
    enabled: bool = True

    @field_validator("actions")
    @classmethod
    def _actions(cls, v: dict[str, str]) -> dict[str, str]:
        surfaces = {s.value for s in Surface}
        for k, a in v.items():
            if k != "all" and k not in surfaces:
                raise ValueError(
                    f"unknown surface {k!r}; expected one of: {', '.join(sorted(surfaces))} or all"
                )
            act = Action.parse(a)
            if act not in SURFACE_ACTIONS:
                raise ValueError(
                    f"{act.slug!r} is not a surface action (remove/geo_withhold go in item_action); "
                    f"expected one of: {', '.join(x.slug for x in SURFACE_ACTIONS)}"
                )
        return v

    @field_validator("item_action")
    @classmethod
    def _item(cls, v: str | None) -> str | None:
        if v is not None and Action.parse(v) not in ITEM_ACTIONS:
            raise ValueError(f"item_action must be one of: {', '.join(a.slug for a in ITEM_ACTIONS)}")
        return v

    @field_validator("account_action")
    @classmethod
    def _acct(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                AccountAction[v.strip().upper()]
            except KeyError:
                raise ValueError(
                    f"account_action must be one of: {', '.join(a.slug for a in AccountAction)}"
                ) from None
        return v

    @field_validator("duration")
    @classmethod
    def _dur(cls, v: str | None) -> str | None:
        if v is not None:
            d = parse_duration(v)
            if d > timedelta(days=C.POLICY_MAX_DECISION_DAYS):
                raise ValueError(f"duration {v} exceeds the {C.POLICY_MAX_DECISION_DAYS}-day maximum")
        return v

    @model_validator(mode="after")
    def _consistency(self) -> RuleSpec:
        if (
            self.item_action
            and Action.parse(self.item_action) == Action.GEO_WITHHOLD
            and not self.territorial_scope
        ):
            raise ValueError(
                "item_action geo_withhold needs a territorial_scope (a list of regions, or 'holds')"
            )
        if not self.actions and not self.item_action and not self.account_action:
            raise ValueError("a rule needs at least one of actions, item_action or account_action")
        return self


class PackSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    version: str = "1"
    description: str = ""
    thresholds: dict[str, float] = Field(default_factory=dict)
    crisis_overrides: dict[str, float] = Field(default_factory=dict)
    rules: list[RuleSpec]

    @model_validator(mode="after")
    def _overrides(self) -> PackSpec:
        unknown = sorted(set(self.crisis_overrides) - set(self.thresholds))
        if unknown:
            raise ValueError(f"crisis_overrides name unknown thresholds: {', '.join(unknown)}")
        return self


# --------------------------------------------------------------------------- compiled pack


@dataclass(slots=True)
class Rule:
    """A validated, compiled rule: what the engine evaluates."""

    id: str
    description: str
    target: str
    node: Node
    evaluate: Evaluator
    actions: dict[Surface, Action]
    item_action: Action
    account_action: AccountAction
    duration: timedelta | None
    territorial_scope: tuple[str, ...] | Literal["holds"]
    grounds: Grounds
    priority: int
    scaling: ReachScaling | None
    applies_to_refuting: bool
    line: int = 0

    @property
    def severity(self) -> Action:
        return max([self.item_action, *self.actions.values()], default=Action.ALLOW)

    def fields(self) -> set[str]:
        return {leaf.field for leaf in leaves(self.node)}


@dataclass(slots=True)
class PolicyPack:
    """A loaded pack: rules by target, named thresholds and their crisis overrides."""

    name: str
    version: str
    description: str
    thresholds: dict[str, float]
    crisis_overrides: dict[str, float]
    rules: list[Rule]
    source: str = ""
    digest: str = ""
    by_target: dict[str, list[Rule]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_target = {t: [r for r in self.rules if r.target == t] for t in TARGETS}

    @property
    def version_id(self) -> str:
        """What decisions record as ``policy_version``: name, version and content digest."""
        return f"{self.name}@{self.version}#{self.digest[:12]}"

    def threshold(self, name: str, crisis: bool = False) -> float:
        if crisis and name in self.crisis_overrides:
            return self.crisis_overrides[name]
        return self.thresholds[name]

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


@dataclass(slots=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PolicyLoadError(ValueError):
    """A pack failed validation; every problem names the file and the line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _node_at(root: yaml.Node | None, path: tuple[Any, ...]) -> yaml.Node | None:
    """Follow a pydantic/condition error location down the composed YAML tree."""
    node = root
    for part in path:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if str(k.value) == str(part):
                    nxt = v
                    break
            if nxt is None:
                return node
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def _line(root: yaml.Node | None, path: tuple[Any, ...]) -> int:
    node = _node_at(root, path)
    return node.start_mark.line + 1 if node is not None else 1


def _rule_node(root: yaml.Node | None, i: int) -> yaml.Node | None:
    return _node_at(root, ("rules", i))


def _threshold_refs(rule: RuleSpec, node: Node) -> list[str]:
    refs = [leaf.value.name for leaf in leaves(node) if isinstance(leaf.value, ThresholdRef)]
    if rule.reach_scaling and isinstance(rule.reach_scaling.base, str):
        refs.append(rule.reach_scaling.base[1:])
    return refs


def _compile_rule(spec: RuleSpec, i: int, pack: PackSpec, root: yaml.Node | None, file: str) -> Rule:
    problems: list[Problem] = []
    try:
        node = parse(spec.when)
    except ConditionError as exc:
        raise PolicyLoadError(
            [Problem(file, _line(root, ("rules", i, "when", *exc.path)), str(exc))]
        ) from None
    for ref in _threshold_refs(spec, node):
        if ref not in pack.thresholds:
            problems.append(
                Problem(file, _line(root, ("rules", i, "when")), f"rule {spec.id}: unknown threshold ${ref}")
            )
    uses_scaled = any(isinstance(leaf.value, Scaled) for leaf in leaves(node))
    if uses_scaled and spec.reach_scaling is None:
        problems.append(
            Problem(
                file,
                _line(root, ("rules", i, "when")),
                f"rule {spec.id}: 'scaled' needs a reach_scaling block",
            )
        )
    if spec.applies_to_refuting:
        harm = [lf for lf in leaves(node) if _is_harm_leaf(lf)]
        if spec.target != "post" or not harm:
            problems.append(
                Problem(
                    file,
                    _line(root, ("rules", i, "applies_to_refuting")),
                    f"rule {spec.id}: applies_to_refuting is only allowed on post rules that test the post's "
                    "own "
                    f"hate/incitement/threat score ({', '.join(HARM_SIGNALS)} >= ...)",
                )
            )
    if problems:
        raise PolicyLoadError(problems)
    scaling = None
    if spec.reach_scaling is not None:
        rs = spec.reach_scaling
        base: float | ThresholdRef = ThresholdRef(rs.base[1:]) if isinstance(rs.base, str) else rs.base
        scaling = ReachScaling(base, rs.slope, rs.min, rs.max, rs.field)
    actions: dict[Surface, Action] = {}
    if "all" in spec.actions:
        actions = {s: Action.parse(spec.actions["all"]) for s in Surface}
    for k, v in spec.actions.items():
        if k != "all":
            actions[Surface(k)] = Action.parse(v)
    g = spec.grounds
    return Rule(
        id=spec.id,
        description=spec.description.strip(),
        target=spec.target,
        node=node,
        evaluate=compile_node(node, scaling),
        actions=actions,
        item_action=Action.parse(spec.item_action) if spec.item_action else Action.ALLOW,
        account_action=AccountAction[spec.account_action.upper()]
        if spec.account_action
        else AccountAction.NONE,
        duration=parse_duration(spec.duration) if spec.duration else None,
        territorial_scope="holds" if spec.territorial_scope == "holds" else tuple(spec.territorial_scope),
        grounds=Grounds(g.platform_policy, g.legal_basis, g.dsa_category, g.dsa_keyword, g.illegal),
        priority=spec.priority,
        scaling=scaling,
        applies_to_refuting=spec.applies_to_refuting,
        line=_line(root, ("rules", i)),
    )


def _is_harm_leaf(leaf: Leaf) -> bool:
    f = leaf.field.removesuffix(".score")
    return f in HARM_SIGNALS and leaf.op in (">=", ">")


def loads_pack(text: str, file: str = "<string>") -> PolicyPack:
    """Validate and compile a pack from YAML text; raise :class:`PolicyLoadError` (file:line: problem)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise PolicyLoadError([Problem(file, line, f"YAML syntax: {exc.problem or exc}")]) from None
    if not isinstance(data, dict):
        raise PolicyLoadError(
            [Problem(file, 1, "a policy pack is a YAML mapping with name, thresholds, rules")]
        )
    try:
        spec = PackSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            where = ".".join(str(p) for p in loc)
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(file, _line(root, loc), f"{where}: {msg}" if where else msg))
        raise PolicyLoadError(problems) from None
    problems: list[Problem] = []
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for i, rs in enumerate(spec.rules):
        if rs.id in seen:
            problems.append(
                Problem(
                    file,
                    _line(root, ("rules", i, "id")),
                    f"duplicate rule id {rs.id!r} (first at rule {seen[rs.id]})",
                )
            )
            continue
        seen[rs.id] = i
        if not rs.enabled:
            continue
        try:
            rules.append(_compile_rule(rs, i, spec, root, file))
        except PolicyLoadError as exc:
            problems.extend(exc.problems)
    for name, v in spec.crisis_overrides.items():
        if name in spec.thresholds and v > spec.thresholds[name]:
            problems.append(
                Problem(
                    file,
                    _line(root, ("crisis_overrides", name)),
                    f"crisis_overrides.{name}={v} loosens the threshold ({spec.thresholds[name]}); "
                    "crisis mode may only tighten",
                )
            )
    if problems:
        raise PolicyLoadError(problems)
    return PolicyPack(
        name=spec.name,
        version=spec.version,
        description=spec.description.strip(),
        thresholds=dict(spec.thresholds),
        crisis_overrides=dict(spec.crisis_overrides),
        rules=rules,
        source=file,
        digest=hashlib.sha256(text.encode()).hexdigest(),
    )


def pack_path(name: str) -> Path:
    """Resolve a pack argument: a file path, or the name of a pack shipped in ``wavebreak/policy/packs``."""
    p = Path(name)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return p
    return Path(str(resources.files("wavebreak.policy") / "packs" / f"{name}.yaml"))


def load_pack(name_or_path: str | Path = "default") -> PolicyPack:
    """Load a pack by file path or shipped name (``"default"``)."""
    p = pack_path(str(name_or_path))
    if not p.exists():
        raise PolicyLoadError([Problem(str(p), 1, "no such policy pack file")])
    return loads_pack(p.read_text(encoding="utf-8"), str(p))


def default_pack() -> PolicyPack:
    """The shipped default pack (see docs/policy.md for each rule)."""
    return load_pack("default")
