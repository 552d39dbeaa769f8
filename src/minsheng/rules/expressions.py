"""Formula expressions (公式表达式): the small language a structural reform writes a rule in.

    round_fen(dibao.tier1_payment * dibao_standard_fen) * dibao_household_size
        if dibao_income_per_capita_fen / dibao_standard_fen < dibao.tier1_upper
        else max(dibao_standard_fen * dibao_household_size - dibao_household_income_fen, 0)

Reforms come from files and, later, from a web form, so the text is never run as Python: it is
parsed by `ast` (expression mode) and only this is accepted —

- numbers (`1520`, `0.9`) and `True` / `False`;
- names: a model node (`dibao_standard_fen`) or a parameter by its dotted id
  (`dibao.tier1_upper`), both supplied by the caller with their kind (number or yes/no);
- `+ - * /`, unary `-`, comparisons (`< <= > >= == !=`, chained), `and`, `or`, `not`;
- a conditional, `a if cond else b` or `where(cond, a, b)`;
- `min(a, b, …)`, `max(a, b, …)`, `abs(a)`, `round_fen(a)` (half up to the fen, `rules.money`).

Anything else (attribute access other than a parameter's id, calls of other functions,
subscripts, lambdas, comprehensions, strings, keyword arguments, `**`, …) is refused with the
file:line and the fragment. The checked tree is compiled to a Polars expression by `Expression.build`.

Unknown stays unknown, as everywhere in the engine: a null operand makes a sum, a comparison,
`min`/`max` (unlike Polars' own horizontal min/max, which skip nulls) and the choice of a
conditional unknown; `and`/`or` follow Kleene logic (false wins an `and`); a division by zero is
unknown, not infinite.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import reduce

import polars as pl

from minsheng.errors import RuleDataError
from minsheng.rules.money import round_fen

BOOL, NUMBER = "bool", "number"
KIND_ZH = {BOOL: "是非值", NUMBER: "数值"}
KIND_EN = {BOOL: "a yes/no value", NUMBER: "a number"}
MAX_LENGTH = 1000  # characters: a rule longer than this belongs in the programme's code
MAX_NODES = 200  # syntax-tree nodes
MAX_INT = 2**53  # an integer literal a float64 still holds exactly
# name → (fewest, most) arguments
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "min": (2, None),
    "max": (2, None),
    "abs": (1, 1),
    "round_fen": (1, 1),
    "where": (3, 3),
}
OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
COMPARISONS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
REFUSED_OPERATORS = {"Pow": "**", "FloorDiv": "//", "Mod": "%", "MatMult": "@", "BitAnd": "&", "BitOr": "|"}
REFUSED_OPERATORS |= {"BitXor": "^", "LShift": "<<", "RShift": ">>"}
# Refused constructs, named for the reader (the rest by their Python name).
CONSTRUCTS = {
    "Attribute": ("属性访问", "attribute access"),
    "Subscript": ("下标", "subscripts"),
    "Lambda": ("lambda 函数", "lambda"),
    "ListComp": ("推导式", "comprehensions"),
    "SetComp": ("推导式", "comprehensions"),
    "DictComp": ("推导式", "comprehensions"),
    "GeneratorExp": ("推导式", "comprehensions"),
    "NamedExpr": ("赋值表达式 :=", "assignment expressions (:=)"),
    "JoinedStr": ("文字", "text"),
    "List": ("列表", "lists"),
    "Tuple": ("元组", "tuples"),
    "Dict": ("字典", "dicts"),
    "Set": ("集合", "sets"),
    "Starred": ("星号展开", "starred arguments"),
}

# What the caller says a name is: BOOL, NUMBER, or anything else (text, a date) that the
# language cannot compute with; a name the mapping lacks is unknown.
Kinds = Mapping[str, str]


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, its kind (BOOL or NUMBER), the names it reads (in first-use
    order) and its syntax tree. Picklable, so a model holding it travels to Spark workers."""

    text: str
    kind: str
    args: tuple[str, ...]
    tree: ast.Expression

    def build(self, *columns: pl.Expr) -> pl.Expr:
        """The Polars expression, given one column for each of `args`, in order."""
        return _build(self.tree.body, dict(zip(self.args, columns, strict=True)))


