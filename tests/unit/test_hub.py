"""The Meltano Hub plugin definition is the generated one, and says what a Hub entry must."""

from __future__ import annotations

import re

import yaml

from scripts.render_hub import HUB_FILE, ROOT, render
from tap_stripe.settings import CONFIG_SCHEMA

KINDS = {"string", "integer", "decimal", "boolean", "date_iso8601", "options", "object", "array"}


def test_hub_file_is_generated_from_the_code() -> None:
    assert HUB_FILE.read_text(encoding="utf-8") == render(), "run: python scripts/render_hub.py"


def test_hub_file_describes_the_installable_extractor() -> None:
    hub = yaml.safe_load(HUB_FILE.read_text(encoding="utf-8"))
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert hub["pip_url"] == re.findall(r'^name = "(.+)"$', pyproject, re.MULTILINE)[0]
    assert (hub["name"], hub["executable"], hub["namespace"]) == \
        ("tap-stripe", "tap-stripe", "tap_stripe")
    assert HUB_FILE.name == f"{hub['variant']}.yml" and HUB_FILE.parent.name == hub["name"]
    assert {"catalog", "discover", "state", "about", "stream-maps"} <= set(hub["capabilities"])
    settings = {s["name"]: s for s in hub["settings"]}
    assert set(CONFIG_SCHEMA["properties"]) <= set(settings)
    assert all(s["kind"] in KINDS and s["label"] for s in settings.values())
    assert [n for n, s in settings.items() if s.get("sensitive")] == ["client_secret"]
    assert hub["settings_group_validation"] == [["client_secret"]]
    assert settings["start_date"]["kind"] == "date_iso8601"
    assert [o["value"] for o in settings["event_payload"]["options"]] == \
        ["auto", "payload", "refetch"]
    assert settings["slice_range"]["value"] == 365
