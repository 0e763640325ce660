"""singer-sdk's standard tap tests over mocked HTTP: one realistic object per stream."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from typing import Any

import pytest
import responses
import stripe
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_stripe.registry import STREAMS, StreamDef, children_of
from tap_stripe.tap import TapStripe
from tests.emulator import generic, objects
from tests.emulator.kinds_common import Ctx
from tests.singer import catalog_for
from tests.unit.fake_stripe import BASE, FakeStripe

CREATED = int(time.time()) - 10 * 86400


def _build(sdef: StreamDef, n: int, links: dict[str, str]) -> dict[str, Any]:
    kind = sdef.object_names[0]
    if kind == "event":  # events wrap another object; the builders make the objects only
        customer = objects.build("customer", id="cus_evt", created=CREATED, rng=random.Random(n),
                                 links={})
        return {"id": f"evt_{n}", "object": "event", "api_version": stripe.api_version,
                "created": CREATED + n, "data": {"object": customer}, "livemode": False,
                "pending_webhooks": 0, "request": {"id": None, "idempotency_key": None},
                "type": "customer.created"}
    if kind not in objects.KINDS:  # no emulator collection of it yet: its generic builder
        ctx = Ctx(f"{sdef.name[:6]}_{n}", CREATED + n, random.Random(n), links, False,
                  objects.build_in)
        return {"id": ctx.id, "object": kind, **generic.template(sdef.stripe_class)(ctx)}
    oid = f"{objects.ID_PREFIX[kind]}_{sdef.name[:6]}{n}"
    return objects.build(kind, id=oid, created=CREATED + n, rng=random.Random(n), links=links)


def serve_one_object_per_stream(fake: FakeStripe) -> None:
    """Every top-level list holds one object; every child list one child of it."""
    for n, parent in enumerate(s for s in STREAMS if not s.is_child):
        obj = _build(parent, n, {})
        for child in children_of(parent.name):
            for field in child.parent_params.values():  # the parent holds what the list takes
                obj[field] = obj.get(field) or f"{field}_{n}"
            link_key = child.parent_field or (child.parent_filter or parent.object_names[0])
            kid = _build(child, n, {link_key: obj["id"], parent.object_names[0]: obj["id"]})
            path = child.path.format(parent_id=obj["id"])
            if child.embedded and not child.parent_expand:
                embedded = obj[child.embedded]
                embedded["data"] = [*embedded["data"], kid]
            elif child.parent_filter:
                fake.add(path, [kid], listed_under={child.parent_filter: obj["id"]})
            else:
                fake.add(path, [kid])
        fake.add(parent.path, [obj])


@pytest.fixture(scope="module", autouse=True)
def mocked_stripe() -> Iterator[FakeStripe]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeStripe(rsps)
        serve_one_object_per_stream(fake)
        yield fake


TestTapStripe = get_tap_test_class(
    tap_class=TapStripe,
    # live mode's account rate: nothing limits the mocked HTTP, and at a test key's 25/s the
    # sync and the connection test of every stream wait most of their time
    config={"client_secret": "sk_test_standard", "api_base": BASE,
            "start_date": "2024-01-01T00:00:00Z", "max_requests_per_second": 100},
    suite_config=SuiteConfig(max_records_limit=20),
    # every stream selected, the opt-in ones too (singer-sdk compares each stream's records
    # with its selected properties)
    catalog=catalog_for([s.name for s in STREAMS]),
)
