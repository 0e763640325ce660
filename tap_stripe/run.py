"""What one run of the tap shares between its streams: settings, the API, the shared passes and
the scheduler that fetches them ahead of the streams."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tap_stripe.api import StripeApi
from tap_stripe.events import EventsHub
from tap_stripe.fetch import FamilyScan
from tap_stripe.records import Stamper
from tap_stripe.registry import BY_NAME, StreamDef, children_of
from tap_stripe.scheduler import Concurrency, Scheduler
from tap_stripe.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from tap_stripe.spool import SharedPass
    from tap_stripe.streams import StripeStream


class Run:
    """State shared by the streams of one run; built lazily so discovery needs no settings.

    ``concurrency`` sets how much is fetched at once (``SEQUENTIAL``: one request at a time).
    """

    concurrency = Concurrency()

    def __init__(self, config: Mapping[str, Any],
                 streams: Callable[[], Mapping[str, StripeStream]]) -> None:
        self._config = dict(config)
        self._streams = streams
        self._now = dt.datetime.now(dt.timezone.utc)
        self._families: dict[str, FamilyScan] = {}
        self._prefetched = False

    @cached_property
    def settings(self) -> Settings:
        """The validated settings (raises SettingsError on bad input)."""
        return Settings.from_config(self._config, self._now)

    @cached_property
    def api(self) -> StripeApi:
        """The one StripeApi of this run."""
        return StripeApi(self.settings)

    @cached_property
    def started(self) -> int:
        """When this run started, by Stripe's clock (see ``StripeApi.now``)."""
        return self.api.now()

    def clock_set(self) -> None:
        """The permission probe has told Stripe's time: plans made by this machine's clock
        before it (which endpoints to probe) are made again by Stripe's."""
        self.__dict__.pop("started", None)
        for stream in self._streams().values():
            stream.__dict__.pop("plan", None)

    @cached_property
    def scheduler(self) -> Scheduler:
        """Runs the passes of this run ahead of their streams, on one worker pool."""
        return Scheduler(self.concurrency)

    def _selected(self) -> list[StripeStream]:
        """Selected streams in the order singer-sdk syncs them."""
        return [s for s in self._streams().values() if s.selected]

    def prefetch(self) -> None:
        """Start every pass this run needs, in the order the streams will read them (once)."""
        if self._prefetched:
            return
        self._prefetched = True
        needed: list[SharedPass] = []
        for stream in self._selected():
            if stream.plan.list_from is not None:
                needed.append(self.family_of(stream.sdef))
            if stream.plan.events_from is not None:
                needed.append(self.hub)
        self.scheduler.queue(list(dict.fromkeys(needed)))

    def shared(self, shared: SharedPass) -> SharedPass:
        """``shared``, started now if the scheduler has not started it yet."""
        self.scheduler.need(shared)
        return shared

    def family_of(self, sdef: StreamDef) -> FamilyScan:
        """The listing of ``sdef``'s family (its parent and the parent's children)."""
        root = BY_NAME[sdef.parent] if sdef.parent else sdef
        scan = self._families.get(root.name)
        if scan is None:
            family = {root.name, *(c.name for c in children_of(root.name))}
            starts = {s.name: s.plan.list_from for s in self._selected()
                      if s.name in family and s.plan.list_from is not None}
            scan = self._families[root.name] = FamilyScan(
                self.api, root, starts, self.started, self.settings.slice_seconds,
                Stamper(self.started), scheduler=self.scheduler)
        return scan

    @cached_property
    def hub(self) -> EventsHub:
        """The one pass over /v1/events of this run."""
        plans = {s.name: s.plan for s in self._selected() if s.plan.events_from is not None}
        starts = {name: min(p.events_from or 0, p.deletes_from or p.events_from or 0)
                  for name, p in plans.items()}
        changes_from = {name: p.events_from or 0 for name, p in plans.items()}
        end = self.api.now() - self.settings.event_lag
        return EventsHub(self.api, starts, end, self.settings.event_payload,
                         scheduler=self.scheduler, changes_from=changes_from)

    def close(self) -> None:
        """Stop every pass and worker thread of this run (after a failure)."""
        if "scheduler" in self.__dict__:
            self.scheduler.close()
