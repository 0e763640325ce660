"""Newest-first walking over ordered sources, and Stripe's page cut.

A list is the merge of *sources*, each already ordered by key ``(created, rank, seq)``: a range
of generated objects (ordered by index) and a sorted list of objects created at run time.
Cursors are keys, so a page is a bounded walk from the cursor; nothing is materialised.
"""

from __future__ import annotations

import bisect
import heapq
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

Key = tuple[int, int, int]
Item = tuple[Key, Any]
_TOP = 1 << 62


class Source(Protocol):
    """Items in key order."""

    def items(self, descending: bool, bound: Key | None) -> Iterator[Item]:
        """Items strictly past ``bound`` in the direction of travel (all when None)."""
        ...


class IndexRange:
    """Generated objects ``low .. high - 1``; ``created`` must not decrease with the index."""

    def __init__(self, low: int, high: int, rank: int, created: Callable[[int], int],
                 payload: Callable[[int], Any]) -> None:
        self.low, self.high, self.rank = low, high, rank
        self._created, self._payload = created, payload

    def _key(self, index: int) -> Key:
        return (self._created(index), self.rank, index)

    def items(self, descending: bool, bound: Key | None) -> Iterator[Item]:
        """See ``Source.items``."""
        span = range(self.low, self.high)
        if descending:
            start = self.high if bound is None else self.low + bisect.bisect_left(
                span, bound, key=self._key)
            for index in range(start - 1, self.low - 1, -1):
                yield self._key(index), self._payload(index)
        else:
            start = self.low if bound is None else self.low + bisect.bisect_right(
                span, bound, key=self._key)
            for index in range(start, self.high):
                yield self._key(index), self._payload(index)


class SortedItems:
    """A list of items kept sorted by key (objects created at run time, stored events)."""

    def __init__(self, items: list[Item]) -> None:
        self._items = items

    def items(self, descending: bool, bound: Key | None) -> Iterator[Item]:
        """See ``Source.items``."""
        entries = self._items
        if descending:
            start = len(entries) if bound is None else bisect.bisect_left(
                entries, bound, key=lambda item: item[0])
            for position in range(start - 1, -1, -1):
                yield entries[position]
        else:
            start = 0 if bound is None else bisect.bisect_right(
                entries, bound, key=lambda item: item[0])
            yield from entries[start:]


def insert(entries: list[Item], item: Item) -> None:
    """Add ``item`` to a key-sorted list."""
    bisect.insort(entries, item, key=lambda entry: entry[0])


def walk(sources: Iterable[Source], *, descending: bool, cursor: Key | None,
         low: int | None = None, high: int | None = None) -> Iterator[Item]:
    """Merged items past ``cursor`` with ``low <= created <= high``, newest first if descending."""
    bound = cursor
    if descending and high is not None:
        ceiling: Key = (high + 1, -1, -1)
        bound = ceiling if bound is None else min(bound, ceiling)
    if not descending and low is not None:
        floor: Key = (low - 1, _TOP, _TOP)
        bound = floor if bound is None else max(bound, floor)
    merged = heapq.merge(*(s.items(descending, bound) for s in sources),
                         key=lambda item: item[0], reverse=descending)
    for item in merged:
        created = item[0][0]
        if descending and low is not None and created < low:
            return
        if not descending and high is not None and created > high:
            return
        yield item


def take(items: Iterator[Item], limit: int, keep: Callable[[Any], bool]) -> tuple[list[Any], bool]:
    """The first ``limit`` payloads accepted by ``keep``, and whether more follow."""
    page: list[Any] = []
    for _, payload in items:
        if keep(payload):
            if len(page) == limit:
                return page, True
            page.append(payload)
    return page, False
