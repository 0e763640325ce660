"""The channels that carry a pass's output to its member streams, and the spill file behind
them.

A pass (see ``passes``) runs in a background thread and writes each member stream's records and
checkpoints, in order, into that member's ``Channel``. singer-sdk syncs streams one after
another on the main thread, so most channels are written long before their stream reads them: a
channel nobody reads yet keeps a bounded number of items in memory and spills the rest to a
temporary file, so the pass goes on for the other members and memory stays bounded however large
the account. Once its stream reads a channel, a full channel makes the pass wait instead: the
reader is draining it, and records never take the round trip through the disk (an encode and a
decode each).

Every channel spills into one anonymous temporary file of the process, which no name in the
file system points to: the records it holds disappear with the process however it ends (a
SIGKILL included), and the channels hold no open file of their own.
"""

from __future__ import annotations

import bisect
import os
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import msgspec

from tap_stripe import shutdown
from tap_stripe.raw import RawRecord, written

if TYPE_CHECKING:
    from tap_stripe.plan import Plan

PENDING_BYTES = 1 << 18
# Items a channel being read holds before its producer waits.
READING_ITEMS = 1000
WAIT_SECONDS = 0.2

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()
Extent = tuple[int, int]  # (offset, length) of spilled items in the spill file
# The kinds of spilled lines: a raw record (J, or K when it holds no ``raw.TAG``), a
# checkpoint (C), the rest a dict (R).
_RAW, _UNTAGGED, _CHECKPOINT = b"J"[0], b"K"[0], b"C"[0]


