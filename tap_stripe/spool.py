"""One pass over Stripe that serves several streams: the first stream to sync drives it, the
others' records wait on disk until they sync (singer-sdk syncs streams one after another)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any


@dataclass(frozen=True)
class Checkpoint:
    """Everything of the stream up to ``value`` (unix seconds, exclusive) has been emitted."""

    value: int


Item = dict[str, Any] | Checkpoint


class _Spool:
    """Records and checkpoints of one stream, kept in a temporary file."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by replay)

    def write(self, item: Item) -> None:
        if isinstance(item, Checkpoint):
            self._file.write(b"C%d\n" % item.value)
        else:
            self._file.write(b"R" + json.dumps(item, separators=(",", ":")).encode() + b"\n")

    def replay(self) -> Iterator[Item]:
        self._file.seek(0)
        for line in self._file:
            if line[:1] == b"C":
                yield Checkpoint(int(line[1:]))
            else:
                yield json.loads(line[1:])
        self._file.close()


class SharedPass:
    """A pass whose output is split by member stream; subclasses implement ``produce``."""

    def __init__(self, members: list[str]) -> None:
        self.members = members
        self._spools: dict[str, _Spool] | None = None

    def produce(self) -> Iterator[tuple[str, Item]]:
        """(member, record or checkpoint) pairs, each member's in the order it must emit them."""
        raise NotImplementedError

    def items(self, name: str) -> Iterator[Item]:
        """Member ``name``'s records and checkpoints: live for the first caller, else replayed."""
        if self._spools is not None:
            spool = self._spools.pop(name, None)
            if spool is not None:
                yield from spool.replay()
            return
        self._spools = {m: _Spool() for m in self.members if m != name}
        for member, item in self.produce():
            if member == name:
                yield item
            elif member in self._spools:
                self._spools[member].write(item)
