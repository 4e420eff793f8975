"""Write result files atomically: a temporary file in the same folder, then a rename.

A crash, a cancelled job or a full disk leaves either the old file or the
new one, never half of one.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(target: str | os.PathLike):
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 would hide results from the group
    try:
        yield Path(temporary)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomically(target: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(temporary_path)`` and move the result onto ``target``."""
    with atomic_path(target) as temporary:
        write(temporary)
    return Path(target)


def check_writable_folder(target: str | os.PathLike) -> Path:
    """Refuse, before any computing, an output folder that cannot be written.

    The folder may not exist yet; then its nearest existing parent must be a
    writable folder. A file in its place is refused.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise ValueError(f"the output {target} exists and is not a folder; expected a folder")
    parent = target if target.exists() else target.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"the output folder {target} cannot be created or written in {parent}")
    return target


MANIFEST = ".hqml-owned.json"
"""The file that lists what hqml wrote into an output folder: the only files it may replace."""


def owned_files(folder: str | os.PathLike) -> set[str]:
    """The names hqml wrote into ``folder``, from its manifest (none when there is none)."""
    manifest = Path(folder) / MANIFEST
    if not manifest.exists() and not manifest.is_symlink():
        return set()
    try:
        record = json.loads(manifest.read_text()) if manifest.is_file() else None
    except (OSError, ValueError):
        record = None
    files = record.get("files") if isinstance(record, dict) else None
    if record is None or record.get("written_by") != "hqml" or not isinstance(files, list):
        raise ValueError(
            f"{manifest} is not hqml's list of its files; move it or choose another folder"
        )
    return {name for name in files if isinstance(name, str) and name == Path(name).name}


def check_result_folder(target: str | os.PathLike, names: Iterable[str]) -> Path:
    """Refuse, before any computing, a folder where writing ``names`` would replace a user's file.

    hqml may replace only the files its manifest says it wrote; any other
    file of the same name (or a folder, or a link) stays, and the command
    stops here instead.
    """
    target = check_writable_folder(target)
    if not target.exists():
        return target
    owned = owned_files(target)
    for name in names:
        path = target / name
        if (path.exists() or path.is_symlink()) and (name not in owned or not path.is_file()):
            raise ValueError(
                f"{path} exists and hqml did not write it; expected an output folder "
                "without it: move it or choose another --output"
            )
    return target


@contextmanager
def replace_file_set(target: str | os.PathLike, names: Iterable[str]):
    """Yield a hidden temporary folder; move the files written there into ``target`` on success.

    The files replace hqml's previous set, each by an atomic rename, and
    the manifest lists the union while they move, so a crash leaves every
    file whole and every file hqml wrote still recognised as its own. Files
    of the previous set that the new one lacks are removed; nothing else in
    ``target`` is touched. ``names`` are the files the set may hold.
    """
    names = tuple(names)
    target = Path(target)
    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    with _writer_lock(target):
        yield from _replace_locked(target, names, created)


@contextmanager
def _writer_lock(target: Path):
    """One writer at a time per folder: a second one is refused, not interleaved.

    Two writers each replacing the set file by file left a mixed set under
    a valid manifest (1 of 40 trials). The lock is ``flock`` on the folder
    itself (no file is added to it), released when the writer ends,
    however it ends.
    """
    handle = os.open(target, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ResultWriteError(
                f"another hqml process is writing results to {target}; wait for it to finish "
                "or choose another output folder"
            ) from None
        yield
    finally:
        os.close(handle)


def _replace_locked(target: Path, names: tuple, created: bool):
    temporary = Path(tempfile.mkdtemp(prefix=".hqml-new-", dir=target))
    try:
        yield temporary
        written = sorted(path.name for path in temporary.iterdir())
        unexpected = set(written) - set(names)
        if unexpected:
            raise RuntimeError(
                f"a result set wrote files it does not declare: {sorted(unexpected)}"
            )
        check_result_folder(target, written)
        previous = owned_files(target)
        _write_manifest(target, previous | set(written))
        for name in written:
            os.chmod(temporary / name, 0o666 & ~_umask())
            os.replace(temporary / name, target / name)
        _write_manifest(target, set(written))
        for name in previous - set(written):
            (target / name).unlink(missing_ok=True)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            _discard(temporary, target, created)
            raise
        raise ResultWriteError(
            f"the disk holding {target} is full ({error.strerror}): the results were computed "
            f"but could not all be written. {target} is as it was before; what was written "
            f"before the disk filled is in {temporary}. Free space and run again, or choose "
            "an output folder on another disk"
        ) from None
    except BaseException:
        _discard(temporary, target, created)
        raise
    shutil.rmtree(temporary, ignore_errors=True)


def _discard(temporary: Path, target: Path, created: bool) -> None:
    shutil.rmtree(temporary, ignore_errors=True)
    if created and _only_hqml(target):
        shutil.rmtree(target, ignore_errors=True)


class ResultWriteError(RuntimeError):
    """Results could not be written: the disk is full, or another writer holds the folder."""


def _only_hqml(folder: Path) -> bool:
    """Whether ``folder`` (which hqml created) holds nothing but hqml's hidden files."""
    return all(path.name.startswith((".hqml-", MANIFEST)) for path in folder.iterdir())


def _write_manifest(folder: Path, names: set[str]) -> None:
    record = {"written_by": "hqml", "files": sorted(names)}
    write_atomically(folder / MANIFEST, lambda t: t.write_text(json.dumps(record, indent=2)))


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
