"""Whole-run outputs: staged, published together, never mixed (connectivity.pipeline.output_set)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectivity.errors import OutputError
from connectivity.pipeline import output_set
from connectivity.pipeline.output_set import OutputSet, new_run_id, read_run_id
from connectivity.settings import settings


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(settings, "home", tmp_path)
    return tmp_path


def _publish(files: dict[str, str], *, with_maps: bool = True, region: str = "r") -> OutputSet:
    with OutputSet(region, run_id=new_run_id(), with_maps=with_maps) as out:
        for name, text in files.items():
            (out.tables_dir / name).write_text(text)
            if with_maps:
                (out.maps_dir / f"{name}.html").write_text(text)
        out.publish({"stages": ["network"]})
    return out


def _listing(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir()) if p.name != "run.json"}


def test_a_run_replaces_the_whole_set_and_says_which_run_it_is(home):
    first = _publish({"a.csv": "1", "b.csv": "1"})
    assert _listing(home / "outputs" / "r") == {"a.csv": "1", "b.csv": "1"}
    second = _publish({"a.csv": "2"})
    # b.csv belonged to the first run: it does not stay beside the second one's a.csv
    assert _listing(home / "outputs" / "r") == {"a.csv": "2"}
    assert _listing(home / "maps" / "r") == {"a.csv.html": "2"}
    assert read_run_id(home / "outputs" / "r") == read_run_id(home / "maps" / "r") == second.run_id
    assert second.run_id != first.run_id
    manifest = json.loads((home / "outputs" / "r" / "run.json").read_text())
    listed = manifest["folders"]["outputs/r"]
    assert [f["file"] for f in listed] == ["a.csv"]
    assert listed[0]["size"] == 1 and len(listed[0]["sha256"]) == 64
    # nothing hidden left beside the published folders but the lock
    assert sorted(p.name for p in (home / "outputs").iterdir()) == [".r.lock", "r"]
    assert sorted(p.name for p in (home / "maps").iterdir()) == ["r"]


def test_a_failed_run_leaves_the_previous_set_and_no_staging(home):
    first = _publish({"a.csv": "1"})
    with pytest.raises(RuntimeError), OutputSet("r", run_id=new_run_id(), with_maps=True) as out:
        (out.tables_dir / "a.csv").write_text("2")
        raise RuntimeError("a stage failed")
    assert _listing(home / "outputs" / "r") == {"a.csv": "1"}
    assert read_run_id(home / "maps" / "r") == first.run_id
    assert not list((home / "outputs").glob(".r.staging-*"))
    assert not list((home / "maps").glob(".r.staging-*"))


def test_a_run_without_maps_leaves_the_maps_folder_alone(home):
    first = _publish({"a.csv": "1"})
    second = _publish({"a.csv": "2"}, with_maps=False)
    assert read_run_id(home / "outputs" / "r") == second.run_id
    assert read_run_id(home / "maps" / "r") == first.run_id  # detectably older


def test_leftovers_of_killed_runs_are_removed_at_the_next_start(home):
    _publish({"a.csv": "1"})
    # what a SIGKILL leaves: staging folders, a half-written GeoPackage of older versions
    stale = home / "outputs" / ".r.staging-20260101T000000Z-deadbeef"
    stale.mkdir()
    (stale / "access.csv").write_text("half")
    (home / "maps" / ".r.old-20260101T000000Z-deadbeef").mkdir()
    (home / "outputs" / "r" / ".access.k2j3h4.gpkg").write_text("half")
    (home / "outputs" / "r" / ".access.k2j3h4.gpkg-journal").write_text("half")
    other = home / "outputs" / ".other.staging-20260101T000000Z-deadbeef"
    other.mkdir()  # another region's run: not ours to remove
    with OutputSet("r", run_id=new_run_id(), with_maps=True):
        pass
    assert sorted(p.name for p in (home / "outputs").iterdir()) == [
        ".other.staging-20260101T000000Z-deadbeef",
        ".r.lock",
        "r",
    ]
    assert sorted(p.name for p in (home / "maps").iterdir()) == ["r"]
    assert _listing(home / "outputs" / "r") == {"a.csv": "1"}


def test_a_publication_stopped_between_the_two_folders_is_finished_by_the_next_run(
    home, monkeypatch
):
    first = _publish({"a.csv": "1"})
    real = output_set._replace_folder

    def fail_on_maps(staging: Path, final: Path, aside: Path) -> None:
        if final.parent.name == "maps":
            raise OSError(5, "Input/output error")
        real(staging, final, aside)

    monkeypatch.setattr(output_set, "_replace_folder", fail_on_maps)
    with (
        pytest.raises(OutputError, match="cannot publish"),
        OutputSet("r", run_id=new_run_id(), with_maps=True) as out,
    ):
        (out.tables_dir / "a.csv").write_text("2")
        (out.maps_dir / "a.csv.html").write_text("2")
        out.publish({})
    # half published: the tables are the new run's, the maps still the old one's
    assert read_run_id(home / "outputs" / "r") == out.run_id
    assert read_run_id(home / "maps" / "r") == first.run_id
    monkeypatch.setattr(output_set, "_replace_folder", real)
    with OutputSet("r", run_id=new_run_id(), with_maps=True):
        pass  # the next start completes the publication from its journal
    assert read_run_id(home / "maps" / "r") == out.run_id
    assert _listing(home / "maps" / "r") == {"a.csv.html": "2"}
    assert not (home / "outputs" / ".r.publish.json").exists()


def test_renaming_twice_where_folders_cannot_be_swapped_gives_the_same_result(home, monkeypatch):
    _publish({"a.csv": "1"})
    monkeypatch.setattr(output_set, "_exchange", lambda a, b: False)
    second = _publish({"a.csv": "2"})
    assert _listing(home / "outputs" / "r") == {"a.csv": "2"}
    assert read_run_id(home / "maps" / "r") == second.run_id
    assert sorted(p.name for p in (home / "outputs").iterdir()) == [".r.lock", "r"]


def test_the_atomic_swap_exchanges_two_folders(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    (b / "x").write_text("b")
    if not output_set._exchange(a, b):
        pytest.skip("this file system cannot exchange folders (renameat2)")
    assert (a / "x").read_text() == "b" and (b / "x").read_text() == "a"


def test_a_second_run_of_the_same_region_at_once_is_refused(home):
    with OutputSet("r", run_id=new_run_id(), with_maps=False):
        with pytest.raises(OutputError, match="another run of region 'r'"):
            OutputSet("r", run_id=new_run_id(), with_maps=False).__enter__()
        # another region is not held up
        with OutputSet("s", run_id=new_run_id(), with_maps=False):
            pass


def test_a_file_where_the_outputs_folder_goes_is_a_clear_error(home):
    (home / "outputs").mkdir()
    (home / "outputs" / "r").write_text("not a folder")
    with pytest.raises(OutputError, match=r"outputs/r is a file, not a folder"):
        OutputSet("r", run_id=new_run_id(), with_maps=False).__enter__()
    (home / "outputs" / "r").unlink()
    (home / "maps").write_text("not a folder either")
    with pytest.raises(OutputError, match="maps"):
        OutputSet("r", run_id=new_run_id(), with_maps=True).__enter__()


def test_run_ids_sort_by_time_and_differ():
    ids = [new_run_id() for _ in range(50)]
    assert len(set(ids)) == 50
    assert all(len(i) == 25 and i[8] == "T" and i[15] == "Z" for i in ids)


def test_a_swap_that_fails_at_once_leaves_no_journal_and_the_next_run_works(home, monkeypatch):
    first = _publish({"a.csv": "1"})

    def busy(staging: Path, final: Path, aside: Path) -> None:
        raise OSError(16, "Device or resource busy")  # e.g. the folder is a mount point

    real = output_set._replace_folder
    monkeypatch.setattr(output_set, "_replace_folder", busy)
    with pytest.raises(OutputError, match="Device or resource busy"):
        _publish({"a.csv": "2"})
    assert not (home / "outputs" / ".r.publish.json").exists()
    monkeypatch.setattr(output_set, "_replace_folder", real)
    assert read_run_id(home / "outputs" / "r") == first.run_id
    third = _publish({"a.csv": "3"})  # nothing to recover, nothing half done
    assert read_run_id(home / "maps" / "r") == third.run_id


def test_a_symlinked_outputs_folder_is_refused_not_broken(home, tmp_path_factory):
    shared = tmp_path_factory.mktemp("shared")
    (home / "outputs").mkdir()
    (home / "outputs" / "r").symlink_to(shared, target_is_directory=True)
    with pytest.raises(OutputError, match="symbolic link"):
        OutputSet("r", run_id=new_run_id(), with_maps=False).__enter__()
    assert (home / "outputs" / "r").is_symlink()


def test_a_signal_while_publishing_waits_for_both_folders(home, monkeypatch):
    """Held in Python, whatever thread the kernel hands the signal to."""
    import os
    import signal as signals

    from connectivity._signals import Interrupted, stop_on_signals

    first = _publish({"a.csv": "1"})
    real = output_set._replace_folder

    def signalled(staging: Path, final: Path, aside: Path) -> Path | None:
        old = real(staging, final, aside)
        if final.parent.name == "outputs":  # between the two folders
            os.kill(os.getpid(), signals.SIGTERM)
        return old

    monkeypatch.setattr(output_set, "_replace_folder", signalled)
    with stop_on_signals(), pytest.raises(Interrupted):
        _publish({"a.csv": "2"})
    # stopped only once both folders hold the new run
    assert read_run_id(home / "outputs" / "r") == read_run_id(home / "maps" / "r") != first.run_id
