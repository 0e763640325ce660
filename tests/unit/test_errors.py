"""Bad input through the real command line: each case ends with one line saying what is wrong
and how to fix it, exit code 1, no traceback, and nothing on stdout. Plus key redaction."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tap_stripe.errors import REDACTED, redact

TAP = Path(sys.executable).with_name("tap-stripe")
KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
CATALOG = {"streams": [{"tap_stream_id": "no_such_stream", "stream": "no_such_stream",
                        "schema": {"type": "object", "properties": {}},
                        "metadata": [{"breadcrumb": [], "metadata": {"selected": True}}]}]}


class FakeStripe(BaseHTTPRequestHandler):
    """401 for the wrong key (masked as Stripe masks it), a proxy's HTML page for another."""

    def do_GET(self) -> None:
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        if key == "sk_test_behind_a_login_proxy":
            self._send(200, "text/html", b"<!DOCTYPE html><html><body>Sign in</body></html>")
            return
        masked = key[:8] + "*" * (len(key) - 12) + key[-4:]
        body = {"error": {"type": "invalid_request_error",
                          "message": f"Invalid API Key provided: {masked}"}}
        self._send(401, "application/json", json.dumps(body).encode())

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), FakeStripe)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def tap(tmp_path: Path, config: dict[str, Any], *args: str,
        files: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "config.json").write_text(json.dumps(config))
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text)
    return subprocess.run([str(TAP), "--config", str(tmp_path / "config.json"), *args],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, check=False)


