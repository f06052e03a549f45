"""Faults a planner's machine meets while landalloc writes: a disk that fills at any write,
read-only and missing folders, paths that are files or loops of links, running out of memory,
SIGTERM and SIGKILL in a real solve, two runs on one ``--out``. Each is one line and exit 2 (or a
partial result Ctrl-C would leave), and every output is complete or absent.

The test names are the ids of docs/errors.md's "Faults while writing" section.
"""

from __future__ import annotations

import errno
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from landalloc.instances import write_instance
from landalloc.instances.handmade import tiny_county
from landalloc.models import Instance
from landalloc.models.errors import StorageError
from landalloc.models.files import atomic_folder
from landalloc.optimizer import milp
from landalloc.optimizer.front import ParetoFront
from landalloc.optimizer.verify import verify_result
from tests.faultfs import FullDisk, listing
from tests.test_cli import LANDALLOC

OBJECTIVES = ["efficiency", "equity"]
ENV = {"COLUMNS": "200", "PATH": str(Path(sys.executable).parent)}


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> tuple[Instance, ParetoFront, Path]:
    """The tiny county, its 3-point front and a complete result folder of it (with report)."""
    base = tmp_path_factory.mktemp("faults")
    parcels, scenario = tiny_county()
    write_instance(parcels, scenario, base / "tiny", "# tiny\n")
    instance = Instance.load(base / "tiny")
    front = milp.pareto(instance.compile(), OBJECTIVES, points=3)
    front.to_file(base / "result", report=True, instance=instance)
    return instance, front, base


def _every_write(tmp_path: Path, write, out: Path, ks: list[int] | None = None) -> None:
    """Fail ``write()`` at each of its writes in turn (or at the writes ``ks``, for writers that
    draw charts and would take minutes); each time ``out`` must be as before (absent, or what the
    user had with whole new files beside it) and nothing else left in its folder."""
    before_parent = sorted(p.name for p in out.parent.iterdir())
    before = listing(out) if out.is_dir() else None

    def restore() -> None:   # what the user had, to fail the next write against it
        shutil.rmtree(out)
        for name, data in (before or {}).items():
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            (out / name).write_bytes(data)

    if ks is None:
        count = FullDisk()
        with count.installed():
            write()
        restore()
        ks = list(range(1, count.count + 1))
        assert len(ks) >= 3
    for k in ks:
        disk, message = FullDisk(k), None
        with disk.installed():
            try:
                write()
            except StorageError as refused:
                message = str(refused)
        if message is None:
            assert not disk.failed, f"write {k} failed but nothing was refused"
            restore()   # a one-time cache made this run write less: it finished
            continue
        assert "no space left on the disk" in message and str(out) in message, (k, message)
        assert f"/.{out.name}." not in message, (k, message)   # never a temporary name
        if before is None:
            assert not out.exists(), k
        else:
            now = listing(out)
            assert all(now[name] == data for name, data in before.items()), k   # what the user had
            assert all(data and not Path(name).name.startswith(".") for name, data in now.items()), k
        assert sorted(p.name for p in out.parent.iterdir()) == before_parent, k


def test_disk_full_writing_a_result(solved, tmp_path):
    instance, front, _ = solved
    out = tmp_path / "result"
    _every_write(tmp_path, lambda: front.to_file(out, instance=instance), out)


def test_disk_full_writing_a_report(solved, tmp_path):
    from landalloc.optimizer.report.folder import report_folder

    instance, front, base = solved
    out = tmp_path / "result"
    front.to_file(out, instance=instance)   # a result without its report, as after Ctrl-C
    _every_write(tmp_path, lambda: report_folder(out), out, ks=[1, 17, 33])
    assert verify_result(out).ok   # the result itself still verifies after every failed report


def test_disk_full_writing_a_comparison(solved, tmp_path):
    from landalloc.optimizer.report import compare

    _, _, base = solved
    out = tmp_path / "compared"
    _every_write(tmp_path, lambda: compare([base / "result", base / "result"], names=["a", "b"], out=out), out,
                 ks=[1, 5, 9])


