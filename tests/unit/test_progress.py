"""Progress lines on a made-up clock: when they are due, and what they say."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tap_stripe.progress import Progress, Traffic

if TYPE_CHECKING:
    import pytest


class Scan:
    """Stands for a FamilyScan: the window ends of its one member."""

    def window_ends(self, name: str) -> list[int]:
        return [100, 200, 300, 400]


def test_lines_are_due_every_interval_and_tell_the_pace(
        caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    sent = {"/v1/customers": 0, "/v1/events": 0}
    progress = Progress(lambda: Traffic(dict(sent), {"/v1/customers": 1}, 3), interval=30,
                        clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger="tap-stripe.progress")
    progress.listing("customers", None, Scan())  # type: ignore[arg-type]
    progress.record("customers")
    now[0], sent["/v1/customers"] = 31.0, 62
    progress.checkpoint("customers", None, 100)
    now[0], sent["/v1/customers"] = 45.0, 90
    progress.record("customers")  # not due: 14 s after the last line
    progress.record("charges")  # a stream that begins now: its first line is due at 75 s
    now[0], sent["/v1/customers"], sent["/v1/events"] = 61.0, 120, 30
    progress.checkpoint("customers", None, 300)
    progress.record("charges")
    now[0] = 95.0
    progress.checkpoint("customers", None, 400)
    assert [r.getMessage() for r in caplog.records] == [
        "Progress customers: 1 records, windows 1/4, 2.0 requests/s, 3 x 429, "
        "backfill time left not known yet",
        "Progress customers: 2 records, windows 3/4, 2.9 requests/s, 3 x 429, "
        "backfill about 15s left",
        "Progress customers: 2 records, windows 4/4, 0.0 requests/s, 3 x 429, backfill done",
    ]
    caplog.clear()
    progress.log_summary()
    assert [r.getMessage().split() for r in caplog.records] == [
        ["stream", "records", "requests", "retries", "seconds"],
        ["customers", "2", "120", "1", "95.0"],
        ["charges", "2", "0", "0", "16.0"],
        ["/v1/events", "30", "0"],
    ]