def parse(
    text: object,
    kinds: Kinds,
    *,
    file: str,
    line: int | None,
    unknown: Callable[[str], tuple[str, str] | None] = lambda _name: None,
) -> Expression:
    """Check `text` against the grammar above and the names in `kinds`; refuse it with file:line.
    `unknown(name)` may explain a name `kinds` lacks (say, a node of the other entity)."""
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise RuleDataError(file, line, "expression 应为一个算式（文字）", "expression must be a formula (text)")
    # A rule written over several YAML lines reads as one line (Python would want brackets).
    source = " ".join(str(text).split("\n")).strip()
    if not source:
        raise RuleDataError(file, line, "expression 不能为空", "expression must not be empty")
    if len(source) > MAX_LENGTH:
        raise RuleDataError(
            file,
            line,
            f"表达式过长（{len(source)}个字符，最多{MAX_LENGTH}个）",
            f"the expression is too long ({len(source)} characters; at most {MAX_LENGTH})",
        )
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        where = f"（第{exc.offset}个字符）" if exc.offset else ""
        raise RuleDataError(
            file, line, f"表达式语法错误{where}：{exc.msg}", f"the expression is not well formed: {exc.msg}"
        ) from None
    except (ValueError, RecursionError, MemoryError):
        raise RuleDataError(file, line, "表达式无法解析", "the expression cannot be parsed") from None
    size = sum(1 for _ in ast.walk(tree))
    if size > MAX_NODES:
        raise RuleDataError(
            file,
            line,
            f"表达式过于复杂（{size}个语法节点，最多{MAX_NODES}个）",
            f"the expression is too complex ({size} syntax nodes; at most {MAX_NODES})",
        )
    checker = _Checker(source, kinds, file, line, unknown)
    kind = checker.kind(tree.body)
    return Expression(source, kind, tuple(checker.names), tree)


