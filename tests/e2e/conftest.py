"""Fixtures of the end-to-end tests: a PostgreSQL server and Meltano with installed plugins."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.meltano_project import Meltano
from tests.postgres import PostgresServer, find_bin_dir


def serve_postgres() -> Iterator[PostgresServer]:
    """A running PostgreSQL server on a free loopback port, stopped when the fixture ends;
    the test is skipped where PostgreSQL is not installed."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (no initdb on PATH or under "
                    "/usr/lib/postgresql/*/bin); .ci/run installs it")
    server = PostgresServer(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server shared by the session."""
    yield from serve_postgres()


@pytest.fixture(scope="session")
def meltano() -> Iterator[Meltano]:
    """Meltano on the checkout's meltano.yml with a fresh system database (so fresh state)."""
    with tempfile.TemporaryDirectory(prefix="tap-stripe-meltano-") as home:
        yield Meltano.create(Path(home))
