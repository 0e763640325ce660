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
Below ``send``, a request through no proxy goes through the tap's own connection pool
(``tap_stripe.connection``), one through a proxy through urllib3's.

The client also decodes the body of a successful answer with msgspec into plain dicts (Stripe's
key order kept) and hands stripe-python an empty JSON object in its place: stripe-python parses
every body it is given with an ``OrderedDict`` hook, which costs 5-7 times more CPU per object.
The caller takes the decoded body with ``take_body`` on the same thread. Within
``raw_pages()`` a list page's objects are decoded into raw records instead (``raw``: Stripe's
bytes and the few fields the tap reads). Error answers and bodies that are not JSON go to
stripe-python as they came, so its own handling raises its ``StripeError`` classes.
"""

from __future__ import annotations

import re
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
from requests.structures import CaseInsensitiveDict
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import ProtocolError, ReadTimeoutError

from tap_stripe.connection import Connection, LeanPool
from tap_stripe.raw import decode_page

# An expired request whose socket is not open yet (still connecting) is cut again this often.
RECHECK_SECONDS = 0.1
# The watchdog thread ends after this long without a request (the next one starts it again),
# so that no thread of the tap outlives a run.
IDLE_SECONDS = 2.0
# The watchdog wakes at least this often (to end once idle; deadlines wake it as they fall due).
POLL_SECONDS = 0.5
_current = threading.local()  # the Watch of the request this thread is making
_bodies = threading.local()  # the decoded body of this thread's last successful answer
_decode = msgspec.json.Decoder().decode
# Headers (name and value) found valid are remembered till there are this many, then forgotten.
MAX_VALID_HEADERS = 256
# What stripe-python is given in place of a body decoded here (its parse of it costs nothing).
EMPTY_OBJECT = b"{}"
# A URL that requests' ``PreparedRequest.prepare_url`` gives back unchanged: http(s), a
# lower-case ASCII host, a port, a path without dot segments and a query of characters that
# need no quoting (RFC 3986 unreserved and sub-delims, ``:@/?``), each percent escape in upper
# case and not of an unreserved character (``requests.utils.unquote_unreserved`` would decode
# it). stripe-python's URLs are such once the brackets of its parameters (``created[gte]``),
# which requests escapes, are escaped; ``prepare_url`` would parse and re-quote them character
# by character, twice.
_PLAIN_URL = re.compile(
    r"https?://[a-z0-9.-]+(?::(?P<port>[0-9]{1,5}))?"
    r"(?:/(?!\.)[A-Za-z0-9._~!$&'()*+,;=:@-]*)+"
    r"(?:\?(?:[A-Za-z0-9._~!$&'()*+,;=:@/?-]"
    r"|%(?:[01][0-9A-F]|2[0-9A-CF]|3[A-F]|40|5[B-E]|60|7[B-DF]|[89A-F][0-9A-F]))*)?")


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
        self.connection: HTTPConnection | Connection | None = None
        self.expired = False

    def cut(self) -> None:
        """The deadline passed: shut the socket down (a blocked read returns at once)."""
        self.expired = True
        if isinstance(self.connection, Connection):
            self.connection.cut()
            return
        sock = self.connection.sock if self.connection is not None else None
        if sock is not None:
            with suppress(OSError):  # already shut down or closed
                sock.shutdown(socket.SHUT_RDWR)


class Watchdog:
    """One daemon thread that cuts the requests whose deadline passed (``WATCHDOG``, one for
    the process).

    Adding or removing a request wakes the thread only when the new deadline comes before
    the time it sleeps till: requests of one client share one timeout, so a new one's
    deadline is later than those already watched, and the thread is not woken (twice per
    request, each time contending for the interpreter) for nothing. It wakes at least every
    ``POLL_SECONDS``, which is how it notices that no request is left.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._watches: set[Watch] = set()
        self._thread: threading.Thread | None = None
        self._wake = 0.0  # when the thread wakes next (0: it is not sleeping)

    def start(self) -> None:
        """Start the thread unless it runs (starting one waits for it to be scheduled, which
        on a busy machine is better done before the first request than during it)."""
        with self._cond:
            self._start()

    def _start(self) -> None:
        """``start``, the condition's lock held."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name="tap-stripe-deadlines")
            self._thread.start()

    @contextmanager
    def watch(self, seconds: float) -> Iterator[Watch]:
        """Watch the request this thread makes within the block, for ``seconds`` (the
        thread started, if it ended, while the request is added: it ends only when it
        finds no request under the same lock)."""
        watch = Watch(time.monotonic() + seconds)
        with self._cond:
            self._watches.add(watch)
            self._start()
            if watch.deadline < self._wake:
                self._cond.notify()
        _current.watch = watch
        try:
            yield watch
        finally:
            _current.watch = None
            with self._cond:
                self._watches.discard(watch)

    def _run(self) -> None:
        with self._cond:
            seen = time.monotonic()  # when a request was last watched
            while True:
                now = time.monotonic()
                wake = now + POLL_SECONDS
                if self._watches:
                    seen = now
                elif now - seen >= IDLE_SECONDS:
                    self._thread = None
                    self._wake = 0.0
                    return
                for watch in self._watches:
                    if watch.deadline <= now:
                        watch.cut()
                        watch.deadline = now + RECHECK_SECONDS
                    wake = min(wake, watch.deadline)
                self._wake = wake
                self._cond.wait(wake - now)
                self._wake = 0.0


WATCHDOG = Watchdog()


def _note(connection: Connection) -> None:
    """Note the lean pool's connection in this thread's Watch."""
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.connection = connection


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
    """requests' adapter whose connections tell the watchdog their socket, and which finds
    the connection pool of a host once (requests works the pool's key out again for every
    request: parsing the address, building the TLS settings). A request that goes through no
    proxy goes through a ``LeanPool`` (``tap_stripe.connection``); one through a proxy through
    urllib3's pool, as ``requests`` makes it."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """requests' pool manager, with pools of noting connections."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}
        self._pools: dict[tuple[Any, ...], ConnectionPool] = {}

    def get_connection_with_tls_context(
            self, request: requests.PreparedRequest, verify: Any,
            proxies: Mapping[str, str] | None = None, cert: Any = None) -> ConnectionPool:
        """requests' pool for the request's scheme, host and port with these TLS settings
        and proxies, the same pool as requests would find (kept while the adapter is
        open)."""
        url = request.url or ""
        key = ("/".join(url.split("/", 3)[:3]), verify, str(cert),
               tuple(sorted((proxies or {}).items())))
        pool = self._pools.get(key)
        if pool is None or getattr(pool, "pool", True) is None:  # closed by the manager
            parsed = urllib3.util.parse_url(url)
            if parsed.scheme in ("http", "https") and parsed.host and \
                    not requests.utils.select_proxy(url, proxies):
                pool = LeanPool(parsed.scheme, parsed.host, parsed.port, _note)
            else:
                pool = super().get_connection_with_tls_context(request, verify, proxies, cert)
            self._pools[key] = pool
        return pool

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        """requests' TLS settings on the pool, set once for a lean pool as long as ``verify``
        and ``cert`` stay the same (requests looks the CA bundle up on disk each request)."""
        if isinstance(conn, LeanPool):
            key = (url.lower().startswith("https"), verify, str(cert))
            if conn.verified != key:
                super().cert_verify(conn, url, verify, cert)
                conn.verified = key
            return
        super().cert_verify(conn, url, verify, cert)

    def request_url(self, request: requests.PreparedRequest,
                    proxies: Mapping[str, str] | None) -> str:
        """requests' URL to send: with no proxies, the path and query of a prepared URL
        (``PreparedRequest.path_url``) without parsing it twice."""
        url = request.url
        if not proxies and isinstance(url, str) and "#" not in url and url.isprintable():
            scheme, empty, host, *rest = url.split("/", 3)
            if scheme in ("http:", "https:") and not empty and rest and "?" not in host:
                path, _, query = rest[0].partition("?")
                return f"/{path}?{query}" if query else f"/{path}"
        return super().request_url(request, dict(proxies) if proxies else proxies)

    def close(self) -> None:
        """Close the pools (and forget them)."""
        for pool in self._pools.values():
            if isinstance(pool, LeanPool):
                pool.close()
        self._pools.clear()
        super().close()


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


