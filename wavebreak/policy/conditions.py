"""A small, safe condition language for policy rules (no ``eval``, ever).

Why a hand-rolled language instead of Python expressions: policy packs are
written by trust-and-safety leads and loaded by a service that must never run
arbitrary code. The language has exactly three shapes, all plain YAML:

- a leaf as a string: ``"signals.incitement >= 0.8"``, ``"author.credibility == pseudo_news"``,
  ``"crisis.active"`` (a bare field means ``== true``);
- a leaf as a mapping: ``{field: signals.hate, op: ">=", value: $hate_demote}``;
- combinators: ``{all: [...]}``, ``{any: [...]}``, ``{not: <condition>}``.

Values are YAML scalars or lists, ``$name`` (a named pack threshold, which a
crisis can tighten) or ``scaled`` (the rule's ``reach_scaling`` threshold for the
author's audience). A comparison on a missing fact is false (``exists`` /
``not_exists`` test presence), so a rule never fires on data it did not see.

Every evaluated leaf is recorded as ``(field, op, threshold, actual, result)``
so that a decision can quote the exact values it was compared on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import yaml

from wavebreak.core.records import SignalName

MISSING: Any = object()
"""Sentinel for a fact that is not known for this target."""

OPS = (">=", ">", "<=", "<", "==", "!=", "in", "not_in", "contains", "exists", "not_exists")

FIELD_ROOTS: dict[str, str] = {
    "signals": "post signals: signals.<name> (score), signals.<name>.label/.score/.data.<key>",
    "author": "author.followers, author.kind, author.verified, author.credibility, author.region, ...",
    "post": "post.lang, post.region, post.kind, post.refuting",
    "narrative": "narrative.<metric> (posts, accounts, reach, velocity, risk, refuting_share, ...), "
    "narrative.status, narrative.alerted, narrative.refuted",
    "crisis": "crisis.active, crisis.id",
    "holds": "holds.matched, holds.ids, holds.jurisdictions",
    "claim": "claim.matched, claim.score, claim.statement_id",
    "trend": "trend.term, trend.excluded_share, trend.samples",
}

_LEAF_RE = re.compile(
    r"^\s*(?P<field>[A-Za-z_][\w.]*)\s*"
    r"(?:(?P<op>>=|<=|==|!=|>|<|not\s+in\b|not_in\b|in\b|contains\b|not\s+exists\b|not_exists\b|exists\b)"
    r"\s*(?P<value>.*?))?\s*$"
)


class ConditionError(ValueError):
    """A condition could not be parsed; ``path`` locates it inside the rule's ``when``."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


class FactSource(Protocol):
    """What a compiled condition reads: facts by dotted name and named thresholds."""

    def get(self, field: str) -> Any: ...

    def threshold(self, name: str) -> float: ...


@dataclass(frozen=True, slots=True)
class ThresholdRef:
    """``$name``: a named pack threshold, resolved at evaluation (crisis may tighten it)."""

    name: str


@dataclass(frozen=True, slots=True)
class ReachScaling:
    """threshold(followers) = base − slope·log10(followers), clamped to [lo, hi].

    Why log10: audience spans six orders of magnitude (40 to 2.8 M followers);
    responsibility grows with each order of magnitude, not with each follower.
    """

    base: float | ThresholdRef
    slope: float
    lo: float
    hi: float
    field: str = "author.followers"

    def value(self, facts: FactSource) -> tuple[float, int]:
        base = facts.threshold(self.base.name) if isinstance(self.base, ThresholdRef) else self.base
        followers = facts.get(self.field)
        n = int(followers) if isinstance(followers, int | float) and followers > 0 else 1
        raw = base - self.slope * math.log10(max(n, 1))
        return min(self.hi, max(self.lo, raw)), n


@dataclass(frozen=True, slots=True)
class Scaled:
    """``scaled``: use the rule's reach-scaling threshold."""


@dataclass(frozen=True, slots=True)
class Leaf:
    field: str
    op: str
    value: Any


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class NotOf:
    item: Node


Node = Leaf | AllOf | AnyOf | NotOf


