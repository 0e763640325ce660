"""stripe-python's own log, taken over by the tap so that it never shows a key.

With ``STRIPE_LOG=debug`` (or ``info``) stripe-python prints its log to stderr itself
(``stripe/_util.py``: ``STRIPE_LOG`` is read once, when ``stripe`` is imported, and
``log_debug``/``log_info`` print when it is set), and its lines carry Stripe's error messages
with the key masked as Stripe masks it ("Invalid API Key provided: sk_test_****abcd"). The tap
removes the variable before ``stripe`` is imported (this module is imported by the package's
``__init__``) and sends the client's log through logging instead, at the level asked for, with
every key redacted.
"""

from __future__ import annotations

import logging
import os

from tap_stripe.errors import redact

REQUESTED = os.environ.pop("STRIPE_LOG", None)
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}


class _Redacted(logging.Filter):
    """Replaces every key in a record's message by ``[redacted key]``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def route_client_log() -> None:
    """The ``stripe`` logger at the level ``STRIPE_LOG`` asked for (else warnings only), its
    messages redacted."""
    logger = logging.getLogger("stripe")
    logger.setLevel(_LEVELS.get((REQUESTED or "").lower(), logging.WARNING))
    if not any(isinstance(f, _Redacted) for f in logger.filters):
        logger.addFilter(_Redacted())
