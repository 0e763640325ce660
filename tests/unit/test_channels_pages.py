"""Records travel a list at a time (issue 14): from a pass into its members' channels, through
the streams and the sync loop to the writer, with the same items in the same order, the same
spills, the same bookmark moves and STATE messages as one at a time."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import time
from collections.abc import Iterator
from contextlib import redirect_stdout
from types import SimpleNamespace
from typing import Any, cast

import pytest
from singer_sdk.singerlib import RecordMessage

from tap_stripe.channels import Channel, Checkpoint, Item
from tap_stripe.errors import StripeAccessError
from tap_stripe.found import Found
from tap_stripe.passes import PUT_ITEMS, SharedPass
from tap_stripe.pool import Concurrency, Workers
from tap_stripe.raw import RawRecord
from tap_stripe.registry import BY_NAME
from tap_stripe.stamps import Stamper
from tap_stripe.streams import Bookmark, StripeStream, _bookmarked
from tap_stripe.writer import BufferedWriter
from tests.singer import Output, run_tap
from tests.unit.fake_stripe import BASE, FakeStripe

WHEN = dt.datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=dt.timezone.utc)


def record(n: int) -> dict[str, Any]:
    return {"id": f"x_{n:04d}", "n": n, "s": "é\n"}


def items(count: int) -> list[Item]:
    return [Checkpoint(n) if n % 50 == 49 else record(n) for n in range(count)]


# -- the channel --------------------------------------------------------------------------------


def flat(channel: Channel) -> list[Any]:
    """The channel's items in order, whatever lists they come in."""
    return [item for page in channel.pages() for item in page]


@pytest.mark.parametrize("memory_items", [0, 10, 95, 1000])
def test_a_list_put_lands_where_lists_of_one_would(memory_items: int) -> None:
    given = items(300)
    by_list, one_by_one = Channel(memory_items), Channel(memory_items)
    for at in range(0, len(given), 7):
        by_list.put_page(given[at:at + 7])
    for item in given:
        one_by_one.put_page([item])
    for channel in (by_list, one_by_one):
        channel.close()
    assert by_list.spilled == one_by_one.spilled
    assert flat(by_list) == flat(one_by_one) == given


def test_a_channel_being_read_gives_back_the_lists_put() -> None:
    channel = Channel(memory_items=1000)
    reader = channel.pages()
    first, second, third = [record(1), record(2)], [record(3), Checkpoint(10)], [record(4)]
    channel.put_page(first)
    assert next(reader) == first
    channel.put_page(second)
    channel.put_page([])  # nothing to carry
    channel.put_page(third)
    channel.close()
    assert list(reader) == [second, third]
    assert channel.spilled == 0


def test_spilled_items_come_back_as_one_list_per_extent_in_order() -> None:
    channel = Channel(memory_items=5)
    given = items(120)
    for at in range(0, len(given), 30):
        channel.put_page(given[at:at + 30])
    channel.close()
    pages = list(channel.pages())
    assert channel.spilled == 120
    assert [item for page in pages for item in page] == given


def test_each_kind_of_spilled_item_comes_back_as_it_was_put() -> None:
    invoice = (b'{"id":"in_1","object":"invoice","lines":{"object":"list","data":'
               b'[{"id":"il_1","object":"line_item"}],"has_more":false}}')
    raw = RawRecord(invoice)
    raw["updated"] = 5
    given: list[Item] = [raw, record(1), Checkpoint(10), RawRecord(b"{}"), Checkpoint(20),
                         {"id": "x_2", "s": "a\nb\\n"}]
    channel = Channel(memory_items=0)
    channel.put_page(list(given))
    channel.close()
    got = [item for page in channel.pages() for item in page]
    assert channel.spilled == 6
    assert got[1:3] == [record(1), Checkpoint(10)] and got[4:] == given[4:]
    first, empty = cast("RawRecord", got[0]), cast("RawRecord", got[3])
    assert bytes(first.json()) == invoice[:-1] + b',"updated":5}'
    assert first["lines"]["data"][0]["id"] == "il_1" and first["updated"] == 5
    assert bytes(empty.json()) == b"{}" and empty.get("id") is None


