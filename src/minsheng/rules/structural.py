"""Structural reforms (结构性改革): a reform that replaces formulas of the model, as OpenFisca's
reforms do, beside the parameter overlays of `rules.reforms`.

    formulas:
      dibao_gap_fen:                       # a formula node of the model, by its name
        expression: >                      # the rule, in the language of `rules.expressions`
          round_fen(dibao.tier1_payment * dibao_standard_fen) * dibao_household_size
          if dibao_income_per_capita_fen / dibao_standard_fen < dibao.tier1_upper else …
        label: {zh: 分档补助, en: tiered payment}     # optional: the node's own label otherwise
        source: {doc: 民发〔2021〕57号, clause: 第二十三条}   # optional, as a parameter's source
        regions: ["110105"]                # optional: only where the household lives there …
        from: 2026-01-01                   # … and only from this date; elsewhere the model's own rule

Everything is checked when the reform is read, each refusal with its file:line: the node exists
and is a formula (an input or an aggregate is not replaced); every name of the expression is a node
the formula may read (a household formula reads household nodes, aggregates among them; a person
formula reads both) or a parameter; the expression's type is the node's (a yes/no condition stays
yes/no, an amount a number); the replacement makes no cycle (the model's own check). An integer node
(amounts in fen) stays integer: a fractional result is rounded half up to the fen (`round_fen`, as the
payment rules round) and the rule text says so. The baseline model is never changed:
`Model.replaced` makes a new one sharing every other node.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import polars as pl

from minsheng.errors import ModelError, RuleDataError
from minsheng.rules import expressions
from minsheng.rules.evaluate import DATE_COLUMN, param_column
from minsheng.rules.expressions import BOOL, NUMBER, Expression
from minsheng.rules.model import Aggregate, Formula, Input, Model
from minsheng.rules.money import round_fen
from minsheng.rules.parameter_files import ISO_DATE, parse_region, parse_source
from minsheng.rules.parameters import ParameterSet
from minsheng.rules.yamlsrc import Located

KEYS = ("expression", "label", "source", "regions", "from")
RESIDENCE = "residence_division"
PARAMETER_DTYPES: dict[str, Any] = {"money": pl.Int64, "int": pl.Int64, "bool": pl.Boolean}


@dataclass(frozen=True)
class Replacement:
    """The function of a replaced formula: the expression over its arguments, cast to the node's
    type, and inside a scope (regions, a start date) only; outside it, the model's own function.
    A picklable object, so a reformed model travels to Spark workers like the baseline."""

    expression: Expression
    picks: tuple[int, ...]  # position of each of the expression's names among the formula's args
    dtype: Any
    rounded: bool
    original: Callable[..., pl.Expr] | None = None
    original_picks: tuple[int, ...] = ()
    regions: tuple[str, ...] = ()
    start: dt.date | None = None
    residence: int = -1
    date: int = -1

    def __call__(self, *columns: pl.Expr) -> pl.Expr:
        new = self.expression.build(*(columns[i] for i in self.picks))
        new = (round_fen(new) if self.rounded else new).cast(self.dtype)
        if self.original is None:
            return new
        inside = pl.lit(True)
        if self.regions:
            inside = pl.any_horizontal(columns[self.residence].str.starts_with(code) for code in self.regions)
        if self.start is not None:
            inside = inside & (columns[self.date] >= pl.lit(self.start))
        old = self.original(*(columns[i] for i in self.original_picks))
        return pl.when(inside).then(new).otherwise(old)


def parameter_dtype(kind: str) -> Any:
    """A parameter's column type as `rules.evaluate` gathers it."""
    return PARAMETER_DTYPES.get(kind, pl.Float64)


def node_dtypes(model: Model, params: ParameterSet) -> dict[str, Any]:
    """The type of every node, from the Polars schema of the model's expressions (no data)."""
    inputs = {name: node.dtype for name, node in model.nodes.items() if isinstance(node, Input)}
    pids = {pid for name in model.nodes for pid in model.params_of(name).values() if pid in params}
    frame = pl.LazyFrame(schema=inputs | {param_column(p): parameter_dtype(params[p].kind) for p in pids})
    for name in model.order(model.nodes):
        node = model.nodes[name]
        if isinstance(node, Formula):
            args = [pl.col(param_column(node.params[a])) if a in node.params else pl.col(a) for a in node.args]
            frame = frame.with_columns(node.fn(*args).alias(name))
        elif isinstance(node, Aggregate):
            source = frame.select(pl.col(node.of).sum() if node.how == "sum" else pl.col(node.of))
            dtype = {"any": pl.Boolean, "all": pl.Boolean, "count": pl.Int64}.get(node.how)
            frame = frame.with_columns(pl.lit(None, dtype=dtype or source.collect_schema()[node.of]).alias(name))
    return dict(frame.collect_schema())


