"""Invented Spanish/Quechua-like names for the synthetic sample region.

Names are built from Quechua-sounding roots and endings (``Huaccla`` +
``pampa`` gives ``Huacclapampa``) and a few Spanish patterns (``San Juan de
...``, ``... Alto``). They are made up for the synthetic sample region; a name
may by chance equal a real place's, which says nothing about that place.
"""

from __future__ import annotations

import numpy as np

__all__ = ["NamePool"]

_ROOTS: tuple[str, ...] = (
    "Acco", "Ancco", "Apu", "Ayllu", "Ccalla", "Ccarhua", "Ccasa", "Ccata", "Ccollpa",
    "Ccori", "Chaca", "Challa", "Challhua", "Chaupi", "Chicchi", "Chilca", "Chulla",
    "Chumpi", "Cusi", "Hatun", "Huacca", "Huaccla", "Huallpa", "Huaman", "Huanca",
    "Huari", "Huayta", "Huaylla", "Illa", "Kinsa", "Llacta", "Llulla", "Lucma",
    "Misqui", "Mollo", "Mosocc", "Ñahui", "Orcco", "Pacha", "Pallca", "Pisccu",
    "Puca", "Puquio", "Qello", "Quinua", "Quispe", "Rumi", "Sacsa", "Sallca", "Sara",
    "Sonco", "Suyu", "Tanta", "Tica", "Toccto", "Totora", "Tucu", "Uchcu", "Ucu",
    "Urpi", "Usccu", "Uyu", "Yana", "Yuraq",
)  # fmt: skip

_ENDINGS: tuple[str, ...] = (
    "bamba", "cancha", "ccasa", "ccata", "ccocha", "ccolla", "chaca", "chupa",
    "cucho", "huacho", "huasi", "huaycco", "huaylla", "llacta", "marca", "mayo",
    "orcco", "pallca", "pampa", "pata", "pucro", "puquio", "rumi", "sirca", "tambo",
)  # fmt: skip

_SAINTS: tuple[str, ...] = (
    "San Juan de", "San Pedro de", "Santa Rosa de", "San Martín de", "Santa Ana de",
    "San José de", "Santiago de", "San Miguel de", "Santa Cruz de", "San Antonio de",
)  # fmt: skip

_QUALIFIERS: tuple[str, ...] = ("Alto", "Bajo", "Grande", "Chico", "Nuevo", "Viejo")

# Invented combinations that happen to be well-known real province or city names.
_AVOID = frozenset({"Antabamba", "Pampamarca", "Huancamayo", "Urubamba", "Cotabamba"})


def _base_names() -> list[str]:
    out = []
    for root in _ROOTS:
        for ending in _ENDINGS:
            name = root + ending
            if name not in _AVOID:
                out.append(name)
    return out


class NamePool:
    """Draw unique invented names, in an order fixed by a random generator.

    Parameters
    ----------
    rng : numpy.random.Generator
        Generator that fixes the order of the names.

    Examples
    --------
    >>> import numpy as np
    >>> pool = NamePool(np.random.default_rng(0))
    >>> names = pool.draw(5)
    >>> len(set(names)), all(n[0].isupper() for n in names)
    (5, True)
    """

    def __init__(self, rng: np.random.Generator) -> None:
        base = _base_names()
        self._base: list[str] = [base[int(i)] for i in rng.permutation(len(base))]
        self._rng = rng
        self._next = 0
        self._used: set[str] = set()

    def _candidate(self, k: int) -> str:
        n = len(self._base)
        name = self._base[k % n]
        lap = k // n
        if lap == 0:
            return name
        if lap <= len(_QUALIFIERS):
            return f"{name} {_QUALIFIERS[lap - 1]}"
        if lap <= len(_QUALIFIERS) + len(_SAINTS):
            return f"{_SAINTS[lap - 1 - len(_QUALIFIERS)]} {name}"
        return f"{name} {lap - len(_QUALIFIERS) - len(_SAINTS) + 1}"

    def draw(self, count: int, *, saint_share: float = 0.0) -> list[str]:
        """Return ``count`` names never returned before by this pool.

        Parameters
        ----------
        count : int
            How many names.
        saint_share : float
            Share of names given a Spanish saint prefix (``San Juan de ...``),
            as many Andean villages have.

        Returns
        -------
        list of str
        """
        out: list[str] = []
        saint = self._rng.random(count) < saint_share
        which = self._rng.integers(0, len(_SAINTS), count)
        for i in range(count):
            while True:
                name = self._candidate(self._next)
                self._next += 1
                if saint[i] and " " not in name:
                    name = f"{_SAINTS[which[i]]} {name}"
                if name not in self._used:
                    break
            self._used.add(name)
            out.append(name)
        return out
