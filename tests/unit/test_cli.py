"""The command line: --discover without credentials, --about, and the stream catalog."""

from __future__ import annotations

import json
import subprocess
import sys

from tap_stripe.registry import STREAMS


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from tap_stripe.tap import main; main()",
                           *args], capture_output=True, text=True, timeout=120, check=False)


def test_discover_lists_every_stream_with_keys_without_credentials() -> None:
    result = cli("--discover")
    assert result.returncode == 0, result.stderr
    catalog = json.loads(result.stdout)
    entries = {e["tap_stream_id"]: e for e in catalog["streams"]}
    assert set(entries) == {s.name for s in STREAMS}
    assert len(entries) == 110
    for sdef in STREAMS:
        entry = entries[sdef.name]
        # A capability's id is its name, the same in every connected account
        assert entry["key_properties"] == (["account_id", "id"] if sdef.name == "capabilities"
                                           else ["id"])
        top = next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])
        assert top["selected-by-default"] is sdef.selected_by_default
        if sdef.cursor == "full":  # read whole on every run: no bookmark
            assert entry.get("replication_key") is None
            assert entry["replication_method"] == "FULL_TABLE"
            continue
        assert entry["replication_key"] == sdef.key
        assert entry["replication_method"] == "INCREMENTAL"
        assert sdef.key in entry["schema"]["properties"]
    assert entries["checkout_sessions_line_items"]["replication_key"] == "checkout_session_updated"
    assert entries["balance_transactions"]["replication_key"] == "created"
    assert entries["customers"]["replication_key"] == "updated"
    assert "invoice_id" in entries["invoice_line_items"]["schema"]["properties"]
    assert entries["webhook_endpoints"]["replication_method"] == "FULL_TABLE"


def test_about_json_describes_settings_and_capabilities() -> None:
    result = cli("--about", "--format", "json")
    assert result.returncode == 0, result.stderr
    about = json.loads(result.stdout)
    assert about["name"] == "tap-stripe"
    assert set(about["capabilities"]) >= {"catalog", "discover", "state", "about",
                                          "stream-maps", "schema-flattening"}
    props = about["settings"]["properties"]
    assert props["client_secret"]["secret"] is True
    assert props["lookback_window_days"]["default"] == 0
    assert props["slice_range"]["default"] == 365
    assert props["api_base"]["default"] == "https://api.stripe.com"
    for name in ("client_secret", "account_id", "start_date", "lookback_window_days",
                 "slice_range", "api_base"):
        assert props[name]["title"]
        assert props[name]["description"]


def test_about_markdown_has_the_settings_table() -> None:
    result = cli("--about", "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert "| client_secret | True |" in result.stdout
    assert "| slice_range | False | 365 |" in result.stdout
