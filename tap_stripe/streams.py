"""Thin singer-sdk streams built from the registry: each decides between listing and events and
owns its bookmarks."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Generator, Iterable, Iterator
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from singer_sdk import Stream
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.mapper import SameRecordTransform
from singer_sdk.singerlib import RecordMessage

from tap_stripe import shutdown
from tap_stripe.channels import Checkpoint, Item, PassCancelledError
from tap_stripe.errors import StripeAccessError
from tap_stripe.found import read_by_id
from tap_stripe.pages import Obj
from tap_stripe.plan import DAY, EVENT_HORIZON, Plan, StreamInput, reads
from tap_stripe.raw import RawRecord
from tap_stripe.schemas import load_schema
from tap_stripe.shutdown import StopRequested
from tap_stripe.stamps import Stamper
from tap_stripe.writer import BufferedWriter

if TYPE_CHECKING:
    from singer_sdk import Tap
    from singer_sdk.helpers.types import Context

    from tap_stripe.registry import StreamDef
    from tap_stripe.run import Run

LOGGER = logging.getLogger("tap-stripe")
# Objects no list shows (closed reviews) read by id at once.
BY_ID_AT_ONCE = 8


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
        None; fixed for the run. The order they sync in is the run plan's (``plan.plan_run``)."""
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
        settings = self.run.settings
        return reads(self.sdef, account, settings.connect,
                     self.run.own_account if settings.connect else None)

    def context_for(self, account: str | None) -> dict[str, Any] | None:
        """The context of ``account`` (None without Connect)."""
        return {"stripe_account": account} if self.run.settings.connect else None

    def account_of(self, context: Context | None) -> str | None:
        """The account a context reads (the key's own without Connect)."""
        return context["stripe_account"] if context else self.run.own_account

    def _plan_key(self, context: Context | None) -> str | None:
        return context["stripe_account"] if context else None

    def plan_input(self) -> StreamInput:
        """What the run's plan needs of this stream: its row, whether it is read in full, and
        the bookmarks of each account it reads, in the order it reads them."""
        return StreamInput(self.sdef, self.replication_method == "FULL_TABLE",
                           {self.account_of(c): self._state_of(c) for c in self.contexts()})

    def _state_of(self, context: Context | None) -> dict[str, Any]:
        """The bookmarks of ``context``: singer-sdk's own dict in the tap state, looked up
        once (singer-sdk scans the list of partitions on every lookup)."""
        key = self._plan_key(context)
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = self.get_context_state(context)
        return state

    def plan_for(self, context: Context | None) -> Plan:
        """This run's plan for ``context`` (see ``plan``)."""
        return self.run.plan.of(self.name, self.account_of(context))

    def get_records(self, context: Context | None) -> Iterable[Any]:
        """Listed records (a STATE after each window), then changes from events: plain dicts
        or raw records (``raw``; ``post_process`` makes them dicts where singer-sdk works on
        them).

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

    def _records(self, context: Context | None) -> Iterator[Obj]:
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
            yield from self._emit(run.listed(self.name, account), context, bookmark, account)
            if self.sdef.found_in:
                yield from self._emit(self._found(plan.list_from, account), context, bookmark,
                                      account)
            if plan.events_from is not None:
                self._update_state(context, replication_key_value=plan.events_from,
                                   backfill_started=None)
        if plan.events_from is not None:
            yield from self._emit(run.changes(self.name, account), context,
                                  "replication_key_value", account)

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
              account: str | None) -> Iterator[Obj]:
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

    def post_process(self, row: dict[str, Any],
                     context: Context | None = None) -> dict[str, Any] | None:
        """Records that pass through stay raw (Stripe's bytes, written as they came); those
        singer-sdk maps, flattens or filters become the plain dicts it works on."""
        if isinstance(row, RawRecord) and not self._passes_through:
            return row.to_dict()
        return row

    def _generate_record_messages(
            self, record: dict[str, Any]) -> Generator[RecordMessage, None, None]:
        """The RECORD message of ``record``. When records pass through unchanged this skips
        singer-sdk's per-record selection walk (a copy of every nested object), conformance
        and mapping calls; otherwise singer-sdk does its usual work."""
        if not self._passes_through:
            yield from super()._generate_record_messages(record)
            return
        yield RecordMessage(stream=self.stream_maps[0].stream_alias, record=record,
                            version=self._stream_version,
                            time_extracted=dt.datetime.now(dt.timezone.utc))

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
