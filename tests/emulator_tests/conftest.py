"""Fixtures: emulators on free 127.0.0.1 ports and a small HTTP client for them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.emulator import Emulator

if TYPE_CHECKING:
    from collections.abc import Iterator

CLOCK = 1_790_000_000
DAY = 86_400


class Client:
    """``requests`` against one emulator, authenticated with its secret key by default."""

    def __init__(self, emulator: Emulator, key: str | None = None,
                 account: str | None = None) -> None:
        self.emulator = emulator
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key or emulator.secret_key}"
        if account:
            self.session.headers["Stripe-Account"] = account

    def get(self, path: str, params: Any = None, **kwargs: Any) -> requests.Response:
        """GET ``path`` (``params`` as a dict or list of pairs)."""
        return self.session.get(self.emulator.base_url + path, params=params, timeout=10,
                                **kwargs)

    def data(self, path: str, params: Any = None, **kwargs: Any) -> dict[str, Any]:
        """GET ``path`` and return its JSON body, asserting a 200."""
        response = self.get(path, params, **kwargs)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def walk(self, path: str, params: Any = None) -> list[dict[str, Any]]:
        """Every object of a list, following ``starting_after`` cursors (``params`` as a dict
        or list of pairs)."""
        found: list[dict[str, Any]] = []
        pairs = list(params.items() if isinstance(params, dict) else params or [])
        if not any(name == "limit" for name, _ in pairs):
            pairs.append(("limit", 100))
        cursor: list[tuple[str, Any]] = []
        while True:
            page = self.data(path, pairs + cursor)
            found.extend(page["data"])
            if not page["has_more"]:
                return found
            cursor = [("starting_after", page["data"][-1]["id"])]


@pytest.fixture(scope="session")
def shared() -> Iterator[Emulator]:
    """A read-only emulator shared by tests that change nothing."""
    with Emulator(seed=7, scale=40, clock=CLOCK, connected_accounts=2) as emulator:
        yield emulator


@pytest.fixture
def fresh() -> Iterator[Emulator]:
    """An emulator of one test's own, free to be changed."""
    with Emulator(seed=11, scale=12, clock=CLOCK, connected_accounts=2) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def api(shared: Emulator) -> Client:
    """A client of the shared emulator."""
    return Client(shared)