class _Checker:
    """Walks the tree once: refuses what the grammar does not have, types every operand."""

    def __init__(
        self, source: str, kinds: Kinds, file: str, line: int | None, unknown: Callable[[str], tuple[str, str] | None]
    ) -> None:
        self.source, self.kinds, self.file, self.line, self.unknown = source, kinds, file, line, unknown
        self.names: list[str] = []
        self.namespaces = {name.split(".")[0] for name in kinds if "." in name}

    def fail(self, node: ast.AST, zh: str, en: str) -> RuleDataError:
        fragment = ast.get_source_segment(self.source, node) or ""
        col = getattr(node, "col_offset", None)
        at_zh = f"（第{col + 1}个字符起：{fragment}）" if col is not None else ""
        at_en = f" (at character {col + 1}: {fragment})" if col is not None else ""
        return RuleDataError(self.file, self.line, zh + at_zh, en + at_en)

    def want(self, node: ast.expr, kind: str, zh: str, en: str, got: str | None = None) -> None:
        got = got or self.kind(node)
        if got != kind:
            raise self.fail(
                node,
                f"{zh}应为{KIND_ZH[kind]}，这里是{KIND_ZH[got]}",
                f"{en} must be {KIND_EN[kind]}, not {KIND_EN[got]}",
            )

    def kind(self, node: ast.expr) -> str:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name | ast.Attribute):
            return self.name(node)
        if isinstance(node, ast.BinOp):
            if type(node.op) not in OPERATORS:
                sign = REFUSED_OPERATORS.get(type(node.op).__name__, type(node.op).__name__)
                raise self.fail(
                    node, f"不允许运算符 {sign}，只能使用 + - * /", f"operator {sign} is not allowed: only + - * /"
                )
            self.want(node.left, NUMBER, "算术运算的左边", "the left side of arithmetic")
            self.want(node.right, NUMBER, "算术运算的右边", "the right side of arithmetic")
            return NUMBER
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                self.want(node.operand, BOOL, "not 的对象", "the operand of not")
                return BOOL
            if isinstance(node.op, ast.USub | ast.UAdd):
                self.want(node.operand, NUMBER, "正负号的对象", "the operand of a sign")
                return NUMBER
            raise self.fail(node, "不允许的运算符", "this operator is not allowed")
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                self.want(value, BOOL, "and / or 的两边", "each side of and / or")
            return BOOL
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.IfExp):
            return self.conditional(node, node.test, node.body, node.orelse)
        if isinstance(node, ast.Call):
            return self.call(node)
        zh, en = CONSTRUCTS.get(type(node).__name__, (type(node).__name__, type(node).__name__))
        raise self.fail(node, f"表达式中不允许使用{zh}", f"{en} are not allowed in an expression")

    def constant(self, node: ast.Constant) -> str:
        value = node.value
        if isinstance(value, bool):
            return BOOL
        if isinstance(value, int | float):
            if isinstance(value, int) and abs(value) > MAX_INT:
                raise self.fail(node, "数字过大", "the number is too large")
            if not math.isfinite(value):  # 1e999 parses as inf
                raise self.fail(node, "数字应为有限的数", "numbers must be finite")
            return NUMBER
        raise self.fail(node, "只能使用数字和 True/False 常量（不能用文字）", "only numbers and True/False (no text)")

    def name(self, node: ast.Name | ast.Attribute) -> str:
        name = _dotted(node)
        if name is None or (isinstance(node, ast.Attribute) and name.split(".")[0] not in self.namespaces):
            raise self.fail(
                node,
                "表达式中不允许属性访问（参数请写其编号，如 dibao.tier1_upper）",
                "attribute access is not allowed (name a parameter by its id, e.g. dibao.tier1_upper)",
            )
        if name not in self.kinds:
            if name in FUNCTIONS:
                raise self.fail(node, f"{name} 是函数，应带括号调用", f"{name} is a function: call it with brackets")
            said = self.unknown(name)
            if said:
                raise self.fail(node, said[0], said[1])
            what_zh, what_en = ("参数", "parameter") if "." in name else ("节点", "node")
            raise self.fail(node, f"没有名为 {name} 的{what_zh}", f"there is no {what_en} named {name}")
        kind = self.kinds[name]
        if kind not in (BOOL, NUMBER):
            raise self.fail(
                node,
                f"{name} 不是数值或是非值（{kind}），表达式不能用它计算",
                f"{name} is not a number or a yes/no value ({kind}): the expression cannot compute with it",
            )
        if name not in self.names:
            self.names.append(name)
        return kind

    def compare(self, node: ast.Compare) -> str:
        operands = [node.left, *node.comparators]
        kinds = [self.kind(o) for o in operands]
        for op, left, right, operand in zip(node.ops, kinds[:-1], kinds[1:], node.comparators, strict=True):
            if type(op) not in COMPARISONS:
                raise self.fail(node, "只能使用 < <= > >= == != 比较", "only < <= > >= == != compare")
            if left != right:
                raise self.fail(
                    operand,
                    f"比较的两边类型不同（{KIND_ZH[left]}与{KIND_ZH[right]}）",
                    f"the two sides of a comparison differ ({KIND_EN[left]} and {KIND_EN[right]})",
                )
            if left == BOOL and isinstance(op, ORDERING):
                raise self.fail(node, "是非值不能比较大小", "yes/no values have no order")
        return BOOL

    def conditional(self, node: ast.expr, test: ast.expr, then: ast.expr, otherwise: ast.expr) -> str:
        self.want(test, BOOL, "条件", "the condition")
        a, b = self.kind(then), self.kind(otherwise)
        if a != b:
            raise self.fail(
                node,
                f"条件的两个结果类型不同（{KIND_ZH[a]}与{KIND_ZH[b]}）",
                f"the two results of a conditional differ ({KIND_EN[a]} and {KIND_EN[b]})",
            )
        return a

    def call(self, node: ast.Call) -> str:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            shown = name or (ast.get_source_segment(self.source, node.func) or "")
            raise self.fail(
                node,
                f"不允许调用 {shown}；可用的函数：{'、'.join(FUNCTIONS)}",
                f"calling {shown} is not allowed; the functions are {', '.join(FUNCTIONS)}",
            )
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(node, f"{name} 只接受按位置给出的参数", f"{name} takes positional arguments only")
        kinds = [self.kind(a) for a in node.args]  # each argument is refused first if it must be
        least, most = FUNCTIONS[name]
        if len(node.args) < least or (most is not None and len(node.args) > most):
            count = f"{least}" if least == most else f"至少{least}"
            count_en = f"{least}" if least == most else f"at least {least}"
            raise self.fail(node, f"{name} 需要{count}个参数", f"{name} takes {count_en} arguments")
        if name == "where":
            return self.conditional(node, *node.args)
        for arg, got in zip(node.args, kinds, strict=True):
            self.want(arg, NUMBER, f"{name} 的参数", f"the arguments of {name}", got)
        return NUMBER


