"""Stripe objects of any kind, shaped by the installed stripe package's type annotations.

``template(cls)`` reads a stripe-python resource class once (its annotations and, where they
decide a value, its field docstrings) into a function that builds the object's fields from a
``kinds_common.Ctx``; building is then only drawing values. Every field Stripe sends is present:

* scalars of the annotated type; ``Literal`` values from the annotation; timestamps (fields whose
  docstring says "Time at which", "Unix timestamp" or "Measured in seconds since the Unix
  epoch") after ``created``; amounts, currencies, countries, emails and names from
  ``kinds_common``; ``metadata`` 0-3 entries;
* ``ExpandableField`` ids: the object's link of that name where the catalog gives one (an object
  of the account; at any depth, e.g. ``usage_threshold.meter``), else null where optional and a
  fresh id with the target kind's prefix (``PREFIXES``) where not;
* nested objects filled; optional fields and optional nested objects present and null about
  half of the time (Stripe's example objects fill some and null others), but a map of options
  (every field an optional object) holds only the options drawn;
* a nested object with a ``type`` field whose values name sibling fields carries only the
  sibling its ``type`` names: Stripe's example objects (``charge.payment_method_details`` holds
  ``card`` and ``type`` only) and stripe-python's docstring of such a ``type`` ("An additional
  hash is included on ``payment_method_details`` with a name matching this value");
* arrays of whole resources (``issuing.authorization.transactions``) are empty: the builder
  makes up no objects of the account;
* optional embedded lists (``Optional[ListObject[...]]``) are left out: Stripe's OpenAPI marks
  them not required and Stripe's reference says such fields are "not included by default"
  (``customer.sources``, ``checkout.session.line_items``); Stripe's example objects leave every
  one of them out.

This module imports ``stripe`` (its annotations are the shape), the one exception to the
emulator's standard-library-only rule; it never imports the tap.
"""

from __future__ import annotations

import ast
import decimal
import functools
import importlib
import inspect
import sys
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, ForwardRef, Literal, Union

import stripe
from stripe import ListObject, StripeObject

from tests.emulator import kinds_common as kc

if TYPE_CHECKING:
    from tests.emulator.kinds_common import Ctx, Obj

Gen = Callable[["Ctx"], Any]
"""Draws one value in a build context."""

_NONE = type(None)
_TIME_WORDS = ("time at which", "unix timestamp", "seconds since the unix epoch",
               "measured in seconds since")
_MAX_DEPTH = 5
_OPTIONAL_CHANCE = 0.5


