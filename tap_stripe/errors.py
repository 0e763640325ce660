"""Errors that end a run with one line telling the user what is wrong and how to fix it, and the
redaction that keeps API keys out of every message."""

from __future__ import annotations

import re

# A Stripe key (sk_/rk_/pk_, live or test) or a key as Stripe prints it masked in its error
# messages ("sk_test_****abcd", "rk_live_******abcdef"): a word with a run of asterisks.
_KEY_LIKE = re.compile(r"\b[spr]k_(?:live|test)_[A-Za-z0-9*]+|[A-Za-z0-9_]*\*{3,}[A-Za-z0-9_]*")
REDACTED = "[redacted key]"


def redact(text: str, secret: str | None = None) -> str:
    """``text`` with ``secret`` and anything that looks like a Stripe key, masked or not,
    replaced by ``[redacted key]``."""
    if secret:
        text = text.replace(secret, REDACTED)
    return _KEY_LIKE.sub(REDACTED, text)


class TapStripeError(Exception):
    """A failure the user can act on; printed as one line, exit code 1, no traceback."""


class SettingsError(TapStripeError, ValueError):
    """A setting or an input file (catalog, state) is wrong; the message says how to fix it."""


class StripeAccessError(TapStripeError):
    """Stripe refused a request that retrying cannot fix (bad key, missing permission...)."""

    def __init__(self, message: str, *, status: int | None = None,
                 permission: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.permission = permission
        self.code = code  # Stripe's error code (``resource_missing``...), when it sent one

    @property
    def gone(self) -> bool:
        """Whether Stripe said the object asked about (or named in a filter) does not exist:
        404, or 400 ``resource_missing`` ("No such subscription: ..." on a list filter)."""
        return self.status == 404 or (self.status == 400 and self.code == "resource_missing")


class StripeUnavailableError(TapStripeError):
    """Stripe (or api_base) kept failing after every retry."""


class StreamsNotReadableError(TapStripeError):
    """Selected streams the API key cannot read, with ``on_permission_error`` set to fail."""


class StripeResponseError(TapStripeError):
    """An answer the tap cannot use: a malformed list page, or a list that never ends."""
