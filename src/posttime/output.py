"""Writing reports atomically: a temporary file beside the target, then a rename.

The rules (the README's "--output" section says the same):

- only a regular file or a new path is written; a folder, a device, a FIFO or a socket is
  refused, and so is a file without write permission (even for root);
- a symbolic link is followed, as ``cp`` and the shell's ``>`` do: the file it points to is
  replaced (its temporary file sits in that file's folder) and the link stays;
- a new file gets the mode of any new file (0666 less the umask); a replaced file keeps its
  mode;
- the temporary file is named ``.NAME.posttime-PID.tmp``; one left behind by a process
  that is gone (killed mid-write) is removed on the next write of the same target;
- any failure (no space, a file size limit, no permission) is one ``InputError`` and leaves
  the target as it was.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from posttime.errors import InputError


def temp_name(target: Path, pid: int) -> Path:
    """The temporary file of process ``pid`` writing ``target``."""
    return target.with_name(f".{target.name}.posttime-{pid}.tmp")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale(target: Path) -> list[Path]:
    """Remove the temporary files of ``target`` left by processes that are gone."""
    removed = []
    prefix, suffix = f".{target.name}.posttime-", ".tmp"
    for candidate in target.parent.glob(f"{prefix}*{suffix}"):
        pid = candidate.name[len(prefix):-len(suffix)]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
    return removed


def _target(path: str | os.PathLike) -> tuple[Path, int | None]:
    """The file to replace (a symlink resolved) and the mode to keep (None: a new file)."""
    shown = Path(path)
    target = Path(os.path.realpath(shown))
    try:
        st = os.stat(target)
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise InputError(
                f"cannot write {shown}: folder {target.parent} does not exist") from None
        return target, None
    except OSError as exc:
        raise InputError(f"cannot write {shown}: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"cannot write {shown}: it is a folder; give a file name")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"cannot write {shown}: it is not a regular file (a device, FIFO "
                         "or socket); give a file name, or - for standard output")
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise InputError(f"cannot write {shown}: the file is read-only")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise InputError(f"cannot write {shown}: no permission to write in {target.parent}")
    return target, stat.S_IMODE(st.st_mode)


def write_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the whole new one."""
    target, mode = _target(path)
    remove_stale(target)
    tmp = temp_name(target, os.getpid())
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, flags, 0o666 if mode is None else 0o600)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_folder(folder: str | os.PathLike, files: dict[str, str]) -> None:
    """Write ``files`` (name -> text) into ``folder``, made if missing, each atomically."""
    target = Path(folder)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot make folder {target}: {exc.strerror}") from None
    for name, text in files.items():
        write_atomic(target / name, text)
