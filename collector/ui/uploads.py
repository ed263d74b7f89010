"""Spreadsheets uploaded through the UI, kept between the upload and the mapping steps.

A file lives in ``<tmp>/footfall-ui-uploads/<portal>/<upload id>/`` (a folder every worker
process on the host shares) with its original name beside it, so only the portal that
uploaded it can find it. Uploads older than a day are removed when a new one arrives.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from starlette.datastructures import UploadFile

from collector.importer.jobs import new_folder
from collector.importer.source import FILE_TYPES, stored_name

ROOT = Path(tempfile.gettempdir()) / "footfall-ui-uploads"
MAX_AGE_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class Upload:
    id: str
    path: Path
    name: str


class UnsupportedFile(ValueError):
    """The upload is not a .csv, .xlsx or .xls file."""


def _portal_dir(portal_id: int) -> Path:
    return ROOT / str(int(portal_id))


def _private_dir(path: Path) -> Path:
    """``path`` as a directory only this process's user can enter (uploads hold emails):
    created 0700, and refused if someone else made it or it is a symlink."""
    path.mkdir(mode=0o700, exist_ok=True)
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise OSError(f"{path} is not a private directory of this user; remove it")
    if stat.S_IMODE(info.st_mode) != 0o700:
        path.chmod(0o700)
    return path


def _purge() -> None:
    """Delete every portal's uploads older than MAX_AGE_SECONDS."""
    cutoff = time.time() - MAX_AGE_SECONDS
    for portal in ROOT.iterdir() if ROOT.is_dir() else ():
        for child in portal.iterdir() if portal.is_dir() and not portal.is_symlink() else ():
            try:
                if child.stat().st_mtime < cutoff:
                    shutil.rmtree(child, ignore_errors=True)
            except OSError:
                continue


async def save(portal_id: int, upload: UploadFile) -> Upload:
    name = Path(upload.filename or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in FILE_TYPES:
        raise UnsupportedFile(f"{name or 'the file'}: unsupported file type; choose a .csv,"
                              " .xlsx or .xls file")
    _private_dir(ROOT)
    folder = _private_dir(_portal_dir(portal_id))
    _purge()
    upload_id = str(uuid.uuid4())
    target = folder / upload_id
    target.mkdir(mode=0o700)
    path = target / stored_name(name)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        while chunk := await upload.read(1 << 20):
            out.write(chunk)
    (target / "name.txt").write_text(name, "utf-8")
    return Upload(upload_id, path, name)


def find(portal_id: int, upload_id: str) -> Upload | None:
    """The portal's upload with this id, or None (other portals' ids find nothing)."""
    try:
        canonical = str(uuid.UUID(upload_id))
    except ValueError:
        return None
    folder = _portal_dir(portal_id) / canonical
    names = folder / "name.txt"
    if not names.is_file():
        return None
    name = names.read_text("utf-8")
    path = folder / stored_name(name)
    return Upload(canonical, path, name) if path.is_file() else None


def copy_for_job(upload: Upload) -> Path:
    """A copy the import job owns (a job deletes its file when it ends; the upload stays for
    a dry run followed by the real import)."""
    path = new_folder() / upload.path.name
    shutil.copyfile(upload.path, path)
    return path