def test_disk_full_writing_a_batch(solved, tmp_path):
    from landalloc.optimizer.batch import run_batch

    instance, _, _ = solved
    out = tmp_path / "batch"
    _every_write(tmp_path, lambda: run_batch(instance, {"a": instance}, out, points=2), out, ks=[2, 40])


def test_disk_full_writing_an_instance(tmp_path):
    parcels, scenario = tiny_county()
    out = tmp_path / "county"
    _every_write(tmp_path, lambda: write_instance(parcels, scenario, out, "# county\n"), out)


def test_disk_full_replacing_a_result(solved, tmp_path):
    instance, front, base = solved
    out = tmp_path / "result"
    shutil.copytree(base / "result", out)
    _every_write(tmp_path, lambda: front.to_file(out, force=True, instance=instance), out)
    assert verify_result(out).ok


def _fails_with(code: int, tmp_path: Path, solved) -> str:
    instance, front, _ = solved
    with pytest.raises(StorageError) as refused, FullDisk(1, code).installed():
        front.to_file(tmp_path / "deep" / "result", instance=instance)
    assert not (tmp_path / "deep").exists()
    return str(refused.value)


@pytest.mark.parametrize("code", [errno.EROFS])
def test_read_only_folder(code, tmp_path, solved):
    message = _fails_with(code, tmp_path, solved)
    assert "cannot create" in message and "read-only" in message and "choose a folder" in message


def test_permission_denied(tmp_path, solved):
    message = _fails_with(errno.EACCES, tmp_path, solved)
    assert "permission denied" in message and "ask for write permission" in message


def test_disk_quota_exceeded(tmp_path, solved):
    assert "quota" in _fails_with(errno.EDQUOT, tmp_path, solved)


def test_input_output_error(tmp_path, solved):
    assert "check the disk or the network drive" in _fails_with(errno.EIO, tmp_path, solved)


def test_missing_output_folder_is_created(tmp_path, solved):
    instance, front, _ = solved
    front.to_file(tmp_path / "a" / "b" / "result", instance=instance)
    assert verify_result(tmp_path / "a" / "b" / "result").ok


def test_output_under_a_file(tmp_path, solved):
    instance, front, _ = solved
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(Exception, match=r"notes.txt is a file \(or a broken link\), not a folder; choose another"):
        front.to_file(tmp_path / "notes.txt" / "result", instance=instance)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_output_is_a_file(tmp_path, solved):
    instance, front, _ = solved
    (tmp_path / "result").write_text("mine")
    with pytest.raises(Exception, match="exists and is not a folder"):
        front.to_file(tmp_path / "result", instance=instance)
    assert (tmp_path / "result").read_text() == "mine"


def test_output_symlink_loop(tmp_path, solved):
    instance, front, _ = solved
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(Exception, match="symbolic link to nothing"):
        front.to_file(tmp_path / "loop", instance=instance)
    with pytest.raises(Exception, match="loop is a file \\(or a broken link\\)"):
        front.to_file(tmp_path / "loop" / "result", instance=instance)


def test_output_name_too_long(tmp_path, solved):
    instance, front, _ = solved
    with pytest.raises(StorageError, match=r"the path is too long\); choose a shorter path"):
        front.to_file(tmp_path / ("r" * 300), instance=instance)


def _cli(*args: str, limit: int | None = None) -> subprocess.CompletedProcess:
    def small_files() -> None:   # files above `limit` bytes fail with EFBIG, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([LANDALLOC, *args], capture_output=True, text=True, timeout=600,
                          env={**ENV, "PYTHONDONTWRITEBYTECODE": "1"},   # a cut .pyc would break later runs
                          preexec_fn=small_files if limit else None)


def test_file_too_large_in_a_real_solve(solved, tmp_path):
    """The real command, with the file size limited (a full disk needs root to simulate)."""
    _, _, base = solved
    out = tmp_path / "result"
    done = _cli("solve", str(base / "tiny"), "--out", str(out), "--points", "2", limit=40_000)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "error:" in done.stderr
    flat = " ".join(done.stderr.split())
    assert f"{out}: cannot write (" in flat and "free some space" in flat, flat   # EFBIG, or GDAL's failed insert
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == []


