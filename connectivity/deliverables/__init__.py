"""What a planner takes to the meeting: the workbook, the work sheets, the tables for Invierte.pe.

Built after the maps from the ranking's results, in the region's language
(:mod:`connectivity.i18n`).

Modules
-------
* :mod:`connectivity.deliverables.fichas` — :func:`write_fichas`: one-page work
  sheets (*fichas*), one per programme work and per top work, their
  ``index.html`` and ``fichas.pdf``; the facts of a sheet in
  :mod:`~connectivity.deliverables.fichas_facts`, its words (es/en) in
  :mod:`~connectivity.deliverables.fichas_text`, its map in
  :mod:`~connectivity.deliverables.fichas_map`, its HTML in ``templates/``;
* :mod:`connectivity.deliverables.pdf` — HTML printed to PDF by headless
  Chromium (skipped with a warning when it is missing);
* :mod:`connectivity.deliverables.workbook` — :func:`write_workbook`:
  ``resumen.xlsx`` (summary, programme, ranking, gains, axes, Invierte.pe,
  flags and assumptions, parameters, columns; after the robustness stage a
  robustness sheet too, written by
  :mod:`~connectivity.deliverables.workbook_robustness`), its words (es/en) in
  :mod:`~connectivity.deliverables.workbook_text`, how a sheet is written
  (headers, number formats, ``S/ 1 234 567``) in
  :mod:`~connectivity.deliverables.xlsx`;
* :mod:`connectivity.deliverables.invierte` — :func:`invierte_table` and
  :func:`write_invierte_table`: ``invierte_pe.csv``, one row per programme
  and top work (UBIGEO, centros poblados served, length, surface before →
  after, intervention type, population, investment, maintenance, appraisal);
* :mod:`connectivity.deliverables.columns` — the columns dictionary for
  people (headers, units, notes; entries in ``connectivity/columns.toml``)
  and :func:`write_columns_csv` (``columns.csv``);
"""

from __future__ import annotations

from connectivity.deliverables.columns import columns_table, write_columns_csv
from connectivity.deliverables.fichas import select_works, write_fichas
from connectivity.deliverables.invierte import invierte_table, write_invierte_table
from connectivity.deliverables.workbook import write_workbook

__all__: list[str] = [
    "columns_table",
    "invierte_table",
    "select_works",
    "write_columns_csv",
    "write_fichas",
    "write_invierte_table",
    "write_workbook",
]
