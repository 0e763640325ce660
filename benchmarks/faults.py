"""The fault suite: one sync against the emulator without faults, then the same sync under each
fault profile; the records (ids and values, per stream) must come out the same.

Prints the table of the README's "Reliability" section:

    .venv/bin/python -m benchmarks.faults [--scale 10] [--streams customers ...] [--write-readme]

The tap runs as its real executable (``tap-stripe``) in a subprocess; the emulator runs in this
process with Stripe's test-mode rate limits on. ``tests/e2e/test_reliability.py`` runs the
combined profile at a smaller scale.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tap_stripe.registry import BY_NAME
from tests.emulator import Emulator
from tests.singer import Output, catalog_for

TAP = Path(sys.executable).with_name("tap-stripe")
README = Path(__file__).resolve().parent.parent / "README.md"
TABLE_START, TABLE_END = "<!-- faults:start -->", "<!-- faults:end -->"
DAY = 86_400
# The emulator's data spans the two years before its clock.
HISTORY_DAYS = 731
STALL_SECONDS = 3.0
REQUEST_TIMEOUT = 0.5
_SUMMARY = re.compile(r"Made (\d+) requests? to Stripe \((\d+|none) retried")


@dataclass(frozen=True)
class Profile:
    """A set of injected faults: emulator fault kind -> share of requests."""

    name: str
    faults: dict[str, float]


PROFILES: tuple[Profile, ...] = (
    Profile("none (reference run)", {}),
    Profile("429 lock_timeout 5%", {"lock_timeout": 0.05}),
    Profile("5xx 5% (500, 503, 502 HTML page)", {"500": 0.02, "503": 0.02, "html": 0.01}),
    Profile("connection reset 3%", {"reset": 0.03}),
    Profile("stalled response 2% (timeout 0.5 s)", {"stall": 0.02}),
    Profile("truncated body 2%", {"truncate": 0.02}),
)
COMBINED = Profile("all at once: 429 5%, 5xx 5%, reset 2%, stall 1%, truncate 1%", {
    "lock_timeout": 0.05, "500": 0.02, "503": 0.02, "html": 0.01, "reset": 0.02, "stall": 0.01,
    "truncate": 0.01})
DEFAULT_STREAMS = ("customers", "bank_accounts", "invoices", "invoice_line_items", "charges",
                   "balance_transactions", "subscriptions", "subscription_items", "products",
                   "prices")


@dataclass
class TapRun:
    """One finished run of the tap executable."""

    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def output(self) -> Output:
        """The Singer messages of every complete line (a killed run may end mid-line)."""
        text = self.stdout.decode()
        return Output.parse(text[:text.rfind("\n") + 1])

    @property
    def requests_and_retries(self) -> tuple[int, int]:
        """The tap's own count of requests and retries (its end-of-run summary)."""
        found = _SUMMARY.search(self.stderr.decode())
        if found is None:
            return 0, 0
        return int(found.group(1)), 0 if found.group(2) == "none" else int(found.group(2))