def test_out_of_memory_in_a_solve(solved, tmp_path, monkeypatch, capsys):
    from landalloc.optimizer import cli, methods

    def exhausted(*args, **kwargs):
        raise MemoryError

    _, _, base = solved
    monkeypatch.setattr(methods, "milp_front", exhausted)
    monkeypatch.setattr(sys, "argv", ["landalloc", "solve", str(base / "tiny"), "--out", str(tmp_path / "r")])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "out of memory; solve a smaller instance, fewer --points" in err and "Traceback" not in err
    assert not (tmp_path / "r").exists()


def test_read_only_folder_on_the_command_line(solved, tmp_path, monkeypatch, capsys):
    from landalloc.optimizer import cli

    _, _, base = solved
    monkeypatch.setattr(sys, "argv", ["landalloc", "solve", str(base / "tiny"), "--out", str(tmp_path / "r"),
                                      "--points", "2", "--no-report"])
    with pytest.raises(SystemExit) as stopped, FullDisk(1, errno.EROFS).installed():
        cli.main()
    assert stopped.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"error: {tmp_path / 'r'}: cannot create (the file system is read-only" in err, err
    assert list(tmp_path.iterdir()) == []


def _killed(base: Path, outs: list[Path], how: signal.Signals, seed: int) -> list[tuple[int, str]]:
    """Start one real NSGA-II solve per ``out`` at once and send ``how`` to each at a random
    moment: the first while Python starts, the others at random once the solve has begun (its
    checkpoint line), so that they land in the solve, a checkpoint or the writing. Returns
    their exit codes and stderr."""
    rng = random.Random(seed)
    logs = [out.parent / "stderr.log" for out in outs]
    processes = [subprocess.Popen([LANDALLOC, "solve", str(base / "tiny"), "--out", str(out), "--method", "nsga2",
                                   "--pop", "20", "--generations", "300", "--checkpoint-every", "0.5", "--no-report"],
                                  stdout=subprocess.DEVNULL, stderr=log.open("w"), env=ENV)
                 for out, log in zip(outs, logs)]
    started = time.monotonic()
    due = [started + rng.uniform(0.2, 1.0)] + [None] * (len(outs) - 1)
    pending = set(range(len(outs)))
    while pending and time.monotonic() < started + 300:
        for n in sorted(pending):
            if due[n] is None and "checkpoint:" in logs[n].read_text():
                due[n] = time.monotonic() + rng.uniform(0.0, 3.0)
            if processes[n].poll() is not None or (due[n] is not None and time.monotonic() >= due[n]):
                processes[n].send_signal(how)
                pending.discard(n)
        time.sleep(0.05)
    codes = [process.wait(timeout=300) for process in processes]
    texts = [log.read_text() for log in logs]
    for log in logs:
        log.unlink()
    return list(zip(codes, texts))


def _complete_or_absent(out: Path) -> None:
    if out.exists():
        report = verify_result(out)   # what `landalloc check INSTANCE OUT` reads
        assert report.exit_code == 0, str(report)


def test_sigterm_during_a_solve(solved, tmp_path):
    """SIGTERM at random moments (loading, solving, writing): a partial result or nothing, and
    no temporary folder left."""
    _, _, base = solved
    outs = [tmp_path / f"term{n}" / "result" for n in range(3)]
    for out in outs:
        out.parent.mkdir()
    ended = _killed(base, outs, signal.SIGTERM, seed=21)
    assert 130 in [code for code, _ in ended[1:]], ended   # a run stopped in its solve left a partial result
    for out, (code, err) in zip(outs, ended):
        # 130: stopped like Ctrl-C; -15: killed while Python was still importing, before anything began
        assert code in (0, 130, -signal.SIGTERM), err
        assert "Traceback" not in err, err
        _complete_or_absent(out)
        assert [p.name for p in out.parent.iterdir()] in ([], ["result"]), list(out.parent.iterdir())


