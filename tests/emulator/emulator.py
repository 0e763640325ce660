"""``Emulator``: the Python face of the Stripe emulator (see the package docstring)."""

from __future__ import annotations

import json
import threading
from functools import partial
from typing import TYPE_CHECKING, Any

from tests.emulator import catalog, expand, paging
from tests.emulator.api import Api
from tests.emulator.auth import Keys, key_mode
from tests.emulator.clock import Clock
from tests.emulator.control import Control
from tests.emulator.errors import ControlError
from tests.emulator.faults import FaultPlan, Faults, checked
from tests.emulator.ids import random_token, salt
from tests.emulator.limits import RateLimiter
from tests.emulator.reqlog import RequestLog
from tests.emulator.server import App, Server
from tests.emulator.world import DEFAULT_API_VERSION, World

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from types import TracebackType

    from tests.emulator.store import AccountStore

Obj = dict[str, Any]


class Emulator:
    """A Stripe v1 API server over generated, linked data, with a control API.

    Args:
        seed: Seed of all generated data (same seed, scale and clock: same objects).
        scale: Customers of the platform account; other collections scale with it
            (about 33 objects per customer in total).
        rate_limit: ``off``, ``test`` (25/s), ``live`` (100/s) or ``auto`` (by key mode).
        latency_ms: Added delay of every ``/v1`` request; ``jitter_ms`` spreads it.
        faults: Fault rates, e.g. ``{"500": 0.01, "reset": 0.01}`` (see ``faults.KINDS``).
        fault_seed: Seed of the fault and jitter draws.
        stall_seconds: How long a ``stall`` fault holds the answer back.
        key: The platform's secret key (default: a test key derived from ``seed``).
        api_keys: More keys: restricted key -> permissions, or secret key -> None.
        connected_accounts: Connected accounts of the platform (Connect).
        connected_scale: Scale of each connected account's own data set.
        clock: Start time (unix seconds, clock frozen until moved), or None (wall clock).
        api_version: The account's default API version (``api_version`` of events).
        host, port: Where to listen (port 0: a free port).
        cache_size: Serialised objects kept in the LRU cache (a fifth as many built dicts).
        log_size: Requests kept in the request log.
    """

    def __init__(self, *, seed: int = 1, scale: int = 100, rate_limit: str = "off",
                 latency_ms: float = 0.0, jitter_ms: float = 0.0,
                 faults: Mapping[str, float] | None = None, fault_seed: int = 0,
                 stall_seconds: float = 30.0, key: str | None = None,
                 api_keys: Mapping[str, list[str] | None] | None = None,
                 connected_accounts: int = 2, connected_scale: int = 10,
                 clock: int | None = None, api_version: str = DEFAULT_API_VERSION,
                 host: str = "127.0.0.1", port: int = 0, cache_size: int = 50_000,
                 log_size: int = 100_000) -> None:
        secret = key or "sk_test_" + random_token(salt(seed, "key"), 0, 24)
        self._keys = Keys(secret)
        for extra, permissions in (api_keys or {}).items():
            self._keys.add(extra, permissions)
        self.clock = Clock(clock)
        self.world = World(seed=seed, scale=scale, connected_accounts=connected_accounts,
                           connected_scale=connected_scale, clock=self.clock,
                           livemode=key_mode(secret), api_version=api_version,
                           cache_size=cache_size)
        self.limiter = RateLimiter(rate_limit)
        self.faults = Faults(FaultPlan(checked(dict(faults or {})), latency_ms, jitter_ms,
                                       stall_seconds, fault_seed))
        self.log = RequestLog(log_size)
        self.app = App(self.world, Api(self.world, self._keys, self.limiter), Control(self),
                       self.faults, self.log)
        self._host, self._port = host, port
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Listen (on a free port unless one was given) and serve in a background thread."""
        self._bind()
        assert self._server is not None
        self._thread = threading.Thread(target=partial(self._server.serve_forever, 0.05),
                                        name="stripe-emulator", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Listen and serve in this thread until ``stop`` is called (from another thread)."""
        if self._server is None:
            self._bind()
        assert self._server is not None
        self._server.serve_forever(0.05)

    def _bind(self) -> None:
        self.app.stopping.clear()
        self._server = Server((self._host, self._port), self.app)
        self._port = self._server.server_address[1]

    def stop(self) -> None:
        """Stop serving and close the listening socket (stalled requests are released)."""
        self.app.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port served (known once started)."""
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: give it to the client as the API base."""
        return f"http://{self._host}:{self._port}"

    @property
    def secret_key(self) -> str:
        """The platform's secret key."""
        return self._keys.secret_key

    @property
    def platform_account(self) -> str:
        """The platform's account id (``GET /v1/account``)."""
        return self.world.platform_id

    def health(self) -> Obj:
        """Where and how the emulator serves."""
        with self.world.lock:
            return {"ok": True, "base_url": self.base_url, "secret_key": self.secret_key,
                    "platform_account": self.platform_account, "now": self.now,
                    "objects": self.count()}

    # -- data --------------------------------------------------------------------------------

    def _store(self, account: str | None) -> AccountStore:
        store = self.world.store(account)
        if store is None:
            raise ControlError(f"no such connected account {account}")
        return store

    def count(self, account: str | None = None) -> int:
        """How many objects were generated for ``account`` (the platform by default)."""
        with self.world.lock:
            return self._store(account).dataset.total()

    def create(self, kind: str, fields: Mapping[str, Any] | None = None, *,
               parent: str | None = None, links: Mapping[str, str | None] | None = None,
               account: str | None = None) -> Obj:
        """Create an object now and record its creation event.

        Args:
            kind: Object kind (``customer``), collection (``customer_sources``) or tap stream
                (``bank_accounts``).
            fields: Top-level fields overriding the generated ones (``created`` allowed).
            parent: Parent id for child objects (invoice of a line item, customer of a
                source, account of a person, subscription of an item, payout of a balance
                transaction...).
            links: Ids of related objects passed to the builder (``{"customer": ...}``).
            account: Connected account to create in (default: the platform).
        """
        with self.world.lock:
            if kind in ("account", "accounts"):
                return self.world.add_account(None, dict(fields or {}))
            store = self._store(account)
            name, restriction = _one_collection(kind, parent)
            coll = catalog.BY_NAME[name]
            object_kind = restriction if restriction in coll.kinds else coll.kinds[0]
            if len(coll.kinds) > 1 and restriction not in coll.kinds:
                raise ControlError(f"say which kind to create: one of {', '.join(coll.kinds)}")
            owner_collection = coll.parent or ("payouts" if name == "balance_transactions"
                                               else "")
            if coll.is_child and parent is None:
                raise ControlError(f"{kind} needs the id of its parent in {coll.parent}")
            if parent is not None and not (owner_collection
                                           and store.exists(owner_collection, parent)):
                raise ControlError(f"{parent} is not a live parent of {kind}")
            return store.create(name, object_kind, dict(fields or {}), dict(links or {}), parent)

    def update(self, object_id: str, fields: Mapping[str, Any], *, account: str | None = None,
               event_type: str | None = None) -> Obj:
        """Change top-level fields of an object and record ``<type>.updated`` (or
        ``event_type``) with ``previous_attributes``; no event when Stripe has none."""
        with self.world.lock:
            store, name = self._locate(object_id, account)
            return store.update(name, object_id, dict(fields), event_type)

    def delete(self, object_id: str, *, account: str | None = None) -> Obj:
        """Delete as Stripe does (deleted stub; subscriptions are canceled) with its event."""
        with self.world.lock:
            store, name = self._locate(object_id, account)
            return store.delete(name, object_id)

    def _locate(self, object_id: str, account: str | None) -> tuple[AccountStore, str]:
        candidates = [self._store(account)] if account else [
            self.world.platform, *(s for a in self.world.accounts()
                                   if (s := self.world.store(a)) is not None)]
        for store in candidates:
            name = store.locate(object_id)
            if name is not None:
                return store, name
        raise ControlError(f"no object {object_id}")

    def objects(self, kind_or_stream: str, account: str | None = None, *,
                included: bool = False) -> list[Obj]:
        """Ground truth: the live objects of a kind, collection or tap stream, newest first,
        as ``GET`` by id returns them (``events``: the visible events; on the platform, the
        connected accounts' capabilities too: it reads them); with ``included``,
        with every includable field the emulator makes a value for expanded."""
        if kind_or_stream == "events":
            return self.events(account)
        with self.world.lock:
            store = self._store(account)
            found = [holder.render(name, object_id)
                     for name, restriction in _collections(kind_or_stream)
                     for holder in self._holders(store, name)
                     for object_id in self._ids(holder, name, restriction)]
            if not included:
                return found
            return [expand.apply(store, obj, [[field] for field, child in
                                              catalog.INCLUDABLE.get(obj["object"], {}).items()
                                              if child == catalog.MADE]) for obj in found]

    def deleted(self, kind_or_stream: str, account: str | None = None) -> list[str]:
        """Ids deleted (as Stripe deletes: stubs only) in a kind, collection or stream."""
        with self.world.lock:
            store = self._store(account)
            result = []
            for name, restriction in _collections(kind_or_stream):
                for object_id, stub in store.overlays[name].deleted.items():
                    if restriction in ("", "in_payout") or stub.get("object") == restriction:
                        result.append(object_id)
            return result

    def removed(self, kind_or_stream: str, account: str | None = None) -> list[str]:
        """Ids Stripe reports as deleted in a kind, collection or stream: deleted stubs, and
        the objects of collections Stripe deletes by cancelling them (a subscription's
        ``customer.subscription.deleted`` cancels it; it stays retrievable as ``canceled``)."""
        found = self.deleted(kind_or_stream, account)
        with self.world.lock:
            store = self._store(account)
            for name, restriction in _collections(kind_or_stream):
                if catalog.BY_NAME[name].deletion == "cancel":
                    found += [i for i in self._ids(store, name, restriction)
                              if store.base(name, i).get("status") == "canceled"]
        return found

    def shown_after_removal(self, kind_or_stream: str,
                            account: str | None = None) -> dict[str, bool]:
        """Children of removed parents (child id -> whether Stripe still shows it).

        Shown: every child of a parent that stays retrievable (a canceled subscription: its
        list is still served), and the first 10 children a deleted parent's payload embeds
        (``invoice.deleted`` carries ``lines``). Not shown: the other children of a deleted
        parent, whose child endpoint answers 404 ("Permanently deletes a one-off invoice
        draft", Stripe API reference, Delete a draft invoice), and children a payload never
        embeds (a deleted customer's sources: ``sources`` is includable, payloads are never
        expanded).
        """
        result: dict[str, bool] = {}
        with self.world.lock:
            store = self._store(account)
            for name, restriction in _collections(kind_or_stream):
                coll = catalog.BY_NAME[name]
                if not coll.is_child:
                    continue
                parent = catalog.BY_NAME[coll.parent]
                for object_id in self._ids(store, name, restriction):
                    owner = store.parent_id(name, object_id)
                    if owner is None:
                        continue
                    if owner in store.overlays[parent.name].deleted:
                        result[object_id] = (bool(coll.embedded) and not coll.includable
                                             and object_id in _embedded_ids(store, name, owner))
                    elif (parent.deletion == "cancel"
                          and store.base(parent.name, owner).get("status") == "canceled"):
                        result[object_id] = True
        return result

    def parents(self, kind_or_stream: str, account: str | None = None) -> dict[str, str]:
        """Child id -> parent id (payout id for payout balance transactions)."""
        with self.world.lock:
            store = self._store(account)
            result = {}
            for name, restriction in _collections(kind_or_stream):
                if catalog.BY_NAME[name].names:  # a connected account's own: that account
                    result.update((object_id, holder.account)
                                  for holder in self._holders(store, name)
                                  for object_id in self._ids(holder, name, restriction))
                elif catalog.BY_NAME[name].is_child or restriction == "in_payout":
                    for object_id in self._ids(store, name, restriction):
                        owner = store.parent_id(name, object_id)
                        if owner is not None:
                            result[object_id] = owner
            return result

    def _holders(self, store: AccountStore, name: str) -> list[AccountStore]:
        """The stores holding ``store``'s objects of ``name``: on the platform, a connected
        account's own objects that it reads under ``/v1/accounts/{account}`` are every
        connected account's (``catalog.Collection.names``)."""
        if catalog.BY_NAME[name].names and store.is_platform:
            return [found for account in self.world.accounts()
                    if (found := self.world.store(account)) is not None]
        return [store]

    @staticmethod
    def _ids(store: AccountStore, name: str, restriction: str) -> Iterator[str]:
        live = store.live(name)
        for _, object_id in paging.walk(store.sources(name), descending=True, cursor=None):
            if not live(object_id):
                continue
            if restriction == "in_payout":
                if store.parent_id(name, object_id) is not None:
                    yield object_id
            elif not restriction or store.base(name, object_id).get("object") == restriction:
                yield object_id

    def events(self, account: str | None = None) -> list[Obj]:
        """Ground truth: every event visible now (younger than 30 days), newest first."""
        with self.world.lock:
            log = self._store(account).events
            payloads, _ = log.page(None, None, None, None, True, 1 << 40)
            return [json.loads(log.body(p)) for p in payloads]

    # -- clock -------------------------------------------------------------------------------

    @property
    def now(self) -> int:
        """The emulator's current time."""
        return self.clock.now()

    def advance(self, seconds: int) -> int:
        """Move the clock forward by ``seconds``; returns the new time."""
        return self.clock.advance(seconds)

    def set_time(self, moment: int) -> int:
        """Set the clock to ``moment``; returns it."""
        return self.clock.set(moment)

    # -- Connect -----------------------------------------------------------------------------

    def accounts(self) -> list[str]:
        """Ids of the live connected accounts."""
        with self.world.lock:
            return self.world.accounts()

    def add_account(self, *, scale: int | None = None,
                    fields: Mapping[str, Any] | None = None) -> Obj:
        """Connect a new account (its own data set of ``scale``); records no event."""
        with self.world.lock:
            return self.world.add_account(scale, dict(fields or {}))

    def revoke_account(self, account: str) -> Obj:
        """Disconnect an account: gone from ``/v1/accounts``; its ``Stripe-Account`` gets 403."""
        with self.world.lock:
            if not self.world.platform.exists("accounts", account):
                raise ControlError(f"no connected account {account}")
            return self.world.platform.delete("accounts", account)

    # -- keys --------------------------------------------------------------------------------

    def add_key(self, key: str, permissions: list[str] | None = None) -> Obj:
        """Accept ``key``: a secret key (no permissions) or a restricted key that may read
        only what ``permissions`` (``rak_customer_read`` ...) allow."""
        self._keys.add(key, permissions)
        return {"key": key, "permissions": permissions}

    def remove_key(self, key: str) -> Obj:
        """Stop accepting ``key``."""
        self._keys.remove(key)
        return {"key": key, "removed": True}

    def keys(self) -> dict[str, list[str] | None]:
        """Every accepted key and its permissions (None: all)."""
        return self._keys.listed()

    # -- behaviour ---------------------------------------------------------------------------

    def set_rate_limit(self, mode: str) -> None:
        """``off``, ``test``, ``live`` or ``auto``."""
        self.limiter.set_mode(mode)

    def set_latency(self, latency_ms: float, jitter_ms: float = 0.0) -> None:
        """Delay every ``/v1`` request by ``latency_ms`` +- ``jitter_ms``."""
        plan = self.faults.plan
        self.faults.configure(FaultPlan(plan.rates, latency_ms, jitter_ms, plan.stall_seconds,
                                        plan.seed))

    def set_faults(self, rates: Mapping[str, float], *, seed: int | None = None,
                   stall_seconds: float | None = None) -> None:
        """Inject faults at ``rates``; the draw sequence restarts from ``seed``."""
        plan = self.faults.plan
        self.faults.configure(FaultPlan(
            checked(dict(rates)), plan.latency_ms, plan.jitter_ms,
            plan.stall_seconds if stall_seconds is None else stall_seconds,
            plan.seed if seed is None else seed))

    def set_api_version(self, version: str) -> None:
        """The account's default API version (for new events and ``Stripe-Version``)."""
        self.world.api_version = version

    def config(self) -> Obj:
        """The run-time settings."""
        plan = self.faults.plan
        return {"rate_limit": self.limiter.mode, "latency_ms": plan.latency_ms,
                "jitter_ms": plan.jitter_ms, "faults": dict(plan.rates),
                "fault_seed": plan.seed, "stall_seconds": plan.stall_seconds,
                "api_version": self.world.api_version, "clock_frozen": self.clock.frozen}

    def configure(self, *, rate_limit: str | None = None, latency_ms: float | None = None,
                  jitter_ms: float | None = None, faults: Mapping[str, float] | None = None,
                  fault_seed: int | None = None, stall_seconds: float | None = None,
                  api_version: str | None = None) -> Obj:
        """Change any run-time setting at once; returns ``config()``."""
        if rate_limit is not None:
            self.set_rate_limit(rate_limit)
        plan = self.faults.plan
        if latency_ms is not None or jitter_ms is not None:
            self.set_latency(plan.latency_ms if latency_ms is None else latency_ms,
                             plan.jitter_ms if jitter_ms is None else jitter_ms)
        if faults is not None or fault_seed is not None or stall_seconds is not None:
            self.set_faults(self.faults.plan.rates if faults is None else faults,
                            seed=fault_seed, stall_seconds=stall_seconds)
        if api_version is not None:
            self.set_api_version(api_version)
        return self.config()

    # -- request log -------------------------------------------------------------------------

    def requests(self, since: int = 0) -> list[Obj]:
        """Logged ``/v1`` requests after serial ``since``: method, path, query, account,
        status (0 = no answer), duration_ms, fault, request_id."""
        return self.log.entries(since)

    def counters(self) -> Obj:
        """Requests in total, per status and per fault."""
        return self.log.counters()

    def clear_log(self) -> Obj:
        """Forget logged requests and counters."""
        self.log.clear()
        return {"cleared": True}


