"""Command line: help on every subcommand, exit codes, errors without tracebacks."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from connectivity.cli import build_parser, main

SUBCOMMANDS = ["sample", "network", "access", "rank", "maps", "run", "open"]


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: connectivity {command}" in out
    assert "-v, --verbose" in out


def test_python_dash_m_runs_the_cli():
    proc = subprocess.run(
        [sys.executable, "-m", "connectivity", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    for command in SUBCOMMANDS:
        assert command in proc.stdout


def test_unknown_region_is_a_clear_error_not_a_traceback(caplog):
    code = main(["network", "--region", "atlantis", "-q"])
    assert code == 2
    assert "region config not found" in caplog.text
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(
    ("argv", "verbose", "quiet"),
    [(["-q", "run"], 0, 1), (["run", "-q"], 0, 1), (["-v", "access"], 1, 0), (["rank"], 0, 0)],
)
def test_verbosity_flags_work_before_or_after_the_subcommand(argv, verbose, quiet):
    args = build_parser().parse_args(argv)
    assert (args.verbose, args.quiet) == (verbose, quiet)


def test_open_prints_the_map_paths_when_there_is_no_browser(
    tmp_path, monkeypatch, capsys, repo_root
):
    import webbrowser

    from connectivity.settings import settings

    monkeypatch.setattr(settings, "home", tmp_path)
    regions = tmp_path / "data" / "regions"
    regions.mkdir(parents=True)
    shutil.copy(repo_root / "data" / "regions" / "sample.toml", regions)
    assert main(["open", "--region", "sample"]) == 2  # no maps yet: a clear error
    maps = tmp_path / "maps" / "sample"
    maps.mkdir(parents=True)
    (maps / "access.html").write_text("<html></html>")
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or False)
    assert main(["open", "--region", "sample"]) == 0
    assert opened == [(maps / "access.html").resolve().as_uri()]
    assert capsys.readouterr().out.strip() == str((maps / "access.html").resolve())
    # a region given as a TOML path finds the maps of the region named inside it
    assert main(["open", "--region", str(regions / "sample.toml")]) == 0
    assert capsys.readouterr().out.strip() == str((maps / "access.html").resolve())


@pytest.mark.parametrize("command", ["run", "rank", "maps"])
def test_budget_and_language_on_the_command_line(command):
    args = build_parser().parse_args([command, "--budget", "5_000_000", "--lang", "en"])
    assert args.budget == 5_000_000.0 and args.lang == "en"
    args = build_parser().parse_args([command])
    assert args.budget is None and args.lang is None


@pytest.mark.parametrize("value", ["-5", "0", "cinco", "inf"])
def test_a_bad_budget_is_refused_by_the_parser(value, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["run", "--budget", value])
    assert exit_.value.code == 2
    assert "--budget" in capsys.readouterr().err


def test_overrides_replace_the_config_values(repo_root, caplog):
    import logging

    from connectivity.config import load_region_config, with_overrides

    caplog.set_level(logging.INFO, logger="connectivity.config")
    from connectivity.errors import ConfigError

    cfg = load_region_config(repo_root / "data" / "regions" / "sample.toml")
    assert with_overrides(cfg) is cfg
    other = with_overrides(cfg, lang="en", budget=5e6)
    assert other.region.lang == "en" and other.budget is not None
    assert other.budget.amount == 5e6
    assert cfg.region.lang == "es" and cfg.budget is not None and cfg.budget.amount == 15e6
    assert "lang = en, budget = 5000000.0 from the command line" in caplog.text
    with pytest.raises(ConfigError, match=r"--budget -1\.0: give a positive amount in PEN"):
        with_overrides(cfg, budget=-1.0)
    with pytest.raises(ConfigError, match="--lang 'fr'"):
        with_overrides(cfg, lang="fr")
