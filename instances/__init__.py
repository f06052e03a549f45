"""Instances: the synthetic county generator and the instances bundled with landalloc."""

from __future__ import annotations

from pathlib import Path

from landalloc.instances.synthetic import generate_county, synthetic_readme, write_instance
from landalloc.models.errors import InputError

__all__ = ["bundled", "generate_county", "synthetic_readme", "write_instance"]


def bundled(name: str) -> Path:
    """The folder of an instance shipped with landalloc (``instances/<name>``).

    Examples
    --------
    >>> bundled("demo").name  # doctest: +SKIP
    'demo'
    """
    here = Path(__file__).resolve().parent
    folder = here / name
    if name.startswith((".", "_")) or not (folder / "scenario.toml").is_file():
        known = sorted(p.name for p in here.iterdir() if (p / "scenario.toml").is_file())
        raise InputError(f"no bundled instance '{name}'; bundled instances: {', '.join(known) or 'none'}")
    return folder
