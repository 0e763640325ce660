"""The real ``tap-stripe`` executable against a hostile server (``tests.hostile``): a server that
drips its answer or its headers, resets connections, repeats a list page for ever or sends
malformed pages. Every run ends with exit code 1 and one line saying what is wrong, no
traceback. The subprocess timeout is only a guard against a hang."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from benchmarks.faults import TapRun, run_tap
from tests.hostile import HostileServer

# a live key: in test mode the tap would first list test clocks, which this server also spoils
KEY = "sk_live_" + "H0st1le" * 4
GUARD_SECONDS = 120


def hostile_run(tmp_path: Path, server: HostileServer, streams: list[str],
                state: dict[str, Any] | None = None) -> TapRun:
    config = {"client_secret": KEY, "api_base": server.base_url,
              "start_date": "2023-01-01T00:00:00Z", "request_timeout": 1, "max_retries": 1}
    return run_tap(tmp_path, config, streams, state, timeout=GUARD_SECONDS)


def last_line(run: TapRun) -> str:
    """The last line of stderr, without the logger's prefix; and checks there is no traceback."""
    stderr = run.stderr.decode()
    assert "Traceback" not in stderr
    assert KEY not in stderr + run.stdout.decode()
    return stderr.strip().splitlines()[-1].split(" | ")[-1]


def first_requests(server: HostileServer) -> None:
    """Only the run's first requests went out, sent together: the probe of /v1/events (Stripe's
    clock), whose failure ends the run after its one retry, and beside it /v1/account and the
    probe of /v1/customers, each tried at most twice too (their retries may come after the
    run has ended)."""
    assert server.paths["/v1/events"] == 2
    assert set(server.paths) <= {"/v1/events", "/v1/account", "/v1/customers"}
    assert max(server.paths.values()) == 2


@pytest.mark.parametrize("mode", ["drip", "slow_headers"])
def test_a_server_that_drips_its_answer_ends_in_one_timeout_line(
        tmp_path: Path, mode: str) -> None:
    # a byte every 0.3 s keeps every socket read under request_timeout (1 s) for minutes
    with HostileServer(mode, interval=0.3) as server:
        run = hostile_run(tmp_path, server, ["customers"])
        first_requests(server)
    assert run.returncode == 1
    assert last_line(run).startswith(
        "Stripe request GET /v1/events still failed after 1 retries: timeout (Timeout, no "
        "answer within 1s).")


def test_a_server_that_resets_every_connection_ends_in_one_line(tmp_path: Path) -> None:
    with HostileServer("reset") as server:
        run = hostile_run(tmp_path, server, ["customers"])
        first_requests(server)
    assert run.returncode == 1
    assert last_line(run).startswith(
        "Stripe request GET /v1/events still failed after 1 retries: connection "
        "(ConnectionError: Connection reset by peer).")


@pytest.mark.parametrize("path", ["/v1/customers", "/v1/events"])
def test_a_list_that_repeats_its_page_for_ever_ends_in_one_line(
        tmp_path: Path, path: str) -> None:
    # customers with a recent bookmark follow /v1/events only; without one they are listed
    recent = {"bookmarks": {"customers": {"replication_key_value": int(time.time()) - 7200}}}
    with HostileServer("endless") as server:
        run = hostile_run(tmp_path, server, ["customers"],
                          recent if path == "/v1/events" else None)
        requests = server.requests
    assert run.returncode == 1
    last = "evt_1b" if path == "/v1/events" else "obj_1b"
    assert last_line(run) == (
        f"GET {path} does not end: after {last} it answered a page it had answered before "
        "(has_more true), so it would be read forever. Check that api_base is Stripe's API.")
    assert requests < 20
    # the records of the page went out once each, never again
    ids = Counter(r["id"] for r in run.output.records.get("customers", []))
    assert all(n == 1 for n in ids.values()), ids
    if path == "/v1/customers":
        assert set(ids) == {"obj_1", "obj_1b"}


@pytest.mark.parametrize(("mode", "what"), [
    ("no_id", 'object 0 of "data" has no "id"'),
    ("bad_created", "object {} has \"created\" 'yesterday', not a unix time in whole "
                    "seconds"),
    ("data_not_list", '"data" is a dict, not a list'),
])
@pytest.mark.parametrize(("stream", "path", "first"), [
    # the first page read: the events pass's, which the permission probe asks ahead
    ("customers", "/v1/events", "evt_1"),
    # no stream follows events (the probe of /v1/events asks one object): the list's own
    ("files", "/v1/files", "obj_1"),
])
def test_a_malformed_page_ends_in_one_line_naming_the_endpoint(
        tmp_path: Path, mode: str, what: str, stream: str, path: str, first: str) -> None:
    with HostileServer(mode) as server:
        run = hostile_run(tmp_path, server, [stream])
    assert run.returncode == 1
    assert last_line(run) == (f"GET {path} answered a malformed list page: "
                              f"{what.format(first)}. Check that api_base is Stripe's API.")
    assert not run.output.records
