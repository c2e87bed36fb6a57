r"""What the explanation says about the programme, kept as facts and said in any language.

:func:`connectivity.ranking.portfolio.select_portfolio` records what it found
(:class:`ProgrammeFacts`: the works, money and people of the programme, or why
it is empty; :class:`LeftFacts`: why the rest of the budget is not spent), the
search around it records how it compares (:class:`SearchFacts`), and the
ranking the works a B/C hurdle set aside. :meth:`ProgrammeFacts.describe`
says it all in a language with the words of :mod:`connectivity.ranking.words`:
English for the log (:attr:`Portfolio.explanation`), the region's language in
``ranking_explanation.txt``.

Examples
--------
>>> facts = ProgrammeFacts("chosen", "PEN", budget=1e6, n_works=1, spent=450_000.0,
...     people=1.0, communities=1, person_min_saved=90.0, kinds=("market", "school"),
...     left=LeftFacts("none_fits", 550_000.0))
>>> print(facts.describe("es").replace("\xa0", " "))  # doctest: +NORMALIZE_WHITESPACE
Cartera de 1 obra con un costo neto de S/ 450 000, de un presupuesto de S/ 1 000 000:
1 persona beneficiada en 1 comunidad, 90 persona-minutos ahorrados por viaje (ponderados
por época, sumados sobre mercado + colegio). Las obras se eligieron una a una por puntaje
por cada S/ 1000 de costo neto, cada una medida en la red ya mejorada por las obras
elegidas antes. Quedan S/ 550 000 del presupuesto sin gastar: ninguna obra restante cabe
en ese monto.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from connectivity.i18n import Lang
from connectivity.ranking.words import Words

__all__ = ["LeftFacts", "ProgrammeFacts", "SearchFacts"]

#: Why the programme is what it is: no budget, no works, a budget below every work's cost,
#: no affordable work that helps enough, or a programme chosen.
Status = Literal["no_budget", "no_works", "budget_too_small", "nothing_useful", "chosen"]

#: How the best programme of the search was found (``how_<key>`` sentences).
Found = Literal[
    "greedy", "exhaustive", "pair", "knapsack", "first_pick", "local_search", "warm_start"
]


@dataclass(frozen=True)
class LeftFacts:
    """Why a programme leaves part of its budget unspent.

    Attributes
    ----------
    reason : {"none_fits", "none_useful", "below_hurdle"}
        No work left fits in what is left; none that fits gains anything that
        counts; the best one that fits scores under the hurdle.
    left : float
        The budget left, in the programme's currency.
    work_id : str
        The best work left that fits (``below_hurdle``).
    score_per_1000 : float
        Its score per 1,000 of what it would cost.
    hurdle : float
        ``min_score_per_1000``.
    """

    reason: Literal["none_fits", "none_useful", "below_hurdle"]
    left: float
    work_id: str = ""
    score_per_1000: float = math.nan
    hurdle: float = 0.0


@dataclass(frozen=True)
class SearchFacts:
    """How the programme compares with the others the search tried.

    Attributes
    ----------
    others : int
        Programmes compared with the greedy one.
    exhaustive : bool
        Every feasible subset of the useful works was tried.
    found_by : str
        How the best one was found (``greedy``: the greedy one is the best).
    gain : float
        How much more the best scores than the greedy one (0.13: 13 % more).
    bound : float
        The score of doing every work that fits the budget alone (0: not computed).
    affordable : int
        Those works.
    bound_cost : float
        What they cost together.
    reached : float
        The programme's score over ``bound``.
    """

    others: int
    exhaustive: bool
    found_by: Found
    gain: float = 0.0
    bound: float = 0.0
    affordable: int = 0
    bound_cost: float = 0.0
    reached: float = 0.0


@dataclass(frozen=True)
class ProgrammeFacts:
    """The figures of a programme, or why there is none, for its explanation.

    Attributes
    ----------
    status : {"no_budget", "no_works", "budget_too_small", "nothing_useful", "chosen"}
    currency : str
    budget : float or None
    cheapest_id, cheapest_cost
        The cheapest work and its net cost (``budget_too_small``).
    affordable : int
        Works within the budget (``nothing_useful``).
    min_gain_min, hurdle : float
        The least saving per trip that counts, and ``min_score_per_1000``.
    n_works : int
        Works in the programme (``chosen``).
    spent : float
        Their net cost.
    people : float
        People in the communities that gain.
    communities : int
        Communities that gain.
    person_min_saved : float
        Person-minutes saved per trip, season-weighted, summed over ``kinds``.
    kinds : tuple of str
        The destination kinds summed.
    left : LeftFacts or None
        Why the rest of the budget is not spent.
    search : SearchFacts or None
        How the programme compares with the others tried.
    below_bc : int
        Works that gain but were not considered: their B/C alone is under ``min_bc_ratio``.
    min_bc_ratio : float
    """

    status: Status
    currency: str
    budget: float | None = None
    cheapest_id: str = ""
    cheapest_cost: float = math.nan
    affordable: int = 0
    min_gain_min: float = 0.0
    hurdle: float = 0.0
    n_works: int = 0
    spent: float = 0.0
    people: float = 0.0
    communities: int = 0
    person_min_saved: float = 0.0
    kinds: tuple[str, ...] = ()
    left: LeftFacts | None = None
    search: SearchFacts | None = None
    below_bc: int = 0
    min_bc_ratio: float = 0.0

    def describe(self, lang: Lang) -> str:
        """Say the programme in ``lang``: one paragraph."""
        w = Words(lang)
        cur = self.currency
        money = {
            "currency": cur,
            "per_1000": w.money(1000, cur),
            "budget": w.money(self.budget or 0.0, cur),
        }
        parts: list[str] = []
        if self.status in ("no_budget", "no_works"):
            parts.append(w.text(self.status))
        elif self.status == "budget_too_small":
            parts.append(
                w.text(
                    "budget_too_small",
                    work_id=self.cheapest_id,
                    cost=w.money(self.cheapest_cost, cur),
                    **money,
                )
            )
        elif self.status == "nothing_useful":
            parts.append(
                w.agree(
                    "nothing_useful",
                    self.affordable,
                    works=w.count(self.affordable, "work"),
                    min_gain=w.plain(self.min_gain_min),
                    hurdle=w.plain(self.hurdle),
                    **money,
                )
            )
        else:
            parts.append(
                w.agree(
                    "programme",
                    self.people,
                    works=w.count(self.n_works, "work"),
                    spent=w.money(self.spent, cur),
                    people=w.count(self.people, "person_benefited"),
                    communities=w.count(self.communities, "community"),
                    person_min=w.number(self.person_min_saved),
                    kinds=w.text("kinds_sum").join(w.kind_short(k) for k in self.kinds),
                    **money,
                )
            )
        if self.left is not None:
            parts.append(self._left(w, self.left))
        if self.search is not None and self.search.others > 0:
            parts.extend(self._search(w, self.search))
        if self.below_bc:
            parts.append(
                w.agree(
                    "below_bc",
                    self.below_bc,
                    works=w.count(self.below_bc, "work"),
                    hurdle=w.plain(self.min_bc_ratio),
                )
            )
        return " ".join(parts)

    def _left(self, w: Words, left: LeftFacts) -> str:
        reason = "nothing" if round(left.left) <= 0 else left.reason
        return w.text(
            f"left_{reason}",
            left=w.money(max(left.left, 0.0), self.currency),
            work_id=left.work_id,
            per_1000_score=w.number(left.score_per_1000, 2),
            per_1000=w.money(1000, self.currency),
            currency=self.currency,
            hurdle=w.plain(left.hurdle),
        )

    def _search(self, w: Words, s: SearchFacts) -> list[str]:
        outcome = (
            w.agree("search_none_better", s.others)
            if s.found_by == "greedy"
            else w.text("search_better", how=w.text(f"how_{s.found_by}"), gain=w.pct(s.gain, 1))
        )
        lines = [
            w.text(
                "search",
                others=w.count(s.others, "other_programme"),
                exhaustive=w.text("search_exhaustive") if s.exhaustive else "",
                outcome=outcome,
            )
        ]
        if s.bound > 0:
            lines.append(
                w.agree(
                    "bound",
                    s.affordable,
                    works=w.count(s.affordable, "work"),
                    bound=w.number(s.bound),
                    cost=w.money(s.bound_cost, self.currency),
                    share=w.pct(s.reached),
                )
            )
        return lines
