"""A disk that fills up at the k-th write: every way landalloc's writers create files or folders
(Python's open, os.open, os.mkdir, GDAL through pyogrio) is counted, and the k-th fails with ENOSPC
after leaving what a full disk leaves (an empty file, half a GeoPackage)."""

from __future__ import annotations

import builtins
import errno
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager, ExitStack
from pathlib import Path
from unittest import mock

import pyogrio

WRITE_MODES = frozenset("wax+")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT


class FullDisk:
    """Counts writes; the ``k``-th (1-based) raises ``OSError(code)``; ``k=None`` only counts."""

    def __init__(self, k: int | None = None, code: int = errno.ENOSPC) -> None:
        self.k, self.code, self.count, self.failed = k, code, 0, False

    def _due(self) -> bool:
        self.count += 1
        return self.count == self.k

    def _fail(self, path: object) -> None:
        self.failed = True
        raise OSError(self.code, os.strerror(self.code), str(path))

    @contextmanager
    def installed(self) -> Iterator[FullDisk]:
        real_open, real_os_open, real_mkdir = builtins.open, os.open, os.mkdir
        real_write = pyogrio.write_dataframe

        def open_(file, mode="r", *args, **kwargs):
            if isinstance(file, (str, os.PathLike)) and WRITE_MODES & set(mode) and self._due():
                real_open(file, mode, *args, **kwargs).close()   # the file exists, empty
                self._fail(file)
            return real_open(file, mode, *args, **kwargs)

        def os_open(path, flags, *args, **kwargs):
            if flags & WRITE_FLAGS and self._due():
                self._fail(path)
            return real_os_open(path, flags, *args, **kwargs)

        def mkdir(path, *args, **kwargs):
            if not os.path.exists(path) and self._due():   # an existing folder fails first with EEXIST
                self._fail(path)
            return real_mkdir(path, *args, **kwargs)

        def write_dataframe(df, path, *args, **kwargs):
            due = self._due()
            real_write(df, path, *args, **kwargs)
            if due:   # GDAL wrote part of the file before the disk filled
                size = Path(path).stat().st_size
                with real_open(path, "r+b") as handle:
                    handle.truncate(size // 2)
                self._fail(path)

        with ExitStack() as stack:
            for target, name, fake in ((builtins, "open", open_), (io, "open", open_), (os, "open", os_open),
                                       (os, "mkdir", mkdir), (pyogrio, "write_dataframe", write_dataframe)):
                stack.enter_context(mock.patch.object(target, name, fake))
            yield self


def listing(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (names relative to it) with its bytes: what a user has there."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
