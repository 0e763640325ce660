"""The tap: settings, the stream list from the registry, and the command line entry point."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, ClassVar, cast

from singer_sdk import Tap
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.helpers.capabilities import PluginCapabilities, TapCapabilities

from tap_stripe.errors import TapStripeError
from tap_stripe.registry import STREAMS
from tap_stripe.run import Run
from tap_stripe.settings import CONFIG_SCHEMA
from tap_stripe.streams import StripeStream

if TYPE_CHECKING:
    from singer_sdk.helpers.capabilities import CapabilitiesEnum


class TapStripe(Tap):
    """Singer tap for Stripe: every object of an account, incrementally, with deletes."""

    name = "tap-stripe"
    package_name = "tap-stripe"
    config_jsonschema = CONFIG_SCHEMA
    message_writer_class = MsgSpecWriter
    capabilities: ClassVar[list[CapabilitiesEnum]] = [
        TapCapabilities.CATALOG,
        TapCapabilities.DISCOVER,
        TapCapabilities.STATE,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
    ]

    def discover_streams(self) -> list[StripeStream]:
        """One stream per registry row, sharing one Run."""
        run = Run(self.config, lambda: cast("dict[str, StripeStream]", self.streams))
        return [StripeStream(self, sdef, run) for sdef in STREAMS]


def main() -> None:
    """Console entry point: user errors end in one line and exit code 1, never a traceback."""
    try:
        TapStripe.cli()
    except TapStripeError as exc:
        logging.getLogger("tap-stripe").error("%s", exc)
        sys.exit(1)
