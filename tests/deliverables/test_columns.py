"""The columns dictionary: every CSV column of a run described (es/en, unit), plain numbers.

The sample region and Cusco's real data are run to the ranking once (conftest);
their published CSVs, with the Invierte.pe table written beside them, must be
covered by ``columns.csv``, hold no ``inf`` and write whole people as integers.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from connectivity import _columns
from connectivity.deliverables import columns as columns_mod
from connectivity.deliverables.invierte import invierte_table, write_invierte_table

BAD_TOKENS = {"inf", "-inf", "infinity", "nan", "none"}


def _run_csvs(run: Any, folder: Path) -> dict[str, Path]:
    """The run's CSVs, plus invierte_pe.csv, copied into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(run.out_dir).glob("*.csv")):
        shutil.copy(path, folder / path.name)
    table = invierte_table(run.ranking, works=run.works, communities=run.access, config=run.config)
    write_invierte_table(
        folder / "invierte_pe.csv", table, data_source=run.data_source, run_id=run.run_id
    )
    return {p.name: p for p in sorted(folder.glob("*.csv"))}


@pytest.fixture(scope="module", params=["sample", "cusco"])
def run_csvs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    run = request.getfixturevalue(f"ranked_{request.param}")
    return run, _run_csvs(run, tmp_path_factory.mktemp(f"csv_{request.param}"))


def test_columns_csv_documents_every_column_of_the_run(run_csvs, tmp_path, caplog):
    run, files = run_csvs
    expected = {
        "access_communities.csv",
        "access_summary.csv",
        "network_pieces.csv",
        "ranking.csv",
        "portfolio.csv",
        "gains.csv",
        "bundles.csv",
        "rejected_proposals.csv",
        "axes.csv",
        "invierte_pe.csv",
    }
    assert expected <= set(files)
    caplog.set_level("WARNING", logger="connectivity.deliverables.columns")
    path = columns_mod.write_columns_csv(
        tmp_path / "columns.csv", files, data_source=run.data_source, run_id=run.run_id
    )
    assert "no entry in the columns dictionary" not in caplog.text
    table = pd.read_csv(path, keep_default_na=False)
    assert list(table.columns[:9]) == list(columns_mod.COLUMNS_CSV_COLUMNS)
    written = {
        (name, column)
        for name, file in files.items()
        for column in pd.read_csv(file, nrows=0).columns
    }
    # exactly the columns present, one row each
    assert set(zip(table["file"], table["column"], strict=True)) == written
    assert len(table) == len(written)
    # every one described in both languages, with a unit; headers people read
    assert (table["es"] != table["column"]).all() and (table["en"] != table["column"]).all()
    assert (table["unit"] != "").all() and (table["unit_es"] != "").all()
    minutes = table[table["column"] == "market_wet_min"].iloc[0]
    assert minutes["es"] == "Minutos al mercado más cercano, crecida"
    assert minutes["unit"] == "min" and minutes["decimals"] == "1"
    assert "market_wet_reachable" in minutes["note_es"]
    cost = table[(table["file"] == "ranking.csv") & (table["column"] == "cost")].iloc[0]
    assert (cost["unit"], cost["unit_es"], cost["decimals"]) == ("PEN", "S/", "0")
    # the same column can mean something else in another table
    score = table[table["column"] == "score"].set_index("file")["es"]
    assert score["ranking.csv"] == "Puntaje" and "cartera" in score["portfolio.csv"]


def test_csvs_hold_plain_rounded_numbers_and_no_inf(run_csvs):
    run, files = run_csvs
    places: dict[str, list[int | None]] = {}
    for name, path in files.items():
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        head, body = rows[0], rows[1:]
        places[name] = [_columns.decimals(c, file=Path(name).stem) for c in head]
        for row in body:
            tokens = {cell.strip().lower() for cell in row}
            assert not tokens & BAD_TOKENS, (name, row)
            for column, cell, digits in zip(head, row, places[name], strict=True):
                # plain numbers rounded by the dictionary: never 1e+06, never "2503.0"
                if digits is not None and cell:
                    decimals = rf"(\.\d{{1,{digits}}})?" if digits else ""
                    assert re.fullmatch(rf"-?\d+{decimals}", cell), (name, column, cell)
                    assert not cell.endswith("0") or "." not in cell, (name, column, cell)
    access = pd.read_csv(files["access_communities.csv"], dtype=str, keep_default_na=False)
    assert access["population"].str.fullmatch(r"\d+(\.\d)?").all()
    # minutes to 0.1; no route: empty, and the flag beside it says so
    for kind in run.network.kinds:
        for season in ("dry", "rain", "wet"):
            minutes = access[f"{kind}_{season}_min"]
            flag = access[f"{kind}_{season}_reachable"]
            assert minutes[minutes != ""].str.fullmatch(r"\d+(\.\d)?").all()
            assert ((minutes == "") == (flag == "False")).all()
    memory = run.access.set_index("community_id")
    none = memory["market_wet_min"].map(lambda v: v == float("inf"))
    by_id = access.set_index("community_id")
    assert (by_id.loc[none[none].index, "market_wet_reachable"] == "False").all()
    assert int(none.sum()) == int((access["market_wet_reachable"] == "False").sum())


def test_region_kinds_and_thresholds_are_described_by_pattern():
    info = columns_mod.describe("bus_stop_rain_within_45min", "es")
    assert info.known and info.header == "A 45 min o menos de un bus stop, lluvias"
    assert columns_mod.header("bus_stop_walk_wet_min", "en") == (
        "Minutes walking to the nearest bus stop, rivers in flood"
    )
    assert columns_mod.header("n_bus_stop_facilities", "es") == "Destinos «bus stop»"
    assert columns_mod.unit_label("health_dry_people_newly_within_60min", "es") == "personas"
    assert not columns_mod.describe("no_such_column", "es").known
    own = columns_mod.describe("pobreza", "es", source_columns=["pobreza"])
    assert own.known and "fuente de población" in own.header
