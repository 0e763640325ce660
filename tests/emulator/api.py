"""The Stripe v1 API itself: one request in, status + JSON body + headers out.

Order of checks, as Stripe answers them: the key (401), ``Stripe-Account`` (403), the endpoint
(404 for unknown URLs), the rate limiters (429), the key's permissions (403), the parameters
(400) and the objects named (404, or 400 for ids given as parameters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.emulator import catalog, errors, expand, filters, objects, paging, query, routes
from tests.emulator.encoding import dumps
from tests.emulator.eventlog import type_matcher
from tests.emulator.store import AccountStore

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.emulator.auth import Keys
    from tests.emulator.limits import RateLimiter
    from tests.emulator.world import World

_PAGING = {"limit", "starting_after", "ending_before", "expand"}
_NAMED = frozenset(c.name for c in catalog.COLLECTIONS if c.names)
_CONNECT_ONLY = catalog.CONNECT_CHILDREN | _NAMED | {"accounts"}
_KIND_OF_PREFIX = {prefix: kind for kind, prefix in objects.ID_PREFIX.items()}
_MISSING_NAMES = {"payment_method": "PaymentMethod", "setup_intent": "setupintent"}
_MAX_TYPES = 20


@dataclass
class Reply:
    """An answer: status, JSON body, extra headers and the account it was for."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    account: str | None = None


def missing_name(object_id: str, kinds: tuple[str, ...]) -> str:
    """How Stripe names an object of ``kinds`` in ``No such <name>: '<id>'``."""
    kind = _KIND_OF_PREFIX.get(object_id.split("_", 1)[0], kinds[0])
    kind = kind if kind in kinds else kinds[0]
    return _MISSING_NAMES.get(kind, kind)


