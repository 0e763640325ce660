"""Fields Stripe leaves out of its responses unless they are asked for ("includable"), per list
endpoint the tap reads, and how the tap gets each one.

Stripe's reference marks them "This field is not included by default. To include it in the
response, expand the <field> field." The tap asks for them with ``expand[]``, reads them from a
stream of their own, or (where it can never fill them) leaves them out of the schema.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Includable:
    """One includable field of a list endpoint's objects.

    Attributes:
        field: The field of the object (``tiers``, ``tax_ids``...).
        how: How the tap fills it: ``expand`` (``expand[]=data.<field>`` on the list and on
            re-reads by id), ``stream:<name>`` (its contents are the records of that stream), or
            ``dropped`` (the tap cannot fill it; the schema leaves it out).
        source: Where Stripe documents that the field is includable (API reference wording or
            the stripe-python field docstring).
    """

    field: str
    how: str
    source: str


# List path (as in the registry) -> the includable fields of its objects.
INCLUDABLE: dict[str, tuple[Includable, ...]] = {}
