"""Builders for uploaded files and their public links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.emulator.kinds_common import DAY, later, list_stub, maybe, metadata, pick, token

if TYPE_CHECKING:
    from tests.emulator.kinds_common import Ctx, Obj


_FILE_PURPOSES = {"dispute_evidence": ("pdf", "png"), "identity_document": ("jpg", "png"),
                  "business_logo": ("png",), "business_icon": ("png",),
                  "additional_verification": ("pdf",), "tax_document_user_upload": ("pdf",)}


def file(ctx: Ctx) -> Obj:
    """An uploaded ``file`` (its ``links`` list is an empty stub)."""
    rng = ctx.rng
    purpose = pick(rng, tuple(_FILE_PURPOSES))
    kind = pick(rng, _FILE_PURPOSES[purpose])
    return {
        "expires_at": maybe(rng, ctx.created + 365 * DAY, 0.3),
        "filename": f"{purpose}_{rng.randrange(1, 999)}.{kind}",
        "links": list_stub(f"/v1/file_links?file={ctx.id}"),
        "purpose": purpose,
        "size": rng.randrange(2_000, 4_000_000),
        "title": None,
        "type": kind,
        "url": f"https://files.stripe.com/v1/files/{ctx.id}/contents",
    }


def file_link(ctx: Ctx) -> Obj:
    """A ``file_link``: a public link to a file."""
    rng = ctx.rng
    return {
        "expired": False,
        "expires_at": maybe(rng, later(rng, ctx.created, 30 * DAY, 365 * DAY)),
        "file": ctx.need("file", "file"),
        "metadata": metadata(rng),
        "url": f"https://files.stripe.com/links/{token(rng, 80)}",
    }
