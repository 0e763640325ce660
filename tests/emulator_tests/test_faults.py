"""Injected faults and latency: each kind as a client sees it, reproducible by seed."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
import requests

from tests.emulator import Emulator
from tests.emulator_tests.conftest import CLOCK, Client

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def faulty() -> Iterator[Emulator]:
    """An emulator whose faults each test sets."""
    with Emulator(seed=1, scale=5, clock=CLOCK, stall_seconds=2.0) as emulator:
        yield emulator


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_have_api_error_bodies(faulty: Emulator, status: int) -> None:
    faulty.set_faults({str(status): 1.0})
    response = Client(faulty).get("/v1/customers")
    assert response.status_code == status
    assert response.json()["error"]["type"] == "api_error"
    assert response.headers["Request-Id"].startswith("req_")


def test_lock_timeouts_ask_for_a_retry(faulty: Emulator) -> None:
    faulty.set_faults({"lock_timeout": 1.0})
    response = Client(faulty).get("/v1/customers")
    assert response.status_code == 429
    assert response.headers["Stripe-Should-Retry"] == "true"
    assert "Stripe-Rate-Limited-Reason" not in response.headers
    assert response.json()["error"]["code"] == "lock_timeout"


def test_a_reset_drops_the_connection_without_an_answer(faulty: Emulator) -> None:
    faulty.set_faults({"reset": 1.0})
    with pytest.raises(requests.ConnectionError):
        Client(faulty).get("/v1/customers")
    assert faulty.requests()[-1]["status"] == 0
    assert faulty.requests()[-1]["fault"] == "reset"


def test_a_stall_holds_the_answer_until_the_client_times_out(faulty: Emulator) -> None:
    faulty.set_faults({"stall": 1.0})
    started = time.perf_counter()
    with pytest.raises(requests.ReadTimeout):
        requests.get(faulty.base_url + "/v1/customers", timeout=0.3,
                     headers={"Authorization": f"Bearer {faulty.secret_key}"})
    assert 0.3 <= time.perf_counter() - started < 1.5


def test_a_truncated_body_is_shorter_than_its_content_length(faulty: Emulator) -> None:
    faulty.set_faults({"truncate": 1.0})
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        Client(faulty).get("/v1/customers")


def test_an_html_page_comes_instead_of_json(faulty: Emulator) -> None:
    faulty.set_faults({"html": 1.0})
    response = Client(faulty).get("/v1/customers")
    assert response.status_code == 502
    assert response.headers["Content-Type"] == "text/html"
    assert "<title>502 Bad Gateway</title>" in response.text
    with pytest.raises(requests.JSONDecodeError):
        response.json()


def test_faults_never_hit_the_control_api(faulty: Emulator) -> None:
    faulty.set_faults({"500": 1.0})
    response = requests.get(faulty.base_url + "/_emulator/health", timeout=10)
    assert response.status_code == 200
    assert response.json()["secret_key"] == faulty.secret_key


def test_the_same_seed_gives_the_same_faults() -> None:
    def statuses() -> list[int]:
        with Emulator(seed=1, scale=5, clock=CLOCK, faults={"500": 0.3, "503": 0.2},
                      fault_seed=42) as emulator:
            client = Client(emulator)
            return [client.get("/v1/customers", {"limit": 1}).status_code for _ in range(30)]

    first = statuses()
    assert first == statuses()
    assert {200, 500, 503} == set(first)


def test_latency_delays_every_api_request(faulty: Emulator) -> None:
    faulty.set_latency(150)
    started = time.perf_counter()
    assert Client(faulty).get("/v1/customers").status_code == 200
    assert time.perf_counter() - started >= 0.15
    assert faulty.requests()[-1]["duration_ms"] >= 150


def test_unknown_faults_are_refused(faulty: Emulator) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        faulty.set_faults({"explode": 0.5})
    with pytest.raises(ValueError, match="more than 1"):
        faulty.set_faults({"500": 0.6, "503": 0.6})
