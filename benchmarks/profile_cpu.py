"""Where the tap's CPU goes, by kind of thread and by function: a profile of the ``cpu``
benchmark's syncs (no latency, no limits, emulator scale 10000).

    python benchmarks/profile_cpu.py                   # customers, invoices, charges
    python benchmarks/profile_cpu.py customers -n 25   # one kind, 25 functions per thread

Each thread of the tap runs under its own ``cProfile`` profiler timed by the thread's own CPU
clock (``time.thread_time``: time spent waiting costs nothing), the profilers merged by kind
of thread (``http``, ``passes``, ``main``, as ``thread_cpu.py`` names them); the table
prints each function's own time (``tottime``) and its time with what it calls (``cumtime``) in
µs per request and per record. A deterministic profiler adds its own cost to every call, so
the figures are larger than the ``cpu`` benchmark's (which has no profiler): read them for the
ranking and the proportions. The deadline watchdog's thread is left out: its CPU is nil
(``thread_cpu.py``), but this profiler counted its waits on a condition as seconds of its own
time. Run as the tap's launcher (arguments of a sync), the script is the profiled tap itself
and writes ``profile-<kind>.pstats`` in its working folder.
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import marshal
import pstats
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

KINDS = ("http", "passes", "main")


def _kind(name: str) -> str:
    if name.startswith(("tap-stripe-http", "tap-stripe-deadlines")):
        return "http"
    return "passes" if name.startswith("tap-stripe-") else "main"


def launch() -> None:
    """Run the tap (``tap_stripe.tap.main``) with every thread profiled; write the merged
    profile of each kind of thread when it ends."""
    profiles: list[tuple[str, cProfile.Profile]] = []
    lock = threading.Lock()
    run = threading.Thread.run

    def profiled(thread: threading.Thread) -> None:
        if thread.name.startswith("tap-stripe-deadlines"):
            run(thread)  # see the module: its waits would be counted as its time
            return
        profile = cProfile.Profile(time.thread_time)
        with lock:
            profiles.append((_kind(thread.name), profile))
        profile.enable()
        try:
            run(thread)
        finally:
            profile.disable()

    def write() -> None:
        main.disable()
        by_kind: dict[str, Any] = {}
        for kind, profile in [("main", main), *profiles]:
            profile.create_stats()
            if kind in by_kind:
                by_kind[kind].add(profile)
            else:
                by_kind[kind] = pstats.Stats(profile)
        for kind, stats in by_kind.items():
            with open(f"profile-{kind}.pstats", "wb") as out:
                marshal.dump(stats.stats, out)  # type: ignore[attr-defined]

    threading.Thread.run = profiled  # type: ignore[method-assign]
    from tap_stripe.tap import main as tap_main

    main = cProfile.Profile(time.thread_time)
    atexit.register(write)
    sys.argv[0] = "tap-stripe"
    main.enable()
    tap_main()


def _label(func: tuple[str, int, str]) -> str:
    path, line, name = func
    if path == "~":
        return name
    parts = Path(path).parts
    short = "/".join(parts[parts.index("site-packages") + 1:] if "site-packages" in parts
                     else parts[-2:])
    return f"{short}:{line}({name})"


def table(stats_path: Path, requests: int, records: int, top: int) -> str:
    """The ``top`` functions of one kind of thread by own time, in µs per request and
    record."""
    stats = pstats.Stats(str(stats_path))
    rows = sorted(stats.stats.items(),  # type: ignore[attr-defined]
                  key=lambda item: item[1][2], reverse=True)
    total = sum(entry[2] for _, entry in rows)
    lines = [f"total own time {total:.2f} s: {total / requests * 1e6:,.0f} µs per request, "
             f"{total / records * 1e6:.1f} µs per record", "",
             "| function | calls per request | own µs/request | own µs/record "
             "| with callees µs/record |", "|---|---|---|---|---|"]
    for func, (_, calls, own, cumulative, _) in rows[:top]:
        lines.append(f"| `{_label(func)}` | {calls / requests:.1f} "
                     f"| {own / requests * 1e6:,.0f} | {own / records * 1e6:.2f} "
                     f"| {cumulative / records * 1e6:.2f} |")
    return "\n".join(lines)


def profile(kinds: list[str], top: int, keep: Path | None) -> None:
    """Profile the ``cpu`` benchmark's syncs of ``kinds`` and print the tables; the
    profiles are kept in ``keep`` (``<stream>/profile-<kind>.pstats``) when given."""
    from benchmarks.connectors import OURS, Connector
    from benchmarks.emulator import EmulatorProcess
    from benchmarks.run import CPU_STREAMS, sync

    profiled = Connector(OURS.name, launcher="profile_cpu.py")
    chosen = {label: streams for label, streams in CPU_STREAMS.items()
              if streams[0].rstrip("s") in {k.rstrip("s") for k in kinds}}
    with tempfile.TemporaryDirectory() as folder, EmulatorProcess(10000) as emu:
        emu.configure(rate_limit="off", latency_ms=0)
        for label, streams in chosen.items():
            work = (keep or Path(folder)) / streams[0]
            sync(OURS, emu, work, streams)  # fills the emulator caches
            run = sync(profiled, emu, work, streams)
            print(f"## {label}: {run['records']:,} records, {run['requests']:,} requests "
                  f"({run['records'] / max(run['requests'], 1):.1f} records a request)\n")
            for kind in KINDS:
                path = work / f"profile-{kind}.pstats"
                if path.exists():
                    print(f"### {kind}\n\n"
                          + table(path, max(run["requests"], 1), max(run["records"], 1), top)
                          + "\n")


if __name__ == "__main__":
    if "--config" in sys.argv:
        launch()
    else:
        parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
        parser.add_argument("kinds", nargs="*", default=["customers", "invoices", "charges"])
        parser.add_argument("-n", type=int, default=15, help="functions per kind of thread")
        parser.add_argument("--keep", type=Path, help="folder to keep the profiles in (for "
                            "pstats: callers, callees)")
        options = parser.parse_args()
        profile(options.kinds, options.n, options.keep and options.keep.resolve())
