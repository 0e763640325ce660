"""Listed objects kept as the JSON bytes Stripe sent, with the few fields the tap reads decoded.

Most records go out exactly as Stripe sent them plus the tap's few added fields (``stamps``).
Decoding every object into Python and encoding it again costs most of the tap's CPU, so a list
page is decoded into the bytes of each object (``msgspec.Raw``) and a small struct of just the
fields the tap reads of that list's objects or adds to them (``Decoders``, chosen by the list
object's ``url``: msgspec compares each key of an object with every field of the struct, and
the 27 fields read of any list's objects took 297 µs on a page of 100 charges where the
charges' own 11 took 261). A ``RawRecord`` is those bytes plus the fields the tap set, written
out as the object's bytes with the added fields spliced in before the closing brace (msgspec
encodes a dict in insertion order, so the dict path writes Stripe's keys in Stripe's order
followed by the added ones: the same bytes). Reading any other field decodes the whole object
once; replacing or removing one of Stripe's fields turns the record into the plain dict of the
dict path (``to_dict``).

The bytes are those the dict path would write: a body that is not compact (Stripe's answers are
indented) is compacted first (``msgspec.json.format``), and an object whose text the dict path
would write differently (an escape other than ``\\"``, ``\\\\`` and the control characters'
where msgspec writes the character itself, a number with an exponent, which msgspec writes its
own way: ``1e-05`` as ``0.00001``) is decoded and encoded once, alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, MutableMapping
from operator import attrgetter
from typing import Any

import msgspec

from tap_stripe.includable import INCLUDABLE, expanded
from tap_stripe.registry import STREAMS

# Fields the tap reads of a listed object (pages, listing, families, found, stamps) or adds to
# it (stamps, streams), decoded with the object's bytes; the rest stay bytes.
READ = ("id", "object", "created", "date", "deleted", "status", "updated", "is_deleted",
        "stripe_account")
# Fields holding an embedded list or an expanded object (read by families and the look-ahead
# budget): kept as bytes until read.
NESTED = tuple(sorted({s.embedded for s in STREAMS if s.embedded}
                      | {f for path in INCLUDABLE for f in expanded(path)}))
FIELDS = tuple(sorted(
    set(READ) - set(NESTED)
    | {s.key for s in STREAMS if s.key}
    | {k for s in STREAMS for k in s.parent_match}
    | {f for s in STREAMS for f in s.parent_params.values()}
    | {f for s in STREAMS for _, f in s.found_in}))
# Fields the tap adds to children (their parent's id), which it sets and never reads from
# Stripe's objects: whether Stripe sent one is known from the struct of the lists it is added
# to (``reads``), else looked up in the object's bytes (``_sent``) rather than decoded with
# every object of every page (msgspec compares each key of an object with every field asked
# for: on a page of 100 charges these 19 cost a fifth of it).
ADDED = tuple(sorted({s.parent_id_field for s in STREAMS if s.parent_id_field} - set(FIELDS)))
_ADDED_KEYS = {name: f'"{name}":'.encode() for name in ADDED}
UNSET = msgspec.UNSET
_NESTED = frozenset(NESTED)
_PATHS = frozenset(s.path for s in STREAMS)
# The field the sync loop sets on every record it writes (its account: ``sync``).
TAG = "stripe_account"


class Decoders:
    """How the objects of one list are decoded: into a struct of the fields the tap reads of
    them (a record reading any other field decodes its whole object), one object at a time
    with their nested fields (``one``: those are views into the object's bytes), or every
    object of a page in one call without them (``page``: they are decoded from the object's
    bytes, with ``one``, when a record's first is read)."""

    __slots__ = ("embedded_of", "lean", "lists", "one", "page")
    embedded_of: Callable[[Any], tuple[Any, ...]]  # the children's lists of an object of ``one``
    lean: type  # the struct ``page`` decodes each object into (no nested fields)
    lists: dict[str, Decoders]  # the decoders of each of the children's embedded lists
    one: Callable[[bytes], Any]
    page: Callable[[bytes], Any]

    def __init__(self, plain: Iterable[str], nested: Iterable[str],
                 embedded: Iterable[str]) -> None:
        """Decoders of the fields ``plain`` and the nested fields ``nested`` (a name of
        ``NESTED`` is always nested), of which ``embedded`` are the lists of the children."""
        nested = sorted(set(nested) | set(plain) & _NESTED)
        plain = sorted(set(plain) - _NESTED)
        fields = msgspec.defstruct("Fields", [(name, Any, UNSET) for name in plain], gc=False)
        whole = msgspec.defstruct("Fields", [(name, Any, UNSET) for name in plain]
                                  + [(name, msgspec.Raw, UNSET) for name in nested], gc=False)
        page = msgspec.defstruct("Page", [("data", list[fields] | None, None)],  # type: ignore[valid-type]
                                 gc=False)
        self.lean = fields
        self.one = msgspec.json.Decoder(whole).decode
        _KINDS[fields] = _KINDS[whole] = self
        self.lists = {}
        self.page = msgspec.json.Decoder(page).decode
        names = sorted(embedded)
        if len(names) == 1:
            get = attrgetter(names[0])
            self.embedded_of = lambda found: (get(found),)
        else:
            self.embedded_of = attrgetter(*names) if names else lambda found: ()


# Either struct of a list's objects -> the decoders of that list.
_KINDS: dict[type, Decoders] = {}


def reads(path: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The fields the tap reads of the objects of the registry's list ``path`` (``READ``, their
    streams' keys, what their children's lists need of them, the fields of theirs where
    objects of other streams are found, the parent's id their streams add: whether Stripe sent
    it is asked of each), their nested fields (their children's embedded lists, their
    expanded fields) and the embedded lists alone."""
    here = {s.name for s in STREAMS if s.path == path}
    children = [s for s in STREAMS if s.parent in here]
    plain = (set(READ) | {s.key for s in STREAMS if s.name in here and s.key}
             | {k for s in children for k in s.parent_match}
             | {f for s in children for f in s.parent_params.values()}
             | {f for s in STREAMS for name, f in s.found_in if name in here}
             | {s.parent_id_field for s in STREAMS if s.name in here and s.parent_id_field})
    embedded = {s.embedded for s in children if s.embedded}
    nested = embedded | set(expanded(path))
    return frozenset(plain - nested), frozenset(nested), frozenset(embedded)


# Every field the tap reads of any list's objects.
ALL = Decoders(FIELDS, NESTED, {s.embedded for s in STREAMS if s.embedded})
_BY_PATH: dict[str, Decoders] = {}


def decoders(url: Any) -> Decoders:
    """The decoders of the list whose list object says ``url`` (Stripe's list object: "The URL
    where this list can be accessed", its path, the parent's id in place of the registry's
    ``{parent_id}``, maybe a query); ``ALL`` for a list no stream reads."""
    if not isinstance(url, str):
        return ALL
    path = url.partition("?")[0]
    if path not in _PATHS:
        parts = path.split("/")
        for at in range(3, len(parts)):
            path = "/".join([*parts[:at], "{parent_id}", *parts[at + 1:]])
            if path in _PATHS:
                break
        else:
            return ALL
    return _of_path(path)


def _of_path(path: str) -> Decoders:
    """The decoders of the registry's list ``path``, made once."""
    found = _BY_PATH.get(path)
    if found is None:
        found = _BY_PATH[path] = Decoders(*reads(path))
        here = {s.name for s in STREAMS if s.path == path}
        found.lists = {s.embedded: _of_path(s.path)
                       for s in STREAMS if s.parent in here and s.embedded}
    return found


def _embedded(fields: Any, key: str) -> Decoders | None:
    """The decoders of the embedded list ``key`` of an object whose fields are ``fields``
    (known from its own list, without reading the embedded list's ``url``); None when ``key``
    is no child's embedded list of that list."""
    kind = _KINDS.get(type(fields))
    return None if kind is None else kind.lists.get(key)


class _Page(msgspec.Struct, gc=False):
    """A list object (API reference, "Pagination"); its other fields are not read."""

    object: Any = UNSET
    data: list[msgspec.Raw] | None = None
    has_more: Any = UNSET
    url: Any = UNSET


_fields = ALL.one
_page = msgspec.json.Decoder(_Page).decode
_decode = msgspec.json.Decoder().decode
_encoder = msgspec.json.Encoder(decimal_format="number")
_encode = _encoder.encode
_DIGITS = frozenset(b"0123456789")
_E = frozenset(b"eE")
_NUMBER = frozenset(b"0123456789.-")
_BEFORE_VALUE = frozenset(b":,[")
_MISSING: Any = object()


def _rewritten(raw: bytes) -> bool:
    """Whether the dict path would write ``raw`` (compact JSON) differently: an escape (the few
    msgspec also writes, ``\\"`` ``\\\\`` ``\\n``..., are rewritten as well: rare, and then
    harmless), or a number with an exponent, found by its sign: Stripe's and Python's encoders
    write one (``1.0e-05``, ``1e+16``). Single bytes are searched for, which is fast; a sign
    after ``<digit>e`` counts only when the digits, points and minus before it start a JSON
    value (after ``:``, ``,`` or ``[``), so that text such as a UUID (``9b4e-510d``) in a
    string does not count."""
    if b"\\" in raw:
        return True
    for sign in b"-+":
        at = raw.find(sign, 2)
        while at > 0:
            if raw[at - 1] in _E and raw[at - 2] in _DIGITS and raw[at + 1] in _DIGITS:
                start = at - 2
                while start > 0 and raw[start] in _NUMBER:
                    start -= 1
                if raw[start] in _BEFORE_VALUE:
                    return True
            at = raw.find(sign, at + 1)
    return False


class RawRecord(MutableMapping[str, Any]):
    """One object as the bytes Stripe sent plus the fields the tap added (see the module)."""

    __slots__ = ("_added", "_dict", "_fields", "_nested", "_raw", "_whole")

    def __init__(self, raw: bytes, fields: Any = None, added: dict[str, Any] | None = None,
                 changed: dict[str, Any] | None = None,
                 whole: dict[str, Any] | None = None) -> None:
        """The object ``raw`` (its ``fields`` when already decoded, as for a copy)."""
        if fields is None:
            if _rewritten(raw):
                raw = _encode(_decode(raw))
            fields = _fields(raw)
        self._raw = raw
        self._fields = fields
        self._added: dict[str, Any] = {} if added is None else added
        self._dict = changed  # the record once one of Stripe's fields changed
        self._whole = whole  # the decoded object, when read beyond its list's fields
        self._nested: dict[str, Any] | None = None  # nested fields decoded so far

    # -- reading --

    def get(self, key: str, default: Any = None) -> Any:
        """The field ``key`` (``default`` when absent)."""
        if self._dict is not None:
            return self._dict.get(key, default)
        if key in self._added:
            return self._added[key]
        value = getattr(self._fields, key, _MISSING)
        if value is UNSET:
            return default
        if key in _NESTED:
            return self._nested_value(key, default)
        if value is _MISSING:  # a field the struct of its list leaves out
            return self._decoded().get(key, default)
        return value

    def _nested_value(self, key: str, default: Any) -> Any:
        """The nested field ``key``, decoded once (``nested``)."""
        done = self._nested
        if done is not None and key in done:
            return done[key]
        value = self._nested_raw(key)
        if value is UNSET:
            return default
        if value is _MISSING:
            return self._decoded().get(key, default)
        if done is None:
            done = self._nested = {}
        done[key] = found = nested(value, _embedded(self._fields, key))
        return found

    def _nested_raw(self, key: str) -> Any:
        """The bytes of the nested field ``key`` (UNSET when Stripe did not send it, _MISSING
        when the struct of its list leaves it out), the nested fields decoded from the
        object's bytes first when they were left out of the page's decoding."""
        value = getattr(self._fields, key, _MISSING)
        if value is _MISSING:
            kind = _KINDS.get(type(self._fields))
            if kind is not None and type(self._fields) is kind.lean:  # decoded with its page
                self._fields = kind.one(self._raw)
                value = getattr(self._fields, key, _MISSING)
        return value

    def id_and_created(self) -> tuple[Any, Any]:
        """``get("id")`` and ``get("created")`` (None when absent), in one call."""
        if self._dict is None and not self._added:
            found = self._fields
            oid, created = found.id, found.created
            return (None if oid is UNSET else oid), (None if created is UNSET else created)
        return self.get("id"), self.get("created")

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _MISSING) is not _MISSING

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RawRecord):
            other = other.to_dict()
        return self.to_dict() == other

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dict

    def __repr__(self) -> str:
        return f"RawRecord({self.to_dict()!r})"

    # -- changing --

    def __setitem__(self, key: str, value: Any) -> None:
        if self._dict is None and (key in self._added or not self._sent(key)):
            self._added[key] = value
        else:
            self._materialized()[key] = value

    def __delitem__(self, key: str) -> None:
        if self._dict is None and key in self._added:
            del self._added[key]
        else:
            del self._materialized()[key]

    def setdefault(self, key: str, default: Any = None) -> Any:
        """The field ``key``, set to ``default`` first when absent (as ``dict.setdefault``)."""
        value = self.get(key, _MISSING)
        if value is _MISSING:
            self[key] = value = default
        return value

    def pop(self, key: str, default: Any = _MISSING) -> Any:
        """Remove the field ``key`` and return it (as ``dict.pop``)."""
        if self._dict is None and key in self._added:
            return self._added.pop(key)
        if self._dict is None and not self._sent(key):
            if default is _MISSING:
                raise KeyError(key)
            return default
        if default is _MISSING:
            return self._materialized().pop(key)
        return self._materialized().pop(key, default)

    def mark_change(self, when: int, deleted: bool) -> None:
        """``setdefault("updated", when)``, then ``["is_deleted"] = deleted`` (the stamps of
        ``stamps.mark_change``): while the record is Stripe's bytes, without a call a step."""
        if self._dict is None:
            added, found = self._added, self._fields
            if "updated" not in added and found.updated is UNSET:
                added["updated"] = when
            if "is_deleted" in added or found.is_deleted is UNSET:
                added["is_deleted"] = deleted
                return
        self.setdefault("updated", when)
        self["is_deleted"] = deleted

    def copy(self) -> RawRecord:
        """A copy whose changes leave this record untouched (Stripe's bytes are shared)."""
        changed = None if self._dict is None else dict(self._dict)
        return RawRecord(self._raw, self._fields, dict(self._added), changed, self._whole)

    # -- writing --

    def to_dict(self) -> dict[str, Any]:
        """The record as the plain dict of the dict path (a new one each time, until a change to
        one of Stripe's fields makes it the record itself)."""
        if self._dict is not None:
            return self._dict
        record: dict[str, Any] = _decode(self._raw)
        record.update(self._added)
        return record

    def json(self) -> msgspec.Raw:
        """The record's JSON: Stripe's bytes with the added fields before the closing brace."""
        if self._dict is None and not self._added:
            return msgspec.Raw(self._raw)
        out = bytearray()
        self.json_into(out)
        return msgspec.Raw(bytes(out))

    def json_into(self, out: bytearray) -> None:
        """Append the record's JSON (``json``) to ``out``, Stripe's bytes copied once."""
        if self._dict is not None:
            _encoder.encode_into(self._dict, out, -1)
            return
        out += self._raw
        if self._added:
            del out[-1]  # the closing brace
            at = len(out)
            _encoder.encode_into(self._added, out, -1)
            if len(self._raw) > 2:
                out[at] = 44  # the added fields' "{" becomes ","
            else:
                del out[at]

    def items_in(self, key: str) -> int:
        """How many objects the list object in field ``key`` holds (0 when the field is no list
        object): the field is decoded once (``get``), and kept for its readers."""
        return items_in(self.get(key))

    def nested_items(self, names: tuple[str, ...]) -> int:
        """``items_in`` of each field of ``names``, in all (a field Stripe did not send costs
        one look)."""
        if self._dict is not None:
            return sum(self.items_in(name) for name in names)
        fields = self._fields
        return sum(self.items_in(name) for name in names
                   if name not in _NESTED or getattr(fields, name, _MISSING) is not UNSET)

    def untagged(self) -> bool:
        """Whether the record is known to hold no ``TAG`` (neither in Stripe's object nor
        among the fields the tap added), for ``written``."""
        return (self._dict is None and TAG not in self._added
                and getattr(self._fields, TAG, _MISSING) is UNSET)

    def _sent(self, key: str) -> bool:
        """Whether Stripe's object has the field ``key`` (one of ``ADDED`` is first looked
        for in its compact bytes: absent there, it is absent from the object)."""
        value = self._nested_raw(key) if key in _NESTED else getattr(self._fields, key, _MISSING)
        if value is not _MISSING:
            return value is not UNSET
        text = _ADDED_KEYS.get(key)
        if text is not None and self._whole is None and text not in self._raw:
            return False
        return key in self._decoded()

    def _decoded(self) -> dict[str, Any]:
        if self._whole is None:
            self._whole = _decode(self._raw)
        return self._whole

    def _materialized(self) -> dict[str, Any]:
        if self._dict is None:
            self._dict = self.to_dict()
            self._added = {}
        return self._dict