PREFIXES: dict[str, str] = {
    # Stripe object name -> id prefix, as the ids of Stripe's example objects (openapi
    # fixtures3.json) and of the API reference's example objects spell them (a capability's id
    # is its name: none).
    "account": "acct", "apple_pay_domain": "apwc", "capability": "", "application_fee": "fee",
    "apps.secret": "appsecret", "balance_transaction": "txn", "bank_account": "ba",
    "billing.alert": "alrt", "billing.credit_balance_transaction": "cbtxn",
    "billing.credit_grant": "credgr", "billing.meter": "meter",
    "billing_portal.configuration": "bpc", "card": "card", "charge": "ch",
    "checkout.session": "cs", "climate.order": "climorder", "climate.product": "climsku",
    "climate.supplier": "climsup", "credit_note": "cn", "credit_note_line_item": "cnli",
    "customer": "cus", "customer_balance_transaction": "cbtxn",
    "customer_cash_balance_transaction": "ccsbtxn", "discount": "di", "dispute": "dp",
    "entitlements.active_entitlement": "ent", "entitlements.feature": "feat", "event": "evt",
    "fee_refund": "fr", "file": "file", "file_link": "link",
    "financial_connections.account": "fca", "financial_connections.account_owner": "fcaown",
    "financial_connections.session": "fcsess", "financial_connections.transaction": "fctxn",
    "forwarding.request": "fwdreq", "identity.verification_report": "vr",
    "identity.verification_session": "vs", "invoice": "in", "invoice_payment": "inpay",
    "invoice_rendering_template": "inrtem", "invoiceitem": "ii",
    "issuing.authorization": "iauth", "issuing.card": "ic", "issuing.cardholder": "ich",
    "issuing.dispute": "idp", "issuing.personalization_design": "ipcd",
    "issuing.physical_bundle": "ics", "issuing.settlement": "ise", "issuing.token": "intok",
    "issuing.transaction": "ipi", "item": "li", "line_item": "il", "mandate": "mandate",
    "payment_intent": "pi", "payment_link": "plink", "payment_method": "pm",
    "payment_method_configuration": "pmc", "payment_method_domain": "pmd", "payout": "po",
    "person": "person", "plan": "price", "price": "price", "product": "prod",
    "product_catalog.trial_offer": "to", "product_feature": "prodft", "promotion_code": "promo",
    "quote": "qt",
    "radar.early_fraud_warning": "issfr", "radar.value_list": "rsl",
    "radar.value_list_item": "rsli", "refund": "re", "reporting.report_run": "frr",
    "review": "prv", "scheduled_query_run": "sqr", "setup_attempt": "setatt",
    "setup_intent": "seti", "shipping_rate": "shr", "source": "src", "subscription": "sub",
    "subscription_item": "si", "subscription_schedule": "sub_sched", "tax.registration": "taxreg",
    "tax.transaction": "tax", "tax_code": "txcd", "tax_id": "txi", "tax_rate": "txr",
    "terminal.configuration": "tmc", "terminal.location": "tml", "terminal.reader": "tmr",
    "test_helpers.test_clock": "clock", "topup": "tu", "transfer": "tr",
    "transfer_reversal": "trr", "treasury.credit_reversal": "credrev",
    "treasury.debit_reversal": "debrev", "treasury.financial_account": "fa",
    "treasury.inbound_transfer": "ibt", "treasury.outbound_payment": "obp",
    "treasury.outbound_transfer": "obt", "treasury.received_credit": "rc",
    "treasury.received_debit": "rd", "treasury.transaction": "trxn",
    "treasury.transaction_entry": "trxne", "webhook_endpoint": "we",
    # Not found in Stripe's examples (they show obj_123): made up, distinct from every other.
    "payment_record": "payrec", "payment_attempt_record": "payatt", "tax.location": "taxloc",
    "three_d_secure.authentication": "threeds", "billing.feedback_option": "bfbopt",
    "payment_intent_amount_details_line_item": "pidli", "apps.install": "appinst",
}
"""Object kind -> id prefix (kinds missing here get ``obj``, as in some of Stripe's examples)."""


def stripe_class(dotted: str) -> type[StripeObject]:
    """The stripe-python class named ``dotted`` under the ``stripe`` package (``billing.Meter``)."""
    return typing.cast("type[StripeObject]", functools.reduce(getattr, dotted.split("."), stripe))


@functools.cache
def _module_facts(module: str) -> tuple[dict[tuple[str, str], str], dict[str, tuple[str, str]]]:
    """Of ``module``'s source: (class qualname, field) -> the field's docstring, and the names
    it imports under ``if TYPE_CHECKING:`` (what its forward references name)."""
    docs: dict[tuple[str, str], str] = {}
    imports: dict[str, tuple[str, str]] = {}

    def walk(body: list[ast.stmt], prefix: str) -> None:
        for i, node in enumerate(body):
            if isinstance(node, ast.ClassDef):
                walk(node.body, f"{prefix}{node.name}.")
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                nxt = body[i + 1] if i + 1 < len(body) else None
                if isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant):
                    docs[(prefix.rstrip("."), node.target.id)] = str(nxt.value.value)

    tree = ast.parse(inspect.getsource(sys.modules[module]))
    walk(tree.body, "")
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and \
                node.test.id == "TYPE_CHECKING":
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom) and stmt.module:
                    imports.update((a.asname or a.name, (stmt.module, a.name)) for a in stmt.names)
    return docs, imports


def _resolve(annotation: Any, module: str) -> Any:
    """A forward reference replaced by the class it names (imported under TYPE_CHECKING, or
    defined in ``module``)."""
    if isinstance(annotation, str):
        annotation = ForwardRef(annotation)
    if not isinstance(annotation, ForwardRef):
        return annotation
    name = annotation.__forward_arg__
    imported = _module_facts(module)[1].get(name)
    if imported:
        return getattr(importlib.import_module(imported[0]), imported[1])
    found = getattr(importlib.import_module(module), name, None)
    if found is None:
        raise TypeError(f"{module}: cannot resolve the annotation {name!r}")
    return found


def _is_object(tp: Any) -> bool:
    return inspect.isclass(tp) and issubclass(tp, StripeObject)


def _object_name(tp: Any) -> str | None:
    name = getattr(tp, "OBJECT_NAME", None) if _is_object(tp) else None
    return name if isinstance(name, str) else None


