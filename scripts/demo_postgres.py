"""One-command demo into PostgreSQL: the emulator, loaded by Meltano into a local PostgreSQL.

Starts a throwaway PostgreSQL server (``tests/postgres.py``: a fresh cluster on a free loopback
port, run as the ``postgres`` user when this runs as root, because ``initdb`` refuses root) and
the project's Stripe emulator, runs ``meltano run tap-stripe target-postgres`` with the
``TARGET_POSTGRES_*`` variables the README documents, then prints the rows loaded per table next
to the emulator's own counts. Everything it starts is stopped at the end, also on Ctrl-C.

Run it with ``make demo-postgres`` (or ``.venv/bin/python -m scripts.demo_postgres``).
"""

from __future__ import annotations

import argparse
import sys
import time

from scripts.demo import OUTPUT, ROOT, Meltano, emulator, emulator_counts, print_counts, run_main
from tests.postgres import PostgresServer, find_bin_dir

TARGET = "target-postgres"
SCHEMA = "stripe"


def row_counts(server: PostgresServer) -> dict[str, int]:
    """Rows per loaded table."""
    tables = sorted(server.tables(SCHEMA))
    if not tables:
        return {}
    union = " UNION ALL ".join(
        f"SELECT '{t}' AS t, count(*) AS n FROM {SCHEMA}.\"{t}\"" for t in tables)
    return {r["t"]: int(r["n"]) for r in server.query(union)}


def main(argv: list[str] | None = None) -> int:
    """Run the demo; return the process exit code."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=42, help="seed of the emulated account")
    parser.add_argument("--scale", type=int, default=120,
                        help="customers of the emulated account (about 28 objects each)")
    args = parser.parse_args(argv)
    bin_dir = find_bin_dir()
    if bin_dir is None:
        print("PostgreSQL is not installed (no initdb on PATH or under "
              "/usr/lib/postgresql/*/bin): install it (Debian: apt-get install postgresql) or "
              "run make demo, which needs no server.", file=sys.stderr)
        return 1
    OUTPUT.mkdir(exist_ok=True)
    log = OUTPUT / "demo-postgres-meltano.log"
    log.unlink(missing_ok=True)
    started = time.monotonic()
    server = PostgresServer(bin_dir)
    try:
        server.start()
        print(f"PostgreSQL {bin_dir.parent.name} at 127.0.0.1:{server.port} (a throwaway "
              f"cluster in {server.root})")
        with emulator(args.seed, args.scale) as stripe:
            print(f"Stripe emulator at {stripe['base_url']}: {stripe['objects']:,} objects "
                  f"(seed {args.seed}, scale {args.scale})")
            meltano = Meltano({**server.target_env(),
                               "TARGET_POSTGRES_DEFAULT_TARGET_SCHEMA": SCHEMA,
                               "TAP_STRIPE_CLIENT_SECRET": stripe["secret_key"],
                               "TAP_STRIPE_API_BASE": stripe["base_url"],
                               "MELTANO_CLI_DISABLE_VERSION_CHECK": "true"}, log)
            print("meltano install tap-stripe target-postgres (reused once installed) ...",
                  flush=True)
            meltano("install", "tap-stripe", TARGET)
            print(f"meltano run tap-stripe {TARGET} ... (log: {log.relative_to(ROOT)})",
                  flush=True)
            run_started = time.monotonic()
            meltano("run", "--full-refresh", "--no-state-update", "tap-stripe", TARGET)
            run_seconds = time.monotonic() - run_started
            counts = row_counts(server)
            truth = emulator_counts(stripe["base_url"], sorted(counts))
        print(f"\nLoaded {sum(counts.values()):,} rows into {len(counts)} tables of schema "
              f"{SCHEMA} in {run_seconds:.0f} s:\n")
        agree = print_counts(counts, truth)
        print(f"\nDone in {time.monotonic() - started:.0f} s; the server is stopped now. Your "
              "own PostgreSQL: README.md, \"Meltano into PostgreSQL\".")
        return 0 if agree else 1
    finally:
        server.stop()


if __name__ == "__main__":
    run_main(main)