def _dotted(node: ast.expr) -> str | None:
    """`a.b.c` as a dotted name, or None when the chain is not made of names only."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


# ---------------------------------------------------------------- compiling to Polars


def _build(node: ast.expr, columns: dict[str, pl.Expr]) -> pl.Expr:
    """The checked tree as a Polars expression (`_Checker` has refused everything else)."""

    def go(n: ast.expr) -> pl.Expr:
        return _build(n, columns)

    if isinstance(node, ast.Constant):
        value = node.value
        dtype = pl.Boolean if isinstance(value, bool) else pl.Int64 if isinstance(value, int) else pl.Float64
        return pl.lit(value, dtype=dtype)
    if isinstance(node, ast.Name | ast.Attribute):
        name = _dotted(node)
        assert name is not None
        return columns[name]
    if isinstance(node, ast.BinOp):
        left, right = go(node.left), go(node.right)
        if isinstance(node.op, ast.Div):
            return pl.when(right != 0).then(left / right)  # by zero: unknown (null), never inf
        if isinstance(node.op, ast.Add):
            return left + right
        return left - right if isinstance(node.op, ast.Sub) else left * right
    if isinstance(node, ast.UnaryOp):
        operand = go(node.operand)
        return ~operand if isinstance(node.op, ast.Not) else -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BoolOp):
        parts = [go(v) for v in node.values]
        # Polars' & and | on booleans are Kleene: false & unknown is false, true | unknown is true.
        return reduce(lambda a, b: a & b, parts) if isinstance(node.op, ast.And) else reduce(lambda a, b: a | b, parts)
    if isinstance(node, ast.Compare):
        operands = [go(o) for o in [node.left, *node.comparators]]
        pairs = [
            _compare(op, a, b) for op, a, b in zip(node.ops, operands[:-1], operands[1:], strict=True)
        ]  # a < b < c is (a < b) and (b < c)
        return reduce(lambda a, b: a & b, pairs)
    if isinstance(node, ast.IfExp):
        return _choose(go(node.test), go(node.body), go(node.orelse))
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    args = [go(a) for a in node.args]
    name = node.func.id
    if name == "where":
        return _choose(*args)
    if name == "abs":
        return args[0].abs()
    if name == "round_fen":
        return round_fen(args[0])
    # min/max of anything unknown is unknown (pl.min_horizontal alone would skip the null)
    picked = pl.min_horizontal(*args) if name == "min" else pl.max_horizontal(*args)
    return pl.when(pl.any_horizontal(*(a.is_null() for a in args))).then(None).otherwise(picked)


def _compare(op: ast.cmpop, a: pl.Expr, b: pl.Expr) -> pl.Expr:
    if isinstance(op, ast.Lt):
        return a < b
    if isinstance(op, ast.LtE):
        return a <= b
    if isinstance(op, ast.Gt):
        return a > b
    if isinstance(op, ast.GtE):
        return a >= b
    if isinstance(op, ast.Eq):
        return a == b
    return a != b


def _choose(test: pl.Expr, then: pl.Expr, otherwise: pl.Expr) -> pl.Expr:
    # An unknown condition chooses nothing: the result is unknown (a plain otherwise would take
    # the second branch, as if the condition were false).
    return pl.when(test).then(then).when(~test).then(otherwise)