def _id_of(kind: str | None) -> Gen:
    prefix = PREFIXES.get(kind or "", "obj")
    return lambda ctx: kc.child_id(ctx.rng, prefix)


def _string(name: str) -> Gen:
    """A string field: the object's link of that name (an id such as a treasury object's
    ``financial_account``) where the catalog gives one, else a value fitting the name."""
    plain = _plain_string(name)
    return lambda ctx: ctx.links.get(name) or plain(ctx)


def _plain_string(name: str) -> Gen:
    if name == "currency" or name.endswith("_currency"):
        return lambda ctx: kc.currency(ctx.rng)
    if name == "country" or name.endswith("_country"):
        return lambda ctx: kc.country(ctx.rng)
    if "email" in name:
        return lambda ctx: kc.email(ctx.rng)
    if name in ("name", "display_name", "nickname") or name.endswith(("first_name", "last_name",
                                                                        "holder_name")):
        return lambda ctx: kc.full_name(ctx.rng)
    if name == "phone":
        return lambda ctx: kc.phone(ctx.rng)
    if name.endswith("url"):
        return lambda ctx: f"https://example.com/{kc.token(ctx.rng, 12)}"
    return lambda ctx: kc.token(ctx.rng, 12)


def _integer(name: str, doc: str) -> Gen:
    lowered = doc.lower()
    if name == "created":
        return lambda ctx: ctx.created
    if any(word in lowered for word in _TIME_WORDS) or name.endswith("_at"):
        return lambda ctx: ctx.later()
    if "amount" in name or "balance" in name or name in ("total", "subtotal", "value"):
        return lambda ctx: kc.amount(ctx.rng)
    return lambda ctx: ctx.rng.randrange(1, 13)


def _scalar(tp: Any, name: str, doc: str) -> Gen | None:
    if tp is str:
        return _string(name)
    if tp is bool:
        return lambda ctx: ctx.rng.random() < 0.5
    if tp is int:
        return _integer(name, doc)
    if tp is float:
        return lambda ctx: round(ctx.rng.random() * 100, 2)
    if tp is decimal.Decimal:
        return lambda ctx: f"{ctx.rng.randrange(1, 10_000) / 100:.2f}"
    return None


def _optional(name: str, gen: Gen, chance: float) -> Gen:
    """An optional field: the object's link of that name where there is one (a linked id is
    never dropped), else ``gen``'s value with probability ``chance``, else null."""
    def draw(ctx: Ctx) -> Any:
        if name in ctx.links:
            return ctx.links[name]
        return gen(ctx) if ctx.rng.random() < chance else None
    return draw


def _field(tp: Any, name: str, doc: str, module: str, depth: int,
           chance: float = _OPTIONAL_CHANCE) -> Gen | None:
    """The value generator of one annotation, or None when the field is left out."""
    tp = _resolve(tp, module)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Union:
        members = [_resolve(a, module) for a in args if a is not _NONE]
        if _NONE not in args:
            return _union(members, name, doc, module, depth, optional=False)
        if len(members) == 1 and inspect.isclass(typing.get_origin(members[0])) and \
                issubclass(typing.get_origin(members[0]), ListObject):
            return None  # includable: see the module docstring
        inner = _union(members, name, doc, module, depth, optional=True)
        nested = len(members) == 1 and _is_object(members[0])
        return _optional(name, inner, chance if nested else _OPTIONAL_CHANCE) if inner else None
    if origin is Literal:
        return lambda ctx: kc.pick(ctx.rng, args)
    if (scalar := _scalar(tp, name, doc)) is not None:
        return scalar
    if origin is list:
        member = _resolve(args[0], module)
        if typing.get_origin(member) is Union:  # ids: the link, or none (an empty list)
            choices = [_resolve(a, module) for a in typing.get_args(member)]
            item = _union(choices, name, doc, module, depth, optional=True)
        elif _object_name(member):  # objects of the account: none made up
            return lambda ctx: []
        else:
            item = _field(member, name, doc, module, depth)
        return (lambda ctx: [v] if (v := item(ctx)) is not None else []) if item else (
            lambda ctx: [])
    if inspect.isclass(origin) and issubclass(origin, ListObject):
        return lambda ctx: kc.list_stub(f"/v1/{name}?parent={ctx.id}")
    if inspect.isclass(origin) and issubclass(origin, StripeObject):
        if name == "metadata":
            return lambda ctx: kc.metadata(ctx.rng)
        return lambda ctx: {}
    if _is_object(tp):
        if depth >= _MAX_DEPTH:
            return lambda ctx: {}
        return _object(tp, depth + 1)
    return None


