"""Runs this tap (``tap_stripe.tap.main`` with the arguments given) and, when it ends, writes
to stderr the CPU (user + system) each kind of thread used, as one line
``thread CPU {json}``: ``start-up`` (imports, on the main thread), ``main`` (the sync loop and
the writer), ``http`` (the request workers: stripe-python, requests, decoding the pages, and
the deadline watchdog), ``passes`` (the background passes: family scans and the events hub,
children, stamps, channels); and the whole process's CPU (``time.process_time``) as the sync
starts (``before sync``: imports, the catalog, the tap's construction) and at exit
(``process``), so that a sync's CPU is taken without its start-up in the same process. Used by
``run.py cpu``; changes nothing in the tap (it notes the time as ``TapStripe.sync_all`` is
called).

A thread's CPU is read from ``time.thread_time`` when it ends, and from
``/proc/self/task/<id>/stat`` (Linux) for those still alive at exit.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading
import time

_CPU: dict[str, float] = {}
_LOCK = threading.Lock()
_run = threading.Thread.run


def _kind(name: str) -> str:
    if name.startswith(("tap-stripe-http", "tap-stripe-deadlines")):
        return "http"
    return "passes" if name.startswith("tap-stripe-") else "other"


def _counted(thread: threading.Thread) -> None:
    try:
        _run(thread)
    finally:
        with _LOCK:
            kind = _kind(thread.name)
            _CPU[kind] = _CPU.get(kind, 0.0) + time.thread_time()


def _alive(thread: threading.Thread) -> float:
    """CPU seconds of a thread still running (0 where /proc is missing)."""
    try:
        with open(f"/proc/self/task/{thread.native_id}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _report(started: float) -> None:
    _CPU["process"] = time.process_time()
    _CPU["main"] = time.thread_time() - started
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and thread.native_id:
            kind = _kind(thread.name)
            _CPU[kind] = _CPU.get(kind, 0.0) + _alive(thread)
    sys.stderr.write(f"thread CPU {json.dumps({k: round(v, 4) for k, v in _CPU.items()})}\n")


threading.Thread.run = _counted  # type: ignore[method-assign,assignment]
_before = time.thread_time()
from tap_stripe.tap import TapStripe, main  # noqa: E402

_CPU["start-up"] = time.thread_time() - _before
_sync_all = TapStripe.sync_all


def _noted_sync_all(tap: TapStripe) -> None:
    """The tap's sync, the process's CPU noted as it starts."""
    _CPU["before sync"] = time.process_time()
    _sync_all(tap)


TapStripe.sync_all = _noted_sync_all  # type: ignore[method-assign,misc,assignment]
atexit.register(_report, time.thread_time())
sys.argv[0] = "tap-stripe"
main()
