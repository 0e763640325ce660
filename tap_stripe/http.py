"""The HTTP client under stripe-python: ``requests`` with a deadline on every request.

A timeout given to ``requests`` bounds each wait for the socket, not the request: a server that
sends a byte every few seconds keeps one request alive for ever. Here each request has a
deadline for all of it (connecting, the headers and the whole body). A watchdog thread shuts
the request's socket down when the deadline passes, which ends the blocked read at once, and
the request fails as a timeout, retried like any other.

The client is stripe-python's ``RequestsClient`` (its error handling, one ``requests`` session
per thread) given a session object that hands each thread its own session, whose adapter's
connections tell the watchdog which socket a request uses. ``responses`` still intercepts
every request in unit tests (it patches ``HTTPAdapter.send``, which this adapter inherits).

The client also decodes the body of a successful answer with msgspec into plain dicts (Stripe's
key order kept) and hands stripe-python an empty JSON object in its place: stripe-python parses
every body it is given with an ``OrderedDict`` hook, which costs 5-7 times more CPU per object.
The caller takes the decoded body with ``take_body`` on the same thread. Within
``raw_pages()`` a list page's objects are decoded into raw records instead (``raw``: Stripe's
bytes and the few fields the tap reads). Error answers and bodies that are not JSON go to
stripe-python as they came, so its own handling raises its ``StripeError`` classes.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any, NamedTuple

import msgspec
import requests
import stripe
import urllib3
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from tap_stripe.raw import decode_page

# An expired request whose socket is not open yet (still connecting) is cut again this often.
RECHECK_SECONDS = 0.1
# The watchdog thread ends after this long without a request (the next one starts it again),
# so that no thread of the tap outlives a run.
IDLE_SECONDS = 2.0
_current = threading.local()  # the Watch of the request this thread is making
_bodies = threading.local()  # the decoded body of this thread's last successful answer
_decode = msgspec.json.Decoder().decode
# What stripe-python is given in place of a body decoded here (its parse of it costs nothing).
EMPTY_OBJECT = b"{}"


@contextmanager
def raw_pages(raw: bool = True) -> Iterator[None]:
    """Within the block, this thread's successful answers that are list pages are decoded
    into raw records (``raw.decode_page``), when ``raw``."""
    before = getattr(_bodies, "raw", False)
    _bodies.raw = raw
    try:
        yield
    finally:
        _bodies.raw = before


def take_body() -> Any:
    """The decoded body of the last successful answer this thread's client received (once);
    None when stripe-python was given the body itself."""
    body = getattr(_bodies, "body", None)
    _bodies.body = None
    return body


class Watch:
    """One request's deadline and, once it has one, its connection."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.connection: HTTPConnection | None = None
        self.expired = False

    def cut(self) -> None:
        """The deadline passed: shut the socket down (a blocked read returns at once)."""
        self.expired = True
        sock = self.connection.sock if self.connection is not None else None
        if sock is not None:
            with suppress(OSError):  # already shut down or closed
                sock.shutdown(socket.SHUT_RDWR)


class Watchdog:
    """One daemon thread that cuts the requests whose deadline passed (``WATCHDOG``, one for
    the process)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._watches: set[Watch] = set()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread unless it runs (starting one waits for it to be scheduled, which
        on a busy machine is better done before the first request than during it)."""
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                name="tap-stripe-deadlines")
                self._thread.start()

    @contextmanager
    def watch(self, seconds: float) -> Iterator[Watch]:
        """Watch the request this thread makes within the block, for ``seconds``."""
        watch = Watch(time.monotonic() + seconds)
        self.start()
        with self._cond:
            self._watches.add(watch)
            self._cond.notify()
        _current.watch = watch
        try:
            yield watch
        finally:
            _current.watch = None
            with self._cond:
                self._watches.discard(watch)
                if not self._watches:  # the thread may sleep till a deadline no longer due
                    self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while True:
                if not self._watches and not self._cond.wait_for(
                        lambda: self._watches, IDLE_SECONDS):
                    self._thread = None
                    return
                now = time.monotonic()
                wake: float | None = None
                for watch in self._watches:
                    if watch.deadline <= now:
                        watch.cut()
                        watch.deadline = now + RECHECK_SECONDS
                    wake = watch.deadline if wake is None else min(wake, watch.deadline)
                self._cond.wait(None if wake is None else wake - now)