def _embedded_ids(store: AccountStore, name: str, owner: str) -> set[str]:
    """Ids of the children of ``owner`` its payload embeds (the first 10; children of a
    deleted parent do not change after it)."""
    return {c["id"] for c in store.child_list(name, owner)["data"]}


def _collections(kind_or_stream: str) -> list[tuple[str, str]]:
    """(collection, restriction) pairs named by a collection, tap stream or object kind."""
    if kind_or_stream in catalog.BY_NAME:
        return [(kind_or_stream, "")]
    if kind_or_stream in catalog.STREAMS:
        return [catalog.STREAMS[kind_or_stream]]
    found = [(c.name, kind_or_stream if len(c.kinds) > 1 else "")
             for c in catalog.COLLECTIONS if kind_or_stream in c.kinds]
    if not found:
        raise ControlError(f"unknown kind, collection or stream {kind_or_stream!r}")
    return found


def _one_collection(kind: str, parent: str | None) -> tuple[str, str]:
    """The single collection a new object of ``kind`` goes to (the parent's id decides)."""
    found = _collections(kind)
    if len(found) > 1 and parent:
        owner = {"cus": "customers", "acct": "accounts", "cs": "checkout_sessions",
                 "qt": "quotes"}.get(parent.split("_", 1)[0])
        found = [(n, r) for n, r in found if catalog.BY_NAME[n].parent == owner] or found
    if len(found) != 1:
        raise ControlError(f"{kind!r} is ambiguous here: {', '.join(n for n, _ in found)}")
    name, restriction = found[0]
    return name, restriction if restriction != "in_payout" else ""
