"""Raw records decode, with each object's bytes, only the fields the tap reads of its list's
objects (issue 14: msgspec compares every key of an object with every field asked for).

A list is known by its list object's ``url`` (API reference, "Pagination": "The URL where this
list can be accessed"; Stripe's example objects: ``/v1/customers/cus_NffrFeUfNV2Hib/tax_ids``
for a customer's tax ids, ``/v1/subscription_items?subscription=sub_1MowQVLkdIwHu7ixeRlqHVzs``
for a subscription's items). Any other field is still read, from the whole object: these tests
check that reading it gives Stripe's value, and that a sync of every stream reads none that way.
"""

from __future__ import annotations

import io
import json
import re
import sys
from contextlib import redirect_stdout
from typing import Any

import msgspec
import pytest

from tap_stripe.errors import StripeResponseError
from tap_stripe.pages import objects_of
from tap_stripe.raw import ALL, RawRecord, decode_page, decoders
from tap_stripe.registry import STREAMS
from tap_stripe.tap import TapStripe
from tests.e2e.truth import tap_config
from tests.emulator import Emulator
from tests.singer import catalog_for

# Stripe's example charge (fields abridged), with its includable refunds and a review.
CHARGE = {"id": "ch_3MmlLrLkdIwHu7ix0snN0B15", "object": "charge", "amount": 1099,
          "amount_captured": 1099, "balance_transaction": "txn_3MmlLrLkdIwHu7ix0uke3Ezy",
          "created": 1679090539, "currency": "usd", "paid": True, "review": "prv_1",
          "status": "succeeded", "metadata": {}, "outcome": {"risk_score": 32}}
REFUNDS = {"object": "list", "has_more": False,
           "url": "/v1/charges/ch_3MmlLrLkdIwHu7ix0snN0B15/refunds",
           "data": [{"id": "re_1", "object": "refund", "amount": 100, "created": 1679090600,
                     "charge": "ch_3MmlLrLkdIwHu7ix0snN0B15", "status": "succeeded"}]}
# Stripe's example customer (abridged) with its includable tax ids and cash balance expanded.
TAX_IDS = {"object": "list", "has_more": False, "url": "/v1/customers/cus_NffrFeUfNV2Hib/tax_ids",
           "data": [{"id": "txi_1NuMB12eZvKYlo2CMecoWkZd", "object": "tax_id", "country": "DE",
                     "created": 123456789, "type": "eu_vat", "value": "DE123456789"}]}
CASH_BALANCE = {"object": "cash_balance", "available": {"eur": 10000},
                "customer": "cus_NffrFeUfNV2Hib", "livemode": False}
CUSTOMER = {"id": "cus_NffrFeUfNV2Hib", "object": "customer", "balance": 0,
            "created": 1680893993, "email": "jennyrosen@example.com", "name": "Jenny Rosen",
            "tax_ids": TAX_IDS, "cash_balance": CASH_BALANCE}


def page(url: str, *objects: dict[str, Any]) -> bytes:
    """A list page as Stripe writes it (indented)."""
    return json.dumps({"object": "list", "url": url, "has_more": False,
                       "data": list(objects)}, indent=2).encode()


@pytest.mark.parametrize(("url", "same_as"), [
    ("/v1/customers/cus_NffrFeUfNV2Hib/tax_ids", "/v1/customers/cus_other/tax_ids"),
    ("/v1/subscription_items?subscription=sub_1MowQVLkdIwHu7ixeRlqHVzs",
     "/v1/subscription_items"),
    ("/v1/invoices/in_1MtHbELkdIwHu7ixl4OzzPMv/lines", "/v1/invoices/in_2/lines"),
])
def test_a_list_is_known_by_its_url_whatever_its_parent_or_query(url: str, same_as: str) -> None:
    assert decoders(url) is decoders(same_as)
    assert decoders(url) is not ALL


@pytest.mark.parametrize("url", ["/v1/no_such_list", "/v1/customers/cus_1/no_such_list", None, 7])
def test_a_list_no_stream_reads_decodes_every_field_the_tap_reads(url: Any) -> None:
    assert decoders(url) is ALL


@pytest.mark.parametrize("with_refunds", [False, True])
def test_fields_left_out_of_a_lists_struct_are_read_from_the_whole_object(
        with_refunds: bool) -> None:
    charge = {**CHARGE, "refunds": REFUNDS} if with_refunds else CHARGE
    other = {**charge, "id": "ch_2", "amount": 5, "metadata": {"order": "6735"}}
    records = decode_page(page("/v1/charges", charge, other))["data"]
    assert [r["id"] for r in records] == [CHARGE["id"], "ch_2"]
    assert [r["amount"] for r in records] == [1099, 5]
    assert [r["metadata"] for r in records] == [{}, {"order": "6735"}]
    assert [r.get("review") for r in records] == ["prv_1", "prv_1"]
    assert [r.get("outcome") for r in records] == [{"risk_score": 32}] * 2
    assert records[0].get("no_such_field", "absent") == "absent"
    if with_refunds:
        assert [[x["id"] for x in r["refunds"]["data"]] for r in records] == [["re_1"]] * 2
        assert records[0].items_in("refunds") == 1
    assert [msgspec.json.encode(r.to_dict()) for r in records] == [
        msgspec.json.encode(charge), msgspec.json.encode(other)]
    assert [bytes(r.json()) for r in records] == [
        msgspec.json.encode(charge), msgspec.json.encode(other)]