@dataclass(slots=True)
class Compared:
    """One leaf as evaluated: what a statement of reasons quotes."""

    field: str
    op: str
    threshold: Any
    actual: Any
    result: bool
    scaled_for: int | None = None

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "field": self.field,
            "op": self.op,
            "threshold": self.threshold,
            "value": None if self.actual is MISSING else self.actual,
            "result": self.result,
        }
        if self.scaled_for is not None:
            d["scaled_for_followers"] = self.scaled_for
        return d

    def text(self) -> str:
        actual = "missing" if self.actual is MISSING else _fmt(self.actual)
        s = f"{self.field}={actual} {self.op} {_fmt(self.threshold)}"
        if self.scaled_for is not None:
            s += f" (scaled for {self.scaled_for:,} followers)"
        return s


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


# --------------------------------------------------------------------------- parsing


def _parse_value(raw: str, path: tuple[str | int, ...]) -> Any:
    raw = raw.strip()
    if raw == "scaled":
        return Scaled()
    if raw.startswith("$"):
        return ThresholdRef(raw[1:])
    if raw == "":
        raise ConditionError("missing value after operator", path)
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConditionError(f"cannot read value {raw!r}: {exc}", path) from None


def _check_field(field: str, path: tuple[str | int, ...]) -> None:
    root, _, rest = field.partition(".")
    if root not in FIELD_ROOTS:
        roots = ", ".join(sorted(FIELD_ROOTS))
        raise ConditionError(f"unknown field {field!r}: fields start with one of {roots}", path)
    if not rest:
        raise ConditionError(f"field {field!r} names no fact; {root}: {FIELD_ROOTS[root]}", path)
    if root == "signals":
        name = rest.split(".", 1)[0]
        known = {s.value for s in SignalName}
        if name not in known:
            raise ConditionError(
                f"unknown signal {name!r} in {field!r}; known signals: {', '.join(sorted(known))}", path
            )


def _norm_op(op: str) -> str:
    op = re.sub(r"\s+", "_", op.strip())
    return op


def _leaf(field: str, op: str, value: Any, path: tuple[str | int, ...]) -> Leaf:
    _check_field(field, path)
    op = _norm_op(op)
    if op not in OPS:
        raise ConditionError(f"unknown operator {op!r}; expected one of: {', '.join(OPS)}", path)
    if op in ("in", "not_in") and not isinstance(value, list | tuple | ThresholdRef):
        raise ConditionError(f"operator {op!r} needs a list value, got {value!r}", path)
    if op in (">=", ">", "<=", "<") and not isinstance(value, int | float | ThresholdRef | Scaled):
        raise ConditionError(f"operator {op!r} needs a number, $threshold or 'scaled', got {value!r}", path)
    if isinstance(value, bool) and op in (">=", ">", "<=", "<"):
        raise ConditionError(f"operator {op!r} cannot compare with a boolean", path)
    if isinstance(value, list):
        value = tuple(value)
    return Leaf(field, op, value)


def parse(spec: Any, path: tuple[str | int, ...] = ()) -> Node:
    """Parse a YAML condition into a tree; raise :class:`ConditionError` with the path of the problem."""
    if isinstance(spec, str):
        m = _LEAF_RE.match(spec)
        if not m:
            raise ConditionError(f"cannot parse condition {spec!r}; expected 'field op value'", path)
        field, op, value = m.group("field"), m.group("op"), m.group("value")
        if op is None:
            return _leaf(field, "==", True, path)
        op = _norm_op(op)
        if op in ("exists", "not_exists"):
            if value:
                raise ConditionError(f"operator {op!r} takes no value", path)
            return _leaf(field, op, None, path)
        return _leaf(field, op, _parse_value(value or "", path), path)
    if isinstance(spec, list):
        return AllOf(tuple(parse(s, (*path, i)) for i, s in enumerate(spec)))
    if isinstance(spec, dict):
        keys = set(spec)
        if keys <= {"field", "op", "value"} and "field" in keys:
            op = str(spec.get("op", "=="))
            value = spec.get("value")
            if isinstance(value, str):
                value = (
                    _parse_value(value, (*path, "value"))
                    if value.startswith("$") or value == "scaled"
                    else value
                )
            return _leaf(str(spec["field"]), op, value, path)
        if len(keys) != 1:
            raise ConditionError(
                f"a condition mapping has exactly one of all/any/not (or field/op/value), got {sorted(keys)}",
                path,
            )
        (key,) = keys
        inner = spec[key]
        if key in ("all", "any"):
            if not isinstance(inner, list) or not inner:
                raise ConditionError(f"'{key}' needs a non-empty list of conditions", (*path, key))
            items = tuple(parse(s, (*path, key, i)) for i, s in enumerate(inner))
            return AllOf(items) if key == "all" else AnyOf(items)
        if key == "not":
            return NotOf(parse(inner, (*path, key)))
        raise ConditionError(f"unknown combinator {key!r}; expected all, any or not", path)
    raise ConditionError(f"a condition is a string, a list or a mapping, got {type(spec).__name__}", path)


