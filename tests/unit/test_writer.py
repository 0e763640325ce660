"""The buffered writer: RECORDs leave in blocks, anything else flushes at once, nothing is lost."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from decimal import Decimal
from typing import Any

from singer_sdk.singerlib import RecordMessage, SchemaMessage, StateMessage

from tap_stripe import writer as writer_module
from tap_stripe.writer import BLOCK_BYTES, BufferedWriter


class Stdout(io.TextIOWrapper):
    """A text stdout over bytes that counts flushes and block writes."""

    def __init__(self) -> None:
        self.raw_bytes = io.BytesIO()
        super().__init__(self.raw_bytes, encoding="utf-8")
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.raw_bytes.getvalue().splitlines()]


@contextmanager
def captured() -> Iterator[Stdout]:
    """sys.stdout replaced in the test body (pytest swaps it back between phases)."""
    out = Stdout()
    with redirect_stdout(out):
        yield out


WHEN = dt.datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=dt.timezone.utc)


def record(n: int, **extra: Any) -> RecordMessage:
    return RecordMessage(stream="charges", record={"id": f"ch_{n}", "amount": n, **extra},
                         time_extracted=WHEN)


def test_records_wait_for_the_next_state_which_flushes_them_in_order() -> None:
    with captured() as stdout:
        writer = BufferedWriter()
        writer.write_message(SchemaMessage("charges", {"type": "object"}, ["id"]))
        assert stdout.flushes == 1
        for n in range(3):
            writer.write_message(record(n))
        assert stdout.raw_bytes.getvalue().count(b"\n") == 1  # only the SCHEMA so far
        assert stdout.flushes == 1
        writer.write_message(StateMessage({"bookmarks": {"charges": {"updated": 5}}}))
        assert stdout.flushes == 2
        lines = stdout.lines()
        assert [m["type"] for m in lines] == ["SCHEMA", "RECORD", "RECORD", "RECORD", "STATE"]
        assert [m["record"]["id"] for m in lines[1:4]] == ["ch_0", "ch_1", "ch_2"]
        assert lines[1]["time_extracted"] == "2024-05-01T12:00:00.123456Z"
        assert lines[4]["value"] == {"bookmarks": {"charges": {"updated": 5}}}


def test_a_full_block_is_written_without_a_flush() -> None:
    with captured() as stdout:
        writer = BufferedWriter()
        pad = "x" * 1000
        n = 0
        while not stdout.raw_bytes.getvalue() and n < 1000:
            writer.write_message(record(n, pad=pad))
            n += 1
        assert stdout.flushes == 0
        assert len(stdout.raw_bytes.getvalue()) >= BLOCK_BYTES
        assert [m["record"]["id"] for m in stdout.lines()] == [f"ch_{i}" for i in range(n)]


def test_values_json_lacks_are_written_like_singer_sdks_msgspec_writer() -> None:
    with captured() as stdout:
        writer = BufferedWriter()
        writer.write_message(record(1, price=Decimal("12.50"), day=dt.date(2024, 1, 2)))
        writer.flush()
        rec = stdout.lines()[0]["record"]
        assert rec == {"id": "ch_1", "amount": 1, "price": 12.50, "day": "2024-01-02"}
        assert writer.serialize_message(record(2)).endswith(b"\n")


def test_what_is_buffered_is_written_at_exit() -> None:
    with captured() as stdout:
        writer = BufferedWriter()
        writer.write_message(record(7))
        assert stdout.raw_bytes.getvalue() == b""
        writer_module._flush_all()  # what atexit runs
        assert [m["record"]["id"] for m in stdout.lines()] == ["ch_7"]


def test_write_records_writes_the_lines_of_the_record_messages() -> None:
    """The pass-through path's lines are those of singer-sdk's ``RecordMessage``, byte for
    byte, with and without a table version; they wait in the buffer like any RECORD."""
    with captured() as stdout:
        writer = BufferedWriter()
        writer.write_message(record(1))
        writer.write_records("charges", [{"id": "ch_1", "amount": 1}], None, WHEN)
        versioned = RecordMessage(stream="charges", record={"id": "ch_2", "amount": 2},
                                  version=1714564800, time_extracted=WHEN)
        writer.write_message(versioned)
        writer.write_records("charges", [{"id": "ch_2", "amount": 2}], 1714564800, WHEN)
        assert stdout.raw_bytes.getvalue() == b""
        writer.flush()
        first, same, second, same_again = stdout.raw_bytes.getvalue().splitlines()
        assert same == first
        assert same_again == second
        assert b'"version":1714564800' in second