def test_a_field_set_on_a_record_is_read_back_whether_or_not_its_list_decodes_it() -> None:
    record = decode_page(page("/v1/charges", CHARGE))["data"][0]
    record["amount"] = 1  # Stripe's field, not decoded with the charges' list
    record["customer_id"] = "cus_1"  # a field the tap adds
    assert (record["amount"], record["customer_id"]) == (1, "cus_1")
    assert msgspec.json.encode(record.to_dict()) == msgspec.json.encode(
        {**CHARGE, "amount": 1, "customer_id": "cus_1"})


def test_a_sync_of_every_stream_reads_no_record_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every field the tap reads of a listed object is in the struct of its list: in a sync
    of every stream of the emulator, no raw record is decoded whole to read one."""
    whole: list[Any] = []
    decoded = RawRecord._decoded

    def counted(record: RawRecord) -> dict[str, Any]:
        if record._whole is None:
            whole.append(record.get("object"))
        return decoded(record)

    monkeypatch.setattr(RawRecord, "_decoded", counted)
    streams = [s.name for s in STREAMS]
    out = io.BytesIO()
    text = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    with Emulator(seed=14, scale=3) as emulator:
        tap = TapStripe(config=tap_config(emulator, live_rate=True),
                        catalog=catalog_for(streams))
        with redirect_stdout(text):
            tap.sync_all()
    text.flush()
    records = [line for line in out.getvalue().splitlines()
               if line.startswith(b'{"type":"RECORD"')]
    assert len(records) > 300
    assert {json.loads(line)["stream"] for line in records} >= {
        "charges", "customers", "invoices", "invoice_line_items", "subscription_items",
        "financial_connections_account_owners", "reviews"}
    assert whole == []


@pytest.mark.parametrize("first_expanded", [True, False])
def test_expanded_fields_are_read_from_the_objects_own_bytes(first_expanded: bool) -> None:
    """A list's expanded fields (no child's embedded list) are left out of the page's decoding
    and read from each object's own bytes: no record keeps a view into its page."""
    plain = {k: v for k, v in CUSTOMER.items() if k not in ("tax_ids", "cash_balance")}
    objects = [CUSTOMER, {**plain, "id": "cus_2"}]
    if not first_expanded:
        objects.reverse()
    body = msgspec.json.encode({"object": "list", "url": "/v1/customers", "has_more": False,
                                "data": objects})  # compact: decoded as is
    before = sys.getrefcount(body)
    records = {r["id"]: r for r in decode_page(body)["data"]}
    expanded, other = records[CUSTOMER["id"]], records["cus_2"]
    assert expanded.items_in("tax_ids") == 1 and other.items_in("tax_ids") == 0
    assert [(x["id"], x["value"]) for x in expanded["tax_ids"]["data"]] == [
        ("txi_1NuMB12eZvKYlo2CMecoWkZd", "DE123456789")]
    assert isinstance(expanded["tax_ids"]["data"][0], RawRecord)
    assert expanded["cash_balance"] == CASH_BALANCE
    assert other.get("tax_ids") is None and "cash_balance" not in other
    assert (expanded["email"], other["name"]) == ("jennyrosen@example.com", "Jenny Rosen")
    assert [bytes(r.json()) for r in records.values()] == [
        msgspec.json.encode(o) for o in objects]
    assert sys.getrefcount(body) == before


@pytest.mark.parametrize(("obj", "message"), [
    ({"id": "ch_1", "object": "charge", "created": "1679090539"},
     "object ch_1 has \"created\" '1679090539', not a unix time in whole seconds"),
    ({"id": "ch_1", "object": "charge", "created": True},
     "object ch_1 has \"created\" 'True', not a unix time in whole seconds"),
    ({"id": "", "object": "charge", "created": 1679090539}, 'object 0 of "data" has no "id"'),
    ({"object": "charge", "created": 1679090539}, 'object 0 of "data" has no "id"'),
])
def test_a_raw_records_id_and_created_are_checked_as_a_dicts(obj: dict[str, Any],
                                                             message: str) -> None:
    for decoded in (decode_page(page("/v1/charges", obj)), json.loads(page("/v1/charges", obj))):
        with pytest.raises(StripeResponseError, match=re.escape(message)):
            objects_of(decoded, "/v1/charges")


def test_id_and_created_are_those_the_record_holds() -> None:
    records = decode_page(page("/v1/charges", CHARGE, {"id": "ch_2", "object": "charge"}))
    first, second = records["data"]
    assert first.id_and_created() == (CHARGE["id"], 1679090539)
    assert second.id_and_created() == ("ch_2", None)
    first["created"] = 5  # Stripe's field changed: the record is the dict path's
    second["created"] = 7  # a field Stripe did not send, added
    assert (first.id_and_created(), second.id_and_created()) == ((CHARGE["id"], 5), ("ch_2", 7))
