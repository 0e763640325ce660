"""A lean connection pool under ``requests``' ``HTTPAdapter.send``: HTTP/1.1 spoken on a socket.

``HTTPAdapter.send`` calls ``urlopen`` on the pool ``get_connection_with_tls_context`` returns.
urllib3's pool, ``http.client`` and its ``email``-based header parsing cost about 450 µs of CPU
for one request of a page on cold caches; this pool does the same work in one ``sendall`` and a
few ``recv_into`` calls. It keeps one connection (per thread: each thread has its own adapter)
to one scheme, host and port with the TLS settings ``HTTPAdapter.cert_verify`` sets on it
(``cert_reqs``, ``ca_certs``, ``ca_cert_dir``, ``cert_file``, ``key_file``).

It fails as urllib3 does under ``requests``' default ``Retry(0, read=False)``, with urllib3's
exception classes and messages, so that ``requests`` and stripe-python raise the same errors:
a failure to connect (or of TLS) as ``MaxRetryError``, one while sending or reading the answer
as ``ProtocolError`` or ``ReadTimeoutError``. As urllib3 does, a kept-alive connection that is
readable while idle (the server closed it) is opened again before a request; a request is
never sent twice (a connection reset after it went out fails it, as with urllib3: the caller's
retries count it).
"""

from __future__ import annotations

import re
import select
import socket
import ssl
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from http.client import (
    BadStatusLine,
    IncompleteRead,
    InvalidURL,
    LineTooLong,
    RemoteDisconnected,
)
from typing import Any, BinaryIO

from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    DecodeError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.util.timeout import Timeout

MAX_HEAD_BYTES = 1 << 20  # an answer whose status line and headers are longer is refused
NO_BODY_STATUSES = frozenset({204, 304})
MAX_CHUNK_LINE_BYTES = 4096  # a chunk's size line (with extensions) longer than this is refused


# What http.client refuses in a request's target (``_contains_disallowed_url_pchar_re``): a
# space or a control character would end the request line or forge headers.
_DISALLOWED_IN_URL = re.compile("[\x00-\x20\x7f]")
# An obsolete line folding and the blanks around it, which urllib3 replaces by one space
# (``urllib3.connection._OBSOLETE_FOLD_RE``, after RFC 9112 section 5.2).
_FOLD = re.compile(r"(?:(?<![ \t])[ \t]+)?\r\n[ \t]+")


