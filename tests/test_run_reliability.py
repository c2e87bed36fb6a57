"""A run is all or nothing: bad input, bugs, signals and read-only folders, through the CLI.

Every case starts from a home holding a complete published run of the sample
region and checks that it is still there, byte for byte, afterwards: the
failed or stopped run published nothing and left no temporary files in the
published folders.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from connectivity import pipeline
from connectivity.cli import EXIT_BUG, EXIT_USER_ERROR, main
from connectivity.pipeline import OutputSet, new_run_id, read_run_id
from connectivity.settings import settings


@pytest.fixture(scope="module")
def home(tmp_path_factory, repo_root: Path):
    """A home with one complete, published run of the sample region (the 'previous' set)."""
    root = tmp_path_factory.mktemp("reliable")
    (root / "data" / "regions").mkdir(parents=True)
    shutil.copy(repo_root / "data" / "regions" / "sample.toml", root / "data" / "regions")
    old = settings.home
    settings.home = root
    pipeline.run_all("sample")
    yield root
    settings.home = old


def snapshot(root: Path) -> dict[str, str]:
    """SHA-256 of every file under outputs/sample and maps/sample, hidden ones included."""
    found = {}
    for folder in (root / "outputs" / "sample", root / "maps" / "sample"):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def variant(home: Path, name: str, *replacements: tuple[str, str]) -> Path:
    """A copy of sample.toml with some lines changed (same region name unless replaced)."""
    text = (home / "data" / "regions" / "sample.toml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path = home / "data" / "regions" / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def no_staging_left(root: Path) -> bool:
    return not [p for p in (root / "outputs").iterdir() if ".staging-" in p.name] and not [
        p for p in (root / "maps").iterdir() if ".staging-" in p.name
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('crs = "auto"', 'crs = "EPSG:999999"'), r"key 'region\.crs'.*unknown CRS 'EPSG:999999'"),
        (('crs = "auto"', 'crs = "EPSG:4326"'), r"key 'region\.crs'.*geographic CRS \(degrees\)"),
        (
            (
                "market_weight = 0.34\nschool_weight = 0.33\nhealth_weight = 0.33",
                "market_weight = 0\nschool_weight = 0\nhealth_weight = 0",
            ),
            r"the weights of \['market', 'school', 'health'\] are all 0",
        ),
        (
            (
                'proposals = "../sample/proposals.geojson"',
                'proposals = "../sample/nowhere.geojson"',
            ),
            r"candidates\.proposals: file not found: .*nowhere\.geojson",
        ),
        (
            ('proposals = "../sample/proposals.geojson"', 'proposals = "../sample/README.txt"'),
            r"README\.txt: cannot read the proposals file",
        ),
        (
            ('path = "../sample/elevation.tif"', 'path = "../sample/README.txt"'),
            r"README\.txt: cannot read it as a raster",
        ),
    ],
    ids=[
        "unknown-crs",
        "geographic-crs",
        "zero-weights",
        "no-proposals-file",
        "text-proposals",
        "text-dem",
    ],
)
def test_bad_input_stops_before_anything_is_built_or_written(home, caplog, change, expected):
    before = snapshot(home)
    config = variant(home, "bad", change)
    start = time.perf_counter()
    assert main(["run", "--region", str(config)]) == EXIT_USER_ERROR
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and re.search(expected, errors[0], re.S), errors
    assert str(config) in errors[0] or "README.txt" in errors[0] or "nowhere" in errors[0]
    # checked before the network was built, so nothing of it was computed, let alone written
    assert not any("road network:" in r.getMessage() for r in caplog.records)
    assert time.perf_counter() - start < 60
    assert snapshot(home) == before
    assert no_staging_left(home)


def test_weights_that_do_not_sum_to_one_are_used_as_shares_with_a_warning(home, caplog):
    from connectivity.config import load_region_config

    config = variant(
        home,
        "heavy",
        (
            "market_weight = 0.34\nschool_weight = 0.33\nhealth_weight = 0.33",
            "market_weight = 0.9\nschool_weight = 0.9\nhealth_weight = 0.9",
        ),
    )
    load_region_config(config)
    warning = next(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert str(config) in warning
    assert "the destination weights (market 0.9, school 0.9, health 0.9) do not sum to 1" in warning
    assert "33% market, 33% school, 33% health" in warning


def test_an_empty_proposals_collection_means_no_proposals(home, caplog):
    empty = home / "data" / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    config = variant(
        home,
        "no_proposals",
        ('name = "sample"', 'name = "sample_no_proposals"'),
        ('proposals = "../sample/proposals.geojson"', f'proposals = "{empty}"'),
    )
    assert main(["rank", "--region", str(config)]) == 0
    assert any("has no proposals" in r.getMessage() for r in caplog.records)
    ranking = pd.read_csv(home / "outputs" / "sample_no_proposals" / "ranking.csv")
    assert len(ranking) > 100 and not ranking["work_id"].str.startswith("PROP-").any()


def test_a_file_where_the_outputs_folder_goes_is_a_clear_error(home, caplog):
    config = variant(home, "clash", ('name = "sample"', 'name = "sample_clash"'))
    (home / "outputs" / "sample_clash").write_text("someone's notes", encoding="utf-8")
    assert main(["run", "--region", str(config)]) == EXIT_USER_ERROR
    assert "sample_clash is a file, not a folder" in caplog.text
    assert (home / "outputs" / "sample_clash").read_text(encoding="utf-8") == "someone's notes"


def test_a_bug_is_one_line_without_v_and_a_traceback_with_it(home, caplog, monkeypatch):
    def broken(run):
        raise ZeroDivisionError("division by zero in a stage")

    monkeypatch.setattr(pipeline.run, "rank_stage", broken)
    before = snapshot(home)
    assert main(["rank"]) == EXIT_BUG
    message = caplog.records[-1].getMessage()
    assert "a bug in connectivity: ZeroDivisionError: division by zero in a stage" in message
    assert "-v" in message
    assert snapshot(home) == before and no_staging_left(home)
    with pytest.raises(ZeroDivisionError):
        main(["-v", "rank"])
    assert snapshot(home) == before and no_staging_left(home)


def _cli(home: Path, *args: str, **kwargs) -> subprocess.Popen[str]:
    env = {**os.environ, "CONNECTIVITY_HOME": str(home), "TQDM_DISABLE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "connectivity", *args],
        env=env,
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.mark.parametrize(
    ("signum", "after"),
    [
        (signal.SIGTERM, r"inputs: \d+ communities"),  # building the network
        (signal.SIGKILL, r"wrote .*access_summary\.csv"),  # writing access.gpkg
        (signal.SIGTERM, r"wrote .*access\.gpkg"),  # generating candidate works
        (signal.SIGKILL, r"wrote .*ranking\.csv"),  # writing the ranking tables and ranking.gpkg
        (signal.SIGINT, r"map written: .*access\.html"),  # drawing the investments map
    ],
    ids=["term-network", "kill-access-gpkg", "term-works", "kill-ranking-gpkg", "ctrl-c-maps"],
)
def test_a_killed_run_leaves_exactly_the_previous_set(home, signum, after):
    before = snapshot(home)
    previous_run = read_run_id(home / "outputs" / "sample")
    seen = []
    with _cli(home, "run") as proc:
        assert proc.stderr is not None
        for line in proc.stderr:
            seen.append(line)
            if re.search(after, line):
                proc.send_signal(signum)
                break
        else:
            pytest.fail("the run ended before the kill point: " + "".join(seen[-5:]))
        rest = proc.stderr.read()
        code = proc.wait(timeout=120)
    if signum == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert code == 128 + signum, (code, rest[-3000:])
        assert f"stopped by {signal.Signals(signum).name}" in rest
        assert "Traceback" not in rest, rest
        assert no_staging_left(home)  # cleaned on the way out
    assert snapshot(home) == before
    assert read_run_id(home / "outputs" / "sample") == previous_run
    # what a SIGKILL leaves beside the outputs goes at the next start of a run of the region
    with OutputSet("sample", run_id=new_run_id(), with_maps=True):
        pass
    assert no_staging_left(home)
    assert snapshot(home) == before


def test_a_complete_run_after_kills_publishes_one_consistent_set(home):
    with _cli(home, "-q", "run") as proc:
        _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    out, maps = home / "outputs" / "sample", home / "maps" / "sample"
    run_id = read_run_id(out)
    assert run_id and read_run_id(maps) == run_id
    for table in ("access_communities.csv", "ranking.csv", "gains.csv", "portfolio.csv"):
        assert set(pd.read_csv(out / table)["run_id"]) == {run_id}, table
    for page in ("access.html", "investments.html"):
        assert f'<meta name="connectivity-run-id" content="{run_id}">' in (maps / page).read_text()
    assert run_id in (out / "ranking_explanation.txt").read_text(encoding="utf-8")
    assert no_staging_left(home)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def _without_root_powers() -> list[str]:
    """Command prefix that runs a process with file permissions enforced (root included)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be enforced")
    # root without CAP_DAC_OVERRIDE obeys the permission bits like any user
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_a_user_without_write_permission_gets_one_clear_line_at_once(home):
    prefix = _without_root_powers()
    before = snapshot(home)
    (home / "outputs").chmod(0o555)
    env = {**os.environ, "CONNECTIVITY_HOME": str(home), "TQDM_DISABLE": "1"}
    try:
        start = time.perf_counter()
        done = subprocess.run(
            [*prefix, sys.executable, "-m", "connectivity", "run"],
            env=env,
            cwd=home,
            capture_output=True,
            text=True,
            timeout=300,
        )
        seconds = time.perf_counter() - start
    finally:
        (home / "outputs").chmod(0o755)
    err = done.stderr
    assert done.returncode == EXIT_USER_ERROR, err
    assert "Traceback" not in err
    assert f"{home / 'outputs'}" in err and "Permission denied" in err
    assert "CONNECTIVITY_HOME" in err  # how to get round it
    assert "road network:" not in err  # stopped before the network was built
    assert seconds < 60
    assert snapshot(home) == before


def test_a_signal_whose_exception_c_code_swallowed_still_stops_the_run(home, caplog, monkeypatch):
    """numpy's ctypes check inside pandas clears an exception raised in a signal handler:
    the run must stop anyway, before it publishes."""
    real = pipeline.run.access_stage

    def swallowing(run):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.1)  # the handler runs here and raises
        except BaseException:  # noqa: BLE001 - what the C code does with it
            pass
        return real(run)

    monkeypatch.setattr(pipeline.run, "access_stage", swallowing)
    before = snapshot(home)
    assert main(["access"]) == 128 + signal.SIGTERM
    assert "stopped by SIGTERM" in caplog.text
    assert snapshot(home) == before and no_staging_left(home)
    # the handlers are the process's own again afterwards
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
