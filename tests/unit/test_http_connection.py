"""The lean connection pool (``tap_stripe.connection``) against real local sockets: what it reads
of an answer, when it keeps a connection, and that it fails as urllib3's pool does under
``requests`` (each failure compared with a plain ``requests`` session in the same test)."""

from __future__ import annotations

import gzip
import http.client
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from http.client import InvalidURL
from pathlib import Path

import pytest
import requests
import stripe
from urllib3 import HTTPConnectionPool

import tap_stripe.http
from tap_stripe.connection import LeanPool
from tap_stripe.http import (
    Answer,
    DeadlineClient,
    ThreadSessions,
    Watchdog,
    WatchedAdapter,
    read_whole,
)

Script = Callable[[int, socket.socket, "Server"], None]


class Server:
    """A TCP server on 127.0.0.1 running ``script(connection number, socket, server)`` on a
    thread for each connection it accepts; ``requests`` holds the request lines it read."""

    def __init__(self, script: Script, wrap: ssl.SSLContext | None = None) -> None:
        self.script = script
        self.wrap = wrap
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.requests: list[str] = []
        self.heads: list[bytes] = []  # each request's whole head
        self.release = threading.Event()  # scripts that hang wait for this
        self.threads: list[threading.Thread] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            number = self.connections
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(number, sock), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, number: int, sock: socket.socket) -> None:
        try:
            if self.wrap is not None:
                sock = self.wrap.wrap_socket(sock, server_side=True)
            self.script(number, sock, self)
        except (OSError, ssl.SSLError):
            pass
        finally:
            sock.close()

    def read_request(self, sock: socket.socket) -> bool:
        """Read one request's head (the tap's requests carry no body here); False at EOF."""
        head = b""
        while b"\r\n\r\n" not in head:
            got = sock.recv(65536)
            if not got:
                return False
            head += got
        self.requests.append(head.split(b"\r\n", 1)[0].decode())
        self.heads.append(head)
        return True

    def close(self) -> None:
        self.release.set()
        self.listener.close()
        for thread in self.threads:
            thread.join(5)


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(script: Script, wrap: ssl.SSLContext | None = None) -> Server:
        servers.append(Server(script, wrap))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def answering(*answers: bytes, close: bool = False) -> Script:
    """A script answering each request of a connection with the next of ``answers``."""

    def script(number: int, sock: socket.socket, server: Server) -> None:
        for answer in answers:
            if not server.read_request(sock):
                return
            sock.sendall(answer)
        if not close:
            server.read_request(sock)  # until the client closes

    return script


def answer(body: bytes, *headers: str, status: str = "200 OK") -> bytes:
    """An HTTP/1.1 answer with ``Content-Length``."""
    lines = [f"HTTP/1.1 {status}", *headers, f"Content-Length: {len(body)}", "", ""]
    return "\r\n".join(lines).encode() + body


def lean(url: str, **kwargs: object) -> Answer:
    """A GET through the tap's transport (its thread's adapter, so the lean pool)."""
    response = ThreadSessions().request("GET", url, timeout=kwargs.pop("timeout", 5),
                                        **kwargs)
    assert isinstance(response, Answer)
    return response


def plain(url: str, **kwargs: object) -> tuple[int, dict[str, str], bytes]:
    """The same GET through a plain ``requests`` session (urllib3's pool, ``http.client``)."""
    with requests.Session() as session:
        response = session.get(url, stream=True, timeout=kwargs.pop("timeout", 5), **kwargs)
        return response.status_code, dict(response.headers), read_whole(response)


def failure(call: Callable[[], object]) -> BaseException:
    with pytest.raises(Exception) as info:
        call()
    return info.value


def words(error: BaseException) -> str:
    """An error's message without the objects' addresses (``<... at 0x...>``)."""
    return re.sub(r" at 0x[0-9a-f]+>", ">", str(error))


def same_failure(url: str, **kwargs: object) -> tuple[type[BaseException], str]:
    """The failure of a request of ``url`` through the lean pool, checked to be urllib3's:
    the same class and the same words; its class and words."""
    ours = failure(lambda: lean(url, **kwargs))
    theirs = failure(lambda: plain(url, **kwargs))
    assert type(ours) is type(theirs)
    assert words(ours) == words(theirs)
    return type(ours), words(ours)