WATCHDOG = Watchdog()


def _noted(request: Any) -> Any:
    """``request`` of a connection class, noting the connection in this thread's Watch."""

    def note_and_request(self: HTTPConnection, *args: Any, **kwargs: Any) -> None:
        watch = getattr(_current, "watch", None)
        if watch is not None:
            watch.connection = self
        request(self, *args, **kwargs)

    return note_and_request


class _Connection(HTTPConnection):
    request = _noted(HTTPConnection.request)


class _TLSConnection(HTTPSConnection):
    request = _noted(HTTPSConnection.request)


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


class WatchedAdapter(HTTPAdapter):
    """requests' adapter whose connections tell the watchdog their socket."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """requests' pool manager, with pools of noting connections."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}


class Answer(NamedTuple):
    """What ``RequestsClient`` reads of a response (``status_code``, ``headers``,
    ``content``)."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes


def read_whole(response: requests.Response) -> bytes:
    """The body of ``response`` (made with ``stream=True``) in one read of the connection.

    ``Response.content`` reads it in pieces of 10 KB, each through several layers of
    ``requests`` and ``urllib3``: for a page of 100 objects that cost 3-4 times the CPU of the
    rest of the request. Errors while reading are raised as ``Response.content`` raises them
    (``requests``' own classes, whose names the tap's retry messages show).
    """
    try:
        return response.raw.read(decode_content=True)
    except ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except ReadTimeoutError as exc:
        raise requests.exceptions.ConnectionError(exc) from exc
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from exc
    finally:
        response.raw.release_conn()


class ThreadSessions(requests.Session):
    """A session standing for one ``requests`` session per thread (``RequestsClient`` gives
    the session it is given to every thread), each with a ``WatchedAdapter``."""

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()

    def _own(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            for prefix in ("http://", "https://"):
                session.mount(prefix, WatchedAdapter())
        return session

    def request(self, method: str | bytes, url: str | bytes,  # type: ignore[override]
                *args: Any, **kwargs: Any) -> requests.Response | Answer:
        """The request, on this thread's own session; a whole body is read in one piece."""
        if kwargs.get("stream"):
            return self._own().request(method, url, *args, **kwargs)
        response = self._own().request(method, url, *args, **{**kwargs, "stream": True})
        return Answer(response.status_code, response.headers, read_whole(response))

    def close(self) -> None:
        """Close this thread's session."""
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None


class DeadlineClient(stripe.RequestsClient):
    """stripe-python's requests client; every request ends within ``timeout`` seconds, a
    request cut at its deadline failing as a network timeout."""

    def __init__(self, timeout: float) -> None:
        super().__init__(timeout=timeout, session=ThreadSessions())
        self.deadline = timeout
        WATCHDOG.start()

    def request(self, method: str, url: str, headers: Mapping[str, str] | None,  # type: ignore[override]
                post_data: Any = None) -> tuple[bytes, int, Mapping[str, str]]:
        """The request (headers and whole body) within the deadline."""
        _bodies.body = None
        with WATCHDOG.watch(self.deadline) as watch:
            try:
                body, status, answer_headers = super().request(method, url, headers, post_data)
            except stripe.APIConnectionError as exc:
                if not watch.expired:
                    raise
                # the format of RequestsClient's own messages, which StripeApi reads
                msg = (f"Request to Stripe cut at its deadline.\n\n(Network error: Timeout: no "
                       f"complete answer within {self.deadline:g}s)")
                raise stripe.APIConnectionError(msg, should_retry=True) from exc
        if 200 <= status < 300:
            try:
                _bodies.body = (decode_page if getattr(_bodies, "raw", False) else _decode)(body)
            except msgspec.DecodeError:
                return body, status, answer_headers  # stripe-python's handling raises
            return EMPTY_OBJECT, status, answer_headers
        return body, status, answer_headers
