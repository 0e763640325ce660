"""Everything the emulator knows: the platform account, its connected accounts, the clock.

The platform's data set lists the connected accounts (collection ``accounts``); each connected
account has its own data set, seeded by its id and created on first use. One lock guards all
reads and changes; the caches of built and serialised objects are shared by all accounts.
"""

from __future__ import annotations

import itertools
import random
import threading
from typing import TYPE_CHECKING, Any

from tests.emulator import catalog, objects
from tests.emulator.cache import Lru
from tests.emulator.dataset import HISTORY, Dataset, Shape
from tests.emulator.ids import IdCodec, mix, random_token, salt
from tests.emulator.store import AccountStore

if TYPE_CHECKING:
    from tests.emulator.clock import Clock

DEFAULT_API_VERSION = "2026-10-28.endive"


class World:
    """The accounts and shared state of one emulator."""

    def __init__(self, *, seed: int, scale: int, connected_accounts: int, connected_scale: int,
                 clock: Clock, livemode: bool, api_version: str = DEFAULT_API_VERSION,
                 cache_size: int = 50_000) -> None:
        self.seed = seed
        self.clock = clock
        self.livemode = livemode
        self.api_version = api_version
        self.connected_scale = connected_scale
        self.lock = threading.RLock()
        self.built: Lru[tuple[str, str, int], dict[str, Any]] = Lru(max(1_000, cache_size // 5))
        self.encoded: Lru[tuple[str, str, str, int], bytes] = Lru(cache_size)
        self.anchor = clock.now()
        self._tokens = itertools.count()
        self._token_key = salt(seed, "tokens")
        self.platform_id = "acct_" + IdCodec(salt(seed, "platform"), 16).tail(0)
        self.platform = AccountStore(self, self.platform_id, Dataset(Shape(
            seed=seed, account=self.platform_id, scale=scale, anchor=self.anchor,
            livemode=livemode, platform=True, connected_accounts=connected_accounts)))
        self._connected: dict[str, AccountStore] = {}
        self._scales: dict[str, int] = {}
        self._platform_object: dict[str, Any] | None = None

    def store(self, account: str | None) -> AccountStore | None:
        """The store of ``account`` (the platform when None); None if unknown or revoked."""
        if account is None or account == self.platform_id:
            return self.platform
        if not self.platform.exists("accounts", account):
            return None
        found = self._connected.get(account)
        if found is None:
            shape = Shape(seed=self.seed, account=account,
                          scale=self._scales.get(account, self.connected_scale),
                          anchor=self.anchor, livemode=self.livemode, platform=False)
            found = AccountStore(self, account, Dataset(shape))
            self._connected[account] = found
        return found

    def accounts(self) -> list[str]:
        """Ids of the live connected accounts."""
        platform = self.platform
        generated = [platform.dataset.id("accounts", i)
                     for i in range(platform.dataset.counts["accounts"])]
        created = list(platform.overlays["accounts"].created)
        return [a for a in generated + created if platform.exists("accounts", a)]

    def add_account(self, scale: int | None, fields: dict[str, Any]) -> dict[str, Any]:
        """Create a connected account (with a data set of ``scale``)."""
        account = self.platform.create("accounts", "account", fields, {}, None)
        if scale is not None:
            self._scales[account["id"]] = scale
        return account

    def account_object(self, store: AccountStore) -> dict[str, Any]:
        """What ``GET /v1/account`` returns for ``store``'s account."""
        if not store.is_platform:
            return self.platform.render("accounts", store.account)
        if self._platform_object is None:
            self._platform_object = objects.build(
                "account", id=self.platform_id, created=self.anchor - HISTORY - 86_400 * 90,
                rng=random.Random(mix(salt(self.seed, "platform"), 1)), links={},
                livemode=self.livemode)
        return self._platform_object

    def event_home(self, store: AccountStore, name: str,
                   object_id: str) -> tuple[AccountStore | None, str | None]:
        """Whose event list gets the events of an object, and the event's ``account``."""
        if not store.is_platform:
            return store, store.account
        if name == "accounts":
            return self._connected_for_events(object_id)
        if name in catalog.CONNECT_CHILDREN:
            owner = store.parent_id(name, object_id)
            return self._connected_for_events(owner) if owner else (None, None)
        return store, None

    def _connected_for_events(self, account: str) -> tuple[AccountStore | None, str | None]:
        return self.store(account), account

    def resolve(self, store: AccountStore, object_id: str) -> dict[str, Any] | None:
        """The object (or deleted stub) with ``object_id`` as seen from ``store``, or None."""
        for candidate in (store, self.platform):
            name = candidate.locate(object_id)
            if name is not None:
                stub = candidate.stub(name, object_id)
                return stub if stub is not None else candidate.render(name, object_id)
        return None

    def token(self, length: int = 14) -> str:
        """A fresh random-looking token (deterministic per emulator)."""
        return random_token(self._token_key, next(self._tokens), length)

    def request_id(self) -> str:
        """A fresh ``req_...`` id."""
        return "req_" + self.token(14)
