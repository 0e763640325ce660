"""The HTTP layer: keep-alive HTTP/1.1 on 127.0.0.1, faults and latency, the request log.

``/v1/...`` goes to the Stripe API (with injected faults and latency, and an entry in the
request log); ``/_emulator/...`` goes to the control API (never faulted, never logged).
Every response is written in one piece with ``Content-Length``, so clients can keep the
connection alive.
"""

from __future__ import annotations

import socket
import struct
import sys
import threading
import time
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from tests.emulator import errors
from tests.emulator.api import Reply

if TYPE_CHECKING:
    from tests.emulator.api import Api
    from tests.emulator.control import Control
    from tests.emulator.faults import Faults
    from tests.emulator.reqlog import RequestLog
    from tests.emulator.world import World

_HTML = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>"
         b"502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
_STATUS_FAULTS = {"500": 500, "502": 502, "503": 503}


class App:
    """What the handler needs: the API, the control API, faults, the log and a stop signal."""

    def __init__(self, world: World, api: Api, control: Control, faults: Faults,
                 log: RequestLog) -> None:
        self.world = world
        self.api = api
        self.control = control
        self.faults = faults
        self.log = log
        self.stopping = threading.Event()


class Server(ThreadingHTTPServer):
    """A threading HTTP server bound to one ``App``."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        super().__init__(address, Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client gone mid-request (killed, timed out) is routine: no traceback."""
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """Serves one connection (many requests with keep-alive)."""

    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    server: Server

    def setup(self) -> None:
        """Disable Nagle: responses are single writes and latency matters."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        """GET."""
        self._serve("GET")

    def do_POST(self) -> None:
        """POST."""
        self._serve("POST")

    def do_DELETE(self) -> None:
        """DELETE."""
        self._serve("DELETE")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence the default stderr access log (the request log records requests)."""

    def _serve(self, method: str) -> None:
        path, _, query_string = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if path.startswith("/_emulator"):
            status, payload = self.server.app.control.handle(method, path, query_string, body)
            self._write(status, payload, {"Content-Type": "application/json"})
        elif path == "/v1" or path.startswith("/v1/"):
            self._api(method, path, query_string)
        else:
            self._write(404, errors.unrecognized_url(method, path).payload(),
                        {"Content-Type": "application/json"})

    def _api(self, method: str, path: str, query_string: str) -> None:
        app = self.server.app
        started = time.perf_counter()
        fault, delay = app.faults.draw()
        if delay:
            app.stopping.wait(delay)
        headers = {k.lower(): v for k, v in self.headers.items()}
        request_id = app.world.request_id()
        version = headers.get("stripe-version") or app.world.api_version
        common = {"Request-Id": request_id, "Stripe-Version": version,
                  "Content-Type": "application/json"}
        account = headers.get("stripe-account")
        status, body, extra = 0, b"", {}
        if fault == "html":
            status, body, extra = 502, _HTML, {"Content-Type": "text/html"}
        elif fault in _STATUS_FAULTS or fault == "lock_timeout":
            error = (errors.lock_timeout() if fault == "lock_timeout"
                     else errors.server_error(_STATUS_FAULTS[str(fault)]))
            status, body, extra = error.status, error.payload(), {**common, **error.headers}
        elif fault != "reset":
            if fault == "stall":
                app.stopping.wait(app.faults.plan.stall_seconds)
            reply = self._answer(method, path, query_string, headers)
            status, body, account = reply.status, reply.body, reply.account
            extra = {**common, **reply.headers}
        app.log.add(time=time.time(), method=method, path=path, query=query_string,
                    account=account, status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 3),
                    fault=fault, request_id=None if status == 0 else request_id)
        if fault == "reset":
            self._reset()
        else:
            self._write(status, body, extra, truncate=fault == "truncate")

    def _answer(self, method: str, path: str, query_string: str,
                headers: dict[str, str]) -> Reply:
        """The API's reply; an emulator bug becomes a loud 500 instead of a dropped socket."""
        try:
            return self.server.app.api.handle(method, path, query_string, headers)
        except Exception as bug:
            traceback.print_exc()
            error = errors.StripeError(500, f"Stripe emulator bug: {bug!r}", type_="api_error")
            return Reply(500, error.payload(), {})

    def _write(self, status: int, body: bytes, headers: dict[str, str], *,
               truncate: bool = False) -> None:
        reason = HTTPStatus(status).phrase
        lines = [f"HTTP/1.1 {status} {reason}", f"Server: {self.server_version}",
                 f"Date: {self.date_time_string(self.server.app.world.clock.now())}",
                 f"Content-Length: {len(body)}",
                 "Cache-Control: no-cache, no-store",
                 f"Connection: {'close' if self.close_connection or truncate else 'keep-alive'}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            self.wfile.write(head + (body[: len(body) // 2] if truncate else body))
        except OSError:
            self.close_connection = True
        if truncate:
            self.close_connection = True

    def _reset(self) -> None:
        """Drop the connection with a TCP reset, sending nothing."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.wfile.close()
        self.connection.close()