class Api:
    """Answers ``/v1`` requests from the world's data."""

    def __init__(self, world: World, keys: Keys, limiter: RateLimiter) -> None:
        self.world = world
        self.keys = keys
        self.limiter = limiter

    def handle(self, method: str, path: str, query_string: str,
               headers: dict[str, str]) -> Reply:
        """Answer one request (never raises for a Stripe-level error)."""
        account_header = headers.get("stripe-account") or None
        try:
            principal = self.keys.authenticate(headers.get("authorization"))
            with self.world.lock:
                store = self.world.store(account_header)
            if store is None:
                raise errors.account_invalid(principal.key, str(account_header))
            found = routes.match(path)
            if found is None:
                raise errors.unrecognized_url(method, path)
            route, path_params = found
            if method != "GET":
                raise errors.unsupported(f"{method} {route.template} (change data through "
                                         "the /_emulator control API)")
            reason = self.limiter.check(store.account, f"{method} {route.template}",
                                        livemode=self.keys.livemode,
                                        files=route.template.startswith("/v1/files"))
            if reason:
                raise errors.rate_limited(reason)
            permission = self._permission(route)
            if principal.permissions is not None and permission not in principal.permissions:
                raise errors.missing_permissions(principal.key, store.account, (permission,))
            params = query.parse(query_string)
            with self.world.lock:
                body = self._dispatch(store, route, path_params, params)
            return Reply(200, body, account=store.account)
        except errors.StripeError as error:
            return Reply(error.status, error.payload(), error.headers, account_header)

    @staticmethod
    def _permission(route: routes.Route) -> str:
        if route.action in ("events", "event"):
            return catalog.EVENT_PERMISSION
        if route.action == "account":
            return catalog.ACCOUNT_PERMISSION
        return catalog.BY_NAME[route.collection].permission

    def _dispatch(self, store: AccountStore, route: routes.Route, path_params: dict[str, str],
                  params: dict[str, Any]) -> bytes:
        if route.collection in _CONNECT_ONLY and not store.is_platform:
            raise errors.not_a_platform()
        if route.collection in _NAMED and "parent" in path_params:
            store = self._home(store, path_params.pop("parent"))
        handlers: dict[str, Callable[[], bytes]] = {
            "list": lambda: self._list(store, route.collection, path_params.get("parent"),
                                       params),
            "retrieve": lambda: self._retrieve(store, route.collection, path_params, params),
            "events": lambda: self._events(store, params),
            "event": lambda: self._event(store, path_params["id"], params),
            "account": lambda: self._account(store, params),
        }
        return handlers[route.action]()

    def _home(self, store: AccountStore, account: str) -> AccountStore:
        """The data set of connected ``account``, whose own objects (``catalog.Collection.
        names``) the platform ``store`` reads under ``/v1/accounts/{account}``."""
        self._require(store, "accounts", account, "id", 404)
        home = self.world.store(account)
        if home is None:
            raise errors.no_such("account", account, "id")
        return home

    # -- lists -------------------------------------------------------------------------------

    def _list(self, store: AccountStore, name: str, parent: str | None,
              params: dict[str, Any]) -> bytes:
        coll = catalog.BY_NAME[name]
        allowed = _PAGING | set(coll.filters) | ({"created"} if coll.created_filter else set())
        query.reject_unknown(params, allowed)
        limit = query.limit(params)
        expansions = self._expansions(params, coll.kinds, listing=True)
        owner, url = parent, catalog.BY_NAME[name].path
        if coll.names:
            url = store.child_url(name, store.account)
        if parent is not None:
            self._require(store, coll.parent, parent, "id", 404)
            url = store.child_url(name, parent)
        checks: list[Callable[[dict[str, Any]], bool]] = []
        for param, spec in coll.filters.items():
            if param not in params:
                if spec.kind == "parent" and spec.choices:  # one of them is required
                    if not any(name in params for name in spec.choices):
                        raise errors.missing_one_of((param, *spec.choices))
                elif spec.kind in ("parent", "required"):
                    raise errors.missing_parameter(param)
                continue
            if spec.kind in ("parent", "payout"):
                owner = query.text(params, param)
                self._require(store, coll.parent or "payouts", str(owner), param, 400)
                # BalanceTransactionListParams.payout: "For automatic Stripe payouts only"
                if spec.kind == "payout" and store.base("payouts", str(owner)).get(
                        "automatic") is False:
                    raise errors.manual_payout_filter()
            else:
                checks.append(filters.predicate(param, spec, params[param]))
        # what a plain list leaves out (each catalog.Hidden row quotes Stripe's wording)
        checks.extend((lambda obj, rule=rule: not rule.hides(obj)) for rule in coll.hidden
                      if not any(p in params for p in rule.unless))
        low, high = (query.time_range("created", params["created"]) if "created" in params
                     else (None, None))
        def key_of(object_id: str) -> paging.Key | None:
            mine = owner is None or store.parent_id(name, object_id) == owner
            return store.key(name, object_id) if mine else None

        cursor, descending = self._cursor(params, key_of, coll.kinds)
        live = store.live(name)

        def keep(object_id: str) -> bool:
            return live(object_id) and all(c(store.base(name, object_id)) for c in checks)

        walk = paging.walk(store.sources(name, owner), descending=descending, cursor=cursor,
                           low=low, high=high)
        ids, more = paging.take(walk, limit, keep)
        if not descending:
            ids.reverse()
        items = [self._object(store, name, i, expansions) for i in ids]
        return _list_body(items, more, url)

    def _cursor(self, params: dict[str, Any], key_of: Callable[[str], paging.Key | None],
                kinds: tuple[str, ...]) -> tuple[paging.Key | None, bool]:
        """The cursor key and direction; unknown cursors are checked before both-given."""
        keys = {}
        for param in ("starting_after", "ending_before"):
            object_id = query.text(params, param)
            if object_id is not None:
                key = key_of(object_id)
                if key is None:
                    raise errors.no_such(missing_name(object_id, kinds), object_id, param, 400)
                keys[param] = key
        if len(keys) == 2:
            raise errors.both_cursors()
        if "ending_before" in keys:
            return keys["ending_before"], False
        return keys.get("starting_after"), True

    def _require(self, store: AccountStore, name: str, object_id: str, param: str,
                 status: int) -> None:
        if not store.exists(name, object_id):
            kinds = catalog.BY_NAME[name].kinds
            raise errors.no_such(missing_name(object_id, kinds), object_id, param, status)

    def _expansions(self, params: dict[str, Any], kinds: tuple[str, ...], *,
                    listing: bool) -> list[list[str]]:
        if "expand" not in params:
            return []
        return expand.paths(query.array("expand", params["expand"]), kinds, listing=listing)

    def _object(self, store: AccountStore, name: str, object_id: str,
                expansions: list[list[str]]) -> bytes:
        if not expansions:
            return store.encoded(name, object_id)
        return dumps(expand.apply(store, store.render(name, object_id), expansions))

    # -- single objects ----------------------------------------------------------------------

    def _retrieve(self, store: AccountStore, name: str, path_params: dict[str, str],
                  params: dict[str, Any]) -> bytes:
        coll = catalog.BY_NAME[name]
        query.reject_unknown(params, {"expand"})
        expansions = self._expansions(params, coll.kinds, listing=False)
        object_id = path_params["id"]
        holder = store.locate(object_id)
        if holder in routes.SAME_RETRIEVE.get(name, ()):
            name = str(holder)
        parent = path_params.get("parent")
        if parent is not None:
            self._require(store, coll.parent, parent, "id", 404)
        located = store.locate(object_id) == name and (
            parent is None or store.parent_id(name, object_id) == parent)
        stub = store.stub(name, object_id) if located else None
        if stub is not None:
            return dumps(stub)
        if not located or not store.exists(name, object_id):
            raise errors.no_such(missing_name(object_id, coll.kinds), object_id, "id")
        return self._object(store, name, object_id, expansions)

    def _account(self, store: AccountStore, params: dict[str, Any]) -> bytes:
        query.reject_unknown(params, {"expand"})
        self._expansions(params, ("account",), listing=False)
        return dumps(self.world.account_object(store))

    # -- events ------------------------------------------------------------------------------

    def _events(self, store: AccountStore, params: dict[str, Any]) -> bytes:
        query.reject_unknown(params, _PAGING | {"created", "type", "types", "delivery_success"})
        limit = query.limit(params)
        self._expansions(params, ("event",), listing=True)
        if "type" in params and "types" in params:
            raise errors.StripeError(400, "You may only specify one of these parameters: "
                                     "type, types.")
        patterns = None
        if "type" in params:
            patterns = [type_matcher(query.text(params, "type") or "")]
        elif "types" in params:
            names = query.array("types", params["types"])
            if len(names) > _MAX_TYPES:
                raise errors.invalid("array", "types", "Invalid array: must contain at most "
                                     f"{_MAX_TYPES} elements")
            patterns = [type_matcher(n) for n in names]
        delivered = (query.boolean("delivery_success", params["delivery_success"])
                     if "delivery_success" in params else True)
        low, high = (query.time_range("created", params["created"]) if "created" in params
                     else (None, None))
        cursor, descending = self._cursor(params, store.events.key, ("event",))
        payloads, more = store.events.page(patterns, low, high, cursor, descending, limit)
        if not delivered:
            payloads, more = [], False
        if not descending:
            payloads.reverse()
        return _list_body([store.events.body(p) for p in payloads], more, "/v1/events")

    def _event(self, store: AccountStore, event_id: str, params: dict[str, Any]) -> bytes:
        query.reject_unknown(params, {"expand"})
        self._expansions(params, ("event",), listing=False)
        body = store.events.retrieve(event_id)
        if body is None:
            raise errors.no_such("event", event_id, "id")
        return body


def _list_body(items: list[bytes], more: bool, url: str) -> bytes:
    return (b'{"object":"list","data":[' + b",".join(items) + b'],"has_more":'
            + (b"true" if more else b"false") + b',"url":' + dumps(url) + b"}")
