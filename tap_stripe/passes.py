"""One pass over Stripe that serves several streams: it runs in a background thread and writes
each member stream's records and checkpoints into that member's channel. The base of the family
scan (``families``) and of the Events hub (``events``)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from tap_stripe.channels import Channel, Checkpoint, Item, PassCancelledError
from tap_stripe.pool import Workers

# A member's items are put into its channel together once this many are held (a list page's
# worth), at a checkpoint, and when the pass ends.
PUT_ITEMS = 100


class SharedPass:
    """A pass whose output is split by member stream; subclasses implement ``produce``.

    ``start`` runs it in a background thread (``items`` starts it if nothing did); each
    member reads its own channel with ``items(name)``. A failure of the pass reaches every
    member after the items produced before it.
    """

    def __init__(self, members: list[str], scheduler: Workers) -> None:
        self.members = members
        self.pool = scheduler.pool
        self.pace = scheduler.pace
        self.budget = scheduler.budget
        self.concurrency = scheduler.concurrency
        self.stop = threading.Event()
        self.channels = {m: Channel(scheduler.concurrency.channel_items, self.stop)
                         for m in members}
        self.finished = False
        self.on_done: Callable[[SharedPass], None] | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def produce(self) -> Iterator[tuple[str, list[Item]]]:
        """(member, records and checkpoints) pairs, each member's items in the order it must
        emit them."""
        raise NotImplementedError

    @property
    def started(self) -> bool:
        """Whether the pass has been started."""
        return self._thread is not None

    def start(self) -> None:
        """Run the pass in a background thread (once)."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name=f"tap-stripe-{type(self).__name__}")
        self._thread.start()

    def cancel(self) -> None:
        """Ask the pass to stop as soon as possible."""
        self.stop.set()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the pass thread to end."""
        if self._thread is not None:
            self._thread.join(timeout)

    def items(self, name: str) -> Iterator[list[Item]]:
        """Member ``name``'s records and checkpoints in order, a list at a time, waiting for
        them as needed."""
        self.start()
        channel = self.channels[name]
        try:
            yield from channel.pages()
        finally:
            channel.discard()

    def _run(self) -> None:
        """Put what ``produce`` gives into the members' channels, each member's items together
        (``PUT_ITEMS``, a checkpoint); those held when it fails go in before the failure."""
        error: BaseException | None = None
        channels = self.channels
        held: dict[str, list[Item]] = {member: [] for member in channels}
        try:
            for member, items in self.produce():
                if self.stop.is_set():
                    raise PassCancelledError
                waiting = held[member]
                waiting += items
                if len(waiting) >= PUT_ITEMS or (waiting and isinstance(waiting[-1], Checkpoint)):
                    held[member] = []
                    channel = channels[member]
                    channel.put_page(waiting)
                    if channel.discarded and all(c.discarded for c in channels.values()):
                        break
        except BaseException as exc:  # handed to the consumers, raised on the main thread
            error = exc
            self.stop.set()
        for member, channel in channels.items():
            channel.put_page(held[member])
            channel.close(error)
        self.finished = True
        if self.on_done is not None:
            self.on_done(self)
