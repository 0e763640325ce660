"""HTTP/1.1: keep-alive with Content-Length on every answer, as stripe-python's sessions expect."""

from __future__ import annotations

import http.client
import threading

from tests.emulator import Emulator
from tests.emulator_tests.conftest import Client


def test_one_connection_serves_many_requests(shared: Emulator) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", shared.port, timeout=10)
    headers = {"Authorization": f"Bearer {shared.secret_key}"}
    try:
        for path in ("/v1/customers", "/v1/nothing", "/v1/charges?limit=3"):
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            assert int(response.headers["Content-Length"]) == len(body)
            assert response.headers["Connection"] == "keep-alive"
            assert response.version == 11
        assert response.status == 200
    finally:
        connection.close()


def test_connection_close_is_honoured(shared: Emulator) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", shared.port, timeout=10)
    try:
        connection.request("GET", "/v1/customers", headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        assert response.status == 401
        assert response.headers["Connection"] == "close"
    finally:
        connection.close()


def test_concurrent_clients_page_consistently_while_data_changes(fresh: Emulator) -> None:
    truth = [c["id"] for c in fresh.objects("charges")]
    results: list[list[str]] = []
    failures: list[BaseException] = []

    def walk() -> None:
        try:
            results.append([c["id"] for c in Client(fresh).walk("/v1/charges", {"limit": 5})])
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=walk) for _ in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(20):
        fresh.create("customer")
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert results == [truth] * 4


def test_date_header_is_the_emulator_clock(fresh: Emulator) -> None:
    """Stripe's Date header is its server time; the emulator's server time is its clock."""
    fresh.set_time(1_700_000_000)
    response = Client(fresh).get("/v1/customers")
    assert response.headers["Date"] == "Tue, 14 Nov 2023 22:13:20 GMT"
