"""The code layout the README promises: one package per stage, imports flowing one way.

These tests read the source with :mod:`ast` (nothing is imported), so a module that
imports a later stage — even lazily, inside a function — fails here with its name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "connectivity"

# Pipeline order: a module may import its own stage and the stages before it, never after.
# Shared infrastructure (errors, settings, config, file and HTTP helpers, tables) comes first.
STAGE_ORDER: dict[str, float] = {
    "errors": 0,
    "settings": 0,
    "_io": 0,
    "_columns": 0,
    "_logging": 0,
    "_signals": 0,
    "_http": 0,
    "_overpass": 0,
    "config": 0,
    # the [robustness] section's spreads, validated with the config
    "uncertainty": 0,
    "tables": 0,
    "i18n": 0,
    "sources": 1,
    "network": 2,
    "routing": 3,
    "access": 4,
    "works": 5,
    # the synthetic sample region is an input generator: it prices its proposals with the
    # works' cost table, and nothing but the pipeline, the CLI and the tests use it
    "sample": 5.5,
    "ranking": 6,
    # how sure each choice is: scenarios re-run the ranking on Dask
    "robustness": 6.5,
    "maps": 7,
    # what a planner takes to the meeting: workbook, work sheets, tables for Invierte.pe
    "deliverables": 7.5,
    "pipeline": 8,
    "cli": 9,
    "__main__": 10,
}

MAX_LINES = 800


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _dotted(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _stage(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """Every ``connectivity...`` module a file imports (lazily too, unless top_level_only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    package = _dotted(path) if path.name == "__init__.py" else _dotted(path).rpartition(".")[0]
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("connectivity"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if not module.startswith("connectivity"):
                continue
            found.add(module)
            # `from connectivity import routing` imports the submodule connectivity.routing
            if module == "connectivity":
                found.update(
                    f"connectivity.{a.name}"
                    for a in node.names
                    if (PACKAGE / a.name).is_dir() or (PACKAGE / f"{a.name}.py").is_file()
                )
    return found


def test_every_module_belongs_to_a_known_stage() -> None:
    unknown = {_stage(_dotted(p)) for p in _modules()} - set(STAGE_ORDER) - {""}
    assert not unknown, f"add these to STAGE_ORDER in {__file__}: {sorted(unknown)}"


def test_imports_flow_one_way_through_the_pipeline() -> None:
    wrong = []
    for path in _modules():
        here = _stage(_dotted(path))
        if not here:
            continue
        for module in _imports(path):
            there = _stage(module)
            if there and STAGE_ORDER[there] > STAGE_ORDER[here]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)} ({here}) imports {module}")
    assert not wrong, "imports against the pipeline order:\n" + "\n".join(wrong)


def test_no_import_cycles_between_modules() -> None:
    paths = {_dotted(p): p for p in _modules()}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets = set()
        for module in _imports(path, top_level_only=True):
            # `from pkg import sub` names a module; `from pkg.mod import func` names mod
            while module and module not in paths:
                module = module.rpartition(".")[0]
            if module and module != name and not name.startswith(module + "."):
                targets.add(module)
        graph[name] = targets
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_modules_stay_small_enough_to_read() -> None:
    lines = {
        str(p.relative_to(PACKAGE.parent)): len(p.read_text(encoding="utf-8").splitlines())
        for p in _modules()
    }
    long = {name: n for name, n in lines.items() if n > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


@pytest.mark.parametrize(
    "init", sorted(PACKAGE.rglob("__init__.py")), ids=lambda p: str(p.parent.name)
)
def test_packages_say_what_their_modules_do(init: Path) -> None:
    tree = ast.parse(init.read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree)
    assert doc, f"{init}: no docstring"
    has_all = any(
        isinstance(node, ast.Assign | ast.AnnAssign)
        and any(
            isinstance(t, ast.Name) and t.id == "__all__"
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        )
        for node in tree.body
    )
    assert has_all, f"{init}: no __all__"
    modules = sorted(p.stem for p in init.parent.glob("*.py") if p.name != "__init__.py") + sorted(
        p.name for p in init.parent.iterdir() if (p / "__init__.py").exists()
    )
    public = [m for m in modules if not m.startswith("_")]
    missing = [m for m in public if m not in doc]
    assert not missing, f"{init}: the docstring does not say what these modules do: {missing}"
