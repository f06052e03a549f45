"""Writing folders so that nothing a user had is lost and no reader sees half a result."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from models.errors import InputError


@contextmanager
def atomic_folder(out: str | Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling folder to fill; on success it is renamed to ``out``.

    An existing non-empty ``out`` is replaced only with ``force=True`` (and only once the new
    folder is complete); on any error the temporary folder is removed and ``out`` is untouched.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder; choose another output path")
    if out.exists() and any(out.iterdir()) and not force:
        raise InputError(f"{out}: folder exists and is not empty; choose another output folder "
                         "or pass --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        tmp.chmod(0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            out.rename(old / out.name)
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