def prepare_url(prepared: requests.PreparedRequest, url: str) -> None:
    """``prepared.prepare_url(url, None)``, without its work when ``url`` is one it would
    give back as it is once the brackets of its query are escaped (``_PLAIN_URL``)."""
    head, mark, query = url.partition("?")
    escaped = head + mark + query.replace("[", "%5B").replace("]", "%5D")
    plain = _PLAIN_URL.fullmatch(escaped)
    if plain is not None and int(plain.group("port") or 0) <= 65535:
        prepared.url = escaped
    else:
        prepared.prepare_url(url, None)


class ThreadSessions(requests.Session):
    """A session standing for one ``requests`` session per thread (``RequestsClient`` gives
    the session it is given to every thread), each with a ``WatchedAdapter``.

    A request goes straight to the thread's adapter (``HTTPAdapter.send``, which ``responses``
    patches in unit tests), prepared with this session's default headers, without
    ``Session.request``'s work per request: the proxies of the environment are looked up
    once per scheme and host (``requests.utils.get_environ_proxies``, which reads
    ``HTTPS_PROXY``, ``NO_PROXY``...; stripe-python's ``proxy`` option wins, as in
    ``Session.merge_environment_settings``), no cookie jar is kept (Stripe's API
    authenticates by key; stripe-python's clients without ``requests`` keep no cookies) and
    ``~/.netrc`` is not read (it would replace stripe-python's ``Authorization``). An answer
    that redirects is asked again through the thread's whole session, which follows it.
    """

    def __init__(self) -> None:
        super().__init__()
        self._local = threading.local()
        self._environ_proxies: dict[tuple[str, str | None], dict[str, str]] = {}
        self._valid: set[tuple[str, str | bytes]] = set()  # headers checked

    def _own(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            for prefix in ("http://", "https://"):
                session.mount(prefix, WatchedAdapter())
        return session

    def _proxies(self, url: str, given: Mapping[str, str] | None) -> dict[str, str]:
        """The proxies for ``url``: ``given`` (stripe-python's option), then the
        environment's, looked up once per scheme, host and ``no_proxy``."""
        no_proxy = (given or {}).get("no_proxy")
        key = ("/".join(url.split("/", 3)[:3]), no_proxy)  # scheme://host[:port]
        found = self._environ_proxies.get(key)
        if found is None:
            found = self._environ_proxies[key] = (
                requests.utils.get_environ_proxies(url, no_proxy=no_proxy)
                if self.trust_env else {})
        return {**found, **(given or {})}

    def _headers(self, given: Mapping[str, str | None] | None) -> CaseInsensitiveDict[Any]:
        """This session's headers updated with ``given``, those set to None left out, as
        ``PreparedRequest.prepare_headers`` gives them, each checked as it checks them
        (``check_header_validity``) the first time it is seen: a request's headers are
        those of the request before but for a few."""
        headers: CaseInsensitiveDict[Any] = CaseInsensitiveDict(self.headers)
        headers.update(given or {})
        for name, value in list(headers.items()):
            if value is None:
                del headers[name]
            elif not isinstance(name, str):  # prepare_headers renames it
                prepared = requests.PreparedRequest()
                prepared.prepare_headers({k: v for k, v in headers.items() if v is not None})
                return prepared.headers
            elif not isinstance(value, (str, bytes)) or (name, value) not in self._valid:
                requests.utils.check_header_validity((name, value))
                if len(self._valid) >= MAX_VALID_HEADERS:
                    self._valid.clear()
                self._valid.add((name, value))
        return headers

    def request(self, method: str | bytes, url: str | bytes,  # type: ignore[override]
                *args: Any, **kwargs: Any) -> requests.Response | Answer:
        """The request, on this thread's own adapter; a whole body is read in one piece."""
        if kwargs.get("stream") or args or not isinstance(url, str):
            return self._own().request(method, url, *args, **kwargs)
        prepared = requests.PreparedRequest()
        prepared.prepare_method(method)
        prepare_url(prepared, url)
        prepared.headers = self._headers(kwargs.get("headers"))
        prepared.prepare_body(kwargs.get("data"), None)
        prepared.prepare_hooks(None)
        response = self._own().get_adapter(url).send(
            prepared, stream=True, timeout=kwargs.get("timeout"),
            verify=kwargs.get("verify", True), proxies=self._proxies(url, kwargs.get("proxies")))
        if response.is_redirect:
            response.close()
            response = self._own().request(method, url, **{**kwargs, "stream": True})
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
