"""Which streams the input catalog selects, and the catalog as singer-sdk gets it: the entries
of the deselected streams without their schema or property metadata, which a sync never reads
(parsing and copying them was most of the tap's start-up after its imports)."""

from __future__ import annotations

from typing import Any

from singer_sdk.singerlib import Catalog, CatalogEntry, Metadata


def selected(entry: CatalogEntry) -> bool:
    """Whether the catalog selects ``entry``'s stream, by singer-sdk's rule for a stream's own
    metadata (``MetadataMapping.resolve_selection`` at the root breadcrumb)."""
    if not entry.metadata:
        return True
    root = entry.metadata.root
    if root.inclusion == Metadata.InclusionType.UNSUPPORTED:
        return False
    if root.inclusion == Metadata.InclusionType.AUTOMATIC:
        return True
    if root.selected is not None:
        return root.selected
    return bool(root.selected_by_default)


def input_catalog(data: dict[str, Any]) -> Catalog:
    """The catalog ``data`` (a Singer catalog's JSON) as singer-sdk's ``Catalog``: a selected
    stream's entry in full, a deselected one's with its stream-level metadata only and an
    empty schema (the tap skips those streams: only their selection is read)."""
    catalog = Catalog()
    for stream in data.get("streams", []):
        lean = {**stream, "schema": {},
                "metadata": [m for m in stream.get("metadata", []) if not m.get("breadcrumb")]}
        entry = CatalogEntry.from_dict(lean)
        if selected(entry):
            entry = CatalogEntry.from_dict(stream)
        catalog[entry.tap_stream_id] = entry
    return catalog
