"""Engines that read the compiled problem (MILP, NSGA-II), Pareto fronts, reports and the CLI.

``milp``, ``nsga``, ``report`` and :class:`ParetoFront` are imported on first use, so the CLI
starts without loading every solver.
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS: dict[str, tuple[str, str | None]] = {
    "ParetoFront": ("landalloc.optimizer.front", "ParetoFront"),
    "milp": ("landalloc.optimizer.milp", None),
    "nsga": ("landalloc.optimizer.nsga", None),
    "report": ("landalloc.optimizer.report", None),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> object:
    """Import a public name on first use (PEP 562)."""
    try:
        module_name, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'landalloc.optimizer' has no attribute {name!r}") from None
    module = import_module(module_name)
    return module if attribute is None else getattr(module, attribute)


def __dir__() -> list[str]:
    return __all__
