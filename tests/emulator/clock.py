"""The emulator's clock: frozen at a chosen time, or following the wall clock with an offset."""

from __future__ import annotations

import threading
import time


class Clock:
    """Unix seconds as the emulator sees them.

    ``Clock(1_790_000_000)`` stands still until moved; ``Clock(None)`` follows the wall clock.
    ``advance`` and ``set`` move either kind.
    """

    def __init__(self, start: int | None = None) -> None:
        self.frozen = start is not None
        self._lock = threading.Lock()
        self._offset = 0 if start is None else start - int(time.time())
        self._fixed = start

    def now(self) -> int:
        """The current emulator time."""
        with self._lock:
            if self._fixed is not None:
                return self._fixed
            return int(time.time()) + self._offset

    def advance(self, seconds: int) -> int:
        """Move the clock forward (or back, if negative); returns the new time."""
        return self.set(self.now() + seconds)

    def set(self, moment: int) -> int:
        """Move the clock to ``moment``; returns it."""
        with self._lock:
            if self._fixed is not None:
                self._fixed = moment
            else:
                self._offset = moment - int(time.time())
        return moment
