"""Write what the robustness stage found: three tables and two plots.

* ``robustness.csv`` — per work: probability of being in the programme, rank
  interval, benefit and B/C intervals, switching values;
* ``budget_curve.csv`` — the programme at each budget level, equity weight on and off;
* ``robustness_scenarios.csv`` — per scenario: the programme's size, cost and value;
* ``robustness_probability.png`` — probability in the programme of the top works;
* ``budget_curve.png`` — programme value against budget, with the hurdle.

Tables have stable English column names (described in ``columns.toml``);
the plots are labelled in the region's language.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from connectivity._io import atomic_path
from connectivity.i18n import Lang
from connectivity.robustness.assess import RobustnessResult
from connectivity.tables import write_csv

__all__ = ["PLOT_TOP_N", "describe_robustness", "write_robustness_outputs"]

log = logging.getLogger(__name__)

#: Works drawn in the probability plot: the top of the run's ranking and the programme's.
PLOT_TOP_N = 30

_WORDS: dict[str, dict[str, str]] = {
    "es": {
        "prob_title": (
            "Probabilidad de estar en la cartera ({n} escenarios)\n"
            "las obras en duda y las primeras del ranking"
        ),
        "prob_x": "Probabilidad de ser financiada (0–1)",
        "in": "en la cartera de la corrida",
        "out": "fuera de la cartera de la corrida",
        "curve_title": "Valor de la cartera según el presupuesto",
        "curve_x": "Presupuesto ({currency}, millones)",
        "curve_y": "Puntaje de la cartera (miles)",
        "marginal_y": "Retorno marginal\n(puntaje por 1000 {currency})",
        "equity_on": "con peso de equidad",
        "equity_off": "sin peso de equidad",
        "budget": "presupuesto de la corrida",
        "below": "umbral: {hurdle:g} por 1000 {currency}",
        "synthetic": "Datos sintéticos: región de muestra inventada",
        "summary": (
            "Robustez: {n} escenarios (semilla {seed}). De las {k} obras de la cartera, "
            "{robust} quedan en más del 90% de los escenarios y {fragile} en menos del 50%. "
            "El valor de la cartera va de {p5} a {p95} (P5–P95)."
        ),
    },
    "en": {
        "prob_title": (
            "Probability of being in the programme ({n} scenarios)\n"
            "the works in doubt and the top of the ranking"
        ),
        "prob_x": "Probability of being funded (0–1)",
        "in": "in the run's programme",
        "out": "outside the run's programme",
        "curve_title": "Programme value by budget",
        "curve_x": "Budget ({currency}, millions)",
        "curve_y": "Programme score (thousands)",
        "marginal_y": "Marginal return\n(score per 1,000 {currency})",
        "equity_on": "with the equity weight",
        "equity_off": "without the equity weight",
        "budget": "the run's budget",
        "below": "hurdle: {hurdle:g} per 1,000 {currency}",
        "synthetic": "Synthetic data: invented sample region",
        "summary": (
            "Robustness: {n} scenarios (seed {seed}). Of the programme's {k} works, "
            "{robust} stay in more than 90% of the scenarios and {fragile} in under 50%. "
            "The programme's value ranges from {p5} to {p95} (P5–P95)."
        ),
    },
}


def _words(lang: Lang) -> dict[str, str]:
    return _WORDS.get(lang, _WORDS["en"])


def describe_robustness(result: RobustnessResult, lang: Lang = "es") -> str:
    """One paragraph: how many programme works are robust or fragile, the value's range."""
    w = _words(lang)
    works = result.works
    chosen = works[works["in_portfolio"].astype(bool)] if "in_portfolio" in works else works[:0]
    drawn = result.scenarios[result.scenarios["scenario"] != 0]["programme_score"]
    p5, p95 = np.percentile(drawn, [5, 95]) if len(drawn) else (math.nan, math.nan)
    sep = " " if lang == "es" else ","

    def fmt(x: float) -> str:
        return f"{x:,.0f}".replace(",", sep) if math.isfinite(x) else "—"

    return w["summary"].format(
        n=result.n_scenarios,
        seed=result.seed,
        k=len(chosen),
        robust=int((chosen["p_in_programme"] > 0.9).sum()) if len(chosen) else 0,
        fragile=int((chosen["p_in_programme"] < 0.5).sum()) if len(chosen) else 0,
        p5=fmt(float(p5)),
        p95=fmt(float(p95)),
    )


def _save(fig: Any, path: Path, run_id: str, *, synthetic_words: str | None) -> None:
    """Mark a synthetic region's plot, lay it out, write it atomically, close it."""
    import matplotlib.pyplot as plt

    if synthetic_words:
        fig.text(0.01, 0.005, synthetic_words, fontsize=7, color="#b00")
    fig.tight_layout()
    metadata: dict[str, str | None] = {"Software": None}
    if run_id:
        metadata["connectivity-run-id"] = run_id
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", metadata=metadata)
    plt.close(fig)


