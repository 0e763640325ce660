"""The tap's modules import one another one way: no cycle, TYPE_CHECKING imports included."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tap_stripe"


def imports_of(path: Path) -> set[str]:
    """The ``tap_stripe`` modules ``path`` imports, at any depth of its syntax tree."""
    found: set[str] = set()
    modules = {p.stem for p in PACKAGE.glob("*.py")} | {"schemas"}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0 and (node.module or "").split(".")[0] != "tap_stripe":
                continue
            parts = (node.module or "").split(".")[1 if node.level == 0 else 0:]
            if parts and parts[0]:
                found.add(parts[0])
            else:  # from tap_stripe import x / from . import x
                found.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names
                         if a.name.startswith("tap_stripe."))
    return found - {"__init__"}


def graph() -> dict[str, set[str]]:
    """Module -> the modules it imports."""
    return {path.stem: imports_of(path) for path in PACKAGE.glob("*.py")}


def cycle_in(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (its modules, the first repeated last), or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        if module in path:
            return [*path[path.index(module):], module]
        if module in done:
            return None
        path.append(module)
        for dep in sorted(edges.get(module, ())):
            cycle = visit(dep)
            if cycle:
                return cycle
        path.pop()
        done.add(module)
        return None

    for module in sorted(edges):
        cycle = visit(module)
        if cycle:
            return cycle
    return None


def test_the_walk_sees_type_checking_imports_and_finds_cycles() -> None:
    edges = graph()
    assert "registry" in edges["plan"]  # a plain import
    assert "api" in edges["found"]  # an import under TYPE_CHECKING
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_tap() -> None:
    cycle = cycle_in(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])