def written(raw: bytes, untagged: bool = False) -> RawRecord:
    """The record whose JSON (``RawRecord.json``) is ``raw``: text the tap wrote itself is
    already what the dict path writes, and is not looked through again (``_rewritten``). Its
    fields are decoded when first read; ``untagged``: it is known to hold no ``TAG``
    (``RawRecord.untagged``), read as absent without decoding it."""
    return RawRecord(raw, _Unread(raw, untagged))


# Every field of ``ALL``'s struct (``written`` decodes with it).
_ALL_NAMES = frozenset(ALL.one(b"{}").__struct_fields__)


class _Unread:
    """The fields (``ALL``'s struct) of a record read back from text the tap wrote (a spilled
    record, which the sync loop mostly just tags and writes): decoded when one of them is
    first read, but for ``TAG`` when known to be absent (``RawRecord.untagged``: decoding a
    spilled invoice of 5 KB to learn it took 4 µs, searching its text for the key 2 µs)."""

    __slots__ = ("_found", "_raw", "_untagged")

    def __init__(self, raw: bytes, untagged: bool) -> None:
        self._raw = raw
        self._untagged = untagged
        self._found: Any = None

    def __getattr__(self, key: str) -> Any:
        if key not in _ALL_NAMES:  # no field (its own slots too, when read before set)
            raise AttributeError(key)
        found = self._found
        if found is None:
            if key == TAG and self._untagged:
                return UNSET
            found = self._found = _fields(self._raw)
        return getattr(found, key)


