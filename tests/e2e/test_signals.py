"""SIGTERM and Ctrl-C at many chosen moments of a sync against the emulator.

Every stopped run must end with ``StopRequested`` (exit code 128 + the signal number from the
command line), print its last STATE as its last line, leave no temporary file and no thread
behind, and resume from that STATE to every object of the emulator. The moments are made
deterministic: the signal is raised while the scheduler's lock is held (where the old handler
deadlocked), after the n-th Singer message or STATE, or when the emulator receives the n-th
request. Most runs are in-process; a dozen run the real command line.
"""

from __future__ import annotations

import faulthandler
import io
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import tap_stripe.http
import tap_stripe.run
from benchmarks.faults import start_date, tap_files
from tap_stripe import shutdown
from tap_stripe.run import Run
from tap_stripe.scheduler import Scheduler
from tap_stripe.shutdown import StopRequested
from tap_stripe.tap import TapStripe
from tap_stripe.writer import BufferedWriter
from tests.emulator import Emulator
from tests.singer import Output, catalog_for
from tests.singer import run_tap as run_to_the_end

DAY = 86_400
SIGNALS = [signal.SIGTERM, signal.SIGINT]
STREAMS = ["files", "customers", "bank_accounts", "payment_methods", "invoices",
           "invoice_line_items", "subscriptions", "subscription_items", "products"]
HANG_GUARD_SECONDS = 300


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator(seed=11, scale=2, clock=int(time.time()) - DAY) as emu:
        yield emu


@pytest.fixture(scope="module")
def truth(emulator: Emulator) -> dict[str, set[str]]:
    return {s: {o["id"] for o in emulator.objects(s)} for s in STREAMS}


def config(emulator: Emulator) -> dict[str, Any]:
    return {"client_secret": emulator.secret_key, "api_base": emulator.base_url,
            "start_date": start_date(emulator), "slice_range": 90,
            "max_requests_per_second": 100}