def one_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single ERROR line of a failed run (asserting there is exactly one)."""
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if "| ERROR" in line]
    assert len(errors) == 1, result.stderr
    return errors[0].split("| ", 3)[-1]


GOOD = {"client_secret": KEY, "api_base": "http://127.0.0.1:9", "max_retries": 0}


@pytest.mark.parametrize(("config", "expected"), [
    ({}, "Setting client_secret is missing, empty or not text; set it to your Stripe secret key "
         "(sk_live_... or sk_test_...) or a restricted key (rk_...), e.g. with "
         "TAP_STRIPE_CLIENT_SECRET."),
    ({"client_secret": "  "}, "Setting client_secret is missing, empty or not text"),
    ({"client_secret": "pk_test_TYooMQauvdEDq54NiTphI7jx"},
     "Setting client_secret holds a publishable key (pk_...), which cannot read data; use a "
     "secret key (sk_...) or a restricted key (rk_...)."),
    ({**GOOD, "start_date": "last tuesday"},
     "Setting start_date 'last tuesday' is not an ISO 8601 time; use e.g. 2024-01-31T00:00:00Z."),
    ({**GOOD, "start_date": "2999-01-01T00:00:00Z"},
     "Setting start_date '2999-01-01T00:00:00Z' lies in the future; use a past date such as "),
    ({**GOOD, "lookback_window_days": -3},
     "Setting lookback_window_days must be a whole number >= 0, got -3."),
    ({**GOOD, "slice_range": 0}, "Setting slice_range must be a whole number >= 1, got 0."),
    ({**GOOD, "request_timeout": 0}, "Setting request_timeout must be a number > 0, got 0."),
    ({**GOOD, "on_permission_error": "ignore"},
     "Setting on_permission_error must be one of fail, skip, got 'ignore'."),
    ({**GOOD, "connected_accounts": ["acct_1Abc", "cus_1"]},
     "Setting connected_accounts must be \"all\" or a list of account ids (acct_...), got "
     "'cus_1'."),
    ({**GOOD, "connected_accounts": 3},
     "Setting connected_accounts must be \"all\" or a list of account ids (acct_...), got 3."),
    ({**GOOD, "account_shard": "4/4"},
     "Setting account_shard must be i/n with 0 <= i < n (e.g. 0/4), got '4/4'."),
    ({**GOOD, "account_id": "acct_1Abc", "connected_accounts": "all"},
     "Settings account_id and connected_accounts/account_shard exclude each other"),
    ({**GOOD, "stream_maps": 5},
     "Invalid settings: 5 is not of type 'object', 'null' in config['stream_maps']."),
])
def test_bad_settings_get_one_line_with_the_fix(tmp_path: Path, config: dict[str, Any],
                                                expected: str) -> None:
    assert one_error(tap(tmp_path, config)).startswith(expected)


def test_a_malformed_state_file_gets_one_line(tmp_path: Path) -> None:
    result = tap(tmp_path, GOOD, "--state", "state.json",
                 files={"state.json": '{"bookmarks": {"customers": '})
    assert one_error(result) == (
        "The state file state.json is not valid JSON (Expecting value, line 1 column 29); fix "
        "it or pass another --state file.")


def test_a_state_that_is_not_a_singer_state_gets_one_line(tmp_path: Path) -> None:
    result = tap(tmp_path, GOOD, "--state", "state.json",
                 files={"state.json": '{"bookmarks": {"customers": 5}}'})
    assert one_error(result).startswith("The state is not a Singer state of the form")
    result = tap(tmp_path, GOOD, "--state", "state.json", files={"state.json": "[]"})
    assert one_error(result) == ("The state file state.json holds a JSON list, not an object; "
                                 "pass a Singer state file.")


def test_an_unknown_stream_in_the_catalog_gets_one_line(tmp_path: Path) -> None:
    result = tap(tmp_path, GOOD, "--catalog", "catalog.json",
                 files={"catalog.json": json.dumps(CATALOG)})
    assert one_error(result) == (
        "The catalog selects stream(s) tap-stripe does not have: no_such_stream. Run tap-stripe "
        "--discover for the current list and rebuild the catalog from it.")


def test_an_unreachable_api_base_gets_one_line(tmp_path: Path) -> None:
    # nothing has answered yet: a wrong api_base, said at once (see test_api for the retries)
    assert one_error(tap(tmp_path, GOOD)) == (
        "Nothing answers at api_base http://127.0.0.1:9: GET /v1/events failed once "
        "(connection (ConnectionError: Connection refused)). Check api_base (Stripe's is "
        "https://api.stripe.com; for the emulator, the base_url it printed).")


def test_a_wrong_key_gets_one_line_without_the_key(tmp_path: Path, server: str) -> None:
    line = one_error(tap(tmp_path, {**GOOD, "api_base": server}))
    assert line == ("Stripe rejected the API key (401): Invalid API Key provided: [redacted key] "
                    "Check client_secret: it must be a current secret (sk_...) or restricted "
                    "(rk_...) key of the account.")


def test_a_proxy_page_instead_of_json_gets_one_line(tmp_path: Path, server: str) -> None:
    config = {**GOOD, "api_base": server, "client_secret": "sk_test_behind_a_login_proxy"}
    assert one_error(tap(tmp_path, config)) == (
        "GET /v1/events answered HTTP 200 with a body that is not JSON (starting "
        f"'<!DOCTYPE html><html><body>Sign in</body'); check that api_base {server} is Stripe's "
        "API and not a proxy or login page.")


@pytest.mark.parametrize(("text", "expected"), [
    (f"bad key {KEY}!", f"bad key {REDACTED}!"),
    ("Invalid API Key provided: sk_test_****************p7dc", "Invalid API Key provided: "
     f"{REDACTED}"),
    ("The provided key 'rk_live_**********abcdef' does not have", f"The provided key "
     f"'{REDACTED}' does not have"),
    ("No such customer: 'cus_Abc123'", "No such customer: 'cus_Abc123'"),
    ("session cs_test_a1B2c3 expired", "session cs_test_a1B2c3 expired"),
])
def test_redact_hides_keys_plain_or_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_redact_hides_an_unusual_secret_given_to_it() -> None:
    assert redact("key=whatever-secret-1234 failed", "whatever-secret-1234") == (
        f"key={REDACTED} failed")