def test_a_body_by_content_length_and_the_pool_is_the_lean_one(serve: Callable[..., Server]
                                                                ) -> None:
    server = serve(answering(answer(b'{"id": "cus_1"}', "Content-Type: application/json",
                                    status="402 Payment Required")))
    url = f"http://127.0.0.1:{server.port}/v1/customers?limit=100"
    sessions = ThreadSessions()
    got = sessions.request("GET", url, headers={"Authorization": "Bearer sk_test_x"},
                           timeout=5)
    assert (got.status_code, got.content) == (402, b'{"id": "cus_1"}')
    assert got.headers["content-type"] == "application/json"
    assert server.requests == ["GET /v1/customers?limit=100 HTTP/1.1"]
    adapter = sessions._own().get_adapter(url)
    pool = adapter.get_connection_with_tls_context(
        requests.Request("GET", url).prepare(), True, {})
    assert isinstance(pool, LeanPool)


def test_a_chunked_body_is_read_whole(serve: Callable[..., Server]) -> None:
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n")
    server = serve(answering(chunked, answer(b"next")))
    url = f"http://127.0.0.1:{server.port}/v1/x"
    sessions = ThreadSessions()
    assert sessions.request("GET", url, timeout=5).content == b"hello, world"
    assert sessions.request("GET", url, timeout=5).content == b"next"  # the trailer was read
    assert server.connections == 1


@pytest.mark.parametrize(("encoding", "encode"), [
    ("gzip", gzip.compress),
    ("deflate", zlib.compress),
    ("deflate", lambda data: zlib.compress(data)[2:-4]),  # without zlib's header, as urllib3
])
def test_a_compressed_body_is_decoded(serve: Callable[..., Server], encoding: str,
                                      encode: Callable[[bytes], bytes]) -> None:
    body = b'{"object": "list", "data": []}' * 50
    server = serve(answering(answer(encode(body), f"Content-Encoding: {encoding}")))
    assert lean(f"http://127.0.0.1:{server.port}/v1/x").content == body


def test_a_body_that_does_not_decode_fails_as_with_urllib3(serve: Callable[..., Server]
                                                           ) -> None:
    bad = answer(b"not gzip at all", "Content-Encoding: gzip")
    server = serve(answering(bad, close=True))
    kind, _ = same_failure(f"http://127.0.0.1:{server.port}/v1/x")
    assert kind is requests.exceptions.ContentDecodingError


def test_one_connection_carries_two_requests(serve: Callable[..., Server]) -> None:
    server = serve(answering(answer(b"one"), answer(b"two")))
    url = f"http://127.0.0.1:{server.port}/v1/x"
    sessions = ThreadSessions()
    assert [sessions.request("GET", url, timeout=5).content for _ in range(2)] == \
        [b"one", b"two"]
    assert server.connections == 1
    assert len(server.requests) == 2


def test_a_connection_the_server_closed_while_idle_is_opened_again(
        serve: Callable[..., Server]) -> None:
    server = serve(answering(answer(b"one"), close=True))  # closes after one answer
    url = f"http://127.0.0.1:{server.port}/v1/x"
    sessions = ThreadSessions()
    assert sessions.request("GET", url, timeout=5).content == b"one"
    server.threads[0].join(5)  # the server has closed the first connection
    assert sessions.request("GET", url, timeout=5).content == b"one"
    assert server.connections == 2


def test_a_kept_alive_request_the_server_closed_unanswered_fails_as_with_urllib3(
        serve: Callable[..., Server]) -> None:
    # urllib3 (requests' Retry(0, read=False)) does not send it again: the tap's retries
    # see the failure and count it
    def script(number: int, sock: socket.socket, server: Server) -> None:
        server.read_request(sock)
        sock.sendall(answer(b"first"))
        server.read_request(sock)  # the second request: closed without an answer

    failures = []
    for kind in (ThreadSessions, requests.Session):
        server = serve(script)
        url = f"http://127.0.0.1:{server.port}/v1/x"
        with kind() as session:
            first = session.request("GET", url, timeout=5)
            assert first.content == b"first"
            failures.append(failure(
                lambda s=session, u=url: s.request("GET", u, timeout=5)))
        assert server.requests == ["GET /v1/x HTTP/1.1"] * 2
        assert server.connections == 1
    ours, theirs = failures
    assert type(ours) is type(theirs) is requests.exceptions.ConnectionError
    assert words(ours) == words(theirs) == (
        "('Connection aborted.', RemoteDisconnected('Remote end closed connection without "
        "response'))")


