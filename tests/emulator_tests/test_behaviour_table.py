"""The emulator behaves as every row of the tap's behaviour table says (``tap_stripe.behaviour``,
Stripe's documented list defaults with their sources): what a plain list leaves out and what
reveals it, required parameters, and filters that refuse some parents. Adding a row to the
table adds its checks here; nothing below names an endpoint.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tap_stripe.behaviour import BEHAVIOUR, Behaviour, Hidden, Required, Restriction
from tests.emulator import Emulator
from tests.emulator_tests.conftest import CLOCK, Client

HIDDEN = [(row, rule) for row in BEHAVIOUR.values() for rule in row.hidden]
REQUIRED = [(row, rule) for row in BEHAVIOUR.values() for rule in row.required]
RESTRICTED = [(row, rule) for row in BEHAVIOUR.values() for rule in row.restrictions]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    """A test-mode data set large enough to hold objects of every hidden kind."""
    with Emulator(seed=3, scale=300, clock=CLOCK) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def client(emu: Emulator) -> Client:
    return Client(emu)


def _label(pair: tuple[Behaviour, Hidden | Required | Restriction]) -> str:
    row, rule = pair
    return f"{row.path} {getattr(rule, 'what', None) or rule.param}"


@pytest.mark.parametrize("pair", HIDDEN, ids=[_label(p) for p in HIDDEN])
def test_a_plain_list_leaves_out_what_the_row_says_and_its_reveal_shows_it(
        emu: Emulator, client: Client, pair: tuple[Behaviour, Hidden]) -> None:
    row, rule = pair
    truth = emu.objects(row.streams[0].name)
    hidden = [o for o in truth if rule.hides(o)]
    assert hidden, f"the data set holds no {rule.what}"
    listed = client.walk(row.path)
    assert listed
    assert not [o["id"] for o in listed if rule.hides(o)]
    only_this = [o for o in hidden if not any(r.hides(o) for r in row.hidden if r is not rule)]
    for obj in only_this:
        if rule.reveal is None:  # no parameter lists them: read by id
            assert client.data(f"{row.path}/{obj['id']}")["id"] == obj["id"]
        else:
            params = {k: v.format_map(obj) for k, v in rule.reveal.items()}
            assert obj["id"] in {o["id"] for o in client.walk(row.path, params)}, params


@pytest.mark.parametrize("pair", REQUIRED, ids=[_label(p) for p in REQUIRED])
def test_a_required_parameter_missing_is_a_400_naming_it(
        client: Client, pair: tuple[Behaviour, Required]) -> None:
    row, rule = pair
    response = client.get(row.path)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == rule.param


@pytest.mark.parametrize("pair", RESTRICTED, ids=[_label(p) for p in RESTRICTED])
def test_a_restricted_filter_refuses_the_parents_the_row_says(
        emu: Emulator, client: Client, pair: tuple[Behaviour, Restriction]) -> None:
    row, rule = pair
    parents = emu.objects(rule.parent)
    refused = [p["id"] for p in parents if p[rule.field] != rule.value]
    accepted = [p["id"] for p in parents if p[rule.field] == rule.value]
    assert refused and accepted
    for parent in refused:
        response = client.get(row.path, {rule.param: parent})
        assert response.status_code == rule.status
        assert response.json()["error"]["code"] == rule.code
    for parent in accepted:
        assert client.get(row.path, {rule.param: parent}).status_code == 200