def nested_items(objs: list[Any], names: tuple[str, ...]) -> int:
    """How many objects the list objects in fields ``names`` of ``objs`` (raw records or
    dicts) hold, in all; a raw record's fields that Stripe did not send cost one look."""
    return sum(obj.nested_items(names) if isinstance(obj, RawRecord)
               else sum(items_in(obj.get(name)) for name in names) for obj in objs)


def items_in(value: Any) -> int:
    """How many items a decoded list object holds (0 for anything else)."""
    data = value.get("data") if isinstance(value, dict) else None
    return len(data) if isinstance(data, list) else 0


def plain(record: dict[str, Any] | RawRecord) -> dict[str, Any]:
    """``record`` as the plain dict singer-sdk's mapping and selection work on."""
    return record.to_dict() if isinstance(record, RawRecord) else record


def nested(raw: msgspec.Raw, kind: Decoders | None = None) -> Any:
    """A nested field's value: a list object's items as raw records (they become child
    records), anything else decoded. ``kind``: the decoders of its items when the field is a
    child's embedded list (a list object as a rule, so not looked through for one first)."""
    if kind is None and b'"data":[' not in bytes(raw):  # no list object (an expanded object)
        return _decode(raw)
    value = list_object(raw, checked=True, kind=kind)  # part of an object already checked
    return _decode(raw) if value is None else value