def _union(members: list[Any], name: str, doc: str, module: str, depth: int, *,
           optional: bool) -> Gen | None:
    """The generator of a value that may be any of ``members`` (none of them None)."""
    if len(members) == 1:
        return _field(members[0], name, doc, module, depth)
    literals = [m for m in members if typing.get_origin(m) is Literal]
    if literals:  # an open enum: Union[Literal[...], str]
        return _field(literals[0], name, doc, module, depth)
    if str in members:  # ExpandableField: an id of the (first) kind it can expand to
        kind = next((_object_name(m) for m in members if _object_name(m)), None)
        return _expandable(name, kind, optional=optional)
    return _field(members[0], name, doc, module, depth)


def _expandable(name: str, kind: str | None, *, optional: bool) -> Gen:
    """An ``ExpandableField``: the object's link of that name (the catalog's ``links``: a link
    that found nothing is null); without such a link, null where the field is optional, else a
    fresh id of ``kind``."""
    fresh = _id_of(kind)

    def draw(ctx: Ctx) -> Any:
        if name in ctx.links:
            return ctx.links[name]
        return None if optional else fresh(ctx)
    return draw


def _object(cls: type[StripeObject], depth: int) -> Gen:
    """The generator of a nested object: every field, null where not drawn, one variant at most
    (see ``_variants``). A map of options (every field an optional object: a country's
    ``tax.registration.country_options``, ``payment_method_options``) holds only the options
    drawn, as in Stripe's examples; so does a typed object besides its variant."""
    fields = _fields(cls, depth)
    kind = _object_name(cls)
    hints = _hints(cls)
    optional = frozenset(k for k in fields if _optional_object(*hints[k][:2]))
    absent = optional if optional and optional == fields.keys() else frozenset()
    selector, variants = ("", ()) if kind else _variants(cls, fields)
    if not variants:
        head: dict[str, Gen] = {"id": _id_of(kind), "object": lambda ctx: kind} if kind else {}
        rest = {k: g for k, g in fields.items() if k not in head}

        def build(ctx: Ctx) -> Obj:
            out = {key: gen(ctx) for key, gen in head.items()}
            for key, gen in rest.items():
                value = gen(ctx)
                if value is not None or key not in absent:
                    out[key] = value
            return out
        return build
    common = {k: g for k, g in fields.items() if k not in variants and k != selector
              and k not in optional}  # the variant is the one optional object it holds
    filled = {v: _filled(cls, v, depth) for v in variants}

    def build_typed(ctx: Ctx) -> Obj:
        chosen = kc.pick(ctx.rng, variants)
        out = {selector: chosen, chosen: filled[chosen](ctx)}
        out.update((key, gen(ctx)) for key, gen in common.items())
        return dict(sorted(out.items()))
    return build_typed


def _variants(cls: type[StripeObject], fields: dict[str, Gen]) -> tuple[str, tuple[str, ...]]:
    """The field that selects a variant and the sibling fields it can name (none: no variants).

    A field whose ``Literal`` values name two or more siblings (``type``, ``issuing.dispute``
    ``evidence.reason``); or a plain string ``type`` whose docstring says "An additional hash is
    included on ... with a name matching this value" and points at PaymentMethod.type, whose
    values then name the variants (``charge.payment_method_details``).
    """
    for name, (hint, _, doc) in _hints(cls).items():
        if hint is str and "with a name matching this value" in doc:
            values = _literal_values(_hints(stripe.PaymentMethod)["type"][0])
        else:
            values = _literal_values(hint)
        named = tuple(v for v in values if v in fields and v != name)
        if len(named) >= 2:
            return name, named
    return "", ()


def _literal_values(hint: Any) -> tuple[Any, ...]:
    """The values of a ``Literal`` annotation (also inside an open enum ``Union[Literal, str]``)."""
    if typing.get_origin(hint) is Union:
        hint = next((a for a in typing.get_args(hint) if typing.get_origin(a) is Literal), None)
    return typing.get_args(hint) if typing.get_origin(hint) is Literal else ()


def _filled(cls: type[StripeObject], name: str, depth: int) -> Gen:
    """The never-null generator of field ``name`` of ``cls`` (the variant its type names)."""
    hint, module, doc = _hints(cls)[name]
    tp = _resolve(hint, module)
    if typing.get_origin(tp) is Union:
        tp = next(_resolve(a, module) for a in typing.get_args(tp) if a is not _NONE)
    return _field(tp, name, doc, module, depth) or (lambda ctx: {})


