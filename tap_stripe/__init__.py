"""tap-stripe: a Singer tap for Stripe built on singer-sdk and the official stripe client."""

from __future__ import annotations

from importlib import metadata

from tap_stripe import client_log  # noqa: F401  (before stripe is imported: see client_log)

try:
    __version__ = metadata.version("tap-stripe")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