def start_date(emulator: Emulator) -> str:
    """A start date just before the emulator's oldest data."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ",
                         time.gmtime(emulator.now - HISTORY_DAYS * DAY))


def tap_files(workdir: Path, config: dict[str, Any], streams: list[str] | None,
              state: dict[str, Any] | None = None) -> list[str]:
    """Write config, catalog and state into ``workdir``; the tap's command line for them. The
    catalog is lean (``catalog_for``): the streams not read have no schema to parse."""
    (workdir / "config.json").write_text(json.dumps(config))
    (workdir / "catalog.json").write_text(json.dumps(catalog_for(streams, lean=True)))
    command = [str(TAP), "--config", str(workdir / "config.json"),
               "--catalog", str(workdir / "catalog.json")]
    if state is not None:
        (workdir / "state.json").write_text(json.dumps(state))
        command += ["--state", str(workdir / "state.json")]
    return command


def run_tap(workdir: Path, config: dict[str, Any], streams: list[str] | None,
            state: dict[str, Any] | None = None, timeout: float = 600) -> TapRun:
    """Run the tap executable to its end."""
    done = subprocess.run(tap_files(workdir, config, streams, state), capture_output=True,
                          timeout=timeout, check=False)
    return TapRun(done.returncode, done.stdout, done.stderr)


def comparable(output: Output) -> dict[str, dict[str, Any]]:
    """Records per stream by id, without the fields the tap stamps with its run's start time
    (``updated`` of listed objects, at any depth: embedded child lists carry it too)."""
    stamps = {"updated", *(s.replication_key for s in BY_NAME.values() if s.replication_key)}
    return {stream: {r["id"]: _unstamped(r, stamps) for r in records}
            for stream, records in output.records.items()}


def _unstamped(value: Any, stamps: set[str]) -> Any:
    if isinstance(value, dict):
        return {k: _unstamped(v, stamps) for k, v in value.items() if k not in stamps}
    if isinstance(value, list):
        return [_unstamped(v, stamps) for v in value]
    return value


def lost(reference: dict[str, dict[str, Any]], other: dict[str, dict[str, Any]]) -> int:
    """Records of ``reference`` missing from ``other`` or different there."""
    return sum(other.get(stream, {}).get(oid) != record
               for stream, records in reference.items() for oid, record in records.items())


@dataclass(frozen=True)
class Row:
    """One line of the fault table."""

    profile: str
    injected: int
    rate_limited: int
    requests: int
    retries: int
    records: int
    lost: int
    extra: int
    seconds: float


def run_profile(emulator: Emulator, workdir: Path, config: dict[str, Any],
                streams: list[str] | None,
                profile: Profile, reference: dict[str, dict[str, Any]] | None,
                ) -> tuple[Row, dict[str, dict[str, Any]]]:
    """Sync once under ``profile``; the table row and the comparable records."""
    emulator.configure(faults=profile.faults, fault_seed=7, stall_seconds=STALL_SECONDS)
    emulator.clear_log()
    began = time.monotonic()
    run = run_tap(workdir, config, streams)
    seconds = time.monotonic() - began
    if run.returncode != 0:
        raise RuntimeError(f"tap failed under {profile.name}: {run.stderr.decode()[-2000:]}")
    if "stall" in profile.faults:  # a stalled answer is logged once the stall is over
        time.sleep(STALL_SECONDS + 0.5)
    records = comparable(run.output)
    counters = emulator.counters()
    faults = counters["faults"]
    reference = reference or records
    row = Row(profile.name, sum(faults.values()),
              counters["statuses"].get("429", 0) - faults.get("lock_timeout", 0),
              counters["requests"], run.requests_and_retries[1],
              sum(len(r) for r in records.values()), lost(reference, records),
              lost(records, reference), seconds)
    return row, records


def run_suite(scale: int, streams: list[str] | None, profiles: tuple[Profile, ...],
              slice_range: int = 120) -> list[Row]:
    """The reference run, then one run per fault profile, against one emulator."""
    rows: list[Row] = []
    with Emulator(seed=3, scale=scale, rate_limit="test",
                  clock=int(time.time()) - DAY) as emulator, \
            tempfile.TemporaryDirectory(prefix="tap-stripe-faults-") as tmp:
        config = {"client_secret": emulator.secret_key, "api_base": emulator.base_url,
                  "start_date": start_date(emulator), "slice_range": slice_range,
                  "request_timeout": REQUEST_TIMEOUT}
        reference: dict[str, dict[str, Any]] | None = None
        for profile in (PROFILES[0], *profiles):
            row, records = run_profile(emulator, Path(tmp), config, streams, profile, reference)
            reference = reference or records
            rows.append(row)
    return rows


def render(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = ["| Faults injected | Faulty answers | 429 rate limited | Requests made | Retries | "
             "Records | Records lost or changed | Extra records | Seconds |",
             "|:--|--:|--:|--:|--:|--:|--:|--:|--:|"]
    lines += [f"| {r.profile} | {r.injected} | {r.rate_limited} | {r.requests} | {r.retries} "
              f"| {r.records} | {r.lost} | {r.extra} | {r.seconds:.1f} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    """Run the suite and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=10, help="customers of the emulator")
    parser.add_argument("--slice-range", type=int, default=60, help="days per window")
    parser.add_argument("--streams", nargs="*", help="streams to sync (default: all)")
    parser.add_argument("--write-readme", action="store_true",
                        help="also put the table into README.md")
    args = parser.parse_args()
    rows = run_suite(args.scale, args.streams, (*PROFILES[1:], COMBINED), args.slice_range)
    print(render(rows))
    if args.write_readme:
        text = README.read_text()
        start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
        README.write_text(text[:start] + "\n" + render(rows) + "\n" + text[end:])
    if any(r.lost or r.extra for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