def test_a_new_connection_closed_unanswered_fails_as_with_urllib3(
        serve: Callable[..., Server]) -> None:
    def script(number: int, sock: socket.socket, server: Server) -> None:
        server.read_request(sock)  # then closed without an answer

    server = serve(script)
    url = f"http://127.0.0.1:{server.port}/v1/x"
    assert same_failure(url) == (requests.exceptions.ConnectionError,
        "('Connection aborted.', RemoteDisconnected('Remote end closed connection without "
        "response'))")
    assert server.connections == 2  # one each: a new connection is not asked again


def test_connection_close_is_honoured(serve: Callable[..., Server]) -> None:
    # the server keeps the connection open, but said it closes it: the client opens another
    server = serve(answering(answer(b"one", "Connection: close"), answer(b"unused")))
    url = f"http://127.0.0.1:{server.port}/v1/x"
    sessions = ThreadSessions()
    assert sessions.request("GET", url, timeout=5).content == b"one"
    assert sessions.request("GET", url, timeout=5).content == b"one"
    assert server.connections == 2


def test_a_body_read_to_the_close(serve: Callable[..., Server]) -> None:
    server = serve(answering(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it",
                             close=True))
    assert lean(f"http://127.0.0.1:{server.port}/v1/x").content == b"all of it"


def test_a_body_cut_short_fails_as_with_urllib3(serve: Callable[..., Server]) -> None:
    short = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 40
    server = serve(answering(short, close=True))
    url = f"http://127.0.0.1:{server.port}/v1/x"
    assert same_failure(url) == (requests.exceptions.ChunkedEncodingError,
        "('Connection broken: IncompleteRead(40 bytes read, 60 more expected)', "
        "IncompleteRead(40 bytes read, 60 more expected))")


def test_a_chunked_body_cut_short_fails_as_with_urllib3(serve: Callable[..., Server]) -> None:
    short = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n9\r\nwor"
    server = serve(answering(short, close=True))
    url = f"http://127.0.0.1:{server.port}/v1/x"
    assert same_failure(url)[0] is requests.exceptions.ChunkedEncodingError


def test_headers_are_read_as_http_client_reads_them(serve: Callable[..., Server]) -> None:
    head = ("HTTP/1.1 200 Fine Thanks\r\nRequest-Id: req_1\r\nX-Folded: first\r\n  second\r\n"
            "Set-Thing: a\r\nset-thing: b\r\nX-Spaces:   padded  \r\nStripe-Version: 2025\r\n")
    body = b"{}"
    raw = head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    server = serve(answering(raw, raw))
    url = f"http://127.0.0.1:{server.port}/v1/x"
    with requests.Session() as session:
        theirs = session.get(url, timeout=5)
    sessions = ThreadSessions()
    ours = sessions._own().get_adapter(url).send(requests.Request("GET", url).prepare(),
                                                 stream=True, timeout=5)
    assert dict(ours.headers) == dict(theirs.headers)
    assert ours.headers["set-thing"] == "a, b"
    assert ours.headers["x-folded"] == "first second"
    assert ours.reason == theirs.reason == "Fine Thanks"
    assert read_whole(ours) == b"{}"


def test_a_read_timeout_fails_as_with_urllib3(serve: Callable[..., Server]) -> None:
    def script(number: int, sock: socket.socket, server: Server) -> None:
        server.read_request(sock)
        server.release.wait(10)

    server = serve(script)
    url = f"http://127.0.0.1:{server.port}/v1/x"
    kind, said = same_failure(url, timeout=0.2)
    assert kind is requests.exceptions.ReadTimeout
    assert "Read timed out. (read timeout=0.2)" in said


def test_a_refused_connection_fails_as_with_urllib3() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed below: nothing listens there
    url = f"http://127.0.0.1:{port}/v1/x"
    kind, said = same_failure(url)
    assert kind is requests.exceptions.ConnectionError
    assert "Failed to establish a new connection: [Errno 111] Connection refused" in said