def decode_page(body: bytes) -> Any:
    """A list page whose items are raw records; any other body (or a malformed page) decoded
    in full, as the dict path does. msgspec.DecodeError when the body is not JSON."""
    if b"\n" in body or b'": ' in body[:512]:  # indented, or spaced (a JSON text is one or other)
        body = msgspec.json.format(body, indent=-1)
    page = list_object(body)
    return _decode(body) if page is None else page


def list_object(body: bytes | msgspec.Raw, *, checked: bool = False,
                kind: Decoders | None = None) -> dict[str, Any] | None:
    """A list object whose items are raw records; None when ``body`` is no object whose
    ``data`` is a list of objects. ``checked``: its text is known to be what the dict path
    writes (a nested list of an object already checked); ``kind``: the decoders of its items
    when known (else chosen by its ``url``).

    A page's objects have their fields decoded in one call for all of them (a second pass
    over the page, in C); an embedded list's objects are decoded one by one. An item whose
    text needs rewriting (``_rewritten``) is rewritten and decoded alone. Nested fields decoded
    with the page would be views into it, keeping the whole page in memory for as long as any
    of its records lives (the look-ahead budget holds thousands): they are left out, and
    decoded from the object's own bytes when a record's first is read (its expanded fields,
    which the tap writes and seldom reads); a page whose first object holds a child's embedded
    list (the pages of one list are alike), which families read, has each object decoded
    alone, with its nested fields."""
    try:
        page = _page(body)
        if page.data is None:
            return None
        if kind is None:
            kind = decoders(page.url)
        one = kind.one
        raws = list(map(bytes, page.data))
        if checked:  # an embedded list, short as a rule: each object alone
            items = [RawRecord(raw, one(raw)) for raw in raws]
        elif raws and any(kind.embedded_of(first := one(raws[0]))):  # as its objects likely
            if _rewritten(bytes(body)):  # all are: alone, each checked for text to rewrite
                items = [_record(raw, one) for raw in raws]
            else:  # none has any (the page's text holds theirs)
                items = [RawRecord(raws[0], first), *(RawRecord(raw, one(raw)) for raw in raws[1:])]
        else:
            fields = kind.page(body).data or ()  # nested fields left out (views into body)
            if not _rewritten(bytes(body)):
                items = list(map(RawRecord, raws, fields))
            else:  # the items to rewrite are rewritten and decoded again, alone
                items = [_record(raw, one) if _rewritten(raw) else RawRecord(raw, found)
                         for raw, found in zip(raws, fields, strict=True)]
    except msgspec.ValidationError:
        return None
    found: dict[str, Any] = {}  # the fields sent, in the struct's order (no loop: one a list)
    if page.object is not UNSET:
        found["object"] = page.object
    found["data"] = items
    if page.has_more is not UNSET:
        found["has_more"] = page.has_more
    if page.url is not UNSET:
        found["url"] = page.url
    return found


def _record(raw: bytes, one: Any) -> RawRecord:
    """The record of ``raw`` (rewritten first when the dict path would write it otherwise),
    its fields decoded by ``one``."""
    if _rewritten(raw):
        raw = _encode(_decode(raw))
    return RawRecord(raw, one(raw))
