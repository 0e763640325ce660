"""tap-stripe: a Singer tap for Stripe built on singer-sdk and the official stripe client."""

from __future__ import annotations

from tap_stripe import client_log  # noqa: F401  (before stripe is imported: see client_log)

# The one place the version is written: pyproject.toml reads it (hatch's dynamic version).
__version__ = "0.1.0"