def kind(dtype: Any) -> str:
    """BOOL, NUMBER, or the type's name (text, a date: not for computing)."""
    if dtype == pl.Boolean:
        return BOOL
    return NUMBER if dtype.is_numeric() else str(dtype)


def parse_formulas(
    body: Any, file: str, line: int, model: Model, params: ParameterSet, reform_id: str
) -> dict[str, Formula]:
    """A reform's `formulas:` section as replacement formulas, every one checked (see above)."""
    if not isinstance(body, Located) or not body:
        raise RuleDataError(
            file, line, "formulas 应为“节点名: {expression: …}”的映射", "formulas must map a node → {expression: …}"
        )
    dtypes = node_dtypes(model, params)
    parameter_kinds = {pid: BOOL if p.kind == "bool" else NUMBER for pid, p in params.params.items()}
    out: dict[str, Formula] = {}
    current = model
    for name, spec in body.items():
        at = body.line_of(name)
        node = _target(model, name, file, at)
        if not isinstance(spec, Located) or "expression" not in spec:
            raise RuleDataError(file, at, "每个公式下需要 expression", "each formula needs an 'expression'")
        extra = sorted(set(spec) - set(KEYS))
        if extra:
            raise RuleDataError(
                file,
                spec.line_of(extra[0]),
                f"未知的键 {extra[0]}（可用：{'、'.join(KEYS)}）",
                f"unknown key {extra[0]!r} (known: {', '.join(KEYS)})",
            )
        readable = {n: kind(dtypes[n]) for n, other in model.nodes.items() if _may_read(node, other.entity)}
        kinds = parameter_kinds | readable
        where = spec.line_of("expression")
        expr = expressions.parse(
            spec["expression"], kinds, file=file, line=where, unknown=partial(_why_not, model, node, kinds)
        )
        formula = _formula(node, expr, spec, dtypes, params, file, where, reform_id)
        current = current.replaced({name: formula})
        try:
            current.check(params.params)  # the model's own check: a cycle is named with its path
        except ModelError as exc:
            raise RuleDataError(file, at, exc.zh, exc.en) from None
        out[name] = formula
    return out


def _target(model: Model, name: str, file: str, line: int) -> Formula:
    node = model.nodes.get(name)
    if node is None:
        close = difflib.get_close_matches(name, list(model.nodes), n=1)
        hint_zh, hint_en = (f"（是否指 {close[0]}？）", f" (did you mean {close[0]}?)") if close else ("", "")
        raise RuleDataError(file, line, f"模型中没有节点 {name}{hint_zh}", f"the model has no node {name}{hint_en}")
    if not isinstance(node, Formula):
        what_zh, what_en = ("输入项", "an input") if isinstance(node, Input) else ("合计", "an aggregate")
        raise RuleDataError(
            file,
            line,
            f"{name} 是{what_zh}，不是公式：只能替换公式",
            f"{name} is {what_en}, not a formula: only formulas are replaced",
        )
    return node


def _may_read(node: Formula, entity: str) -> bool:
    # A person formula reads its household's values too (the engine gathers them); a household
    # formula reads person values only through an aggregate (`Model.check`).
    return node.entity == "person" or entity == "household"


def _why_not(model: Model, node: Formula, kinds: dict[str, str], name: str) -> tuple[str, str] | None:
    other = model.nodes.get(name)
    if other is not None:  # a person node named in a household formula
        sums = [n for n, x in model.nodes.items() if isinstance(x, Aggregate) and x.of == name]
        use_zh = f"请用其家庭合计 {'、'.join(sums)}" if sums else "请先把它聚合到家庭"
        use_en = f"use its household total {', '.join(sums)}" if sums else "aggregate it to the household first"
        return (
            f"{name} 是个人层面的节点，家庭层面的公式 {node.name} 不能直接使用：{use_zh}",
            f"{name} is a person node: the household formula {node.name} cannot read it; {use_en}",
        )
    close = difflib.get_close_matches(name, list(kinds), n=1)
    if not close:
        return None
    what_zh, what_en = ("参数", "parameter") if "." in name else ("节点", "node")
    return (
        f"没有名为 {name} 的{what_zh}（是否指 {close[0]}？）",
        f"there is no {what_en} named {name} (did you mean {close[0]}?)",
    )