class SpillFile:
    """The one spill file of the process: an anonymous temporary file (``O_TMPFILE`` where
    the OS has it, else unlinked as soon as it is made), holding each channel's spilled items
    in extents. Freed extents are reused, and the file shrinks when its end is freed.
    Thread-safe: reads and writes are positional."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._lock = threading.Lock()
        self._end = 0
        self._free: list[Extent] = []  # sorted by offset, never adjacent

    @property
    def size(self) -> int:
        """Bytes the file spans (freed extents at its end excluded)."""
        return self._end

    def write(self, data: bytes | bytearray) -> Extent:
        """Store ``data``; where it went."""
        with self._lock:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="tap-stripe-spill-")  # noqa: SIM115
            fileno = self._file.fileno()
            extent = self._allocate(len(data))
        os.pwrite(fileno, data, extent[0])
        return extent

    def read(self, extent: Extent) -> bytes:
        """The bytes written at ``extent``."""
        assert self._file is not None
        return os.pread(self._file.fileno(), extent[1], extent[0])

    def free(self, extent: Extent) -> None:
        """``extent`` may be reused."""
        offset, length = extent
        with self._lock:
            index = bisect.bisect(self._free, extent)
            if index < len(self._free) and offset + length == self._free[index][0]:
                length += self._free.pop(index)[1]
            if index and sum(self._free[index - 1]) == offset:
                offset, before = self._free.pop(index - 1)
                length += before
                index -= 1
            if offset + length == self._end:
                self._end = offset
                assert self._file is not None
                os.ftruncate(self._file.fileno(), offset)
            else:
                self._free.insert(index, (offset, length))

    def _allocate(self, length: int) -> Extent:
        """The first free extent that fits, else the end of the file (lock held)."""
        for index, (offset, size) in enumerate(self._free):
            if size >= length:
                if size == length:
                    del self._free[index]
                else:
                    self._free[index] = (offset + length, size - length)
                return offset, length
        offset = self._end
        self._end += length
        return offset, length


SPILL = SpillFile()


@dataclass(frozen=True)
class Checkpoint:
    """Everything of the stream up to ``value`` (unix seconds, exclusive) has been emitted."""

    value: int


Item = dict[str, Any] | RawRecord | Checkpoint


@dataclass(frozen=True)
class Source:
    """What one stream reads in one account this run: its plan, and its channels (each
    started when first read, each giving its items a list at a time). ``found(start)`` gives
    the objects no list shows, named by the records emitted before (see ``found``)."""

    plan: Plan
    listed: Callable[[], Iterator[list[Item]]]
    found: Callable[[int], Iterator[list[Item]]]
    changes: Callable[[], Iterator[list[Item]]]


class PassCancelledError(Exception):
    """Raised inside a pass whose run was stopped."""


def _encode(item: Item, out: bytearray) -> None:
    if isinstance(item, Checkpoint):
        out += b"C%d\n" % item.value
    elif isinstance(item, RawRecord):  # stays raw: Stripe's bytes and what the tap added
        out += b"K" if item.untagged() else b"J"  # K: holds no ``raw.TAG``
        item.json_into(out)
        out += b"\n"
    else:
        out += b"R"
        _encoder.encode_into(item, out, -1)
        out += b"\n"


def _decoded(chunk: bytes) -> list[Item]:
    """The items of ``chunk``, whole lines of ``_encode``'s. Each line is sliced out of the
    chunk once, without its kind (a raw record keeps the bytes of its slice): a split into
    lines would copy each one twice, and an invoice with its lines is several kilobytes."""
    items: list[Item] = []
    view = memoryview(chunk)
    start, find = 0, chunk.find
    while (end := find(b"\n", start)) >= 0:
        kind = chunk[start]
        if kind in (_RAW, _UNTAGGED):
            items.append(written(chunk[start + 1:end], kind == _UNTAGGED))
        elif kind == _CHECKPOINT:
            items.append(Checkpoint(int(chunk[start + 1:end])))
        else:
            items.append(_decoder.decode(view[start + 1:end]))
        start = end + 1
    return items


class Channel:
    """An ordered, thread-safe queue from one producer to one consumer.

    Before the consumer starts reading, the producer never waits: up to ``memory_items`` items
    wait in memory; past that they all go to the spill file (``SPILL``), and so does everything
    left in memory when the producer closes the channel, so a channel waiting for its reader
    holds no memory and no open file of its own however many there are (a Connect run has
    several per account).
    Once the consumer reads, the producer waits while ``READING_ITEMS`` items are in memory (or
    until ``stop`` is set). Order is kept by one rule: once something waits on disk, new items
    go to disk too, until the consumer has read the disk back.
    """

    def __init__(self, memory_items: int, stop: threading.Event | None = None) -> None:
        self.memory_items = memory_items
        self._stop = stop or threading.Event()
        self._reading = False
        self._cond = threading.Condition()
        self._memory: deque[list[Item]] = deque()  # the lists put, in order
        self._count = 0  # items in ``_memory``
        self._extents: deque[Extent] = deque()  # items spilled to ``SPILL``, oldest first
        self._pending = bytearray()  # encoded items not yet written to the file
        self._closed = False
        self._discarded = False
        self._error: BaseException | None = None
        self.spilled = 0  # items that went through the disk (for tests and benchmarks)
        self._sleepers = 0  # threads waiting on ``_cond``

    def _wait(self, seconds: float) -> None:
        """Wait on the condition (caller holds the lock) for ``seconds`` at most."""
        self._sleepers += 1
        try:
            self._cond.wait(seconds)
        finally:
            self._sleepers -= 1

    def _wake(self) -> None:
        """Wake the threads waiting, if any (``notify_all`` costs a few µs even for none:
        ``put_page`` calls this for every list)."""
        if self._sleepers:
            self._cond.notify_all()

    def put_page(self, items: list[Item]) -> None:
        """Append ``items`` in order, under one lock: where each item goes is where lists of
        one item each would put it. Never waits for the consumer; once it reads, waits while
        ``READING_ITEMS`` items are in memory. The channel keeps ``items`` (the caller hands
        the list over)."""
        if not items:
            return
        with self._cond:
            if self._reading and not self._on_disk():
                while (self._count >= READING_ITEMS and not self._discarded
                       and not self._stop.is_set()):
                    self._wait(WAIT_SECONDS)
            if self._discarded:
                return
            if not self._on_disk() and (
                    self._reading or self._count + len(items) <= self.memory_items):
                self._memory.append(items)
                self._count += len(items)
                self._wake()
                return
            if not self._reading:
                self._memory_to_disk()
            pending = self._pending
            for item in items:
                _encode(item, pending)
                if len(pending) >= PENDING_BYTES:
                    self._write_pending()
            self.spilled += len(items)
            self._wake()

    def close(self, error: BaseException | None = None) -> None:
        """No more items; the consumer raises ``error`` after the items already put."""
        with self._cond:
            self._closed = True
            self._error = error
            if not self._reading and not self._discarded and (self._memory or self._pending):
                self._memory_to_disk()
                if self._pending:
                    self._write_pending()
            self._wake()

    def discard(self) -> None:
        """The consumer is gone: drop what waits and ignore what comes."""
        with self._cond:
            self._discarded = True
            self._memory.clear()
            self._count = 0
            self._pending.clear()
            self._drop_spill()
            self._wake()

    @property
    def discarded(self) -> bool:
        """Whether the consumer gave up on this channel."""
        return self._discarded

    def pages(self) -> Iterator[list[Item]]:
        """Every item in order, in the lists the producer put (or read back from the disk),
        waiting while none is ready; raises the producer's error."""
        while True:
            with self._cond:
                self._reading = True
                while not self._memory and not self._on_disk() and not self._closed:
                    self._wait(shutdown.POLL_SECONDS)
                    shutdown.check()  # a safe point: waiting for the pass
                if not self._memory and self._on_disk():
                    self._load()
                if not self._memory:  # closed, and everything was read
                    error = self._error
                    self._drop_spill()
                    if error is not None:
                        raise error
                    return
                batch = list(self._memory)
                self._memory.clear()
                self._count = 0
                self._wake()
            yield from batch

    def _on_disk(self) -> bool:
        return bool(self._pending) or bool(self._extents)

    def _memory_to_disk(self) -> None:
        """Move what waits in memory to the front of the spill. Before the consumer reads,
        items wait in memory only while nothing waits on disk, so they come first."""
        if not self._memory:
            return
        front = bytearray()
        for page in self._memory:
            for item in page:
                _encode(item, front)
        self.spilled += self._count
        self._memory.clear()
        self._count = 0
        self._pending[:0] = front

    def _write_pending(self) -> None:
        self._extents.append(SPILL.write(self._pending))
        self._pending.clear()

    def _load(self) -> None:
        """Move the oldest spilled items into memory (caller holds the lock)."""
        if self._extents:
            extent = self._extents.popleft()
            chunk = SPILL.read(extent)  # every extent holds whole lines
            SPILL.free(extent)
        else:
            chunk = bytes(self._pending)
            self._pending.clear()
        page = _decoded(chunk)
        self._memory.append(page)
        self._count += len(page)

    def _drop_spill(self) -> None:
        while self._extents:
            SPILL.free(self._extents.popleft())
