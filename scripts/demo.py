"""One-command demo: a realistic Stripe account on the emulator, loaded by Meltano into DuckDB.

Starts the project's Stripe emulator as a separate process (a few thousand objects, no rate
limits), runs ``meltano run tap-stripe target-duckdb`` against it, then prints the rows loaded
per table next to the emulator's own counts, and revenue by month computed from the loaded
charges. Everything it starts is stopped at the end, also on Ctrl-C or failure.

Run it with ``make demo`` (or ``.venv/bin/python scripts/demo.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "output"
EMULATOR_LOG = OUTPUT / "demo-emulator.log"
MELTANO = Path(sys.executable).parent / "meltano"
TARGET = "target-duckdb"
SCHEMA = "stripe"
MONTHS = 12
REVENUE_SQL = f"""
SELECT strftime(to_timestamp(created::BIGINT), '%Y-%m') AS month, upper(currency) AS currency,
       sum(amount - amount_refunded)::BIGINT AS net_minor_units
FROM {SCHEMA}.charges WHERE status = 'succeeded' GROUP BY ALL
"""


def read_ready_line(process: subprocess.Popen[bytes], timeout: float = 60) -> dict[str, Any]:
    """The JSON line the emulator prints once it serves (base_url, secret_key, objects)."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline() if ready else b""
    if not line.startswith(b"{"):
        raise SystemExit(f"the emulator did not start within {timeout:.0f} s "
                         f"(exit code {process.poll()}); see {EMULATOR_LOG}")
    info: dict[str, Any] = json.loads(line)
    return info


def _signal_group(pgid: int, number: int) -> bool:
    """Send signal ``number`` to process group ``pgid``; False when the group is gone."""
    try:
        os.killpg(pgid, number)
    except ProcessLookupError:
        return False
    return True


def stop(process: subprocess.Popen[Any], grace: float = 10) -> None:
    """Stop ``process`` and what it started (its own session): SIGTERM, then SIGKILL for
    whatever is still there after ``grace`` seconds (also orphans of an exited leader)."""
    if process.poll() is None:
        _signal_group(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and _signal_group(process.pid, 0):
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.2)
    _signal_group(process.pid, signal.SIGKILL)
    process.wait()


@contextlib.contextmanager
def emulator(seed: int, scale: int) -> Iterator[dict[str, Any]]:
    """Run the emulator in its own process while the block runs; yield its ready line."""
    cmd = [sys.executable, "-m", "tests.emulator", "--port", "0", "--seed", str(seed),
           "--scale", str(scale), "--rate-limit", "off"]
    with EMULATOR_LOG.open("wb") as log:
        process = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=log,
                                   start_new_session=True)
        try:
            yield read_ready_line(process)
        finally:
            stop(process)


class Meltano:
    """Meltano commands on the repository's meltano.yml, logged to one file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = {**os.environ, **env}
        self.log = log

    def __call__(self, *args: str) -> str:
        """Run ``meltano ARGS``; return stdout; exit with the log's tail on failure."""
        with self.log.open("a") as log:
            log.write(f"\n$ meltano {' '.join(args)}\n")
            log.flush()
            # its own session, so that stop() also ends the tap and target it starts
            process = subprocess.Popen([str(MELTANO), *args], cwd=ROOT, env=self.env, text=True,
                                       stdout=subprocess.PIPE, stderr=log,
                                       start_new_session=True)
            try:
                out, _ = process.communicate()
            finally:
                stop(process)
        if process.returncode != 0:
            tail = "".join(self.log.read_text().splitlines(keepends=True)[-30:])
            raise SystemExit(f"meltano {' '.join(args)} failed ({process.returncode}); "
                             f"end of {self.log}:\n{tail}")
        return out

    def sql(self, query: str) -> list[dict[str, Any]]:
        """Rows of ``query`` on the DuckDB file (the target's ``sql`` command)."""
        out = self("invoke", f"{TARGET}:sql", " ".join(query.split()))
        return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def row_counts(meltano: Meltano) -> dict[str, int]:
    """Rows per loaded table."""
    tables = [r["table_name"] for r in meltano.sql(
        f"SELECT table_name FROM information_schema.tables WHERE table_schema = '{SCHEMA}'")]
    if not tables:
        return {}
    union = " UNION ALL ".join(
        f"SELECT '{t}' AS t, count(*) AS n FROM {SCHEMA}.\"{t}\"" for t in sorted(tables))
    return {r["t"]: int(r["n"]) for r in meltano.sql(union)}