class Connection:
    """One socket to the pool's host, read through a buffer (as ``http.client`` reads it: a
    body's bytes are received straight into the bytes object returned)."""

    def __init__(self, name: str) -> None:
        self.name = name  # as urllib3 names its connections in messages
        self.sock: socket.socket | None = None
        self.reader: BinaryIO | None = None
        self.partial = b""  # what a line that did not end held (no byte: b"")
        self.was_cut = False

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<{self.name} at {id(self):#x}>"

    def open(self, sock: socket.socket) -> None:
        """Use ``sock`` (connected)."""
        self.sock = sock
        self.reader = sock.makefile("rb")

    def cut(self) -> None:
        """Shut the socket down (a blocked read returns at once); the request fails."""
        self.was_cut = True
        sock = self.sock
        if sock is not None:
            with suppress(OSError):  # already shut down or closed
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Close the socket."""
        sock, reader, self.sock, self.reader = self.sock, self.reader, None, None
        with suppress(OSError):
            if reader is not None:
                reader.close()
            if sock is not None:
                sock.close()

    def dropped(self) -> bool:
        """Whether the idle connection is closed or readable, so closed by the server or
        holding bytes nobody asked for (urllib3's ``is_connection_dropped``)."""
        if self.sock is None:
            return True
        poller = select.poll()
        poller.register(self.sock, select.POLLIN)
        return bool(poller.poll(0))

    def line(self, limit: int) -> bytes | None:
        """The next line (without its end), None when the connection closes first or the
        line is longer than ``limit`` (what came is kept in ``partial``)."""
        assert self.reader is not None
        raw = self.reader.readline(limit + 1)
        if raw.endswith(b"\n"):
            return raw.rstrip(b"\r\n")
        self.partial = raw
        return None

    def exactly(self, size: int) -> bytes:
        """``size`` bytes; fewer when the connection closes first."""
        assert self.reader is not None
        return self.reader.read(size)

    def rest(self) -> bytes:
        """Everything until the server closes the connection."""
        assert self.reader is not None
        return self.reader.read()


class LeanResponse:
    """An answer's status and headers, its body read on demand: what ``HTTPAdapter.build_response``
    and ``requests.Response`` read of urllib3's ``HTTPResponse``."""

    def __init__(self, pool: LeanPool, connection: Connection, status: int, reason: str,
                 headers: tuple[dict[str, str], dict[str, str]], length: int | None,
                 chunked: bool, keep: bool) -> None:
        self._pool = pool
        self._connection: Connection | None = connection
        self.status = status
        self.reason = reason
        self.headers, self._by_lower = headers  # as sent; by lower-case name
        self._length = length
        self._chunked = chunked
        self._keep = keep
        self._body: bytes | None = None if length != 0 else b""
        if length == 0:
            self.release_conn()

    def read(self, amt: int | None = None, decode_content: bool = True) -> bytes:
        """The whole body (``amt`` is not honoured: this tap reads a body in one piece),
        decoded from its ``Content-Encoding`` when ``decode_content``."""
        if self._body is None:
            self._body = self._read_body()
        return self._decoded(self._body) if decode_content else self._body

    def stream(self, amt: int | None = None, decode_content: bool = True) -> Iterator[bytes]:
        """The body in one piece (``Response.iter_content`` reads an answer with it)."""
        body = self.read(decode_content=decode_content)
        if body:
            yield body

    def release_conn(self) -> None:
        """Give the connection back to the pool once the body is read, else close it."""
        connection, self._connection = self._connection, None
        if connection is not None:
            if self._keep and self._body is not None:
                self._pool.put(connection)
            else:
                connection.close()

    def close(self) -> None:
        """Close the connection unless it went back to the pool."""
        self._keep = self._keep and self._body is not None
        self.release_conn()

    def _read_body(self) -> bytes:
        connection = self._connection
        if connection is None:
            return b""
        try:
            if self._chunked:
                return self._read_chunks(connection)
            if self._length is None:
                self._keep = False
                return connection.rest()
            body = connection.exactly(self._length)
            if len(body) < self._length:
                self._keep = False
                raise IncompleteRead(body, self._length - len(body))
            return body
        except TimeoutError as exc:
            connection.close()
            raise ReadTimeoutError(self._pool, None, "Read timed out.") from exc
        except ssl.SSLError as exc:
            connection.close()
            raise SSLError(exc) from exc
        except (IncompleteRead, OSError) as exc:
            connection.close()
            raise ProtocolError(f"Connection broken: {exc!r}", exc) from exc

    def _read_chunks(self, connection: Connection) -> bytes:
        parts: list[bytes] = []
        while True:
            line = connection.line(MAX_CHUNK_LINE_BYTES)
            try:
                size = int(line.split(b";", 1)[0], 16) if line is not None else -1
            except ValueError:
                size = -1
            if size < 0:
                raise IncompleteRead(b"".join(parts))
            if size == 0:
                while line:  # the trailer, up to an empty line
                    line = connection.line(MAX_CHUNK_LINE_BYTES)
                return b"".join(parts)
            part = connection.exactly(size + 2)
            if len(part) < size + 2:
                raise IncompleteRead(b"".join(parts))
            parts.append(part[:size])

    def _decoded(self, body: bytes) -> bytes:
        encoding = self._by_lower.get("content-encoding", "").strip().lower()
        if not body or encoding not in ("gzip", "deflate"):
            return body
        try:
            if encoding == "gzip":  # every member, as urllib3's GzipDecoder
                parts = []
                while body:
                    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
                    parts.append(decoder.decompress(body))
                    body = decoder.unused_data
                return b"".join(parts)
            try:
                return zlib.decompress(body)
            except zlib.error:  # deflate without zlib's header, as urllib3 accepts it
                return zlib.decompress(body, -zlib.MAX_WBITS)
        except zlib.error as exc:
            raise DecodeError(f"Received response with content-encoding: {encoding}, but "
                              f"failed to decode it.", exc) from exc


def _headers(lines: list[bytes]) -> tuple[dict[str, str], dict[str, str]]:
    """The header lines as ``http.client`` reads them and urllib3's ``HTTPHeaderDict`` joins
    them: a folded line continues the header before it, a repeated name's values are joined
    by ``", "`` under the name's first spelling; and the same by lower-case name."""
    fields: list[list[str]] = []
    for raw in lines:
        line = raw.decode("iso-8859-1")
        if line[:1] in (" ", "\t") and fields:
            fields[-1][1] += "\r\n" + line
            continue
        name, colon, value = line.partition(":")
        if colon:
            fields.append([name, value.lstrip(" \t")])
    headers: dict[str, str] = {}
    spelled: dict[str, str] = {}
    for name, value in fields:
        if "\r\n" in value:
            value = _FOLD.sub(" ", value)
        lower = name.lower()
        first = spelled.get(lower)
        if first is None:
            spelled[lower] = name
            headers[name] = value
        else:
            headers[first] += ", " + value
    return headers, {lower: headers[name] for lower, name in spelled.items()}


class LeanPool(ConnectionPool):
    """One thread's connection to one scheme, host and port (idle ones kept for reuse)."""

    def __init__(self, scheme: str, host: str, port: int | None,
                 note: Callable[[Connection], None] | None = None) -> None:
        self.scheme = self._scheme = scheme
        super().__init__(host, port)
        self.port = self._port = port or (443 if scheme == "https" else 80)
        self._note = note
        self._idle: list[Connection] = []
        self._contexts: dict[tuple[Any, ...], ssl.SSLContext] = {}
        default = (scheme == "https" and self.port == 443) or (scheme == "http" and self.port == 80)
        name = f"[{self.host}]" if ":" in self.host else self.host
        self._host_header = name if default else f"{name}:{self.port}"
        self._connection_name = (f"{scheme.upper()}Connection(host={self.host!r}, "
                                 f"port={self.port!r})")
        # set by HTTPAdapter.cert_verify before each request
        self.cert_reqs: str | None = None
        self.ca_certs: str | None = None
        self.ca_cert_dir: str | None = None
        self.cert_file: str | None = None
        self.key_file: str | None = None
        self.verified: tuple[Any, ...] | None = None  # what they were set for

    def __str__(self) -> str:
        return f"{self._scheme.upper()}ConnectionPool(host={self.host!r}, port={self.port!r})"

    def put(self, connection: Connection) -> None:
        """Keep an idle connection whose answer was read whole."""
        self._idle.append(connection)

    def close(self) -> None:
        """Close the idle connections."""
        while self._idle:
            self._idle.pop().close()

    def urlopen(self, method: str, url: str, body: Any = None,
                headers: Mapping[str, str] | None = None, retries: Any = None,
                redirect: bool = True, assert_same_host: bool = True, timeout: Any = None,
                pool_timeout: Any = None, release_conn: Any = None, chunked: bool = False,
                body_pos: Any = None, preload_content: bool = True,
                decode_content: bool = True, **response_kw: Any) -> LeanResponse:
        """``method`` on ``url`` (the path and query) with ``headers`` and ``body`` (str or
        bytes), the answer's body left to read. ``retries``, ``redirect`` and
        ``preload_content`` are taken as ``HTTPAdapter.send`` gives them (no retry, no
        redirect, the body read later)."""
        if chunked or not isinstance(body, (str, bytes, type(None))):
            raise TypeError("the lean connection pool sends a body of str or bytes only")
        if not isinstance(timeout, Timeout):
            timeout = Timeout(connect=timeout, read=timeout)
        message = self._message(method, url, body, headers or {})
        connection = None
        while self._idle:
            idle = self._idle.pop()
            if idle.dropped():
                idle.close()
            else:
                connection = idle
                break
        if connection is None:
            connection = Connection(self._connection_name)
        return self._exchange(connection, method, url, message, timeout)

    def _message(self, method: str, url: str, body: str | bytes | None,
                 headers: Mapping[str, str]) -> bytes:
        if found := _DISALLOWED_IN_URL.search(url):
            raise InvalidURL(f"URL can't contain control characters. {url!r} "
                             f"(found at least {found.group()!r})")
        lines = [f"{method} {url} HTTP/1.1"]
        names = {name.lower() for name in headers}
        if "host" not in names:
            lines.append(f"Host: {self._host_header}")
        lines.extend(f"{name}: {value}" for name, value in headers.items())
        data = body.encode("utf-8") if isinstance(body, str) else body
        if data is not None and "content-length" not in names:
            lines.append(f"Content-Length: {len(data)}")
        lines.append("\r\n")
        head = "\r\n".join(lines).encode("latin-1")
        return head + data if data else head

    def _exchange(self, connection: Connection, method: str, url: str, message: bytes,
                  timeout: Timeout) -> LeanResponse:
        if self._note is not None:
            self._note(connection)
        if connection.sock is None:
            self._connect(connection, url, timeout)
        read_timeout = Timeout.resolve_default_timeout(timeout.read_timeout)
        assert connection.sock is not None
        connection.partial = b""
        try:
            connection.sock.settimeout(read_timeout)
            connection.sock.sendall(message)
            status_line = connection.line(MAX_HEAD_BYTES)
            if status_line is None and connection.partial:
                raise _BadAnswerError(BadStatusLine(connection.partial.decode("iso-8859-1")))
            if status_line is None:
                raise RemoteDisconnected("Remote end closed connection without response")
            return self._answer(connection, method, status_line)
        except TimeoutError as exc:
            connection.close()
            raise ReadTimeoutError(self, url,
                                   f"Read timed out. (read timeout={read_timeout})") from exc
        except ssl.SSLError as exc:
            connection.close()
            raise MaxRetryError(self, url, SSLError(exc)) from exc
        except OSError as exc:
            connection.close()
            raise ProtocolError("Connection aborted.", exc) from exc
        except _BadAnswerError as exc:
            connection.close()
            raise ProtocolError("Connection aborted.", exc.cause) from exc

    def _connect(self, connection: Connection, url: str, timeout: Timeout) -> None:
        connect_timeout = Timeout.resolve_default_timeout(timeout.connect_timeout)
        try:
            sock = socket.create_connection((self.host, self._port), connect_timeout)
        except socket.gaierror as exc:
            reason: Exception = NameResolutionError(self.host, connection, exc)  # type: ignore[arg-type]
            raise MaxRetryError(self, url, reason) from exc
        except TimeoutError as exc:
            reason = ConnectTimeoutError(
                connection, f"Connection to {self.host} timed out. "
                            f"(connect timeout={connect_timeout})")
            raise MaxRetryError(self, url, reason) from exc
        except OSError as exc:
            reason = NewConnectionError(
                connection, f"Failed to establish a new connection: {exc}")  # type: ignore[arg-type]
            raise MaxRetryError(self, url, reason) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._scheme == "https":
            try:
                sock = self._context().wrap_socket(sock, server_hostname=self.host)
            except (ssl.SSLError, ssl.CertificateError, OSError) as exc:
                sock.close()
                raise MaxRetryError(self, url, SSLError(exc)) from exc
        connection.open(sock)
        if connection.was_cut:  # the deadline passed while connecting
            connection.cut()

    def _context(self) -> ssl.SSLContext:
        """The TLS settings ``HTTPAdapter.cert_verify`` set, as a context (made once)."""
        key = (self.cert_reqs, self.ca_certs, self.ca_cert_dir, self.cert_file, self.key_file)
        context = self._contexts.get(key)
        if context is None:
            if self.cert_reqs == "CERT_NONE":
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            else:
                context = ssl.create_default_context(cafile=self.ca_certs,
                                                     capath=self.ca_cert_dir)
            if self.cert_file:
                context.load_cert_chain(self.cert_file, self.key_file)
            self._contexts[key] = context
        return context

    def _answer(self, connection: Connection, method: str, status_line: bytes) -> LeanResponse:
        """The status line and headers (interim 1xx answers skipped), the body left to read."""
        while True:
            version, _, rest = status_line.partition(b" ")
            code, _, reason = rest.partition(b" ")
            if not version.startswith(b"HTTP/") or len(code) != 3 or not code.isdigit() \
                    or not 100 <= int(code) <= 999:
                raise _BadAnswerError(BadStatusLine(status_line.decode("iso-8859-1")))
            lines = []
            size = 0
            while line := connection.line(MAX_HEAD_BYTES):
                lines.append(line)
                size += len(line)
                if size > MAX_HEAD_BYTES:
                    raise _BadAnswerError(LineTooLong("header line"))
            if line is None:
                raise _BadAnswerError(IncompleteRead(b""))
            status = int(code)
            if status >= 200 or status == 101:
                break
            next_line = connection.line(MAX_HEAD_BYTES)
            if next_line is None:
                raise _BadAnswerError(RemoteDisconnected(
                    "Remote end closed connection without response"))
            status_line = next_line
        headers, by_lower = _headers(lines)
        connection_header = by_lower.get("connection", "").lower()
        keep = (version == b"HTTP/1.1" and "close" not in connection_header) or (
            version == b"HTTP/1.0" and "keep-alive" in connection_header)
        chunked = "chunked" in by_lower.get("transfer-encoding", "").lower()
        length: int | None = None
        if status in NO_BODY_STATUSES or status < 200 or method == "HEAD":
            length = 0
        elif not chunked:
            with suppress(ValueError):
                length = int(by_lower.get("content-length", ""))
            if length is not None and length < 0:
                length = None
        return LeanResponse(self, connection, status, reason.decode("iso-8859-1"),
                            (headers, by_lower), length, chunked, keep)


class _BadAnswerError(Exception):
    """What came back is not an HTTP answer (``cause``: ``http.client``'s exception)."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(cause)
        self.cause = cause
