"""Writing folders so that nothing a user had is lost and no reader sees half a result."""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyogrio.errors

from landalloc.models.errors import InputError, StorageError, storage_error

GDAL_WRITE_ERRORS = (pyogrio.errors.DataLayerError, pyogrio.errors.DataSourceError)
"""What GDAL raises, instead of an OSError, when it cannot finish writing a GeoPackage."""
CSV_ENCODING = "utf-8-sig"
"""Every CSV landalloc writes or reads: UTF-8 with a byte-order mark, without which Excel on a
Chinese Windows decodes 名称 as GBK; reading with it accepts files with or without the mark."""


@contextmanager
def atomic_folder(out: str | Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary sibling folder to fill; on success it is renamed to ``out``.

    An existing non-empty ``out`` is replaced only with ``force=True`` (and only once the new
    folder is complete); on any error (disk full, Ctrl-C, SIGTERM) the temporary folder is
    removed and ``out`` is untouched. An OSError becomes a :class:`StorageError` naming ``out``
    and the fix. Temporary folders that a killed process left beside ``out`` are removed.
    """
    out = Path(out)
    try:
        remove_stale(out)
        check_target(out, force)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}.", dir=out.parent))
    except OSError as exc:
        raise storage_error(out, _shown(exc, out), "create") from None
    old = out.parent / f"{tmp.name}.old"
    try:
        yield tmp
        tmp.chmod(0o755)  # mkdtemp makes it private; results and instances are meant to be shared
        if out.is_dir() and any(out.iterdir()) and not force:
            raise InputError(f"{out}: another run wrote this folder while this one was writing; this result "
                             "was not saved: run again with another --out")
        if out.exists():
            out.rename(old)
        tmp.rename(out)
    except BaseException as exc:
        if old.exists() and not out.exists():
            old.rename(out)  # put the previous folder back
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise storage_error(out, _shown(exc, out, tmp)) from None
        if isinstance(exc, GDAL_WRITE_ERRORS):   # GDAL reports a full disk as a failed SQL insert or flush
            raise StorageError(f"{out}: cannot write ({str(exc).replace(str(tmp), str(out))[:300]}); the disk may "
                               "be full or the folder not writable: free some space or choose another "
                               "folder") from None
        if isinstance(exc, StorageError) and str(tmp) in str(exc):   # a file inside: name it as the user will
            raise StorageError(str(exc).replace(str(tmp), str(out))) from None
        raise
    shutil.rmtree(old, ignore_errors=True)


def check_target(out: Path, force: bool = False) -> None:
    """Refuse an ``out`` that is a file, a dangling or looping link, under a file, or a full folder
    without ``force`` (commands call it before a long solve, atomic_folder again before writing)."""
    try:
        _refuse_target(out, force)
    except OSError as exc:   # a name too long, a loop of links further up
        raise storage_error(out, exc, "create") from None


def _refuse_target(out: Path, force: bool) -> None:
    if out.is_symlink() and not out.exists():
        raise InputError(f"{out}: is a symbolic link to nothing (or a loop of links); remove the link or "
                         "choose another output path")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder; choose another output path")
    if out.exists() and any(out.iterdir()) and not force:
        raise InputError(f"{out}: folder exists and is not empty; choose another output folder "
                         "or pass --force to replace it")
    blocking = next((p for p in out.parents if p.exists() or p.is_symlink()), None)
    if blocking is not None and not blocking.is_dir():
        raise InputError(f"{out}: {blocking} is a file (or a broken link), not a folder; choose another "
                         "output path or move that file away")


def remove_stale(out: Path) -> None:
    """Clear what a process killed (SIGKILL) while writing ``out`` left beside it: its temporary
    folder is removed, and a previous ``out`` it had moved aside is put back."""
    for sibling in sorted(out.parent.glob(f".{glob.escape(out.name)}.*")):
        pid = sibling.name[len(out.name) + 2:].split(".", 1)[0]
        if not sibling.is_dir() or not pid.isdigit() or _alive(int(pid)):
            continue
        if sibling.name.endswith(".old"):
            if not out.exists():
                sibling.rename(out)
        else:
            shutil.rmtree(sibling, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # another user's process
        return True
    return True


def _shown(exc: OSError, out: Path, tmp: Path | None = None) -> OSError:
    """``exc`` with the temporary folder in its file name replaced by ``out``, as the user knows it."""
    if tmp is not None and exc.filename and str(exc.filename).startswith(str(tmp)):
        exc.filename = str(out) + str(exc.filename)[len(str(tmp)):]
    return exc
