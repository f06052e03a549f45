"""Writing folders so that nothing a user had is lost and no reader sees half a result."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from landalloc.models.errors import InputError

CSV_ENCODING = "utf-8-sig"
"""Every CSV landalloc writes or reads: UTF-8 with a byte-order mark, without which Excel on a
Chinese Windows decodes 名称 as GBK; reading with it accepts files with or without the mark."""


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
    old = out.parent / f"{tmp.name}.old"
    try:
        yield tmp
        tmp.chmod(0o755)  # mkdtemp makes it private; results and instances are meant to be shared
        if out.exists():
            out.rename(old)
        tmp.rename(out)
    except BaseException:
        if old.exists() and not out.exists():
            old.rename(out)  # put the previous folder back
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
