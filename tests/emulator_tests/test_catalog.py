"""The catalog: every tap stream is served and holds generated objects of the right kind."""

from __future__ import annotations

import pytest

from tests.emulator import Emulator, catalog, objects
from tests.emulator.routes import match


def test_every_collection_holds_buildable_kinds() -> None:
    for coll in catalog.COLLECTIONS:
        assert set(coll.kinds) <= set(objects.KINDS), coll.name
        assert coll.permission.startswith("rak_"), coll.name
        if coll.is_child:
            assert coll.parent in catalog.BY_NAME, coll.name


@pytest.mark.parametrize("stream", sorted(catalog.STREAMS))
def test_every_stream_has_generated_objects(shared: Emulator, stream: str) -> None:
    name, restriction = catalog.STREAMS[stream]
    found = shared.objects(stream)
    assert found, stream
    kinds = {o["object"] for o in found}
    assert kinds <= set(catalog.BY_NAME[name].kinds)
    if restriction in objects.KINDS:
        assert kinds == {restriction}


def test_every_list_path_is_routed() -> None:
    for coll in catalog.COLLECTIONS:
        path = coll.path if not coll.parent or coll.parent_param else (
            f"{catalog.BY_NAME[coll.parent].path}/x_1/{coll.path}")
        found = match(path)
        assert found is not None, coll.name
        assert (found[0].action, found[0].collection) == ("list", coll.name)