def test_the_deadline_cuts_a_slow_body(serve: Callable[..., Server]) -> None:
    def script(number: int, sock: socket.socket, server: Server) -> None:
        server.read_request(sock)
        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{")
        while not server.release.wait(0.05):
            sock.sendall(b" ")  # a byte now and then: no read timeout ever passes

    server = serve(script)
    client = DeadlineClient(timeout=0.5)
    with pytest.raises(stripe.APIConnectionError) as info:
        client.request("get", f"http://127.0.0.1:{server.port}/v1/x", {})
    assert "Request to Stripe cut at its deadline." in str(info.value)
    assert "no complete answer within 0.5s" in str(info.value)


def test_a_proxy_of_the_environment_goes_through_urllib3(
        serve: Callable[..., Server], monkeypatch: pytest.MonkeyPatch) -> None:
    server = serve(answering(answer(b"via proxy")))
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    url = "http://api.stripe.test/v1/x"
    sessions = ThreadSessions()
    assert sessions.request("GET", url, timeout=5).content == b"via proxy"
    assert server.requests == ["GET http://api.stripe.test/v1/x HTTP/1.1"]
    adapter = sessions._own().get_adapter(url)
    pool = adapter.get_connection_with_tls_context(
        requests.Request("GET", url).prepare(), True, sessions._proxies(url, None))
    assert isinstance(pool, HTTPConnectionPool)


def certificate(folder: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``name`` and its key (skips without ``openssl``)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
         "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def tls_server(serve: Callable[..., Server], cert: Path, key: Path, *answers: bytes
               ) -> Server:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return serve(answering(*answers), wrap=context)


def test_tls_is_verified_against_the_given_bundle(serve: Callable[..., Server],
                                                 tmp_path: Path) -> None:
    cert, key = certificate(tmp_path, "localhost")
    server = tls_server(serve, cert, key, answer(b"secure"), answer(b"again"))
    url = f"https://localhost:{server.port}/v1/x"
    sessions = ThreadSessions()
    assert sessions.request("GET", url, timeout=5, verify=str(cert)).content == b"secure"
    assert sessions.request("GET", url, timeout=5, verify=str(cert)).content == b"again"
    assert server.connections == 1
    unknown = failure(lambda: lean(url))  # the system's bundle does not know this one
    assert isinstance(unknown, requests.exceptions.SSLError)
    assert "CERTIFICATE_VERIFY_FAILED" in str(unknown)


def test_tls_without_verification_when_verify_is_false(serve: Callable[..., Server],
                                                       tmp_path: Path) -> None:
    cert, key = certificate(tmp_path, "elsewhere.test")
    server = tls_server(serve, cert, key, answer(b"unverified"))
    assert lean(f"https://localhost:{server.port}/v1/x", verify=False).content == b"unverified"


def test_a_tls_hostname_mismatch_fails_as_with_urllib3(serve: Callable[..., Server],
                                                       tmp_path: Path) -> None:
    cert, key = certificate(tmp_path, "elsewhere.test")
    server = tls_server(serve, cert, key, answer(b"never"))
    url = f"https://localhost:{server.port}/v1/x"
    ours = failure(lambda: lean(url, verify=str(cert)))
    theirs = failure(lambda: plain(url, verify=str(cert)))
    assert type(ours) is type(theirs) is requests.exceptions.SSLError
    assert "Hostname mismatch, certificate is not valid for 'localhost'" in str(ours)
    assert "Hostname mismatch, certificate is not valid for 'localhost'" in str(theirs)


def test_a_target_with_a_control_character_is_refused_as_http_client_refuses_it() -> None:
    pool = LeanPool("http", "127.0.0.1", 9)  # nothing is sent: the check comes first
    with pytest.raises(InvalidURL) as ours:
        pool.urlopen("GET", "/v1/x\r\nX-Forged: 1", headers={})
    theirs = failure(lambda: http.client.HTTPConnection("127.0.0.1", 9).putrequest(
        "GET", "/v1/x\r\nX-Forged: 1"))
    assert type(theirs) is InvalidURL
    assert str(ours.value) == str(theirs)


def header_lines(head: bytes) -> tuple[str, list[str]]:
    """A request head's request line and its header lines (sorted: http.client puts ``Host``
    and requests' defaults in an order of its own)."""
    line, *headers = head.decode("latin-1").rstrip("\r\n").split("\r\n")
    return line, sorted(headers)


STRIPE_HEADERS = {"Authorization": "Bearer sk_test_x", "Stripe-Version": "2024-06-20",
                  "User-Agent": "Stripe/v1 PythonBindings/x", "Accept": "application/json",
                  "X-Stripe-Client-User-Agent": '{"lang": "python"}', "Idempotency-Key": None}


def test_the_headers_sent_are_those_a_requests_session_sends(serve: Callable[..., Server]
                                                             ) -> None:
    server = serve(answering(*[answer(b"{}")] * 3))
    url = f"http://127.0.0.1:{server.port}/v1/customers?limit=100&created%5Bgte%5D=1"
    sessions = ThreadSessions()
    for _ in range(2):  # the second time, each header was seen before
        assert sessions.request("GET", url, headers=STRIPE_HEADERS, timeout=5).content == b"{}"
    sessions.close()
    plain(url, headers=STRIPE_HEADERS)
    ours, again, theirs = map(header_lines, server.heads)
    assert ours == again == theirs
    assert ours[0] == "GET /v1/customers?limit=100&created%5Bgte%5D=1 HTTP/1.1"
    assert "Authorization: Bearer sk_test_x" in ours[1]
    assert "Accept: application/json" in ours[1]  # Stripe's value over requests' default
    assert not [line for line in ours[1] if line.startswith("Idempotency-Key")]


@pytest.mark.parametrize("value", ["a\r\nInjected: 1", " leading", 7])
def test_an_invalid_header_is_refused_as_requests_refuses_it(serve: Callable[..., Server],
                                                             value: object) -> None:
    server = serve(answering(answer(b"{}")))
    url = f"http://127.0.0.1:{server.port}/v1/x"
    sessions = ThreadSessions()
    assert sessions.request("GET", url, headers={"X-Probe": "fine"}, timeout=5).content == b"{}"
    ours = failure(lambda: sessions.request("GET", url, headers={"X-Probe": value}, timeout=5))
    sessions.close()
    theirs = failure(lambda: plain(url, headers={"X-Probe": value}))
    assert type(ours) is type(theirs) is requests.exceptions.InvalidHeader
    assert str(ours) == str(theirs)
    assert "eader" in str(ours)  # "Header part" or "in header value"
    assert server.requests == ["GET /v1/x HTTP/1.1"]  # the invalid one never went out


@pytest.mark.parametrize("url", [
    "http://h.test/v1/customers?limit=100", "https://h.test:8443/v1/x?a=%5B&b=2",
    "http://h.test/a?", "http://h.test/a??", "http://h.test", "http://h.test//a/b;p?q",
    "http://h.test/a#frag", "http://h.test?x/y", "HTTP://h.test/a", "http://u@h.test/a?x"])
@pytest.mark.parametrize("proxies", [{}, {"http": "http://proxy.test:3128"}])
def test_the_url_sent_is_the_one_requests_sends(url: str, proxies: dict[str, str]) -> None:
    prepared = requests.PreparedRequest()
    prepared.prepare_method("GET")
    prepared.url = url
    ours = WatchedAdapter().request_url(prepared, proxies)
    assert ours == requests.adapters.HTTPAdapter().request_url(prepared, proxies)
    assert ours.startswith("http://" if proxies and url.lower().startswith("http:") else "/")


def test_the_ca_bundle_is_looked_up_again_when_verify_changes(serve: Callable[..., Server],
                                                              tmp_path: Path) -> None:
    cert, key = certificate(tmp_path, "localhost")
    server = tls_server(serve, cert, key, answer(b"secure"))
    url = f"https://localhost:{server.port}/v1/x"
    sessions = ThreadSessions()
    assert sessions.request("GET", url, timeout=5, verify=str(cert)).content == b"secure"
    missing = str(tmp_path / "missing.pem")
    ours = failure(lambda: sessions.request("GET", url, timeout=5, verify=missing))
    sessions.close()
    theirs = failure(lambda: plain(url, verify=missing))
    assert type(ours) is type(theirs) is OSError
    assert str(ours) == str(theirs) == (
        f"Could not find a suitable TLS CA certificate bundle, invalid path: {missing}")


def test_the_watchdog_ended_while_idle_starts_again_and_cuts(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    monkeypatch.setattr(tap_stripe.http, "IDLE_SECONDS", 0.05)
    monkeypatch.setattr(tap_stripe.http, "POLL_SECONDS", 0.02)
    dog = Watchdog()
    before = set(threading.enumerate())
    with dog.watch(30) as first:
        started = [t for t in threading.enumerate()
                   if t.name == "tap-stripe-deadlines" and t not in before]
    assert len(started) == 1
    thread = started[0]
    thread.join(5)
    assert not thread.is_alive() and not first.expired  # ended, idle
    with dog.watch(0.05) as second:
        ended = time.monotonic() + 5
        while not second.expired and time.monotonic() < ended:
            time.sleep(0.01)
    assert second.expired