def test_a_reader_makes_a_producer_of_lists_wait_and_gets_everything_in_order() -> None:
    channel = Channel(memory_items=5)
    reader = channel.pages()
    channel.put_page([record(0)])
    assert next(reader) == [record(0)]  # the consumer now reads this channel
    given = items(5000)[1:]

    def produce() -> None:
        for at in range(0, len(given), 100):
            channel.put_page(given[at:at + 100])
        channel.close(StripeAccessError("GET /v1/x failed (HTTP 400): late"))

    thread = threading.Thread(target=produce)
    thread.start()
    got: list[Item] = []
    with pytest.raises(StripeAccessError, match="late"):
        for page in reader:
            got += page
    thread.join(5)
    assert got == given
    assert channel.spilled == 0


# -- the pass -----------------------------------------------------------------------------------


class Scripted(SharedPass):
    """A pass that yields fixed (member, items) pairs, then fails if told to."""

    def __init__(self, script: list[tuple[str, list[Item]]], scheduler: Workers,
                 error: BaseException | None = None) -> None:
        super().__init__(["a", "b"], scheduler)
        self.script = script
        self.error = error

    def produce(self) -> Iterator[tuple[str, list[Item]]]:
        yield from self.script
        if self.error is not None:
            raise self.error


@pytest.fixture
def scheduler() -> Workers:
    """What a pass is built with; these passes fetch nothing."""
    return cast("Workers", SimpleNamespace(pool=None, pace=None, budget=None,
                                           concurrency=Concurrency()))


def test_a_pass_puts_each_members_items_a_page_at_a_time_and_at_checkpoints(
        scheduler: Workers, monkeypatch: pytest.MonkeyPatch) -> None:
    put: list[tuple[Channel, int]] = []  # (channel, items) of each put
    put_page = Channel.put_page

    def counted(channel: Channel, given: list[Item]) -> None:
        put.append((channel, len(given)))
        put_page(channel, given)

    monkeypatch.setattr(Channel, "put_page", counted)
    script: list[tuple[str, list[Item]]] = []
    for n in range(260):
        script.append(("a", [record(n)]))
        if n % 3 == 0:
            script.append(("b", [record(n), record(n + 1000)]))
        if n == 149:
            script += [("a", [Checkpoint(150)]), ("b", [Checkpoint(150)])]
    shared = Scripted(script, scheduler)
    shared.start()
    shared.join(10)
    for member in ("a", "b"):
        assert [i for page in shared.items(member) for i in page] == [
            i for m, part in script if m == member for i in part]
    sizes = {member: [n for channel, n in put if channel is shared.channels[member] and n]
             for member in ("a", "b")}
    # a: 100 records, then 50 and the checkpoint, then 100, then the 10 left at the end
    assert sizes["a"] == [PUT_ITEMS, 51, PUT_ITEMS, 10]
    # b: two at a time, every third n: 100 by n=147, the checkpoint alone, 74 at the end
    assert sizes["b"] == [PUT_ITEMS, 1, 74]


def test_what_a_pass_holds_when_it_fails_goes_out_before_the_failure(
        scheduler: Workers) -> None:
    script: list[tuple[str, list[Item]]] = [("a", [record(n)]) for n in range(30)]
    script.append(("b", [record(99)]))
    shared = Scripted(script, scheduler, StripeAccessError("GET /v1/x failed (HTTP 500): boom"))
    shared.start()
    shared.join(10)
    for member, expected in (("a", [record(n) for n in range(30)]), ("b", [record(99)])):
        got: list[Item] = []
        with pytest.raises(StripeAccessError, match="boom"):
            for page in shared.items(member):
                got += page
        assert got == expected


# -- the stream ---------------------------------------------------------------------------------


def test_checkpoints_inside_a_list_become_bookmark_moves_between_lists_of_records() -> None:
    pages: list[list[Item]] = [
        [record(1), record(2), Checkpoint(10), record(3), Checkpoint(20)],
        [Checkpoint(30), Checkpoint(40)],
        [record(4)],
    ]
    assert list(_bookmarked(iter(pages), "created_cursor")) == [
        [record(1), record(2)], Bookmark({"created_cursor": 10}, checkpoint=10),
        [record(3)], Bookmark({"created_cursor": 20}, checkpoint=20),
        Bookmark({"created_cursor": 30}, checkpoint=30),
        Bookmark({"created_cursor": 40}, checkpoint=40),
        [record(4)]]
    assert list(_bookmarked(iter([[Checkpoint(5)]]), None)) == [Bookmark({}, checkpoint=5)]