def probability_plot(
    result: RobustnessResult, path: Path, *, lang: Lang, synthetic: bool, run_id: str = ""
) -> Path:
    """Bars of the probability of being funded, for the top works and the programme's first."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    w = _words(lang)
    works = result.works.sort_values("rank")
    prob = works["p_in_programme"].fillna(0.0)
    # the works whose funding is in doubt first, then the top of the ranking
    doubtful = works[(prob > 0) & (prob < 1)]
    picked = list(doubtful.index[:PLOT_TOP_N])
    picked += [i for i in works.index if i not in set(picked)][: PLOT_TOP_N - len(picked)]
    top = works.loc[picked].sort_values("rank").iloc[::-1]
    fig, ax = plt.subplots(figsize=(8.5, max(3.0, 0.26 * len(top) + 1.4)), dpi=110)
    chosen = top["in_portfolio"].astype(bool).to_numpy()
    colours = np.where(chosen, "#1a7f37", "#9a9a9a")
    ax.barh(np.arange(len(top)), top["p_in_programme"].fillna(0.0), color=colours)
    labels = [
        f"{r}. {i} — {str(n)[:38]}"
        for i, r, n in zip(top.index, top["rank"], top["name"], strict=True)
    ]
    ax.set_yticks(np.arange(len(top)), labels, fontsize=7)
    ax.set_xlim(0, 1)
    for x in (0.5, 0.9):
        ax.axvline(x, color="#444", lw=0.6, ls=":")
    ax.set_xlabel(w["prob_x"])
    ax.set_title(w["prob_title"].format(n=result.n_scenarios), fontsize=10)
    from matplotlib.patches import Patch

    ax.legend(
        handles=[Patch(color="#1a7f37", label=w["in"]), Patch(color="#9a9a9a", label=w["out"])],
        loc="lower right",
        fontsize=7,
    )
    _save(fig, path, run_id, synthetic_words=w["synthetic"] if synthetic else None)
    return path


def budget_plot(
    result: RobustnessResult, path: Path, *, lang: Lang, synthetic: bool, run_id: str = ""
) -> Path:
    """Programme score against budget, equity weight on and off; the hurdle marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    w = _words(lang)
    curve = result.budget_curve
    fig, (ax, low) = plt.subplots(
        2, 1, figsize=(8.5, 6.4), dpi=110, sharex=True, gridspec_kw={"height_ratios": [3, 2]}
    )
    budget = None
    hurdle_label = w["below"].format(hurdle=result.hurdle_per_1000, currency=result.currency)
    for equity, style, label in ((True, "-o", w["equity_on"]), (False, "--s", w["equity_off"])):
        part = curve[curve["equity_weight"] == equity].sort_values("budget")
        if part.empty:
            continue
        x = part["budget"].to_numpy() / 1e6
        ax.plot(x, part["programme_score"].to_numpy() / 1e3, style, ms=4, label=label)
        low.plot(x, part["marginal_score_per_1000"], style, ms=4, label=label)
        below = part["below_hurdle"].to_numpy(dtype=bool)
        if below.any():
            low.plot(
                x[below],
                part["marginal_score_per_1000"].to_numpy()[below],
                "x",
                color="#b00",
                ms=9,
                mew=2,
            )
        at_one = part[np.isclose(part["budget_share"], 1.0)]
        if len(at_one):
            budget = float(at_one["budget"].iloc[0]) / 1e6
    low.axhline(result.hurdle_per_1000, color="#b00", lw=1, ls="--", label=hurdle_label)
    low.set_yscale("symlog", linthresh=max(result.hurdle_per_1000, 1e-3))
    marginal = pd.to_numeric(curve["marginal_score_per_1000"], errors="coerce")
    if len(marginal.dropna()) and float(marginal.min()) >= 0:
        low.set_ylim(bottom=0)  # no negative returns: no empty negative half
    if budget is not None:
        for a in (ax, low):
            a.axvline(budget, color="#444", lw=0.8, ls=":", label=w["budget"] if a is ax else None)
    low.set_xlabel(w["curve_x"].format(currency=result.currency))
    ax.set_ylabel(w["curve_y"])
    low.set_ylabel(w["marginal_y"].format(currency=result.currency))
    ax.set_title(w["curve_title"], fontsize=10)
    for a in (ax, low):
        a.grid(alpha=0.3)
        a.legend(fontsize=7, loc="best")
    _save(fig, path, run_id, synthetic_words=w["synthetic"] if synthetic else None)
    return path


def write_robustness_outputs(
    result: RobustnessResult,
    out_dir: Path,
    *,
    data_source: str,
    run_id: str = "",
    lang: Lang = "es",
    synthetic: bool = False,
) -> list[Path]:
    """Write the three tables and the two plots into ``out_dir``.

    Parameters
    ----------
    result : RobustnessResult
    out_dir : Path
        The run's tables folder.
    data_source : str
        The data-source statement every table carries.
    run_id : str
    lang : {"es", "en"}
        Language of the plots.
    synthetic : bool
        Whether the region is the synthetic sample (said on the plots).

    Returns
    -------
    list of Path
    """
    works = result.works.copy()
    at = list(works.columns).index("p_in_programme")
    works.insert(at, "scenarios", result.n_scenarios)
    works.insert(at + 1, "seed", result.seed)
    paths = [
        write_csv(
            works, out_dir / "robustness.csv", data_source=data_source, index=True, run_id=run_id
        ),
        write_csv(
            result.budget_curve,
            out_dir / "budget_curve.csv",
            data_source=data_source,
            run_id=run_id,
        ),
        write_csv(
            result.scenarios,
            out_dir / "robustness_scenarios.csv",
            data_source=data_source,
            run_id=run_id,
        ),
        probability_plot(
            result,
            out_dir / "robustness_probability.png",
            lang=lang,
            synthetic=synthetic,
            run_id=run_id,
        ),
        budget_plot(
            result, out_dir / "budget_curve.png", lang=lang, synthetic=synthetic, run_id=run_id
        ),
    ]
    log.info("robustness outputs written: %s", ", ".join(p.name for p in paths))
    return paths
