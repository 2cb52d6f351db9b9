"""Lazy public names for a package: each is imported from its defining module the first time it is used.

``import detente.panels`` must stay cheap (a warm panel run imports no SQLAlchemy, numpy or pandas), yet
``from detente.panels import create_dyad_years`` should work as if every name were imported eagerly. A
package does this with a module-level ``__getattr__`` (PEP 562) that imports the defining module on first
access and keeps the value in the package's namespace, so later look-ups are plain attribute reads::

    _EXPORTS = {"Store": "detente.store.database", "verify_audit": "detente.services.audit_trail:verify"}
    __getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

A target is ``"module"`` (the attribute has the public name) or ``"module:attribute"`` (it is renamed).
Type checkers do not run ``__getattr__``; each package also imports its names under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, importing ``exports`` lazily (see the module doc)."""
    namespace = vars(sys.modules[package])

    def lookup(name: str) -> Any:
        target = exports.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = target.partition(":")
        value = getattr(importlib.import_module(module), attribute or name)
        namespace[name] = value
        return value

    def listing() -> list[str]:
        return sorted(namespace.get("__all__", exports))

    return lookup, listing