# -- stamps, found ids, the writer -------------------------------------------------------------


def test_stamping_a_list_gives_what_stamping_each_record_gives() -> None:
    stamp = Stamper(1_700_000_000)
    lines = BY_NAME["invoice_line_items"]
    invoice = {"id": "in_1", "status": "paid"}
    given = [RawRecord(b'{"id":"il_1","object":"line_item","amount":1}'),
             RawRecord(b'{"id":"il_2","object":"line_item","amount":2}')]
    one_by_one = [stamp(lines, line, invoice) for line in given]
    together = stamp.all(lines, given, invoice)
    assert together == one_by_one
    assert [line.json() for line in together] == [line.json() for line in one_by_one]
    assert together[0]["invoice_id"] == "in_1"
    assert together[0]["is_deleted"] is False
    assert "invoice_id" not in given[0]  # copies: the originals stay as they were
    own = stamp.all(lines, given, {"id": "in_2", "deleted": True}, own=True)
    assert own[0] is given[0]
    assert [line["is_deleted"] for line in own] == [True, True]  # the parent is deleted
    assert given[1]["invoice_id"] == "in_2"


def test_found_notes_the_ids_a_list_names_in_the_order_of_its_records() -> None:
    found = Found([BY_NAME["reviews"]])
    found.note("charges", [{"id": "ch_1", "review": "prv_2"}, {"id": "ch_2", "review": None},
                           {"id": "ch_3", "review": {"id": "prv_1"}}], "acct_1")
    found.note("customers", [{"id": "cus_1", "review": "prv_9"}], "acct_1")  # names none
    found.note("reviews", [{"id": "prv_1"}], "acct_1")
    assert found.missing("reviews", "acct_1") == ["prv_2"]
    assert found.missing("reviews", None) == []


def test_write_records_writes_each_records_message_line(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.BytesIO()
    text = io.TextIOWrapper(out, encoding="utf-8")
    records: list[Any] = [RawRecord(b'{"id":"ch_1","amount":1}'), {"id": "ch_2", "x": [1.5]}]
    records[0]["stripe_account"] = "acct_1"
    with redirect_stdout(text):
        writer = BufferedWriter()
        writer.write_records("charges", records, 1714564800, WHEN)
        writer.flush()
    expected = [
        RecordMessage(stream="charges", record={"id": "ch_1", "amount": 1,
                                                "stripe_account": "acct_1"},
                      version=1714564800, time_extracted=WHEN),
        RecordMessage(stream="charges", record={"id": "ch_2", "x": [1.5]},
                      version=1714564800, time_extracted=WHEN)]
    assert out.getvalue().splitlines() == [writer.serialize_message(m).rstrip(b"\n")
                                           for m in expected]


# -- the sync loop ------------------------------------------------------------------------------


def test_a_state_follows_every_state_msg_frequency_records_inside_a_list(
        fake: FakeStripe, monkeypatch: pytest.MonkeyPatch) -> None:
    start = int(time.time()) - 3 * 86400
    fake.add("/v1/balance_transactions",
             [{"id": f"txn_{i:04d}", "object": "balance_transaction", "created": start + 60 + i}
              for i in range(250)])
    monkeypatch.setattr(StripeStream, "STATE_MSG_FREQUENCY", 30)
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start))
    out = run_tap({"client_secret": "sk_test_unit", "api_base": BASE, "start_date": iso},
                  ["balance_transactions"])
    assert sorted(out.ids("balance_transactions")) == [f"txn_{i:04d}" for i in range(250)]
    # the first 30 change the state (singer-sdk's starting value); the next 30s leave it as it
    # was (a STATE equal to the last is skipped); then the window's end and the stream's end
    assert records_before_each_state(out) == [30, 250, 250]


def records_before_each_state(out: Output) -> list[int]:
    """How many RECORDs went out before each STATE after the first RECORD."""
    seen, marks = 0, []
    for message in out.messages:
        if message["type"] == "RECORD":
            seen += 1
        elif message["type"] == "STATE" and seen:
            marks.append(seen)
    return marks


def test_records_before_each_state_counts_records_only() -> None:
    lines = [{"type": "STATE", "value": {}}, {"type": "RECORD", "stream": "s", "record": {}},
             {"type": "STATE", "value": {"a": 1}}]
    out = Output.parse("\n".join(json.dumps(line) for line in lines))
    assert records_before_each_state(out) == [1]
