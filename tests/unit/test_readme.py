"""The README's generated tables match the code, and the commands it promises exist."""

from __future__ import annotations

import re

from scripts.render_readme import README, render

ROOT = README.parent


def test_readme_tables_match_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    assert render(text) == text, "run: python scripts/render_readme.py"


def make_targets() -> dict[str, tuple[list[str], list[str]]]:
    """The Makefile's targets: name -> (prerequisites, recipe lines)."""
    targets: dict[str, tuple[list[str], list[str]]] = {}
    current: list[str] | None = None
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        if line.startswith("\t") and current is not None:
            current.append(line.strip())
            continue
        rule = re.match(r"^([A-Za-z_][\w-]*):(?!=)\s*(.*)$", line)
        current = None
        if rule:
            current = []
            targets[rule.group(1)] = (rule.group(2).split(), current)
    return targets


def test_every_make_command_in_the_readme_is_a_makefile_target() -> None:
    named = set(re.findall(r"^make (\w+)", README.read_text(encoding="utf-8"), re.M))
    targets = make_targets()
    assert {"demo", "test", "unit"} <= named
    assert all(targets.get(name, ([], []))[1] for name in named), sorted(
        n for n in named if not targets.get(n, ([], []))[1])


def test_make_demo_runs_the_demo_script_the_readme_describes() -> None:
    _, recipe = make_targets()["demo"]
    assert recipe == ["$(BIN)/python scripts/demo.py"]
    demo = (ROOT / "scripts" / "demo.py").read_text(encoding="utf-8")
    # README: "emulator -> tap-stripe -> embedded database"
    assert "tests.emulator" in demo and "duckdb" in demo.lower() and "tap-stripe" in demo


def test_make_test_lints_type_checks_and_runs_every_test_directory() -> None:
    targets = make_targets()
    prerequisites, recipe = targets["test"]
    assert "lint" in prerequisites
    assert recipe == ["$(BIN)/pytest"]  # no path: pytest's testpaths
    lint = targets["lint"][1]
    assert any(cmd.startswith("$(BIN)/ruff check") for cmd in lint)
    assert any(cmd.startswith("$(BIN)/mypy tap_stripe") for cmd in lint)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^testpaths = \["tests"\]$', pyproject, re.M)
    # README: "unit tests, emulator tests, end-to-end tests"
    assert all((ROOT / "tests" / d).is_dir() for d in ("unit", "emulator_tests", "e2e"))
