"""Progress for people: the lines a long backfill logs per stream and the table at its end, read
from a run against the emulator (with injected 429s) with the interval cut to zero so every
record and window writes a line. Expected numbers come from the emulator: its objects, its
request log and the windows of the configured range."""

from __future__ import annotations

import io
import logging
import math
import re
from contextlib import redirect_stdout
from typing import TYPE_CHECKING

from tap_stripe.run import Run
from tap_stripe.tap import TapStripe
from tests.e2e.truth import tap_config
from tests.emulator import Emulator
from tests.singer import Output, catalog_for

if TYPE_CHECKING:
    import pytest

CLOCK = 1_790_000_000
DAY = 86_400
SLICE_DAYS = 60
STREAMS = ["customers", "charges"]
LINE = re.compile(r"Progress (\w+): ([\d,]+) records, windows (\d+)/(\d+), [\d.]+ requests/s, "
                  r"(\d+) x 429, (backfill done|backfill about \S+ left|backfill time left "
                  r"not known yet)$")


def test_progress_lines_and_summary(monkeypatch: pytest.MonkeyPatch,
                                    caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(Run, "progress_seconds", 0.0)
    caplog.set_level(logging.INFO, logger="tap-stripe.progress")
    # Faults are drawn in the order requests arrive, and the run's first requests go out
    # together: scale and rate are such that the streams' own requests (about 30, 50 with
    # their retries) meet 429s whatever that order (none in 30 at 0.4: 1 in millions)
    with Emulator(seed=4, scale=120, clock=CLOCK, faults={"lock_timeout": 0.4},
                  fault_seed=3) as emulator:
        config = {**tap_config(emulator), "slice_range": SLICE_DAYS, "max_retries": 20}
        start = CLOCK - 800 * DAY  # tap_config's start date
        tap = TapStripe(config=config, catalog=catalog_for(STREAMS))
        raw = io.BytesIO()
        text = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
        with redirect_stdout(text):
            tap.sync_all()
        tap.log_run_end()
        requests = emulator.requests()
        live = {s: {o["id"] for o in emulator.objects(s)} for s in STREAMS}
    out = Output.parse(raw.getvalue().decode())
    total = math.ceil((CLOCK - start) / (SLICE_DAYS * DAY))
    limited = sum(r["status"] == 429 for r in requests)
    assert limited > 0  # the run met 429s, so their count is tested

    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Progress ")]
    for stream in STREAMS:
        assert live[stream] and {r["id"] for r in out.records[stream]} == live[stream]
        mine = [LINE.match(text) for text in lines if text.startswith(f"Progress {stream}:")]
        assert mine and all(mine), lines[:5]
        records = [int(m[2].replace(",", "")) for m in mine if m]
        done = [int(m[3]) for m in mine if m]
        assert records == sorted(records) and records[-1] == len(live[stream])
        assert done == sorted(done) and done[-1] == total
        assert {int(m[4]) for m in mine if m} == {total}
        assert all(0 <= int(m[5]) <= limited for m in mine if m)
        assert mine[-1] and mine[-1][6] == "backfill done"
        assert any(m and m[6].startswith("backfill about") for m in mine)

    table = [r.getMessage() for r in caplog.records
             if r.name == "tap-stripe.progress" and not r.getMessage().startswith("Progress ")]
    assert table[0].split() == ["stream", "records", "requests", "retries", "seconds"]
    rows = {row.split()[0]: row.split()[1:] for row in table[1:]}
    for stream in STREAMS:
        path = f"/v1/{stream}"
        sent = [r for r in requests if r["path"] == path]
        records, asked, retried, seconds = rows[stream]
        assert int(records.replace(",", "")) == len(live[stream])
        assert int(asked.replace(",", "")) == len(sent)
        assert int(retried.replace(",", "")) == sum(r["status"] == 429 for r in sent)
        assert float(seconds) >= 0
    assert any(int(rows[s][2]) for s in STREAMS)  # some of the streams' own requests met 429s
    # Every request is on one row: the streams' own and the other endpoints'.
    assert sum(int(cells[-3 if name in STREAMS else -2].replace(",", ""))
               for name, cells in rows.items()) == len(requests)
