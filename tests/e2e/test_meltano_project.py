"""meltano.yml stays in step with the tap: every setting, the capabilities and the selection."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
import yaml

from tap_stripe.registry import STREAMS
from tap_stripe.settings import CONFIG_SCHEMA
from tap_stripe.tap import TapStripe
from tests.e2e.meltano_project import Meltano

PROJECT = yaml.safe_load((Path(__file__).parents[2] / "meltano.yml").read_text())
TAP = next(p for p in PROJECT["plugins"]["extractors"] if p["name"] == "tap-stripe")
# JSON Schema type (and format) of a tap setting -> the Meltano setting kind that edits it
# (a number as a whole number: Meltano 4 cannot pass on a `decimal` setting's value, see
# test_number_settings_set_through_meltano_reach_the_tap)
KINDS = {"string": "string", "integer": "integer", "number": "integer", "boolean": "boolean",
         "object": "object", "date-time": "date_iso8601"}


def _kind(prop: dict[str, Any]) -> str:
    if "enum" in prop:
        return "options"
    types = [t for t in prop["type"] if t != "null"] if isinstance(prop["type"], list) \
        else [prop["type"]]
    return KINDS[prop.get("format") or types[0]]


NUMBERS = sorted(name for name, prop in CONFIG_SCHEMA["properties"].items()
                 if "number" in ([prop["type"]] if isinstance(prop["type"], str) else prop["type"]))


def _selected(stream: str, patterns: list[str]) -> bool:
    table = f"{stream}.some_property"
    included = any(fnmatchcase(table, p) for p in patterns if not p.startswith("!"))
    excluded = any(fnmatchcase(table, p[1:]) for p in patterns if p.startswith("!"))
    return included and not excluded


@pytest.mark.parametrize("name", sorted(CONFIG_SCHEMA["properties"]))
def test_every_tap_setting_is_declared_with_its_kind(name: str) -> None:
    declared = {s["name"]: s for s in TAP["settings"]}
    prop = CONFIG_SCHEMA["properties"][name]
    assert name in declared, f"meltano.yml lacks tap setting {name}"
    assert declared[name]["kind"] == _kind(prop)
    assert declared[name].get("sensitive", False) == bool(prop.get("secret"))
    if "default" in prop:
        assert declared[name]["value"] == prop["default"]
    if "enum" in prop:
        assert [o["value"] for o in declared[name]["options"]] == prop["enum"]


def test_extractor_definition_matches_the_tap() -> None:
    assert (TAP["namespace"], TAP["pip_url"], TAP["executable"]) == \
        ("tap_stripe", "-e .", "tap-stripe")
    assert sorted(TAP["capabilities"]) == sorted(str(c.value) for c in TapStripe.capabilities)
    assert TAP["settings_group_validation"] == [["client_secret"]]


def test_the_key_has_one_name_everywhere() -> None:
    """singer-sdk and Meltano both read the key from TAP_STRIPE_CLIENT_SECRET: meltano.yml
    maps no other variable onto a setting, and no document names another."""
    assert "config" not in TAP, "settings come from TAP_STRIPE_* variables, not a mapping"
    root = Path(__file__).parents[2]
    for doc in ("README.md", "meltano.yml", "tests/emulator/README.md", "scripts/demo.py"):
        assert "STRIPE_SECRET_KEY" not in (root / doc).read_text(), doc
    assert "export TAP_STRIPE_CLIENT_SECRET=" in (root / "README.md").read_text()


def test_selection_is_every_stream_the_tap_selects_by_default() -> None:
    chosen = {s.name for s in STREAMS if _selected(s.name, TAP["select"])}
    assert chosen == {s.name for s in STREAMS if s.selected_by_default}
    assert {"customers", "invoice_line_items", "charges"} <= chosen


def test_loaders_are_pinned_custom_plugins() -> None:
    loaders = {p["name"]: p for p in PROJECT["plugins"]["loaders"]}
    assert set(loaders) == {"target-duckdb", "target-jsonl", "target-postgres"}
    for loader in loaders.values():
        assert loader["namespace"] == loader["name"].replace("-", "_")
        assert "==" in loader["pip_url"], f"{loader['name']} is not pinned"
    postgres = {s["name"]: s for s in loaders["target-postgres"]["settings"]}
    assert postgres["password"]["sensitive"] is True
    assert postgres["use_copy"]["value"] is True


def test_number_settings_set_through_meltano_reach_the_tap(tmp_path: Path) -> None:
    """Every number setting set from its TAP_STRIPE_* variable reaches the plugin's config as
    a number (with `kind: decimal`, Meltano 4 failed: "Object of type Decimal is not JSON
    serializable")."""
    assert NUMBERS, "the tap has number settings"
    values = {name: str(7 + i) for i, name in enumerate(NUMBERS)}
    printed = Meltano.create(tmp_path)(
        "config", "print", "tap-stripe",
        env={f"TAP_STRIPE_{name.upper()}": value for name, value in values.items()}).stdout
    config = json.loads(printed[printed.index("{"):])
    assert {name: config[name] for name in NUMBERS} == {
        name: int(value) for name, value in values.items()}
