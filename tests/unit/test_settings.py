"""Parsing of the Connect settings: which accounts a run reads, and how shards split them."""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

import pytest

from tap_stripe.run import in_shard
from tap_stripe.settings import Settings

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


def settings(**extra: Any) -> Settings:
    return Settings.from_config({"client_secret": "sk_test_unit", **extra}, NOW)


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), ("", None), ([], None), ("all", "all"), (" ALL ", "all"), (["all"], "all"),
    (["acct_1Abc"], ("acct_1Abc",)),
    ("acct_1Abc, acct_2Def,", ("acct_1Abc", "acct_2Def")),
    (["acct_1Abc", "acct_2Def", "acct_1Abc"], ("acct_1Abc", "acct_2Def")),
])
def test_connected_accounts_take_all_a_list_or_comma_separated_ids(
        value: Any, expected: Any) -> None:
    parsed = settings(connected_accounts=value)
    assert parsed.connected_accounts == expected
    assert parsed.connect is (expected is not None)


def test_a_shard_alone_turns_on_per_account_state() -> None:
    parsed = settings(account_shard="1/3")
    assert (parsed.account_shard, parsed.connected_accounts, parsed.connect) == (
        (1, 3), None, True)


def test_shards_are_stable_and_cover_every_account_once() -> None:
    accounts = [f"acct_{n:04d}x" for n in range(400)]
    shards = [{a for a in accounts if in_shard(a, (i, 4))} for i in range(4)]
    assert sum(len(s) for s in shards) == len(accounts)
    assert set().union(*shards) == set(accounts)
    assert all(60 <= len(s) <= 140 for s in shards), [len(s) for s in shards]
    # membership by the rule (crc32 of the id, modulo n), computed here without in_shard
    assert shards == [{a for a in accounts if zlib.crc32(a.encode()) % 4 == i}
                      for i in range(4)]
    # and pinned for a few ids: processes of different versions must agree on the split
    assert [in_shard(a, (i, 4)) for a, i in [("acct_0001x", 0), ("acct_0002x", 3),
                                             ("acct_0003x", 2), ("acct_2Def", 1)]] == [True] * 4
    assert not any(in_shard("acct_0001x", (i, 4)) for i in (1, 2, 3))
    assert all(in_shard(a, None) for a in accounts[:5])
