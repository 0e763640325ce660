"""Issue 12: bad input through the real command line (the installed ``tap-stripe``) ends with one
line saying what is wrong and how to fix it, exit code 1, no traceback, and never a key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.truth import tap_config
from tests.emulator import Emulator

TAP = str(Path(sys.executable).with_name("tap-stripe"))
CLOCK = 1_790_000_000


def tap(*args: str, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed tap-stripe."""
    return subprocess.run([TAP, *args], capture_output=True, text=True, timeout=120,
                          check=False, cwd=cwd, env={**os.environ, **(env or {})})


def one_error(result: subprocess.CompletedProcess[str]) -> str:
    """The run failed with exit code 1 and one ERROR line, no traceback; that line's text."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1, result.stderr
    return errors[0]


def write(path: Path, value: Any) -> Path:
    path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")
    return path


@pytest.mark.parametrize("about", [False, True], ids=["sync", "about"])
@pytest.mark.parametrize(("name", "content", "expected"), [
    ("empty.json", "", "The config file empty.json is empty"),
    ("blank.json", " \n", "The config file blank.json is empty"),
    ("config.yml", "client_secret: sk_test_x\n",
     "The config file config.yml is not valid JSON (Expecting value, line 1 column 1)"),
    ("list.json", [{"client_secret": "sk_test_x"}],
     "The config file list.json holds a JSON list, not an object"),
    ("text.json", "\"sk_test_x\"", "The config file text.json holds a JSON string, not an object"),
    ("folder", None, "The config file folder is a directory, not a file"),
    ("missing.json", ..., "The config file missing.json does not exist"),
])
def test_a_config_file_that_is_not_a_json_object_gets_one_line(
        tmp_path: Path, name: str, content: Any, expected: str, about: bool) -> None:
    if content is None:
        (tmp_path / name).mkdir()
    elif content is not ...:
        write(tmp_path / name, content)
    result = tap("--config", name, *(["--about"] if about else []), cwd=tmp_path)
    line = one_error(result)
    assert expected in line
    assert "pass a JSON object of settings (see tap-stripe --about)" in line
    assert result.stdout == ""


def test_a_catalog_whose_streams_are_not_a_list_gets_one_line(tmp_path: Path) -> None:
    config = write(tmp_path / "config.json", {"client_secret": "sk_test_x",
                                              "api_base": "http://127.0.0.1:9"})
    for catalog, problem in [({"streams": "x"}, '"streams" is a JSON string, not a list'),
                             ({"streams": ["x"]}, "stream 0 is a JSON string, not an object"),
                             ({"streams": [{"schema": {}}]}, 'stream 0 has no "tap_stream_id"'),
                             ({"streams": [{"tap_stream_id": "customers", "metadata": {}}]},
                              'stream 0 (customers) has "metadata" that is not a list')]:
        write(tmp_path / "catalog.json", catalog)
        line = one_error(tap("--config", str(config), "--catalog", "catalog.json",
                             cwd=tmp_path))
        assert f"The catalog file catalog.json is not a Singer catalog: {problem}" in line
        assert "run tap-stripe --discover" in line


@pytest.mark.parametrize("odd", ["\u200b", "\x07", "\u00a0", "\ufeff", " "],
                         ids=["zero-width space", "bell", "no-break space", "BOM", "space"])
def test_a_key_with_a_character_no_stripe_key_has_is_refused_before_any_request(
        tmp_path: Path, odd: str) -> None:
    with Emulator(seed=3, scale=1, clock=CLOCK) as emulator:
        key = emulator.secret_key
        bad = key[:12] + odd + key[12:]
        config = write(tmp_path / "config.json", {**tap_config(emulator), "client_secret": bad})
        line = one_error(tap("--config", str(config)))
        assert emulator.requests() == []
    assert (f"Setting client_secret holds a character no Stripe key has "
            f"(U+{ord(odd):04X} at position 13)") in line
    assert key[8:] not in line and key[12:] not in line


def test_stripe_log_debug_shows_the_clients_log_without_the_key(tmp_path: Path) -> None:
    with Emulator(seed=3, scale=1, clock=CLOCK) as emulator:
        wrong = "sk_test_" + "Wr0ngKey" * 3
        config = write(tmp_path / "config.json", {**tap_config(emulator), "client_secret": wrong})
        result = tap("--config", str(config), env={"STRIPE_LOG": "debug"})
        refused = [r for r in emulator.requests() if r["status"] == 401]
    line = one_error(result)
    assert "Stripe rejected the API key (401): Invalid API Key provided: [redacted key]" in line
    # the client's own log is shown (through the tap's logging), with the key redacted
    client = [x for x in result.stderr.splitlines() if "| stripe " in x]
    assert any("Stripe v1 API error received" in x and "[redacted key]" in x for x in client)
    assert refused
    # neither the key nor Stripe's masked form of it (sk_test_****Key3...) appears
    assert "sk_test_" not in result.stderr
    assert "****" not in result.stderr
    assert wrong[-4:] not in result.stderr


@pytest.mark.parametrize(("option", "expected"), [
    ("--state", "The state file state.json does not exist; on a first run leave out --state; "
                "save the last STATE message a run writes and pass that file to the next run."),
    ("--catalog", "The catalog file state.json does not exist; write one with tap-stripe "
                  "--config CONFIG --discover > catalog.json, or leave out --catalog"),
])
def test_a_missing_state_or_catalog_file_gets_one_line(
        tmp_path: Path, option: str, expected: str) -> None:
    config = write(tmp_path / "config.json", {"client_secret": "sk_test_x",
                                              "api_base": "http://127.0.0.1:9"})
    result = tap("--config", str(config), option, "state.json", cwd=tmp_path)
    assert expected in one_error(result)
    assert result.stdout == ""


def test_a_state_bookmark_in_the_future_or_not_a_time_gets_one_line(tmp_path: Path) -> None:
    with Emulator(seed=3, scale=1, clock=CLOCK) as emulator:
        config = write(tmp_path / "config.json", tap_config(emulator))
        future = {"bookmarks": {"customers": {"replication_key_value": CLOCK + 86_400}}}
        write(tmp_path / "state.json", future)
        line = one_error(tap("--config", str(config), "--state", "state.json", cwd=tmp_path))
        assert ("The state's bookmark customers.replication_key_value is "
                "2026-09-22T14:13:20Z, in the future by Stripe's clock (now 2026-09-21") in line
        write(tmp_path / "state.json", {"type": "STATE", "value": {
            "bookmarks": {"customers": {"replication_key_value": "last tuesday"}}}})
        line = one_error(tap("--config", str(config), "--state", "state.json", cwd=tmp_path))
        assert ("The state's bookmark customers.replication_key_value is 'last tuesday', not a "
                "time in unix seconds; remove that stream's bookmark") in line
