"""Thin singer-sdk streams built from the registry: each decides between listing and events and
owns its bookmarks."""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from singer_sdk import Stream
from singer_sdk.helpers._util import utc_now
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.singerlib import RecordMessage

from tap_stripe import shutdown
from tap_stripe.errors import StripeAccessError
from tap_stripe.found import read_by_id
from tap_stripe.records import Stamper
from tap_stripe.schemas import load_schema
from tap_stripe.shutdown import StopRequested
from tap_stripe.spool import Checkpoint, Item, PassCancelledError
from tap_stripe.writer import BufferedWriter

if TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_stripe.registry import StreamDef
    from tap_stripe.run import Run

LOGGER = logging.getLogger("tap-stripe")
DAY = 86400
# Stripe keeps events 30 days; a bookmark older than this cannot be caught up through events.
EVENT_HORIZON = 29 * DAY
# Objects no list shows (closed reviews) read by id at once.
BY_ID_AT_ONCE = 8


@dataclass(frozen=True)
class Plan:
    """What a stream reads this run.

    Attributes:
        list_from: Start of the `created` listing (None: no listing this run).
        events_from: Start of the events this stream takes (None: not event-driven this run).
        backfill_started: When the listing that fills an event-driven stream began.
        deletes_from: Deletes from this time on are taken from events too (a refill after a
            pause longer than Stripe's event retention: the list no longer shows objects
            deleted during the pause, the events of the last 29 days do).
    """

    list_from: int | None
    events_from: int | None = None
    backfill_started: int | None = None
    deletes_from: int | None = None


