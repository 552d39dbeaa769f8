"""Uploaded files between "check" and "import": a folder per user and upload under the data
directory (`uploads/<user key>/<token>/`).

The token is 32 random bytes (URL-safe), so a folder cannot be guessed; the user key is a
hash of the user name, so one user's token never finds another user's files. Files that
hold clear ID numbers live only as long as they are needed: after a check, clean or not,
they wait for the user's next step (import all, import the good rows only, or check again
with a fixed file, the other kept); an import deletes them (a good-rows import keeps the
masked error report), a new upload drops the user's earlier folders, and a folder not
finished is gone after `MAX_AGE_SECONDS`: every request to the import pages sweeps expired folders away
(anyone's), and an expired token is refused even before its sweep. Folders are 0700 and
files 0600 (owner only).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import shutil
import time
from pathlib import Path

from minsheng.contract.private_files import private_dir, private_file
from minsheng.errors import NotFound

# From check to import is a few minutes' work; an hour is ample, and clear ID numbers of a
# check nobody finished do not stay on the server's disk overnight.
MAX_AGE_SECONDS = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
_UNSAFE = re.compile(r"[^\w.()（）\- ]+")
REPORT_NAME = "import-errors.xlsx"


class Uploads:
    def __init__(self, data: Path, username: str) -> None:
        self.root = data / "uploads"
        self.home = self.root / hashlib.sha256(username.encode("utf-8")).hexdigest()[:24]
        self._sweep()  # each import request removes what has outlived MAX_AGE_SECONDS

    def new(self) -> tuple[str, Path]:
        """A fresh folder for one upload; the user's earlier ones are dropped."""
        if self.home.exists():
            shutil.rmtree(self.home, ignore_errors=True)
        token = secrets.token_urlsafe(32)
        folder = self.home / token
        private_dir(self.root)
        folder.mkdir(parents=True, mode=0o700)
        return token, folder

    def folder(self, token: str) -> Path:
        """This user's folder for the token, or `NotFound` (expired, imported, or not theirs)."""
        folder = self.home / token
        if _TOKEN.match(token) and folder.is_dir() and _expired(folder, time.time() - MAX_AGE_SECONDS):
            shutil.rmtree(folder, ignore_errors=True)
        if not _TOKEN.match(token) or not folder.is_dir():
            raise NotFound(
                "上传的文件已过期或已导入，请重新上传",
                "the uploaded files have expired or were imported: upload them again",
            )
        return folder

    def again(self, token: str) -> tuple[str, Path]:
        """The folder of an earlier check, to check again with some of its files replaced
        (its old report removed, its hour started afresh); a fresh folder when it is gone."""
        try:
            folder = self.folder(token)
        except NotFound:
            return self.new()
        (folder / REPORT_NAME).unlink(missing_ok=True)
        folder.touch()
        for other in self.home.iterdir():  # the user's other uploads go, as with `new`
            if other != folder:
                shutil.rmtree(other, ignore_errors=True)
        return token, folder

    @staticmethod
    def replace_input(folder: Path, field: int) -> None:
        shutil.rmtree(folder / f"in-{field}", ignore_errors=True)

    @staticmethod
    def kept(folder: Path) -> dict[int, str]:
        """The file kept for each form field (1, 2, …): its name, to show beside the field."""
        return {int(p.parent.name[3:]): p.name for p in Uploads.inputs(folder)}

    @staticmethod
    def inputs(folder: Path) -> list[Path]:
        return sorted(p for p in folder.glob("in-*/*") if p.is_file())

    @staticmethod
    def drop_inputs(folder: Path) -> None:
        for sub in folder.glob("in-*"):
            shutil.rmtree(sub, ignore_errors=True)

    def discard(self, token: str) -> None:
        shutil.rmtree(self.home / token, ignore_errors=True)

    def _sweep(self) -> None:
        if not self.root.is_dir():
            return
        cutoff = time.time() - MAX_AGE_SECONDS
        for folder in self.root.glob("*/*"):
            if _expired(folder, cutoff):
                shutil.rmtree(folder, ignore_errors=True)


def _expired(folder: Path, cutoff: float) -> bool:
    """Made (or last changed: a check writes its report into it) before `cutoff`."""
    try:
        return folder.stat().st_mtime < cutoff
    except OSError:  # swept by a concurrent request
        return False


def save_path(folder: Path, field: int, name: str, fallback: str) -> Path:
    """Where an uploaded file is kept: an owner-only (0600) file in an owner-only folder."""
    target = folder / f"in-{field}" / safe_name(name, fallback)
    return private_file(target)


def safe_name(name: str, fallback: str) -> str:
    """The file's own name (rows are reported under it), without any path or odd characters."""
    base = Path(name.replace("\\", "/")).name.strip()
    base = _UNSAFE.sub("_", base)[-120:].lstrip(".")
    return base or fallback
