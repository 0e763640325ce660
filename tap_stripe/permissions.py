"""The permission check: one request per endpoint a run will read, ``limit=1``, or the first
page of a list the run is expected to read (its newest part when the listing's first pages
are asked in parts; kept for its listing, see ``ahead``).

Restricted keys (``rk_...``) often lack a permission; Stripe answers 403 and names it
(``rak_customer_read``). The check turns those answers into a table (stream, readable, the
permission needed) and applies ``on_permission_error``: ``fail`` stops the run with the table,
``skip`` names each stream it leaves out. A stream is probed for what it reads: its list endpoint
when it lists (child streams with the first id of their parent), ``/v1/events`` when it follows
events. Each endpoint is asked once, so a run that only follows events costs one request.

The probes run on the run's workers (``pool.Workers``), counted in flight by its pace. Those a
run is expected to need go out together with /v1/events (``ask_ahead``), each child's as soon
as its parent's answers: the first answers of a run take one round trip, not one per kind of
request.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from tap_stripe.ahead import AheadPage, key_of
from tap_stripe.api import PAGE_SIZE, endpoint_of
from tap_stripe.channels import PassCancelledError
from tap_stripe.errors import StreamsNotReadableError, StripeAccessError
from tap_stripe.pages import Obj, objects_of
from tap_stripe.registry import BY_NAME, StreamDef

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from tap_stripe.api import StripeApi
    from tap_stripe.pool import Workers

LOGGER = logging.getLogger("tap-stripe.permissions")
EVENTS_PATH = "/v1/events"
REFUSALS = (400, 403, 404)


@dataclass(frozen=True)
class Probe:
    """What one probe found out about a stream.

    Attributes:
        stream: Stream name.
        readable: True or False; None when it could not be probed (``note`` says why).
        permission: The permission(s) Stripe named in its 403, if any.
        note: Why the stream is not readable or was not probed.
    """

    stream: str
    readable: bool | None
    permission: str = ""
    note: str = ""

    @property
    def status(self) -> str:
        """``yes``, ``no`` or ``unknown``, as the table shows it."""
        return {True: "yes", False: "no", None: "unknown"}[self.readable]


@dataclass(frozen=True)
class Reads:
    """What a run reads for one stream: its list endpoint, ``/v1/events``, or both."""

    stream: str
    listing: bool = True
    events: bool = False


@dataclass(frozen=True)
class _Answer:
    """The outcome of one probe request: the first object and whether there are more (and
    Stripe's time of a first page asked ahead), or the refusal."""

    first: Obj | None = None
    error: StripeAccessError | None = None
    more: bool = False
    date: int | None = None  # Stripe's time of a first page asked ahead


Key = tuple[str, str]


@dataclass(frozen=True)
class FirstPage:
    """A list whose probe asks its listing's first page instead of one object: the listing's
    parameters, from ``gte`` on, its objects kept as bytes or not (``raw``; see ``ahead``);
    or the first page of each of ``parts`` (``[gte, lt)``, newest first, the newest with no
    upper bound: ``lt`` None), asked together."""

    params: dict[str, Any]
    gte: int
    raw: bool = False
    parts: tuple[tuple[int, int | None], ...] = ()

    def ask(self) -> dict[str, Any]:
        """The probe's parameters (``limit`` aside), which name it whatever its parts."""
        return {**self.params, "created": {"gte": self.gte}}

    def asks(self) -> list[tuple[int, int | None]]:
        """The parts asked: ``parts``, else one from ``gte`` on."""
        return list(self.parts) or [(self.gte, None)]

    def part(self, gte: int, lt: int | None) -> dict[str, Any]:
        """The parameters (``limit`` aside) of the part ``[gte, lt)``."""
        created = {"gte": gte} if lt is None else {"gte": gte, "lt": lt}
        return {**self.params, "created": created}


def _key(path: str, params: dict[str, Any]) -> Key:
    """One probe's key: its path and parameters."""
    return path, repr(sorted(params.items()))


class PermissionCheck:
    """Probes streams through ``api``; each endpoint is requested at most once, on the pool of
    the run's ``workers``, counted in flight by its pace (whose latencies they are the first
    of), possibly ahead of the plan (``ask_ahead``)."""

    def __init__(self, api: StripeApi, workers: Workers, account: str | None = None, *,
                 pages: Mapping[str, FirstPage] | None = None) -> None:
        self.api = api
        self.account = account
        self.workers = workers
        self.pages = dict(pages or {})  # by list path: probes that ask the first page
        self._answers: dict[Key, _Answer] = {}
        self._sent: dict[Key, Future[_Answer]] = {}  # asked on a worker, answer not taken yet
        self._lock = threading.Lock()

    def ask_ahead(self, reads: Iterable[Reads]) -> None:
        """Send /v1/events and the probes of ``reads`` (what the run is expected to read)
        without waiting: they go out together, each child's list as soon as its parent's
        answers. A failure is raised where its answer is taken (``ask_events``, ``probe``);
        a probe the plan turns out not to need is never looked at."""
        self._send(*self._list_ask(EVENTS_PATH, {}))
        roots: list[str] = []
        for sdef in (BY_NAME[r.stream] for r in reads if r.listing):
            if sdef.parent is None:
                roots.append(sdef.path)
                self._send(*self._list_ask(sdef.path, sdef.params))
                continue
            roots.append(BY_NAME[str(sdef.parent)].path)
            parent = self._send(*self._parent_ask(sdef))
            if parent is not None:
                parent.add_done_callback(partial(self._send_child, sdef))
        for path in dict.fromkeys(roots):  # after every probe: those come first
            self._send_parts(path)

    def _send_parts(self, path: str) -> None:
        """Send the first pages of the older parts of ``path``'s list, when its probe asks
        the newest part: kept for the listing as they come (``ahead.AskedAhead.expect``),
        which takes them (see ``listing.WindowLister``), and which asks again what did not
        come (a part refused: the listing then stops at that part, with Stripe's answer).
        The probe's answer is its newest part's: Stripe permits a list or not whatever the
        ``created`` range."""
        first = self.pages.get(path)
        if first is None or len(first.parts) < 2:
            return
        params = first.ask()
        key = key_of(path, self.account, params, first.raw)
        try:
            for part in first.parts[1:]:
                self.api.ahead.expect(key, part[0], self._fly(path, params, part))
        except PassCancelledError:  # the run is closing
            return

    def _send_child(self, sdef: StreamDef, parent: Future[_Answer]) -> None:
        """Send the probe of ``sdef``'s list once its parent's probe has answered."""
        if parent.cancelled() or parent.exception() is not None:
            return  # raised where the parent's answer is taken
        ask = self._child_ask(sdef)
        if ask is not None:
            self._send(*ask)

    def _send(self, path: str, params: dict[str, Any]) -> Future[_Answer] | None:
        """Request ``path`` on a worker unless it was asked already (a first page asked in
        parts: its newest); its pending answer."""
        key = _key(path, params)
        with self._lock:
            if key in self._answers:
                return None
            future = self._sent.get(key)
            if future is None:
                first = self.pages.get(path)
                part = (first.asks()[0] if first is not None and params == first.ask()
                        else None)
                try:
                    future = self._fly(path, params, part)
                except PassCancelledError:  # the run is closing
                    return None
                self._sent[key] = future
            return future

    def _fly(self, path: str, params: dict[str, Any],
             part: tuple[int, int | None] | None) -> Future[_Answer]:
        """One request of a probe on a worker, counted in flight by the pace."""
        workers = self.workers
        flight, future = workers.pace.send(workers.pool.submit, endpoint_of(path),
                                           self._request, path, params, part)
        future.add_done_callback(lambda done: workers.pace.land(
            flight, observed=not done.cancelled() and done.exception() is None))
        return future

    def populated(self) -> set[str]:
        """The list paths whose probe found more than it asked for (more than one object, or
        than the first page it asked ahead)."""
        with self._lock:
            return {key[0] for key, answer in self._answers.items() if answer.more}

    def ask_events(self) -> None:
        """Probe /v1/events first: its answer, even a refusal, also tells Stripe's time."""
        self._ask(*self._list_ask(EVENTS_PATH, {}))

    def wait_ahead(self) -> int | None:
        """Wait for the probes sent so far; the earliest Stripe time a first page was asked
        at (None: none was)."""
        with self._lock:
            sent = list(self._sent.values())
        for future in sent:
            if not future.cancelled():
                future.exception()  # waits; a failure is raised where its answer is taken
        with self._lock:
            answers = [*self._answers.values(),
                       *(f.result() for f in sent if not f.cancelled() and f.exception() is None)]
        dates = [a.date for a in answers if a.date is not None]
        return min(dates, default=None)

    def _parent_ask(self, sdef: StreamDef) -> tuple[str, dict[str, Any]]:
        """The probe of a child stream's parent list, whose first object the child's probe
        asks with (the first page of its family's listing when the run asks it ahead)."""
        parent = BY_NAME[str(sdef.parent)]
        return self._list_ask(parent.path, parent.params)

    def _list_ask(self, path: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The probe of the list at ``path``: its first page when the run asks it ahead,
        else ``params`` (its fixed parameters)."""
        page = self.pages.get(path)
        return path, (page.ask() if page is not None else dict(params))

    def probe(self, reads: Iterable[Reads]) -> list[Probe]:
        """One probe per stream, in the order given. The requests go out together: parent
        lists first, then the child lists that need a parent's id."""
        reads = list(reads)
        listed = [BY_NAME[r.stream] for r in reads if r.listing]
        self._ask_all([self._list_ask(s.path, s.params) for s in listed if s.parent is None]
                      + [self._parent_ask(s) for s in listed if s.parent is not None])
        self._ask_all([ask for s in listed if s.parent is not None
                       if (ask := self._child_ask(s)) is not None])
        return [self._probe(r) for r in reads]

    def _ask_all(self, asks: list[tuple[str, dict[str, Any]]]) -> None:
        """Ask each (path, params) not asked yet, concurrently; a failure is raised in the
        order of ``asks``."""
        unique = {_key(path, params): (path, params) for path, params in asks}
        for path, params in unique.values():
            self._send(path, params)
        for path, params in unique.values():
            self._ask(path, params)

    def _child_ask(self, sdef: StreamDef) -> tuple[str, dict[str, Any]] | None:
        """The probe of a child stream's list, with the first id of its parent (None when the
        parent is unreadable or empty)."""
        parent = self._ask(*self._parent_ask(sdef))
        first = parent.first
        if parent.error is not None or first is None or not sdef.takes_parent(first):
            return None
        params = {**sdef.params, **sdef.query_of(first)}
        return sdef.path.format(parent_id=first["id"]), params

    def _ask(self, path: str, params: dict[str, Any]) -> _Answer:
        """The answer of ``path``'s probe: the one sent ahead, else asked on a worker now."""
        key = _key(path, params)
        sent = self._send(path, params)
        answer = None if sent is None else sent.result()
        with self._lock:
            self._sent.pop(key, None)
            if answer is not None:
                return self._answers.setdefault(key, answer)
            if key not in self._answers:  # the run is closing: nothing was sent
                raise PassCancelledError
            return self._answers[key]

    def _request(self, path: str, params: dict[str, Any],
                 part: tuple[int, int | None] | None = None) -> _Answer:
        """GET ``path`` with ``limit=1``, or the first page of ``part`` of its listing, kept
        for the listing (see ``ahead``). Stripe refusing the endpoint (403, 400, 404) is an
        answer; anything else (a wrong key, an unreachable or non-Stripe api_base) ends the
        run."""
        first = None if part is None else self.pages.get(path)
        query = {"limit": 1, **params} if first is None or part is None else {
            "limit": PAGE_SIZE, **first.part(*part)}
        try:
            page = self.api.get(path, query, self.account, raw=bool(first and first.raw))
        except StripeAccessError as exc:
            if exc.status not in REFUSALS:
                raise
            return _Answer(error=exc)
        data = objects_of(page, path)
        date = self.api.answer_date() if first else None
        if first is not None and part is not None and date is not None:
            self.api.ahead.keep(key_of(path, self.account, params, first.raw),
                                AheadPage(part[0], page, date, part[1]))
        return _Answer(first=data[0] if data else None, more=bool(page.get("has_more")),
                       date=date)

    def _probe(self, reads: Reads) -> Probe:
        sdef = BY_NAME[reads.stream]
        if reads.listing:
            listed = self._probe_list(sdef)
            if listed.readable is not True:
                return listed
        if reads.events:
            events = self._ask(*self._list_ask(EVENTS_PATH, {}))
            if events.error is not None:
                return _refused(sdef.name, events.error, "kept current through /v1/events: ")
        note = "" if reads.listing else "reads only /v1/events this run"
        return Probe(sdef.name, True, note=note)

    def _probe_list(self, sdef: StreamDef) -> Probe:
        """The stream's list endpoint; a child's with the first id of its parent."""
        if sdef.parent is None:
            answer = self._ask(*self._list_ask(sdef.path, sdef.params))
        else:
            parent = self._ask(*self._parent_ask(sdef))
            if parent.error is not None:
                return _refused(sdef.name, parent.error, f"needs {sdef.parent}: ")
            ask = self._child_ask(sdef)
            if ask is None:
                return Probe(sdef.name, None, note=f"not probed: no {sdef.parent} to probe with")
            answer = self._ask(*ask)
            if answer.error is not None and answer.error.status == 400:
                # about that one parent, not the key: the sync warns per parent and goes on
                return Probe(sdef.name, None, note=f"not probed: {answer.error}")
        if answer.error is not None:
            return _refused(sdef.name, answer.error)
        return Probe(sdef.name, True)


def _refused(name: str, error: StripeAccessError, prefix: str = "") -> Probe:
    note = "" if error.permission else prefix + str(error)
    return Probe(name, False, permission=error.permission or "", note=note)


def render_table(probes: list[Probe]) -> str:
    """The probes as an aligned text table: stream, readable, permission or note."""
    rows = [("stream", "readable", "permission needed / note")]
    rows += [(p.stream, p.status, p.permission or p.note) for p in probes]
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{a:<{width}}  {b:<8}  {c}".rstrip() for a, b, c in rows)


def check_permissions(checker: PermissionCheck, reads: list[Reads], on_error: str, *,
                      show: Callable[[str], None] | None = None) -> list[Probe]:
    """Probe what a run reads for each stream with ``checker``; return the unreadable ones (to
    skip) or raise.

    The table goes to ``show`` when given, else to the log. With ``on_error == "fail"`` any
    unreadable stream raises ``StreamsNotReadableError``; with ``"skip"`` each unreadable
    stream gets one warning.
    """
    probes = checker.probe(reads)
    refused = [p for p in probes if p.readable is False]
    table = render_table(probes)
    if show is not None:
        show(table)
    else:
        LOGGER.log(logging.WARNING if refused else logging.INFO,
                   "Permission check of the %d selected streams:\n%s", len(probes), table)
    if not refused:
        return []
    listed = ", ".join(p.stream for p in refused)
    if on_error == "fail":
        msg = (f"The API key cannot read {len(refused)} of the {len(probes)} selected streams "
               f"({listed}). Grant the permissions named in the table, deselect those streams, "
               "or set on_permission_error to skip.")
        raise StreamsNotReadableError(msg)
    for probe in refused:
        LOGGER.warning("Skipping stream %s: the API key cannot read it (%s).", probe.stream,
                       probe.permission or probe.note)
    return refused


def skipped_summary(refused: list[Probe]) -> str:
    """The end-of-run reminder of the streams left out."""
    listed = ", ".join(f"{p.stream} ({p.permission or 'not readable'})" for p in refused)
    return (f"{len(refused)} selected stream(s) were skipped because the API key cannot read "
            f"them: {listed}.")