def emulator_counts(base_url: str, tables: list[str]) -> dict[str, int]:
    """Objects the emulator holds per tap stream (its ground truth, from its control API)."""
    counts = {}
    for table in tables:
        # the event log has its own endpoint; every other stream is an objects kind
        path, field = ("events", "events") if table == "events" else \
            (f"objects?kind={table}", "objects")
        with urllib.request.urlopen(f"{base_url}/_emulator/{path}") as answer:
            counts[table] = len(json.load(answer)[field])
    return counts


def revenue_by_month(meltano: Meltano) -> tuple[list[str], list[tuple[str, ...]]]:
    """Net charge revenue per month (rows) and currency (columns), newest month first."""
    rows = meltano.sql(REVENUE_SQL)
    currencies = sorted({r["currency"] for r in rows})
    months: dict[str, dict[str, float]] = {}
    for r in rows:
        months.setdefault(r["month"], {})[r["currency"]] = int(r["net_minor_units"]) / 100
    table = [(month, *(f"{amounts.get(c, 0):,.2f}" for c in currencies))
             for month, amounts in sorted(months.items(), reverse=True)[:MONTHS]]
    return currencies, table


def print_table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Print ``rows`` aligned under ``headers``: the first column left, the others right."""
    widths = [max(len(row[i]) for row in (headers, *rows)) for i in range(len(headers))]
    for n, row in enumerate((headers, *rows)):
        first, *rest = (row[i].ljust(w) if i == 0 else row[i].rjust(w)
                        for i, w in enumerate(widths))
        print(("  " + "  ".join((first, *rest))).rstrip())
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def print_counts(counts: dict[str, int], truth: dict[str, int]) -> bool:
    """Print the rows loaded per table beside the emulator's count; whether all agree."""
    print_table(("table", "rows", "emulator", ""),
                [(t, f"{n:,}", f"{truth[t]:,}", "" if n == truth[t] else "<- differs")
                 for t, n in sorted(counts.items())])
    return all(n == truth[t] for t, n in counts.items())


def main(argv: list[str] | None = None) -> int:
    """Run the demo; return the process exit code."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=42, help="seed of the emulated account")
    parser.add_argument("--scale", type=int, default=120,
                        help="customers of the emulated account (about 28 objects each)")
    args = parser.parse_args(argv)
    OUTPUT.mkdir(exist_ok=True)
    database, log = OUTPUT / "demo.duckdb", OUTPUT / "demo-meltano.log"
    database.unlink(missing_ok=True)
    log.unlink(missing_ok=True)
    started = time.monotonic()
    with emulator(args.seed, args.scale) as stripe:
        print(f"Stripe emulator at {stripe['base_url']}: {stripe['objects']:,} objects "
              f"(seed {args.seed}, scale {args.scale}, rate limits off)")
        meltano = Meltano({"TAP_STRIPE_CLIENT_SECRET": stripe["secret_key"],
                           "TAP_STRIPE_API_BASE": stripe["base_url"],
                           "TARGET_DUCKDB_FILEPATH": str(database),
                           "MELTANO_CLI_DISABLE_VERSION_CHECK": "true"}, log)
        print("meltano install (plugins are reused once installed) ...", flush=True)
        meltano("install", "--plugin-type", "extractor", "tap-stripe")
        meltano("install", "--plugin-type", "loader", TARGET)
        print(f"meltano run tap-stripe {TARGET} ... (log: {log.relative_to(ROOT)})", flush=True)
        run_started = time.monotonic()
        meltano("run", "--full-refresh", "--no-state-update", "tap-stripe", TARGET)
        run_seconds = time.monotonic() - run_started
        counts = row_counts(meltano)
        truth = emulator_counts(stripe["base_url"], sorted(counts))
    print(f"\nLoaded {sum(counts.values()):,} rows into {len(counts)} tables of "
          f"{database.relative_to(ROOT)} in {run_seconds:.0f} s:\n")
    print_counts(counts, truth)
    currencies, revenue = revenue_by_month(meltano)
    print(f"\nNet revenue from succeeded charges (refunds deducted), last {MONTHS} months:\n")
    print_table(("month", *currencies), revenue)
    print(f"\nDone in {time.monotonic() - started:.0f} s. Query the data yourself:\n"
          f"  TARGET_DUCKDB_FILEPATH={database.relative_to(ROOT)} "
          f"{MELTANO.relative_to(ROOT)} invoke {TARGET}:sql \"SELECT count(*) FROM "
          f"{SCHEMA}.customers\"")
    return 0


def _interrupt(number: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_main(entry: Callable[[], int]) -> None:
    """Run ``entry`` and exit with its code. Ctrl-C and SIGTERM both unwind through its
    cleanup (even where the caller had SIGINT ignored, as for background jobs)."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        sys.exit(entry())
    except KeyboardInterrupt:
        print("\ninterrupted: everything the demo started is stopped", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    run_main(main)
