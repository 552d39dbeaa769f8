"""Files and folders that may hold personal data: readable by their owner only.

Error reports, reject files, exports, uploads and the SQLite database name people
and may carry clear ID numbers (个人信息保护法 Art. 51: technical measures such as
access control). Each is created with mode 0600 inside a folder of mode 0700 before
anything is written to it, so there is no moment at which another account on the
machine could open it; a writer then writes to the path as usual (opening an existing
file for writing keeps its mode).

    private_file(Path("reports/import-errors.xlsx"))   # exists now, empty, 0600
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Iterable
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """`path` as a folder only its owner may enter: created 0700, or an existing one of
    ours tightened to 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    _tighten(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """`path` as an empty (or existing) file only its owner may read or write; its folder is
    created 0700 when missing (an existing folder the user chose is left as it is)."""
    if not path.parent.exists():
        private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # an existing file keeps its old mode through O_CREAT
    finally:
        os.close(fd)
    return path


def tighten(path: Path) -> None:
    """Make an existing file owner-only (0600); a missing one is ignored."""
    if path.exists():
        _tighten(path, FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    try:
        if stat.S_IMODE(path.stat().st_mode) != mode and path.stat().st_uid == os.getuid():
            path.chmod(mode)
    except OSError:  # not ours to change (a shared mount): leave it, as before
        pass


def purge(directory: Path, patterns: Iterable[str], older_than_days: float) -> list[Path]:
    """Delete the files of `directory` matching `patterns` last changed more than
    `older_than_days` ago; returns what was deleted. Nothing happens for a missing folder
    or a negative age (keep for ever)."""
    if older_than_days < 0 or not directory.is_dir():
        return []
    cutoff = time.time() - older_than_days * 86_400
    gone = []
    for pattern in patterns:
        for path in directory.glob(pattern):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    gone.append(path)
            except OSError:  # removed by a concurrent run
                continue
    return gone
