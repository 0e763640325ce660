"""The command line: starts, prints its address and key, answers, stops on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def test_the_cli_serves_until_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.emulator", "--port", "0", "--seed", "4", "--scale", "20",
         "--rate-limit", "off", "--faults", "500=0.0", "--connected-accounts", "1",
         "--key", "sk_test_cli0000000000000000000"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline())
        assert ready["secret_key"] == "sk_test_cli0000000000000000000"
        assert ready["base_url"].startswith("http://127.0.0.1:")
        assert len(ready["accounts"]) == 1
        response = requests.get(ready["base_url"] + "/v1/customers",
                                auth=(ready["secret_key"], ""), timeout=10)
        assert response.status_code == 200
        assert len(response.json()["data"]) == 10
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
