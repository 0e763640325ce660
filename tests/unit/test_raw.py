"""Raw records (issue 14): a listed object kept as Stripe's bytes is written exactly as the dict
path (decode, change, encode with msgspec) writes the same object, whatever the tap does to it.

Pages are written the way Stripe writes them (indented, "Pagination" in the API reference);
what is expected is the msgspec encoding of the plain dict, changed the same way.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import msgspec
import pytest

from tap_stripe.channels import Channel
from tap_stripe.pages import objects_of
from tap_stripe.raw import RawRecord, decode_page
from tap_stripe.writer import _encoder

CUSTOMER = {"id": "cus_NffrFeUfNV2Hib", "object": "customer", "address": None, "balance": 0,
            "created": 1680893993, "email": "jennyrosen@example.com", "livemode": False,
            "metadata": {"order_id": "6735"}, "name": "Jenny Rosen",
            "invoice_settings": {"custom_fields": None, "footer": None}}
PRODUCT = {"id": "prod_NWjs8kKbJWmuuc", "object": "product", "active": True,
           "created": 1678833149, "name": "Gold Plan", "updated": 1678833149}
INVOICE = {"id": "in_1MtHbELkdIwHu7ixl4OzzPMv", "object": "invoice", "created": 1680644467,
           "status": "draft", "total": 1000,
           "lines": {"object": "list", "has_more": False, "url": "/v1/invoices/in_1/lines",
                     "data": [{"id": "il_1", "object": "line_item", "amount": 1000},
                              {"id": "il_2", "object": "line_item", "amount": 0}]}}


def page_of(*objects: dict[str, Any], indent: int | None = 2) -> bytes:
    """A list page as Stripe writes it (indented, non-ASCII escaped as Python's json does)."""
    body = {"object": "list", "url": "/v1/things", "has_more": False, "data": list(objects)}
    return json.dumps(body, indent=indent).encode()


def written(record: Any) -> bytes:
    return _encoder.encode(record)


def test_indented_page_is_written_compact_as_the_dict_path() -> None:
    page = decode_page(page_of(CUSTOMER, PRODUCT))
    assert page["has_more"] is False and page["url"] == "/v1/things"
    records = objects_of(page, "/v1/things")
    assert all(isinstance(r, RawRecord) for r in records)
    assert [written(r) for r in records] == [msgspec.json.encode(CUSTOMER),
                                            msgspec.json.encode(PRODUCT)]
    assert records[0]["email"] == "jennyrosen@example.com"  # a field beyond those decoded
    assert records[0].get("created") == 1680893993 and records[0].get("missing", 7) == 7


def test_added_fields_follow_stripes_and_existing_ones_are_not_written_twice() -> None:
    customer, product = objects_of(decode_page(page_of(CUSTOMER, PRODUCT)), "/v1/x")
    expected = []
    for record, obj in ((customer, dict(CUSTOMER)), (product, dict(PRODUCT))):
        for target in (record, obj):
            target.setdefault("updated", 1_790_000_000)  # products keep Stripe's own
            target["is_deleted"] = False
            target["stripe_account"] = None
        expected.append(msgspec.json.encode(obj))
    assert [written(customer), written(product)] == expected
    assert written(product).count(b'"updated"') == 1
    assert b'"updated":1678833149' in written(product)


def test_changing_or_removing_stripes_fields_writes_what_the_dict_path_writes() -> None:
    record = objects_of(decode_page(page_of(INVOICE)), "/v1/invoices")[0]
    obj = json.loads(json.dumps(INVOICE))
    for target in (record, obj):
        target["status"] = "void"  # replaced in place
        target.pop("lines")
        target["invoice_id"] = "in_0"
    assert written(record) == msgspec.json.encode(obj)
    assert record.to_dict() == obj and record == obj


def test_embedded_list_items_are_raw_records_and_copies_are_independent() -> None:
    invoice = objects_of(decode_page(page_of(INVOICE)), "/v1/invoices")[0]
    lines = invoice["lines"]
    assert lines["has_more"] is False
    items = objects_of(lines, "/v1/invoices/in_1/lines")
    assert [type(i) for i in items] == [RawRecord, RawRecord]
    child = items[0].copy()
    child["invoice_id"] = invoice["id"]
    assert written(items[0]) == msgspec.json.encode(INVOICE["lines"]["data"][0])
    assert written(child) == msgspec.json.encode(
        {**INVOICE["lines"]["data"][0], "invoice_id": INVOICE["id"]})
    assert written(invoice) == msgspec.json.encode(INVOICE)  # the parent is untouched


@pytest.mark.parametrize("text", [
    '{"id":"cus_1","object":"customer","name":"Zo\\u00eb \\/ \\"Z\\""}',
    '{"id":"txn_1","object":"balance_transaction","exchange_rate":6.37e-05}',
    '{"id":"txn_2","object":"balance_transaction","exchange_rate":1.0e+16}',
    '{"id":"cus_2","object":"customer","description":"one-time 1e5 e-mail"}',
    '{"id":"ch_1","object":"charge","network_transaction_id":"1575289c-09ff-9b4e-510d",'
    '"fee":-1.5e-05,"rates":[2e-07,1]}',
    '{"id":"ch_2","object":"charge","description":"x:4e-5 and [3E+2"}',
])
def test_text_msgspec_writes_otherwise_is_written_as_msgspec_writes_it(text: str) -> None:
    body = b'{"object":"list","has_more":false,"data":[' + text.encode() + b"]}"
    record = objects_of(decode_page(body), "/v1/x")[0]
    record["is_deleted"] = True
    assert written(record) == msgspec.json.encode({**json.loads(text), "is_deleted": True})


def test_a_page_with_some_objects_to_rewrite_writes_each_as_the_dict_path() -> None:
    objects = [dict(CUSTOMER, id=f"cus_{i}", balance=1.5e-05 if i == 1 else i) for i in range(3)]
    objects.append(dict(CUSTOMER, id="cus_3", description="uuid 1575289c-09ff-9b4e-510d"))
    records = objects_of(decode_page(page_of(*objects, indent=None)), "/v1/customers")
    assert [r["id"] for r in records] == ["cus_0", "cus_1", "cus_2", "cus_3"]
    assert [written(r) for r in records] == [msgspec.json.encode(o) for o in objects]
    assert b'"balance":0.000015' in written(records[1])


@pytest.mark.parametrize("first", ["with an embedded list", "without"])
def test_records_keep_no_view_into_their_page(first: str) -> None:
    """A record holds its own bytes, not the page's: a view would keep the whole page in
    memory for as long as any of its records lives (whether the page's first object has an
    embedded list or not: the two are decoded differently)."""
    objects = [INVOICE, CUSTOMER] if first == "with an embedded list" else [CUSTOMER, INVOICE]
    body = msgspec.json.encode({"object": "list", "data": objects})  # compact
    before = sys.getrefcount(body)
    records = objects_of(decode_page(body), "/v1/invoices")
    invoice, customer = records if first == "with an embedded list" else records[::-1]
    assert [line["id"] for line in invoice["lines"]["data"]] == ["il_1", "il_2"]
    assert invoice.items_in("lines") == 2 and customer.get("lines") is None
    assert sys.getrefcount(body) == before


@pytest.mark.parametrize(("body", "message"), [
    (b'{"object":"list","data":[{"id":"cus_1"},7]}', "item 1 of \"data\" is a int"),
    (b'{"object":"list","data":{"id":"cus_1"}}', '"data" is a dict, not a list'),
    (b'{"object":"list","data":[{"object":"customer"}]}', 'object 0 of "data" has no "id"'),
])
def test_malformed_pages_are_reported_as_before(body: bytes, message: str) -> None:
    with pytest.raises(Exception, match=message):
        objects_of(decode_page(body), "/v1/customers")


def test_a_raw_record_stays_raw_through_the_spill_file() -> None:
    record = objects_of(decode_page(page_of(CUSTOMER, indent=None)), "/v1/customers")[0]
    record["stripe_account"] = "acct_1"
    channel = Channel(memory_items=0)  # nobody reads yet: everything spills
    channel.put_page([record])
    channel.close()
    assert channel.spilled == 1
    ((back,),) = list(channel.pages())
    assert isinstance(back, RawRecord)
    assert written(back) == msgspec.json.encode({**CUSTOMER, "stripe_account": "acct_1"})


@pytest.mark.parametrize("sent", [
    {},  # Stripe has no such field: added after Stripe's
    {"customer_id": "cus_sent"},  # Stripe's own: replaced in place
    {"metadata": {"customer_id": "cus_meta"}},  # the name only deeper down: added
])
def test_a_parent_id_is_set_as_the_dict_path_sets_it(sent: dict[str, Any]) -> None:
    source = {"id": "src_1", "object": "bank_account", "created": 1680893993, **sent,
              "last4": "6789"}
    # alone and with a nested list (a page decoded at once, or object by object)
    for other in (PRODUCT, INVOICE):
        record = objects_of(decode_page(page_of(source, other)), "/v1/x")[0]
        obj = dict(source)
        for target in (record, obj):
            target["customer_id"] = "cus_parent"
            target["is_deleted"] = False
        assert written(record) == msgspec.json.encode(obj)
        assert written(record).count(b'"customer_id":"cus_parent"') == 1


def test_a_page_of_objects_with_nested_lists_is_read_object_by_object_as_the_dict_path() -> None:
    minus = {**INVOICE, "id": "in_2", "total": -1.5e-05, "footer": "9b4e-510d"}
    for objects in ((INVOICE, dict(INVOICE, id="in_3")), (INVOICE, minus)):
        records = objects_of(decode_page(page_of(*objects)), "/v1/invoices")
        assert [written(r) for r in records] == [
            msgspec.json.encode(json.loads(json.dumps(o))) for o in objects]
        assert [r["lines"]["data"][1]["id"] for r in records] == ["il_2", "il_2"]


def test_json_into_appends_the_records_json() -> None:
    from tap_stripe import raw

    customer, invoice = objects_of(decode_page(page_of(CUSTOMER, INVOICE)), "/v1/x")
    stamped = customer.copy()
    stamped["is_deleted"] = False
    stamped["stripe_account"] = "acct_1"
    changed = invoice.copy()
    changed["total"] = 5  # one of Stripe's fields: the record is the dict path's dict
    empty = raw.RawRecord(b"{}")
    empty_stamped = empty.copy()
    empty_stamped["is_deleted"] = True
    for record, expected in ((customer, CUSTOMER),
                             (stamped, {**CUSTOMER, "is_deleted": False,
                                        "stripe_account": "acct_1"}),
                             (changed, {**INVOICE, "total": 5}),
                             (empty, {}), (empty_stamped, {"is_deleted": True})):
        out = bytearray(b'{"before":1},')
        record.json_into(out)
        assert bytes(out) == b'{"before":1},' + bytes(record.json())
        assert bytes(out[13:]) == msgspec.json.encode(expected)


def test_spilled_text_is_read_back_as_written_with_its_fields() -> None:
    from tap_stripe import raw

    text = {**CUSTOMER, "name": "Jos\u00e9 \u2028", "balance": 1e-05}  # rewritten when read
    record = objects_of(decode_page(page_of(text)), "/v1/customers")[0]
    record["is_deleted"] = False
    expected = msgspec.json.encode({**text, "is_deleted": False})
    assert bytes(record.json()) == expected
    back = raw.written(bytes(record.json()))
    assert bytes(back.json()) == expected
    assert (back["id"], back["created"], back["is_deleted"]) == (CUSTOMER["id"], 1680893993,
                                                                   False)
    channel = Channel(memory_items=0)
    channel.put_page([record])
    channel.close()
    ((spilled,),) = list(channel.pages())
    assert bytes(spilled.json()) == expected and spilled.get("name") == "Jos\u00e9 \u2028"


@pytest.mark.parametrize("sent", [
    {},  # neither: both added after Stripe's fields
    {"updated": 1678833149},  # Stripe's own (products): kept
    {"is_deleted": True},  # Stripe's own: replaced in place
    {"updated": 1678833149, "is_deleted": True},
])
@pytest.mark.parametrize("before", ["raw", "stamped", "changed"])
def test_a_change_is_marked_as_the_dict_path_marks_it(sent: dict[str, Any], before: str) -> None:
    from tap_stripe.stamps import mark_change

    obj = {**CUSTOMER, **sent}
    record = objects_of(decode_page(page_of(obj)), "/v1/x")[0]
    expected = dict(obj)
    for target in (record, expected):
        if before == "stamped":  # a field the tap added already
            target["is_deleted"] = False
        elif before == "changed":  # one of Stripe's fields changed: the record is a dict
            target["balance"] = 7
    assert mark_change(record, 1_790_000_000, True) is record
    mark_change(expected, 1_790_000_000, True)
    assert written(record) == msgspec.json.encode(expected)
    assert (record["updated"], record["is_deleted"]) == (sent.get("updated", 1_790_000_000),
                                                         True)


@pytest.mark.parametrize("sent", [None, "acct_sent"])
@pytest.mark.parametrize("tagged", [False, True])
def test_a_spilled_record_is_tagged_with_its_account_as_the_dict_path_tags_it(
        monkeypatch: pytest.MonkeyPatch, sent: str | None, tagged: bool) -> None:
    """A raw record read back from the spill file is tagged with its account (``sync``) as
    the dict path would: added after Stripe's fields, or replaced where Stripe's object holds
    it; one known to hold none is tagged without its text being decoded."""
    from tap_stripe import raw

    obj = dict(INVOICE) if sent is None else {**INVOICE, "stripe_account": sent}
    record = objects_of(decode_page(page_of(obj)), "/v1/invoices")[0]
    record["is_deleted"] = False
    if tagged:
        record["stripe_account"] = "acct_before"
    expected = {**obj, "is_deleted": False}
    if tagged:
        expected["stripe_account"] = "acct_before"
    decoded: list[bytes] = []
    fields = raw._fields
    monkeypatch.setattr(raw, "_fields", lambda text: decoded.append(text) or fields(text))
    channel = Channel(memory_items=0)
    channel.put_page([record])
    channel.close()
    ((spilled,),) = list(channel.pages())
    assert channel.spilled == 1
    assert spilled.get("stripe_account") == expected.get("stripe_account")
    spilled["stripe_account"] = "acct_1"
    assert bytes(spilled.json()) == msgspec.json.encode({**expected, "stripe_account": "acct_1"})
    assert len(decoded) == (0 if sent is None and not tagged else 1)
    assert (spilled["id"], spilled["created"], spilled["is_deleted"]) == (
        INVOICE["id"], INVOICE["created"], False)
    assert [line["id"] for line in spilled["lines"]["data"]] == ["il_1", "il_2"]
    assert len(decoded) == 1  # the fields, once, when first read