@pytest.fixture(scope="module", autouse=True)
def brief_idle() -> Iterator[None]:
    """The deadline watchdog ends 0.05 s after the last request instead of 2 s: every test
    waits for the tap's threads to end by themselves, and with the tap's own idle time each
    in-process test spent 2 of its 3 s waiting for it (84 s of the module)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tap_stripe.http, "IDLE_SECONDS", 0.05)
        patch.setattr(tap_stripe.http, "POLL_SECONDS", 0.05)  # how soon it notices
        yield


@pytest.fixture(autouse=True)
def handlers() -> Iterator[None]:
    """pytest's signal handlers back after the taps of a test installed theirs; a hang (the
    old handler's deadlock) fails the session instead of blocking it."""
    saved = {s: signal.getsignal(s) for s in SIGNALS}
    faulthandler.dump_traceback_later(HANG_GUARD_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()
    for signum, handler in saved.items():
        signal.signal(signum, handler)


@pytest.fixture
def stoppable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh stop note, channels that spill after two items, and an empty temporary folder
    (returned); ``monkeypatch.undo()`` puts everything back."""
    monkeypatch.setattr(shutdown, "_signal", None)
    monkeypatch.setattr(Run, "concurrency", replace(Run.concurrency, channel_items=2))
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return temp


class Trigger:
    """Sends ``signum`` to ``pid`` (this process by default) at the ``at``-th call."""

    def __init__(self, signum: int, at: int, pid: int | None = None) -> None:
        self.signum, self.at, self.pid = signum, at, pid or os.getpid()
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            self.calls += 1
            fire = self.calls == self.at
        if fire:
            os.kill(self.pid, self.signum)

    @property
    def fired(self) -> bool:
        return self.calls >= self.at


class SignalLock:
    """The scheduler's lock, sending the signal from the main thread while it holds it."""

    def __init__(self, trigger: Trigger) -> None:
        self._lock = threading.Lock()
        self._trigger = trigger

    def __enter__(self) -> SignalLock:
        self._lock.acquire()
        if threading.current_thread() is threading.main_thread():
            self._trigger()  # the handler runs on this thread, inside the ``with`` block
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def hook_lock(monkeypatch: pytest.MonkeyPatch, trigger: Trigger) -> None:
    class LockedScheduler(Scheduler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._lock = SignalLock(trigger)  # type: ignore[assignment]

    monkeypatch.setattr(tap_stripe.run, "Scheduler", LockedScheduler)


def hook_messages(monkeypatch: pytest.MonkeyPatch, trigger: Trigger,
                  kind: str | None = None) -> None:
    """Fire after the n-th Singer message written (of ``kind`` only, if given); the RECORDs of
    streams that pass records through are written by ``write_records``, a list at a time."""
    write, write_records = BufferedWriter.write_message, BufferedWriter.write_records

    def counted(self: BufferedWriter, message: Any) -> None:
        write(self, message)
        if kind is None or message.type == kind:
            trigger()

    def counted_records(self: BufferedWriter, stream: str, records: list[Any],
                        *args: Any) -> None:
        write_records(self, stream, records, *args)
        if kind is None:
            for _ in records:
                trigger()

    monkeypatch.setattr(BufferedWriter, "write_message", counted)
    monkeypatch.setattr(BufferedWriter, "write_records", counted_records)


def hook_requests(monkeypatch: pytest.MonkeyPatch, emulator: Emulator,
                  trigger: Trigger) -> None:
    """Fire when the emulator receives the n-th request (from its own thread)."""
    draw = emulator.app.faults.draw

    def counted() -> Any:
        trigger()
        return draw()

    monkeypatch.setattr(emulator.app.faults, "draw", counted)


def stopped_run(cfg: dict[str, Any]) -> tuple[Output, StopRequested]:
    """Sync in-process until the signal stops it; its output and the StopRequested."""
    raw = io.BytesIO()
    text = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    tap = TapStripe(config=cfg, catalog=catalog_for(STREAMS, lean=True))
    with redirect_stdout(text), pytest.raises(StopRequested) as stop:
        tap.sync_all()
    text.flush()
    return Output.parse(raw.getvalue().decode()), stop.value


def tap_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("tap-stripe")]


def assert_stopped_cleanly(output: Output, stop: StopRequested, signum: int,
                           temp: Path) -> dict[str, Any]:
    """The common checks; the last STATE."""
    assert stop.signum == signum
    assert stop.exit_code == 128 + signum
    assert output.messages[-1]["type"] == "STATE"
    last = output.messages[-1]["value"]
    assert isinstance(last.get("bookmarks", {}), dict)
    assert not list(temp.iterdir())
    deadline = time.monotonic() + 30
    while tap_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not tap_threads()
    return last


def resumes(cfg: dict[str, Any], first: Output, state: dict[str, Any],
            truth: dict[str, set[str]]) -> None:
    """A run from ``state`` completes, and the two runs together deliver every object."""
    assert shutdown.requested() is None
    second = run_to_the_end(cfg, STREAMS, state or None)
    union = {s: {r["id"] for r in first.records.get(s, [])}
             | {r["id"] for r in second.records.get(s, [])} for s in STREAMS}
    assert union == truth


MOMENTS: list[tuple[str, int]] = [
    *(("lock", n) for n in (1, 2, 3, 5, 8, 12)),
    *(("message", n) for n in (1, 4, 30, 90, 160)),
    *(("state", n) for n in (1, 2, 5, 20, 60)),
    *(("request", n) for n in (1, 2, 5, 9, 14)),
]


@pytest.mark.parametrize("signum", SIGNALS, ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize(("where", "at"), MOMENTS, ids=[f"{w}-{n}" for w, n in MOMENTS])
def test_a_signal_stops_the_sync_at_its_next_safe_point(
        stoppable: Path, monkeypatch: pytest.MonkeyPatch, emulator: Emulator,
        truth: dict[str, set[str]], where: str, at: int, signum: int) -> None:
    trigger = Trigger(signum, at)
    if where == "lock":
        hook_lock(monkeypatch, trigger)
    elif where == "request":
        hook_requests(monkeypatch, emulator, trigger)
    else:
        hook_messages(monkeypatch, trigger, "STATE" if where == "state" else None)
    cfg = config(emulator)
    output, stop = stopped_run(cfg)
    assert trigger.fired
    state = assert_stopped_cleanly(output, stop, signum, stoppable)
    monkeypatch.undo()  # the hooks and the note off, for the run that resumes
    resumes(cfg, output, state, truth)


# -- the command line ---------------------------------------------------------------------------

CLI_MOMENTS = [1, 3, 6, 10, 15, 21]


@pytest.mark.parametrize("signum", SIGNALS, ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("at", CLI_MOMENTS, ids=[f"request-{n}" for n in CLI_MOMENTS])
def test_the_command_line_exits_128_plus_the_signal_with_its_state_and_no_temp_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Emulator,
        truth: dict[str, set[str]], at: int, signum: int) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    cfg = config(emulator)
    with (tmp_path / "stdout").open("wb") as stdout, (tmp_path / "stderr").open("wb") as stderr:
        proc = subprocess.Popen(tap_files(tmp_path, cfg, STREAMS), stdout=stdout,
                                stderr=stderr, env={**os.environ, "TMPDIR": str(temp)})
    try:
        trigger = Trigger(signum, at, proc.pid)
        hook_requests(monkeypatch, emulator, trigger)
        returncode = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert trigger.fired
    stderr_text = (tmp_path / "stderr").read_text()
    assert returncode == 128 + signum, stderr_text[-2000:]
    assert "Traceback" not in stderr_text
    assert f"Stopped by signal {signum}" in stderr_text
    lines = (tmp_path / "stdout").read_bytes().splitlines()
    last = json.loads(lines[-1])
    assert last["type"] == "STATE"
    assert not list(temp.iterdir())
    monkeypatch.undo()
    resumes(cfg, Output.parse(b"\n".join(lines).decode()), last["value"], truth)


def spill_files(pid: int, folder: Path) -> list[str]:
    """The tap's spill files in ``folder`` that process ``pid`` has open: made by
    ``tempfile.TemporaryFile`` (``#<inode> (deleted)`` when the system makes it without a name,
    else ``tap-stripe-spill-...``). Not the file of eight random characters with which
    ``tempfile`` first checks that the folder is writable (``tempfile._get_default_tempdir``,
    created and removed at once), which a poll of the process's files can catch."""
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:  # closed meanwhile
            continue
        name = target[len(str(folder)) + 1:]
        if target.startswith(f"{folder}/") and name.startswith(("#", "tap-stripe-spill-")):
            found.append(target)
    return found


def test_a_sigkill_while_records_are_spilled_leaves_nothing_on_disk(tmp_path: Path) -> None:
    # enough invoice lines to spill while invoices are read, read slowly enough to catch it
    temp = tmp_path / "tmp"
    temp.mkdir()
    with Emulator(seed=12, scale=60, clock=int(time.time()) - DAY) as big:
        cfg = {**config(big), "max_requests_per_second": 10}
        proc = subprocess.Popen(tap_files(tmp_path, cfg, STREAMS), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env={**os.environ, "TMPDIR": str(temp)})
        try:
            deadline = time.monotonic() + 120
            spilled: list[str] = []
            while not spilled and proc.poll() is None and time.monotonic() < deadline:
                spilled = spill_files(proc.pid, temp)
                time.sleep(0.02)
            proc.kill()
            returncode = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert spilled, "the run never spilled"
    assert all(path.endswith("(deleted)") for path in spilled), spilled  # no name on disk
    assert returncode == -signal.SIGKILL
    assert not list(temp.iterdir())
