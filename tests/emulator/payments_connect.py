"""Builders for Connect: connected accounts (custom and express) and their persons."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from tests.emulator.kinds_common import (
    DAY,
    address,
    amount,
    child_id,
    dob,
    email,
    full_name,
    later,
    list_stub,
    maybe,
    metadata,
    nulls,
    phone,
    pick,
    tos_acceptance,
)

if TYPE_CHECKING:
    import random

    from tests.emulator.kinds_common import Ctx, Obj


_MCC = {"5734": "Computer Software Stores", "5812": "Restaurants", "7372": "Software",
        "5999": "Miscellaneous Retail", "8299": "Educational Services"}
_DUE_INDIVIDUAL = ("individual.verification.document", "individual.id_number")
_DUE_COMPANY = ("company.tax_id", "representative.verification.document")


def _requirements(rng: random.Random, due: tuple[str, ...], *, deadline: int | None) -> Obj:
    """A requirements object; ``deadline=None`` leaves out the account-only fields."""
    currently = list(due) if rng.random() < 0.3 else []
    block: Obj = {"alternatives": [], "currently_due": currently, "errors": [],
                  "eventually_due": list(currently), "past_due": [], "pending_verification": []}
    if deadline is not None:
        block.update(current_deadline=deadline if currently else None,
                     disabled_reason=None)
    return block


def person(ctx: Ctx) -> Obj:
    """A ``person`` of a connected account (owner, director or representative)."""
    rng = ctx.rng
    first, last = full_name(rng).split(" ")
    home = address(rng, "US")
    verified = rng.random() < 0.8
    owner = rng.random() < 0.6
    return {
        "account": ctx.link("account"),
        "additional_tos_acceptances": {"account": nulls("date", "ip", "user_agent")},
        "address": home,
        "address_kana": None,
        "address_kanji": None,
        "dob": dob(rng),
        "email": email(rng, f"{first} {last}"),
        "first_name": first,
        "first_name_kana": None,
        "first_name_kanji": None,
        "full_name_aliases": [],
        "future_requirements": _requirements(rng, (), deadline=None),
        "gender": None,
        "id_number_provided": verified,
        "id_number_secondary_provided": False,
        "last_name": last,
        "last_name_kana": None,
        "last_name_kanji": None,
        "maiden_name": None,
        "metadata": metadata(rng),
        "nationality": None,
        "phone": phone(rng),
        "political_exposure": "none",
        "registered_address": None,
        "relationship": {
            "authorizer": False,
            "director": rng.random() < 0.3,
            "executive": rng.random() < 0.5,
            "legal_guardian": False,
            "owner": owner,
            "percent_ownership": float(rng.randrange(25, 101)) if owner else None,
            "representative": rng.random() < 0.5,
            "title": pick(rng, ("CEO", "CFO", "Founder", "COO")),
        },
        "requirements": _requirements(rng, ("verification.document",), deadline=None),
        "ssn_last_4_provided": verified,
        "us_cfpb_data": None,
        "verification": {
            "additional_document": {**nulls("back", "details", "details_code", "front")},
            "details": None,
            "details_code": None,
            "document": {**nulls("back", "details", "details_code"),
                         "front": ctx.link("file") if verified else None},
            "status": "verified" if verified else "unverified",
        },
    }


_CONTROLLERS: dict[str, Obj] = {
    "custom": {"fees": {"payer": "application"}, "is_controller": True,
               "losses": {"payments": "application"}, "requirement_collection": "application",
               "stripe_dashboard": {"type": "none"}, "type": "application"},
    "express": {"fees": {"payer": "application_express"}, "is_controller": True,
                "losses": {"payments": "application"}, "requirement_collection": "stripe",
                "stripe_dashboard": {"type": "express"}, "type": "application"},
}


def _company(rng: random.Random, name: str, where: Obj) -> Obj:
    """The ``company`` block of a connected account."""
    return {
        "address": where,
        "address_kana": None,
        "address_kanji": None,
        "administrative_address": None,
        "directors_provided": True,
        "directorship_declaration": None,
        "executives_provided": True,
        "export_license_id": None,
        "export_purpose_code": None,
        "name": name,
        "name_kana": None,
        "name_kanji": None,
        "owners_provided": True,
        "ownership_declaration": None,
        "ownership_exemption_reason": None,
        "phone": phone(rng),
        "physical_address": None,
        "principal_place_of_business": None,
        "registration_date": None,
        "representative_declaration": None,
        "structure": pick(rng, ("llc", "private_corporation", "sole_proprietorship")),
        "tax_id_provided": True,
        "tax_id_registrar": None,
        "vat_id_provided": False,
        "verification": {"document": nulls("back", "details", "details_code", "front")},
    }


def account(ctx: Ctx) -> Obj:
    """A connected ``account`` (custom or express), with its individual when it has one."""
    rng = ctx.rng
    kind = pick(rng, ("custom", "express"))
    where = address(rng)
    business = pick(rng, ("company", "individual"))
    name = f"{pick(rng, ('Blue', 'North', 'Bright', 'Urban', 'Green'))} " \
           f"{pick(rng, ('Bakery', 'Studio', 'Rides', 'Labs', 'Goods'))}"
    slug = name.lower().replace(" ", "")
    requirements = _requirements(
        rng, _DUE_COMPANY if business == "company" else _DUE_INDIVIDUAL,
        deadline=later(rng, ctx.created, 14 * DAY, 30 * DAY))
    enabled = not requirements["currently_due"]
    money = {"US": "usd", "GB": "gbp", "CA": "cad"}.get(where["country"], "eur")
    mcc = pick(rng, tuple(_MCC))
    return {
        "business_profile": {
            "annual_revenue": None,
            "estimated_worker_count": rng.randrange(1, 50),
            "mcc": mcc,
            "minority_owned_business_designation": None,
            "monthly_estimated_revenue": {"amount": amount(rng, 100_000, 5_000_000),
                                          "currency": money},
            "name": name,
            "product_description": _MCC[mcc],
            "specified_commercial_transactions_act_url": None,
            "support_address": dict(where),
            "support_email": f"support@{slug}.example.com",
            "support_phone": phone(rng),
            "support_url": f"https://{slug}.example.com/support",
            "url": f"https://{slug}.example.com",
        },
        "business_type": business,
        "capabilities": {"card_payments": "active" if enabled else "pending",
                         "transfers": "active" if enabled else "pending"},
        "charges_enabled": enabled,
        "company": _company(rng, name, where) if business == "company" else None,
        "controller": copy.deepcopy(_CONTROLLERS[kind]),
        "country": where["country"],
        "default_currency": money,
        "details_submitted": enabled or rng.random() < 0.5,
        "email": f"owner@{slug}.example.com",
        "external_accounts": list_stub(f"/v1/accounts/{ctx.id}/external_accounts"),
        "future_requirements": _requirements(rng, (), deadline=None) | {
            "current_deadline": None, "disabled_reason": None},
        "groups": None,
        "individual": ctx.embed("person", child_id(rng, "person"), {"account": ctx.id})
        if business == "individual" else None,
        "metadata": metadata(rng),
        "payouts_enabled": enabled,
        "requirements": requirements,
        "settings": {
            "bacs_debit_payments": {"display_name": None, "service_user_number": None},
            "branding": {"icon": None, "logo": None, "primary_color": maybe(rng, "#0a2540"),
                         "secondary_color": None},
            "card_issuing": {"tos_acceptance": nulls("date", "ip", "user_agent")},
            "card_payments": {"decline_on": {"avs_failure": False, "cvc_failure": True},
                              "statement_descriptor_prefix": name.upper()[:10],
                              "statement_descriptor_prefix_kana": None,
                              "statement_descriptor_prefix_kanji": None},
            "dashboard": {"display_name": name, "timezone": "Etc/UTC"},
            "invoices": {"default_account_tax_ids": None, "hosted_payment_method_save": "offer"},
            "payments": {"statement_descriptor": name.upper()[:22],
                         "statement_descriptor_kana": None, "statement_descriptor_kanji": None,
                         "statement_descriptor_prefix_kana": None,
                         "statement_descriptor_prefix_kanji": None},
            "payouts": {"debit_negative_balances": True,
                        "schedule": {"delay_days": 2, "interval": "daily", "monthly_anchor": None,
                                     "monthly_payout_days": None, "weekly_anchor": None,
                                     "weekly_payout_days": None},
                        "statement_descriptor": None},
            "paypay_payments": None,
            "sepa_debit_payments": {"creditor_id": None},
            "treasury": None,
        },
        "tos_acceptance": {**tos_acceptance(rng, ctx.created), "service_agreement": "full"},
        "type": kind,
    }