def test_sigkill_during_a_solve(solved, tmp_path):
    """SIGKILL cannot be caught: what it leaves is a hidden temporary folder at most, which the
    next write of the same --out removes."""
    instance, front, base = solved
    outs = [tmp_path / f"kill{n}" / "result" for n in range(2)]
    for out in outs:
        out.parent.mkdir()
    _killed(base, outs, signal.SIGKILL, seed=5)
    for out in outs:
        assert not out.exists() or verify_result(out).ok
        assert all(p.name.startswith(".") or p == out for p in out.parent.iterdir())
        front.to_file(out, force=True, instance=instance)
        left = {p.name for p in out.parent.iterdir()} - {"result"}
        assert left <= {".result.checkpoint.pkl"}, left   # the NSGA state, which the next run of --out replaces


def test_two_runs_on_one_out(solved, tmp_path):
    _, _, base = solved
    out = tmp_path / "result"
    runs = [subprocess.Popen([LANDALLOC, "solve", str(base / "tiny"), "--out", str(out), "--points", "2",
                              "--no-report"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV)
            for _ in range(2)]
    codes = [(run.wait(timeout=300), run.stderr.read()) for run in runs]
    assert sorted(code for code, _ in codes) in ([0, 0], [0, 2]), codes   # one result, or the second refused
    for code, err in codes:
        assert "Traceback" not in err
        if code == 2:
            assert "another run wrote this folder" in err or "folder exists and is not empty" in err, err
    assert verify_result(out).ok and [p.name for p in tmp_path.iterdir()] == ["result"]


def test_killed_while_replacing_a_result(solved, tmp_path):
    """A run killed between moving the old folder aside and renaming the new one: the next write
    of that --out puts the old folder back first, so nothing the user had is lost."""
    instance, front, base = solved
    out = tmp_path / "result"
    shutil.copytree(base / "result", tmp_path / ".result.999999999.abc.old")
    shutil.copytree(base / "result", tmp_path / ".result.999999999.abc")
    with pytest.raises(Exception, match="folder exists and is not empty"):
        front.to_file(out, instance=instance)
    assert verify_result(out).ok and [p.name for p in tmp_path.iterdir()] == ["result"]


def test_every_fault_leaves_no_temporary_folder(solved, tmp_path):
    """An exception of any kind inside atomic_folder (Ctrl-C too) removes its temporary folder."""
    for error in (KeyboardInterrupt, MemoryError, OSError(errno.ENOSPC, "full")):
        with pytest.raises((KeyboardInterrupt, MemoryError, StorageError)), atomic_folder(tmp_path / "out") as tmp:
            (tmp / "half.csv").write_text("a,b\n1")
            raise error
        assert list(tmp_path.iterdir()) == []


def test_output_folder_not_empty(solved, tmp_path):
    instance, front, _ = solved
    (tmp_path / "result").mkdir()
    (tmp_path / "result" / "mine.txt").write_text("mine")
    with pytest.raises(Exception, match="folder exists and is not empty; choose another output folder or pass --force"):
        front.to_file(tmp_path / "result", instance=instance)
    assert listing(tmp_path / "result") == {"mine.txt": b"mine"}


def test_output_empty_folder_is_used(solved, tmp_path):
    instance, front, _ = solved
    (tmp_path / "result").mkdir()
    front.to_file(tmp_path / "result", instance=instance)
    assert verify_result(tmp_path / "result").ok


def test_stale_temporary_folder_removed(solved, tmp_path):
    """What SIGKILL left (a hidden folder of a process that is gone) goes at the next write."""
    instance, front, _ = solved
    (tmp_path / ".result.999999999.x1y2z3" / "charts").mkdir(parents=True)
    (tmp_path / ".results.999999999.keep").mkdir()   # another folder's: not touched
    front.to_file(tmp_path / "result", instance=instance)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".results.999999999.keep", "result"]
