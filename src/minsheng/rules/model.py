"""Formulas as a static dependency graph (规则模型).

A model is a set of named nodes over two entities, `household` and `person`:

- `Input`: a column the data brings (registry store names; money in fen);
- `Formula`: a Polars expression built by a plain function whose argument
  names are its dependencies (other nodes) or parameters (`params={arg: id}`);
  a formula with `condition=True` is a named rule with a citation;
- `Aggregate`: a person node summed / counted / any-ed up to the household.

The graph is checked when the model is finished (`Model.check`): every
argument must name a node or a parameter, and a cycle is reported with its
full path. Nothing is evaluated here; see `rules.evaluate`.

    model = Model()

    @model.formula("household", label=("人均收入", "income per capita"), unit="fen")
    def income_per_capita_fen(counted_income_fen, household_size):
        return counted_income_fen / household_size
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import polars as pl

from minsheng.errors import ModelError

ENTITIES = ("household", "person")
PolarsType = pl.DataType | type[pl.DataType]
AGGREGATIONS = ("sum", "count", "any", "all", "max", "min")


@dataclass(frozen=True)
class Input:
    name: str
    entity: str
    dtype: PolarsType
    label_zh: str
    label_en: str
    unit: str = ""


@dataclass(frozen=True)
class Formula:
    name: str
    entity: str
    fn: Callable[..., pl.Expr]
    args: tuple[str, ...]
    params: dict[str, str]  # argument name → parameter id
    label_zh: str
    label_en: str
    unit: str = ""
    cite: str = ""
    condition: bool = False
    rule: str = ""  # the expression a reform replaced this formula with (`rules.structural`), as written

    @property
    def deps(self) -> tuple[str, ...]:
        return tuple(a for a in self.args if a not in self.params)


@dataclass(frozen=True)
class Aggregate:
    name: str
    of: str
    how: str
    label_zh: str
    label_en: str
    unit: str = ""
    entity: str = "household"

    @property
    def deps(self) -> tuple[str, ...]:
        return (self.of,)


Node = Input | Formula | Aggregate


@dataclass(frozen=True)
class Programme:
    """A programme as the engine sees it: which nodes decide and pay, and how to say it."""

    id: str
    label_zh: str
    label_en: str
    entity: str
    eligible: str
    benefit: str | None
    conditions: tuple[str, ...]
    amounts: tuple[str, ...] = ()  # nodes shown in the amount breakdown, in order
    basis: str = ""  # the legal basis, for the header of an explanation


@dataclass
class Model:
    nodes: dict[str, Node] = field(default_factory=dict)
    programmes: dict[str, Programme] = field(default_factory=dict)

    def _add(self, node: Node) -> None:
        if node.name in self.nodes:
            raise ModelError(f"节点 {node.name} 重复定义", f"node {node.name} is defined twice")
        if node.entity not in ENTITIES:
            raise ModelError(f"未知实体 {node.entity}", f"unknown entity {node.entity}")
        self.nodes[node.name] = node

    def input(self, name: str, entity: str, dtype: PolarsType, label: tuple[str, str], unit: str = "") -> None:
        self._add(Input(name, entity, dtype, label[0], label[1], unit))

    def formula(
        self,
        entity: str,
        *,
        label: tuple[str, str],
        unit: str = "",
        cite: str = "",
        params: dict[str, str] | None = None,
        condition: bool = False,
        name: str | None = None,
    ) -> Callable[[Callable[..., pl.Expr]], Callable[..., pl.Expr]]:
        def register(fn: Callable[..., pl.Expr]) -> Callable[..., pl.Expr]:
            args = tuple(inspect.signature(fn).parameters)
            self._add(
                Formula(
                    name or fn.__name__, entity, fn, args, dict(params or {}), label[0], label[1], unit, cite, condition
                )
            )
            return fn

        return register

    def condition(
        self, entity: str, *, label: tuple[str, str], cite: str, params: dict[str, str] | None = None
    ) -> Callable[[Callable[..., pl.Expr]], Callable[..., pl.Expr]]:
        """A named rule: a boolean formula with the clause it implements."""
        return self.formula(entity, label=label, cite=cite, params=params, condition=True)

    def aggregate(self, name: str, of: str, how: str, label: tuple[str, str], unit: str = "") -> None:
        if how not in AGGREGATIONS:
            raise ModelError(f"未知聚合 {how}", f"unknown aggregation {how}; use {', '.join(AGGREGATIONS)}")
        self._add(Aggregate(name, of, how, label[0], label[1], unit))

    def all_of(self, name: str, entity: str, conditions: Iterable[str], label: tuple[str, str]) -> None:
        """Eligible when every condition holds; unknown (null) when none fails but one is unknown."""
        names = tuple(conditions)
        fn = _all_of(names)
        self._add(Formula(name, entity, fn, names, {}, label[0], label[1], "bool"))

    def programme(self, programme: Programme) -> None:
        for ref in (programme.eligible, programme.benefit, *programme.conditions, *programme.amounts):
            if ref is not None and ref not in self.nodes:
                raise ModelError(
                    f"项目 {programme.id} 引用了不存在的节点 {ref}",
                    f"programme {programme.id} refers to unknown node {ref}",
                )
        self.programmes[programme.id] = programme

    def replaced(self, formulas: dict[str, Formula]) -> Model:
        """A new model with these formulas in place of the nodes of the same name (a structural
        reform); this model, and every node not replaced, is shared and never changed."""
        for name, node in formulas.items():
            if not isinstance(self.nodes.get(name), Formula) or node.entity != self.nodes[name].entity:
                raise ModelError(f"不能替换节点 {name}", f"node {name} cannot be replaced")
        return Model(self.nodes | formulas, dict(self.programmes))

    # ------------------------------------------------------------ graph

    def deps(self, name: str) -> tuple[str, ...]:
        node = self.nodes[name]
        return () if isinstance(node, Input) else node.deps

    def params_of(self, name: str) -> dict[str, str]:
        node = self.nodes[name]
        return node.params if isinstance(node, Formula) else {}

    def check(self, known_params: Iterable[str]) -> None:
        """Every dependency exists, every parameter is known, entities fit, no cycle."""
        known = set(known_params)
        for name, node in self.nodes.items():
            for dep in self.deps(name):
                if dep not in self.nodes:
                    raise ModelError(
                        f"公式 {name} 的输入 {dep} 没有任何节点提供",
                        f"formula {name}: nothing provides its input {dep!r}",
                    )
                if isinstance(node, Aggregate) and self.nodes[dep].entity != "person":
                    raise ModelError(
                        f"聚合 {name} 的来源应为个人层面", f"aggregate {name} must aggregate a person node"
                    )
                if (
                    node.entity == "household"
                    and not isinstance(node, Aggregate)
                    and self.nodes[dep].entity == "person"
                ):
                    raise ModelError(
                        f"家庭层面公式 {name} 不能直接使用个人层面的 {dep}，请先聚合",
                        f"household formula {name} uses person node {dep}: aggregate it first",
                    )
            for pid in self.params_of(name).values():
                if pid not in known:
                    raise ModelError(
                        f"公式 {name} 使用了不存在的参数 {pid}", f"formula {name} uses unknown parameter {pid}"
                    )
        self.order(self.nodes)

    def order(self, wanted: Iterable[str]) -> list[str]:
        """Every node needed for `wanted`, dependencies first; a cycle raises with its path."""
        done: list[str] = []
        state: dict[str, int] = {}  # 1 visiting, 2 done
        for root in wanted:
            stack: list[tuple[str, int]] = [(root, 0)]
            path: list[str] = []
            while stack:
                name, i = stack.pop()
                if i == 0:
                    if state.get(name) == 2:
                        continue
                    if state.get(name) == 1:
                        cycle = " → ".join([*path[path.index(name) :], name])
                        raise ModelError(f"公式循环依赖：{cycle}", f"formulas form a cycle: {cycle}")
                    if name not in self.nodes:
                        raise ModelError(f"没有节点 {name}", f"no node named {name!r}")
                    state[name] = 1
                    path.append(name)
                deps = self.deps(name)
                if i < len(deps):
                    stack.append((name, i + 1))
                    dep = deps[i]
                    if state.get(dep) == 1:
                        cycle = " → ".join([*path[path.index(dep) :], dep])
                        raise ModelError(f"公式循环依赖：{cycle}", f"formulas form a cycle: {cycle}")
                    if state.get(dep) != 2:
                        stack.append((dep, 0))
                else:
                    state[name] = 2
                    path.pop()
                    done.append(name)
        return done

    def leaves(self, name: str) -> list[str]:
        """The inputs a node finally depends on (for 'unknown: these inputs are missing')."""
        return [n for n in self.order([name]) if isinstance(self.nodes[n], Input)]


def _all_of(names: tuple[str, ...]) -> Callable[..., pl.Expr]:
    def all_of(*conditions: pl.Expr) -> pl.Expr:
        return pl.all_horizontal(conditions)  # Kleene: false wins, then unknown, then true

    return all_of
