"""Errors that end a run with one line telling the user what is wrong and how to fix it."""

from __future__ import annotations


class TapStripeError(Exception):
    """A failure the user can act on; printed as one line, exit code 1, no traceback."""


class SettingsError(TapStripeError, ValueError):
    """A setting is wrong; the message says which and how to fix it."""


class StripeAccessError(TapStripeError):
    """Stripe refused a request that retrying cannot fix (bad key, missing permission...)."""

    def __init__(self, message: str, *, status: int | None = None,
                 permission: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.permission = permission


class StripeUnavailableError(TapStripeError):
    """Stripe (or api_base) kept failing after every retry."""
