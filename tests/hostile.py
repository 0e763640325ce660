"""A hostile stand-in for Stripe: a small stdlib HTTP server on 127.0.0.1 that misbehaves in one
chosen way, for the tests of timeouts, endless lists and malformed pages.

Modes:
    drip: a 200 whose body comes one byte every ``interval`` seconds.
    slow_headers: the status line and headers themselves come one byte every ``interval``.
    endless: every list answers the same page with ``has_more: true`` (same objects, so the
        same cursor); ``/v1/events`` answers events, other paths plain objects.
    no_id / bad_created / data_not_list: a list page whose first object has no ``id``, whose
        ``created`` is a string, or whose ``data`` is an object.
    reset: the connection is reset (a TCP RST) as soon as the request is read.

In the page modes (endless and the malformed ones) a request with ``limit=1``, the tap's
permission probe, gets a well-formed empty page, so that the hostile page reaches the reading
of the list itself.

Every loop is bounded (``MAX_DRIP_BYTES`` bytes and ``MAX_SECONDS`` per connection), and the
server stops itself after ``lifetime`` seconds if the test does not stop it first.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

MODES = ("drip", "slow_headers", "endless", "no_id", "bad_created", "data_not_list", "reset")
MAX_DRIP_BYTES = 200
MAX_SECONDS = 30.0
CREATED = 1_700_000_000


def _page(path: str, mode: str, probe: bool) -> dict[str, Any]:
    """The list page ``mode`` answers for ``path`` (a ``probe`` gets an empty one)."""
    if probe:
        return {"object": "list", "url": path, "has_more": False, "data": []}
    if path == "/v1/events":
        obj: dict[str, Any] = {"id": "evt_1", "object": "event", "type": "customer.updated",
                               "created": CREATED, "api_version": "2026-10-28.endive",
                               "data": {"object": {"id": "cus_1", "object": "customer",
                                                   "created": CREATED}}}
    else:
        obj = {"id": "obj_1", "object": "customer", "created": CREATED}
    data: Any = [obj, {**obj, "id": obj["id"] + "b"}]
    if mode == "no_id":
        del obj["id"]
    elif mode == "bad_created":
        obj["created"] = "yesterday"
    elif mode == "data_not_list":
        data = {"0": obj}
    return {"object": "list", "url": path, "has_more": mode == "endless", "data": data}


class _Handler(BaseHTTPRequestHandler):
    server: HostileServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        """Quiet: tests read the tap's output, not the server's."""

    def do_GET(self) -> None:
        """Misbehave as the server's mode says."""
        self.server.requests += 1
        mode, url = self.server.mode, urlsplit(self.path)
        with self.server.lock:
            self.server.paths[url.path] += 1
        if mode == "reset":
            # SO_LINGER on with a zero timeout: the close sends a RST, not a FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        probe = mode not in ("drip", "slow_headers") and parse_qs(url.query).get("limit") == ["1"]
        body = json.dumps(_page(url.path, mode, probe)).encode()
        head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nDate: {self.date_time_string()}\r\n\r\n"
                ).encode()
        if mode == "drip":
            self.wfile.write(head)
            self._drip(body)
        elif mode == "slow_headers":
            self._drip(head + body)
        else:
            self.wfile.write(head + body)

    def _drip(self, data: bytes) -> None:
        """Send ``data`` a byte at a time, ``interval`` apart, within the bounds."""
        began = time.monotonic()
        for n, byte in enumerate(data):
            if n >= MAX_DRIP_BYTES or time.monotonic() - began > MAX_SECONDS:
                break
            if self.server.stopping.wait(self.server.interval):
                break
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:  # the client gave up
                break
        self.close_connection = True


class HostileServer(ThreadingHTTPServer):
    """The server on a free loopback port; a context manager, ``base_url`` to point at it."""

    daemon_threads = True

    def __init__(self, mode: str, *, interval: float = 0.5, lifetime: float = 120.0) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; one of {', '.join(MODES)}")
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode
        self.interval = interval
        self.lifetime = lifetime
        self.requests = 0
        self.paths: Counter[str] = Counter()  # requests by path
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True, name=f"hostile-{mode}")
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True

    @property
    def base_url(self) -> str:
        """Where the server answers."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop serving and end the drips in progress (idempotent)."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        self._timer.cancel()
        self.shutdown()
        self.server_close()
        self._thread.join(5)
