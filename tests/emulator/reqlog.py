"""The request log: one entry per ``/v1`` request, and counters per status and fault."""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Entry:
    """One served (or refused, or broken) request. ``status`` 0: no answer was sent."""

    serial: int
    time: float
    method: str
    path: str
    query: str
    account: str | None
    status: int
    duration_ms: float
    fault: str | None
    request_id: str | None


class RequestLog:
    """The last ``size`` entries and counters over all requests since the last clear."""

    def __init__(self, size: int = 100_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[Entry] = deque(maxlen=size)
        self._statuses: Counter[int] = Counter()
        self._faults: Counter[str] = Counter()
        self._serial = 0

    def add(self, **fields: Any) -> Entry:
        """Append an entry (fields of ``Entry`` except ``serial``)."""
        with self._lock:
            self._serial += 1
            entry = Entry(serial=self._serial, **fields)
            self._entries.append(entry)
            self._statuses[entry.status] += 1
            if entry.fault:
                self._faults[entry.fault] += 1
            return entry

    def entries(self, since: int = 0) -> list[dict[str, Any]]:
        """Entries with a serial greater than ``since``, oldest first."""
        with self._lock:
            return [asdict(e) for e in self._entries if e.serial > since]

    def counters(self) -> dict[str, Any]:
        """Totals: requests, per status (as strings) and per fault."""
        with self._lock:
            return {"requests": sum(self._statuses.values()),
                    "statuses": {str(k): v for k, v in sorted(self._statuses.items())},
                    "faults": dict(sorted(self._faults.items()))}

    def clear(self) -> None:
        """Forget entries and counters."""
        with self._lock:
            self._entries.clear()
            self._statuses.clear()
            self._faults.clear()
