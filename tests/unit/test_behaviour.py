"""The behaviour table (``tap_stripe.behaviour``) and the registry say the same thing: every
endpoint the tap reads has a row, and every hidden kind, restriction and extra request of the
registry is a row's, and the other way round."""

from __future__ import annotations

from tap_stripe.behaviour import BEHAVIOUR
from tap_stripe.registry import STREAMS


def test_every_endpoint_the_tap_reads_has_one_row_with_a_source_per_fact() -> None:
    assert set(BEHAVIOUR) == {s.path for s in STREAMS}
    for row in BEHAVIOUR.values():
        assert row.streams and row.page_size == 100
        for fact in (*row.hidden, *row.required, *row.restrictions):
            assert '"' in fact.source, (row.path, fact)  # Stripe's wording, quoted


def test_each_hidden_kind_is_read_the_way_its_row_reveals_it() -> None:
    for row in BEHAVIOUR.values():
        for stream in row.streams:
            wanted_variants, clock, found = [], None, False
            for rule in row.hidden:
                if rule.reveal is None:
                    found = True
                elif any("{" in v for v in rule.reveal.values()):
                    clock = next(iter(rule.reveal))
                elif not rule.reveal.items() <= stream.params.items():
                    wanted_variants.append(rule.reveal)
            assert list(stream.variants) == wanted_variants, stream.name
            assert stream.clock_param == clock, stream.name
            assert bool(stream.found_in) is found, stream.name


def test_each_restricted_filter_is_only_sent_for_the_parents_it_takes() -> None:
    restricted = {(row.path, r.param): {r.field: r.value} for row in BEHAVIOUR.values()
                  for r in row.restrictions}
    for stream in STREAMS:
        key = (stream.path, stream.parent_filter)
        assert stream.parent_match == restricted.get(key, {}), stream.name
    for row in BEHAVIOUR.values():
        for r in row.restrictions:
            assert any(s.parent == r.parent and s.parent_filter == r.param for s in row.streams)


def test_each_required_parameter_is_sent() -> None:
    for row in BEHAVIOUR.values():
        for rule in row.required:
            assert all(s.parent_filter == rule.param or rule.param in s.params
                       for s in row.streams), row.path
