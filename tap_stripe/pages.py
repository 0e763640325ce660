"""Checks on the list pages an endpoint answers: their shape, and that paging moves on.

Stripe's list object is ``{"object": "list", "data": [...], "has_more": bool, "url": ...}``
(API reference, "Pagination"), each item an object with a string ``id``, the cursor
(stripe-python ``CustomerListParams.starting_after``: "`starting_after` is an object ID that
defines your place in the list"), and, where it has one, ``created`` in unix seconds
(``Customer.created``: "Time at which the object was created. Measured in seconds since the
Unix epoch."). A page
that breaks this, or a cursor that comes back (the same page again with ``has_more: true``,
which would be read forever), ends the run with one line naming the endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tap_stripe.errors import StripeResponseError
from tap_stripe.raw import RawRecord

# A listed object: a plain dict, or Stripe's bytes with the fields the tap reads (``raw``).
Obj = dict[str, Any] | RawRecord


def objects_of(page: Mapping[str, Any], path: str) -> list[Obj]:
    """The objects of list page ``page`` from ``GET path``; StripeResponseError when the page
    is malformed."""
    data = page.get("data")
    if data is None:
        return []
    if not isinstance(data, list):
        raise _malformed(path, f'"data" is {_kind(data)}, not a list')
    for index, obj in enumerate(data):
        if type(obj) is RawRecord:  # as a rule: both fields in one call
            oid, created = obj.id_and_created()
        elif isinstance(obj, dict | RawRecord):
            oid, created = obj.get("id"), obj.get("created")
        else:
            raise _malformed(path, f'item {index} of "data" is {_kind(obj)}, not an object')
        if not isinstance(oid, str) or not oid:
            raise _malformed(path, f'object {index} of "data" has no "id"')
        if created is not None and (isinstance(created, bool) or not isinstance(created, int)):
            raise _malformed(path, f'object {oid} has "created" {str(created)[:40]!r}, not a '
                                   "unix time in whole seconds")
    return data


class Cursors:
    """The ``starting_after`` cursors one listing has followed."""

    def __init__(self, path: str, start: str | None = None) -> None:
        self.path = path
        self._followed = {start} if start else set()

    def follow(self, cursor: str) -> str:
        """``cursor``, the next page's; StripeResponseError if it was followed before."""
        if cursor in self._followed:
            msg = (f"GET {self.path} does not end: after {cursor} it answered a page it had "
                   "answered before (has_more true), so it would be read forever. Check that "
                   "api_base is Stripe's API.")
            raise StripeResponseError(msg)
        self._followed.add(cursor)
        return cursor


def _malformed(path: str, what: str) -> StripeResponseError:
    return StripeResponseError(f"GET {path} answered a malformed list page: {what}. Check that "
                               "api_base is Stripe's API.")


def _kind(value: object) -> str:
    return "null" if value is None else f"a {type(value).__name__}"
