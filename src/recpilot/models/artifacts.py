"""Train-once model cache: artifacts under ``data_home()/models/<key>/<name>-<hash>``.

The hash covers the model name, its full config and :func:`data_fingerprint` of the training
data, so changing either trains a new artifact, and the same inputs reuse the saved one.

Crash safety: ``<name>-<hash>`` is a symbolic link to one complete version folder
(``.<name>-<hash>@<version>``). A new version is written under a temporary name, flushed,
sealed with a ``MANIFEST.json`` (sizes and SHA-256 of its files, written last), renamed, and
then the link is swapped with one atomic rename. A process killed at any point leaves the
previous version in place; leftovers are removed by the next writer. A loader checks the
manifest first and refuses a folder that does not match it (:func:`load_artifact`);
:func:`train_or_load` then retrains, with a warning naming the reason.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import secrets
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import numpy as np

from recpilot.catalog.interactions import InteractionData
from recpilot.config import subdir
from recpilot.durable import (
    IntegrityError,
    fsync_path,
    remove_entry,
    remove_stale_temps,
    temp_path,
    verify_manifest,
    write_manifest,
)
from recpilot.errors import ModelError

from .base import ModelConfig, Recommender
from .progress import EpochCallback, EpochProgress
from .registry import model_class

log = logging.getLogger(__name__)


def data_fingerprint(data: InteractionData) -> str:
    """SHA-256 (hex, 16 chars) of the interaction index arrays, vocabularies and texts."""
    digest = hashlib.sha256()
    for array in (data.users, data.items, data.timestamps):
        if array is None:
            digest.update(b"<none>")
        else:
            digest.update(np.ascontiguousarray(array, dtype=np.int64).tobytes())
    for vocab in (data.user_ids, data.item_ids, data.item_texts or ()):
        digest.update(len(vocab).to_bytes(8, "little"))
        for token in vocab:
            digest.update(str(token).encode())
            digest.update(b"\x00")
    return digest.hexdigest()[:16]


def artifact_dir(name: str, data: InteractionData, *, key: str, config: ModelConfig) -> Path:
    """Where :func:`train_or_load` keeps model ``name`` trained with ``config`` on ``data``."""
    payload = json.dumps(
        {"model": name, "config": config.model_dump(mode="json"), "data": data_fingerprint(data)},
        sort_keys=True,
    )
    digest = hashlib.sha256(payload.encode()).hexdigest()[:12]
    return subdir("models", key) / f"{name}-{digest}"


def train_or_load(
    name: str,
    data: InteractionData,
    *,
    key: str,
    config: ModelConfig | None = None,
    progress: bool = False,
    force: bool = False,
    on_epoch: EpochCallback | None = None,
) -> tuple[Recommender, float]:
    """Model ``name`` fitted on ``data``: loaded from its artifact when one exists, else
    trained and saved. Returns (model, training seconds; 0.0 when loaded).

    ``key`` names the data source (e.g. the dataset name) in the cache layout. ``progress``
    shows a Rich progress bar for epoch-trained models; ``on_epoch`` receives the epochs
    instead (the CLI uses it to drive its own display). ``force`` retrains regardless.
    """
    cls = model_class(name)
    config = config if config is not None else cls.config_class()
    if not isinstance(config, cls.config_class):
        raise ModelError(
            f"model {name!r} takes a {cls.config_class.__name__}, got {type(config).__name__}"
        )
    directory = artifact_dir(name, data, key=key, config=config)
    if not force and directory.exists():
        try:
            model = load_artifact(cls, directory)
            if model.n_items != data.n_items:
                raise ModelError(f"artifact has {model.n_items} items, data has {data.n_items}")
            log.info("loaded model=%s path=%s", name, directory)
            _tidy(directory)
            return model, 0.0
        except (
            ModelError,
            KeyError,
            ValueError,
            RuntimeError,
            EOFError,
            zipfile.BadZipFile,
        ) as exc:
            log.warning("retraining model=%s: corrupt artifact path=%s (%s)", name, directory, exc)

    model = cls(config)
    started = time.perf_counter()
    if isinstance(model, EpochProgress) and (progress or on_epoch is not None):
        model.epoch_callback = on_epoch if on_epoch is not None else _rich_bar(name)
        try:
            model.fit(data)
        finally:
            model.epoch_callback = None
    else:
        model.fit(data)
    seconds = time.perf_counter() - started
    save_artifact(model, directory)
    log.info("trained model=%s seconds=%.2f path=%s", name, seconds, directory)
    return model, seconds


def load_artifact(cls: type[Recommender], directory: Path) -> Recommender:
    """The model saved at ``directory`` (the link :func:`artifact_dir` names). Raises
    :class:`ModelError` when there is none or its files do not match its manifest."""
    with _locked(directory, exclusive=False):
        version = directory.resolve()
        if not version.is_dir():
            raise ModelError(f"no model artifact at {directory}")
        try:
            verify_manifest(version)
        except IntegrityError as exc:
            raise ModelError(f"refusing model artifact: {exc}") from None
        return cls.load(version)


def save_artifact(model: Recommender, directory: Path) -> None:
    """Save ``model`` as the new version of ``directory``, replacing the link atomically."""
    parent = directory.parent
    remove_stale_temps(parent)
    tmp = temp_path(directory)
    try:
        model.save(tmp)
        write_manifest(tmp)
    except BaseException:
        remove_entry(tmp)
        raise
    with _locked(directory, exclusive=True):
        version = parent / f".{directory.name}@{time.time_ns():x}-{secrets.token_hex(4)}"
        os.replace(tmp, version)
        link = temp_path(directory, "link")
        os.symlink(version.name, link)
        if directory.is_dir() and not directory.is_symlink():  # a folder from an older release
            os.replace(directory, parent / f".{directory.name}@legacy-{secrets.token_hex(4)}")
        os.replace(link, directory)
        fsync_path(parent)
        _prune(directory)


@contextmanager
def _locked(directory: Path, *, exclusive: bool, wait: bool = True) -> Iterator[bool]:
    """Hold the artifact's lock file: shared while loading, exclusive while swapping."""
    lock = directory.with_name(f".{directory.name}.lock")
    with lock.open("a") as handle:
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(handle, mode if wait else mode | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True


def _prune(directory: Path) -> None:
    """Remove every version folder of ``directory`` except the one its link names."""
    try:
        current = os.readlink(directory)
    except OSError:
        current = None
    for entry in directory.parent.glob(f".{directory.name}@*"):
        if entry.name != current:
            remove_entry(entry)


def _tidy(directory: Path) -> None:
    """Remove leftovers of killed writers, unless another process holds the artifact."""
    with suppress(OSError), _locked(directory, exclusive=True, wait=False) as held:
        if held:
            _prune(directory)
            remove_stale_temps(directory.parent, directory.name)


def _rich_bar(name: str) -> EpochCallback:
    """An epoch callback drawing a transient Rich bar on stderr (closes on the last epoch)."""
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)
    task = bar.add_task(f"training {name}", total=None)

    def callback(done: int, total: int, loss: float | None) -> None:
        if done == 1:
            bar.start()
        suffix = f" loss={loss:.3f}" if loss is not None else ""
        bar.update(task, completed=done, total=total, description=f"training {name}{suffix}")
        if done >= total:
            bar.stop()

    return callback
