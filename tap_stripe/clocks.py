"""Test clocks: in test mode, the objects attached to one are left out of their plain lists.

stripe-python's list params say so: customers, subscriptions and quotes "will not include"
objects with test clocks unless ``test_clock`` is given, and subscription schedules of
customers with a test clock unless ``customer`` is given. This module lists each account's
clocks (``/v1/test_helpers/test_clocks``, test mode only) and turns them into the extra
parameter sets those lists are read with.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from tap_stripe.errors import StripeAccessError

if TYPE_CHECKING:
    from tap_stripe.api import StripeApi
    from tap_stripe.registry import StreamDef

LOGGER = logging.getLogger("tap-stripe")
CLOCKS_PATH = "/v1/test_helpers/test_clocks"


def test_mode(key: str) -> bool:
    """Whether ``key`` is a test-mode key (``sk_test_``, ``rk_test_``)."""
    return key.startswith(("sk_test_", "rk_test_"))


class TestClocks:
    """Each account's test clocks and the customers on them, read once per run (thread-safe)."""

    __test__ = False  # not a pytest class

    def __init__(self, api: StripeApi, enabled: bool) -> None:
        self.api = api
        self.enabled = enabled
        self._lock = threading.Lock()
        self._clocks: dict[str | None, list[str]] = {}
        self._customers: dict[str | None, list[str]] = {}

    def variants(self, sdef: StreamDef, header: str | None) -> list[dict[str, str]]:
        """The parameter sets that list ``sdef``'s objects on test clocks in the account that
        ``header`` selects: one per clock (``test_clock``) or per customer on a clock
        (``customer``); none in live mode."""
        if not self.enabled or sdef.clock_param is None:
            return []
        if sdef.clock_param == "customer":
            return [{"customer": c} for c in self.customers(header)]
        return [{sdef.clock_param: c} for c in self.clocks(header)]

    def clocks(self, header: str | None) -> list[str]:
        """Ids of the account's test clocks (none when the key may not list them)."""
        with self._lock:
            found = self._clocks.get(header)
            if found is None:
                found = self._clocks[header] = self._list_clocks(header)
            return found

    def customers(self, header: str | None) -> list[str]:
        """Ids of the account's customers on a test clock (none when the key may not list
        them)."""
        clocks = self.clocks(header)
        with self._lock:
            found = self._customers.get(header)
            if found is None:
                found = self._customers[header] = self._ids(
                    "customers on test clocks", "/v1/customers",
                    [{"test_clock": clock} for clock in clocks], header)
            return found

    def _list_clocks(self, header: str | None) -> list[str]:
        return self._ids("test clocks", CLOCKS_PATH, [{}], header)

    def _ids(self, what: str, path: str, queries: list[dict[str, str]],
             header: str | None) -> list[str]:
        """The ids listed at ``path`` with each of ``queries``; a refusal (400, 403) is one
        warning and no ids."""
        try:
            return [str(o["id"]) for query in queries
                    for page in self.api.list_pages(path, query, header) for o in page]
        except StripeAccessError as exc:
            if exc.status not in (400, 403):
                raise
            LOGGER.warning("Could not list %s (%s); objects on test clocks are not read.",
                           what, exc)
            return []
