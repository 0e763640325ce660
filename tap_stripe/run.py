"""What one run of the tap shares between its streams: settings, the API, the shared passes."""

from __future__ import annotations

import datetime as dt
import time
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tap_stripe.api import StripeApi
from tap_stripe.events import EventsHub
from tap_stripe.fetch import FamilyScan
from tap_stripe.records import Stamper
from tap_stripe.registry import BY_NAME, StreamDef, children_of
from tap_stripe.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from tap_stripe.streams import StripeStream


class Run:
    """State shared by the streams of one run; built lazily so discovery needs no settings."""

    def __init__(self, config: Mapping[str, Any],
                 streams: Callable[[], Mapping[str, StripeStream]]) -> None:
        self._config = dict(config)
        self._streams = streams
        self._now = dt.datetime.now(dt.timezone.utc)
        self.started = int(self._now.timestamp())
        self._families: dict[str, FamilyScan] = {}

    @cached_property
    def settings(self) -> Settings:
        """The validated settings (raises SettingsError on bad input)."""
        return Settings.from_config(self._config, self._now)

    @cached_property
    def api(self) -> StripeApi:
        """The one StripeApi of this run."""
        return StripeApi(self.settings)

    def _selected(self) -> list[StripeStream]:
        return [s for s in self._streams().values() if s.selected]

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
                Stamper(self.started))
        return scan

    @cached_property
    def hub(self) -> EventsHub:
        """The one pass over /v1/events of this run."""
        starts = {s.name: s.plan.events_from for s in self._selected()
                  if s.plan.events_from is not None}
        end = int(time.time()) - self.settings.event_lag
        return EventsHub(self.api, starts, end, self.settings.event_payload)
