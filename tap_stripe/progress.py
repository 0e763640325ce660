"""Progress for people: on long runs one readable line per stream at most every ``interval``
seconds (records so far, windows done of total, requests/s, 429s, time left for the backfill),
and a table per stream at the end of the run (records, requests, retries, seconds).

The hooks are one call each: ``listing`` when a stream starts reading its `created` windows,
``record`` per list of records emitted, ``checkpoint`` per window done, ``log_summary`` at the
run's end.
Requests and retries come from ``traffic``, the API's counters by endpoint.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from tap_stripe.registry import STREAMS

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

LOGGER = logging.getLogger("tap-stripe.progress")
# A stream writes at most one progress line this often (seconds).
PROGRESS_SECONDS = 30.0


class Windowed(Protocol):
    """A listing that knows its windows (the family scan), seen from here without importing
    it: the scan's module imports the API, which imports this one."""

    def window_ends(self, name: str) -> list[int]:
        """Ends of the windows after which member ``name`` gets a checkpoint."""
        ...


def _owners() -> dict[str, list[str]]:
    """Endpoint (ids as {id}, see api.endpoint_of) -> the streams that read it (their list, and
    by id), in registry order: its requests are counted on the first of them the run reads."""
    owners: dict[str, list[str]] = {}
    for sdef in STREAMS:
        path = sdef.path.replace("{parent_id}", "{id}")
        for endpoint in (path, path + "/{id}"):
            owners.setdefault(endpoint, []).append(sdef.name)
    return owners


OWNERS = _owners()


@dataclass(frozen=True)
class Traffic:
    """Requests sent and retried so far, by endpoint, and the 429s among the retries."""

    sent: Mapping[str, int]
    retried: Mapping[str, int]
    limited: int


@dataclass
class _Stream:
    """What one stream has done so far."""

    records: int = 0
    ends: dict[str | None, list[int]] = field(default_factory=dict)  # window ends by account
    marks: dict[str | None, int] = field(default_factory=dict)  # last checkpoint by account
    first: float = 0.0  # when it began (its first hook)
    last: float = 0.0
    shown: float = 0.0  # when its last line went out (at first: when it began)
    requests_shown: int = 0  # the run's requests then
    # When its first window was done, and how many were done then: the pace is measured from
    # there (the first may wait long for its pass, which runs ahead for other streams).
    paced: tuple[float, int] | None = None

    def windows(self) -> tuple[int, int]:
        """(done, total) over the accounts read."""
        done = sum(bisect.bisect_right(ends, self.marks.get(account, 0))
                   for account, ends in self.ends.items())
        return done, sum(len(ends) for ends in self.ends.values())


def _duration(seconds: float) -> str:
    """``1h02m``, ``4m05s`` or ``12s``."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


class Progress:
    """Counts per stream and writes the lines (thread-safe; streams emit on one thread)."""

    def __init__(self, traffic: Callable[[], Traffic], interval: float = PROGRESS_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._traffic = traffic
        self.interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._streams: dict[str, _Stream] = {}

    def _stream(self, name: str) -> _Stream:
        stream = self._streams.get(name)
        if stream is None:
            now = self._clock()
            stream = self._streams[name] = _Stream(
                first=now, last=now, shown=now, requests_shown=sum(self._traffic().sent.values()))
        return stream

    def listing(self, name: str, account: str | None, scan: Windowed) -> None:
        """``name`` starts reading ``account``'s `created` windows, those of ``scan``."""
        with self._lock:
            self._stream(name).ends[account] = scan.window_ends(name)

    def record(self, name: str, count: int = 1) -> None:
        """``count`` records of ``name`` went out."""
        with self._lock:
            stream = self._stream(name)
            stream.records += count
            self._touch(name, stream)

    def checkpoint(self, name: str, account: str | None, value: int) -> None:
        """Everything of ``name`` in ``account`` created before ``value`` went out."""
        with self._lock:
            stream = self._stream(name)
            stream.marks[account] = max(value, stream.marks.get(account, 0))
            if stream.paced is None and stream.ends:
                stream.paced = (self._clock(), stream.windows()[0])
            self._touch(name, stream)

    def _touch(self, name: str, stream: _Stream) -> None:
        now = stream.last = self._clock()
        if now - stream.shown >= self.interval:
            LOGGER.info("%s", self.line(name, now))

    def line(self, name: str, now: float) -> str:
        """The progress line of stream ``name`` (marks it shown at ``now``)."""
        stream, traffic = self._streams[name], self._traffic()
        requests = sum(traffic.sent.values())
        rate = (requests - stream.requests_shown) / max(now - stream.shown, 1e-9)
        stream.shown, stream.requests_shown = now, requests
        parts = [f"Progress {name}: {stream.records:,} records"]
        done, total = stream.windows()
        if total:
            parts.append(f"windows {done}/{total}")
        parts += [f"{rate:.1f} requests/s", f"{traffic.limited} x 429"]
        if total and done < total:
            since, then = stream.paced or (now, done)
            left = (now - since) * (total - done) / (done - then) if done > then else None
            parts.append(f"backfill about {_duration(left)} left" if left is not None
                         else "backfill time left not known yet")
        elif total:
            parts.append("backfill done")
        return ", ".join(parts)

    def summary(self) -> list[str]:
        """The end-of-run table: one row per stream, then the requests of no stream's own."""
        traffic = self._traffic()
        requests: dict[str, int] = {}
        retries: dict[str, int] = {}
        with self._lock:
            for counts, into in ((traffic.sent, requests), (traffic.retried, retries)):
                for endpoint, count in counts.items():
                    owner = next((name for name in OWNERS.get(endpoint, ())
                                  if name in self._streams), endpoint)
                    into[owner] = into.get(owner, 0) + count
            rows = [(name, f"{s.records:,}", f"{requests.pop(name, 0):,}",
                     f"{retries.pop(name, 0):,}", f"{s.last - s.first:.1f}")
                    for name, s in self._streams.items()]
        rows += [(endpoint, "", f"{count:,}", f"{retries.pop(endpoint, 0):,}", "")
                 for endpoint, count in sorted(requests.items())]
        head = ("stream", "records", "requests", "retries", "seconds")
        widths = [max(len(row[n]) for row in [head, *rows]) for n in range(len(head))]
        return ["  ".join(cell.ljust(w) if n == 0 else cell.rjust(w)
                          for n, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
                for row in [head, *rows]]

    def log_summary(self) -> None:
        """Log the end-of-run table, one line per row (nothing when no stream was read)."""
        if self._streams:
            for row in self.summary():
                LOGGER.info("%s", row)
