"""Module attributes imported on first use (PEP 562), so ``import landalloc`` stays cheap."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

Exports = dict[str, tuple[str, str | None]]
"""public name -> (module that defines it, attribute name; None: the module itself)"""


def lazy_attributes(owner: str, exports: Exports) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of module ``owner`` for ``exports``."""
    names = sorted(exports)

    def __getattr__(name: str) -> object:
        try:
            module_name, attribute = exports[name]
        except KeyError:
            raise AttributeError(f"module {owner!r} has no attribute {name!r}") from None
        module = import_module(module_name)
        return module if attribute is None else getattr(module, attribute)

    def __dir__() -> list[str]:
        return names

    return __getattr__, __dir__
