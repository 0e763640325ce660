"""What one run of the tap shares between its streams: settings, the API, the family scans."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tap_stripe.api import StripeApi
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

    def family_of(self, sdef: StreamDef) -> FamilyScan:
        """The scan of ``sdef``'s family (its parent and the parent's children)."""
        root = BY_NAME[sdef.parent] if sdef.parent else sdef
        scan = self._families.get(root.name)
        if scan is None:
            streams = self._streams()
            members = [root, *children_of(root.name)]
            starts = {m.name: streams[m.name].start() for m in members
                      if m.name in streams and streams[m.name].selected}
            scan = self._families[root.name] = FamilyScan(
                self.api, root, starts, self.started, self.settings.slice_seconds,
                Stamper(self.started))
        return scan
