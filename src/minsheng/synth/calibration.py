"""Calibration report (校准报告): every target next to what was generated.

Columns: statistic, group, target, generated, rel_diff ((generated − target) /
target), source. Shares are fractions; incomes are yuan per person per year
(true incomes, person-weighted, as NBS reports them).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from minsheng.synth import people as P
from minsheng.synth import targets as T
from minsheng.synth.enrolment import DIBAO
from minsheng.synth.frames import Draft
from minsheng.synth.households import size_distribution, target_60_share
from minsheng.synth.incomes import SOURCES
from minsheng.synth.sampling import weighted_median


def calibrate(d: Draft) -> pl.DataFrame:
    rows: list[tuple[str, str, float, float, str]] = []

    def add(statistic: str, group: str, target: T.Target | float, generated: float, source: str = "") -> None:
        value = target.value if isinstance(target, T.Target) else target
        cite = target.source if isinstance(target, T.Target) else source
        rows.append((statistic, group, float(value), float(generated), cite))

    m, p, sizes = d.members, d.people, d.sizes
    urban_hh = d.geo.urban
    urban = urban_hh[m.hh]
    n = len(m.hh)

    pc_year = d.incomes.per_capita_fen * 12 / 100
    aims = d.incomes.targets
    if aims.overall is not None:
        w = sizes.astype(np.float64)
        add("income per capita, mean (yuan/year)", "all (province)", aims.overall, _ratio((pc_year * w).sum(), w.sum()))
    for area, sel in (("urban", urban_hh), ("rural", ~urban_hh)):
        w = sizes[sel].astype(np.float64)
        add("income per capita, mean (yuan/year)", area, aims.mean[area], _ratio((pc_year[sel] * w).sum(), w.sum()))
        add("income per capita, median (yuan/year)", area, aims.median[area], weighted_median(pc_year[sel], w))
    by_source = d.incomes.person_fen.sum(axis=0)
    for k, s in enumerate(SOURCES):
        add("income share by source", s, T.INCOME_SOURCE_SHARE[s], by_source[k] / by_source.sum())

    add("household size, mean", "all", T.MEAN_SIZE, sizes.mean())
    add("household size, share", "1 person", T.ONE_PERSON_SHARE, (sizes == 1).mean())
    for size, share in size_distribution().items():
        if size > 1:
            add(
                "household size, share",
                f"{size}{'+' if size == 10 else ''} persons",
                share,
                (sizes == size).mean(),
                T.SIZE_SHAPE_SOURCE,
            )

    age = m.age
    bands = {"0-15": age <= 15, "16-59": (age >= 16) & (age <= 59), "60+": age >= 60, "65+": age >= 65}
    for band, mask in bands.items():
        add("age share", band, T.AGE_SHARE[band], mask.mean())
    gap_source = "PF2 §2 total 22.0% split by the census 2020 urban–rural gap of 7.99 pp (PF2 §1.4; derived)"
    add("age share 60+", "urban", target_60_share(True), _share(age[urban] >= 60), gap_source)
    add("age share 60+", "rural", target_60_share(False), _share(age[~urban] >= 60), gap_source)
    add("sex ratio (men per 100 women)", "all", T.SEX_RATIO, 100 * (m.sex == 1).sum() / (m.sex == 2).sum())
    add("urban share of persons", "all", T.URBAN_SHARE, urban.mean())
    kind = d.geo.hukou_kind[m.hh]
    add("hukou in another county (floating)", "all", T.FLOATING_SHARE, (kind >= 2).mean())
    add("hukou in another township of the county", "all", T.WITHIN_CITY_SEPARATED, (kind == 1).mean())

    disabled = p.disability_grade > 0
    add("disability rate", "all", T.DISABILITY_RATE, disabled.mean())
    add("disabled persons aged 60+", "share of disabled", T.DISABLED_60_PLUS, _share(age[disabled] >= 60))
    add(
        "severe disability (grades 1-2)", "share of disabled", T.SEVERE_SHARE, _share(p.disability_grade[disabled] <= 2)
    )
    for k, name in enumerate(P.KINDS):
        add("disability kind", name, T.KIND_SHARE[name], _share(p.disability_kind[disabled] == k))

    insured = p.medical < 2
    add("medical insurance coverage", "all", T.MEDICAL_COVERAGE, insured.mean())
    add("employee medical insurance", "share of insured", T.EMPLOYEE_OF_INSURED, _share(p.medical[insured] == 0))
    pensioned = p.pension < 2
    add("basic pension insurance coverage", "all", T.PENSION_COVERAGE, pensioned.mean())
    add(
        "employee pension insurance",
        "share of insured",
        T.PENSION_EMPLOYEE_OF_INSURED,
        _share(p.pension[pensioned] == 0),
    )

    for job, target in T.EMPLOYMENT_SHARE.items():
        add("employment share of population", job, target, (p.job == P.JOBS.index(job)).mean())
    force = np.isin(p.job, [0, 1, 2, 3, 4, 5]) & urban
    add("unemployment rate", "urban", T.URBAN_UNEMPLOYMENT, _ratio(((p.job == 5) & urban).sum(), force.sum()))

    dibao_person = (d.enrolment.programme == DIBAO)[m.hh]
    for area, sel in (("urban", urban), ("rural", ~urban)):
        add("dibao recipients, share of persons", area, T.DIBAO_RECIPIENT_SHARE[area], _share(dibao_person[sel]))
    add("persons with an ID number", "all", T.ID_COVERAGE, 1 - d.id_numbers.null_count() / n)
    counts = np.bincount(d.surname)
    add("surname share", "top 5", T.TOP5_SURNAME_SHARE, counts[:5].sum() / n)
    add("surname share", "top 20", T.TOP20_SURNAME_SHARE, counts[:20].sum() / n)
    add("surname share", "top 100", T.TOP100_SURNAME_SHARE, counts[:100].sum() / n)

    frame = pl.DataFrame(rows, schema=["statistic", "group", "target", "generated", "source"], orient="row")
    return frame.with_columns(((pl.col("generated") - pl.col("target")) / pl.col("target")).alias("rel_diff")).select(
        "statistic", "group", "target", "generated", "rel_diff", "source"
    )


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else float("nan")


def _share(mask: npt.NDArray[np.bool_]) -> float:
    """Share of True, NaN for an empty selection (a tiny county may have no rural part)."""
    return _ratio(mask.sum(), len(mask))


def markdown(
    calibration: pl.DataFrame, title: str, policy_notes: pl.DataFrame | None = None, income_basis: str = ""
) -> str:
    """The calibration table as markdown; shares as percentages. `policy_notes`
    (`LocalPolicy.notes`) adds the dibao rules the ground truth was decided by;
    `income_basis` says whether incomes follow the province or the nation."""

    def fmt(x: float, share: bool) -> str:
        return f"{100 * x:.2f}%" if share else f"{x:,.2f}"

    lines = [
        f"# {title}",
        "",
        *([f"Incomes calibrated to: {income_basis}.", ""] if income_basis else []),
        "| statistic | group | target | generated | rel. diff | source |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in calibration.iter_rows(named=True):
        share = r["target"] < 1.0
        lines.append(
            f"| {r['statistic']} | {r['group']} | {fmt(r['target'], share)} | {fmt(r['generated'], share)} "
            f"| {100 * r['rel_diff']:+.2f}% | {r['source']} |"
        )
    if policy_notes is not None and policy_notes.height:
        fallbacks = policy_notes.filter(pl.col("source").str.starts_with("FALLBACK")).height
        lines += [
            "",
            "## Dibao rules of the ground truth",
            "",
            "Who is eligible (ground truth, enrolment, feeds truth) is decided with the rules engine's "
            "parameters for this county; dated values below apply from their date on. The dibao recipient "
            f"shares above are the national shares ({T.DIBAO_SOURCE}), reached under this county's own "
            "standard: the poorest persons are placed so that the standard on the reference date cuts off "
            "that share before take-up (synth.incomes).",
            "",
            f"**{fallbacks} value(s) fall back to national figures: the engine has none for this county.**"
            if fallbacks
            else "Every value comes from the engine's parameters.",
            "",
            "| parameter | group | value | source |",
            "|---|---|---:|---|",
            *(
                f"| {r['parameter']} | {r['group']} | {r['value']} | {r['source'].replace('|', '/')} |"
                for r in policy_notes.iter_rows(named=True)
            ),
        ]
    return "\n".join(lines) + "\n"
