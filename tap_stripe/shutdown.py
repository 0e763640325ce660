"""Stopping on SIGTERM or Ctrl-C without a deadlock.

Python runs a signal handler on the main thread between two bytecodes, possibly while that
thread holds a lock the handler would need (the scheduler's, a channel's, the writer's buffer).
So the handler only notes the signal. The run looks at the note at its safe points (a record or
checkpoint about to be emitted, a wait on a channel, before each request and during retry
waits) and stops there with ``StopRequested``; the tap then writes the last STATE and exits with
128 + the signal number, the shell's convention for a process ended by a signal.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import FrameType

# Longest a wait goes without looking at the note.
POLL_SECONDS = 0.1
_signal: int | None = None


class StopRequested(BaseException):
    """Raised at a safe point once SIGTERM or SIGINT arrived; not an ``Exception``, so that no
    ``except Exception`` on the way (singer-sdk's included) takes it for a failure."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal number (143 for SIGTERM, 130 for Ctrl-C)."""
        return 128 + self.signum


def note(signum: int, frame: FrameType | None) -> None:
    """The signal handler: keep the first signal's number. No lock, no I/O."""
    global _signal
    if _signal is None:
        _signal = signum


def requested() -> int | None:
    """The signal that asked the run to stop, if one did."""
    return _signal


def check() -> None:
    """A safe point: raise ``StopRequested`` if a signal asked the run to stop."""
    if _signal is not None:
        raise StopRequested(_signal)


def sleep(seconds: float) -> None:
    """``time.sleep`` that ends early with ``StopRequested`` once a signal arrived."""
    end = time.monotonic() + seconds
    while True:
        check()
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, POLL_SECONDS))
