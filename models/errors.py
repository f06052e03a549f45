"""One exception family: every message names the file, column or rule at fault and the fix."""

from __future__ import annotations

import errno
from collections.abc import Sequence


class LandallocError(Exception):
    """Base of every error landalloc raises on purpose; the CLI turns it into one paragraph."""

    exit_code = 2


class InputError(LandallocError):
    """Bad instance, scenario or layout data (exit code 2)."""


class InfeasibleError(LandallocError):
    """The scenario's rules cannot all hold together (exit code 1)."""

    exit_code = 1


class SolverError(LandallocError):
    """An engine returned something that evaluate() does not confirm (exit code 3)."""

    exit_code = 3


def first_ids(ids: Sequence[object], limit: int = 5) -> str:
    """Format the first offending ids for a message, with a count of the rest."""
    shown = ", ".join(str(i) for i in list(ids)[:limit])
    rest = len(ids) - limit
    return f"{shown} (and {rest} more)" if rest > 0 else shown


class StorageError(LandallocError):
    """The operating system refused to read or write a file: disk full, read-only, no permission (exit 2)."""


FIXES: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("no space left on the disk", "free some space or write to another disk"),
    errno.EDQUOT: ("disk quota exceeded", "free some space within your quota or write to another disk"),
    errno.EROFS: ("the file system is read-only", "choose a folder on a disk you can write to"),
    errno.EACCES: ("permission denied", "choose a folder you may write to, or ask for write permission (chmod)"),
    errno.EPERM: ("operation not permitted", "choose a folder you may write to, or ask for write permission"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", "choose another path, or move that file away"),
    errno.EEXIST: ("a part of the path exists and is not a folder", "choose another path, or move it away"),
    errno.ELOOP: ("the path goes round a loop of symbolic links", "fix or remove the link (ls -l shows it)"),
    errno.ENOENT: ("a folder on the path does not exist", "create it first, or check the path"),
    errno.ENAMETOOLONG: ("the path is too long", "choose a shorter path"),
    errno.EFBIG: ("the file is too large for this file system", "write to another disk (e.g. not FAT32)"),
    errno.EIO: ("input/output error", "check the disk or the network drive, or write to another disk"),
}
"""What an OS error number means to a planner, and what to do about it."""


def storage_error(path: object, exc: OSError, doing: str = "write") -> StorageError:
    """One readable refusal for an OSError met while writing (or reading) ``path``."""
    reason, fix = FIXES.get(exc.errno or -1, (exc.strerror or str(exc), "check the path and the disk"))
    hidden = f".{str(path).rstrip('/').rsplit('/', 1)[-1]}."   # the temporary sibling of path: path names it
    culprit = next((p for p in (exc.filename, exc.filename2) if p and str(p) != str(path)
                    and not str(p).rsplit("/", 1)[-1].startswith(hidden)), None)
    where = f" at {culprit}" if culprit else ""
    return StorageError(f"{path}: cannot {doing} ({reason}{where}); {fix}")