class StripeStream(Stream):
    """One Stripe stream. Bookmarks are unix seconds, written at checkpoints only.

    Created-based streams bookmark the end of the last completed `created` window in
    ``replication_key_value``. Event-driven streams are first filled by listing (progress in
    ``created_cursor``, begun at ``backfill_started``) and then follow events:
    ``replication_key_value`` is the time up to which every change has been emitted.
    """

    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
    is_sorted = True

    def __init__(self, tap: Tap, sdef: StreamDef, run: Run) -> None:
        self.sdef = sdef
        self.run = run
        self.plans: dict[str | None, Plan] = {}  # by account
        self._partitions: list[dict[str, Any]] | None = None
        self._began = False
        self._states: dict[str | None, dict[str, Any]] = {}
        super().__init__(tap, schema=load_schema(sdef.name), name=sdef.name)
        self.primary_keys = ["id"]
        self.replication_key = sdef.key
        self.selected_by_default = sdef.selected_by_default

    # -- accounts: one singer-sdk partition per account when connected accounts are read --

    @property
    def partitions(self) -> list[dict[str, Any]] | None:
        """``{"stripe_account": id}`` for every account this stream reads (Connect), else
        None; fixed for the run. The order they sync in is ``Run.reading_order``'s."""
        if not self.run.settings.connect:
            return None
        if self._partitions is None:
            self._partitions = [{"stripe_account": a} for a in self.run.accounts
                                if self.reads(a)]
        return self._partitions

    def contexts(self) -> list[dict[str, Any] | None]:
        """The contexts this stream syncs: its partitions, or None alone."""
        partitions = self.partitions
        return [None] if partitions is None else list(partitions)

    def reads(self, account: str | None) -> bool:
        """Whether this stream reads ``account`` this run. With Connect, the Connect-only
        streams (accounts, persons, external accounts) read each connected account: the
        account and what hangs off it are read on the platform, their changes come from that
        account's events."""
        if not self.run.settings.connect:
            return True
        return not self.sdef.connect_only or account != self.run.own_account

    def context_for(self, account: str | None) -> dict[str, Any] | None:
        """The context of ``account`` (None without Connect)."""
        return {"stripe_account": account} if self.run.settings.connect else None

    def account_of(self, context: Context | None) -> str | None:
        """The account a context reads (the key's own without Connect)."""
        return context["stripe_account"] if context else self.run.own_account

    def _plan_key(self, context: Context | None) -> str | None:
        return context["stripe_account"] if context else None

    def is_new(self, context: Context | None) -> bool:
        """Whether this context has no bookmark yet (its first sync)."""
        state = self._state_of(context)
        return not any(state.get(k) is not None for k in
                       ("replication_key_value", "created_cursor", "backfill_started"))

    @property
    def plan(self) -> Plan:
        """This run's plan for the first account it reads (the platform, unless another
        shard takes it), which the permission check probes."""
        contexts = self.contexts()
        return self.plan_for(contexts[0]) if contexts else self._make_plan({})

    def _state_of(self, context: Context | None) -> dict[str, Any]:
        """The bookmarks of ``context``: singer-sdk's own dict in the tap state, looked up
        once (singer-sdk scans the list of partitions on every lookup)."""
        key = self._plan_key(context)
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = self.get_context_state(context)
        return state

    def plan_for(self, context: Context | None) -> Plan:
        """This run's plan for ``context``, from the state the run started with."""
        key = self._plan_key(context)
        plan = self.plans.get(key)
        if plan is None:
            plan = self.plans[key] = self._make_plan(self._state_of(context))
        return plan

    def _make_plan(self, state: dict[str, Any]) -> Plan:
        settings, now = self.run.settings, self.run.started
        if self.replication_method == "FULL_TABLE":
            return Plan(list_from=settings.start)
        if self.sdef.cursor == "created":
            lookback = max(settings.lookback_seconds, self.sdef.lookback_floor_days * DAY)
            bookmark = state.get("replication_key_value")
            start = bookmark - lookback if isinstance(bookmark, int) else settings.start
            return Plan(list_from=max(settings.start, start))
        horizon = now - EVENT_HORIZON
        bookmark = state.get("replication_key_value")
        if isinstance(bookmark, int) and bookmark >= horizon:
            return Plan(None, events_from=max(horizon, bookmark - settings.lookback_seconds))
        if isinstance(bookmark, int):
            return Plan(settings.start, events_from=now, backfill_started=now,
                        deletes_from=max(horizon, bookmark))
        started, cursor = state.get("backfill_started"), state.get("created_cursor")
        if isinstance(started, int) and started >= horizon and isinstance(cursor, int):
            return Plan(cursor, events_from=started, backfill_started=started)
        return Plan(settings.start, events_from=now, backfill_started=now)

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Listed records (a STATE after each window), then changes from events.

        The first stream to sync starts every pass of the run in the background. A failure
        stops them all, and the records written so far are flushed before it propagates.
        """
        account = self.account_of(context)
        try:
            self.run.prefetch()
            if account in self.run.refused:
                return
            yield from self._records(context)
        except (GeneratorExit, StopRequested):  # a record limit (others go on) or a signal
            raise
        except StripeAccessError as exc:
            if self.run.header(account) is None or exc.status not in (401, 403):
                self._stop_run()
                raise
            self._refused(account, exc)
        except PassCancelledError:
            if account in self.run.refused:  # its passes were stopped when it refused
                return
            self._stop_run()
            raise
        except BaseException:
            self._stop_run()
            raise

    def _refused(self, account: str | None, exc: StripeAccessError) -> None:
        """A connected account refused access: skip it (``on_permission_error=skip``) or stop
        the run with an error that names it."""
        reason = str(exc)
        if self.run.settings.on_permission_error != "skip":
            self._stop_run()
            msg = (f"Connected account {account} refused access: {reason} Remove it from "
                   "connected_accounts, or set on_permission_error=skip to sync the other "
                   "accounts.")
            raise StripeAccessError(msg, status=exc.status, permission=exc.permission) from None
        if account not in self.run.refused:
            LOGGER.warning("Connected account %s refused access, skipped "
                           "(on_permission_error=skip); its bookmarks are kept: %s",
                           account, reason)
        self.run.refuse(str(account), reason)

    def _stop_run(self) -> None:
        """Stop every pass and flush the records written so far (the run is failing)."""
        self.run.close()
        writer = self._tap.message_writer
        if isinstance(writer, BufferedWriter):
            writer.flush()

    def _records(self, context: Context | None) -> Iterator[dict[str, Any]]:
        plan, run = self.plan_for(context), self.run
        account = self.account_of(context)
        if plan.deletes_from is not None:
            LOGGER.warning("Stream %s was last synced more than %d days ago, beyond Stripe's "
                           "30-day event retention: re-reading it from its list endpoint.",
                           self.name, EVENT_HORIZON // DAY)
        if plan.list_from is not None:
            bookmark = "replication_key_value"
            if plan.events_from is not None:  # filling an event-driven stream
                bookmark = "created_cursor"
                self._update_state(context, backfill_started=plan.backfill_started,
                                   created_cursor=plan.list_from, replication_key_value=None)
            family = run.shared(run.family_of(self.sdef, account))
            run.progress.listing(self.name, account, run.family_of(self.sdef, account))
            yield from self._emit(family.items(self.name), context, bookmark, account)
            if self.sdef.found_in:
                yield from self._emit(self._found(plan.list_from, account), context, bookmark,
                                      account)
            if plan.events_from is not None:
                self._update_state(context, replication_key_value=plan.events_from,
                                   backfill_started=None)
        if plan.events_from is not None:
            hub = run.shared(run.hub_for(account))
            yield from self._emit(hub.items(self.name), context, "replication_key_value",
                                  account)

    def _found(self, start: int, account: str | None) -> Iterator[Item]:
        """The objects of this stream that no list shows, named by other streams' records of
        this run (closed reviews, in the charges and payment intents emitted before)."""
        run = self.run
        ids = run.found.missing(self.name, account)
        stamp = Stamper(run.started)
        for obj in read_by_id(run.api, self.sdef, ids, run.header(account), start,
                              run.started, at_once=BY_ID_AT_ONCE):
            yield stamp(self.sdef, obj, None)

    def _emit(self, items: Iterator[Item], context: Context | None, bookmark: str,
              account: str | None) -> Iterator[dict[str, Any]]:
        found, progress = self.run.found, self.run.progress
        for item in items:
            shutdown.check()  # a safe point: between two records or checkpoints
            if isinstance(item, Checkpoint):
                self._update_state(context, **{bookmark: item.value})
                progress.checkpoint(self.name, account, item.value)
            else:
                item["stripe_account"] = account
                found.note(self.name, item, account)
                progress.record(self.name)
                yield item

    def sync_context(self, context: Context | None) -> None:
        """Sync one context (a Connect account); the SCHEMA goes out before the first one.
        ``Stream.sync`` would write the schema again for every account."""
        if not self._began:
            self._began = True
            self.logger.info("Beginning sync of '%s' in %s mode, account by account", self.name,
                             self.replication_method.lower())
            self._write_schema_message()
            if self.replication_method == "FULL_TABLE" and self.emit_activate_version_messages:
                self._stream_version = self._initialized_at // 1000
                self._write_activate_version_message(self._stream_version)
        self.context = MappingProxyType(dict(context)) if context else None
        for _ in self._sync_records(context=context):
            pass

    def _write_state_message(self) -> None:
        """Write the STATE when it is due (see ``Run.state_due``)."""
        if self.run.state_due():
            super()._write_state_message()

    def _update_state(self, context: Context | None, **values: int | None) -> None:
        """Set bookmark fields of ``context`` (None removes one) and write a STATE message."""
        state = self._state_of(context)
        state["replication_key"] = self.replication_key
        for key, value in values.items():
            if value is None:
                state.pop(key, None)
            else:
                state[key] = value
        self.state_manager.is_flushed = False
        self._write_state_message()

    @cached_property
    def _passes_through(self) -> bool:
        """Whether records go out exactly as read: no property deselected, no type conformance,
        and one stream map that neither transforms nor flattens."""
        maps = self.stream_maps
        return (self.TYPE_CONFORMANCE_LEVEL == TypeConformanceLevel.NONE
                and all(self.mask.values()) and len(maps) == 1
                and type(maps[0]) is SameRecordTransform and not maps[0].flattening_enabled)

    def _generate_record_messages(
            self, record: dict[str, Any]) -> Generator[RecordMessage, None, None]:
        """The RECORD message of ``record``. When records pass through unchanged this skips
        singer-sdk's per-record selection walk (a copy of every nested object), conformance
        and mapping calls; otherwise singer-sdk does its usual work."""
        if not self._passes_through:
            yield from super()._generate_record_messages(record)
            return
        yield RecordMessage(stream=self.stream_maps[0].stream_alias, record=record,
                            version=self._stream_version, time_extracted=utc_now())

    def _process_record(self, record: dict[str, Any], child_context: Context | None = None,
                        partition_context: Context | None = None) -> None:
        """Nothing to do per record: these streams have no singer-sdk child streams and keep
        their bookmarks at checkpoints (singer-sdk would shallow-copy every record for its
        child streams)."""
        if self.child_streams:
            super()._process_record(record, child_context, partition_context)

    def _increment_stream_state(self, latest_record: dict[str, Any], *,
                                context: Context | None = None) -> None:
        """Bookmarks move only at checkpoints, never per record (lists arrive newest first)."""