# --------------------------------------------------------------------------- analysis


def leaves(node: Node) -> Iterator[Leaf]:
    """Every leaf of the tree, in order."""
    if isinstance(node, Leaf):
        yield node
    elif isinstance(node, AllOf | AnyOf):
        for item in node.items:
            yield from leaves(item)
    else:
        yield from leaves(node.item)


def required_leaves(node: Node) -> Iterator[Leaf]:
    """Leaves that must hold for the whole condition to hold (reachable through ``all`` only).

    The policy stage uses them to pre-filter posts with vectorised comparisons
    before running the full condition on the few candidates.
    """
    if isinstance(node, Leaf):
        yield node
    elif isinstance(node, AllOf):
        for item in node.items:
            yield from required_leaves(item)
    elif isinstance(node, AnyOf) and len(node.items) == 1:
        yield from required_leaves(node.items[0])


# --------------------------------------------------------------------------- evaluation


def _cmp(op: str, actual: Any, expected: Any) -> bool:
    if op == "exists":
        return actual is not MISSING and actual is not None
    if op == "not_exists":
        return actual is MISSING or actual is None
    if actual is MISSING or actual is None:
        return False
    try:
        if op == ">=":
            return actual >= expected
        if op == ">":
            return actual > expected
        if op == "<=":
            return actual <= expected
        if op == "<":
            return actual < expected
        if op == "==":
            return _eq(actual, expected)
        if op == "!=":
            return not _eq(actual, expected)
        if op == "in":
            return any(_eq(actual, e) for e in expected)
        if op == "not_in":
            return not any(_eq(actual, e) for e in expected)
        if op == "contains":
            if isinstance(actual, str):
                return str(expected).lower() in actual.lower()
            return any(_eq(a, expected) for a in actual)
    except TypeError:
        return False
    return False


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) is bool(b) if isinstance(a, bool) and isinstance(b, bool) else False
    return a == b


Evaluator = Callable[[FactSource, list[Compared]], bool]


def compile_node(node: Node, scaling: ReachScaling | None = None) -> Evaluator:
    """Turn a tree into nested closures (evaluated many times, parsed once).

    ``all`` and ``any`` short-circuit; the record list receives every leaf that
    was evaluated, which for a firing rule is exactly the evidence it fired on.
    """
    if isinstance(node, Leaf):
        field, op, value = node.field, node.op, node.value

        def leaf(facts: FactSource, rec: list[Compared]) -> bool:
            actual = facts.get(field)
            scaled_for = None
            if isinstance(value, ThresholdRef):
                expected: Any = facts.threshold(value.name)
            elif isinstance(value, Scaled):
                if scaling is None:  # validated at load; defensive
                    return False
                expected, scaled_for = scaling.value(facts)
                expected = round(expected, 4)
            else:
                expected = value
            ok = _cmp(op, actual, expected)
            rec.append(Compared(field, op, expected, actual, ok, scaled_for))
            return ok

        return leaf
    if isinstance(node, AllOf):
        parts = [compile_node(n, scaling) for n in node.items]

        def all_of(facts: FactSource, rec: list[Compared]) -> bool:
            return all(p(facts, rec) for p in parts)

        return all_of
    if isinstance(node, AnyOf):
        parts = [compile_node(n, scaling) for n in node.items]

        def any_of(facts: FactSource, rec: list[Compared]) -> bool:
            mark = len(rec)
            for p in parts:
                sub: list[Compared] = []
                if p(facts, sub):
                    rec.extend(sub)
                    return True
            # nothing held: keep the evidence of why (all branches evaluated)
            del rec[mark:]
            return False

        return any_of
    inner = compile_node(node.item, scaling)

    def not_of(facts: FactSource, rec: list[Compared]) -> bool:
        sub: list[Compared] = []
        ok = not inner(facts, sub)
        for c in sub:
            rec.append(Compared(c.field, f"not {c.op}", c.threshold, c.actual, ok, c.scaled_for))
        return ok

    return not_of
