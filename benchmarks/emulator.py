"""The project's Stripe emulator as a benchmark target: started through its command line in a
child process, steered and read through its control API."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KEY = "sk_live_benchmark000000"


class EmulatorProcess:
    """``python -m tests.emulator`` on a free local port, with live-mode data for ``KEY``;
    ``connected_accounts`` Connect accounts of ``connected_scale`` each (none by default);
    ``cache_size`` serialised objects cached (the emulator's default when None)."""

    def __init__(self, scale: int, *, seed: int = 1, connected_accounts: int = 0,
                 connected_scale: int | None = None, cache_size: int | None = None) -> None:
        self.scale = scale
        self.cache_size = cache_size
        self.seed = seed
        self.connected_accounts = connected_accounts
        self.connected_scale = connected_scale
        self._process: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}

    def __enter__(self) -> EmulatorProcess:
        argv = [sys.executable, "-m", "tests.emulator", "--port", "0", "--seed", str(self.seed),
                "--scale", str(self.scale), "--key", KEY,
                "--connected-accounts", str(self.connected_accounts)]
        if self.connected_scale is not None:
            argv += ["--connected-scale", str(self.connected_scale)]
        if self.cache_size is not None:
            argv += ["--cache-size", str(self.cache_size)]
        self._process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        self.info = json.loads(self._process.stdout.readline())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(30)

    @property
    def pid(self) -> int:
        """The emulator process's id (0 before it starts)."""
        return self._process.pid if self._process is not None else 0

    @property
    def base_url(self) -> str:
        """Where the API answers."""
        return str(self.info["base_url"])

    @property
    def account(self) -> str:
        """The platform account's id."""
        return str(self.info["platform_account"])

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One control API call (``/_emulator/<path>``); the decoded answer."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base_url}/_emulator/{path}", data=data,
                                         method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as answer:
            return json.loads(answer.read() or b"null")

    def configure(self, *, rate_limit: str, latency_ms: float) -> None:
        """Switch the rate limits (off/live) and the latency added to every request."""
        self.control("POST", "config", {"rate_limit": rate_limit, "latency_ms": latency_ms})

    def last_serial(self) -> int:
        """Serial of the newest logged request (0 when none)."""
        entries = self.control("GET", "requests?since=0")["requests"]
        return int(entries[-1]["serial"]) if entries else 0

    def requests_since(self, serial: int) -> list[dict[str, Any]]:
        """Logged ``/v1`` requests after ``serial``."""
        return list(self.control("GET", f"requests?since={serial}")["requests"])


def request_rate(entries: list[dict[str, Any]]) -> dict[str, float]:
    """Requests, 429s, and requests per second over the busiest stretch: from the first request
    to the last, and over the middle 80% of the requests (start-up and tail left out)."""
    answered = [e for e in entries if e["status"]]
    if len(answered) < 2:
        return {"requests": len(entries), "rate_429": 0, "per_second": 0.0,
                "steady_per_second": 0.0}
    times = sorted(e["time"] for e in answered)
    span = max(times[-1] - times[0], 1e-6)
    low, high = int(len(times) * 0.1), int(len(times) * 0.9)
    steady = (high - low) / max(times[high - 1] - times[low], 1e-6)
    return {"requests": len(entries),
            "rate_429": sum(1 for e in entries if e["status"] == 429),
            "per_second": round(len(times) / span, 1),
            "steady_per_second": round(steady, 1)}
