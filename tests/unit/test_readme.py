"""The README's generated tables match the code."""

from __future__ import annotations

from scripts.render_readme import README, render


def test_readme_tables_match_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    assert render(text) == text, "run: python scripts/render_readme.py"
    assert "make demo" in text
    assert "make test" in text
