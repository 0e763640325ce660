"""Reliability end to end: the real ``tap-stripe`` executable against the emulator.

Stripe's rate limits on (429 share of a full sync), SIGKILL at random points and resuming from
the last STATE printed, SIGTERM and Ctrl-C, the fault suite, the permission check from the
command line, and the key never appearing in any byte of output.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.faults import COMBINED, TapRun, run_suite, run_tap, start_date, tap_files
from tests.emulator import Emulator
from tests.singer import Output

DAY = 86_400
# Streams of every kind: created cursor, event-driven with embedded and paged children, a
# parent-filtered child, a child from a separate endpoint.
STREAMS = ["files", "customers", "bank_accounts", "payment_methods", "invoices",
           "invoice_line_items", "subscriptions", "subscription_items", "products"]


def config(emulator: Emulator, key: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"client_secret": key or emulator.secret_key, "api_base": emulator.base_url,
            "start_date": start_date(emulator), **extra}


def truth(emulator: Emulator, streams: list[str]) -> dict[str, set[str]]:
    """The ids every stream must deliver."""
    return {s: {o["id"] for o in emulator.objects(s)} for s in streams}


def ids(output: Output) -> dict[str, set[str]]:
    return {s: {r["id"] for r in records} for s, records in output.records.items()}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(seed=11, scale=3, clock=int(time.time()) - DAY) as emu:
        yield emu


# -- rate limits --------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["test", "live"])
def test_a_full_sync_with_stripe_limits_on_gets_429_on_under_1_percent(
        tmp_path: Path, mode: str) -> None:
    key = f"sk_{mode}_" + "R8x" * 8
    # enough data for 150 requests: a small account's windows are cut from one page
    with Emulator(seed=5, scale=40, rate_limit="auto", key=key,
                  clock=int(time.time()) - DAY) as emu:
        run = run_tap(tmp_path, config(emu, slice_range=240), None)
        assert run.returncode == 0, run.stderr.decode()[-3000:]
        counters = emu.counters()
    assert counters["requests"] >= 150
    assert counters["statuses"].get("429", 0) / counters["requests"] < 0.01
    assert sum(len(r) for r in run.output.records.values()) > 300


# -- resumable state ----------------------------------------------------------------------------

def start(workdir: Path, cfg: dict[str, Any], state: dict[str, Any] | None,
          ) -> tuple[subprocess.Popen[bytes], Path]:
    workdir.mkdir()
    out = workdir / "stdout"
    with out.open("wb") as stdout, (workdir / "stderr").open("wb") as stderr:
        proc = subprocess.Popen(tap_files(workdir, cfg, STREAMS, state), stdout=stdout,
                                stderr=stderr)
    return proc, out


def finished(proc: subprocess.Popen[bytes], out: Path) -> TapRun:
    return TapRun(proc.wait(timeout=60), out.read_bytes(), out.with_name("stderr").read_bytes())


def committed(output: Output) -> set[tuple[str, str]]:
    """Records printed before the last STATE: its bookmarks cover them, so no later run may
    print them again (only the window in progress is read twice)."""
    done: set[tuple[str, str]] = set()
    pending: set[tuple[str, str]] = set()
    for message in output.messages:
        if message["type"] == "STATE":
            done |= pending
            pending = set()
        elif message["type"] == "RECORD":
            pending.add((message["stream"], message["record"]["id"]))
    return done


def wait_for_output(proc: subprocess.Popen[bytes], out: Path, timeout: float = 30) -> float:
    """Wait until the tap prints its first message (or ends); the seconds waited."""
    began = time.monotonic()
    while not out.stat().st_size and proc.poll() is None and time.monotonic() - began < timeout:
        time.sleep(0.01)
    return time.monotonic() - began


def test_sigkill_at_20_random_points_loses_nothing_and_repeats_one_window_at_most(
        tmp_path: Path, emulator: Emulator) -> None:
    # Windows of 90 days over two years of data; the emulator does not limit, so the tap may
    # use live mode's global rate (each endpoint stays at 25/s).
    cfg = config(emulator, slice_range=90, max_requests_per_second=100)
    expected = truth(emulator, STREAMS)
    proc, out = start(tmp_path / "reference", cfg, None)
    startup = wait_for_output(proc, out)
    began = time.monotonic()
    reference = finished(proc, out)
    syncing = time.monotonic() - began
    assert reference.returncode == 0
    assert ids(reference.output) == expected
    assert len(reference.output.states) > 60

    rng = random.Random(20261129)
    kills = cycles = 0
    while kills < 20:  # kill, resume from the last STATE printed, ... until a run completes
        cycles += 1
        state: dict[str, Any] | None = None
        seen: set[tuple[str, str]] = set()
        done: set[tuple[str, str]] = set()
        for attempt in range(40):
            proc, out = start(tmp_path / f"run-{cycles}-{attempt}", cfg, state)
            wait_for_output(proc, out, 2 * startup + 5)
            try:  # a random moment of the sync itself, after the start-up and permission check
                proc.wait(timeout=rng.uniform(0, 0.8 * syncing))
            except subprocess.TimeoutExpired:
                proc.kill()
                kills += 1
            run = finished(proc, out)
            output = run.output
            printed = {(s, i) for s, found in ids(output).items() for i in found}
            assert not printed & done, sorted(printed & done)[:5]
            seen |= printed
            done |= committed(output)
            if run.returncode == 0:
                break
            assert run.returncode == -signal.SIGKILL
            state = output.states[-1] if output.states else state
        union: dict[str, set[str]] = {}
        for stream, oid in seen:
            union.setdefault(stream, set()).add(oid)
        assert union == expected
    assert kills >= 20


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_write_the_state_and_exit_with_128_plus_the_signal(
        tmp_path: Path, emulator: Emulator, signum: int) -> None:
    cfg = config(emulator, slice_range=90, max_requests_per_second=100)
    # slow enough that the signal lands mid-sync, not after a sync that already ended
    proc, out = start(tmp_path / "first", {**cfg, "max_requests_per_second": 5}, None)
    deadline = time.monotonic() + 30
    # records are written in blocks, flushed with each STATE: wait for a first bookmark
    while (b'"created_cursor"' not in out.read_bytes()
           and time.monotonic() < deadline and proc.poll() is None):
        time.sleep(0.05)
    assert proc.poll() is None, "the sync ended before the signal could interrupt it"
    proc.send_signal(signum)
    first = finished(proc, out)
    assert first.returncode == 128 + signum
    assert b"Traceback" not in first.stderr
    assert first.stdout.endswith(b"\n")
    last = json.loads(first.stdout.splitlines()[-1])
    assert last["type"] == "STATE"
    bookmarks = last["value"]["bookmarks"]
    assert any("replication_key_value" in b or "created_cursor" in b for b in bookmarks.values())

    second = run_tap(tmp_path / "first", cfg, STREAMS, last["value"])
    assert second.returncode == 0
    union = {s: ids(first.output).get(s, set()) | ids(second.output).get(s, set())
             for s in STREAMS}
    assert union == truth(emulator, STREAMS)


# -- faults ---------------------------------------------------------------------------------------

def test_faults_change_nothing_in_the_output() -> None:
    reference, faulted = run_suite(6, ["customers", "bank_accounts", "invoices",
                                       "invoice_line_items", "files", "subscriptions"],
                                   (COMBINED,), slice_range=90)
    assert faulted.injected >= 5
    assert faulted.retries >= faulted.injected
    assert faulted.records == reference.records > 50
    assert (faulted.lost, faulted.extra) == (0, 0)


# -- permissions ----------------------------------------------------------------------------------

RESTRICTED = "rk_test_" + "Pq7" * 8
CAN_READ = ["rak_customer_read", "rak_event_read", "rak_file_read"]


@pytest.fixture
def restricted(emulator: Emulator) -> Emulator:
    emulator.add_key(RESTRICTED, CAN_READ)
    return emulator


def cli(workdir: Path, cfg: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    workdir.mkdir(exist_ok=True)
    (workdir / "config.json").write_text(json.dumps(cfg))
    command = tap_files(workdir, cfg, ["customers", "files", "charges", "invoices"])
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_dash_dash_test_prints_the_permission_table(tmp_path: Path, restricted: Emulator) -> None:
    result = cli(tmp_path, config(restricted, RESTRICTED), "--test")
    rows = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()[1:]}
    assert rows["customers"] == ["yes"]
    assert rows["files"] == ["yes"]
    assert rows["charges"] == ["no", "rak_charge_read"]
    assert rows["invoices"] == ["no", "rak_invoice_read"]
    assert rows["prices"] == ["no", "rak_plan_read"]
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "| ERROR" in line]
    assert len(errors) == 1
    assert "cannot read" in errors[0]
    assert "Traceback" not in result.stderr


def test_a_sync_with_fail_stops_with_the_table_before_any_output(
        tmp_path: Path, restricted: Emulator) -> None:
    result = cli(tmp_path, config(restricted, RESTRICTED))
    assert result.returncode == 1
    assert result.stdout == ""
    assert re.search(r"\n\s*charges +no +rak_charge_read\n", result.stderr)
    assert re.search(r"\n\s*customers +yes\n", result.stderr)
    errors = [line for line in result.stderr.splitlines() if "| ERROR" in line]
    assert len(errors) == 1
    assert errors[0].endswith("The API key cannot read 2 of the 4 selected streams (charges, "
                              "invoices). Grant the permissions named in the table, deselect "
                              "those streams, or set on_permission_error to skip.")


def test_a_sync_with_skip_warns_per_stream_and_lists_them_at_the_end(
        tmp_path: Path, restricted: Emulator) -> None:
    result = cli(tmp_path, config(restricted, RESTRICTED, on_permission_error="skip"))
    assert result.returncode == 0, result.stderr[-2000:]
    output = Output.parse(result.stdout)
    assert set(output.schemas) == {"customers", "files"}
    assert ids(output) == truth(restricted, ["customers", "files"])
    log = result.stderr.splitlines()
    skips = [i for i, line in enumerate(log) if "Skipping stream" in line]
    assert [log[i].split("| ")[-1] for i in skips] == [
        "Skipping stream charges: the API key cannot read it (rak_charge_read).",
        "Skipping stream invoices: the API key cannot read it (rak_invoice_read)."]
    assert log[-1].endswith("2 selected stream(s) were skipped because the API key cannot "
                            "read them: charges (rak_charge_read), invoices (rak_invoice_read).")


def test_a_list_asked_in_parts_is_refused_by_its_probe_and_asked_nothing_more(
        tmp_path: Path, restricted: Emulator) -> None:
    # a first sync from 731 days back (three 365-day windows) of four lists: the first round
    # trip asks each in parts. Test mode's 25 requests/s less /v1/events, /v1/account and the
    # four probes leave 19, 4 more a list: 5 parts at most, one to the last window's few days
    result = cli(tmp_path, config(restricted, RESTRICTED, on_permission_error="skip"))
    assert result.returncode == 0, result.stderr[-2000:]
    for path in ("/v1/charges", "/v1/invoices"):
        asked = [r for r in restricted.requests() if r["path"] == path]
        # every part refused (the emulator refuses the key whatever the range), each asked
        # once, answered before the sync went on: nothing more
        assert [r["status"] for r in asked] == [403] * 5
        assert len({r["query"] for r in asked}) == 5
        assert sum("created%5Blt%5D" not in r["query"] for r in asked) == 1  # the newest
    customers = [r for r in restricted.requests() if r["path"] == "/v1/customers"]
    assert {r["status"] for r in customers} == {200}
    assert len({r["query"] for r in customers if "starting_after" not in r["query"]}) == len(
        [r for r in customers if "starting_after" not in r["query"]]) >= 5


# -- secrets --------------------------------------------------------------------------------------

def test_the_key_never_appears_in_any_output(tmp_path: Path) -> None:
    good = "sk_test_" + "".join(random.choices("ABCDEFGHJKLMNPQRSTUVWXYZ", k=20)) + "Kq8Zt3"
    restricted = "rk_test_" + "".join(random.choices("abcdefghjkmnpqrstuvwxyz", k=20)) + "Wy4Xv9"
    wrong = "sk_test_" + "".join(random.choices("ABCDEFGHJKLMNPQRSTUVWXYZ", k=20)) + "Jn2Hb6"
    produced: list[bytes] = []

    def run(name: str, cfg: dict[str, Any], *args: str, env: dict[str, str] | None = None,
            streams: list[str] | None = None) -> subprocess.CompletedProcess[bytes]:
        workdir = tmp_path / name
        workdir.mkdir()
        command = [*tap_files(workdir, cfg, streams or ["customers", "charges", "files"]),
                   *args]
        result = subprocess.run(command, capture_output=True, timeout=180, check=False,
                                env={**os.environ, **(env or {})})
        produced.extend([result.stdout, result.stderr])
        return result

    with Emulator(seed=2, scale=2, key=good, clock=int(time.time()) - DAY,
                  faults={"lock_timeout": 0.05, "500": 0.05, "reset": 0.03}) as emu:
        emu.add_key(restricted, ["rak_customer_read", "rak_event_read"])
        base = config(emu, max_retries=10, request_timeout=5)
        outcomes = {
            "sync": run("sync", base).returncode,
            "debug": run("debug", base, env={"TAP_STRIPE_LOGLEVEL": "DEBUG"}).returncode,
            "test": run("test", base, "--test").returncode,
            "discover": run("discover", base, "--discover").returncode,
            "about": run("about", base, "--about").returncode,
            "wrong key": run("wrong", {**base, "client_secret": wrong}).returncode,
            "403 fail": run("rfail", {**base, "client_secret": restricted}).returncode,
            "403 skip": run("rskip", {**base, "client_secret": restricted,
                                      "on_permission_error": "skip"}).returncode,
            "bad date": run("date", {**base, "start_date": "soon"}).returncode,
            "env key": run("env", {k: v for k, v in base.items() if k != "client_secret"},
                           "--config", "ENV", env={"TAP_STRIPE_CLIENT_SECRET": good}).returncode,
            "unreachable": run("down", {**base, "api_base": "http://127.0.0.1:9",
                                        "max_retries": 1}).returncode,
        }
    assert outcomes == {"sync": 0, "debug": 0, "test": 0, "discover": 0, "about": 0,
                        "wrong key": 1, "403 fail": 1, "403 skip": 0, "bad date": 1,
                        "env key": 0, "unreachable": 1}
    produced.extend(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()
                    and "config" not in p.name)
    everything = b"\n".join(produced)
    assert b'"type":"RECORD"' in everything and b"Retrying GET" in everything
    for key in (good, restricted, wrong):
        for secret in (key, key[-6:], key[8:14], "*" + key[-4:]):
            assert secret.encode() not in everything, secret
