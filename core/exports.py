"""Lazy public surfaces for careerbot's packages.

Each package's ``__init__`` lists what other packages may import from it and
from which module; the module is imported only when the name is first used, so
``import core`` (and the CLI's ``--help``) does not load Chroma or torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_getattr(package: str, exports: dict[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` serving ``exports`` (name -> module) on first use."""

    def __getattr__(name: str) -> object:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    return __getattr__
