"""An object's embedded list (issue 14): decoded once, for both the look-ahead budget's count and
the child records that families read, with its items' decoders known from the parent's list.

Stripe's example invoice (abridged) embeds its lines as a list object whose ``url`` is
``/v1/invoices/in_.../lines`` (API reference, "The Invoice object", ``lines``: "The individual
line items that make up the invoice"); a credit note embeds its own ``lines`` likewise
(``/v1/credit_notes/cn_.../lines``).
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from tap_stripe import raw
from tap_stripe.pages import objects_of
from tap_stripe.raw import RawRecord, decode_page, decoders, items_in, nested_items

LINES = {"object": "list", "has_more": False,
         "url": "/v1/invoices/in_1MtHbELkdIwHu7ixl4OzzPMv/lines",
         "data": [{"id": "il_1", "object": "line_item", "amount": 1000, "invoice": "in_1"},
                  {"id": "il_2", "object": "line_item", "amount": 0, "invoice": "in_1"}]}
INVOICE = {"id": "in_1MtHbELkdIwHu7ixl4OzzPMv", "object": "invoice", "created": 1680644467,
           "status": "draft", "total": 1000, "lines": LINES}
CREDIT_NOTE = {"id": "cn_1MxvRqLkdIwHu7ixY0xbUcxk", "object": "credit_note", "created": 1681750958,
               "status": "issued",
               "lines": {"object": "list", "has_more": False,
                         "url": "/v1/credit_notes/cn_1MxvRqLkdIwHu7ixY0xbUcxk/lines",
                         "data": [{"id": "cnli_1", "object": "credit_note_line_item",
                                   "amount": 500}]}}


def page(url: str, *objects: dict[str, Any]) -> bytes:
    """A list page as Stripe writes it (indented)."""
    return json.dumps({"object": "list", "url": url, "has_more": False,
                       "data": list(objects)}, indent=2).encode()


def test_counting_an_embedded_list_decodes_it_once_for_its_readers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    second = {**INVOICE, "id": "in_2", "lines": {**LINES, "data": LINES["data"][:1]}}
    invoices = objects_of(decode_page(page("/v1/invoices", INVOICE, second)), "/v1/invoices")
    lists: list[bytes] = []
    decode = raw._page
    monkeypatch.setattr(raw, "_page", lambda body: lists.append(bytes(body)) or decode(body))
    assert nested_items(invoices, ("lines",)) == 3
    lines = [invoice["lines"]["data"] for invoice in invoices]
    assert [[line["id"] for line in found] for found in lines] == [["il_1", "il_2"], ["il_1"]]
    assert all(isinstance(line, RawRecord) for found in lines for line in found)
    assert len(lists) == 2  # one decoding of each invoice's lines, counted and read
    assert invoices[0].items_in("lines") == 2 and len(lists) == 2
    assert [bytes(r.json()) for r in invoices] == [msgspec.json.encode(INVOICE),
                                                  msgspec.json.encode(second)]


@pytest.mark.parametrize(("url", "obj", "lines_url"), [
    ("/v1/invoices", INVOICE, "/v1/invoices/{parent_id}/lines"),
    ("/v1/credit_notes", CREDIT_NOTE, "/v1/credit_notes/{parent_id}/lines"),
])
def test_an_embedded_lists_items_are_decoded_as_their_list_without_reading_its_url(
        monkeypatch: pytest.MonkeyPatch, url: str, obj: dict[str, Any], lines_url: str) -> None:
    record = objects_of(decode_page(page(url, obj)), url)[0]
    expected = decoders(lines_url)

    def unread(found: Any) -> Any:
        raise AssertionError(f"the url {found!r} was read")

    monkeypatch.setattr(raw, "decoders", unread)
    line, sent = record["lines"]["data"][0], obj["lines"]["data"][0]
    assert type(line._fields) is type(expected.one(msgspec.json.encode(sent)))
    assert line["id"] == sent["id"]
    assert line["amount"] == sent["amount"]  # beyond the fields decoded
    assert bytes(line.json()) == msgspec.json.encode(sent)


@pytest.mark.parametrize("value", [None, "x", 7, {"data": "x"}, {"data": None}, {"object": "list"}])
def test_what_is_no_list_object_holds_no_items(value: Any) -> None:
    assert items_in(value) == 0


@pytest.mark.parametrize("lines", [None, {"object": "list", "data": "x"}, "il_1"])
def test_an_embedded_field_that_is_no_list_object_is_read_and_counted_as_the_dict_path(
        lines: Any) -> None:
    invoice = {**INVOICE, "lines": lines}
    record = objects_of(decode_page(page("/v1/invoices", INVOICE, invoice)), "/v1/invoices")[1]
    assert record.items_in("lines") == 0
    assert record.get("lines") == lines
    assert bytes(record.json()) == msgspec.json.encode(invoice)


class _Unsearched(dict[str, bytes]):
    def get(self, key: str, default: Any = None) -> Any:
        raise AssertionError(f"{key} was looked for in an object's bytes")


@pytest.mark.parametrize(("url", "obj", "parent_id"), [
    ("/v1/invoices", INVOICE, "invoice_id"),
    ("/v1/credit_notes", CREDIT_NOTE, "credit_note_id"),
])
def test_whether_a_child_came_with_its_parents_id_is_decoded_with_it(
        monkeypatch: pytest.MonkeyPatch, url: str, obj: dict[str, Any], parent_id: str) -> None:
    """The parent's id the tap adds to a child (replaced where it is when Stripe sent it, as
    the dict path does) is decoded with the children of its list, not searched for."""
    sent = {**obj, "lines": {**obj["lines"], "data": [
        {**item, parent_id: "sent"} for item in obj["lines"]["data"]]}}
    records = objects_of(decode_page(page(url, obj, sent)), url)
    monkeypatch.setattr(raw, "_ADDED_KEYS", _Unsearched())
    written, expected = [], []
    for record, dicts in zip(records, (obj, sent), strict=True):
        for line, item in zip(record["lines"]["data"], dicts["lines"]["data"], strict=True):
            copy = line.copy()
            copy[parent_id] = record["id"]
            written.append(bytes(copy.json()))
            expected.append(msgspec.json.encode({**item, parent_id: record["id"]}))
    assert written == expected
    assert [item[parent_id] for item in records[1]["lines"]["data"]] == ["sent"] * len(
        sent["lines"]["data"])
