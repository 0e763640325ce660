"""Every list endpoint of the installed stripe package, found by walking it: each service class
with a ``list`` method, and the path that method requests. Upgrading stripe shows here what is
new (``tests/unit/test_coverage.py`` checks each is a stream or excluded with a reason)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import stripe

_PATH = re.compile(r"\"(/v[12]/[^\"]+)\"")
_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def normal(path: str) -> str:
    """``path`` with every ``{placeholder}`` written ``{}`` (``{customer}`` = ``{parent_id}``)."""
    return _PLACEHOLDER.sub("{}", path)


def list_endpoints() -> dict[str, str]:
    """Normalized list path -> the stripe-python service whose ``list`` requests it."""
    found: dict[str, str] = {}
    for module_info in pkgutil.walk_packages(stripe.__path__, "stripe."):
        module = importlib.import_module(module_info.name)
        for name, cls in vars(module).items():
            if (not inspect.isclass(cls) or cls.__module__ != module.__name__
                    or not name.endswith("Service") or "list" not in vars(cls)):
                continue
            match = _PATH.search(inspect.getsource(cls.list))
            if match:
                found[normal(match.group(1))] = f"{module.__name__}.{name}"
    return found
