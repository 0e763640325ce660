"""Lists that hide objects or refuse a parent, over mocked HTTP (issue 11): manual payouts are
never asked for their balance transactions, and a child list Stripe refuses with a 400 is a
warning naming the parent and Stripe's message, never the end of the run."""

from __future__ import annotations

import logging
import time

import pytest

from tests.singer import run_tap
from tests.unit.fake_stripe import BASE, FakeStripe

DAY = 86400
MANUAL = ("Balance transaction history can only be filtered on automatic transfers, not "
          "manual.")


def test_a_refused_child_list_is_one_warning_and_the_other_parents_go_on(
        fake: FakeStripe, caplog: pytest.LogCaptureFixture) -> None:
    start = int(time.time()) - 5 * DAY
    payouts = [{"id": f"po_{n}", "object": "payout", "created": start + n, "automatic": auto}
               for n, auto in enumerate((True, False, True))]
    fake.add("/v1/payouts", payouts)
    for payout in ("po_0", "po_2"):
        fake.add("/v1/balance_transactions",
                 [{"id": f"txn_{payout}", "object": "balance_transaction",
                   "created": start - DAY}], listed_under={"payout": payout})
    error = {"type": "invalid_request_error",
             "code": "balance_transactions_manual_filtering_not_allowed", "message": MANUAL}
    fake.fail("/v1/balance_transactions", "payout=po_2", 400, {"error": error})
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start - 2 * DAY))
    with caplog.at_level(logging.WARNING):
        out = run_tap({"client_secret": "sk_test_unit", "api_base": BASE, "start_date": iso},
                      ["payouts", "payout_balance_transactions"])
    assert out.ids("payout_balance_transactions") == ["txn_po_0"]
    assert out.records["payout_balance_transactions"][0]["payout_id"] == "po_0"
    assert sorted(out.ids("payouts")) == ["po_0", "po_1", "po_2"]
    asked = [q["payout"] for q in fake.queries("/v1/balance_transactions")]
    assert sorted(asked) == ["po_0", "po_2"]  # the manual po_1 is never asked
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING
                and "payout_balance_transactions" in r.getMessage()]
    assert len(warnings) == 1
    assert "po_2" in warnings[0] and MANUAL in warnings[0]


def test_inactive_prices_come_in_their_window_before_its_checkpoint(fake: FakeStripe) -> None:
    start = int(time.time()) - 3 * DAY
    prices = [{"id": f"price_{day}_{state}", "object": "price",
               "created": start + day * DAY + 60, "active": state == "on"}
              for day in range(3) for state in ("on", "off")]
    fake.add("/v1/prices", prices)
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start))
    out = run_tap({"client_secret": "sk_test_unit", "api_base": BASE, "start_date": iso,
                   "slice_range": 1}, ["prices"])
    assert {q.get("active") for q in fake.queries("/v1/prices")} == {None, "false"}
    seen: list[str] = []
    marks: list[tuple[int, frozenset[str]]] = []
    for msg in out.messages:
        if msg["type"] == "RECORD":
            seen.append(msg["record"]["id"])
        elif msg["type"] == "STATE":
            mark = msg["value"]["bookmarks"]["prices"].get("created_cursor")
            if mark and (not marks or marks[-1][0] != mark):
                marks.append((mark, frozenset(seen)))
    assert sorted(seen) == sorted(p["id"] for p in prices)
    for day in range(3):  # each window's checkpoint follows both of its prices, not the next's
        emitted = next(m[1] for m in marks if m[0] > start + day * DAY + 60)
        assert {f"price_{day}_on", f"price_{day}_off"} <= emitted
        assert not {f"price_{day + 1}_on", f"price_{day + 1}_off"} & emitted
