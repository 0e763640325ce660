"""The "connect" benchmark: a platform with 1,000 small Stripe Connect accounts.

Against an emulator with ``ACCOUNTS`` connected accounts of ``scale`` customers each (the
platform has the same scale), live-mode limits on and ``LATENCY_MS`` added to every request:

1. a first sync of ``CONNECT_STREAMS`` with ``connected_accounts: "all"`` (the platform plus
   every account of ``GET /v1/accounts``);
2. a sync from that run's final state, nothing changed (incremental);
3. a first sync with ``account_shard: SHARD`` (a quarter of the accounts).

Records are attributed to accounts by their ``stripe_account`` field, requests by the account
the emulator logged them for; the objects each account holds are computed from the emulator's
data sets. The benchmark fails (``BenchmarkError``: the figures are printed, none is recorded)
if the records of the first sync come from fewer accounts than the platform and its connected
accounts, if an account has fewer records than objects, if a sync fails or runs longer than
``RUN_TIMEOUT``.
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from array import array
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.connectors import OURS
from benchmarks.emulator import KEY, ROOT, EmulatorProcess

CONNECT_STREAMS = ["balance_transactions", "charges", "customers", "invoice_line_items",
                   "invoices", "payment_intents", "prices", "products", "subscriptions"]
ACCOUNTS = 1000
LATENCY_MS = 200
SHARD = "0/4"
# A sync still running after this long is stopped and the benchmark fails: at Stripe's 100
# requests/s, 100 requests for each of the 1,001 accounts take 17 minutes.
RUN_TIMEOUT = 30 * 60
STREAM = re.compile(rb'"stream": ?"([^"]+)"')
ACCOUNT = re.compile(rb'"stripe_account": ?"([^"]*)"')
STATE = re.compile(rb'\{"type": ?"STATE", ?"value": ?(\{.*\})\}')
NO_ACCOUNT = "(none)"
# An object id in a path (``/v1/invoices/in_1Abc/lines``): a segment with a digit or capital.
OBJECT_ID = re.compile(r"/(?:[a-z]+_)+[a-z]*[A-Z0-9][A-Za-z0-9]*")


class BenchmarkError(Exception):
    """A benchmark whose figures would be wrong: ``figures`` are printed, never recorded."""

    def __init__(self, message: str, figures: dict[str, Any]) -> None:
        super().__init__(message)
        self.figures = figures


class AccountSink:
    """Reads a sync's stdout: RECORD messages per account (``stripe_account``, ``(none)`` when
    a record has no such field) and per stream, STATE messages and their bytes, the last STATE
    value."""

    def __init__(self) -> None:
        self.records = 0
        self.output_bytes = 0
        self.states = 0
        self.state_bytes = 0
        self.largest_state = 0
        self.per_account: Counter[str] = Counter()
        self.per_stream: Counter[str] = Counter()
        self._state = b""  # the last STATE line, decoded only at the end (it can be large)
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        """Take the next bytes of the output."""
        self.output_bytes += len(chunk)
        data = self._tail + chunk
        cut = data.rfind(b"\n") + 1
        lines, self._tail = data[:cut], data[cut:]
        for line in lines.splitlines():
            if line.startswith((b'{"type":"RECORD"', b'{"type": "RECORD"')):
                self.records += 1
                stream = STREAM.search(line, 0, 200)
                self.per_stream[stream.group(1).decode() if stream else "?"] += 1
                account = ACCOUNT.search(line)
                self.per_account[account.group(1).decode() if account else NO_ACCOUNT] += 1
            elif line.startswith((b'{"type":"STATE"', b'{"type": "STATE"')):
                self._state = line
                self.states += 1
                self.state_bytes += len(line) + 1
                self.largest_state = max(self.largest_state, len(line) + 1)

    @property
    def state(self) -> dict[str, Any] | None:
        """The value of the last STATE message."""
        match = STATE.match(self._state)
        return json.loads(match.group(1)) if match else None


def _process_usage(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) and peak RSS (MB) of a running process, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0, 0.0
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    peak = re.search(r"VmHWM:\s+(\d+) kB", status)
    return cpu, int(peak.group(1)) / 1024 if peak else 0.0


def _spread(values: list[int]) -> dict[str, float]:
    """Min, median, mean and max of ``values`` (zeros when empty)."""
    if not values:
        return {"min": 0, "median": 0, "mean": 0, "max": 0}
    return {"min": min(values), "median": statistics.median(values),
            "mean": round(statistics.fmean(values), 1), "max": max(values)}


def _partitions(state: dict[str, Any] | None) -> dict[str, int]:
    """Per stream, the accounts with a bookmark of their own (singer-sdk partitions)."""
    bookmarks = (state or {}).get("bookmarks", {})
    return {stream: len({json.dumps(p.get("context"), sort_keys=True)
                         for p in mark.get("partitions") or []})
            for stream, mark in sorted(bookmarks.items())}


class _LogReader(threading.Thread):
    """Reads the emulator's request log every few seconds while a sync runs and keeps only
    counts (the emulator keeps its last 100,000 requests, fewer than a sync of 1,000 accounts
    can make; and a small benchmark process keeps ``wait4``'s peak RSS of the next tap low)."""

    def __init__(self, emu: EmulatorProcess, every: float = 3.0) -> None:
        super().__init__(daemon=True)
        self.emu = emu
        self.every = every
        self.per_account: Counter[str] = Counter()
        self.per_endpoint: Counter[str] = Counter()
        self.times = array("d")  # of the answered requests
        self.logged = 0
        self._serial = 0
        self._done = threading.Event()

    def _read(self) -> None:
        entries = self.emu.requests_since(self._serial)
        if not entries:
            return
        self._serial = entries[-1]["serial"]
        self.logged += len(entries)
        platform = self.emu.account
        for entry in entries:
            self.per_account[entry["account"] or platform] += 1
            self.per_endpoint[OBJECT_ID.sub("/{id}", entry["path"])] += 1
            if entry["status"]:
                self.times.append(entry["time"])

    def run(self) -> None:
        """Read until ``finish``."""
        while not self._done.wait(self.every):
            self._read()

    def finish(self) -> None:
        """Stop, then read what is left."""
        self._done.set()
        self.join()
        self._read()

    def rates(self) -> dict[str, float]:
        """Requests per second from the first to the last request, and over the middle 80%
        of them (as ``request_rate``)."""
        times = sorted(self.times)
        if len(times) < 2:
            return {"per_second": 0.0, "steady_per_second": 0.0}
        low, high = int(len(times) * 0.1), int(len(times) * 0.9)
        return {"per_second": round(len(times) / max(times[-1] - times[0], 1e-6), 1),
                "steady_per_second": round(
                    (high - low) / max(times[high - 1] - times[low], 1e-6), 1)}


def catalog_of(streams: list[str]) -> dict[str, Any]:
    """This tap's catalog with ``streams`` selected, made in a child process so that this one
    stays small (``wait4`` reports at least the spawning process's peak RSS for a child)."""
    found = subprocess.run(
        [sys.executable, "-c", "import json, sys; from tests.singer import catalog_for; "
         "print(json.dumps(catalog_for(sys.argv[1:])))", *streams],
        cwd=ROOT, capture_output=True, text=True, check=True)
    return dict(json.loads(found.stdout))


def run_tap(emu: EmulatorProcess, work: Path, catalog: dict[str, Any],
            settings: dict[str, Any], state: dict[str, Any] | None = None) -> dict[str, Any]:
    """One sync of ``catalog`` with the extra ``settings``: wall time, records per account
    and stream, requests per account (from the emulator's log, cleared first), 429s, the tap's
    CPU and peak RSS, the emulator's CPU."""
    work.mkdir(parents=True, exist_ok=True)
    config_path, catalog_path = work / "config.json", work / "catalog.json"
    config_path.write_text(json.dumps({**OURS.config(emu.base_url, KEY, emu.account),
                                       **settings}))
    catalog_path.write_text(json.dumps(catalog))
    state_path = None
    if state is not None:
        state_path = work / "state.json"
        state_path.write_text(json.dumps(state))
    emu.control("DELETE", "requests")
    emulator_cpu, _ = _process_usage(emu.pid)
    sink = AccountSink()
    log = _LogReader(emu)
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    with open(work / "stderr.log", "wb") as errors:
        child = subprocess.Popen(
            OURS.argv(emu.base_url, *OURS.sync_args(config_path, catalog_path, state_path)),
            stdout=subprocess.PIPE, stderr=errors, cwd=work)
        assert child.stdout is not None
        log.start()
        stopped = threading.Event()
        timer = threading.Timer(RUN_TIMEOUT, lambda: (stopped.set(), child.kill()))
        timer.start()
        while chunk := child.stdout.read(1 << 20):
            sink.feed(chunk)
        _, status, usage = os.wait4(child.pid, 0)
        exit_code = os.waitstatus_to_exitcode(status)
        timer.cancel()
    seconds = time.perf_counter() - started
    log.finish()
    emulator_cpu = _process_usage(emu.pid)[0] - emulator_cpu
    counters = emu.control("GET", "stats")
    platform = emu.account
    connected = [n for account, n in log.per_account.items() if account != platform]
    records = {a: n for a, n in sink.per_account.items() if a != NO_ACCOUNT}
    run: dict[str, Any] = {
        "settings": settings, "records": sink.records, "seconds": round(seconds, 2),
        "records_per_second": round(sink.records / seconds, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "peak_rss_floor_mb": round(floor, 1), "exit_code": exit_code,
        "requests": counters["requests"],
        "rate_429": counters["statuses"].get("429", 0),
        "errors": sum(n for s, n in counters["statuses"].items() if s not in ("200", "429")),
        **log.rates(),
        "requests_logged": log.logged,
        "accounts_requested": len(log.per_account),
        "platform_requests": log.per_account.get(platform, 0),
        "requests_per_connected_account": _spread(connected),
        "accounts_in_records": len(records),
        "records_without_account": sink.per_account.get(NO_ACCOUNT, 0),
        "platform_records": records.get(platform, 0),
        "records_per_connected_account": _spread(
            [n for account, n in records.items() if account != platform]),
        "streams": dict(sorted(sink.per_stream.items())),
        "output_mb": round(sink.output_bytes / 1e6, 1), "state_messages": sink.states,
        "state_mb": round(sink.state_bytes / 1e6, 1),
        "largest_state_kb": round(sink.largest_state / 1e3, 1),
        "endpoints": dict(log.per_endpoint.most_common(12)),
        "emulator_cpu_seconds": round(emulator_cpu, 2),
        "partitions": _partitions(sink.state),
        "final_state": sink.state, "record_counts": records,
    }
    if stopped.is_set():
        run["error"] = (f"stopped after {RUN_TIMEOUT // 60} minutes, with {sink.records:,} "
                        f"records from {len(records):,} accounts, {counters['requests']:,} "
                        f"requests, {sink.output_bytes / 1e6:,.0f} MB of output "
                        f"({sink.state_bytes / 1e6:,.0f} MB in {sink.states:,} STATE messages)")
    elif exit_code:
        lines = (work / "stderr.log").read_text(errors="replace").strip().splitlines()
        run["error"] = f"the tap exited with {exit_code}: {lines[-1] if lines else ''}"
    return run


def expected_objects(emu: EmulatorProcess, accounts: list[str], scale: int) -> dict[str, int]:
    """How many objects of ``CONNECT_STREAMS`` each account holds (the emulator's ground truth,
    computed from its data sets the way it generates them)."""
    from tests.emulator import catalog
    from tests.emulator.dataset import Dataset, Shape

    collections = [catalog.STREAMS[s][0] for s in CONNECT_STREAMS]
    expected = {}
    for account in [emu.account, *accounts]:
        platform = account == emu.account
        # How many objects a data set holds does not depend on its time anchor.
        counts = Dataset(Shape(seed=emu.seed, account=account, scale=scale, anchor=0,
                               livemode=True, platform=platform,
                               connected_accounts=len(accounts) if platform else 0)).counts
        expected[account] = sum(counts[c] for c in collections)
    return expected


def _list_accounts(emu: EmulatorProcess) -> list[str]:
    """Every account ``GET /v1/accounts`` lists, paging 100 at a time."""
    found: list[str] = []
    cursor = ""
    while True:
        request = urllib.request.Request(
            f"{emu.base_url}/v1/accounts?limit=100{cursor}",
            headers={"Authorization": f"Bearer {KEY}"})
        with urllib.request.urlopen(request, timeout=120) as answer:
            page = json.loads(answer.read())
        found += [account["id"] for account in page["data"]]
        if not page["has_more"] or not page["data"]:
            return found
        cursor = f"&starting_after={found[-1]}"


def connect(work: Path, scale: int, *, accounts: int = ACCOUNTS) -> dict[str, Any]:
    """The three runs (see the module docstring); raises ``BenchmarkError`` when the first
    sync did not read every account."""
    results: dict[str, Any] = {"scale": scale, "accounts": accounts,
                               "latency_ms": LATENCY_MS, "streams": CONNECT_STREAMS}
    started = time.perf_counter()
    with EmulatorProcess(scale, connected_accounts=accounts, connected_scale=scale) as emu:
        results["emulator_start_seconds"] = round(time.perf_counter() - started, 2)
        results["emulator_idle_rss_mb"] = round(_process_usage(emu.pid)[1], 1)
        connected = list(emu.info["accounts"])
        listed = _list_accounts(emu)
        results["accounts_listed"] = len(set(listed))
        results["accounts_listed_match"] = sorted(listed) == sorted(connected)
        expected = expected_objects(emu, connected, scale)
        results["objects"] = sum(expected.values())
        results["objects_per_connected_account"] = _spread(
            [n for a, n in expected.items() if a != emu.account])
        catalog = catalog_of(CONNECT_STREAMS)
        emu.configure(rate_limit="live", latency_ms=LATENCY_MS)
        first = run_tap(emu, work / "all", catalog, {"connected_accounts": "all"})
        results["all"] = first
        if "error" in first:  # the other runs need its final state and its accounts
            first.pop("final_state")
            first.pop("record_counts")
            results["emulator_peak_rss_mb"] = round(_process_usage(emu.pid)[1], 1)
            results["seconds"] = round(time.perf_counter() - started, 1)
            raise BenchmarkError(f"first sync: {first['error']}; no figures recorded",
                                 results)
        results["incremental"] = run_tap(emu, work / "incremental", catalog,
                                         {"connected_accounts": "all"},
                                         state=first["final_state"])
        shard = run_tap(emu, work / "shard", catalog, {"connected_accounts": "all",
                                                       "account_shard": SHARD})
        shard["outside_all"] = len(set(shard["record_counts"]) - set(first["record_counts"]))
        results["shard"] = shard
        results["emulator_peak_rss_mb"] = round(_process_usage(emu.pid)[1], 1)
    results["seconds"] = round(time.perf_counter() - started, 1)
    # Accounts whose records are fewer than the objects they hold (read partly or not at all).
    first["accounts_short"] = sum(1 for account, n in expected.items()
                                  if first["record_counts"].get(account, 0) < n)
    first["platform_objects"] = expected[emu.account]
    for run in (first, results["incremental"], shard):
        run.pop("final_state")
        run.pop("record_counts")
    problems = [f"{name} run: {results[name]['error']}"
                for name in ("all", "incremental", "shard") if "error" in results[name]]
    if not results["accounts_listed_match"]:
        problems.append(f"the emulator's GET /v1/accounts lists {results['accounts_listed']:,} "
                        f"accounts, not its {accounts:,}")
    wanted = accounts + 1
    if first["accounts_in_records"] < wanted:
        problems.append(
            f"the records of the connected_accounts=\"all\" run come from "
            f"{first['accounts_in_records']:,} accounts, not {wanted:,} (the platform and its "
            f"{accounts:,} connected accounts; {first['records_without_account']:,} of "
            f"{first['records']:,} records have no stripe_account field): the tap does not "
            "read every connected account")
    elif first["accounts_short"]:
        problems.append(
            f"{first['accounts_short']:,} accounts have fewer records than the objects they "
            "hold in the connected_accounts=\"all\" run: the tap misses records")
    if problems:
        raise BenchmarkError("; ".join(problems) + "; no figures recorded",
                             results)
    return results


def _range(spread: dict[str, float]) -> str:
    return f"{spread['min']:g} / {spread['median']:g} / {spread['max']:g}"


def connect_report(conn: dict[str, Any]) -> str:
    """The connect results as Markdown (a line saying why there are none after a failure)."""
    if "error" in conn:
        return (f"**Connect** (a platform with {ACCOUNTS:,} connected accounts): no figures, "
                f"the last run ({conn['measured']}) failed: {conn['error']}.")
    rows = []
    for label, key in (("first sync, all accounts", "all"),
                       ("incremental, nothing changed", "incremental"),
                       (f"first sync, account_shard {SHARD}", "shard")):
        run = conn[key]
        rows.append([label, f"{run['accounts_in_records']:,}", f"{run['records']:,}",
                     run["seconds"], run["records_per_second"], f"{run['requests']:,}",
                     _range(run["requests_per_connected_account"]), run["platform_requests"],
                     run["per_second"], run["rate_429"], run["cpu_seconds"],
                     run["peak_rss_mb"], run["emulator_cpu_seconds"]])
    header = ["run", "accounts in records", "records", "seconds", "records/s", "requests",
              "requests per connected account (min / median / max)", "platform requests",
              "requests/s", "429s", "tap CPU s", "tap peak RSS MB", "emulator CPU s"]
    table = "\n".join(
        ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows])
    first, shard = conn["all"], conn["shard"]
    objects = conn["objects_per_connected_account"]
    kept = sorted(set(first["partitions"].values())) or [0]
    partitions = f"{kept[0]:,}" if len(kept) == 1 else f"{kept[0]:,} to {kept[-1]:,}"
    outside = (f" ({shard['outside_all']:,} of them not read by the first sync)"
               if shard["outside_all"] else "")
    return (
        f"**Connect**: a platform and {conn['accounts']:,} connected accounts of emulator "
        f"scale {conn['scale']} each ({objects['min']:g} to {objects['max']:g} objects per "
        f"connected account in {', '.join(conn['streams'])}; {conn['objects']:,} objects in "
        f"all), `connected_accounts: \"all\"`, {conn['latency_ms']} ms a request, live-mode "
        "limits (the emulator applies them per account acted on):\n\n" + table
        + "\n\nRecords per connected account (min / median / max): "
        f"{_range(first['records_per_connected_account'])}, the platform "
        f"{first['platform_records']:,}; no account has fewer records than objects. "
        f"Output of the first sync: {first['output_mb']:,} MB, {first['state_mb']:,} MB of it in "
        f"{first['state_messages']:,} STATE messages (the largest {first['largest_state_kb']:,} "
        f"KB); bookmarks per stream in the final state: {partitions} account partitions. The "
        f"shard read {shard['accounts_in_records']:,} of the {conn['accounts'] + 1:,} accounts"
        f"{outside}. "
        f"Emulator: ready {conn['emulator_start_seconds']} s after launch, "
        f"{conn['emulator_idle_rss_mb']} MB RSS idle, {conn['emulator_peak_rss_mb']} MB at its "
        f"peak; `GET /v1/accounts` lists all {conn['accounts_listed']:,} accounts. Whole "
        f"benchmark: {conn['seconds'] / 60:.1f} minutes.")
