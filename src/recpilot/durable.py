"""Crash-safe file replacement: temporary names, fsync, checksummed manifests.

Every file or folder recpilot replaces is first written under a temporary name in the same
directory (``.<target>.<pid>.<token>.tmp``), flushed to disk, then moved over the target with
one atomic rename, and the directory itself is flushed. A process killed at any moment leaves
either the previous complete version or the new one, plus at most a temporary entry that the
next writer removes (:func:`remove_stale_temps`: only entries of processes that no longer run).

A folder artifact carries a ``MANIFEST.json`` written last (size and SHA-256 of every other
file); :func:`verify_manifest` refuses a folder whose files do not match it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import shutil
from contextlib import suppress
from pathlib import Path

from recpilot.errors import RecpilotError

log = logging.getLogger(__name__)

MANIFEST = "MANIFEST.json"
_TEMP = re.compile(r"^\.(?P<target>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.(?:tmp|link)(?:\.wal)?$")


class IntegrityError(RecpilotError):
    """A folder artifact is incomplete or does not match its manifest."""


def temp_path(target: Path, suffix: str = "tmp") -> Path:
    """A fresh temporary name next to ``target`` that names this process."""
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.{suffix}")


def fsync_path(path: Path) -> None:
    """Flush a file's (or a directory's) contents and metadata to disk."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(directory: Path) -> None:
    """Flush every file under ``directory`` and the directory entries themselves."""
    for root, dirs, files in os.walk(directory):
        for name in files:
            fsync_path(Path(root) / name)
        for name in dirs:
            fsync_path(Path(root) / name)
    fsync_path(directory)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(directory: Path, target_name: str | None = None) -> list[Path]:
    """Remove the temporary entries in ``directory`` left by writers that no longer run
    (for ``target_name`` only, when given); returns what was removed. Entries of a live
    process are left alone: it may still be writing them."""
    removed: list[Path] = []
    if not directory.is_dir():
        return removed
    for entry in directory.iterdir():
        match = _TEMP.match(entry.name)
        if match is None or (target_name is not None and match["target"] != target_name):
            continue
        if _pid_alive(int(match["pid"])):
            continue
        remove_entry(entry)
        removed.append(entry)
    if removed:
        log.info("removed %d leftover temporary entries in %s", len(removed), directory)
    return removed


def remove_entry(path: Path) -> None:
    """Remove a file, a symlink or a folder; a missing one is fine."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(FileNotFoundError):
            path.unlink()


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(directory: Path) -> None:
    """Write ``MANIFEST.json`` (size and SHA-256 of every other file), flushed, last."""
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST)
    entries = {
        str(p.relative_to(directory)): {"size": p.stat().st_size, "sha256": _digest(p)}
        for p in files
    }
    fsync_tree(directory)
    tmp = temp_path(directory / MANIFEST)
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump({"files": entries}, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, directory / MANIFEST)
    fsync_path(directory)


def verify_manifest(directory: Path) -> None:
    """Raise :class:`IntegrityError` unless every file listed in the manifest is there with
    its size and checksum (a folder without a manifest was never completed)."""
    try:
        listed = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))["files"]
    except FileNotFoundError:
        raise IntegrityError(f"{directory} has no {MANIFEST}: it was never completed") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IntegrityError(f"{directory}/{MANIFEST} is unreadable ({exc})") from None
    if not isinstance(listed, dict) or not listed:
        raise IntegrityError(f"{directory}/{MANIFEST} lists no files")
    for name, entry in listed.items():
        path = directory / name
        try:
            size = path.stat().st_size
        except OSError:
            raise IntegrityError(f"{path} is missing (listed in {MANIFEST})") from None
        if size != entry.get("size") or _digest(path) != entry.get("sha256"):
            raise IntegrityError(f"{path} does not match its checksum in {MANIFEST}")
