"""Local choices (地方选择): the parameters a province, city or county sets for itself, and
which of them a county has not set.

The parameter files mark a local choice three ways, and a parameter is one if any holds:
`missing: unknown` (no national value: a place without its own gets "unknown", never a
guess), a value whose source is a `local_choice` (a default or an illustrative value that a
place should replace), or a value set below the national level (provinces differ). Three
parameters carry a national document yet are still the place's to choose (`ALSO_LOCAL`).

`missing_local_parameters` lists, for each division and a date, the required ones (`missing:
unknown`) that resolve to no value: what `assess`, `monitor run` and the desk say up front,
so that a county outside the demo sees why its households are "unknown".

    >>> from minsheng.programmes.registry import baseline
    >>> [m.parameter for m in missing_local_parameters(baseline(), ["621121"], dt.date(2026, 1, 1))][:2]
    ['dibao.financial_assets_multiple', 'dibao.housing_area_exemption_m2']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from minsheng.rules.parameters import NATIONAL, Entry, Parameter, ParameterSet

# 最低生活保障审核确认办法 第二十三条: the gap payment or tiers, and any floor under the gap payment,
# the place decides; 民发〔2024〕16号: the standard may be computed from consumption ("各地可选用");
# 国办发〔2023〕39号: the marginal band's 1.5 × "有条件的地方可以适当提高".
ALSO_LOCAL = frozenset(
    {"dibao.tiered", "dibao.floor_ratio", "dibao.standard_from_consumption", "dibao_marginal.income_multiple"}
)

# A required parameter that only matters under another parameter's setting: the published standard
# is not needed where the standard is computed from consumption, and the ratio only there.
NEEDED_WHEN: dict[str, tuple[str, bool]] = {
    "dibao.standard": ("dibao.standard_from_consumption", False),
    "dibao.consumption_ratio": ("dibao.standard_from_consumption", True),
}


def is_local_choice(param: Parameter) -> bool:
    return (
        param.id in ALSO_LOCAL
        or param.missing == "unknown"
        or any(e.source.local_choice or e.region != NATIONAL for e in param.entries)
    )


def local_choices(params: ParameterSet) -> list[Parameter]:
    """Every local choice, required ones (no national value) first, then by id."""
    chosen = [p for p in params.params.values() if is_local_choice(p)]
    return sorted(chosen, key=lambda p: (p.missing != "unknown", p.id))


def _shown(param: Parameter, entry: Entry) -> str:
    if entry.value is None:
        return "不适用 n/a"
    values = {k: shown_number(param, v) for k, v in entry.value.items()}
    if len(set(values.values())) == 1:
        return f"{next(iter(values.values()))}"
    return "; ".join(f"{k}={v}" for k, v in values.items())


def shown_number(param: Parameter, raw: float) -> str:
    """A stored number as people write it: yuan for money, no trailing ".0", 是/否 for a flag."""
    if param.kind == "bool":
        return "是 true" if raw else "否 false"
    if param.kind == "money":
        return f"{raw / 100:.2f}".removesuffix(".00")
    return f"{raw:.10g}"


def national_rule(param: Parameter) -> tuple[str, str]:
    """(zh, en): the national value in force today with its source, or that there is none."""
    national = [e for e in param.entries if e.region == NATIONAL and e.effective <= dt.date.today()]
    if not national:
        return "无全国统一标准，由地方确定", "no national value: set locally"
    entry = national[-1]
    kind = "全国默认值（地方选择）" if entry.source.local_choice else "全国规定"
    kind_en = "national default (a local choice)" if entry.source.local_choice else "national rule"
    cited = entry.source.cite()
    return (
        f"{kind} {_shown(param, entry)}（{entry.effective}起）{cited}",
        f"{kind_en} {_shown(param, entry)} from {entry.effective}; {cited}",
    )


def example(param: Parameter) -> str:
    """A value some place set, with where, when and why: a real document first, else a stated local choice."""
    local = [e for e in param.entries if e.region != NATIONAL and e.value is not None]
    documented = [e for e in local if e.source.doc]
    if not local:
        return ""
    pick = (documented or local)[-1]
    return f"{pick.region} {pick.effective}: {_shown(param, pick)} — {pick.source.cite()}"


@dataclass(frozen=True)
class Missing:
    """A required local parameter with no value for a division on a date."""

    parameter: str
    label_zh: str
    label_en: str
    division: str
    date: dt.date

    def text(self, lang: str = "zh") -> str:
        if lang == "en":
            return f"{self.division}: {self.label_en} ({self.parameter}) is not set for {self.date}"
        return f"{self.division}：未设置本地{self.label_zh} {self.parameter}（{self.date}）"


def _needed(params: ParameterSet, pid: str, division: str, date: dt.date) -> bool:
    if pid not in NEEDED_WHEN:
        return True
    switch, when = NEEDED_WHEN[pid]
    if switch not in params:
        return True
    return bool(params.value(switch, division, date)) == when


def missing_local_parameters(params: ParameterSet, divisions: Iterable[str], date: dt.date) -> list[Missing]:
    """The required local parameters (`missing: unknown`) that have no value for each division
    (a county or any code; the walk is county → city → province → national) on `date`."""
    required = [p for p in params.params.values() if p.missing == "unknown"]
    found: list[Missing] = []
    for division in sorted(set(divisions)):
        for param in sorted(required, key=lambda p: p.id):
            if not _needed(params, param.id, division, date):
                continue
            axes = param.axis_values if param.axis else (None,)
            if any(params.value(param.id, division, date, axis) is None for axis in axes):
                found.append(Missing(param.id, param.label_zh, param.label_en, division, date))
    return found


def missing_summary(missing: list[Missing], lang: str = "zh", limit: int = 12) -> str:
    """One paragraph for a banner or the top of a command's output ("" when nothing is missing)."""
    if not missing:
        return ""
    shown = [m.text(lang) for m in missing[:limit]]
    more = len(missing) - len(shown)
    if lang == "en":
        tail = f"; and {more} more" if more else ""
        return (
            f"{len(missing)} local parameters are not set, so results that need them are unknown "
            f"(set them with `minsheng params import`): " + "; ".join(shown) + tail
        )
    tail = f"；另有{more}项" if more else ""
    return (
        f"有{len(missing)}项本地参数未设置，依赖它们的结果为“无法判定”（用 minsheng params import 设置）："
        + "；".join(shown)
        + tail
    )
