"""A `responses`-mocked Stripe for unit tests: list paging and `created` filters over given
objects, and a log of every request's path and query."""

from __future__ import annotations

import json
import re
import time
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import responses

BASE = "https://api.stripe.test"


ACCOUNT = "acct_1Own"


class FakeStripe:
    """Serves ``GET <path>`` lists of registered objects the way Stripe pages them."""

    def __init__(self, rsps: responses.RequestsMock) -> None:
        self.rsps = rsps
        self.lists: dict[str, list[dict[str, Any]]] = {}
        self.tags: dict[int, dict[str, str]] = {}
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.probes: list[str] = []
        self.failures: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self.objects: dict[str, dict[str, Any] | None] = {}
        self.refusals: dict[str, tuple[int, dict[str, Any]]] = {}
        rsps.add_callback(responses.GET, re.compile(re.escape(BASE) + r"/v1/.*"),
                          callback=self._answer)

    def add(self, path: str, objects: list[dict[str, Any]],
            listed_under: dict[str, str] | None = None) -> None:
        """Serve ``objects`` (each with id and created) at list ``path``, with those already
        there; ``listed_under`` gives filter values they match though no field holds them
        (``{"payout": "po_1"}`` for a payout's balance transactions)."""
        for obj in objects:
            self.tags[id(obj)] = listed_under or {}
        merged = [*self.lists.get(path, []), *objects]
        self.lists[path] = sorted(merged, key=lambda o: (_created(o), o["id"]), reverse=True)

    def put(self, path: str, obj: dict[str, Any] | None) -> None:
        """Serve ``obj`` at retrieve ``path``; None answers Stripe's 404."""
        self.objects[path] = obj

    def refuse(self, path: str, permission: str) -> None:
        """Answer requests of ``path`` with Stripe's 403 for a restricted key that lacks
        ``permission``."""
        message = (f"The provided key 'rk_test_****unit' does not have the required "
                   f"permissions for this endpoint. Having the '{permission}' permission "
                   "would allow this request to continue.")
        self.refusals[path] = (403, {"error": {"type": "invalid_request_error",
                                               "message": message}})

    def fail(self, path: str, gte: int | str, status: int, body: dict[str, Any]) -> None:
        """Answer ``status``/``body`` to requests of ``path`` whose created[gte] is ``gte``
        (a string: whose query holds that ``name=value``)."""
        self.failures[(path, str(gte))] = (status, body)

    def paths(self) -> list[str]:
        """Paths requested, in order."""
        return [p for p, _ in self.calls]

    def queries(self, path: str) -> list[dict[str, str]]:
        """Query parameters of each request to ``path``."""
        return [q for p, q in self.calls if p == path]

    def earliest(self, path: str) -> int:
        """The smallest ``created[gte]`` requested of ``path``: where its listing began,
        whatever order its concurrent window requests went out in."""
        return min(int(q["created[gte]"]) for q in self.queries(path) if "created[gte]" in q)

    def _answer(self, request: Any) -> tuple[int, dict[str, str], str]:
        status, headers, body = self._serve(request)
        # Every answer of Stripe's carries its time (RFC 9110's Date, whole seconds), which
        # the tap reads for Stripe's clock and the time of a first page asked ahead
        return status, {**headers, "Date": formatdate(time.time(), usegmt=True)}, body

    def _serve(self, request: Any) -> tuple[int, dict[str, str], str]:
        url = urlsplit(request.url)
        query = dict(parse_qsl(url.query))
        if url.path == "/v1/account":  # the key's own account id, for stripe_account
            return 200, {}, json.dumps({"id": ACCOUNT, "object": "account"})
        if query.get("limit") == "1":  # the permission probe before each sync
            self.probes.append(url.path)
        else:
            self.calls.append((url.path, query))
        failure = self.refusals.get(url.path) or self.failures.get(
            (url.path, query.get("created[gte]", ""))) or next(
            (f for (p, q), f in self.failures.items()
             if p == url.path and "=" in q and q in url.query.split("&")), None)
        if failure:
            return failure[0], {}, json.dumps(failure[1])
        if url.path in self.objects:
            obj = self.objects[url.path]
            if obj is None:
                error = {"type": "invalid_request_error", "code": "resource_missing",
                         "message": f"No such object: '{url.path.rsplit('/', 1)[-1]}'"}
                return 404, {}, json.dumps({"error": error})
            return 200, {}, json.dumps(obj)
        items = [o for o in self.lists.get(url.path, [])
                 if _matches({**o, **self.tags.get(id(o), {})}, query)]
        if url.path == "/v1/prices":  # API reference: "Returns a list of your active prices
            # ... For the list of inactive prices, set active to false." (absent: active)
            wanted = query.get("active", "true") == "true"
            items = [o for o in items if o.get("active", True) is wanted]
        after = query.get("starting_after")
        if after:
            ids = [o["id"] for o in items]
            items = items[ids.index(after) + 1:]
        limit = int(query.get("limit", 10))
        body = {"object": "list", "url": url.path, "has_more": len(items) > limit,
                "data": items[:limit]}
        return 200, {"Request-Id": "req_test"}, json.dumps(body)


def _created(obj: dict[str, Any]) -> int:
    return int(obj.get("created", obj.get("date", 0)))


def _matches(obj: dict[str, Any], query: dict[str, str]) -> bool:
    created = _created(obj)
    if "created[gte]" in query and created < int(query["created[gte]"]):
        return False
    if "created[lt]" in query and created >= int(query["created[lt]"]):
        return False
    return all(obj.get(k) == v for k, v in query.items()
               if k in {"object", "payout", "setup_intent", "subscription"})