def _formula(
    node: Formula,
    expr: Expression,
    spec: Located,
    dtypes: dict[str, Any],
    params: ParameterSet,
    file: str,
    line: int,
    reform_id: str,
) -> Formula:
    target = dtypes[node.name]
    if kind(target) not in (BOOL, NUMBER):
        raise RuleDataError(
            file,
            line,
            f"节点 {node.name} 的类型（{target}）不能替换",
            f"node {node.name} ({target}) cannot be replaced",
        )
    if kind(target) != expr.kind:
        zh, en = expressions.KIND_ZH, expressions.KIND_EN
        raise RuleDataError(
            file,
            line,
            f"类型不符：节点 {node.name} 是{zh[kind(target)]}，表达式给出的是{zh[expr.kind]}",
            f"type mismatch: node {node.name} is {en[kind(target)]}, the expression gives {en[expr.kind]}",
        )
    arg_dtype = {a: dtypes[a] if a in dtypes else parameter_dtype(params[a].kind) for a in expr.args}
    result = pl.LazyFrame(schema=arg_dtype).select(expr.build(*(pl.col(a) for a in expr.args)).alias("r"))
    got = result.collect_schema()["r"]
    rounded = target.is_integer() and got.is_float()  # an amount in fen stays whole fen
    regions, start = _scope(spec, file)
    is_param = {a for a in expr.args if a not in dtypes}
    args = list(expr.args)
    # The model's own formula, kept for outside the scope; its parameter arguments are named by
    # their ids here (the function is called by position), so no name can clash with a node's.
    original_args = [node.params.get(a, a) for a in node.args] if (regions or start) else []
    is_param |= set(node.params.values()) if original_args else set()
    scope_args = ([RESIDENCE] if regions else []) + ([DATE_COLUMN] if start else [])
    for a in (*original_args, *scope_args):
        if a not in args:
            args.append(a)
    replacement = Replacement(
        expr,
        tuple(args.index(a) for a in expr.args),
        target,
        rounded,
        original=node.fn if original_args else None,
        original_picks=tuple(args.index(a) for a in original_args),
        regions=regions,
        start=start,
        residence=args.index(RESIDENCE) if regions else -1,
        date=args.index(DATE_COLUMN) if start else -1,
    )
    label = spec.get("label") or {}
    if not isinstance(label, dict):
        raise RuleDataError(file, spec.line_of("label"), "label 应为 {zh: …, en: …}", "label must be {zh: …, en: …}")
    source = parse_source(spec.get("source"), file, spec.line_of("source"), False)
    cite = f"改革方案 reform {reform_id}" + (
        f"；{source.cite()}" if source.doc or source.title or source.local_choice else ""
    )
    return Formula(
        name=node.name,
        entity=node.entity,
        fn=replacement,
        args=tuple(args),
        params={a: a for a in args if a in is_param},
        label_zh=str(label.get("zh") or node.label_zh),
        label_en=str(label.get("en") or node.label_en),
        unit=node.unit,
        cite=cite,
        condition=node.condition,
        rule=_rule_text(expr.text, rounded, regions, start),
    )


def _scope(spec: Located, file: str) -> tuple[tuple[str, ...], dt.date | None]:
    raw = spec.get("regions")
    regions: tuple[str, ...] = ()
    if raw is not None:
        line = spec.line_of("regions")
        if not isinstance(raw, list) or not raw:
            raise RuleDataError(file, line, "regions 应为区划代码的列表", "regions must be a list of division codes")
        regions = tuple(parse_region(str(code), file, line) for code in raw)
        if "" in regions:  # CN: everywhere, which is no scope at all
            regions = ()
    start = None
    if "from" in spec:
        text = str(spec["from"])
        if not ISO_DATE.fullmatch(text):
            raise RuleDataError(
                file, spec.line_of("from"), f"日期 {text} 应为 YYYY-MM-DD", f"date {text!r} is not YYYY-MM-DD"
            )
        try:
            start = dt.date.fromisoformat(text)
        except ValueError:
            raise RuleDataError(
                file, spec.line_of("from"), f"日期 {text} 不存在", f"date {text} does not exist"
            ) from None
    return regions, start


def _rule_text(text: str, rounded: bool, regions: tuple[str, ...], start: dt.date | None) -> str:
    """The rule as it runs: the expression, its rounding and its scope."""
    rule = " ".join(text.split())
    rule = f"round_fen({rule})" if rounded else rule
    scope = []
    if regions:
        scope.append(f"居住地 residence in {', '.join(regions)}")
    if start:
        scope.append(f"{start.isoformat()} 起 from")
    return rule + (f"  〔{'；'.join(scope)}；其余按原公式 elsewhere the model's own rule〕" if scope else "")