_HINTS: dict[type, dict[str, tuple[Any, str, str]]] = {}


def _hints(cls: type[StripeObject]) -> dict[str, tuple[Any, str, str]]:
    """Field name (as Stripe spells it) -> (annotation, its module, its docstring); cached."""
    if cls in _HINTS:
        return _HINTS[cls]
    remap: dict[str, str] = getattr(cls, "_field_remappings", {})
    found: dict[str, tuple[Any, str, str]] = {}
    for owner in cls.__mro__:
        if not _is_object(owner) or owner is StripeObject:
            continue
        docs = _module_facts(owner.__module__)[0]
        for name, hint in inspect.get_annotations(owner).items():
            key = remap.get(name, name)
            if name.startswith("_") or key in found or typing.get_origin(hint) is ClassVar:
                continue
            found[key] = (hint, owner.__module__, docs.get((owner.__qualname__, name), ""))
    _HINTS[cls] = found
    return found


def _optional_object(hint: Any, module: str) -> bool:
    tp = _resolve(hint, module)
    args = typing.get_args(tp)
    return typing.get_origin(tp) is Union and _NONE in args and len(args) == 2 and \
        _is_object(_resolve(args[0], module))


def _fields(cls: type[StripeObject], depth: int, fill: float | None = None) -> dict[str, Gen]:
    """Field name -> generator, for every annotated field Stripe sends, in name order.

    Inside a nested object, optional nested objects are filled about once per object between
    them (``payment_method_options`` holds the options of the methods in use, not of all), at
    the top level about twice (at most half of the time each) unless ``fill`` gives the chance.
    """
    hints = {k: v for k, v in _hints(cls).items() if k != "deleted"}
    optional_objects = sum(_optional_object(hint, module) for hint, module, _ in hints.values())
    chance = min(_OPTIONAL_CHANCE, (2 if depth == 0 else 1) / max(optional_objects, 1)) \
        if fill is None else fill
    found: dict[str, Gen] = {}
    for key, (hint, module, doc) in sorted(hints.items()):
        gen = _field(hint, key, doc, module, depth, chance)
        if gen is not None:
            found[key] = gen
    return found


@functools.cache
def template(dotted: str, leave_out: frozenset[str] = frozenset(),
             fill: float | None = None) -> Callable[[Ctx], Obj]:
    """The builder of the fields of the stripe-python resource ``dotted`` (``billing.Meter``),
    without ``id``, ``object``, ``created`` and ``livemode`` (the kind's head fields) and the
    top-level fields ``leave_out`` (includable ones the catalog names); ``fill`` is the chance
    that each optional top-level object is filled (default: about two of them per object).

    A top-level field whose values name optional objects (``type`` of a customer cash balance
    transaction: ``funded``, ``applied_to_payment`` ...) fills the one it names, the others null
    (Stripe's example credit balance transaction: ``type`` debit, ``debit`` filled, ``credit``
    null).
    """
    cls = stripe_class(dotted)
    skip = leave_out | {"id", "object", "created", "livemode"}
    fields = {k: g for k, g in _fields(cls, 0, fill).items() if k not in skip}
    hints = _hints(cls)
    objects = {k: g for k, g in fields.items() if _optional_object(*hints[k][:2])}
    selector, variants = _variants(cls, objects)
    if not variants:
        return lambda ctx: {key: gen(ctx) for key, gen in fields.items()}
    filled = {v: _filled(cls, v, 0) for v in variants}

    def build(ctx: Ctx) -> Obj:
        chosen = kc.pick(ctx.rng, variants)
        out: Obj = {}
        for key, gen in fields.items():
            if key == selector:
                out[key] = chosen
            elif key in filled:
                out[key] = filled[key](ctx) if key == chosen else None
            else:
                out[key] = gen(ctx)
        return out
    return build


@functools.cache
def field(dotted: str, name: str) -> Gen:
    """The never-null builder of the field ``name`` of the resource ``dotted``, for what a
    hand-written kind takes from the annotations (``PaymentMethod.custom``)."""
    return _filled(stripe_class(dotted), name, 0)


def head_fields(dotted: str) -> tuple[bool, bool]:
    """Whether the resource ``dotted`` has ``created`` and ``livemode`` fields."""
    hints = _hints(stripe_class(dotted))
    return "created" in hints, "livemode" in hints
