"""Issue 14: records that pass through unchanged are written from the bytes Stripe sent (``raw``),
and those bytes are exactly what singer-sdk's own record path writes for the same objects.

The same emulator (frozen clock, so both runs stamp the same ``updated``) is synced twice: once
as is, every record passing through, and once with a stream map on every stream that maps
``id`` to itself, which sends every record through singer-sdk's mapper (the dict path). The
RECORD lines must be the same bytes, ``time_extracted`` aside. The emulator's objects also carry
what the dict path writes differently from Stripe's text: names with characters outside ASCII
(the emulator writes them as ``\\u`` escapes, msgspec as UTF-8), a ``/`` and a quote, and a
percentage of ``1e-05`` (written ``1e-05`` by the emulator, ``0.00001`` by msgspec).
"""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stdout
from typing import Any

import pytest

from tap_stripe.raw import RawRecord
from tap_stripe.registry import STREAMS
from tap_stripe.tap import TapStripe
from tap_stripe.writer import BufferedWriter
from tests.e2e.truth import tap_config
from tests.emulator import Emulator
from tests.singer import catalog_for

CLOCK = 1_790_000_000
ALL = [s.name for s in STREAMS]
_TIME_EXTRACTED = re.compile(rb',"time_extracted":"[^"]*"')


def _records(config: dict[str, Any]) -> list[bytes]:
    """The RECORD lines of a sync of every stream, without ``time_extracted``."""
    out = io.BytesIO()
    text = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    tap = TapStripe(config=config, catalog=catalog_for(ALL))
    with redirect_stdout(text):
        tap.sync_all()
    text.flush()
    return [_TIME_EXTRACTED.sub(b"", line) for line in out.getvalue().splitlines()
            if line.startswith(b'{"type":"RECORD"')]


def test_pass_through_records_are_the_bytes_of_singer_sdks_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    written = []  # records handed to the writer as raw records
    write_records = BufferedWriter.write_records

    def counted(writer: BufferedWriter, stream: str, records: list[Any], *args: Any) -> None:
        written.extend(record for record in records if isinstance(record, RawRecord))
        write_records(writer, stream, records, *args)

    monkeypatch.setattr(BufferedWriter, "write_records", counted)
    with Emulator(seed=14, scale=3, clock=CLOCK - 3600) as emulator:
        customer = emulator.create("customer", {"name": "Zoë Ångström / \"ZA\"",
                                                "email": "zoe@example.com"})
        coupon = emulator.create("coupon", {"percent_off": 1e-05, "name": "Tiny"})
        emulator.advance(3600)
        config = tap_config(emulator, live_rate=True)
        raw = _records(config)
        raw_written = len(written)
        written.clear()
        mapped = _records({**config, "stream_maps": {name: {"id": "id"} for name in ALL}})

    assert len(raw) == len(mapped) > 300
    assert raw_written > len(raw) // 2  # most records went out as raw records (not events')
    assert written == []  # the mapped run wrote none
    by_stream: dict[str, int] = {}
    for line in raw:
        stream = json.loads(line)["stream"]
        by_stream[stream] = by_stream.get(stream, 0) + 1
    assert {"charges", "customers", "invoices", "invoice_line_items", "coupons",
            "subscription_items", "products"} <= set(by_stream)
    assert [line for line in raw if customer["id"].encode() in line and b"Zo\xc3\xab" in line]
    assert [line for line in raw if coupon["id"].encode() in line
            and b'"percent_off":0.00001' in line]
    for raw_line, mapped_line in zip(raw, mapped, strict=True):
        assert raw_line == mapped_line
