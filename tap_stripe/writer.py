"""A Singer message writer that encodes with msgspec and writes RECORDs in large blocks.

singer-sdk's writers flush stdout after every message; with thousands of records a second that
is a system call per record. This writer keeps RECORD lines in a buffer and writes it out when
it passes ``BLOCK_BYTES``, and flushes on every other message (SCHEMA, STATE...), so a target
sees every record before the STATE that covers it. What is left is written at exit.
"""

from __future__ import annotations

import atexit
import sys
import weakref
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import msgspec
from singer_sdk.singerlib.encoding.base import GenericSingerWriter
from singer_sdk.singerlib.encoding.simple import Message, SingerMessageType

from tap_stripe.raw import RawRecord

if TYPE_CHECKING:
    import datetime as dt

BLOCK_BYTES = 1 << 16


def _encodable(value: object) -> object:
    """A raw record as its JSON (``raw``); other types msgspec cannot encode as strings, as
    singer-sdk's msgspec writer does."""
    return value.json() if isinstance(value, RawRecord) else str(value)


_encoder = msgspec.json.Encoder(enc_hook=_encodable, decimal_format="number")
_writers: weakref.WeakSet[BufferedWriter] = weakref.WeakSet()


class BufferedWriter(GenericSingerWriter[bytes, Message]):
    """Writes Singer messages to stdout: RECORDs in blocks, everything else at once."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        _writers.add(self)

    def serialize_message(self, message: Message) -> bytes:
        """One message as a JSON line."""
        return _encoder.encode(message.to_dict()) + b"\n"

    def write_message(self, message: Message) -> None:
        """Buffer ``message``; write the buffer out when it is large or ``message`` is not a
        RECORD."""
        self._add(message.to_dict(), record=message.type == SingerMessageType.RECORD)

    def write_records(self, stream: str, records: list[Any], version: int | None,
                      time_extracted: dt.datetime) -> None:
        """The RECORDs of a stream whose records pass through unchanged (no map, flattening
        or deselected property): the lines ``RecordMessage.to_dict`` gives, without building
        the messages. The sync loop calls this for each list of such records it reads; a
        record is what the stream's channel carries (a raw record is written from Stripe's
        bytes, ``raw``). The line's parts around the record are encoded once for the list."""
        head: dict[str, Any] = {"type": "RECORD", "stream": stream}
        tail: dict[str, Any] = {} if version is None else {"version": version}
        tail["time_extracted"] = time_extracted
        before = _encoder.encode(head)[:-1] + b',"record":'
        after = b"," + _encoder.encode(tail)[1:] + b"\n"
        buffer = self._buffer
        for record in records:
            buffer += before
            if isinstance(record, RawRecord):
                record.json_into(buffer)
            else:
                _encoder.encode_into(record, buffer, -1)
            buffer += after
        self._write_block()

    def _add(self, message: dict[str, Any], *, record: bool) -> None:
        buffer = self._buffer
        _encoder.encode_into(message, buffer, -1)
        buffer += b"\n"
        if not record:
            self.flush()
        else:
            self._write_block()

    def _write_block(self) -> None:
        """Write out the records buffered once they fill a block (``BLOCK_BYTES``)."""
        if len(self._buffer) >= BLOCK_BYTES:
            sys.stdout.buffer.write(self._buffer)
            self._buffer.clear()

    def flush(self) -> None:
        """Write out and flush everything buffered."""
        if self._buffer:
            sys.stdout.buffer.write(self._buffer)
            self._buffer.clear()
        sys.stdout.flush()


@atexit.register
def _flush_all() -> None:
    """Write what is left in every writer when the process ends."""
    with suppress(OSError, ValueError):  # stdout already closed
        for writer in list(_writers):
            writer.flush()
