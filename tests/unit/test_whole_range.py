"""A listing of many windows from an early start date, over mocked HTTP: the whole range is
asked first, and the windows older than what a page reached are asked together, each empty
year costing no request of its own; records and window ends come out as window by window."""

from __future__ import annotations

import time
from typing import Any

from tests.singer import Output, run_tap
from tests.unit.fake_stripe import BASE, FakeStripe

DAY = 86400
YEAR = 365 * DAY  # slice_range 365: the windows are [start + k * YEAR, start + (k + 1) * YEAR)
PATH = "/v1/files"


def config(start: int) -> dict[str, Any]:
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start))
    return {"client_secret": "sk_test_unit", "api_base": BASE, "start_date": iso,
            "slice_range": 365}


def files(prefix: str, n: int, window: int, start: int) -> list[dict[str, Any]]:
    """``n`` files spread evenly over window ``window`` (so a window's density is what its
    first page shows, and no window is split): ``prefix_0000`` the oldest."""
    gte = start + window * YEAR
    return [{"id": f"{prefix}_{i:04d}", "object": "file",
             "created": gte + 3600 + i * (YEAR // (n + 10))} for i in range(n)]


def newest_first(prefix: str, n: int) -> list[str]:
    return [f"{prefix}_{i:04d}" for i in reversed(range(n))]


def sync(fake: FakeStripe, objects: list[dict[str, Any]], start: int,
         ) -> tuple[Output, int, list[tuple[int, int | None, str | None]]]:
    """The run, its last window's end (the run's end), and the requests of the files list as
    (created[gte], created[lt], starting_after), each bound less ``start`` (END: the run's
    end), sorted."""
    fake.add(PATH, objects)
    out = run_tap(config(start), ["files"])
    end = out.state["bookmarks"]["files"]["replication_key_value"]
    assert start + 9 * YEAR < end <= time.time() + 1  # ten windows, the last to the run's end
    asked = sorted(((int(q["created[gte]"]) - start,
                     int(q["created[lt]"]) - start if "created[lt]" in q else None,
                     q.get("starting_after")) for q in fake.queries(PATH)),
                   key=lambda r: (r[0], r[1] or 0, r[2] or ""))
    return out, end - start, asked


def trace(out: Output, start: int) -> list[str | int]:
    """Record ids and window ends (the files bookmark less ``start``) in the order written,
    each window end once."""
    written: list[str | int] = []
    for message in out.messages:
        if message["type"] == "RECORD":
            written.append(message["record"]["id"])
        elif message["type"] == "STATE":
            mark = message["value"]["bookmarks"].get("files", {}).get("replication_key_value")
            if mark is not None and (not written or written[-1] != mark - start):
                written.append(mark - start)
    return written


def test_empty_old_years_are_asked_in_one_request(fake: FakeStripe) -> None:
    start = int(time.time()) - 10 * YEAR + 3600
    out, end, asked = sync(fake, files("new", 150, 9, start), start)
    assert asked == [
        (0, None, None),  # the whole range: 100 files, all of the last window's, and more
        (0, 9 * YEAR, None),  # the nine windows before it, in one request: nothing
        (9 * YEAR, end, "new_0050"),  # the last window goes on after the page's last file
    ]  # asked window by window: 11 requests
    assert trace(out, start) == [*(k * YEAR for k in range(1, 10)),
                                 *newest_first("new", 150), end]


def test_an_old_window_with_more_than_a_page_is_found_by_the_same_rule(
        fake: FakeStripe) -> None:
    start = int(time.time()) - 10 * YEAR + 3600
    objects = files("old", 120, 1, start) + files("new", 150, 9, start)
    out, end, asked = sync(fake, objects, start)
    assert asked == [
        (0, None, None),  # the whole range: the last window's first page
        (0, YEAR, None),  # the first window alone: nothing
        (0, 9 * YEAR, None),  # the nine windows before the last: the second window's first
        # page (old_0119 to old_0020), so the third to the ninth hold nothing
        (YEAR, 2 * YEAR, "old_0020"),  # the second window goes on
        (9 * YEAR, end, "new_0050"),  # the last window goes on
    ]  # asked window by window: 12 requests
    assert trace(out, start) == [YEAR, *newest_first("old", 120),
                                 *(k * YEAR for k in range(2, 10)),
                                 *newest_first("new", 150), end]


def test_a_page_over_several_windows_holds_all_of_the_newer_ones(fake: FakeStripe) -> None:
    start = int(time.time()) - 10 * YEAR + 3600
    objects = (files("z", 5, 0, start) + files("a", 40, 7, start) + files("c", 30, 8, start)
               + files("b", 60, 9, start))
    out, end, asked = sync(fake, objects, start)
    assert asked == [
        (0, None, None),  # the whole range: b_0059 to b_0000, c_0029 to c_0000 (all of the
        # last two windows), a_0039 to a_0030 (the eighth window's first page), and more
        (0, 7 * YEAR, None),  # the seven windows before the eighth: all of it, z_0004 to z_0000
        (7 * YEAR, 8 * YEAR, "a_0030"),  # the eighth window goes on
    ]  # asked window by window: 11 requests
    assert trace(out, start) == [*newest_first("z", 5), *(k * YEAR for k in range(1, 8)),
                                 *newest_first("a", 40), 8 * YEAR, *newest_first("c", 30),
                                 9 * YEAR, *newest_first("b", 60), end]


def test_data_in_every_window_costs_no_extra_request(fake: FakeStripe) -> None:
    start = int(time.time()) - 10 * YEAR + 3600
    objects = [o for k in range(10) for o in files(f"w{k}", 120, k, start)]
    out, end, asked = sync(fake, objects, start)
    # The whole range, then the older windows in one request, each page the first of the
    # newest window it reaches (100 of its 120 files); as they keep finding files, the
    # newest of the older windows are asked alone beside them, 0, 1, 3, then 7 (the last
    # two: all that is left). Then each window goes on: 20 requests, as many as window by
    # window (the whole range, each older window's first page, each window's second).
    firsts = [(0, None, None), (0, 9 * YEAR, None), (7 * YEAR, 8 * YEAR, None),
              (0, 7 * YEAR, None), *((k * YEAR, (k + 1) * YEAR, None) for k in (3, 4, 5)),
              (0, 3 * YEAR, None), (0, YEAR, None), (YEAR, 2 * YEAR, None)]
    seconds = [(k * YEAR, (k + 1) * YEAR if k < 9 else end, f"w{k}_0020") for k in range(10)]
    assert asked == sorted([*firsts, *seconds], key=lambda r: (r[0], r[1] or 0, r[2] or ""))
    assert len(asked) == 20
    assert trace(out, start) == [
        mark for k in range(10)
        for mark in [*newest_first(f"w{k}", 120), (k + 1) * YEAR if k < 9 else end]]


def test_a_failure_of_the_older_windows_request_ends_the_run_before_their_records(
        fake: FakeStripe) -> None:
    start = int(time.time()) - 10 * YEAR + 3600
    fake.add(PATH, files("new", 150, 9, start))
    fake.fail(PATH, f"created%5Blt%5D={start + 9 * YEAR}", 400,
              {"error": {"type": "invalid_request_error", "message": "boom"}})
    out = run_tap(config(start), ["files"], allow_error=True)
    assert str(out.error) == "GET /v1/files failed (HTTP 400): boom"
    assert out.ids("files") == []  # the oldest windows come first: nothing of the last one
    assert "files" not in out.state["bookmarks"] or (
        out.state["bookmarks"]["files"].get("replication_key_value") is None)
